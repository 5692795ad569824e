"""The desired state of a mesh: what MeshOS reconciles the actual state towards.

Declarative and immutable: daemons per node role, services with a replica count, blobs with a
replica count and size, and placement constraints. Building one checks it, so a mistake is
reported where it is made rather than as a strange action later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    a copy takes over the network model (size / bandwidth + latency)."""

    name: str
    replicas: int = 3
    size: int = 64 << 20
    roles: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        _name("blob", self.name)
        if not isinstance(self.replicas, int) or self.replicas < 1:
            raise ValueError(f"blob {self.name!r} needs replicas >= 1, got {self.replicas!r}")
        if not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"blob {self.name!r} needs a size in bytes >= 0, got {self.size!r}")

    def may_live_on(self, role: str) -> bool:
        return "*" in self.roles or role in self.roles


@dataclass(frozen=True)
class Service:
    """A service of ``replicas`` stateless instances, placed like blobs but with no data to
    copy: a new instance starts where the placement score is best."""

    name: str
    replicas: int = 2
    roles: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        _name("service", self.name)
        if not isinstance(self.replicas, int) or self.replicas < 0:
            raise ValueError(f"service {self.name!r} needs replicas >= 0, got {self.replicas!r}")

    def may_live_on(self, role: str) -> bool:
        return "*" in self.roles or role in self.roles


@dataclass(frozen=True)
class DesiredState:
    """Everything MeshOS keeps true. ``roles`` maps node name to role (unlisted nodes are
    ``"worker"``).

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "_blobs", {b.name: b for b in self.blobs})
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
        """JSON-compatible, as kept in a trace's metadata (``meta.params["meshos"]``)."""
        return {f: v for f, v in asdict(self).items() if not f.startswith("_")}

    def role_of(self, node: str) -> str:
        return self.roles.get(node, "worker")

    def blob(self, name: str) -> Blob:
        try:
            return self._blobs[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no blob {name!r} in the desired state") from None


def _name(what: str, name: object) -> None:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"a {what} needs a non-empty name without '/', got {name!r}")
