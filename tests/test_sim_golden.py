"""Golden traces: the simulator's output is pinned, byte for byte, per scenario and seed.

The hot path has a compiled core and a pure-Python twin (``MESHLAB_PURE=1``); both must give
exactly these traces, and any change to either that alters a trace shows up here. The hash is
over a canonical rendering (dtypes, then CSV with shortest round-trip floats), so it does not
depend on how the frame happens to be chunked or buffered in memory.

To re-pin after an intended change of behaviour: ``python tests/test_sim_golden.py``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

import meshlab as ml
from meshlab.events import SCHEMA
from meshlab.sim import Actor, Exponential, LogNormal, Mesh, Uniform

SEEDS = (0, 1, 2)


def canonical_hash(events) -> str:
    assert dict(events.schema) == SCHEMA
    head = repr([(name, str(dtype)) for name, dtype in events.schema.items()]).encode()
    return hashlib.sha256(head + events.write_csv().encode()).hexdigest()


# Extra meshes for paths the scenarios do not reach: zero-cost handlers (the benchmark's
# path), loss, sampled latencies, dict and callable costs, receive(), bounded mailboxes,
# dead letters, cancelled timers, crashes, stops, kills with messages in flight, partitions.
class Pinger(Actor):
    def __init__(self, peer: str) -> None:
        self.peer = peer

    def started(self, ctx):
        ctx.send(self.peer, "ping", 0)

    def on_pong(self, ctx, n):
        ctx.reply("ping", n + 1)


class Ponger(Actor):
    def on_ping(self, ctx, n):
        ctx.reply("pong", n)


def bench_model(seed: int) -> Mesh:
    mesh = Mesh(seed=seed, nodes=2, latency=0.001)
    for i in range(20):
        mesh.spawn(Ponger, name=f"pong-{i}", node="n1")
        mesh.spawn(Pinger, f"pong-{i}", name=f"ping-{i}", node="n0")
    mesh.run(until=0.05)
    return mesh


class Chatty(Actor):
    cost = {"work": 0.003, "*": 0.0}
    mailbox_limit = 3

    def __init__(self, peers: list[str]) -> None:
        self.peers = peers
        self.n = 0

    def started(self, ctx):
        ctx.after(0.01, "tick")
        t = ctx.after(0.02, "never")
        ctx.cancel(t)

    def on_tick(self, ctx, _):
        self.n += 1
        for p in self.peers:
            ctx.send(p, "work", self.n, size=10 * self.n)
        ctx.send("nobody", "work", self.n)
        ctx.send(ctx.self, "note", self.n)
        if self.n < 40:
            ctx.after(ctx.rng.random() * 0.02, "tick")

    def on_work(self, ctx, n):
        if n % 17 == 0:
            raise ValueError(f"bad {n}")
        ctx.reply("ack", n, size=4)

    def receive(self, ctx, msg_type, body):
        if msg_type == "boom":
            ctx.stop()


class Slow(Actor):
    @staticmethod
    def cost(msg, ctx):
        return 0.001 * (1 + (msg.body or 0) % 3)

    def on_work(self, ctx, n):
        ctx.reply("ack", n)
        if n == 9:
            ctx.spawn(Slow, name=f"kid-{n}")

    def on_ack(self, ctx, n):
        pass


def edge_model(seed: int) -> Mesh:
    mesh = Mesh(seed=seed, nodes=4, latency=Exponential(0.002, base=0.001), loss=0.05,
                local_latency=0.0005)  # fmt: skip
    mesh.set_link("n0", "n1", latency=LogNormal(0.003, 0.4))
    mesh.set_link("n2", "n3", latency=Uniform(0.001, 0.004), loss=0.2)
    ids = ["a", "b", "c", "d", "e"]
    for i, name in enumerate(ids[:3]):
        mesh.spawn(Chatty, [x for x in ids if x != name], name=name, node=f"n{i}")
    mesh.spawn(Slow, name="d", node="n3")
    mesh.spawn(Slow, name="e", node="n1")
    mesh.kill_node("n1", at=0.2)
    mesh.node_up("n1", at=0.3)
    mesh.partition([["n0", "n1"], ["n2"]], at=0.35)
    mesh.heal(at=0.45)
    mesh.crash("c", at=0.5)
    mesh.stop("b", at=0.55)
    mesh.run(until=0.4)
    mesh.spawn(Slow, name="e", node="n1")
    mesh.run(until=0.8)
    return mesh


def traces() -> dict[str, str]:
    out = {}
    for name in ml.scenarios.names():
        for seed in SEEDS:
            out[f"{name}/{seed}"] = canonical_hash(ml.scenarios.run(name, seed=seed).events)
    for seed in SEEDS:
        out[f"bench-model/{seed}"] = canonical_hash(bench_model(seed).trace.events)
        out[f"edge-model/{seed}"] = canonical_hash(edge_model(seed).trace.events)
    return out


GOLDEN = {
    "ping-pong/0": "ee139a8f1921f34cff0adfd7a70246455104ba7c6f0857991bd2c43f709f9cc5",
    "ping-pong/1": "973391e91698f17333c182b5b694d6b8c32954c8f69b134bbf328a3cd0e0a515",
    "ping-pong/2": "5ad0157afdb4cdc4779e7755c67b027c5bb4a0c0f84c049d13f528be10b7281f",
    "ring/0": "0bf95ee7e733da1fb9bc9e7490fe12f5a06d6a01057064a7bc7d6abf1d520e2e",
    "ring/1": "db68cbd71738161fd51aedf691d03b0928dea33f80189e1afa799a47f07f0394",
    "ring/2": "82203dd9e041c051c11439912d3bde532345645142352db58c8cbb06303c86fa",
    "spawn-storm/0": "06cd990c1915fa330f49c7d9b05c6724fb1546988fb3018b168adeaae576b89a",
    "spawn-storm/1": "828985cef85fc420449dae299cb90c0e900c9e87bff89d9f630702a7fec7bf92",
    "spawn-storm/2": "2cf003027bd801e7f07e2a78dea962e3c8bcdc70986a522e7a98bc6ce57ae7a4",
    "supervision-tree/0": "f238240df2abcda012a11b0f6bb2110b70291d62b1b11aff5b3503a9b650705a",
    "supervision-tree/1": "a14d24a58abe87fc971b240d9de173fcade3aeac039f924975e756b7f9b0e5e3",
    "supervision-tree/2": "c8292679aa7bfe3a468c46c905177d6d673c69d710abaf5aff131e06f7edcc36",
    "node-failure/0": "dbe387d413bcac7ca6855acc0b4510c0b472e9bb0175a0952bc2e4df49e47f14",
    "node-failure/1": "8ec45c49743459b145d6b0a357b5d5e8b9af836ea313a58da6abfda424e61fd1",
    "node-failure/2": "f6045981c3580e91b46607699b88d337bca17095b4dcdc2cd2b4b88f954af540",
    "partition/0": "5a648fe17a79ea511724d8a3c2ac7af2c684c98d657dbc094fd3d89581307537",
    "partition/1": "238caac6bd838672ed12c73103411edc58075b80f919d2f627ee459e5cc86061",
    "partition/2": "0e7c33cfdd631355c5e8d7fab010c475f920f6c0b64e65ffed830dd42ffeb8f2",
    "partial-partition/0": "80b89b430347da9fd8d623e5c4c57fe32cede45a5961170b107145eaf190f4b1",
    "partial-partition/1": "b4421b9d14b0bb0082f8508b48c0a285e938ead8e72ad15fe69d943ed9b3997e",
    "partial-partition/2": "e41dea4b35adbc9a3548155c2d123ad2d56607e8c615c9400d85e5a857e8fad5",
    "maintenance-drain/0": "69d2944e889f75890f0c8ecc3ebb63a72aa05bba48b765f1bf01b5e47144d80f",
    "maintenance-drain/1": "838bd125322592a5a848b26bc5291ea43f89ad20e3f19f4438994e1dd4ecc710",
    "maintenance-drain/2": "36333b9e44f8df59975535aa30aa898f4a8ef8f6b2ba675aac32a9394b51765c",
    "replica-repair/0": "53a1db98cc069b3d44350a09f1a739ddf77e95b7dd39fa6e9269872731094e17",
    "replica-repair/1": "a92fc514ac0e384fa7159766cbeaa4460ca4df90ee53a26ddef07ba02044ef56",
    "replica-repair/2": "f21eb37dac2812d8c86f06ad7447da197c8fa25498962a01246b1656e23eb149",
    "crash-loop/0": "065791a71a94406169b521d904bd13f7ada9c7f5f1d93687a5faf73729586f6d",
    "crash-loop/1": "de5be8e3e91013e99bc8865844ec5d9253becd33caa7ba188a81847673a2b6f8",
    "crash-loop/2": "e141608d71a2a3c028c532e0e9f61232cea9288d81be699301e1513a20bac3b4",
    "slow-node/0": "721fa460026b5783791387201f340fadeac8c6f6ccb61441bd3252f2850436e9",
    "slow-node/1": "233a95296b182b8058e21ce4e8d725f0ba822357ea91a21a2bf7cd7b5d160562",
    "slow-node/2": "ae51baf42c1e257654dee79f0028265c5eea94a496a37c7584e024acacb6a462",
    "bench-model/0": "a13bdeb2f05b8fe0f9a79299389a477c82c6b1d5c6a4ea306b30da5a4e26d462",
    "edge-model/0": "fd27a13dc3f3465097c41c361516184229358fcc0c0d1fd0f65ad9f1b99ee4a1",
    "bench-model/1": "a13bdeb2f05b8fe0f9a79299389a477c82c6b1d5c6a4ea306b30da5a4e26d462",
    "edge-model/1": "e0e9b116c34d57a81ccf650a1eb25c6a86e93e7a83859a239288ee9e2bf04e5a",
    "bench-model/2": "a13bdeb2f05b8fe0f9a79299389a477c82c6b1d5c6a4ea306b30da5a4e26d462",
    "edge-model/2": "04d0a5f73aebc0d01a9142d42b514d92a9de279023e3f1305f252bb9c69e41aa",
}


@pytest.fixture(scope="module")
def computed() -> dict[str, str]:
    return traces()


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_trace_matches_golden(computed, key):
    assert computed[key] == GOLDEN[key], f"trace of {key} changed"


def test_golden_covers_everything(computed):
    assert sorted(computed) == sorted(GOLDEN)


@pytest.mark.slow
def test_pure_python_core_matches_golden():
    """The pure-Python twin of the compiled core gives the same traces (in a fresh process)."""
    env = dict(os.environ, MESHLAB_PURE="1")
    code = "import test_sim_golden as g, json; print(json.dumps(g.traces()))"
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=here, capture_output=True, text=True, check=True
    )
    import json

    assert json.loads(out.stdout.strip().splitlines()[-1]) == GOLDEN


if __name__ == "__main__":
    for k, v in traces().items():
        print(f'    "{k}": "{v}",')
