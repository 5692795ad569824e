"""supervision-tree: crashes under every OTP strategy, restarts with backoff, and a crash
loop that exceeds its supervisor's intensity and escalates to the root."""

from __future__ import annotations

from meshlab.scenarios.common import RoundRobin
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Actor, Backoff, ChildSpec, Mesh, Supervisor


class Worker(Actor):
    """Serves requests; request numbers divisible by ``bad`` divide by zero."""

    cost = 0.01

    def __init__(self, bad: int) -> None:
        self.bad = bad

    def on_request(self, ctx, n):
        if n % self.bad == 0:
            _ = n / 0  # the bug the students will find
        ctx.send("root/store/shard-0", "write", n, size=256)
        ctx.reply("response", n, size=512)


class Shard(Actor):
    """Stores writes; one write in ``bad`` hits a missing key."""

    cost = 0.004

    def __init__(self, bad: int) -> None:
        self.bad = bad
        self.data: dict[int, int] = {}

    def on_write(self, ctx, n):
        if n % self.bad == 0:
            raise KeyError(f"row {n}")
        self.data[n] = n


class Cruncher(Actor):
    """Crashes as soon as it starts while the batch window is open: a crash loop."""

    def __init__(self, open_at: float, close_at: float) -> None:
        self.open_at, self.close_at = open_at, close_at

    def started(self, ctx):
        if self.open_at <= ctx.now < self.close_at:
            raise RuntimeError("batch input is corrupt")
        ctx.after(0.5, "tick")

    def on_tick(self, ctx, _):
        ctx.after(0.5, "tick")


class Client(RoundRobin):
    """Sends a request every ``period`` seconds to the API workers in turn."""

    msg_type, size, reply_type = "request", 128, "response"


def build(*, seed: int, nodes: int) -> Mesh:
    mesh = Mesh(seed=seed, nodes=nodes, latency=0.002, scenario="supervision-tree")
    names = mesh.nodes_up()

    def on(i: int) -> str:
        return names[i % len(names)]

    api = [ChildSpec(f"worker-{i}", Worker, (23 + 6 * i,), node=on(i + 1)) for i in range(3)]
    store = [ChildSpec(f"shard-{i}", Shard, (41,), node=on(i + 2)) for i in range(3)]
    jobs = [ChildSpec("cruncher", Cruncher, (4.0, 5.2), node=on(1))]
    root = [
        ChildSpec("api", Supervisor, (api,), dict(strategy="one_for_one", intensity=3), node=on(0)),
        ChildSpec(
            "store", Supervisor, (store,), dict(strategy="one_for_all", intensity=3), node=on(0)
        ),
        ChildSpec(
            "jobs",
            Supervisor,
            (jobs,),
            dict(intensity=3, period=5.0, backoff=Backoff(base=0.1, factor=2.0, cap=1.0)),
            node=on(0),
        ),
    ]
    mesh.spawn(
        Supervisor, root, strategy="one_for_one", intensity=10, period=5.0, name="root", node=on(0)
    )
    mesh.crash("root/jobs/cruncher", at=4.0, reason="operator killed the batch job")
    workers = [f"root/api/worker-{i}" for i in range(3)]
    mesh.spawn(Client, workers, 0.05, name="client", node=on(0))
    return mesh


SCENARIO = Scenario(
    "supervision-tree",
    summary="crashes under each restart strategy, backoff, and a crash loop that escalates",
    until=10.0,
    nodes=3,
    build=build,
)
