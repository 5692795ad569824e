"""ping-pong: pairs of actors on different nodes bounce one message back and forth forever."""

from __future__ import annotations

from meshlab.scenarios import register
from meshlab.sim import Actor, Mesh


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


@register(
    "ping-pong",
    summary="pairs of actors on neighbouring nodes bounce a message back and forth",
    until=1.0,
    nodes=2,
)
def build(*, seed: int, nodes: int, pairs: int = 4) -> Mesh:
    mesh = Mesh(seed=seed, nodes=nodes, latency=0.001, scenario="ping-pong")
    mesh.params["pairs"] = pairs
    populate(mesh, pairs)
    return mesh
