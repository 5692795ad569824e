"""ring: actors in a ring across the nodes pass tokens around, one hop at a time."""

from __future__ import annotations

from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Mesh, Uniform


class Hop(Actor):
    cost = 0.002

    def __init__(self, next_id: str) -> None:
        self.next_id = next_id

    def on_token(self, ctx, hops):
        ctx.send(self.next_id, "token", hops + 1, size=32)


class Starter(Hop):
    """A ring member that also injects the tokens when it starts."""

    def __init__(self, next_id: str, tokens: int) -> None:
        super().__init__(next_id)
        self.tokens = tokens

    def started(self, ctx):
        for _ in range(self.tokens):
            ctx.send(self.next_id, "token", 0, size=32)


def build(*, seed: int, nodes: int, size: int = 8, tokens: int = 2) -> Mesh:
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.002, 0.008), scenario="ring")
    mesh.params.update(size=size, tokens=tokens)
    names = mesh.nodes_up()
    ids = [f"hop-{i}" for i in range(size)]
    for i in reversed(range(1, size)):
        mesh.spawn(Hop, ids[(i + 1) % size], name=ids[i], node=names[i % len(names)])
    mesh.spawn(Starter, ids[1], tokens, name=ids[0], node=names[0])
    return mesh


SCENARIO = Scenario(
    "ring",
    summary="a ring of actors spanning every node passes two tokens around",
    until=2.0,
    nodes=4,
    build=build,
)
