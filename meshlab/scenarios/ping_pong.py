"""ping-pong: pairs of actors on different nodes bounce one message back and forth forever."""

from __future__ import annotations

from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Mesh, Uniform


class Pinger(Actor):
    cost = 0.0001

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def started(self, ctx):
        ctx.send(self.peer, "ping", 0, size=64)

    def on_pong(self, ctx, n):
        ctx.reply("ping", n + 1, size=64)


class Ponger(Actor):
    cost = 0.0001

    def on_ping(self, ctx, n):
        ctx.reply("pong", n, size=64)


def populate(mesh: Mesh, pairs: int) -> None:
    """``pairs`` pinger/ponger pairs, each pair spread over two neighbouring nodes."""
    nodes = mesh.nodes_up()
    for i in range(pairs):
        a, b = nodes[i % len(nodes)], nodes[(i + 1) % len(nodes)]
        mesh.spawn(Ponger, name=f"pong-{i}", node=b)
        mesh.spawn(Pinger, f"pong-{i}", name=f"ping-{i}", node=a)


def build(*, seed: int, nodes: int, pairs: int = 4) -> Mesh:
    # Jittered links (1 ms ± 20 %, drawn from the seeded RNG): each pair drifts at its own
    # pace, and another seed gives another run.
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.0008, 0.0012), scenario="ping-pong")
    mesh.params["pairs"] = pairs
    populate(mesh, pairs)
    return mesh


SCENARIO = Scenario(
    "ping-pong",
    summary="pairs of actors on neighbouring nodes bounce a message back and forth",
    until=1.0,
    nodes=2,
    build=build,
)
