"""Built-in scenarios: small, deterministic meshes that show one idea each.

>>> import meshlab as ml
>>> ml.scenarios.names()  # doctest: +NORMALIZE_WHITESPACE
['ping-pong', 'ring', 'spawn-storm', 'supervision-tree', 'node-failure', 'partition',
 'partial-partition', 'maintenance-drain', 'replica-repair', 'crash-loop', 'slow-node']
>>> trace = ml.scenarios.run("ring", seed=3, until=0.5)
>>> trace.meta.scenario, trace.meta.seed
('ring', 3)
"""

from __future__ import annotations

from meshlab.scenarios import (
    crash_loop,
    maintenance_drain,
    node_failure,
    partial_partition,
    partition,
    ping_pong,
    replica_repair,
    ring,
    slow_node,
    spawn_storm,
    supervision_tree,
)
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Mesh
from meshlab.trace import Trace

# The built-in scenarios, in teaching order. This tuple is the one list of them: a scenario
# module whose SCENARIO is not here is not shown (tests/test_scenarios.py fails on that).
SCENARIOS: tuple[Scenario, ...] = (
    ping_pong.SCENARIO,
    ring.SCENARIO,
    spawn_storm.SCENARIO,
    supervision_tree.SCENARIO,
    node_failure.SCENARIO,
    partition.SCENARIO,
    partial_partition.SCENARIO,
    # MeshOS, the cluster-behaviour engine on the simulator (meshlab.meshos)
    maintenance_drain.SCENARIO,
    replica_repair.SCENARIO,
    crash_loop.SCENARIO,
    slow_node.SCENARIO,
)

__all__ = ["SCENARIOS", "Scenario", "build", "get", "names", "run"]


def names() -> list[str]:
    """The built-in scenario names, in a teaching order."""
    return [sc.name for sc in SCENARIOS]


def get(name: str) -> Scenario:
    for sc in SCENARIOS:
        if sc.name == name:
            return sc
    raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(names())}")


def build(name: str, *, seed: int = 0, nodes: int | None = None) -> tuple[Mesh, float]:
    """A mesh set up for scenario ``name`` (not yet run), and its default ``until``."""
    sc = get(name)
    n = sc.nodes if nodes is None else nodes
    if n < 2:
        raise ValueError(f"scenario {name!r} needs at least 2 nodes, got {n}")
    return sc.build(seed=seed, nodes=n), sc.until


def run(name: str, *, seed: int = 0, until: float | None = None, nodes: int | None = None) -> Trace:
    """Build scenario ``name``, run it to ``until`` (its default if None), return the trace."""
    mesh, default_until = build(name, seed=seed, nodes=nodes)
    mesh.run(until=default_until if until is None else until)
    return mesh.trace
