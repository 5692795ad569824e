"""The desired state of a mesh: what MeshOS reconciles the actual state towards.

Declarative and immutable: daemons per node role, services with a replica count, blobs with a
replica count and size, and placement constraints. Building one checks it, so a mistake is
reported where it is made rather than as a strange action later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

SPREADS: Final = ("node", "zone")
"""How a blob's or service's copies spread: over distinct nodes (always), or also over
distinct zones while there are zones without a copy."""


@dataclass(frozen=True)
class Daemon:
    """A daemon that runs once on every node of the given roles.

    ``essential`` daemons keep running while their node is in maintenance (a node agent, a
    log shipper); the others are drained with the node.
    """

    name: str
    roles: tuple[str, ...] = ("*",)
    essential: bool = False

    def __post_init__(self) -> None:
        _name("daemon", self.name)

    def wanted_on(self, role: str) -> bool:
        return "*" in self.roles or role in self.roles


@dataclass(frozen=True)
class Blob:
    """A piece of data kept on ``replicas`` distinct nodes; ``size`` in bytes sets how long
    a copy takes over the network model (size / bandwidth + latency).

    Placement constraints: ``needs`` are node labels every holder must have (``("ssd",)``);
    ``spread="zone"`` puts the copies in distinct zones while a zone without one can take it
    (anti-affinity beyond nodes), and moves a copy that shares a zone when one can.
    """

    name: str
    replicas: int = 3
    size: int = 64 << 20
    roles: tuple[str, ...] = ("*",)
    needs: tuple[str, ...] = ()
    spread: str = "node"

    def __post_init__(self) -> None:
        _name("blob", self.name)
        if not isinstance(self.replicas, int) or self.replicas < 1:
            raise ValueError(f"blob {self.name!r} needs replicas >= 1, got {self.replicas!r}")
        if not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"blob {self.name!r} needs a size in bytes >= 0, got {self.size!r}")
        _constraints("blob", self.name, self.needs, self.spread)

    def may_live_on(self, role: str) -> bool:
        return "*" in self.roles or role in self.roles

    def fits(self, role: str, labels: frozenset[str]) -> bool:
        """May a copy live on a node of this role and these labels?"""
        return ("*" in self.roles or role in self.roles) and all(n in labels for n in self.needs)


@dataclass(frozen=True)
class Service:
    """A service of ``replicas`` stateless instances, placed like blobs but with no data to
    copy: a new instance starts where the placement score is best."""

    name: str
    replicas: int = 2
    roles: tuple[str, ...] = ("*",)
    needs: tuple[str, ...] = ()
    spread: str = "node"

    def __post_init__(self) -> None:
        _name("service", self.name)
        if not isinstance(self.replicas, int) or self.replicas < 0:
            raise ValueError(f"service {self.name!r} needs replicas >= 0, got {self.replicas!r}")
        _constraints("service", self.name, self.needs, self.spread)

    def may_live_on(self, role: str) -> bool:
        return "*" in self.roles or role in self.roles

    def fits(self, role: str, labels: frozenset[str]) -> bool:
        return ("*" in self.roles or role in self.roles) and all(n in labels for n in self.needs)


@dataclass(frozen=True)
class DesiredState:
    """Everything MeshOS keeps true. ``roles`` maps node name to role (unlisted nodes are
    ``"worker"``); ``zones`` maps node name to its failure zone (unlisted: a zone of its own)
    and ``labels`` node name to the labels it starts with (its capabilities: a node that
    leaves maintenance reports them again, see :meth:`MeshOS.report_capabilities`).

    >>> d = DesiredState(daemons=(Daemon("agent", essential=True),), blobs=(Blob("b0"),))
    >>> d.blob("b0").replicas
    3
    >>> DesiredState(blobs=(Blob("x"), Blob("x")))
    Traceback (most recent call last):
    ...
    ValueError: the desired state names blob 'x' twice; give each blob its own name
    """

    daemons: tuple[Daemon, ...] = ()
    services: tuple[Service, ...] = ()
    blobs: tuple[Blob, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_blobs", {b.name: b for b in self.blobs})
        for node, labels in self.labels.items():
            if isinstance(labels, str) or not all(isinstance(x, str) and x for x in labels):
                raise ValueError(
                    f"labels of node {node!r} must be a tuple of names, like ('ssd',), "
                    f"got {labels!r}"
                )
        for what, items in (
            ("daemon", self.daemons),
            ("service", self.services),
            ("blob", self.blobs),
        ):
            seen: set[str] = set()
            for item in items:
                if item.name in seen:
                    raise ValueError(
                        f"the desired state names {what} {item.name!r} twice; "
                        f"give each {what} its own name"
                    )
                seen.add(item.name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible, as kept in a trace's metadata (``meta.params["meshos"]``).
        Placement constraints left at their defaults are left out, so a desired state without
        them reads as it did before they existed."""
        out = {f: v for f, v in asdict(self).items() if not f.startswith("_")}
        for key in ("zones", "labels"):
            if not out[key]:
                del out[key]
        for part in ("blobs", "services"):
            for item in out[part]:
                if not item["needs"]:
                    del item["needs"]
                if item["spread"] == "node":
                    del item["spread"]
        return out

    def role_of(self, node: str) -> str:
        return self.roles.get(node, "worker")

    def zone_of(self, node: str) -> str:
        return self.zones.get(node, node)

    def blob(self, name: str) -> Blob:
        try:
            return self._blobs[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no blob {name!r} in the desired state") from None


def _constraints(what: str, name: str, needs: object, spread: object) -> None:
    if isinstance(needs, str) or not isinstance(needs, tuple):
        raise ValueError(f"{what} {name!r}: needs must be a tuple of labels, like ('ssd',)")
    if spread not in SPREADS:
        raise ValueError(
            f"{what} {name!r}: spread must be one of {', '.join(SPREADS)}, got {spread!r}"
        )


def _name(what: str, name: object) -> None:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"a {what} needs a non-empty name without '/', got {name!r}")
