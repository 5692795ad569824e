"""``Emitter(process=True)``: the live node in a child process, the program keeping only emit()."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import polars as pl
import psutil
import pytest

import meshlab as ml
from meshlab.live import Emitter
from tests.live.conftest import source_events


def _everything(em: Emitter, live_clients) -> pl.DataFrame:
    em.flush()
    live = ml.connect(em.url, record=False)
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head >= em.published, timeout=30)
    return source_events(live.events)


def test_a_node_process_serves_what_the_program_emits(live_clients):
    with Emitter(name="worker", nodes=["w0"], heartbeat=0.2, process=True) as em:
        assert em.server is None and em._child is not None
        child = psutil.Process(em._child.proc.pid)
        em.emit("node_join", node="w0", t=1.0)
        em.emit("actor_spawn", node="w0", actor="w0/a", msg_type="Worker", t=1.0)
        for i in range(300):
            em.emit("msg_send", node="w1", actor="w0/a", peer="w0/a", msg_id=i, t=2.0 + i)
        with em.handler(node="w0", actor="w0/a", msg_id=7, msg_type="get"):
            pass
        events = _everything(em, live_clients)
        assert events["seq"].to_list() == list(range(304)) == list(range(em.published))
        assert events.filter(pl.col("kind") == "msg_send")["msg_id"].to_list() == list(range(300))
        assert em.nodes == ["w0", "w1"]  # the node process reports the nodes it saw
        state = live_clients[0].introspect(actor="w0/a")  # the fold runs in the node process
        assert state["class"] == "Worker" and state["processed"] == 1
        assert state["latency"]["handler"]["count"] == 1
    child.wait(timeout=10)  # close() stops the node process
    assert not child.is_running()


def test_fields_that_cannot_cross_to_the_node_process_are_reported(live_clients):
    with Emitter(name="types", process=True) as em:
        em.emit("node_join", node="n0")
        numpy_id = em.emit("msg_send", node="n0", actor="a", peer="b", msg_id=np.uint64(5))
        obj = em.emit("msg_send", node="n0", actor=object(), peer="b", msg_id=6)
        text = em.emit("msg_send", node="n0", actor="a", peer="b", msg_id="seven")
        em.emit("msg_send", node="n0", actor="a", peer="b", msg_id=8)
        events = _everything(em, live_clients)
        assert events["seq"].to_list() == [0, 1, 2, 3, 4]  # the stream stays whole
        assert events["msg_id"].to_list() == [None, None, None, None, 8]
        assert [e.split(":")[0] for e in em.errors] == [f"seq {s}" for s in (numpy_id, obj, text)]
        assert "numpy number" in em.errors[0] and "int(...)" in em.errors[0]
        assert "held <a object>" in em.errors[1]


def test_many_threads_and_frames_reach_the_node_process_in_seq_order(live_clients):
    with Emitter(name="threads", flush_interval=0.001, process=True) as em:

        def work(k: int) -> None:
            for i in range(2_000):
                em.emit("msg_send", node=f"n{k}", actor=f"a{k}", peer="b", msg_id=k * 10_000 + i)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        frame = pl.DataFrame({"t": [1.0], "kind": ["node_join"], "node": ["nf"]})
        first = em.emit_frame(frame.with_columns(
            [pl.lit(None).alias(c) for c in ("actor", "parent", "peer", "msg_type", "reason")]
            + [pl.lit(None, pl.UInt64).alias("msg_id"), pl.lit(None, pl.UInt32).alias("size"),
               pl.lit(None, pl.Float64).alias("duration"), pl.lit(0).alias("incarnation")]
        ))  # fmt: skip
        for th in threads:
            th.join()
        events = _everything(em, live_clients)
        assert events["seq"].to_list() == list(range(8_001))
        assert events.filter(pl.col("seq") == first)["node"].item() == "nf"
        for k in range(4):
            ids = events.filter(pl.col("actor") == f"a{k}")["msg_id"].to_list()
            assert ids == sorted(ids) and len(ids) == 2_000


_ORPHAN = """
import sys, os
from meshlab.live import Emitter
em = Emitter(name="orphan", process=True)
em.emit("node_join", node="n0")
print(em._child.proc.pid, flush=True)
sys.stdin.readline()
os._exit(0)  # no close(): the program dies
"""


def test_the_node_process_does_not_outlive_its_program():
    program = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert program.stdout is not None and program.stdin is not None
    child = psutil.Process(int(program.stdout.readline()))
    assert child.is_running()
    program.stdin.write("\n")
    program.stdin.flush()
    program.wait(timeout=10)
    # its stdin closes with the program: the node stops (psutil waits on the pid's exit)
    gone, alive = psutil.wait_procs([child], timeout=20)
    assert gone and not alive


def test_emitting_after_the_node_process_died_costs_nothing_and_says_so():
    em = Emitter(name="dying", process=True, flush_interval=0.01)
    try:
        assert em._child is not None
        em._child.proc.kill()
        em._child.proc.wait(10)
        deadline = time.monotonic() + 20
        while not em.errors and time.monotonic() < deadline:  # the pump finds the pipe broken
            em.emit("msg_send", node="n0", actor="a", peer="b", msg_id=1)
            em._ship()
        assert em.errors and "node process is gone" in em.errors[0]
        for i in range(1000):
            em.emit("msg_send", node="n0", actor="a", peer="b", msg_id=i)
        em._ship()
        assert len(em._rows) == 0  # dropped, not piling up in the program
        with pytest.raises(RuntimeError, match="node process is gone"):
            em.flush()
    finally:
        em.close()
