"""Publish events from any Python program over the wire protocol.

An :class:`Emitter` is a live node in a background thread: the program calls :meth:`emit`
(one event) or :meth:`emit_frame` (a contract frame) and clients attach with
``meshlab.connect(emitter.url)``. Events are numbered and time-stamped (wall-clock epoch
seconds) as they are emitted.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import polars as pl

from meshlab.events import COLUMNS, KIND_CODE, KINDS, SCHEMA, conform
from meshlab.live.feed import Feed
from meshlab.live.protocol import E_NOT_SUPPORTED, ProtocolError
from meshlab.live.server import NodeServer

_FIELDS = frozenset(COLUMNS) - {"seq", "kind"}


class _EmitterSource:
    kind = "emitter"

    def __init__(self, emitter: Emitter, *, retain: int, id_scope: str) -> None:
        self.emitter = emitter
        self.feed = Feed(retain=retain)
        self.id_scope = id_scope
        self.state = "running"

    def describe(self) -> dict[str, Any]:
        em = self.emitter
        return {
            "source": self.kind,
            "scenario": None,
            "seed": None,
            "nodes": list(em.nodes),
            "stream_id": em.stream_id,
        }

    def now(self) -> float:
        return time.time()

    def control(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        raise ProtocolError(E_NOT_SUPPORTED, f"an emitter does not support {action!r}")

    async def run(self) -> None:
        while True:
            await self.emitter._drained.wait()
            self.emitter._drain_into(self.feed)


class Emitter:
    """A live node fed by this program.

    Examples
    --------
    >>> em = Emitter(name="worker", nodes=["w0"])  # binds 127.0.0.1 on a free port
    >>> em.emit("node_join", node="w0")
    0
    >>> em.url.startswith("ws://127.0.0.1:")
    True
    >>> em.close()
    """

    def __init__(
        self,
        *,
        name: str = "emitter",
        nodes: list[str] | tuple[str, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        stream_token: str | None = None,
        retain: int = 1_000_000,
        id_scope: str = "cluster",
        heartbeat: float = 1.0,
        stream_id: str | None = None,
    ) -> None:
        if id_scope not in ("cluster", "server"):
            raise ValueError(f"id_scope must be 'cluster' or 'server', got {id_scope!r}")
        self.name = name
        self.nodes = list(nodes)
        self.stream_id = stream_id or f"emitter:{name}:{time.time_ns()}"
        self._lock = threading.Lock()
        self._rows: list[dict[str, Any]] = []
        self._frames: list[pl.DataFrame] = []
        self._next_seq = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=name)
        self._thread.start()

        async def start() -> NodeServer:
            self._drained = asyncio.Event()
            source = _EmitterSource(self, retain=retain, id_scope=id_scope)
            server = NodeServer(
                source,
                name=name,
                host=host,
                port=port,
                token=token,
                stream_token=stream_token,
                heartbeat=heartbeat,
                clock="wall",
            )
            await server.start()
            return server

        self.server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)

    @property
    def url(self) -> str:
        return self.server.url

    def emit(self, kind: str, *, node: str, t: float | None = None, **fields: Any) -> int:
        """Publish one event now; returns its ``seq``. Fields are the contract's columns."""
        if kind not in KIND_CODE:
            raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(KINDS)}")
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(
                f"unknown field(s) {sorted(unknown)}; events have {', '.join(sorted(_FIELDS))}"
            )
        row = {"kind": kind, "node": node, "t": time.time() if t is None else t, **fields}
        row.setdefault("incarnation", 0)
        if node not in self.nodes:
            self.nodes.append(node)
        with self._lock:
            row["seq"] = seq = self._next_seq
            self._next_seq += 1
            self._rows.append(row)
        self._wake()
        return seq

    def emit_frame(self, df: pl.DataFrame) -> int:
        """Publish a frame of events (contract columns; its ``seq`` is replaced). Returns
        the ``seq`` of its first row."""
        df = conform(df.with_columns(seq=pl.lit(0, pl.UInt64)))
        with self._lock:
            self._flush_rows()
            first = self._next_seq
            self._next_seq += df.height
            self._frames.append(
                df.with_columns(seq=pl.int_range(df.height, dtype=pl.UInt64) + first)
            )
        for node in df["node"].unique().to_list():
            if node not in self.nodes:
                self.nodes.append(node)
        self._wake()
        return first

    def _flush_rows(self) -> None:
        if self._rows:
            frame = pl.DataFrame(self._rows, schema=SCHEMA).select(COLUMNS)
            self._frames.append(frame)
            self._rows = []

    def _wake(self) -> None:
        self._loop.call_soon_threadsafe(self._drained.set)

    def _drain_into(self, feed: Feed) -> None:
        with self._lock:
            self._flush_rows()
            frames, self._frames = self._frames, []
            self._drained.clear()
        for frame in frames:
            feed.append(frame)

    def close(self) -> None:
        """Stop serving (clients see the connection close)."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> Emitter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
