"""Publish events from any Python program over the wire protocol.

An :class:`Emitter` is a live node in a background thread: the program calls :meth:`emit`
(one event) or :meth:`emit_frame` (a contract frame) and clients attach with
``meshlab.connect(emitter.url)``. Events are numbered and time-stamped (wall-clock epoch
seconds) as they are emitted.

Emitting is meant to sit inside a program's hot path, so :meth:`Emitter.emit` only appends one
tuple to a list, without a lock (well under a microsecond). Turning rows into columns, encoding
and serving happen off that path: the server's thread drains the list every
``flush_interval`` seconds, builds the columns with pyarrow, and hands one frame per drain to
the feed clients read from. ``bench/emitter.py`` measures both costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any, TypedDict

import numpy as np
import polars as pl
import pyarrow as pa

from meshlab.events import (
    COLUMNS,
    KIND_CODE,
    KINDS,
    SCHEMA,
    Kind,
    attrs_json,
    conform,
    outcome_error,
)
from meshlab.live.feed import Feed
from meshlab.live.protocol import E_NOT_SUPPORTED, ProtocolError
from meshlab.live.server import NodeServer

_FIELDS = frozenset(COLUMNS) - {"seq", "kind"}
_ARROW = {pl.UInt64(): pa.uint64(), pl.UInt32(): pa.uint32(), pl.Float64(): pa.float64(),
          pl.String(): pa.large_string()}  # fmt: skip
_ARROW_TYPES = [pa.uint8() if c == "kind" else _ARROW[SCHEMA[c]] for c in COLUMNS]
_ROW = pa.struct([pa.field(c, t) for c, t in zip(COLUMNS, _ARROW_TYPES, strict=True)])
"""An emitted row (a tuple) as pyarrow reads it: one struct array per drain, converted in C++
without a Python transpose of the rows."""
_KIND_VALUES = pl.Series("kind", list(KINDS), dtype=Kind)
_KIND_CODE_GET = KIND_CODE.get


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
        # polling, not a wake-up per event: a wake-up is a syscall on the emitting thread
        while True:
            await asyncio.sleep(self.emitter.flush_interval)
            self.emitter._drain_into(self.feed)


class _HandlerIds(TypedDict):
    """What a handler's start and end both carry (Emitter.handler passes it to each)."""

    node: str
    actor: str
    msg_id: int
    msg_type: str | None
    peer: str | None
    incarnation: int


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
        flush_interval: float = 0.1,
    ) -> None:
        if id_scope not in ("cluster", "server"):
            raise ValueError(f"id_scope must be 'cluster' or 'server', got {id_scope!r}")
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number, got {flush_interval}")
        self.name = name
        self.nodes = list(nodes)
        self.stream_id = stream_id or f"emitter:{name}:{time.time_ns()}"
        self.flush_interval = flush_interval
        # Lock-free under the GIL: next() on a count and list.append are each atomic. A thread
        # may be preempted between taking its seq and appending, so a drain can find a gap;
        # it publishes the gapless prefix and holds the rest for the next drain.
        self._seq = itertools.count()
        self._rows: list[tuple] = []
        # bound once: emit() then costs one attribute lookup per step instead of two
        self._next_seq = self._seq.__next__
        self._append = self._rows.append
        self._frames: list[pl.DataFrame] = []
        self._held: pl.DataFrame | None = None  # rows after a gap, waiting for the next drain
        self._published = 0  # the seq the next published event must carry
        self._time = time.time
        # build one batch now: pyarrow loads modules (and pandas) on its first array, which
        # would otherwise land on the first drain
        _frame([(0, 0.0, 0, "", None, 0, None, None, 0, None, 0, None, 0.0)])
        self.errors: list[str] = []
        """Events whose fields had the wrong type (found when the batch was built), by seq."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=name)
        self._thread.start()

        async def start() -> NodeServer:
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

    def emit(
        self,
        kind: str,
        *,
        node: str,
        t: float | None = None,
        actor: str | None = None,
        incarnation: int = 0,
        parent: str | None = None,
        peer: str | None = None,
        msg_id: int | None = None,
        msg_type: str | None = None,
        size: int | None = None,
        reason: str | None = None,
        duration: float | None = None,
        **unknown: Any,
    ) -> int:
        """Publish one event now; returns its ``seq``. Fields are the contract's columns.

        The hot path: a lookup, a counter, a clock read and one append. A value of the wrong
        type is found when the batch is built and reported there (see :attr:`errors`)."""
        code = _KIND_CODE_GET(kind)
        if code is None or unknown:
            raise self._bad(kind, unknown)
        seq = self._next_seq()
        self._append(
            (seq, self._time() if t is None else t, code, node, actor, incarnation, parent,
             peer, msg_id, msg_type, size, reason, duration)
        )  # fmt: skip
        return seq

    # contract v2: handlers in two rows, published attributes ------------------------------
    def handler_start(
        self,
        *,
        node: str,
        actor: str,
        msg_id: int,
        msg_type: str | None = None,
        peer: str | None = None,
        incarnation: int = 0,
        t: float | None = None,
    ) -> int:
        """A handler of ``actor`` started on message ``msg_id`` (from ``peer``); how long it
        takes is not known yet. Returns the event's ``seq``."""
        return self.emit(
            "handler_start",
            node=node,
            t=t,
            actor=actor,
            incarnation=incarnation,
            peer=peer,
            msg_id=msg_id,
            msg_type=msg_type,
        )

    def handler_end(
        self,
        *,
        node: str,
        actor: str,
        msg_id: int,
        duration: float,
        outcome: str | None = "ok",
        msg_type: str | None = None,
        peer: str | None = None,
        incarnation: int = 0,
        t: float | None = None,
    ) -> int:
        """That handler finished after ``duration`` seconds. ``outcome`` is ``"ok"`` (or None)
        when it returned, ``"error: <text>"`` when it raised and the actor lived on."""
        problem = outcome_error(outcome)
        if problem:
            raise ValueError(f"handler_end of {actor} msg_id {msg_id}: {problem}")
        if not duration >= 0:
            raise ValueError(f"handler_end needs a duration >= 0 seconds, got {duration!r}")
        return self.emit(
            "handler_end",
            node=node,
            t=t,
            actor=actor,
            incarnation=incarnation,
            peer=peer,
            msg_id=msg_id,
            msg_type=msg_type,
            duration=duration,
            reason=outcome,
        )

    @contextlib.contextmanager
    def handler(
        self,
        *,
        node: str,
        actor: str,
        msg_id: int,
        msg_type: str | None = None,
        peer: str | None = None,
        incarnation: int = 0,
    ) -> Iterator[None]:
        """Emit ``handler_start`` now and ``handler_end`` when the block exits, with outcome
        ``ok``, or ``error: <ExceptionType>: <message>`` if it raised (the error propagates).

        Examples
        --------
        >>> em = Emitter(nodes=["w0"])
        >>> with em.handler(node="w0", actor="w0/a", msg_id=1, msg_type="get"):
        ...     pass
        >>> em.close()
        """
        ids: _HandlerIds = {
            "node": node,
            "actor": actor,
            "msg_id": msg_id,
            "msg_type": msg_type,
            "peer": peer,
            "incarnation": incarnation,
        }
        start = self._time()
        self.handler_start(t=start, **ids)
        try:
            yield
        except BaseException as exc:
            end = self._time()
            text = f"{type(exc).__name__}: {exc}".strip()
            self.handler_end(t=end, duration=max(0.0, end - start), outcome=f"error: {text}", **ids)
            raise
        end = self._time()
        self.handler_end(t=end, duration=max(0.0, end - start), outcome="ok", **ids)

    def attrs(
        self,
        *,
        node: str,
        actor: str | None = None,
        incarnation: int = 0,
        t: float | None = None,
        **values: str | int | float | bool | None,
    ) -> int:
        """Publish key/value properties of ``actor`` (or of ``node`` itself when ``actor`` is
        None), merged into what it published before; a value of None removes the key. At
        most 32 keys of up to 64 characters, 4096 bytes of JSON (``ContractError`` beyond).

        Examples
        --------
        >>> em = Emitter(nodes=["w0"])
        >>> em.attrs(node="w0", actor="w0/a", role="leader", term=3)
        0
        >>> em.close()
        """
        return self.emit(
            "attrs",
            node=node,
            t=t,
            actor=actor,
            incarnation=incarnation,
            reason=attrs_json(values),
        )

    @staticmethod
    def _bad(kind: str, unknown: dict[str, Any]) -> ValueError:
        if kind not in KIND_CODE:
            return ValueError(f"unknown event kind {kind!r}; one of {', '.join(KINDS)}")
        return ValueError(
            f"unknown field(s) {sorted(unknown)}; events have {', '.join(sorted(_FIELDS))}"
        )

    def emit_frame(self, df: pl.DataFrame) -> int:
        """Publish a frame of events (contract columns; its ``seq`` is replaced). Returns
        the ``seq`` of its first row."""
        if df.height == 0:
            raise ValueError("emit_frame got an empty frame: nothing to publish")
        df = conform(df.with_columns(seq=pl.lit(0, pl.UInt64)))
        # one seq per row from the shared counter: events other threads emit meanwhile
        # interleave by seq, as they happened
        seqs = [next(self._seq) for _ in range(df.height)]
        self._frames.append(df.with_columns(seq=pl.Series(seqs, dtype=pl.UInt64)))
        return seqs[0]

    def flush(self) -> None:
        """Hand everything emitted so far to the server now (it also does so every
        ``flush_interval`` seconds)."""
        asyncio.run_coroutine_threadsafe(self._flush(), self._loop).result(10)

    async def _flush(self) -> None:
        self._drain_into(self.server.source.feed)

    def _drain_into(self, feed: Feed) -> None:
        # take what is there now; appends that land meanwhile stay for the next drain (a
        # slice and a slice deletion are each one atomic operation)
        rows, frames = self._rows, self._frames
        n, m = len(rows), len(frames)
        batch, taken = rows[:n], frames[:m]
        del rows[:n], frames[:m]
        parts = [self._held] if self._held is not None else []
        if batch:
            parts.append(self._columns(batch))
        parts += taken
        if not parts:
            return
        df = pl.concat(parts) if len(parts) > 1 else parts[0]
        if not df["seq"].is_sorted():
            df = df.sort("seq")
        # publish the gapless prefix; a seq taken but not yet appended holds back the rest
        expected = np.arange(self._published, self._published + df.height, dtype=np.uint64)
        gap = np.flatnonzero(df["seq"].to_numpy() != expected)
        ready = df if gap.size == 0 else df.head(int(gap[0]))
        self._held = None if gap.size == 0 else df.slice(int(gap[0]))
        if ready.height == 0:
            return
        self._published += ready.height
        for node in ready["node"].unique().to_list():
            if node not in self.nodes:
                self.nodes.append(node)
        feed.append(ready)

    def _columns(self, rows: list[tuple]) -> pl.DataFrame:
        try:
            return _frame(rows)
        except ValueError:
            pass
        # a value of the wrong type somewhere: keep every seq (clients resume by seq), and
        # publish each bad row with its fields cleared and the problem in `reason`
        fixed = []
        for row in rows:
            try:
                _frame([row])
                fixed.append(row)
            except ValueError as exc:
                message = f"seq {row[0]}: {exc}"
                self.errors.append(message)
                t = row[1] if isinstance(row[1], float | int) else time.time()
                fixed.append((row[0], float(t), row[2], str(row[3]), None, 0, None, None, None,
                              None, None, f"emitter: fields dropped: {exc}", None))  # fmt: skip
        return _frame(fixed)

    def close(self) -> None:
        """Stop serving (clients see the connection close)."""
        if not self._thread.is_alive():
            return
        self.flush()  # what was emitted before close reaches the clients still attached
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> Emitter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _frame(rows: list[tuple]) -> pl.DataFrame:
    """Rows as emitted -> a contract frame: pyarrow reads the tuples as one struct array (no
    per-row Python work), whose fields become the columns."""
    try:
        table = pa.Table.from_struct_array(pa.array(rows, type=_ROW))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise ValueError(f"an emitted event has a field of the wrong type: {exc}") from None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(kind=_KIND_VALUES.gather(frame["kind"]))
