"""A live node: the wire protocol on a WebSocket endpoint, ``/metrics`` and ``/healthz`` over
plain HTTP on the same port.

One asyncio task per connection reads the client's requests; once it subscribes, a second
task streams the feed from the requested ``seq``. Whatever a client sends, the server answers
with an ``error`` frame or closes that connection: it never falls over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from meshlab.live import codec, schema
from meshlab.live import protocol as p
from meshlab.live.latency import LatencyTracker
from meshlab.live.metrics import CONTENT_TYPE, exposition, registry_for
from meshlab.live.schema import V1Index
from meshlab.live.state import StateTracker

log = logging.getLogger("meshlab.live.server")


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
    ) -> None:
        if not heartbeat > 0:
            raise ValueError(f"heartbeat must be a positive number of seconds, got {heartbeat}")
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

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await serve(
            self._session,
            self.host,
            self.port,
            process_request=self._http,
            max_size=p.MAX_CLIENT_FRAME,
            # the protocol has its own heartbeats; keep the library's pings as a backstop
            ping_interval=None,
            compression=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks.append(asyncio.create_task(self.source.run()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    # state -------------------------------------------------------------------------------
    def _on_events(self, df) -> None:
        self.tracker.update(df)
        self.latency.update(df)

    def _stream_info(self) -> dict[str, Any]:
        return {
            "meshlab_stream_head_seq": self.source.feed.head,
            "meshlab_stream_subscribers": self.subscribers,
            "meshlab_source_time_seconds": self.source.now(),
            "meshlab_source_paused": 1.0 if self.source.state == "paused" else 0.0,
        }

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
            "state": self.source.state,
        }

    # HTTP --------------------------------------------------------------------------------
    def _http(self, connection: ServerConnection, request: Any) -> Any:
        path = request.path.split("?", 1)[0]
        if path == "/metrics":
            response = connection.respond(HTTPStatus.OK, exposition(self.registry).decode())
            _set_header(response, "Content-Type", CONTENT_TYPE)
            return response
        if path == "/healthz":
            status = {
                "status": "ok",
                "name": self.name,
                "state": self.source.state,
                "head_seq": self.source.feed.head,
                "now": self.source.now(),
                "subscribers": self.subscribers,
            }
            response = connection.respond(HTTPStatus.OK, json.dumps(status) + "\n")
            _set_header(response, "Content-Type", "application/json")
            return response
        if path not in ("/", "/stream"):
            return connection.respond(
                HTTPStatus.NOT_FOUND,
                f"no such path {path!r}: the event stream is a WebSocket on '/', "
                "metrics are on '/metrics', health on '/healthz'\n",
            )
        if "websocket" not in request.headers.get("Upgrade", "").lower():
            return connection.respond(
                HTTPStatus.UPGRADE_REQUIRED,
                "this is meshlab's WebSocket event stream; connect with a WebSocket client "
                "such as meshlab.connect(url)\n",
            )
        return None

    # WebSocket ---------------------------------------------------------------------------
    async def _session(self, ws: ServerConnection) -> None:
        session = _Session(self, ws)
        try:
            await session.run()
        except ConnectionClosed:
            pass
        except Exception:  # a bug must cost one connection, never the server
            log.exception("session failed")
            with contextlib.suppress(Exception):
                await ws.close(1011, "internal error")
        finally:
            session.stop()


class _Session:
    def __init__(self, server: NodeServer, ws: ServerConnection) -> None:
        self.server = server
        self.ws = ws
        self.errors = 0
        self.greeted = False
        self.schema = schema.DEFAULT_SCHEMA  # the event schema this client reads (its hello)
        self.streamer: asyncio.Task | None = None

    def stop(self) -> None:
        if self.streamer is not None:
            self.streamer.cancel()
            self.server.subscribers -= 1

    async def send(self, frame: dict) -> None:
        await self.ws.send(codec.encode(frame))

    async def run(self) -> None:
        await self.send(self.server.hello())
        async for message in self.ws:
            try:
                frame = codec.decode(message)
                await self.handle(frame)
            except p.ProtocolError as err:
                await self.refuse(err, message)
                if err.fatal or self.errors >= p.MAX_ERRORS_BEFORE_CLOSE:
                    return

    async def refuse(self, err: p.ProtocolError, message: Any) -> None:
        self.errors += 1
        fatal = err.fatal or self.errors >= p.MAX_ERRORS_BEFORE_CLOSE
        await self.send(p.error_frame(err.code, str(err), fatal=fatal))
        if isinstance(message, str):
            await self.ws.close(p.CLOSE_UNSUPPORTED_DATA, "frames must be binary msgpack")
        elif err.code == p.E_UNAUTHORIZED and fatal:
            await self.ws.close(p.CLOSE_POLICY, "unauthorized")
        elif fatal:
            await self.ws.close(p.CLOSE_PROTOCOL_ERROR, err.code)

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
            "state": self.server.source.state,
            "clock": self.server.clock_info(),
            "latency": self.server.latency.summary(),
        }
        if self._v1 is not None:
            # say so: this version 1 subscription leaves rows of newer kinds out
            beat["schema_version"] = 1
            beat["withheld"] = self.server.v1.withheld(feed.head)
        return beat

    async def subscribe(self, frame: dict) -> None:
        start = p.require(frame, "from_seq", int, "subscribe")
        feed = self.server.source.feed
        if start < 0:
            raise p.ProtocolError(p.E_BAD_REQUEST, f"from_seq must be >= 0, got {start}")
        if self._v1 is not None:
            start = self._v1.from_v1(start)  # the client counts without the withheld rows
        if start < feed.oldest:
            oldest = self._pos(feed.oldest)
            err = p.error_frame(
                p.E_SEQ_GONE,
                f"events before seq {oldest} are no longer held by this node; "
                f"subscribe from {oldest} or later",
            )
            err["oldest_seq"] = oldest
            self.errors += 1
            await self.send(err)
            return
        if self.streamer is not None:
            self.streamer.cancel()
        else:
            self.server.subscribers += 1
        self.streamer = asyncio.create_task(self.stream(start))

    async def stream(self, pos: int) -> None:
        feed = self.server.source.feed
        interval = self.server.heartbeat
        last_beat = 0.0
        with contextlib.suppress(ConnectionClosed):
            while True:
                batch = feed.slice(pos, p.MAX_BATCH_ROWS)
                if batch.height:
                    pos += batch.height
                    if self._v1 is not None:
                        batch = self._v1.view(batch)  # rows of newer kinds left out, renumbered
                    for data in _fit(batch) if batch.height else []:
                        await self.ws.send(data)
                now = time.monotonic()
                if now - last_beat >= interval:
                    await self.send(self.heartbeat())
                    last_beat = now
                if pos >= feed.head:
                    await feed.wait(max(0.0, interval - (time.monotonic() - last_beat)))

    async def introspect(self, frame: dict) -> None:
        tracker = self.server.tracker
        actor, node = frame.get("actor"), frame.get("node")
        if isinstance(actor, str):
            state = tracker.actor(actor)
            what = f"actor {actor!r}"
        elif isinstance(node, str):
            state = tracker.node(node)
            what = f"node {node!r}"
        else:
            raise p.ProtocolError(p.E_BAD_REQUEST, "introspect needs 'actor' or 'node' (string)")
        if state is None:
            self.errors += 1
            await self.send(
                p.error_frame(
                    p.E_NOT_FOUND,
                    f"{what} does not appear in this node's stream",
                    id=frame.get("id"),
                )
            )
            return
        reply = {"type": p.INTROSPECTION, "id": frame.get("id"), "state": state}
        reply["now"] = self.server.source.now()
        # the HDR latency percentiles: of the actor's class, or every family for a node
        latency = self.server.latency.summary(actor=actor if isinstance(actor, str) else None)
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
            result = self.server.source.control(action, args)
        except p.ProtocolError as err:
            self.errors += 1
            await self.send(p.error_frame(err.code, str(err), id=request_id))
            return
        await self.send({"type": p.CONTROL_OK, "id": request_id, "action": action, **result})


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
