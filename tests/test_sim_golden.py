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
    "ping-pong/0": "b107bdef9ba38caf035fe5de19748e67b7fbb0f53c68e5fd0997c3824ddaa7af",
    "ping-pong/1": "b107bdef9ba38caf035fe5de19748e67b7fbb0f53c68e5fd0997c3824ddaa7af",
    "ping-pong/2": "b107bdef9ba38caf035fe5de19748e67b7fbb0f53c68e5fd0997c3824ddaa7af",
    "ring/0": "c01313403863fb8a2ba19281e271dfc2baa0a795f87632fd32e655969bf32c9f",
    "ring/1": "d3e4c7841bb434ce6250308da532d03dbef7ad931efebfd689e5d1234dcb936f",
    "ring/2": "5718d33d09d9e61ff63077aa388bbb0f3ed034693c36fd4858031ab6ff234203",
    "spawn-storm/0": "cad39fccbee157776ddb04bc0c713b666e7911a43ff3a682bb2f1c2e079987f0",
    "spawn-storm/1": "cad39fccbee157776ddb04bc0c713b666e7911a43ff3a682bb2f1c2e079987f0",
    "spawn-storm/2": "cad39fccbee157776ddb04bc0c713b666e7911a43ff3a682bb2f1c2e079987f0",
    "supervision-tree/0": "985d0d4f65c2c8f22ec2bad9c13792bb55764f7d7e2aa610bb9bb5278fc6cf13",
    "supervision-tree/1": "1ac5148c45e7030d121b2a968bd0c9db6c6cb767cba51c75a6b6498807faf5f9",
    "supervision-tree/2": "53314f668556de485b5dfeb6e4646ebf9543e319ea00d1f1a474a092a356d8a1",
    "node-failure/0": "0a32f3358c789afbbbe8a51b71a7db6aaf3aeb9b5ff567ab5668b2d17e327cd8",
    "node-failure/1": "3badb737cd93f4efc4f3d93c1e653b2d25bf35e97d2f3821707126d3791b6886",
    "node-failure/2": "e50a7a5365d4d7e007675072c2d3bd48faccf5c9dfb5967ab100fd1485705b2e",
    "partition/0": "1c5484b8257a8739ae8f5e9994b6906b448c501c66acd794f3d7eb91d0e86ffd",
    "partition/1": "1c5484b8257a8739ae8f5e9994b6906b448c501c66acd794f3d7eb91d0e86ffd",
    "partition/2": "1c5484b8257a8739ae8f5e9994b6906b448c501c66acd794f3d7eb91d0e86ffd",
    "bench-model/0": "10ae59c79b40904fc591216a7a5687681a9fdc821b7070d5bb6840ca5c8fc8c7",
    "edge-model/0": "ee9aa0df4e9a1ef65f06adb90b4dd5cb8859f61fb888a7572136cda115cebfeb",
    "bench-model/1": "10ae59c79b40904fc591216a7a5687681a9fdc821b7070d5bb6840ca5c8fc8c7",
    "edge-model/1": "42bcf87f601edbe883a6394264deaecff55d0649df2e53e01150cec082b73ce4",
    "bench-model/2": "10ae59c79b40904fc591216a7a5687681a9fdc821b7070d5bb6840ca5c8fc8c7",
    "edge-model/2": "9411349287b48ba7bc92bb560d78303d6e501f6ee7310b4fddd7f4aa8e0b68aa",
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
