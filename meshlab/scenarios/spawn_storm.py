"""spawn-storm: a spawner starts bursts of short-lived workers all over the mesh."""

from __future__ import annotations

from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Mesh, Uniform


class Worker(Actor):
    cost = 0.005

    def started(self, ctx):
        ctx.send("spawner", "ready", size=16)

    def on_work(self, ctx, rounds):
        if rounds > 0:
            ctx.reply("result", rounds, size=128)
            ctx.after(0.05, "more", rounds - 1)
        else:
            ctx.stop()

    def on_more(self, ctx, rounds):
        ctx.send("spawner", "ready", rounds, size=16)


class Spawner(Actor):
    cost = 0.001

    def __init__(self, bursts: int, per_burst: int) -> None:
        self.bursts = bursts
        self.per_burst = per_burst
        self.fired = 0

    def started(self, ctx):
        ctx.after(0.0, "burst")

    def on_burst(self, ctx, _):
        for _ in range(self.per_burst):
            ctx.spawn(Worker, placement="least_loaded")
        self.fired += 1
        if self.fired < self.bursts:
            ctx.after(0.25, "burst")

    def on_ready(self, ctx, rounds):
        ctx.reply("work", 3 if rounds is None else rounds, size=256)

    def on_result(self, ctx, _):
        pass


def build(*, seed: int, nodes: int, bursts: int = 6, per_burst: int = 40) -> Mesh:
    # Jittered links (2-4 ms, drawn from the seeded RNG): a burst's reports reach the spawner
    # spread over a few milliseconds, in an order that depends on the seed.
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.002, 0.004), scenario="spawn-storm")
    mesh.params.update(bursts=bursts, per_burst=per_burst)
    mesh.spawn(Spawner, bursts, per_burst, name="spawner", node=mesh.nodes_up()[0])
    return mesh


SCENARIO = Scenario(
    "spawn-storm",
    summary="bursts of short-lived workers are spawned across the least loaded nodes",
    until=2.0,
    nodes=4,
    build=build,
)
