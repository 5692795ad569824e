"""replica-repair: two nodes (drawn from the seed) die and rejoin while MeshOS keeps every
blob at 3 replicas; the stale copies they bring back are dropped.

The MeshOS engine is left on ``mesh.meshos``, so a live server can take admin actions for it.
"""

from __future__ import annotations

import random

from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Mesh, Uniform


def _mesh(name: str, seed: int, nodes: int) -> Mesh:
    # latencies from the seeded RNG: RTT samples and copy times differ from seed to seed
    return Mesh(seed=seed, nodes=nodes, latency=Uniform(0.001, 0.004), scenario=name)


def build(*, seed: int, nodes: int) -> Mesh:
    mesh = _mesh("replica-repair", seed, nodes)
    want = DesiredState(
        daemons=(Daemon("agent", essential=True),),  # a node agent, heartbeating on each node
        blobs=tuple(Blob(f"b{i}", replicas=3, size=80_000_000) for i in range(6)),
    )
    engine = MeshOS(mesh, want, policy=Policy(max_transfers=6))
    names = mesh.nodes_up()
    for i in range(6):
        engine.announce_blob(f"b{i}", node=names[i % len(names)])
    rng = random.Random(seed)
    first, second = rng.sample(names, 2)
    mesh.kill_node(first, at=12.0)
    mesh.kill_node(second, at=20.0)
    mesh.node_up(first, at=30.0)  # back with stale copies: dropped once counts are met
    mesh.node_up(second, at=40.0)
    mesh.params.update(killed=[first, second])
    return mesh


SCENARIO = Scenario(
    "replica-repair",
    summary="two nodes die and rejoin while MeshOS keeps every blob at 3 replicas",
    until=60.0,
    nodes=6,
    build=build,
)
