"""partition: the mesh splits in two, heartbeats notice, and the partition heals."""

from __future__ import annotations

from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Mesh, Uniform


class Detector(Actor):
    """Heartbeats every peer detector; suspects a peer silent for longer than ``timeout``."""

    system = True

    def __init__(self, peers: list[str], every: float, timeout: float) -> None:
        self.peers, self.every, self.timeout = peers, every, timeout
        self.last_seen: dict[str, float] = {}
        self.suspected: set[str] = set()

    def started(self, ctx):
        self.last_seen = {p: ctx.now for p in self.peers}
        ctx.after(self.every, "tick")

    def on_tick(self, ctx, _):
        for p in self.peers:
            ctx.send(p, "heartbeat", size=24)
        for p in self.peers:
            silent = ctx.now - self.last_seen[p] > self.timeout
            if silent and p not in self.suspected:
                self.suspected.add(p)
                ctx.send(self.membership(ctx), "suspect", p, size=32)
        ctx.after(self.every, "tick")

    def on_heartbeat(self, ctx, _):
        self.last_seen[ctx.sender] = ctx.now
        if ctx.sender in self.suspected:
            self.suspected.discard(ctx.sender)
            ctx.send(self.membership(ctx), "trust", ctx.sender, size=32)

    @staticmethod
    def membership(ctx) -> str:
        return f"membership@{ctx.node}"


class Membership(Actor):
    """What this node believes about the others: it only listens to its local detector."""

    def __init__(self) -> None:
        self.suspects: set[str] = set()

    def on_suspect(self, ctx, peer):
        self.suspects.add(peer)

    def on_trust(self, ctx, peer):
        self.suspects.discard(peer)


class Writer(Actor):
    """Replicates an update to every replica every ``period`` seconds."""

    def __init__(self, replicas: list[str], period: float) -> None:
        self.replicas, self.period, self.n = replicas, period, 0

    def started(self, ctx):
        ctx.after(self.period, "tick")

    def on_tick(self, ctx, _):
        self.n += 1
        for r in self.replicas:
            ctx.send(r, "update", self.n, size=512)
        ctx.after(self.period, "tick")

    def on_ack(self, ctx, n):
        pass


class Replica(Actor):
    cost = 0.002

    def on_update(self, ctx, n):
        ctx.reply("ack", n, size=16)


def build(*, seed: int, nodes: int) -> Mesh:
    # Jittered links (3-5 ms, drawn from the seeded RNG), so the moment each detector gives up
    # on a peer, and what is in flight at the cut, depend on the seed.
    mesh = Mesh(seed=seed, nodes=nodes, latency=Uniform(0.003, 0.005), scenario="partition")
    names = mesh.nodes_up()
    detectors = [f"detector@{n}" for n in names]
    for n in names:
        mesh.spawn(Membership, name=f"membership@{n}", node=n)
    for n, d in zip(names, detectors, strict=True):
        mesh.spawn(Detector, [p for p in detectors if p != d], 0.1, 0.5, name=d, node=n)
    replicas = [f"replica@{n}" for n in names[1:]]
    for r, n in zip(replicas, names[1:], strict=True):
        mesh.spawn(Replica, name=r, node=n)
    mesh.spawn(Writer, replicas, 0.05, name="writer", node=names[0])
    split = max(1, len(names) // 2)
    mesh.partition([names[:split], names[split:]], at=2.0)
    mesh.heal(at=5.0)
    mesh.params.update(split=[names[:split], names[split:]])
    return mesh


SCENARIO = Scenario(
    "partition",
    summary="the mesh splits in two at t=2, detectors suspect the far side, it heals at t=5",
    until=7.0,
    nodes=5,
    build=build,
)
