"""The live client: attach to one or several running nodes and feed one event frame.

The network runs on an asyncio loop in a background thread, so a notebook stays responsive
and the object can be handed to :class:`meshlab.Canvas` as an event source (``meta``,
``events_since``, ``add_listener``). Every merged batch is appended to a recording on disk
before it is shown, and only the newest ``max_events`` rows stay in memory.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from meshlab.events import empty_frame
from meshlab.live.connection import Connection
from meshlab.live.merge import merge_batches
from meshlab.trace import LogWriter, Trace, TraceMeta, load

log = logging.getLogger("meshlab.live.client")
_RECORDINGS = itertools.count()


class LiveSource:
    """A live, merged event frame fed by one or more meshlab nodes. Use :func:`connect`."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        record: bool | str | Path | None = True,
        token: str | None = None,
        heartbeat_timeout: float | None = None,
        reconnect: bool = True,
        namespace: bool | None = None,
        max_events: int = 1_000_000,
        flush_interval: float = 0.05,
        open_timeout: float = 5.0,
    ) -> None:
        if isinstance(urls, str):
            urls = [urls]
        urls = list(urls)
        if not urls:
            raise ValueError("connect needs at least one URL, e.g. ws://127.0.0.1:8765/")
        if max_events < 1:
            raise ValueError(f"max_events must be at least 1, got {max_events}")
        self.token = token
        self.max_events = max_events
        self.flush_interval = flush_interval
        self._namespace = namespace
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._chunks: list[pl.DataFrame] = []
        self._starts: list[int] = []
        self._held = 0
        self.head = 0  # the seq the next merged event will carry
        self._pending: list[tuple[int, pl.DataFrame]] = []
        self._high_water: dict[int, float] = {}
        self._listeners: list[Callable[[], None]] = []
        self.record_path = _record_path(record)
        self._writer: LogWriter | None = None
        self._closed = False
        self.connections = [
            Connection(
                url,
                i,
                deliver=self._deliver,
                token=token,
                heartbeat_timeout=heartbeat_timeout,
                reconnect=reconnect,
                open_timeout=open_timeout,
            )
            for i, url in enumerate(urls)
        ]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="meshlab-live"
        )
        self._thread.start()
        self._call(self._start()).result()
        self._wait_first_attempts(open_timeout + 1.0)

    # start and stop ----------------------------------------------------------------------
    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _start(self) -> None:
        self._tasks = [asyncio.create_task(c.run(self._on_hello)) for c in self.connections]
        self._tasks.append(asyncio.create_task(self._flusher()))

    def _wait_first_attempts(self, timeout: float) -> None:
        async def wait_all() -> None:
            await asyncio.gather(*(c.first_attempt.wait() for c in self.connections))

        with contextlib.suppress(TimeoutError):
            self._call(asyncio.wait_for(wait_all(), timeout)).result()
        if not any(c.status == "live" for c in self.connections):
            problems = "; ".join(f"{c.url}: {c.reason or c.status}" for c in self.connections)
            self.close()
            raise ConnectionError(
                f"could not attach to any node ({problems}); is `meshlab serve` running there?"
            )

    def close(self) -> None:
        """Disconnect, flush what was received, and close the recording."""
        if self._closed:
            return
        self._closed = True

        async def shutdown() -> None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._flush()

        if hasattr(self, "_tasks"):
            self._call(shutdown()).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        with self._lock:
            if self._writer is not None:
                self._writer.close()

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # receiving ---------------------------------------------------------------------------
    def _on_hello(self, conn: Connection) -> None:
        if conn.name is None:
            base = str(conn.hello.get("name") or f"server{conn.index}")
            taken = {c.name for c in self.connections if c.name}
            name, n = base, 2
            while name in taken:
                name, n = f"{base}#{n}", n + 1
            conn.name = name
        wants = self._namespace
        if wants is None:  # auto: only where ids could collide
            wants = len(self.connections) > 1 and conn.hello.get("id_scope", "server") == "server"
        if wants and conn.prefix is None:
            conn.prefix = f"{conn.name}/"

    def _deliver(self, index: int, df: pl.DataFrame) -> None:
        self._pending.append((index, df))

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        batches, self._pending = self._pending, []
        merged = merge_batches(batches, self._high_water, first_seq=self.head)
        if merged.height == 0:
            return
        with self._lock:
            if self.record_path is not None:
                self._writer_for(self.record_path).append(merged)
            self._chunks.append(merged)
            self._starts.append(self.head)
            self.head += merged.height
            self._held += merged.height
            while len(self._chunks) > 1 and self._held - self._chunks[0].height >= self.max_events:
                self._held -= self._chunks.pop(0).height
                self._starts.pop(0)
            self._changed.notify_all()
            listeners = list(self._listeners)
        for fn in listeners:
            try:
                fn()
            except Exception:  # a broken view must not stop the stream
                log.exception("live listener failed")

    def _writer_for(self, path: Path) -> LogWriter:
        if self._writer is None:
            self._writer = LogWriter(path, self.meta)
        return self._writer

    # the event source protocol -----------------------------------------------------------
    @property
    def meta(self) -> TraceMeta:
        """What this live frame is a recording of (the servers are in ``params``)."""
        servers = [c.describe() for c in self.connections]
        nodes: list[str] = []
        for s in servers:
            nodes.extend(n for n in s["nodes"] if n not in nodes)
        single = servers[0] if len(servers) == 1 else {}
        return TraceMeta(
            source="live",
            scenario=single.get("scenario"),
            seed=single.get("seed"),
            nodes=tuple(nodes),
            params={"servers": [{k: s[k] for k in ("url", "name", "stream_id")} for s in servers]},
        )

    def events_since(self, seq: int) -> pl.DataFrame:
        """The merged events with ``seq >= seq`` (read back from the recording if they have
        already left memory)."""
        with self._lock:
            if not self._chunks or seq >= self.head:
                return empty_frame()
            oldest = self._starts[0]
            if seq < oldest and self._writer is not None:
                self._writer.flush()
                return load(self._writer.path).events.filter(pl.col("seq") >= seq)
            seq = max(seq, oldest)
            i = bisect.bisect_right(self._starts, seq) - 1
            parts = [self._chunks[i].slice(seq - self._starts[i]), *self._chunks[i + 1 :]]
        return pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0]

    def add_listener(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` (from the client's thread) after each merged batch; returns an
        unsubscribe function."""
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    # conveniences ------------------------------------------------------------------------
    @property
    def events(self) -> pl.DataFrame:
        """The merged events held in memory (the newest ``max_events``)."""
        with self._lock:
            first = self._starts[0] if self._starts else 0
        return self.events_since(first)

    def trace(self) -> Trace:
        """A snapshot of everything received as a :class:`Trace` (from disk when recording)."""
        with self._lock:
            if self._writer is not None:
                self._writer.flush()
                return Trace(load(self._writer.path).events, self.meta)
        return Trace(self.events_since(0), self.meta)

    @property
    def servers(self) -> list[dict[str, Any]]:
        """Each server's address, name, status (live, down, failed), resume seq and nodes."""
        return [c.describe() for c in self.connections]

    def wait_for(self, condition: Callable[[LiveSource], bool], *, timeout: float = 10.0) -> None:
        """Block until ``condition(self)`` is true after a merged batch, or raise TimeoutError.

        Statuses change without a batch too, so the condition is also re-checked at every
        flush interval.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s: {self!r}")
                self._changed.wait(min(left, max(self.flush_interval, 0.01)))

    def _connection_for(
        self, name: str | None, server: str | int | None
    ) -> tuple[Connection, str | None]:
        if isinstance(server, int):
            return self.connections[server], name
        for conn in self.connections:
            if server is not None and server in (conn.url, conn.name):
                return conn, (conn.local(name) if name else name)
            if server is None and name and conn.prefix and name.startswith(conn.prefix):
                return conn, conn.local(name)
        if server is not None:
            raise ValueError(
                f"no server {server!r}; servers are {[c.name for c in self.connections]}"
            )
        return self.connections[0], name

    def introspect(
        self,
        *,
        actor: str | None = None,
        node: str | None = None,
        server: str | int | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Ask a node for the state of an actor or node now (not from the frame)."""
        if (actor is None) == (node is None):
            raise ValueError("introspect needs exactly one of actor=... or node=...")
        conn, local = self._connection_for(actor or node, server)
        frame = {"type": "introspect", ("actor" if actor else "node"): local}
        reply = self._call(conn.request(frame, timeout)).result(timeout + 1)
        if reply["type"] == "error":
            raise LookupError(f"{conn.name}: {reply.get('message')}")
        return reply["state"]

    def control(
        self,
        action: str,
        *,
        token: str | None = None,
        server: str | int | None = None,
        timeout: float = 5.0,
        **args: Any,
    ) -> dict[str, Any]:
        """Send a control action (pause, resume, speed, kill_node, crash, partition, heal).

        Raises PermissionError when the node refuses for want of a token.
        """
        target = args.get("node") or args.get("actor")
        if target is None and args.get("groups"):
            target = args["groups"][0][0]
        conn, _ = self._connection_for(target, server)
        for key in ("node", "actor"):
            if key in args:
                args[key] = conn.local(args[key])
        if "groups" in args:
            args["groups"] = [[conn.local(n) for n in g] for g in args["groups"]]
        frame: dict[str, object] = {"type": "control", "action": action, "args": args}
        if token or self.token:
            frame["token"] = token or self.token
        reply = self._call(conn.request(frame, timeout)).result(timeout + 1)
        if reply["type"] == "error":
            message = f"{conn.name}: {reply.get('message')}"
            if reply.get("code") in ("unauthorized", "control_disabled"):
                raise PermissionError(message)
            raise RuntimeError(message)
        return reply

    def __repr__(self) -> str:
        states = ", ".join(f"{c.name or c.url} {c.status}" for c in self.connections)
        return f"<LiveSource [{states}] events={self.head}>"


def _record_path(record: bool | str | Path | None) -> Path | None:
    if record is None or record is False:
        return None
    if record is True:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"meshlab-live-{stamp}-{os.getpid()}-{next(_RECORDINGS)}.mlog"
        return Path(tempfile.gettempdir()) / name
    path = Path(record)
    if path.suffix != ".mlog":
        raise ValueError(
            f"a live recording is an append-only .mlog file, got {str(path)!r}; "
            "save a Parquet copy afterwards with live.trace().save(...)"
        )
    return path


def connect(
    url_or_urls: str | Sequence[str],
    *,
    record: bool | str | Path | None = True,
    token: str | None = None,
    heartbeat_timeout: float | None = None,
    reconnect: bool = True,
    namespace: bool | None = None,
    max_events: int = 1_000_000,
    flush_interval: float = 0.05,
    open_timeout: float = 5.0,
) -> LiveSource:
    """Attach to one or more running meshlab nodes and return a live event source.

    ``record`` (default: a temporary ``.mlog`` file, see ``live.record_path``) keeps
    everything received on disk; ``max_events`` bounds what stays in memory. ``namespace``
    prefixes node and actor ids with each server's name (default: when several servers each
    have ids of their own). ``token`` is sent with hello (for nodes that require it to
    stream) and with control actions.

    Examples
    --------
    >>> import meshlab as ml
    >>> ml.connect("http://example.org")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'http://example.org' is not a WebSocket URL; give one like ws://127.0.0.1:8765/ ...
    """
    return LiveSource(
        [url_or_urls] if isinstance(url_or_urls, str) else url_or_urls,
        record=record,
        token=token,
        heartbeat_timeout=heartbeat_timeout,
        reconnect=reconnect,
        namespace=namespace,
        max_events=max_events,
        flush_interval=flush_interval,
        open_timeout=open_timeout,
    )
