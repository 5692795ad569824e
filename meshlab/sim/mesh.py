"""The simulated mesh: nodes, actors, their lives and deaths, and the recording of it all.

The message path (send, deliver, handle) and the event heap live in the engine this class
extends: the compiled ``_core`` extension, or its pure-Python twin (see ``_speedups``). The
engine calls back into the methods here for everything rarer than a message: drops, crashes,
route lookups, losses, costs that are not constants (declared in ``hooks.MeshHooks``).
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

import polars as pl

from meshlab.events import KIND_CODE
from meshlab.sim._core_frame import ColumnRecorder
from meshlab.sim._speedups import COMPILED, Engine
from meshlab.sim.actor import Actor, Cell
from meshlab.sim.cost import ByType, CostError, Message, check, class_cost
from meshlab.sim.faults import Faults
from meshlab.sim.hooks import CLOSED_STATES, DOWN_STATES
from meshlab.sim.limits import (
    DEFAULT_HANDLER_TIMEOUT,
    DEFAULT_PER_INSTANT,
    WATCHDOG,
    HandlerTimeout,
    check_options,
    entry_limit_error,
    timeout_error,
)
from meshlab.sim.net import Constant, Latency, Network
from meshlab.trace import Trace, TraceMeta

PLACEMENTS = ("round_robin", "random", "least_loaded", "local")

_K = KIND_CODE


class Mesh(Faults, Engine):
    """A deterministic simulated actor mesh.

    Parameters are keyword-only. ``nodes`` is a count (named ``n0``, ``n1``, ...) or a list of
    names; ``latency`` is the default network latency (seconds or a distribution from
    :mod:`meshlab.sim.net`); ``placement`` decides where an actor goes when no node is given.

    Limits stop runaway code with a :class:`~meshlab.sim.LimitError` and keep the trace so
    far (see :mod:`meshlab.sim.limits`): ``max_events_per_instant`` kernel entries at one
    instant of virtual time (a livelock), ``max_events`` entries in all (None: no cap), and
    ``handler_timeout`` seconds of wall time in one handler (None: not watched).

    Examples
    --------
    >>> import meshlab as ml
    >>> class Hello(ml.Actor):
    ...     def started(self, ctx):
    ...         ctx.send(ctx.self, "hi")
    ...     def on_hi(self, ctx, body):
    ...         ctx.stop()
    >>> mesh = ml.Mesh(seed=1, nodes=2)
    >>> mesh.spawn(Hello, name="hello")
    'hello'
    >>> mesh.run(until=1.0)
    >>> mesh.trace.events["kind"].to_list()[-4:]
    ['msg_send', 'msg_recv', 'msg_handle', 'actor_stop']
    """

    meshos: Any = None
    """The :class:`~meshlab.meshos.MeshOS` engine running this mesh, if any (it sets this)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        nodes: int | Iterable[str] = 3,
        latency: Latency | float = 0.001,
        local_latency: Latency | float = 0.0,
        loss: float = 0.0,
        placement: str | Callable[[list[str]], str] = "round_robin",
        record: bool = True,
        scenario: str | None = None,
        params: dict[str, Any] | None = None,
        max_events: int | None = None,
        max_events_per_instant: int | None = DEFAULT_PER_INSTANT,
        handler_timeout: float | None = DEFAULT_HANDLER_TIMEOUT,
    ) -> None:
        Engine.__init__(self)
        self._max_steps, self._max_same, self.handler_timeout = check_options(
            max_events, max_events_per_instant, handler_timeout
        )
        if not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        if not callable(placement) and placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS} or a callable")
        self.seed = seed
        self.rng = random.Random(seed)
        self.net = Network(latency=latency, local_latency=local_latency, loss=loss)
        self.placement = placement
        self.recording = bool(record)
        self.scenario = scenario
        self.params = dict(params or {})
        if COMPILED:
            self._rec = ColumnRecorder(self)  # type: ignore[assignment]  # same reading API
        self._cut = self.net.cut  # the engine checks partitions on every message
        self._timers: dict[int, tuple[Cell, int]] = {}
        self._timer_ids = 0
        self._rr = -1
        self._auto: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []
        self._stopped_by: BaseException | None = None  # what ended a run that raised
        names = [f"n{i}" for i in range(nodes)] if isinstance(nodes, int) else list(nodes)
        if not names:
            raise ValueError("a mesh needs at least one node")
        for name in names:
            self.add_node(name)

    # running ---------------------------------------------------------------------------
    def run(self, until: float | None = None) -> None:
        """Advance virtual time to ``until`` (or until nothing is pending, if None).

        If something raises while it runs (a :class:`~meshlab.sim.CostError`, a bug in a
        scheduled fault), the run stops there: :attr:`trace` keeps what was recorded up to
        that moment, and the mesh refuses to run on."""
        self._check_runnable()
        if until is not None and until < self.now:
            raise ValueError(f"until={until} is before now (t={self.now}); time only moves on")
        before = len(self._rec)
        try:
            with self._stopping_on_error(), gc_paused(), self._watched():
                self.run_kernel(math.inf if until is None else until)
                if self._limit_hit:
                    raise entry_limit_error(self, self._limit_hit)
        finally:
            if len(self._rec) != before:
                for fn in list(self._listeners):
                    fn()

    def step(self) -> bool:
        """Run the next pending entry; False when there was none."""
        self._check_runnable()
        with self._stopping_on_error(), self._watched():
            ran = Engine.step(self)
            if self._limit_hit:
                raise entry_limit_error(self, self._limit_hit)
            return ran

    def _watched(self):
        return WATCHDOG.watching(self.handler_timeout, _ANCHORS)

    def _check_runnable(self) -> None:
        if self._stopped_by is not None:
            raise RuntimeError(
                f"this mesh stopped at t={self.now:.9g} on an error "
                f"({type(self._stopped_by).__name__}: {self._stopped_by}); its trace up to then "
                "is in mesh.trace; build a new mesh to run again"
            )

    @contextmanager
    def _stopping_on_error(self):
        try:
            yield
        except HandlerTimeout as exc:
            err = timeout_error(self, exc, self.handler_timeout or 0.0)
            self._stopped_by = err
            raise err from None
        except BaseException as exc:
            # The event being processed is half done and cannot be resumed: the mesh keeps
            # what it recorded up to here, and refuses to run on as if nothing happened.
            self._stopped_by = exc
            raise

    def add_listener(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` after each :meth:`run` that recorded events; returns an unsubscribe."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    # reading ---------------------------------------------------------------------------
    @property
    def meta(self) -> TraceMeta:
        return TraceMeta(
            source="sim",
            scenario=self.scenario,
            seed=self.seed,
            nodes=tuple(self._nodes),
            params=self.params,
        )

    @property
    def trace(self) -> Trace:
        """Everything recorded so far, as a :class:`~meshlab.Trace`."""
        if not self.recording:
            raise RuntimeError("this mesh was created with record=False, so it has no trace")
        with gc_paused():
            return Trace(self._rec.frame(), self.meta, check=False)

    def events_since(self, seq: int) -> pl.DataFrame:
        """Events with ``seq >= seq`` (what a live view appends after its last batch)."""
        with gc_paused():
            return self._rec.since(seq)

    def forget(self, before_seq: int) -> None:
        """Let go of recorded events before ``before_seq`` (a live server that keeps only a
        window); :attr:`trace` then holds the events from there on."""
        self._rec.forget(before_seq)

    def nodes_up(self) -> list[str]:
        return [n for n, s in self._nodes.items() if s not in DOWN_STATES]

    def nodes_placeable(self) -> list[str]:
        """The nodes that take new actors: up, and not cordoned, draining or in maintenance
        (see :meth:`set_node_state`)."""
        return [
            n for n, s in self._nodes.items() if s not in DOWN_STATES and s not in CLOSED_STATES
        ]

    def node_state(self, node: str) -> str:
        return self._nodes[self._known_node(node)]

    def actors_alive(self, *, node: str | None = None) -> list[str]:
        return [c.id for c in self._cells.values() if c.alive and (node is None or c.node == node)]

    def is_alive(self, actor: str) -> bool:
        cell = self._cells.get(actor)
        return bool(cell and cell.alive)

    # actors ----------------------------------------------------------------------------
    def spawn(
        self,
        cls: type[Actor],
        *args: Any,
        name: str | None = None,
        node: str | None = None,
        placement: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Start a top-level actor ``cls(*args, **kwargs)``; returns its id."""
        return self._spawn(cls, args, kwargs, name, None, node, placement)

    def _spawn(
        self, cls, args, kwargs, name, parent, node, placement, spec=None, *, anywhere=False
    ) -> str:
        """``anywhere`` lets an explicit ``node`` be one that takes no new actors: for what
        must run on a node whatever its state (MeshOS's daemons on a node in maintenance)."""
        if not (isinstance(cls, type) and issubclass(cls, Actor)):
            raise TypeError(f"spawn needs a subclass of meshlab.Actor, got {cls!r}")
        class_cost(cls)  # a bad cost on the class fails here, before anything changes
        if parent is not None and not parent.alive:
            raise RuntimeError(f"{parent.id} has stopped and cannot spawn")
        if name is None:
            base = cls.__name__.lower()
            self._auto[base] = self._auto.get(base, -1) + 1
            name = f"{base}-{self._auto[base]}"
        aid = name if parent is None else f"{parent.id}/{name}"
        cell = self._cells.get(aid)
        if cell is not None and cell.alive:
            raise ValueError(f"actor id {aid!r} is already in use by a live actor")
        where = self._place(node, placement, parent, anywhere=anywhere)
        if cell is None:
            cell = Cell(self, aid, cls, args, kwargs, parent.id if parent else None, where)
            self._cells[aid] = cell
            fresh = True
        else:  # the same id again: a new incarnation of a stopped or failed actor
            cell.cls, cell.args, cell.kwargs = cls, args, kwargs
            fresh = False
        cell.spec = spec
        if parent is not None and aid not in parent.children:
            parent.children.append(aid)
        cell.begin_life(where)
        if fresh:
            self._record(
                "actor_spawn",
                node=where,
                actor=aid,
                parent=cell.parent,
                msg_type=cls.__name__,
                reason="system" if cls.system else None,
            )
        else:
            reason = "supervisor_restart" if spec is not None else "respawn"
            self._record(
                "actor_restart",
                node=where,
                actor=aid,
                inc=cell.inc,
                parent=cell.parent,
                msg_type=cls.__name__,
                reason=reason,
                duration=0.0,
            )
        self._start(cell)
        return aid

    def _restart(self, cell: Cell, node: str, delay: float, reason: str) -> None:
        cell.begin_life(node)
        self._record(
            "actor_restart",
            node=node,
            actor=cell.id,
            inc=cell.inc,
            parent=cell.parent,
            msg_type=cell.cls.__name__,
            reason=reason,
            duration=delay,
        )
        self._start(cell)

    def _start(self, cell: Cell) -> None:
        ctx = cell.ctx
        ctx.sender = None
        try:
            cell.behaviour.started(ctx)
        except Exception as exc:
            self._fail(cell, _error_text(exc), cell.id)

    def _place(
        self, node: str | None, placement: str | None, parent: Cell | None, *, anywhere=False
    ) -> str:
        if node is not None:
            self._known_node(node)
            state = self._nodes[node]
            if state in DOWN_STATES:
                raise ValueError(f"node {node!r} is {state}; spawn on a node that is up")
            if state in CLOSED_STATES and not anywhere:
                raise ValueError(
                    f"node {node!r} is {state} and takes no new actors; spawn without node= "
                    f"to place it on a node that does, or set_node_state({node!r}, 'up') first"
                )
            return node
        up = self.nodes_placeable()
        if not up:
            if not self.nodes_up():
                raise RuntimeError("no node is up to place an actor on")
            states = ", ".join(f"{n} is {s}" for n, s in self._nodes.items())
            raise RuntimeError(
                f"no node takes new actors ({states}); set one back to 'up' with set_node_state"
            )
        policy = placement or self.placement
        if callable(policy):
            return policy(up)
        if policy == "local" and parent is not None and parent.node in up:
            return parent.node
        if policy == "random":
            return self.rng.choice(up)
        if policy == "least_loaded":
            load = {n: 0 for n in up}
            for c in self._cells.values():
                if c.alive and c.node in load:
                    load[c.node] += 1
            return min(up, key=load.__getitem__)
        self._rr += 1
        return up[self._rr % len(up)]

    def _known_node(self, node: str) -> str:
        if node not in self._nodes:
            raise ValueError(f"unknown node {node!r}; nodes are {', '.join(self._nodes)}")
        return node

    def _cell(self, actor: str) -> Cell:
        cell = self._cells.get(actor)
        if cell is None:
            raise ValueError(f"unknown actor {actor!r}")
        return cell

    # stopping and failing ---------------------------------------------------------------
    def _stop_id(self, actor: str, reason: str = "normal") -> None:
        cell = self._cell(actor)
        if cell.alive:
            self._stop(cell, reason)

    def _stop(self, cell: Cell, reason: str) -> None:
        """A clean stop: children first, then the actor; queued messages are discarded; then
        its supervisor hears of it (OTP restarts a ``permanent`` child after a clean exit too)."""
        if reason == "normal":
            try:
                cell.behaviour.stopped(cell.ctx)
            except Exception as exc:
                self._fail(cell, _error_text(exc), cell.id)
                return
        self._end_life(cell)
        self._record("actor_stop", node=cell.node, actor=cell.id, inc=cell.inc, reason=reason)
        self._notify_supervisor(cell, reason, None, clean=True)

    def _fail(self, cell: Cell, reason: str, root: str | None, *, clean: bool = False) -> None:
        """A crash: children are shut down, then the supervisor hears of it. ``clean`` is for
        a supervisor that gave up: a failure on the record, but an OTP ``shutdown`` exit."""
        if not cell.alive:
            return
        self._end_life(cell)
        self._record(
            "actor_fail", node=cell.node, actor=cell.id, inc=cell.inc, peer=root, reason=reason
        )
        self._notify_supervisor(cell, reason, root, clean=clean)

    def _end_life(self, cell: Cell) -> None:
        cell.alive = False  # first, so that nothing below can re-enter this actor
        for child in reversed(cell.children):  # last started first, as OTP shuts down
            c = self._cells[child]
            # A child on a node that is going down dies with it (as a failure), not by a
            # shutdown from a parent that died in the same crash.
            if c.alive and self._nodes[c.node] not in DOWN_STATES:
                self._stop(c, "shutdown")
        mailbox = cell.mailbox
        while mailbox:
            mid, src, mtype, *_ = mailbox.popleft()  # (msg_id, sender, type, body, size)
            self._record(
                "msg_drop",
                node=cell.node,
                actor=cell.id,
                inc=cell.inc,
                peer=src,
                msg_id=mid,
                msg_type=mtype,
                reason="discarded",
            )
        cell.busy = False

    def _notify_supervisor(
        self, cell: Cell, reason: str, root: str | None, *, clean: bool = False
    ) -> None:
        if cell.spec is None or cell.parent is None:
            return
        sup = self._cells[cell.parent]
        if sup.alive:
            sup.behaviour.child_exited(self, sup, cell, reason, root, clean)

    # messages: what the engine calls back for ------------------------------------------
    def _route(self, a: str, b: str) -> tuple[float | None, Latency, float]:
        """(constant latency or None, distribution, loss) of a link, cached per pair."""
        link = self.net.link(a, b)
        const = link.latency.value if type(link.latency) is Constant else None
        self._routes[(a, b)] = route = (const, link.latency, link.loss)
        return route

    def set_link(
        self, a: str, b: str, *, latency: Latency | float | None = None, loss: float | None = None
    ) -> None:
        """Set the latency and/or loss between nodes ``a`` and ``b`` (both directions)."""
        self._known_node(a)
        self._known_node(b)
        self.net.set_link(a, b, latency=latency, loss=loss)
        self._routes.clear()
        self._routes_epoch += 1  # the engine's per-actor route caches are stale now

    def _crashed(self, cell: Cell, exc: Exception) -> None:
        """A handler raised: the actor fails with the error as its reason."""
        self._fail(cell, _error_text(exc), cell.id)

    def _cost(self, cell: Cell, mid: int, src: str, mtype: str, body: Any) -> float:
        """Seconds of processing for one message when the actor's cost is not a constant."""
        cost = cell.cost
        if type(cost) is ByType:
            return cost.get(mtype)  # checked when the actor was spawned
        ctx = cell.ctx
        ctx.sender = src
        try:
            value = cost(Message(mtype, body, src, mid), ctx)
        except Exception as exc:
            raise self._cost_error(cell, mtype, f"raised {_one_line(_error_text(exc))}") from exc
        if type(value) is float and 0.0 <= value < math.inf:
            return value
        seconds, problem = check(value)
        if problem is not None:
            raise self._cost_error(cell, mtype, problem)
        return seconds

    def _cost_error(self, cell: Cell, mtype: str, problem: str) -> CostError:
        return CostError(cell.id, cell.cls.__name__, mtype, self.now, problem)

    def _lose(self, arg) -> None:
        dst_node, dst, src, mid, mtype = arg
        self._drop(dst_node, dst, src, mid, mtype, "loss")

    def _drop(self, node, dst, src, mid, mtype, reason) -> None:
        target = self._cells.get(dst)
        inc = target.inc if target is not None and target.inc >= 0 else 0
        self._record(
            "msg_drop",
            node=node,
            actor=dst,
            inc=inc,
            peer=src,
            msg_id=mid,
            msg_type=mtype,
            reason=reason,
        )

    def _set_timer(self, cell: Cell, delay: float, mtype: str, body: Any) -> int:
        if delay < 0:
            raise ValueError(f"a timer needs delay >= 0 seconds, got {delay}")
        self._timer_ids += 1
        tid = self._timer_ids
        self._timers[tid] = (cell, cell.inc)
        self.schedule(self.now + delay, self._fire_timer, (tid, mtype, body))
        return tid

    def _fire_timer(self, arg) -> None:
        tid, mtype, body = arg
        owner = self._timers.pop(tid, None)
        if owner is None:
            return  # cancelled: it was never sent, so there is nothing to record
        cell, inc = owner
        if cell.alive and cell.inc == inc:  # timers die with the life that set them
            self._send(cell, cell.id, mtype, body, None, "timer", 0.0)

    # recording of the rarer kinds ----------------------------------------------------------
    def _record(
        self,
        kind: str,
        *,
        node: str,
        actor: str | None = None,
        inc: int = 0,
        parent: str | None = None,
        peer: str | None = None,
        msg_id: int | None = None,
        msg_type: str | None = None,
        size: int | None = None,
        reason: str | None = None,
        duration: float | None = None,
    ) -> None:
        """Record one event of a rarer kind (the engine records the message path itself);
        the columns are those of the contract, named, so that none can be swapped."""
        if self.recording:
            code = _K[kind]
            self._note(code)
            self._rec.other.append(
                (
                    code,
                    self.now,
                    node,
                    actor,
                    max(inc, 0),
                    parent,
                    peer,
                    msg_id,
                    msg_type,
                    size,
                    reason,
                    duration,
                )
            )


# The frames under which the handler watchdog looks for a hung call.
_ANCHORS = frozenset({Mesh.run.__code__, Mesh.step.__code__})


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while the kernel runs.

    A run allocates millions of small acyclic objects (events, messages) that reference
    counting frees on its own; letting the cyclic collector rescan them over and over costs
    more than the simulation itself. Cycles that handlers create are collected afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
