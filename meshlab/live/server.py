"""A live node: the wire protocol on a WebSocket endpoint, ``/metrics`` and ``/healthz`` over
plain HTTP on the same port.

One asyncio task per connection reads the client's requests; once it subscribes, a second
task streams the feed from the requested ``seq``. Whatever a client sends, the server answers
with an ``error`` frame or closes that connection: it never falls over.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import json
import logging
import socket
import struct
import sys
import threading
import time
from collections import deque
from http import HTTPStatus
from typing import Any

import polars as pl
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from meshlab.live import codec, schema
from meshlab.live import protocol as p
from meshlab.live.history import History
from meshlab.live.latency import LatencyTracker
from meshlab.live.metrics import CONTENT_TYPE, exposition, registry_for
from meshlab.live.schema import V1Index
from meshlab.live.state import StateTracker

log = logging.getLogger("meshlab.live.server")

FOLD_INTERVAL = 1.0
"""Seconds between two folds of the node's state and latency when nobody asks sooner (and at
most one heartbeat interval: a heartbeat's latency summary is that of the last fold)."""
FOLD_BACKLOG = 500_000
"""Unfolded events that start a fold at once (memory stays bounded under a fast source)."""
LISTEN_BACKLOG = 4096
"""Connections the kernel may hold completed but not yet accepted (capped by the system's
``net.core.somaxconn``). asyncio's default, 100, overflows when one address opens its
2 x 128 allowed connections in a burst while the loop is busy for a few milliseconds: the
kernel then drops new SYNs, from anyone, and a ``/healthz`` probe waits out TCP's 1 s
retransmission. Holding more costs only kernel memory; the per-address cap still applies as
each is accepted."""


