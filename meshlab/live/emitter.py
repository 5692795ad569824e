"""Publish events from any Python program over the wire protocol.

An :class:`Emitter` is a live node in a background thread: the program calls :meth:`emit`
(one event) or :meth:`emit_frame` (a contract frame) and clients attach with
``meshlab.connect(emitter.url)``. Events are numbered and time-stamped (wall-clock epoch
seconds) as they are emitted.

Emitting is meant to sit inside a program's hot path, so :meth:`Emitter.emit` only appends one
tuple to a list, without a lock (well under a microsecond). Turning rows into columns, encoding
and serving happen off that path: the server's thread drains the list every
``flush_interval`` seconds, builds the columns with pyarrow, and hands one frame per drain to
the feed clients read from. That thread still shares the interpreter lock with the program;
with ``process=True`` the node runs in a child process instead and the program keeps only
``emit()`` and one ``marshal`` of the rows per drain (``meshlab/live/emitter_node.py``).
``bench/emitter.py`` measures both.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypedDict

import polars as pl

from meshlab.events import KIND_CODE, KINDS, attrs_json, conform, outcome_error
from meshlab.live.batches import WARM_ROW, Drain, frame_of
from meshlab.live.emitter_node import ChildNode, frame_bytes, marshal_rows
from meshlab.live.feed import Feed
from meshlab.live.protocol import E_NOT_SUPPORTED, ProtocolError
from meshlab.live.server import NodeServer

_KIND_CODE_GET = KIND_CODE.get


class EmitterSource:
    """The source behind an emitter's node: a feed that its drain fills."""

    kind = "emitter"

    def __init__(
        self,
        *,
        nodes: list[str],
        stream_id: str,
        retain: int,
        id_scope: str,
        drain: Callable[[Feed], None] | None,
        flush_interval: float,
    ) -> None:
        self.nodes = nodes
        self.stream_id = stream_id
        self.feed = Feed(retain=retain)
        self.id_scope = id_scope
        self.state = "running"
        self._drain = drain
        self._interval = flush_interval

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.kind,
            "scenario": None,
            "seed": None,
            "nodes": list(self.nodes),
            "stream_id": self.stream_id,
        }

    def now(self) -> float:
        return time.time()

    def control(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        raise ProtocolError(E_NOT_SUPPORTED, f"an emitter does not support {action!r}")

    async def run(self) -> None:
        if self._drain is None:  # fed from elsewhere (a node process's pipe)
            await asyncio.Event().wait()
        # polling, not a wake-up per event: a wake-up is a syscall on the emitting thread
        while True:
            await asyncio.sleep(self._interval)
            assert self._drain is not None
            self._drain(self.feed)


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

    The node runs in a thread of this program, or with ``process=True`` in a child process,
    so that its columns, folds and encoding do not share the interpreter lock with the
    program's threads: the program then pays only :meth:`emit` and one ``marshal`` of the
    rows per drain, ``server`` is None, and :meth:`flush` brings ``errors``, ``nodes`` and
    ``published`` up to date.

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
        process: bool = False,
    ) -> None:
        if id_scope not in ("cluster", "server"):
            raise ValueError(f"id_scope must be 'cluster' or 'server', got {id_scope!r}")
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number, got {flush_interval}")
        self.name = name
        self.nodes = list(nodes)
        self.stream_id = stream_id or f"emitter:{name}:{time.time_ns()}"
        self.flush_interval = flush_interval
        self.errors: list[str] = []
        """Events whose fields had the wrong type (found when the batch was built), by seq."""
        # Lock-free under the GIL: next() on a count and list.append are each atomic. A thread
        # may be preempted between taking its seq and appending, so a drain can find a gap;
        # it publishes the gapless prefix and holds the rest for the next drain.
        self._seq = itertools.count()
        self._drain = Drain(self.nodes, self.errors)
        self._rows = self._drain.rows
        self._frames = self._drain.frames
        # bound once: emit() then costs one attribute lookup per step instead of two
        self._next_seq = self._seq.__next__
        self._append = self._rows.append
        self._time = time.time
        self.process = process
        self.server: NodeServer | None = None
        """The node (in this process); None with ``process=True``."""
        self._child: ChildNode | None = None
        if process:
            self._start_child(
                dict(name=name, nodes=self.nodes, host=host, port=port, token=token,
                     stream_token=stream_token, retain=retain, id_scope=id_scope,
                     heartbeat=heartbeat, stream_id=self.stream_id)
            )  # fmt: skip
            return
        # build one batch now: pyarrow loads modules (and pandas) on its first array, which
        # would otherwise land on the first drain
        frame_of([WARM_ROW])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=name)
        self._thread.start()

        async def start() -> NodeServer:
            source = EmitterSource(
                nodes=self.nodes,
                stream_id=self.stream_id,
                retain=retain,
                id_scope=id_scope,
                drain=self._drain.into,
                flush_interval=flush_interval,
            )
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

    # the node in a child process ------------------------------------------------------------
    def _start_child(self, settings: dict[str, Any]) -> None:
        self._child = ChildNode(settings)
        self._child_url = self._child.url
        self._child_published = 0
        self._ship_lock = threading.Lock()
        self._stopping = threading.Event()
        self._dead: str | None = None
        self._pump = threading.Thread(target=self._pump_rows, daemon=True, name=self.name)
        self._pump.start()

    def _pump_rows(self) -> None:
        while not self._stopping.wait(self.flush_interval):
            self._ship()

    def _ship(self) -> None:
        """Hand what was emitted to the node process: one marshal and one pipe write."""
        assert self._child is not None
        with self._ship_lock:
            rows, frames = self._rows, self._frames
            n, m = len(rows), len(frames)
            batch, taken = rows[:n], frames[:m]
            del rows[:n], frames[:m]
            if self._dead is not None:
                return  # nowhere to send them: dropped, so that memory stays bounded
            try:
                if batch:
                    self._child.send(b"R", marshal_rows(batch))
                for df in taken:
                    self._child.send(b"F", frame_bytes(df))
            except (OSError, ValueError) as exc:
                self._dead = f"the emitter's node process is gone ({type(exc).__name__})"
                self.errors.append(f"{self._dead}; events from seq {batch[0][0] if batch else '?'} "
                                   "on are dropped")  # fmt: skip

    @property
    def url(self) -> str:
        if self._child is not None:
            return self._child_url
        assert self.server is not None
        return self.server.url

    @property
    def published(self) -> int:
        """How many events the node has published: everything emitted before the last
        :meth:`flush` returned (and, in a thread, whatever its drains took since)."""
        return self._child_published if self._child is not None else self._drain.published

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
    ) -> int:
        """Publish one event now; returns its ``seq``. Fields are the contract's columns.

        The hot path: a lookup, a counter, a clock read and one append. A value of the wrong
        type is found when the batch is built and reported there (see :attr:`errors`); a field
        that is not a column is Python's own ``TypeError`` (no ``**kwargs`` catch-all: it
        would build a dict on every call)."""
        code = _KIND_CODE_GET(kind)
        if code is None:
            raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(KINDS)}")
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
        ``flush_interval`` seconds); when it returns, clients can read all of it."""
        if self._child is not None:
            self._ship()
            if self._dead is not None:
                raise RuntimeError(self._dead)
            reply = self._child.sync()
            self.errors.extend(reply["errors"])
            self.nodes[:] = reply["nodes"]
            self._child_published = reply["published"]
            return
        asyncio.run_coroutine_threadsafe(self._flush(), self._loop).result(10)

    async def _flush(self) -> None:
        assert self.server is not None
        self._drain.into(self.server.source.feed)

    def close(self) -> None:
        """Stop serving (clients see the connection close)."""
        if self._child is not None:
            if self._stopping.is_set():
                return
            self._stopping.set()
            self._pump.join(10)
            with contextlib.suppress(RuntimeError):
                self.flush()  # what was emitted before close reaches the clients still attached
            self._child.close()
            return
        if not self._thread.is_alive():
            return
        self.flush()  # what was emitted before close reaches the clients still attached
        assert self.server is not None
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> Emitter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
