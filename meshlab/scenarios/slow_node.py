"""slow-node: RTT samples mark a slow node as avoided; placement keeps copies off it and the
copy written there before anyone knew is moved away.

The MeshOS engine is left on ``mesh.meshos``, so a live server can take admin actions for it.
"""

from __future__ import annotations

from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Mesh, Uniform


def _mesh(name: str, seed: int, nodes: int) -> Mesh:
    # latencies from the seeded RNG: RTT samples and copy times differ from seed to seed
    return Mesh(seed=seed, nodes=nodes, latency=Uniform(0.001, 0.004), scenario=name)


def build(*, seed: int, nodes: int) -> Mesh:
    mesh = _mesh("slow-node", seed, nodes)
    names = mesh.nodes_up()
    slow = names[-1]
    for other in names[:-1]:
        mesh.set_link(slow, other, latency=Uniform(0.08, 0.12))
    want = DesiredState(
        daemons=(Daemon("agent", essential=True),),  # a node agent, heartbeating on each node
        blobs=(Blob("logs", size=20_000_000), Blob("cache", size=20_000_000)),
    )
    engine = MeshOS(mesh, want)
    # "logs" is written on the slow node before anything is known about it (a bad
    # placement, corrected once RTT samples mark the node); "cache" comes later and avoids it.
    engine.announce_blob("logs", node=slow)
    engine.announce_blob("cache", node=names[0], at=8.0)
    mesh.params.update(slow=slow)
    return mesh


SCENARIO = Scenario(
    "slow-node",
    summary="RTT-aware placement avoids a slow node and moves a copy written there away",
    until=40.0,
    nodes=5,
    build=build,
)
