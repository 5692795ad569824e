"""node-failure: a node dies mid-run and a supervisor respawns its workers elsewhere."""

from __future__ import annotations

from meshlab.scenarios.common import RoundRobin
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Backoff, ChildSpec, Mesh, Supervisor, Uniform


class Worker(Actor):
    cost = 0.008

    def on_job(self, ctx, n):
        ctx.reply("done", n, size=256)


class Dispatcher(RoundRobin):
    """Hands out a job every ``period`` seconds to the workers in turn."""

    msg_type, size, reply_type = "job", 1024, "done"


def build(*, seed: int, nodes: int, per_node: int = 2) -> Mesh:
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.002, 0.006), placement="least_loaded",
                scenario="node-failure")  # fmt: skip
    names = mesh.nodes_up()
    workers = names[1:] or names
    specs = [
        ChildSpec(f"worker-{i}", Worker, node=workers[i % len(workers)])
        for i in range(per_node * len(workers))
    ]
    mesh.spawn(
        Supervisor, specs, backoff=Backoff(base=0.2, jitter=0.25), intensity=20, name="pool",
        node=names[0],
    )  # fmt: skip
    ids = [f"pool/{s.name}" for s in specs]
    mesh.spawn(Dispatcher, ids, 0.02, name="dispatcher", node=names[0])
    victim = workers[len(workers) // 2]
    mesh.kill_node(victim, at=3.0)
    mesh.node_up(victim, at=6.0)
    mesh.params.update(per_node=per_node, killed=victim)
    return mesh


SCENARIO = Scenario(
    "node-failure",
    summary="a node dies at t=3, its workers are respawned elsewhere; it returns empty at t=6",
    until=8.0,
    nodes=4,
    build=build,
)
