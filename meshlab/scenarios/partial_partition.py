"""partial-partition: some links are cut, not whole groups, so traffic detours via a bridge.

On 5 nodes the links n0–n2, n0–n3, n1–n2 and n1–n3 are cut at t=2 and healed at t=5: {n0, n1}
cannot talk to {n2, n3} directly, yet both still reach n4. A writer on n0 keeps sending every
update straight to each replica (those across a cut link are dropped, reason ``partition``); a
replica whose direct acks stop for longer than ``timeout`` also gets each update through a relay
on the bridge node, and once direct acks come back after the heal the detour stops. The point:
a partial partition leaves the mesh connected, but only an application that routes around the
cut gets through it."""

from __future__ import annotations

from meshlab.scenarios.partition import Replica
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Mesh, Uniform

CUT_AT, HEAL_AT = 2.0, 5.0


class RoutingWriter(Actor):
    """Sends update ``n`` to every replica each ``period`` seconds, straight to it; a replica
    silent on the direct path for over ``timeout`` seconds also gets it through a relay (the
    bridges take turns). Only direct acks count as the direct path working again."""

    def __init__(
        self, replicas: list[str], relays: list[str], period: float, timeout: float
    ) -> None:
        self.replicas, self.relays = replicas, relays
        self.period, self.timeout, self.n = period, timeout, 0
        self.last_direct: dict[str, float] = {}

    def started(self, ctx):
        self.last_direct = {r: ctx.now for r in self.replicas}
        ctx.after(self.period, "tick")

    def on_tick(self, ctx, _):
        self.n += 1
        for r in self.replicas:
            # Always try the direct link too: it is how the writer learns the cut has healed.
            ctx.send(r, "update", self.n, size=512)
            if self.relays and ctx.now - self.last_direct[r] > self.timeout:
                relay = self.relays[self.n % len(self.relays)]
                ctx.send(relay, "via", (r, self.n), size=544)
        ctx.after(self.period, "tick")

    def on_ack(self, ctx, n):
        self.last_direct[ctx.sender] = ctx.now

    def on_relayed_ack(self, ctx, body):
        pass  # the update arrived by the detour; the direct path stays suspect until it acks


class Relay(Actor):
    """Forwards an update to its replica and the replica's ack back to whoever asked."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, int], str] = {}

    def on_via(self, ctx, body):
        replica, n = body
        self.waiting[(replica, n)] = ctx.sender
        ctx.send(replica, "update", n, size=512)

    def on_ack(self, ctx, n):
        origin = self.waiting.pop((ctx.sender, n), None)
        if origin is not None:
            ctx.send(origin, "relayed_ack", (ctx.sender, n), size=48)


def sides(names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Side A, side B and the bridges: two equal sides with at least one node left over to
    bridge them when there are 3 nodes or more (on 5: n0, n1 | n2, n3 | n4)."""
    k = max(1, (len(names) - 1) // 2)
    return names[:k], names[k : 2 * k], names[2 * k :]


def build(*, seed: int, nodes: int) -> Mesh:
    # Jittered links (3-5 ms, from the seeded RNG), so what is in flight at the cut and when
    # the writer gives up on the direct path depend on the seed.
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.003, 0.005), scenario="partial-partition")
    names = mesh.nodes_up()
    side_a, side_b, bridges = sides(names)
    relays = [f"relay@{n}" for n in bridges]
    for r, n in zip(relays, bridges, strict=True):
        mesh.spawn(Relay, name=r, node=n)
    replicas = [f"replica@{n}" for n in names[1:]]
    for r, n in zip(replicas, names[1:], strict=True):
        mesh.spawn(Replica, name=r, node=n)
    mesh.spawn(RoutingWriter, replicas, relays, 0.05, 0.2, name="writer", node=names[0])
    for a in side_a:
        for b in side_b:
            mesh.cut(a, b, at=CUT_AT)
    mesh.heal(at=HEAL_AT)
    mesh.params.update(sides=[side_a, side_b], bridges=bridges)
    return mesh


SCENARIO = Scenario(
    "partial-partition",
    summary="links n0,n1–n2,n3 are cut at t=2, the writer detours via a relay on n4, heal at t=5",
    until=7.0,
    nodes=5,
    build=build,
)
