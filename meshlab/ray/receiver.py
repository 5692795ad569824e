"""The HTTP endpoint Ray's Event Export POSTs to: JSON arrays of Ray events.

A small HTTP/1.1 server on asyncio (the live node's event loop), so that each accepted batch
is mapped and published on the loop that streams it, with no thread hand-off. It accepts
``POST`` with a ``Content-Length`` body of at most ``max_body`` bytes holding a JSON array
(or one object); anything else is answered ``400`` with a one-line reason and counted, and
never reaches the mapper.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

MAX_BODY = 16 * 1024 * 1024
"""Largest body accepted, in bytes (Ray's aggregator sends batches of well under 1 MB)."""
MAX_HEADER_LINES = 100
READ_TIMEOUT = 30.0


class BadRequest(Exception):
    """A request the receiver refuses; ``why`` is the counter label."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why = why


class Receiver:
    """Accept Ray's event POSTs on ``host:port`` and hand each batch to ``on_events``.

    The socket is bound at construction (so ``url`` is known before the loop runs); call
    :meth:`start` on the event loop to begin serving.
    """

    def __init__(
        self,
        on_events: Callable[[list[dict[str, Any]]], None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int = MAX_BODY,
    ) -> None:
        self.on_events = on_events
        self.max_body = max_body
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
        except OSError:
            self._sock.close()
            raise
        self._sock.listen(64)
        self._sock.setblocking(False)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self.accepted = 0  # POSTs mapped
        self.rejected: Counter[str] = Counter()  # POSTs refused, by reason
        self.last_post = 0.0  # loop time of the latest accepted POST
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, sock=self._sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        else:
            self._sock.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                try:
                    async with asyncio.timeout(READ_TIMEOUT):
                        keep = await self._request(reader, writer)
                except BadRequest as err:
                    self.rejected[err.why] += 1
                    await _respond(writer, 400, f"{err}\n", close=True)
                    return
                if not keep:
                    return
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            line = await reader.readline()
        except ValueError:  # longer than the stream's line limit
            raise BadRequest("malformed", "request line too long") from None
        if not line:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest("malformed", "not an HTTP/1.x request line")
        method = parts[0]
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADER_LINES):
            try:
                raw = await reader.readline()
            except ValueError:
                raise BadRequest("malformed", "header line too long") from None
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep:
                raise BadRequest("malformed", "a header line without ':'")
            headers[name.strip().lower()] = value.strip()
        else:
            raise BadRequest("malformed", f"more than {MAX_HEADER_LINES} header lines")
        if method != "POST":
            raise BadRequest("method", f"only POST is accepted (Ray's event export), not {method}")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise BadRequest("malformed", "chunked bodies are not accepted; send Content-Length")
        try:
            length = int(headers["content-length"])
        except (KeyError, ValueError):
            raise BadRequest("malformed", "a POST needs a Content-Length header") from None
        if length < 0:
            raise BadRequest("malformed", "negative Content-Length")
        if length > self.max_body:
            raise BadRequest("too_large", f"body of {length} bytes is over {self.max_body}")
        body = await reader.readexactly(length)
        with collector_paused():
            self._accept(body)
        self.accepted += 1
        self.last_post = asyncio.get_running_loop().time()
        close = headers.get("connection", "").lower() == "close"
        await _respond(writer, 200, "{}", close=close)
        return not close

    def _accept(self, body: bytes) -> None:
        """Decode one body and hand its events on; the decoded objects are freed on return
        (before the collector is back on: it would otherwise walk them once more)."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("malformed", f"body is not JSON ({exc})") from None
        events = data if isinstance(data, list) else [data]
        if not all(isinstance(e, dict) for e in events):
            raise BadRequest("malformed", "body must be a JSON array of event objects")
        self.on_events(events)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for a block (back on after, if it was on).

    Decoding and mapping one batch make tens of thousands of objects and no reference
    cycles; the collector, triggered by those allocations, would walk every object of the
    process (Ray's modules, read for the state API, are hundreds of thousands) again and
    again for nothing: that was half the time of decoding a batch.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _respond(writer: asyncio.StreamWriter, status: int, text: str, *, close: bool) -> None:
    reason = {200: "OK", 400: "Bad Request"}[status]
    body = text.encode()
    kind = "application/json" if status == 200 else "text/plain"
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {kind}", f"Content-Length: {len(body)}"]
    if close:
        lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
