"""The actual state of a mesh as MeshOS sees it: what the reconciler compares against the
desired state. The engine keeps it up to date from the signals that enter its loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from meshlab.meshos.maintenance import PLACEABLE, PRESENT, MaintenanceState

DaemonStatus = Literal["starting", "running", "stopping", "crashed", "gated", "stopped"]


@dataclass
class NodeView:
    """One node: liveness, maintenance state, role, and the placement signals."""

    role: str = "worker"
    up: bool = True
    state: MaintenanceState = "active"
    heat: float = 0.0
    """Load in [0, 1]: busy daemons and instances over capacity."""
    avoid_until: float | None = None
    """Placement avoids the node until then (slow RTT, saturation, leaving maintenance)."""
    avoid_why: str = "slow"
    """Why it is avoided, as the cause of a copy moved off it says."""
    warm_at: float | None = None
    """End of the warm-up ramp after maintenance; no new placements before it."""
    zone: str = ""
    """Its failure zone (placement spreads copies over zones when a blob asks for it)."""
    labels: frozenset[str] = frozenset()
    """Its capabilities as last reported (placement honours a blob's ``needs``)."""
    saturation: float = 0.0
    """The highest load its daemons report (1.0: at capacity); 0 when none reports."""
    cut_off: bool = False
    """Probes to most of its peers time out: a partition is suspected before node health
    says anything. Its copies neither count nor serve as sources; nothing is placed on it."""

    def placeable(self, now: float) -> bool:
        return (
            self.up
            and self.state in PLACEABLE
            and not self.cut_off
            and (self.avoid_until is None or now >= self.avoid_until)
            and (self.warm_at is None or now >= self.warm_at)
        )

    def present(self) -> bool:
        return self.up and self.state in PRESENT and not self.cut_off


@dataclass
class DaemonView:
    status: DaemonStatus = "stopped"
    crashes: int = 0
    """Crashes since it last ran healthy for a stabilisation period."""
    gated_until: float | None = None


@dataclass(frozen=True)
class Transfer:
    """A copy of ``blob`` from ``src`` to ``dst`` in flight. ``move`` drops the source copy
    when it lands (a migration); otherwise it adds a replica (a pull)."""

    action_id: int
    blob: str
    src: str
    dst: str
    move: bool = False


@dataclass
class ActualState:
    """Nodes, daemons per node, replicas per blob, instances per service, transfers in flight,
    and the RTT map, at time ``now``."""

    now: float = 0.0
    nodes: dict[str, NodeView] = field(default_factory=dict)
    daemons: dict[tuple[str, str], DaemonView] = field(default_factory=dict)
    replicas: dict[str, set[str]] = field(default_factory=dict)
    instances: dict[str, set[str]] = field(default_factory=dict)
    transfers: dict[int, Transfer] = field(default_factory=dict)
    rtt: dict[tuple[str, str], float] = field(default_factory=dict)
    suspect: set[tuple[str, str]] = field(default_factory=set)
    """Pairs of nodes (sorted) whose last probes timed out: a link suspected cut."""

    def rtt_between(self, a: str, b: str) -> float:
        """The latest RTT sample between two nodes; 0 to itself, unknown or suspect pairs
        last."""
        if a == b:
            return 0.0
        pair = (a, b) if a < b else (b, a)
        if pair in self.suspect:
            return float("inf")
        return self.rtt.get(pair, float("inf"))

    def daemon(self, node: str, name: str) -> DaemonView:
        return self.daemons.setdefault((node, name), DaemonView())

    def transfers_of(self, blob: str) -> list[Transfer]:
        return [tr for tr in self.transfers.values() if tr.blob == blob]