class NodeServer:
    """Serve one source (anything with ``feed``, ``describe()``, ``now()``, ``state``,
    ``control()`` and an async ``run()``) as a live node.

    ``token`` enables control actions and is required by them; ``stream_token`` (optional)
    is required to stream at all.
    """

    def __init__(
        self,
        source: Any,
        *,
        name: str,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        stream_token: str | None = None,
        heartbeat: float = p.DEFAULT_HEARTBEAT,
        clock: str = "virtual",
        max_connections_per_address: int = p.MAX_CONNECTIONS_PER_ADDRESS,
    ) -> None:
        if not heartbeat > 0:
            raise ValueError(f"heartbeat must be a positive number of seconds, got {heartbeat}")
        if max_connections_per_address < 1:
            raise ValueError(
                f"max_connections_per_address must be at least 1, got {max_connections_per_address}"
            )
        self.max_connections_per_address = max_connections_per_address
        self.open_by_address: dict[str, int] = {}  # address -> its open TCP connections
        self.source = source
        self.name = name
        self.host = host
        self.port = port
        self.token = token or None
        self.stream_token = stream_token or None
        self.heartbeat = heartbeat
        self.clock = clock
        self.tracker = StateTracker()
        self.latency = LatencyTracker()  # HDR histograms: /metrics, heartbeats, introspection
        self.v1 = V1Index()  # rows of newer kinds, for version 1 subscribers (live/schema.py)
        source.feed.add_listener(self.v1.add)
        source.feed.add_listener(self._on_events)
        self.subscribers = 0
        self.registry = registry_for(self.tracker, self._stream_info, self.latency)
        self._server: Any = None
        self._tasks: list[asyncio.Task] = []
        self.source_error: str | None = None  # set when the source's task fails
        self.history = History(_fit)
        # the newest live batch, encoded once for every subscriber at the head
        self._live: tuple[tuple[int, int], list[bytes], int] | None = None
        self.sessions: set[_Session] = set()
        # the state and latency folds run in a worker thread (see _on_events); readers on the
        # event loop take the lock, heartbeats read the summary kept after each fold
        self._fold_lock = threading.Lock()
        self._unfolded: list[Any] = []
        self._unfolded_rows = 0
        self._folding: asyncio.Task | None = None
        self._fold_now = asyncio.Event()
        # folds are lazy: one per heartbeat interval (at most FOLD_INTERVAL) or when someone
        # asks (/metrics, introspection) or a backlog builds up; a fold costs mostly per call
        self._fold_interval = min(heartbeat, FOLD_INTERVAL)
        self.latency_summary: dict[str, Any] = {}
        # address -> times of its recent failed authentications (bounded, see _auth_failed)
        self._auth_failures: dict[str, deque[float]] = {}

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        node = self

        class Connection(_GuardedConnection):
            counts = node  # this node's connections per address

        self._server = await serve(
            self._session,
            self.host,
            self.port,
            process_request=self._http,
            max_size=p.MAX_CLIENT_FRAME,
            # the protocol has its own heartbeats; keep the library's pings as a backstop
            ping_interval=None,
            compression=None,
            create_connection=Connection,
            backlog=LISTEN_BACKLOG,
        )
        for sock in self._server.server._sockets or ():  # asyncio's listening sockets
            sock.__class__ = type("Listener", (_Listener,), {"__slots__": (), "counts": node})
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks.append(asyncio.create_task(self._run_source()))
        self._tasks.append(asyncio.create_task(self._watch()))

    async def _run_source(self) -> None:
        """Run the source; if it fails, say so everywhere instead of dying silently."""
        try:
            await self.source.run()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # MemoryError too: the node must report, not vanish
            self.source_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            log.error("source failed: %s", self.source_error)
            print(
                f"meshlab serve: error: the source stopped ({self.source_error}); "
                "clients and /healthz now report state 'failed'",
                file=sys.stderr,
                flush=True,
            )
            self.source.feed.notify()  # streams send a heartbeat with the new state

    async def _watch(self) -> None:
        """Close connections that cost the server: unsent bytes piling up for a client that
        does not read (pongs to a ping flood, frames), or no hello within HELLO_TIMEOUT."""
        while True:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            for session in list(self.sessions):
                session.check(now)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._folding is not None:
            self._folding.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    # state -------------------------------------------------------------------------------
    def _on_events(self, df) -> None:
        self._unfolded.append(df)
        self._unfolded_rows += df.height
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a source stepped by hand): fold here
            self._fold(self._take_unfolded())
            return
        if self._unfolded_rows >= FOLD_BACKLOG:
            self._fold_now.set()
        if self._folding is None or self._folding.done():
            self._folding = loop.create_task(self._fold_pending())

    def _take_unfolded(self) -> list[Any]:
        frames, self._unfolded, self._unfolded_rows = self._unfolded, [], 0
        return frames

    async def _fold_pending(self) -> None:
        # the batches of one interval are folded together, unless a reader needs them now
        # (the first ones are folded at once: heartbeats carry latency from then on)
        if self.tracker.events:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._fold_interval):
                    await self._fold_now.wait()
        self._fold_now.clear()
        # polars and HDR histogram work of tens of milliseconds per batch: not on the loop
        while self._unfolded:
            await asyncio.to_thread(self._fold, self._take_unfolded())

    def _fold(self, frames: list[Any]) -> None:
        # one fold of everything that arrived meanwhile: a fold costs mostly per call, so a
        # backlog is caught up in one go instead of growing while the folds fall behind
        df = frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=False)
        with self._fold_lock:
            self.tracker.update(df)
            self.latency.update(df)
            self.latency_summary = self.latency.summary()

    async def folded(self) -> None:
        """Wait until every published event is in the state and latency folds."""
        if self._folding is not None and not self._folding.done():
            self._fold_now.set()
        while self._folding is not None and not self._folding.done():
            await asyncio.shield(self._folding)

    def _stream_info(self) -> dict[str, Any]:
        return {
            "meshlab_stream_head_seq": self.source.feed.head,
            "meshlab_stream_subscribers": self.subscribers,
            "meshlab_source_time_seconds": self.source.now(),
            "meshlab_source_paused": 1.0 if self.source.state == "paused" else 0.0,
        }

    def live_frames(self, pos: int) -> tuple[list[bytes], int]:
        """Frames from ``pos`` to the head; subscribers at the same place share one encoding."""
        feed = self.source.feed
        key = (pos, feed.head)
        if self._live is not None and self._live[0] == key:
            return self._live[1], self._live[2]
        batch = feed.slice(pos, p.MAX_BATCH_ROWS)
        frames = _fit(batch) if batch.height else []
        self._live = (key, frames, pos + batch.height)
        return frames, pos + batch.height

    @property
    def state(self) -> str:
        """The source's state, or ``failed`` once its task has died."""
        return "failed" if self.source_error is not None else self.source.state

    def clock_info(self) -> dict[str, Any]:
        clock = getattr(self.source, "clock", None)
        speed = clock.speed if clock is not None and self.source.state == "running" else 0.0
        if self.clock == "wall":
            speed = 1.0
        return {"kind": self.clock, "now": self.source.now(), "wall": time.time(), "speed": speed}

    def hello(self) -> dict[str, Any]:
        feed = self.source.feed
        return {
            "type": p.HELLO,
            "protocols": list(p.SUPPORTED_PROTOCOLS),
            **schema.hello_fields(),
            "name": self.name,
            "id_scope": getattr(self.source, "id_scope", "server"),
            **self.source.describe(),
            "head_seq": feed.head,
            "oldest_seq": feed.oldest,
            "heartbeat_interval": self.heartbeat,
            "max_frame": p.MAX_SERVER_FRAME,
            "control": self.token is not None,
            "stream_auth": self.stream_token is not None,
            "clock": self.clock_info(),
            "state": self.state,
            **({"error": self.source_error} if self.source_error else {}),
        }

    # HTTP --------------------------------------------------------------------------------
    async def _http(self, connection: ServerConnection, request: Any) -> Any:
        path = request.path.split("?", 1)[0]
        address = _address(connection)
        if path == "/metrics":
            await self.folded()  # the counters cover every event published before the scrape
            if self.stream_token is not None and not _same(
                _bearer(request.headers.get("Authorization", "")), self.stream_token
            ):
                self._auth_failed(address)
                response = connection.respond(
                    HTTPStatus.UNAUTHORIZED,
                    "this node requires its stream token for /metrics: send the header "
                    "'Authorization: Bearer <token>' (Prometheus: authorization.credentials)\n",
                )
                response.headers["WWW-Authenticate"] = 'Bearer realm="meshlab"'
                return response
            with self._fold_lock:
                text = exposition(self.registry).decode()
            response = connection.respond(HTTPStatus.OK, text)
            _set_header(response, "Content-Type", CONTENT_TYPE)
            return response
        if path != "/healthz" and self.open_by_address.get(address, 0) > (
            limit := self.max_connections_per_address
        ):
            response = connection.respond(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"too many open connections from {address}: this node allows {limit} at once "
                "per address (meshlab serve --max-connections-per-address); close some and "
                "retry\n",
            )
            response.headers["Retry-After"] = "1"
            return response
        if path == "/healthz":
            failed = self.source_error is not None
            status = {
                "status": "failed" if failed else "ok",
                "name": self.name,
                "state": self.state,
                "head_seq": self.source.feed.head,
                "now": self.source.now(),
                "subscribers": self.subscribers,
                **({"error": self.source_error} if failed else {}),
            }
            code = HTTPStatus.SERVICE_UNAVAILABLE if failed else HTTPStatus.OK
            response = connection.respond(code, json.dumps(status) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if path not in ("/", "/stream"):
            return connection.respond(
                HTTPStatus.NOT_FOUND,
                f"no such path {path!r}: the event stream is a WebSocket on '/', "
                "metrics are on '/metrics', health on '/healthz'\n",
            )
        wait = self._auth_blocked(address)
        if wait:
            return connection.respond(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"too many failed authentications from {address}; try again in {wait:.0f} s\n",
            )
        if "websocket" not in request.headers.get("Upgrade", "").lower():
            return connection.respond(
                HTTPStatus.UPGRADE_REQUIRED,
                "this is meshlab's WebSocket event stream; connect with a WebSocket client "
                "such as meshlab.connect(url)\n",
            )
        return None

    # open connections per address ---------------------------------------------------------
    def connection_opened(self, address: str) -> bool:
        """Count a new TCP connection; False when it is past twice the limit (drop it)."""
        n = self.open_by_address.get(address, 0) + 1
        self.open_by_address[address] = n
        return n <= 2 * self.max_connections_per_address

    def connection_closed(self, address: str) -> None:
        n = self.open_by_address.get(address, 0) - 1
        if n > 0:
            self.open_by_address[address] = n
        else:
            self.open_by_address.pop(address, None)

    # failed authentications per address ---------------------------------------------------
    def _auth_failed(self, address: str) -> None:
        times = self._auth_failures.get(address)
        if times is None:
            if len(self._auth_failures) >= 10_000:  # bounded: forget the oldest address
                self._auth_failures.pop(next(iter(self._auth_failures)))
            times = self._auth_failures[address] = deque(maxlen=p.MAX_AUTH_FAILURES_PER_ADDRESS)
        times.append(time.monotonic())

    def _auth_blocked(self, address: str) -> float:
        """Seconds until ``address`` may try again (0 when it may now)."""
        times = self._auth_failures.get(address)
        if times is None or len(times) < p.MAX_AUTH_FAILURES_PER_ADDRESS:
            return 0.0
        wait = times[0] + p.AUTH_WINDOW - time.monotonic()
        if wait <= 0:
            del self._auth_failures[address]
            return 0.0
        return wait

    # WebSocket ---------------------------------------------------------------------------
    async def _session(self, ws: ServerConnection) -> None:
        session = _Session(self, ws)
        self.sessions.add(session)
        try:
            await session.run()
        except ConnectionClosed:
            pass
        except Exception:  # a bug must cost one connection, never the server
            log.exception("session failed")
            with contextlib.suppress(Exception):
                await ws.close(1011, "internal error")
        finally:
            self.sessions.discard(session)
            session.stop()


class _Session:
    def __init__(self, server: NodeServer, ws: ServerConnection) -> None:
        self.server = server
        self.ws = ws
        self.address = _address(ws)
        self.errors = 0
        self.auth_failures = 0
        self.greeted = False
        self.schema = schema.DEFAULT_SCHEMA  # the event schema this client reads (its hello)
        self.opened = time.monotonic()
        self.streamer: asyncio.Task | None = None
        # token bucket of client frames
        self._allowance = float(p.REQUEST_BURST)
        self._refilled = self.opened

    def stop(self) -> None:
        if self.streamer is not None:
            self.streamer.cancel()
            self.streamer = None
            self.server.subscribers -= 1

    def check(self, now: float) -> None:
        """Called by the server's watchdog: cut off a connection that costs without paying."""
        transport = self.ws.transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > p.MAX_WRITE_BUFFER:
            log.info("closing %s: it does not read what it is sent", self.address)
            transport.abort()
        elif not self.greeted and now - self.opened > p.HELLO_TIMEOUT:
            log.info("closing %s: no hello within %g s", self.address, p.HELLO_TIMEOUT)
            transport.abort()

    async def send(self, frame: dict | bytes) -> None:
        data = frame if isinstance(frame, bytes) else codec.encode(frame)
        try:
            async with asyncio.timeout(p.SEND_TIMEOUT):
                await self.ws.send(data)
        except TimeoutError:
            # the client stopped reading: its frames would pile up here for ever
            self.ws.transport.abort()
            raise ConnectionClosed(None, None) from None

    async def run(self) -> None:
        await self.send(self.server.hello())
        async for message in self.ws:
            try:
                if not self._allow():
                    raise p.ProtocolError(
                        p.E_RATE_LIMITED,
                        f"more than {p.MAX_REQUESTS_PER_SECOND:g} requests per second; slow down",
                    )
                frame = codec.decode(message)
                await self.handle(frame)
            except p.ProtocolError as err:
                if isinstance(message, str):
                    err = p.ProtocolError(err.code, str(err), fatal=True)
                if await self.refuse(err):
                    return

    def _allow(self) -> bool:
        now = time.monotonic()
        rate = p.MAX_REQUESTS_PER_SECOND
        self._allowance = min(p.REQUEST_BURST, self._allowance + (now - self._refilled) * rate)
        self._refilled = now
        if self._allowance < 1.0:
            return False
        self._allowance -= 1.0
        return True

    async def refuse(self, err: p.ProtocolError, *, id: Any = None, **extra: Any) -> bool:
        """Answer with an error frame; every error counts toward the cut-off, and failed
        authentications toward their own, lower one. Returns True when the connection closes."""
        self.errors += 1
        if err.code == p.E_UNAUTHORIZED:
            self.auth_failures += 1
            self.server._auth_failed(self.address)
        fatal = (
            err.fatal
            or self.errors >= p.MAX_ERRORS_BEFORE_CLOSE
            or self.auth_failures >= p.MAX_AUTH_FAILURES
        )
        frame = p.error_frame(err.code, str(err), fatal=fatal, id=id)
        frame.update(extra)
        await self.send(frame)
        if not fatal:
            return False
        if err.code == p.E_MALFORMED and "not text" in str(err):
            await self.ws.close(p.CLOSE_UNSUPPORTED_DATA, "frames must be binary msgpack")
        elif err.code == p.E_UNAUTHORIZED or self.auth_failures >= p.MAX_AUTH_FAILURES:
            await self.ws.close(p.CLOSE_POLICY, "unauthorized")
        elif err.code == p.E_RATE_LIMITED:
            await self.ws.close(p.CLOSE_POLICY, "rate limited")
        else:
            await self.ws.close(p.CLOSE_PROTOCOL_ERROR, err.code)
        return True

    async def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if not self.greeted:
            if kind != p.HELLO:
                raise p.ProtocolError(
                    p.E_BAD_REQUEST,
                    f"the first frame must be a hello naming the protocol versions, got {kind!r}",
                    fatal=True,
                )
            p.choose_protocol(frame.get("protocols"))
            self.schema = schema.choose_schema(frame)
            needed = self.server.stream_token
            if needed is not None and not _same(frame.get("token"), needed):
                raise p.ProtocolError(
                    p.E_UNAUTHORIZED,
                    "this node requires a token to stream; pass token=... to meshlab.connect",
                    fatal=True,
                )
            self.greeted = True
            return
        if kind == p.SUBSCRIBE:
            await self.subscribe(frame)
        elif kind == p.PING:
            await self.send(self.heartbeat())
        elif kind == p.INTROSPECT:
            await self.introspect(frame)
        elif kind == p.CONTROL:
            await self.control(frame)
        elif kind == p.HELLO:
            raise p.ProtocolError(p.E_BAD_REQUEST, "hello was already exchanged")
        else:
            raise p.ProtocolError(
                p.E_UNKNOWN_TYPE,
                f"unknown frame type {kind!r}; a client sends one of "
                f"{', '.join(sorted(p.CLIENT_TYPES))}",
            )

    @property
    def _v1(self) -> V1Index | None:
        """The version 1 view, when this client reads version 1 and the stream has rows of
        newer kinds; None when it gets the stream as it is."""
        v1 = self.server.v1
        return v1 if self.schema == 1 and not v1.empty else None

    def _pos(self, seq: int) -> int:
        """A full-stream position in this client's numbering."""
        v1 = self._v1
        return seq if v1 is None else v1.to_v1(seq)

    def heartbeat(self) -> dict:
        feed = self.server.source.feed
        beat = {
            "type": p.HEARTBEAT,
            "head_seq": self._pos(feed.head),
            "state": self.server.state,
            "clock": self.server.clock_info(),
        }
        if self.server.latency_summary:  # from the node's first fold on
            beat["latency"] = self.server.latency_summary
        if self.server.source_error:
            beat["error"] = self.server.source_error
        if self._v1 is not None:
            # say so: this version 1 subscription leaves rows of newer kinds out
            beat["schema_version"] = 1
            beat["withheld"] = self.server.v1.withheld(feed.head)
        return beat

    def _seq_gone(self) -> p.ProtocolError:
        oldest = self._pos(self.server.source.feed.oldest)
        return p.ProtocolError(
            p.E_SEQ_GONE,
            f"events before seq {oldest} are no longer held by this node; "
            f"subscribe from {oldest} or later",
        )

    async def subscribe(self, frame: dict) -> None:
        start = p.require(frame, "from_seq", int, "subscribe")
        feed = self.server.source.feed
        if start < 0:
            raise p.ProtocolError(p.E_BAD_REQUEST, f"from_seq must be >= 0, got {start}")
        if self._v1 is not None:
            start = self._v1.from_v1(start)  # the client counts without the withheld rows
        if start < feed.oldest:
            if await self.refuse(self._seq_gone(), oldest_seq=self._pos(feed.oldest)):
                raise ConnectionClosed(None, None)
            return
        if self.streamer is not None:
            self.streamer.cancel()
        else:
            self.server.subscribers += 1
        self.streamer = asyncio.create_task(self.stream(start))

    async def stream(self, pos: int) -> None:
        feed = self.server.source.feed
        history = self.server.history
        interval = self.server.heartbeat
        last_beat = 0.0
        with contextlib.suppress(ConnectionClosed):
            while True:
                if pos < feed.oldest:
                    # this reader fell behind what the node keeps: say so; it resubscribes
                    await self.refuse(self._seq_gone(), oldest_seq=self._pos(feed.oldest))
                    return
                v1 = self._v1
                if v1 is None and history.behind(pos, feed.head):
                    frames, pos = await history.read(feed, pos)
                elif v1 is None:
                    frames, pos = self.server.live_frames(pos)
                else:
                    batch = feed.slice(pos, p.MAX_BATCH_ROWS)
                    pos += batch.height
                    if v1 is not None:
                        batch = v1.view(batch)  # rows of newer kinds left out, renumbered
                    frames = _fit(batch) if batch.height else []
                for data in frames:
                    await self.send(data)
                now = time.monotonic()
                if now - last_beat >= interval:
                    await self.send(self.heartbeat())
                    last_beat = now
                if pos >= feed.head:
                    await feed.wait(max(0.0, interval - (time.monotonic() - last_beat)))
                else:
                    await asyncio.sleep(0)  # catching up: let every other task run between

    async def introspect(self, frame: dict) -> None:
        tracker = self.server.tracker
        actor, node = frame.get("actor"), frame.get("node")
        if not isinstance(actor, str) and not isinstance(node, str):
            raise p.ProtocolError(p.E_BAD_REQUEST, "introspect needs 'actor' or 'node' (string)")
        await self.server.folded()  # the answer covers every event published before it
        with self.server._fold_lock:
            if isinstance(actor, str):
                state = tracker.actor(actor)
                what = f"actor {actor!r}"
            else:
                assert isinstance(node, str)  # one of the two is: checked above
                state = tracker.node(node)
                what = f"node {node!r}"
            # the HDR latency percentiles: of the actor's class, or every family for a node
            latency = self.server.latency.summary(actor=actor if isinstance(actor, str) else None)
            state = copy.deepcopy(state)  # the fold thread goes on changing the original
        if state is None:
            err = p.ProtocolError(p.E_NOT_FOUND, f"{what} does not appear in this node's stream")
            if await self.refuse(err, id=frame.get("id")):
                raise ConnectionClosed(None, None)
            return
        reply = {"type": p.INTROSPECTION, "id": frame.get("id"), "state": state}
        reply["now"] = self.server.source.now()
        reply["state"] = {**state, "latency": latency}
        await self.send(reply)

    async def control(self, frame: dict) -> None:
        request_id = frame.get("id")
        token = self.server.token
        try:
            if token is None:
                raise p.ProtocolError(
                    p.E_CONTROL_DISABLED,
                    "control is disabled on this node; start it with --token "
                    "(or MESHLAB_TOKEN) to allow control actions",
                )
            if not _same(frame.get("token"), token):
                raise p.ProtocolError(
                    p.E_UNAUTHORIZED,
                    "control actions need this node's token; none or a wrong one was given",
                )
            action = p.require(frame, "action", str, "control")
            if action not in p.CONTROL_ACTIONS:
                raise p.ProtocolError(
                    p.E_BAD_REQUEST,
                    f"unknown control action {action!r}; one of {', '.join(p.CONTROL_ACTIONS)}",
                )
            args = frame.get("args") or {}
            if not isinstance(args, dict):
                raise p.ProtocolError(p.E_BAD_REQUEST, "control 'args' must be a map")
            if self.server.source_error is not None:
                raise p.ProtocolError(
                    p.E_NOT_SUPPORTED, f"the source has failed ({self.server.source_error})"
                )
            result = self.server.source.control(action, args)
        except p.ProtocolError as err:
            if await self.refuse(err, id=request_id):
                raise ConnectionClosed(None, None) from None
            return
        await self.send({"type": p.CONTROL_OK, "id": request_id, "action": action, **result})


class _Listener(socket.socket):
    """A listening socket that closes a connection from an address already holding twice its
    limit as it accepts it, before asyncio and the WebSocket library build a transport, a
    protocol and a handshake task for it: a flood from one address reopens hundreds of
    connections a second, and setting each up to drop it ran on the event loop in bursts
    that delayed everyone's requests. (The exact count is kept by _GuardedConnection, which
    still drops what a burst lets past this check.)"""

    __slots__ = ()  # a class swapped onto asyncio's own sockets: same layout
    counts: NodeServer

    def accept(self) -> tuple[socket.socket, Any]:
        limit = 2 * self.counts.max_connections_per_address
        while True:  # BlockingIOError from an empty queue ends asyncio's accept loop
            conn, addr = super().accept()
            peer = str(addr[0]) if addr else "unknown"
            if self.counts.open_by_address.get(peer, 0) < limit:
                return conn, addr
            log.info("dropping a connection from %s: too many open from there", peer)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # a reset, as transport.abort() sends


class _GuardedConnection(ServerConnection):
    """A connection that drops a peer flooding it with WebSocket pings (the library answers
    each with a pong before the application sees anything, so the limit lives here) and is
    counted against its address's limit from the moment it is accepted."""

    counts: NodeServer | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pings = float(p.PING_BURST)
        self._pinged = time.monotonic()
        self._peer: str | None = None
        self._dropped = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.counts is not None:
            peer = transport.get_extra_info("peername")
            self._peer = str(peer[0]) if peer else "unknown"
            if not self.counts.connection_opened(self._peer):
                # Dropped before the library sets the connection up: no handshake task, no
                # message queue, nothing to tear down. A flood from one address reopens
                # hundreds of these a second, and each one's set-up and teardown ran on the
                # event loop in bursts that delayed everyone's requests.
                log.info("dropping a connection from %s: too many open from there", self._peer)
                self._dropped = True
                assert isinstance(transport, asyncio.Transport)  # a TCP connection's
                transport.abort()
                return
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counts is not None and self._peer is not None:
            self.counts.connection_closed(self._peer)
            self._peer = None
        if not self._dropped:  # a dropped one was never set up (see connection_made)
            super().connection_lost(exc)

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode in (Opcode.PING, Opcode.PONG):
            now = time.monotonic()
            rate = p.MAX_PINGS_PER_SECOND
            self._pings = min(p.PING_BURST, self._pings + (now - self._pinged) * rate)
            self._pinged = now
            self._pings -= 1.0
            if self._pings < 0 and self.transport is not None:
                log.info("closing a connection that floods pings")
                self.transport.abort()
                return
        super().process_event(event)


def _fit(batch) -> list[bytes]:
    """Encode a batch as one or more frames, each within the announced ``max_frame``."""
    data = codec.encode(codec.events_frame(batch))
    if len(data) <= p.MAX_SERVER_FRAME or batch.height == 1:
        return [data]
    half = batch.height // 2
    return _fit(batch.slice(0, half)) + _fit(batch.slice(half))


def _set_header(response: Any, name: str, value: str) -> None:
    # websockets' Headers is a multi-dict: assignment would add a second header
    del response.headers[name]
    response.headers[name] = value


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _address(connection: Any) -> str:
    peer = connection.remote_address
    return str(peer[0]) if peer else "unknown"


def _bearer(header: str) -> str | None:
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None
