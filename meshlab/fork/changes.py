"""What a what-if fork changes at its instant: a fault added, a fault taken away, a parameter.

Each change is a small frozen value with ``apply(mesh)``, run on the replayed mesh at the
fork's time, and ``describe()``, one line for summaries. Changes that name a node, an actor or
a message are checked when applied, so a typo says what exists instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshlab.sim import Mesh


class Change:
    """Base of every change; see the functions of :mod:`meshlab.fork` that make them."""

    def apply(self, mesh: Mesh) -> None:  # pragma: no cover - every change overrides it
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError


# ---- faults added ----------------------------------------------------------------------------
@dataclass(frozen=True)
class KillNode(Change):
    node: str
    reason: str = "killed"

    def apply(self, mesh: Mesh) -> None:
        mesh.kill_node(self.node, reason=self.reason)

    def describe(self) -> str:
        return f"kill node {self.node}"


@dataclass(frozen=True)
class NodeUp(Change):
    node: str

    def apply(self, mesh: Mesh) -> None:
        mesh.node_up(self.node)

    def describe(self) -> str:
        return f"bring node {self.node} back"


@dataclass(frozen=True)
class Crash(Change):
    actor: str
    reason: str = "injected crash"

    def apply(self, mesh: Mesh) -> None:
        mesh.crash(self.actor, reason=self.reason)

    def describe(self) -> str:
        return f"crash {self.actor}"


@dataclass(frozen=True)
class Partition(Change):
    groups: tuple[tuple[str, ...], ...]

    def apply(self, mesh: Mesh) -> None:
        mesh.partition([list(g) for g in self.groups])

    def describe(self) -> str:
        return "partition " + " | ".join(",".join(g) for g in self.groups)


@dataclass(frozen=True)
class Heal(Change):
    def apply(self, mesh: Mesh) -> None:
        mesh.heal()

    def describe(self) -> str:
        return "heal every partition"


@dataclass(frozen=True)
class Lose(Change):
    msg_id: int

    def apply(self, mesh: Mesh) -> None:
        if self.msg_id < 0:
            raise ValueError(f"a message id is >= 0, got {self.msg_id}")
        if self.msg_id < mesh._mid and not _in_flight(mesh, self.msg_id):
            raise ValueError(
                f"message {self.msg_id} is not in flight at t={mesh.now:.6g} (it arrived or "
                "was dropped already); fork at or before its msg_send time"
            )
        mesh._lost.add(self.msg_id)

    def describe(self) -> str:
        return f"lose message {self.msg_id}"


def _in_flight(mesh: Mesh, msg_id: int) -> bool:
    import polars as pl

    if not mesh.recording:
        return True  # nothing to check against: trust the id
    ev = mesh.trace.events.filter(pl.col("msg_id") == msg_id)
    kinds = set(ev["kind"].cast(pl.String).to_list())
    return "msg_send" in kinds and not kinds & {"msg_recv", "msg_drop"}


# ---- faults taken away -----------------------------------------------------------------------
# What each kind of event is made by: the mesh methods a scheduled fault calls. A link goes down
# by a partition (many links at once) or by a cut of one link (``Mesh.cut``): both are faults.
_PREVENTABLE: dict[str, tuple[str, ...]] = {
    "node_down": ("_down",),
    "node_up": ("_up",),
    "node_leave": ("_leave",),
    "link_down": ("_partition", "_cut_link"),
    "link_up": ("_heal",),
    "actor_fail": ("_crash",),
    "actor_stop": ("_stop_id",),
}


def _links_of(mesh: Mesh, name: str, args: tuple[Any, ...], node: str) -> bool:
    """Whether the link fault ``name(*args)`` would cut or restore a link of ``node``: a cut of
    a link with ``node`` at one end; a partition that puts ``node`` and another node on
    different sides (a node in no group is on the side of the others in none); a heal while a
    link of ``node`` is cut."""
    if name == "_cut_link":
        return node in args[:2]
    if name == "_partition":
        side = {n: i for i, g in enumerate(args[0]) for n in g}
        mine = side.get(node, -1)
        return any(side.get(n, -1) != mine for n in mesh._nodes if n != node)
    if name == "_heal":
        return any(a == node for a, _ in mesh.net.cut)
    return False


@dataclass(frozen=True)
class Prevent(Change):
    """The next ``count`` faults of ``kind`` (on ``node`` / of ``actor``) after the fork do not
    happen; ``count=None``: none of them. For ``actor_fail`` this covers an injected crash and a
    handler that raises (the actor lives on, the handler's effects up to the raise stand). For
    ``link_down`` a partition is one fault and so is each ``Mesh.cut`` of one link; with
    ``node`` only those that cut a link of that node (for ``link_up``: a heal while one is cut)."""

    kind: str
    node: str | None = None
    actor: str | None = None
    count: int | None = 1

    def __post_init__(self) -> None:
        if self.kind not in _PREVENTABLE:
            raise ValueError(
                f"cannot prevent {self.kind!r}; choose one of: {', '.join(_PREVENTABLE)}"
            )
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise ValueError(f"count must be a whole number >= 1 or None, got {self.count!r}")

    def apply(self, mesh: Mesh) -> None:
        if self.node is not None:
            mesh._known_node(self.node)
        if self.actor is not None:
            mesh._cell(self.actor)
        left = [self.count]  # per mesh: a Run may replay the same change many times
        methods = _PREVENTABLE[self.kind]
        links = self.kind in ("link_down", "link_up")

        def spend() -> bool:
            if left[0] is None:
                return True
            if left[0] <= 0:
                return False
            left[0] -= 1
            return True

        def veto(name: str, args: tuple[Any, ...]) -> bool:
            if name not in methods:
                return False
            if self.node is not None:
                # a link fault names its node among its arguments (or not at all: a heal)
                mine = _links_of(mesh, name, args, self.node) if links else args[:1] == (self.node,)
                if not mine:
                    return False
            if self.actor is not None and (not args or args[0] != self.actor):
                return False
            return spend()

        vetoes = mesh.__dict__.setdefault("_vetoes", [])
        vetoes.append(veto)
        if self.kind == "actor_fail":
            crashed = mesh._crashed

            def survive(cell, exc, _crashed=crashed):
                if (self.actor is None or cell.id == self.actor) and spend():
                    return  # the crash does not happen: the actor lives on
                _crashed(cell, exc)

            # shadow the hook on this mesh only (an instance attribute, as _vetoes above): the
            # engine looks it up at each crash
            vars(mesh)["_crashed"] = survive

    def describe(self) -> str:
        who = self.actor or self.node
        n = "every" if self.count is None else ("the next" if self.count == 1 else f"{self.count}")
        return f"prevent {n} {self.kind}" + (f" of {who}" if who else "")


# ---- parameters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetLink(Change):
    """Latency and/or loss from now on: between two nodes, or of every link between nodes."""

    latency: Any = None
    loss: float | None = None
    between: tuple[str, str] | None = None

    def apply(self, mesh: Mesh) -> None:
        if self.latency is None and self.loss is None:
            raise ValueError("set_link needs latency= or loss=")
        if self.loss is not None and not 0.0 <= self.loss <= 1.0:
            raise ValueError(f"loss is a probability in [0, 1], got {self.loss}")
        if self.between is not None:
            mesh.set_link(*self.between, latency=self.latency, loss=self.loss)
            return
        from meshlab.sim.net import Link, as_latency

        net = mesh.net
        d = net.default
        net.default = Link(
            as_latency(self.latency) if self.latency is not None else d.latency,
            d.loss if self.loss is None else self.loss,
        )
        for pair, link in list(net._links.items()):  # overrides between nodes follow too
            if pair[0] != pair[1]:
                net._links[pair] = Link(
                    as_latency(self.latency) if self.latency is not None else link.latency,
                    link.loss if self.loss is None else self.loss,
                )
        mesh._routes.clear()
        mesh._routes_epoch += 1

    def describe(self) -> str:
        parts = []
        if self.latency is not None:
            parts.append(f"latency {self.latency!r}")
        if self.loss is not None:
            parts.append(f"loss {self.loss:g}")
        where = f" between {self.between[0]} and {self.between[1]}" if self.between else ""
        return "set " + " and ".join(parts) + where


@dataclass(frozen=True)
class SetSupervisor(Change):
    """A supervisor's restart intensity (and period) from now on."""

    supervisor: str
    intensity: int
    period: int | None = None

    def apply(self, mesh: Mesh) -> None:
        from meshlab.sim import Supervisor

        behaviour = mesh._cell(self.supervisor).behaviour
        if not isinstance(behaviour, Supervisor):
            raise ValueError(f"{self.supervisor!r} is not a Supervisor")
        if isinstance(self.intensity, bool) or not isinstance(self.intensity, int):
            raise ValueError(f"intensity must be a whole number >= 0, got {self.intensity!r}")
        if self.intensity < 0:
            raise ValueError(f"intensity must be a whole number >= 0, got {self.intensity!r}")
        behaviour.intensity = self.intensity
        if self.period is not None:
            behaviour.period = int(self.period)

    def describe(self) -> str:
        more = f", period {self.period}" if self.period is not None else ""
        return f"set {self.supervisor} intensity {self.intensity}{more}"


# ---- the functions a user calls ----------------------------------------------------------------
def kill_node(node: str, *, reason: str = "killed") -> KillNode:
    """The node crashes: every actor on it fails with ``node_down``."""
    return KillNode(node, reason)


def node_up(node: str) -> NodeUp:
    """A downed node comes back (empty)."""
    return NodeUp(node)


def crash(actor: str, *, reason: str = "injected crash") -> Crash:
    """The actor crashes as if its handler raised."""
    return Crash(actor, reason)


def partition(groups: Iterable[Iterable[str]]) -> Partition:
    """Cut every link between different groups of nodes."""
    return Partition(tuple(tuple(g) for g in groups))


def heal() -> Heal:
    """Restore every cut link."""
    return Heal()


def lose(msg_id: int) -> Lose:
    """Message ``msg_id`` (from the parent's trace) is lost on its way: a ``msg_drop`` with
    reason ``loss`` when it would have arrived. Fork at or before its send."""
    return Lose(int(msg_id))


def prevent(
    kind: str, *, node: str | None = None, actor: str | None = None, count: int | None = 1
) -> Prevent:
    """A fault that did happen does not: the next ``count`` of ``kind`` (``node_down``,
    ``node_up``, ``node_leave``, ``link_down`` (a partition, or a ``Mesh.cut`` of one link),
    ``link_up`` (a heal), ``actor_fail``, ``actor_stop``) on ``node`` or of ``actor`` after the
    fork."""
    return Prevent(kind, node, actor, count)


def set_link(
    *, latency: Any = None, loss: float | None = None, between: tuple[str, str] | None = None
) -> SetLink:
    """From the fork on, links get this latency (seconds or a distribution) and/or loss."""
    pair = None
    if between is not None:
        # a list is welcome too (the change must be hashable); a string is not a pair
        names = () if isinstance(between, str) else tuple(between)
        if len(names) != 2:
            raise ValueError(f"between= is a pair of node names, got {between!r}")
        pair = (names[0], names[1])
    return SetLink(latency, loss, pair)


def set_supervisor(supervisor: str, *, intensity: int, period: int | None = None) -> SetSupervisor:
    """From the fork on, the supervisor allows ``intensity`` restarts per ``period`` seconds."""
    return SetSupervisor(supervisor, intensity, period)
