"""The simulator's hot path, compiled or pure Python: what the golden traces do not pin.

Run under both cores: ``pytest tests/test_sim_speedups.py`` and again with ``MESHLAB_PURE=1``.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

import polars as pl
import pytest

import meshlab as ml
from meshlab.sim import Actor, Mesh
from meshlab.sim._speedups import COMPILED, Engine

PURE = os.environ.get("MESHLAB_PURE", "") not in ("", "0")


def test_the_compiled_core_is_built_and_used():
    if PURE:
        pytest.skip("MESHLAB_PURE asks for the pure-Python core")
    assert COMPILED, "meshlab/sim/_core.c is not built or stale; run make core"


class Echo(Actor):
    def on_ping(self, ctx, n):
        ctx.reply(msg_type="pong", body=n, size=8)


class Caller(Actor):
    def __init__(self, peer: str, rounds: int) -> None:
        self.peer, self.rounds = peer, rounds

    def started(self, ctx):
        ctx.send(dst=self.peer, msg_type="ping", body=0)

    def on_pong(self, ctx, n):
        if n < self.rounds:
            ctx.send(self.peer, "ping", n + 1, size=4)


def pair(**kw) -> Mesh:
    mesh = Mesh(seed=0, nodes=2, **kw)
    mesh.spawn(Echo, name="echo", node="n1")
    mesh.spawn(Caller, "echo", 50, name="caller", node="n0")
    return mesh


def test_keyword_arguments_reach_the_trace():
    mesh = pair()
    mesh.run()
    ev = mesh.trace.events
    pongs = ev.filter((pl.col("kind") == "msg_send") & (pl.col("msg_type") == "pong"))
    assert pongs.height == 51
    assert pongs["size"].unique().to_list() == [8]
    assert pongs["peer"].unique().to_list() == ["caller"]


def test_materialising_in_steps_gives_the_same_frame():
    whole = ml.scenarios.run("supervision-tree", seed=4).events
    mesh, until = ml.scenarios.build("supervision-tree", seed=4)
    seen = 0
    parts = []
    for k in range(1, 11):
        mesh.run(until=until * k / 10)
        if k % 3 == 0:
            _ = mesh.trace.events  # materialise part of the way, then carry on
        part = mesh.events_since(seen)
        parts.append(part)
        seen += part.height
    assert mesh.trace.events.equals(whole)
    assert pl.concat(parts).equals(whole)
    assert mesh.events_since(100).equals(whole.slice(100))


def test_set_link_applies_to_the_next_send():
    class Twice(Actor):
        def started(self, ctx):
            ctx.send("sink", "a")
            ctx.after(1.0, "again")

        def on_again(self, ctx, _):
            ctx.send("sink", "b")

    class Sink(Actor):
        def receive(self, ctx, msg_type, body):
            pass

    mesh = Mesh(seed=0, nodes=2, latency=0.001)
    mesh.spawn(Sink, name="sink", node="n1")
    mesh.spawn(Twice, name="twice", node="n0")
    mesh.run(until=0.5)
    mesh.set_link("n0", "n1", latency=0.25)
    mesh.run(until=2.0)
    sends = mesh.trace.events.filter(
        (pl.col("kind") == "msg_send") & (pl.col("actor") == "twice") & pl.col("reason").is_null()
    )
    assert sends["duration"].to_list() == [0.001, 0.25]


def test_send_and_reply_refuse_bad_calls():
    errors = []

    class Bad(Actor):
        def started(self, ctx):
            for call in (
                lambda: ctx.reply("x"),
                lambda: ctx.send("a"),
                lambda: ctx.send("a", "b", colour="red"),
            ):
                try:
                    call()
                except (RuntimeError, TypeError) as exc:
                    errors.append(type(exc).__name__)

    mesh = Mesh(seed=0, nodes=1)
    mesh.spawn(Bad, name="bad")
    assert errors == ["RuntimeError", "TypeError", "TypeError"]


def test_a_stopped_actor_cannot_send():
    mesh = pair()
    ctx = mesh._cells["caller"].ctx
    mesh.stop("caller")
    with pytest.raises(RuntimeError, match="caller has stopped and cannot send"):
        ctx.send("echo", "ping", 1)


def test_the_kernel_keeps_time_and_order():
    mesh = Mesh(seed=0, nodes=1)
    seen = []
    mesh.schedule(2.0, seen.append, "b")
    mesh.schedule(1.0, seen.append, "a")
    mesh.schedule(2.0, seen.append, "c")  # same time: scheduling order
    assert mesh.peek() == 1.0
    assert mesh.step() is True
    assert mesh.now == 1.0
    mesh.run(until=5.0)
    assert seen == ["a", "b", "c"]
    assert mesh.now == 5.0
    assert mesh.step() is False
    with pytest.raises(ValueError, match="before now"):
        mesh.schedule(4.0, seen.append, "late")


def test_an_exception_crashes_the_actor_but_an_interrupt_stops_the_run():
    class Fragile(Actor):
        def on_boom(self, ctx, _):
            raise ValueError("no")

        def on_halt(self, ctx, _):
            raise KeyboardInterrupt

    mesh = Mesh(seed=0, nodes=1)
    mesh.spawn(Fragile, name="f")
    mesh._send(mesh._cells["f"], "f", "boom", None, None)
    mesh.run()
    fails = mesh.trace.events.filter(pl.col("kind") == "actor_fail")
    assert fails["reason"].to_list() == ["ValueError: no"]
    mesh.spawn(Fragile, name="f")
    mesh._send(mesh._cells["f"], "f", "halt", None, None)
    with pytest.raises(KeyboardInterrupt):
        mesh.run()


def test_a_finished_mesh_is_garbage_collected():
    mesh = pair()
    mesh.run(until=0.01)  # messages still in flight: the heap holds actors that hold the mesh
    _ = mesh.trace
    ref = weakref.ref(mesh)
    del mesh
    gc.collect()
    assert ref() is None


def test_recording_off_keeps_no_events_and_runs_the_same():
    on, off = pair(), pair(record=False)
    on.run()
    off.run()
    assert on._mid == off._mid
    assert on.now == off.now
    with pytest.raises(RuntimeError, match="record=False"):
        _ = off.trace


def long_run(steps: int = 1) -> tuple[Mesh, pl.DataFrame]:
    """60k events: past the size where the compiled recorder maps its column memory and
    grows it by moving pages; taken whole or in `steps` parts along the way."""
    mesh = Mesh(seed=0, nodes=2, latency=0.001)
    for i in range(20):
        mesh.spawn(Echo, name=f"echo-{i}", node="n1")
        mesh.spawn(Caller, f"echo-{i}", 10**9, name=f"caller-{i}", node="n0")
    parts = []
    for k in range(1, steps + 1):
        mesh.run(until=k / steps)
        parts.append(mesh.events_since(sum(p.height for p in parts)))
    return mesh, pl.concat(parts)


def test_a_long_recording_reads_the_same_whole_or_in_parts_and_on_both_cores():
    mesh, whole = long_run()
    assert whole.height > 60_000
    assert whole["seq"].to_list() == list(range(whole.height))
    assert mesh.trace.events.equals(whole)
    assert long_run(steps=7)[1].equals(whole)
    if not COMPILED:
        return  # the pure-Python run is the reference the compiled one is compared with
    from test_sim_golden import canonical_hash

    code = (
        "import test_sim_speedups as t, test_sim_golden as g\n"
        "print(g.canonical_hash(t.long_run()[1]))"
    )
    here = os.path.dirname(os.path.abspath(__file__))
    pure = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, MESHLAB_PURE="1"),
        cwd=here,
        capture_output=True,
        text=True,
        check=True,
    )
    assert pure.stdout.split()[-1] == canonical_hash(whole)


def test_a_message_without_a_receiver_or_a_type_records_nulls_there_only():
    """The compiled core sets the validity of message rows in bulk when the frame is taken;
    a send to None or of type None must still read as null in just those cells."""

    class Odd(Actor):
        def started(self, ctx):
            ctx.send(None, "x")
            ctx.send("sink", None)
            ctx.send("sink", "y", size=3)
            ctx.after(0.5, "tick")

        def on_tick(self, ctx, _):
            ctx.send("sink", None, size=0)

    class Sink(Actor):
        cost = 0.1  # the second arrival waits in the mailbox

        def receive(self, ctx, msg_type, body):
            pass

    mesh = Mesh(seed=0, nodes=2, latency=0.001)
    mesh.spawn(Sink, name="sink", node="n1")
    mesh.spawn(Odd, name="odd", node="n0")
    mesh.run(until=1.0)
    ev = mesh.trace.events.filter(pl.col("msg_id").is_not_null())
    rows = ev.select("kind", "node", "actor", "peer", "msg_type", "size", "reason").rows()
    assert rows == [
        ("msg_send", "n0", "odd", None, "x", None, None),
        ("msg_drop", "n0", None, "odd", "x", None, "dead_letter"),
        ("msg_send", "n0", "odd", "sink", None, None, None),
        ("msg_send", "n0", "odd", "sink", "y", 3, None),
        ("msg_recv", "n1", "sink", "odd", None, None, None),
        ("msg_handle", "n1", "sink", "odd", None, None, None),
        ("msg_recv", "n1", "sink", "odd", "y", 3, None),
        ("msg_handle", "n1", "sink", "odd", "y", 3, None),  # from the mailbox
        ("msg_send", "n0", "odd", "odd", "tick", None, "timer"),
        ("msg_recv", "n0", "odd", "odd", "tick", None, None),
        ("msg_handle", "n0", "odd", "odd", "tick", None, None),
        ("msg_send", "n0", "odd", "sink", None, 0, None),
        ("msg_recv", "n1", "sink", "odd", None, 0, None),
        ("msg_handle", "n1", "sink", "odd", None, 0, None),
    ]
    # a send has its latency, a handle its processing time, a receive no duration
    carried = ev.filter(pl.col("kind") != "msg_drop")
    assert carried["duration"].is_null().to_list() == (carried["kind"] == "msg_recv").to_list()


class Worker(Actor):
    """Takes 2 ms a job, holds at most 3 waiting: a full mailbox drops what arrives."""

    cost = 0.002
    mailbox_limit = 3

    def on_job(self, ctx, n):
        ctx.reply("done", n)


class Boss(Actor):
    def __init__(self, worker: str) -> None:
        self.worker = worker

    def started(self, ctx):
        ctx.after(0.001, "tick")

    def on_tick(self, ctx, _):
        for n in range(3):  # 3 jobs a millisecond against 1 every 2 ms: some are dropped
            ctx.send(self.worker, "job", n, size=n)
        ctx.after(0.001, "tick")

    def on_done(self, ctx, n):
        pass


def test_a_long_served_run_holds_nothing_per_message():
    """What a live server does with a scenario: run a step, take its events, forget the older
    ones. The recorder then holds the same few bytes however many messages went by: no table
    of sends by msg_id (a receive gets its send's columns from the message itself), no kind
    log, no rows already taken (of messages handled, queued or dropped alike)."""
    mesh = Mesh(seed=0, nodes=2, latency=0.001)
    for i in range(20):
        mesh.spawn(Echo, name=f"echo-{i}", node="n1")
        mesh.spawn(Caller, f"echo-{i}", 10**9, name=f"caller-{i}", node="n0")
    mesh.spawn(Worker, name="worker", node="n1")
    mesh.spawn(Boss, "worker", name="boss", node="n0")
    seen, held = 0, []
    for step in range(1, 31):
        mesh.run(until=step * 0.05)
        new = mesh.events_since(seen)
        seen += new.height
        mesh.forget(seen)
        held.append(mesh._rec.held_bytes())
    kinds = mesh.events_since(0)  # the window forgotten: nothing left but what came since
    assert kinds.height == 0
    assert mesh._mid > 30_000  # messages sent; their receives, handles and drops recorded
    # after the first steps (string table, heap and pools at their size) not a byte more,
    # where a table of sends alone would have grown by tens of bytes a message (> 1 MB)
    assert max(held[3:]) <= held[2] + 4096, held


@pytest.mark.skipif(not COMPILED, reason="column memory is the compiled core's")
def test_a_recording_into_memory_a_previous_one_used_reads_the_same():
    """The compiled core keeps the column memory of a frame that is gone for the next
    recording (the kernel need not zero fresh pages). What the previous recording wrote there,
    values under nulls included, must not show through: a run after one that wrote sizes,
    reasons and drops where this one has nulls takes the same column bytes as the first."""

    def taken(mesh: Mesh) -> dict[str, bytes]:
        cols = mesh._rec._engine._take(mesh._rec.other, 0)  # the engine's columns themselves
        return {k: bytes(memoryview(v)) for k, v in cols.items() if not isinstance(v, int)}

    def echo() -> Mesh:
        mesh = Mesh(seed=0, nodes=2, latency=0.001)
        for i in range(20):
            mesh.spawn(Echo, name=f"echo-{i}", node="n1")
            mesh.spawn(Caller, f"echo-{i}", 10**9, name=f"caller-{i}", node="n0")
        mesh.run(until=1.0)
        return mesh

    # blocks are kept on Linux; the sanitizer build (`make sanitize`) uses the plain allocator
    mapped = sys.platform == "linux" and "sanitize" not in os.environ.get("MESHLAB_CORE", "")
    first = taken(echo())
    gc.collect()
    kept = Engine()._kept_blocks()
    assert kept >= 11 if mapped else kept == 0  # the big columns of 60,000 rows, freed
    mesh = Mesh(seed=1, nodes=2, latency=0.001)  # sizes on every job, drops with reasons
    for i in range(8):
        mesh.spawn(Worker, name=f"worker-{i}", node="n1")
        mesh.spawn(Boss, f"worker-{i}", name=f"boss-{i}", node="n0")
    mesh.run(until=1.0)
    assert Engine()._kept_blocks() < kept or not mapped  # recorded into the first run's memory
    dirty = taken(mesh)
    assert dirty["reason.valid"].count(0) < len(dirty["reason.valid"])
    del mesh, dirty
    gc.collect()
    again = taken(echo())
    assert again.keys() == first.keys() and len(first["t"]) > 400_000
    assert again == first
