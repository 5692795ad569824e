"""One client-side connection to one server: hello, subscribe, resume, watch the heartbeat.

It hands decoded batches (already namespaced) and its own observations to the client
through ``deliver``; the client merges and numbers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from typing import Any

import polars as pl
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from meshlab.events import NODE_KINDS, READABLE_VERSIONS
from meshlab.live import codec, schema
from meshlab.live import protocol as p
from meshlab.live.merge import namespace
from meshlab.live.observations import node_rows

CLIENT_NAME = "meshlab-py"
RECONNECT_DELAYS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


class ServerGone(Exception):
    """The server refused us for good (wrong versions, bad token): do not reconnect."""


class _Stalled(Exception):
    """The heartbeat timed out (already recorded as an observation)."""


class Connection:
    """The client's view of one server, kept across reconnects."""

    def __init__(
        self,
        url: str,
        index: int,
        *,
        deliver: Callable[[int, pl.DataFrame], None],
        token: str | None,
        heartbeat_timeout: float | None,
        reconnect: bool,
        open_timeout: float,
    ) -> None:
        if not url.startswith(("ws://", "wss://")):
            raise ValueError(
                f"{url!r} is not a WebSocket URL; give one like ws://127.0.0.1:8765/ "
                "(the address `meshlab serve` prints)"
            )
        self.url = url
        self.index = index
        self.deliver = deliver
        self.token = token
        self.heartbeat_timeout = heartbeat_timeout
        self.reconnect = reconnect
        self.open_timeout = open_timeout
        self.name: str | None = None
        self.prefix: str | None = None  # set by the client when it namespaces this server
        self.hello: dict[str, Any] = {}
        self.latency: dict[str, Any] | None = None  # the last heartbeat's HDR percentiles
        self.status = "connecting"  # connecting | live | down | failed | closed
        self.reason: str | None = None
        self.next_seq = 0  # resume position in the server's own seq
        self.stream_id: str | None = None
        self.node_states: dict[str, str] = {}  # server-side names -> state from its stream
        self.marked_down: list[str] = []
        self.clock = {"now": 0.0, "wall": time.time(), "speed": 0.0}
        self.received = 0
        self.reconnects = 0
        self.first_attempt = asyncio.Event()
        self.greeted = asyncio.Event()
        self.ws: Any = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}

    # the server's clock, for the time of an observation -----------------------------------
    def source_now(self) -> float:
        c = self.clock
        return c["now"] + max(0.0, time.time() - c["wall"]) * c["speed"]

    def local(self, name: str) -> str:
        """The server's own name for a (possibly namespaced) node or actor id."""
        if self.prefix and name.startswith(self.prefix):
            return name[len(self.prefix) :]
        return name

    def _public(self, names: list[str]) -> list[str]:
        return [f"{self.prefix}{n}" for n in names] if self.prefix else list(names)

    # the loop ----------------------------------------------------------------------------
    async def run(self, on_hello: Callable[[Connection], None]) -> None:
        delays = iter(RECONNECT_DELAYS)
        while True:
            try:
                await self._session(on_hello)
                delays = iter(RECONNECT_DELAYS)
            except ServerGone as exc:
                self._lost(f"server refused the stream ({exc})")
                self.status, self.reason = "failed", str(exc)
                self.first_attempt.set()
                self._fail_requests(ConnectionError(f"{self.url}: {exc}"))
                return
            except _Stalled:
                pass
            except asyncio.CancelledError:
                self.status = "closed"
                raise
            except TimeoutError:
                self._lost(f"no answer within {self.open_timeout:g} s")
            except (OSError, ConnectionClosed, InvalidHandshake, p.ProtocolError) as exc:
                self._lost(f"connection lost ({_describe(exc)})")
            except InvalidURI as exc:
                self.status, self.reason = "failed", str(exc)
                self.first_attempt.set()
                return
            self.first_attempt.set()
            if not self.reconnect:
                self.status = "closed" if self.status != "down" else "down"
                return
            await asyncio.sleep(next(delays, RECONNECT_DELAYS[-1]))
            self.reconnects += 1

    def _timeout(self) -> float:
        if self.heartbeat_timeout is not None:
            return self.heartbeat_timeout
        return 3.0 * float(self.hello.get("heartbeat_interval", p.DEFAULT_HEARTBEAT))

    async def _session(self, on_hello: Callable[[Connection], None]) -> None:
        async with ws_connect(
            self.url,
            open_timeout=self.open_timeout,
            ping_interval=None,
            close_timeout=1.0,
            compression=None,
            proxy=None,
            max_size=p.MAX_SERVER_FRAME + 1024,
            max_queue=64,
        ) as ws:
            self.ws = ws
            try:
                async with asyncio.timeout(self.open_timeout):
                    hello = codec.decode(await ws.recv())
                self._check_hello(hello)
                await ws.send(
                    codec.encode(
                        {
                            "type": p.HELLO,
                            "protocols": list(p.SUPPORTED_PROTOCOLS),
                            # every schema this client reads: the node sends the newest
                            "schema_versions": list(READABLE_VERSIONS),
                            "client": CLIENT_NAME,
                            **({"token": self.token} if self.token else {}),
                        }
                    )
                )
                await ws.send(codec.encode({"type": p.SUBSCRIBE, "from_seq": self.next_seq}))
                # live only once the stream answers (a heartbeat comes first): a refusal,
                # such as a wrong token, arrives here instead
                async with asyncio.timeout(self.open_timeout):
                    first = codec.decode(await ws.recv())
                if first["type"] == p.ERROR and first.get("fatal"):
                    raise ServerGone(f"server refused: {first.get('message')}")
                self.hello = hello
                on_hello(self)
                self._resumed()
                self.status, self.reason = "live", None
                self.greeted.set()
                self.first_attempt.set()
                self._handle(first)
                while True:
                    try:
                        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow
                        # a cancellation that races with a frame, and close() would hang
                        async with asyncio.timeout(self._timeout()):
                            message = await ws.recv()
                    except TimeoutError:
                        # mark the nodes down now, not after the close handshake with a
                        # server that may never answer it
                        self._lost(f"heartbeat timeout (no frame for {self._timeout():g} s)")
                        raise _Stalled from None
                    self._handle(codec.decode(message))
            finally:
                self.ws = None
                self._fail_requests(ConnectionError(f"connection to {self.url} was lost"))

    def _check_hello(self, hello: dict) -> None:
        if hello.get("type") == p.ERROR:
            raise ServerGone(f"server refused the connection: {hello.get('message')}")
        if hello.get("type") != p.HELLO:
            raise ServerGone(f"server did not start with a hello (got {hello.get('type')!r})")
        try:
            p.choose_protocol(hello.get("protocols"))
        except p.ProtocolError as exc:
            raise ServerGone(str(exc)) from None
        if schema.served_schema(hello) is None:
            offered = hello.get("schema_versions", hello.get("schema_version"))
            raise ServerGone(
                f"server sends event schema version {offered!r}, this meshlab reads "
                f"{list(READABLE_VERSIONS)}; use matching meshlab releases"
            )
        if hello.get("stream_auth") and not self.token:
            raise ServerGone(
                "this node requires a token to stream; pass token=... to meshlab.connect"
            )
        stream_id = hello.get("stream_id")
        if self.stream_id is not None and stream_id != self.stream_id:
            # a different stream on the same address: old positions mean nothing there
            self.next_seq = 0
            self.node_states = {}
        self.stream_id = stream_id
        if isinstance(hello.get("clock"), dict):
            self._set_clock(hello["clock"])

    def _set_clock(self, clock: dict) -> None:
        # a clock we cannot read only makes observation times coarser
        with contextlib.suppress(KeyError, TypeError, ValueError):
            self.clock = {
                "now": float(clock["now"]),
                "wall": float(clock["wall"]),
                "speed": float(clock["speed"]),
            }

    def _handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == p.EVENTS:
            self._events(codec.events_from_frame(frame))
        elif kind == p.HEARTBEAT:
            if isinstance(frame.get("clock"), dict):
                self._set_clock(frame["clock"])
            if isinstance(frame.get("latency"), dict):
                self.latency = frame["latency"]
        elif kind in (p.INTROSPECTION, p.CONTROL_OK, p.ERROR):
            request_id = frame.get("id")
            future = self._waiting.pop(request_id, None) if isinstance(request_id, int) else None
            if future is not None and not future.done():
                future.set_result(frame)
            elif kind == p.ERROR:
                self._server_error(frame)

    def _server_error(self, frame: dict) -> None:
        code, message = frame.get("code"), frame.get("message")
        if code == p.E_SEQ_GONE and isinstance(frame.get("oldest_seq"), int):
            # the server no longer holds what we missed: say so, and go on from what it has
            self.reason = f"gap: {message}"
            self.next_seq = frame["oldest_seq"]
            self._resubscribe = asyncio.ensure_future(
                self._send({"type": p.SUBSCRIBE, "from_seq": self.next_seq})
            )
            return
        if frame.get("fatal"):
            raise ServerGone(f"server error {code}: {message}")
        self.reason = f"server error {code}: {message}"

    def _events(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        first = int(df["seq"][0])
        if first < self.next_seq:  # overlap after a resubscribe: keep only what is new
            df = df.filter(pl.col("seq") >= self.next_seq)
            if df.height == 0:
                return
            first = int(df["seq"][0])
        if first > self.next_seq:
            raise p.ProtocolError(
                p.E_BAD_REQUEST,
                f"server skipped from seq {self.next_seq} to {first}; resubscribing",
            )
        self.next_seq = first + df.height
        self.received += df.height
        self._track_nodes(df)
        if self.prefix:
            df = namespace(df, prefix=self.prefix, index=self.index)
        self.deliver(self.index, df)

    def _track_nodes(self, df: pl.DataFrame) -> None:
        nodes = df.filter(pl.col("kind").cast(pl.String).is_in(list(NODE_KINDS)))
        for kind, node, reason in nodes.select("kind", "node", "reason").iter_rows():
            self.node_states[node] = {
                "node_down": "down",
                "node_leave": "left",
                "node_state": reason or "up",
            }.get(kind, "up")

    # observations ------------------------------------------------------------------------
    def _lost(self, why: str) -> None:
        was_live = self.status == "live"
        self.status, self.reason = "down", why
        if not was_live:
            return
        up = [n for n, s in self.node_states.items() if s not in ("down", "left")]
        self.marked_down = up
        if up:
            rows = node_rows("node_down", self._public(up), t=self.source_now(), reason=why)
            self.deliver(self.index, rows)

    def _resumed(self) -> None:
        if self.marked_down:
            rows = node_rows(
                "node_up",
                self._public(self.marked_down),
                t=self.source_now(),
                reason=f"stream resumed from seq {self.next_seq}",
            )
            self.marked_down = []
            self.deliver(self.index, rows)

    # requests ----------------------------------------------------------------------------
    async def _send(self, frame: dict) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(codec.encode(frame))

    async def request(self, frame: dict, timeout: float) -> dict:
        """Send a request carrying a fresh ``id`` and wait for the reply with that id."""
        if self.ws is None:
            raise ConnectionError(f"{self.url} is not connected ({self.status}: {self.reason})")
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        await self.ws.send(codec.encode({**frame, "id": request_id}))
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._waiting.pop(request_id, None)

    def _fail_requests(self, exc: Exception) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(exc)
        self._waiting.clear()

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "next_seq": self.next_seq,
            "received": self.received,
            "reconnects": self.reconnects,
            "stream_id": self.stream_id,
            "source": self.hello.get("source"),
            "scenario": self.hello.get("scenario"),
            "seed": self.hello.get("seed"),
            "nodes": self._public(sorted(self.node_states)),
        }


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        rcvd = exc.rcvd
        if rcvd is not None:
            return f"closed by server, code {rcvd.code}{': ' + rcvd.reason if rcvd.reason else ''}"
        return "connection closed without a close frame"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
