"""The simulator's hot path in pure Python: the twin of the compiled ``_core`` extension.

Message path: ``_send`` records ``msg_send`` and schedules the arrival after the link's
latency; arrival records ``msg_recv`` (or a ``msg_drop`` through the mesh) and queues the
message as ``(msg_id, sender, type, body, size)``; the actor takes messages one at a time,
recording ``msg_handle`` when its handler starts, and the handler's effects happen once its
processing time has passed. The receive and the handle record their columns from the message
itself, so the recorder keeps nothing per message once it has been materialised.

This module and ``_core.c`` must stay step-for-step alike: the same heap order, the same
callbacks into the mesh (those of ``hooks.MeshHooks``) and the same RNG draws, so a scenario
and seed give the same trace with or without the compiler. ``tests/test_sim_golden.py``
checks both. The code reads attributes into locals and inlines
the common case because every message runs through it.
"""

from __future__ import annotations

from heapq import heappush
from typing import TYPE_CHECKING, Any

from meshlab.sim.hooks import DOWN_STATES
from meshlab.sim.kernel import Kernel
from meshlab.sim.recorder import K_HANDLE, K_RECV, K_SEND, Recorder

if TYPE_CHECKING:  # the mesh that extends the engine implements the hooks it calls
    import random

    from meshlab.sim.hooks import MeshHooks as _Hooks
else:
    _Hooks = object


class CellBase:
    """Storage of an actor's runtime record; :class:`~meshlab.sim.actor.Cell` adds behaviour."""

    __slots__ = (
        "alive",
        "args",
        "behaviour",
        "busy",
        "children",
        "cls",
        "cost",
        "ctx",
        "handlers",
        "id",
        "inc",
        "kwargs",
        "limit",
        "mailbox",
        "node",
        "parent",
        "spec",
    )


class ContextBase:
    """Storage and the message-sending half of :class:`~meshlab.sim.actor.Context`."""

    __slots__ = ("_cell", "_mesh", "sender")
    _cell: Any
    _mesh: Any
    sender: str | None

    def send(self, dst, msg_type, body=None, *, size=None) -> None:
        """Send ``msg_type`` with ``body`` to actor ``dst`` over the network."""
        self._mesh._send(self._cell, dst, msg_type, body, size)

    def reply(self, msg_type, body=None, *, size=None) -> None:
        """Send to the sender of the message being handled."""
        if self.sender is None:
            raise RuntimeError("reply() needs a message being handled; use send(dst, ...)")
        self._mesh._send(self._cell, self.sender, msg_type, body, size)


