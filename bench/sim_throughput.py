"""Simulator throughput on ping-pong, against SimPy on the same model, and recorder overhead.

The model: ``PAIRS`` pinger/ponger pairs on two nodes, a constant 1 ms link, no processing
time; each delivered message is answered at once. meshlab runs it with recording on (and the
trace materialised into a polars frame, which is part of the cost) and off; SimPy runs the same
pairs with the same delay, each actor a process reading a ``Store`` mailbox.
"""

from __future__ import annotations

import gc
import time

import simpy

import meshlab as ml

PAIRS = 100
LATENCY = 0.001


class Pinger(ml.Actor):
    def __init__(self, peer: str) -> None:
        self.peer = peer

    def started(self, ctx):
        ctx.send(self.peer, "ping", 0)

    def on_pong(self, ctx, n):
        ctx.reply("ping", n + 1)


class Ponger(ml.Actor):
    def on_ping(self, ctx, n):
        ctx.reply("pong", n)


def meshlab_run(until: float, *, record: bool) -> tuple[int, float]:
    """Delivered messages and wall seconds (including building the trace when recording)."""
    mesh = ml.Mesh(seed=0, nodes=2, latency=LATENCY, record=record)
    for i in range(PAIRS):
        mesh.spawn(Ponger, name=f"pong-{i}", node="n1")
        mesh.spawn(Pinger, f"pong-{i}", name=f"ping-{i}", node="n0")
    gc.collect()
    started = time.perf_counter()
    mesh.run(until=until)
    if record:
        delivered = int((mesh.trace.events["kind"] == "msg_recv").sum())
    else:
        delivered = mesh._mid - PAIRS  # every send but the last of each pair arrived
    return delivered, time.perf_counter() - started


def simpy_run(until: float) -> tuple[int, float]:
    env = simpy.Environment()
    delivered = [0]

    def send(box: simpy.Store, msg) -> None:
        env.timeout(LATENCY).callbacks.append(lambda _ev: box.put(msg))

    def pinger(inbox: simpy.Store, peer: simpy.Store):
        send(peer, 0)
        while True:
            n = yield inbox.get()
            delivered[0] += 1
            send(peer, n + 1)

    def ponger(inbox: simpy.Store, peer: simpy.Store):
        while True:
            n = yield inbox.get()
            delivered[0] += 1
            send(peer, n)

    for _ in range(PAIRS):
        a, b = simpy.Store(env), simpy.Store(env)
        env.process(ponger(b, a))
        env.process(pinger(a, b))
    gc.collect()
    started = time.perf_counter()
    env.run(until=until)
    return delivered[0], time.perf_counter() - started


def best_rate(fn, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        n, secs = fn()
        rates.append(n / secs)
    return max(rates)


def run(*, quick: bool) -> list[dict]:
    until = 0.5 if quick else 2.0  # 100 pairs * 1000 msg/s/pair -> 200k messages at 2 s
    repeats = 1 if quick else 3
    on = best_rate(lambda: meshlab_run(until, record=True), repeats)
    off = best_rate(lambda: meshlab_run(until, record=False), repeats)
    peer = best_rate(lambda: simpy_run(until), repeats)
    return [
        {
            "name": "sim ping-pong, recording on",
            "value": on,
            "unit": "msg/s",
            "target": ">= 1,000,000 msg/s",
            "met": on >= 1_000_000,
        },
        {"name": "SimPy, same model", "value": peer, "unit": "msg/s"},
        {
            "name": "meshlab / SimPy",
            "value": on / peer,
            "unit": "x",
            "target": ">= 5x",
            "met": on / peer >= 5,
        },
        {"name": "sim ping-pong, recording off", "value": off, "unit": "msg/s"},
        {
            "name": "recorder overhead (off rate / on rate)",
            "value": off / on,
            "unit": "x",
            "target": "<= 1.5x",
            "met": off / on <= 1.5,
        },
    ]


if __name__ == "__main__":
    for fig in run(quick=False):
        print(fig)
