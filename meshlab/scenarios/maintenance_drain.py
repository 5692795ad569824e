"""maintenance-drain: a node enters maintenance, its replicas and daemons move off, it exits
and warms up; a supervised application worker on it moves off too.

The MeshOS engine is left on ``mesh.meshos``, so a live server can take admin actions for it.
"""

from __future__ import annotations

import random

from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy, Service
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, ChildSpec, Mesh, Supervisor, Uniform


class Worker(Actor):
    """An application actor under a supervisor: it has to live somewhere that takes actors."""


def _mesh(name: str, seed: int, nodes: int) -> Mesh:
    # latencies from the seeded RNG: RTT samples and copy times differ from seed to seed
    return Mesh(seed=seed, nodes=nodes, latency=Uniform(0.001, 0.004), scenario=name)


def build(*, seed: int, nodes: int) -> Mesh:
    mesh = _mesh("maintenance-drain", seed, nodes)
    want = DesiredState(
        daemons=(Daemon("agent", essential=True), Daemon("cache")),
        services=(Service("api", replicas=2),),
        blobs=(
            Blob("model", replicas=3, size=400_000_000),
            Blob("index", replicas=2, size=100_000_000),
        ),
    )
    engine = MeshOS(mesh, want, policy=Policy(max_transfers=4))
    names = mesh.nodes_up()
    engine.announce_blob("model", node=names[0])
    engine.announce_blob("index", node=names[1 % len(names)])
    workers = [ChildSpec(f"w{i}", Worker, node=n) for i, n in enumerate(names)]
    mesh.spawn(Supervisor, workers, name="app", node=names[0])
    # The node to maintain is one that holds a copy of the model by then, picked by the seed.
    rng = random.Random(seed)

    def enter(_):
        held = sorted(engine.actual.replicas.get("model", set()) - {names[0]})
        node = rng.choice(held or names[1:] or names)
        mesh.params["maintained"] = node
        engine.admin("enter_maintenance", node)
        engine.admin("exit_maintenance", node, at=45.0)

    mesh.schedule(15.0, enter, None)
    return mesh


SCENARIO = Scenario(
    "maintenance-drain",
    summary="a node enters maintenance, its replicas and daemons move off, it exits and warms up",
    until=75.0,
    nodes=5,
    build=build,
)
