"""Node lifecycle and fault injection, scheduled (``at=t``) or at once (``at=None``).

A mixin of :class:`~meshlab.sim.mesh.Mesh`, kept apart because it is the part a scenario or
a teacher calls, not the part that runs every message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from meshlab.sim.hooks import CLOSED_STATES, DOWN_STATES, DRAIN_STATES

if TYPE_CHECKING:
    from meshlab.sim.mesh import Mesh


class Faults:
    """Node joins, leaves, deaths and states; partitions; injected actor crashes."""

    def _when(self: Mesh, at: float | None, fn: Callable[..., None], *args: Any) -> None:
        if at is None:
            fn(*args)
        else:
            self.schedule(at, _apply, (fn, args))

    # nodes -------------------------------------------------------------------------------
    def add_node(self: Mesh, name: str, *, at: float | None = None) -> None:
        """A node joins the mesh (state ``up``)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a node name is a non-empty string, got {name!r}")
        if at is None and name in self._nodes:
            raise ValueError(f"node {name!r} already exists")
        self._when(at, self._join, name)

    def _join(self: Mesh, name: str) -> None:
        self._nodes[name] = "up"
        self._record("node_join", node=name)

    def remove_node(self: Mesh, name: str, *, at: float | None = None) -> None:
        """A node leaves gracefully: its actors stop cleanly, then it is ``left``."""
        self._known_node(name)
        self._when(at, self._leave, name)

    def _leave(self: Mesh, name: str) -> None:
        if self._nodes[name] in DOWN_STATES:
            return
        for cell in self._cells_on(name):
            if cell.alive:
                self._stop(cell, "node_leave")
        self._nodes[name] = "left"
        self._record("node_leave", node=name)

    def kill_node(
        self: Mesh, name: str, *, at: float | None = None, reason: str = "killed"
    ) -> None:
        """A node crashes: every actor on it fails with ``node_down``."""
        self._known_node(name)
        self._when(at, self._down, name, reason)

    def _down(self: Mesh, name: str, reason: str) -> None:
        if self._nodes[name] in DOWN_STATES:
            return
        self._nodes[name] = "down"
        self._record("node_down", node=name, reason=reason)
        # Every actor on the node dies at this instant; only then do cascades run, so that an
        # actor is never "shut down" by a parent that died in the same crash.
        dying = [c for c in self._cells_on(name) if c.alive]
        for cell in dying:
            self._end_life(cell)
            self._record("actor_fail", node=name, actor=cell.id, inc=cell.inc, reason="node_down")
        for cell in dying:
            self._notify_supervisor(cell, "node_down", None)

    def restart_node(
        self: Mesh, name: str, *, at: float | None = None, downtime: float = 1.0
    ) -> None:
        """Kill a node, and bring it back (empty) ``downtime`` seconds later."""
        self._known_node(name)
        start = self.now if at is None else at
        self.kill_node(name, at=at)
        self.schedule(start + downtime, _apply, (self._up, (name,)))

    def node_up(self: Mesh, name: str, *, at: float | None = None) -> None:
        """Bring a downed node back (state ``up``); it comes back with no actors."""
        self._known_node(name)
        self._when(at, self._up, name)

    def _up(self: Mesh, name: str) -> None:
        if self._nodes[name] != "down":
            return
        self._nodes[name] = "up"
        self._record("node_up", node=name)

    def set_node_state(self: Mesh, name: str, state: str, *, at: float | None = None) -> None:
        """An operational state such as ``maintenance``, ``drain`` or ``cordon`` (or ``up``).

        The node stays up and runs what it has, but in ``cordon``, ``drain`` and
        ``maintenance`` (and MeshOS's maintenance states) it takes no new actors: no placement
        policy chooses it, supervisors restart children elsewhere, and ``spawn(node=...)``
        onto it is refused. Entering ``drain`` or ``maintenance`` also moves its supervised
        actors off: each stops with reason ``drain`` and its supervisor starts it on a node
        that takes new actors (a ``temporary`` child is not restarted, as always). Actors with
        no supervisor stay where they are: nothing could start them again elsewhere. If no
        other node takes new actors, nothing is moved. ``up`` opens the node again.
        """
        self._known_node(name)
        if state in DOWN_STATES:
            raise ValueError(f"use kill_node or remove_node for {state!r}, not set_node_state")
        self._when(at, self._set_state, name, state)

    def _set_state(self: Mesh, name: str, state: str) -> None:
        if self._nodes[name] in DOWN_STATES:
            return
        self._nodes[name] = state
        self._record("node_state", node=name, reason=state)
        if state in DRAIN_STATES:
            self._drain_node(name)

    def _drain_node(self: Mesh, name: str) -> None:
        if not any(s not in DOWN_STATES and s not in CLOSED_STATES for s in self._nodes.values()):
            return  # nowhere to go: leave them running rather than stop them for good
        # Outermost first: a supervised supervisor takes its subtree along, so its children
        # are not moved twice.
        movable = [c for c in self._cells_on(name) if c.spec is not None and c.parent is not None]
        for cell in sorted(movable, key=lambda c: (c.id.count("/"), c.id)):
            if cell.alive:
                self._stop(cell, "drain")

    def _cells_on(self: Mesh, name: str):
        return [c for c in self._cells.values() if c.node == name]

    # network -----------------------------------------------------------------------------
    def partition(self: Mesh, groups: Iterable[Iterable[str]], *, at: float | None = None) -> None:
        """Cut every link between different groups; nodes in no group form one more group."""
        groups = [list(g) for g in groups]
        for g in groups:
            for n in g:
                self._known_node(n)
        self._when(at, self._partition, groups)

    def _partition(self: Mesh, groups: list[list[str]]) -> None:
        side = {n: i for i, g in enumerate(groups) for n in g}
        names = list(self._nodes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if side.get(a, -1) != side.get(b, -1) and (a, b) not in self.net.cut:
                    self.net.cut.update({(a, b), (b, a)})
                    self._record("link_down", node=a, peer=b, reason="partition")

    def cut(self: Mesh, a: str, b: str, *, at: float | None = None) -> None:
        """Cut only the link between nodes ``a`` and ``b`` (both directions); ``heal`` restores
        it. Every other link stays, so the two may still reach each other through a third node:
        a partial partition, where :meth:`partition` makes groups that reach only themselves."""
        if a == b:
            raise ValueError(f"cut needs two different nodes, got {a!r} twice")
        self._known_node(a)
        self._known_node(b)
        self._when(at, self._cut_link, a, b)

    def _cut_link(self: Mesh, a: str, b: str) -> None:
        if (a, b) in self.net.cut:
            return
        names = list(self._nodes)
        if names.index(a) > names.index(b):
            a, b = b, a  # recorded in node order, as a partition records its links
        self.net.cut.update({(a, b), (b, a)})
        self._record("link_down", node=a, peer=b, reason="partition")

    def heal(self: Mesh, *, at: float | None = None) -> None:
        """Restore every cut link."""
        self._when(at, self._heal)

    def _heal(self: Mesh) -> None:
        names = list(self._nodes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if (a, b) in self.net.cut:
                    self.net.cut.difference_update({(a, b), (b, a)})
                    self._record("link_up", node=a, peer=b, reason="heal")

    # actors ------------------------------------------------------------------------------
    def crash(
        self: Mesh, actor: str, *, at: float | None = None, reason: str = "injected crash"
    ) -> None:
        """Crash an actor as if its handler raised ``InjectedFault(reason)``."""
        self._cell(actor)
        self._when(at, self._crash, actor, reason)

    def _crash(self: Mesh, actor: str, reason: str) -> None:
        cell = self._cells[actor]
        if cell.alive:
            self._fail(cell, f"InjectedFault: {reason}", cell.id)

    def stop(self: Mesh, actor: str, *, at: float | None = None) -> None:
        """Stop an actor cleanly."""
        self._cell(actor)
        self._when(at, self._stop_id, actor)


def _apply(arg: tuple[Callable[..., None], tuple[Any, ...]]) -> None:
    fn, args = arg
    # A what-if fork may veto a scheduled fault (meshlab.fork.prevent): it then never happens.
    vetoes = getattr(getattr(fn, "__self__", None), "_vetoes", None)
    if vetoes and any(veto(fn.__name__, args) for veto in list(vetoes)):
        return
    fn(*args)