class Engine(Kernel, _Hooks):
    """Virtual clock, event heap and message path of a mesh (pure Python)."""

    rng: random.Random  # the mesh's seeded generator

    def __init__(self) -> None:
        Kernel.__init__(self)
        self._mid = 0
        self.recording = True
        self._rec = Recorder()
        self._cells: dict = {}
        self._nodes: dict = {}
        self._routes: dict = {}
        self._routes_epoch = 0  # the compiled core caches routes per actor; this one does not
        self._cut: set = set()
        self._lost: set = set()  # ids of messages to lose on arrival (a what-if fork's change)

    def _note(self, code: int) -> None:
        self._rec.kinds.append(code)

    def _kept_blocks(self) -> int:
        """Freed column blocks kept for the next recording: the compiled core's; none here."""
        return 0

    def _send(self, cell, dst, mtype, body, size, reason=None, latency=None) -> None:
        if not cell.alive:
            raise RuntimeError(f"{cell.id} has stopped and cannot send")
        now = self.now
        src_node = cell.node
        target = self._cells.get(dst)
        dst_node = target.node if target is not None else src_node
        if latency is None:
            route = self._routes.get((src_node, dst_node))
            if route is None:
                route = self._route(src_node, dst_node)
            latency, dist, loss = route
            if latency is None:
                latency = dist.sample(self.rng)
        else:
            loss = 0.0
        latency = float(latency)
        mid = self._mid
        self._mid = mid + 1
        if self.recording:
            rec = self._rec
            rec.kinds.append(K_SEND)
            rec.sends.append(
                (now, src_node, cell.id, cell.inc, dst, dst_node, mtype, size, latency, reason)
            )
        cut = self._cut
        if target is None:
            self._drop(src_node, dst, cell.id, mid, mtype, "dead_letter")
        elif cut and (src_node, dst_node) in cut:
            self._drop(src_node, dst, cell.id, mid, mtype, "partition")
        elif loss and self.rng.random() < loss:
            self.schedule(now + latency, self._lose, (dst_node, dst, cell.id, mid, mtype))
        else:
            self._ticket = t = self._ticket + 1
            heappush(
                self._heap,
                (
                    now + latency,
                    t,
                    self._deliver,
                    (mid, cell.id, src_node, dst, dst_node, mtype, body, target, size),
                ),
            )

    def _deliver(self, m) -> None:
        # the message carries what its receive and handle record: nothing is kept per message
        mid, src, src_node, dst, dst_node, mtype, body, cell, size = m
        if self._lost and mid in self._lost:  # lost on the way, as a lossy link loses it
            self._lost.discard(mid)
            self._lose((dst_node, dst, src, mid, mtype))
            return
        cut = self._cut
        if self._nodes[dst_node] in DOWN_STATES:
            self._drop(dst_node, dst, src, mid, mtype, "node_down")
        elif cut and (src_node, dst_node) in cut:
            self._drop(dst_node, dst, src, mid, mtype, "partition")
        elif not cell.alive or cell.node != dst_node:
            self._drop(dst_node, dst, src, mid, mtype, "dead_letter")
        elif cell.limit is not None and len(cell.mailbox) >= cell.limit:
            self._drop(dst_node, dst, src, mid, mtype, "mailbox_full")
        else:
            if self.recording:
                rec = self._rec
                rec.kinds.append(K_RECV)
                rec.recvs.append((self.now, mid, cell.inc, dst_node, dst, src, mtype, size))
            if cell.busy:
                cell.mailbox.append((mid, src, mtype, body, size))
                return
            cost = cell.cost
            if type(cost) is float and cost == 0.0:
                # The common path, inlined: record the handle and run the handler now.
                if self.recording:
                    rec.kinds.append(K_HANDLE)
                    rec.handles.append(
                        (self.now, mid, cell.inc, 0.0, dst_node, dst, src, mtype, size)
                    )
                ctx = cell.ctx
                ctx.sender = src
                handler = cell.handlers.get(mtype) or cell.handler(mtype)
                try:
                    handler(ctx, body)
                except Exception as exc:
                    self._crashed(cell, exc)
            else:
                self._handle(cell, mid, src, mtype, body, size)
            if cell.mailbox:
                self._drain(cell)

    def _handle(self, cell, mid, src, mtype, body, size) -> None:
        cost = cell.cost
        if type(cost) is not float:  # a dict, a distribution or a callable: the mesh checks it
            cost = self._cost(cell, mid, src, mtype, body)
        if self.recording:
            # a queued message's cell has not moved: a mailbox is emptied when a life ends
            rec = self._rec
            rec.kinds.append(K_HANDLE)
            rec.handles.append(
                (self.now, mid, cell.inc, cost, cell.node, cell.id, src, mtype, size)
            )
        if cost > 0.0:
            cell.busy = True
            self.schedule(self.now + cost, self._finish, (cell, cell.inc, src, mtype, body))
        else:
            self._invoke(cell, src, mtype, body)

    def _finish(self, arg) -> None:
        cell, inc, src, mtype, body = arg
        if not cell.alive or cell.inc != inc:
            return  # the actor died while busy: the handler's effects never happen
        cell.busy = False
        self._invoke(cell, src, mtype, body)
        self._drain(cell)

    def _drain(self, cell) -> None:
        mailbox = cell.mailbox
        while mailbox and cell.alive and not cell.busy:
            mid, src, mtype, body, size = mailbox.popleft()
            self._handle(cell, mid, src, mtype, body, size)

    def _invoke(self, cell, src, mtype, body) -> None:
        ctx = cell.ctx
        ctx.sender = src
        handler = cell.handlers.get(mtype) or cell.handler(mtype)
        try:
            handler(ctx, body)
        except Exception as exc:
            self._crashed(cell, exc)
