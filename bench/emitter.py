"""The emitter's cost: per event on the hot path, amortised with the batching, and on a real
actor workload with emission on versus off.

- emit: events emitted in a loop with no drain running, wall time per event, as a multiple of a
  no-op Python call with the same arguments timed in the same run (blocks of both alternate and
  each keeps its fastest block, so a burst of load on a shared machine hits both alike);
- amortised: the same, plus handing every event to the server (rows to columns, feed append)
  until ``flush()`` returns, the drain thread running meanwhile as in use, divided by ``N``:
  what an instrumented program pays, the server's thread sharing the GIL with it (the node's
  state and latency folds run afterwards in a worker thread and are not counted); and with
  the node in a child process (``Emitter(process=True)``): emit() plus the rows marshalled
  into the pipe, all the program itself pays;
- instructions (when valgrind is installed; not with ``--quick``): the same pieces (a no-op
  call, emit(), rows marshalled, rows to columns) counted in CPU instructions under
  callgrind, which a loaded machine does not inflate: the repeatable figure;
- workload instructions (with valgrind, not with ``--quick``): the program's CPU
  instructions per message of the workload below, plain and with a node process, under
  callgrind (runs of two lengths, differenced): the workload ratio without the machine's load;
- workload: a Pykka program (a real actor library: one thread per actor, mailboxes as queues):
  ``PAIRS`` pinger/ponger pairs exchange ``rounds`` messages; each handler does what a typical
  service handler does with a request, decoding a JSON body of about 1 kB and encoding the
  reply (about 20 µs of work on an idle core).
  Instrumented, every ``tell`` emits ``msg_send`` and every handler ``handler_start`` and
  ``handler_end`` (three events per message) into an :class:`~meshlab.live.Emitter` whose
  node runs in a thread of the program, or in a child process; a client in another process
  (as a notebook watching the program would be) streams everything from each. Plain, thread
  and process runs alternate, ``REPEATS`` rounds, and each keeps its best, so a burst of load
  on a shared machine hits all alike. The ratio is instrumented / plain wall time; the
  program's CPU time (all its threads, ``time.process_time``) on / off is given too, a
  figure less at the mercy of other processes on the machine.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pykka

from meshlab.live import Emitter

PAIRS = 4
REPEATS = 5
BODY = json.dumps(
    {
        "order": 1234,
        "items": [{"sku": f"item-{i}", "qty": i, "price": 9.5 * i} for i in range(16)],
        "note": "x" * 200,
    }
)


def _noop(
    kind, *, node, t=None, actor=None, incarnation=0, parent=None, peer=None, msg_id=None,
    msg_type=None, size=None, reason=None, duration=None,
):  # fmt: skip
    return 0


def call_cost(n: int) -> float:
    """Seconds per call of a Python function that does nothing, called as emit() is: the
    yardstick of this machine's speed at this moment (a loaded machine inflates everything)."""
    start = time.perf_counter()
    for i in range(n):
        _noop("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
    return (time.perf_counter() - start) / n


def _emit_block(emit, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        emit("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
    return (time.perf_counter() - start) / n


def emit_cost(n: int, blocks: int = 10) -> tuple[float, float, float, float]:
    """Seconds per event: a no-op call, emit() alone (no drain running), amortised with the
    drain in the node's thread, and amortised with the node in a child process (emit() plus
    handing the rows over, in CPU seconds of this process: what the program itself pays),
    each the fastest of ``blocks`` blocks that alternate with the others."""
    noop, alone, amortised, handed = [], [], [], []
    block = max(1, n // blocks)
    with (
        Emitter(name="bench", nodes=["n0"], flush_interval=3600) as quiet,
        Emitter(name="bench-drained", nodes=["n0"]) as em,
        Emitter(name="bench-process", nodes=["n0"], process=True) as child,
    ):
        gc.collect()
        for _ in range(blocks):
            noop.append(call_cost(block))
            alone.append(_emit_block(quiet.emit, block))
            quiet.flush()  # rows do not pile up between blocks
            start = time.perf_counter()
            _emit_block(em.emit, block)
            em.flush()
            amortised.append((time.perf_counter() - start) / block)
            # CPU time, not wall: the pipe write waits for the node process to read (seconds
            # on a busy machine) with the interpreter lock released, costing the program nothing
            start = time.process_time()
            _emit_block(child.emit, block)
            child._ship()  # the pump thread's work: one marshal and a pipe write
            handed.append((time.process_time() - start) / block)
            child.flush()  # the node has them all before the next block
        assert em.published == blocks * block, "every event reached the feed"
        assert child.published == blocks * block, "every event reached the node process"
    return min(noop), min(alone), min(amortised), min(handed)


_CALLGRIND_CHILD = r"""
import itertools, os, subprocess, sys, time
from meshlab.live import emitter as E

def dump():  # callgrind writes the instructions counted since the last dump
    subprocess.run(["callgrind_control", "-d", str(os.getpid())], capture_output=True, check=True)

def _noop(kind, *, node, t=None, actor=None, incarnation=0, parent=None, peer=None, msg_id=None,
          msg_type=None, size=None, reason=None, duration=None):
    return 0

n = int(sys.argv[1])
from meshlab.live.batches import frame_of
from meshlab.live.emitter_node import marshal_rows

em = E.Emitter.__new__(E.Emitter)  # emit() and the columns without the server around them
em._seq = itertools.count(); em._rows = []; em._next_seq = em._seq.__next__
em._append = em._rows.append; em._time = time.time
emit = em.emit
frame_of([(0, 0.0, 0, "n", "a", 0, None, "b", 1, "x", None, None, None)] * 100)  # warm pyarrow
dump()
dump()  # the cost of a dump itself
for i in range(n):
    _noop("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
dump()
for i in range(n):
    emit("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
dump()
marshal_rows(em._rows)
dump()
frame_of(em._rows)
dump()
"""


def instructions(n: int = 20_000) -> dict[str, float] | None:
    """CPU instructions per event under callgrind: no-op call, emit(), rows marshalled for a
    node process, rows to columns."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             "-c", _CALLGRIND_CHILD, str(n)],
            capture_output=True, check=True, timeout=1800,
        )  # fmt: skip
        totals = []
        for i in range(2, 7):
            text = Path(f"{out}.{i}").read_text()
            totals.append(int(re.search(r"^totals: (\d+)", text, re.M).group(1)))  # type: ignore[union-attr]
    dump_cost = totals[0]
    noop, emit, marshalled, frame = ((x - dump_cost) / n for x in totals[1:])
    return {"noop": noop, "emit": emit, "marshal": marshalled, "frame": frame}


def _handle(message) -> str:
    request = json.loads(message["body"])
    request["total"] = sum(i["qty"] * i["price"] for i in request["items"])
    return json.dumps(request)


class _Ponger(pykka.ThreadingActor):
    def __init__(self, em: Emitter | None, name: str) -> None:
        super().__init__()
        self.em, self.name = em, name

    def on_receive(self, message):
        em = self.em
        if em is not None:
            em.emit("handler_start", node="n1", actor=self.name, peer=message["from"],
                    msg_id=message["id"], msg_type="ping")  # fmt: skip
        _handle(message)
        reply_to, n = message["reply_to"], message["n"]
        if em is not None:
            em.emit("handler_end", node="n1", actor=self.name, msg_id=message["id"],
                    msg_type="ping", reason="ok")  # fmt: skip
        reply_to.tell({"n": n, "from": self.name, "id": message["id"] + 1, "body": BODY})


class _Pinger(pykka.ThreadingActor):
    def __init__(self, em, name, rounds, done: threading.Event) -> None:
        super().__init__()
        self.em, self.name, self.rounds, self.done = em, name, rounds, done
        self.peer = None

    def on_receive(self, message):
        em = self.em
        if "peer" in message:  # the start message
            self.peer = message["peer"]
            self._send(0, message["id0"])
            return
        if em is not None:
            em.emit("handler_start", node="n0", actor=self.name, peer=message["from"],
                    msg_id=message["id"], msg_type="pong")  # fmt: skip
        _handle(message)
        if em is not None:
            em.emit("handler_end", node="n0", actor=self.name, msg_id=message["id"],
                    msg_type="pong", reason="ok")  # fmt: skip
        if message["n"] + 1 >= self.rounds:
            self.done.set()
        else:
            self._send(message["n"] + 1, message["id"] + 1)

    def _send(self, n: int, msg_id: int) -> None:
        if self.em is not None:
            self.em.emit("msg_send", node="n0", actor=self.name, peer="pong", msg_id=msg_id,
                         msg_type="ping")  # fmt: skip
        self.peer.tell(
            {"n": n, "reply_to": self.actor_ref, "from": self.name, "id": msg_id, "body": BODY}
        )


_CLIENT = r"""
import sys
import meshlab as ml
live = ml.connect(sys.argv[1], record=False)
print("attached", flush=True)
target = int(sys.stdin.readline())
live.wait_for(lambda lv: lv.head >= target, timeout=120)
print(live.head, flush=True)
live.close()
"""


class _Client:
    """A client streaming everything from a node, in its own process as a viewer would be
    (a notebook is not inside the program it watches)."""

    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CLIENT, url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdin is not None
        if self.proc.stdout.readline().strip() != "attached":
            raise RuntimeError("the bench's client did not attach")

    def received(self, target: int) -> int:
        """Wait until the client has ``target`` events; how many it got."""
        out, _ = self.proc.communicate(f"{target}\n", timeout=180)
        return int(out.split()[-1])


def workload(rounds: int, em: Emitter | None) -> tuple[float, float]:
    """Wall seconds for PAIRS pairs to exchange ``rounds`` ping/pong round trips each, and
    the CPU seconds this process spent meanwhile (all its threads)."""
    dones = [threading.Event() for _ in range(PAIRS)]
    pongs = [_Ponger.start(em, f"pong-{i}") for i in range(PAIRS)]
    pings = [_Pinger.start(em, f"ping-{i}", rounds, dones[i]) for i in range(PAIRS)]
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for i, (ping, pong) in enumerate(zip(pings, pongs, strict=True)):
        ping.tell({"peer": pong, "id0": i * 10 * rounds})
    for d in dones:
        d.wait(300)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    pykka.ActorRegistry.stop_all()
    return took, cpu


def _child_cpu(em: Emitter) -> float:
    """CPU seconds the emitter's node process has used so far."""
    assert em._child is not None
    fields = Path(f"/proc/{em._child.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_CALLGRIND_WORKLOAD = r"""
import os, subprocess, sys
sys.path.insert(0, sys.argv[2])
import emitter as B
from meshlab.live import Emitter

def dump():
    subprocess.run(["callgrind_control", "-d", str(os.getpid())], capture_output=True, check=True)

rounds = int(sys.argv[1])
# the pump wakes every flush_interval of wall time; callgrind runs the program about 50x
# slower, so its interval is stretched alike (else it would wake 50x as often per event)
with Emitter(name="cg-process", nodes=["n0", "n1"], process=True, flush_interval=5.0) as em:
    B.workload(rounds // 10, None)  # warm
    B.workload(rounds // 10, em)
    dump()
    for em in (None, em):
        for n in (rounds, 2 * rounds):  # the difference is `rounds` more round trips
            B.workload(n, em)
            if em is not None:
                em.flush()  # the drains (and a node process's pipe writes) of this run
            dump()
"""


def workload_instructions(rounds: int = 150) -> dict[str, float] | None:
    """CPU instructions this program executes (all its threads; the node process is another
    program) per message of the Pykka workload, plain and with a node process, under
    callgrind: runs of ``rounds`` and ``2 * rounds`` round trips, the difference divided by
    the messages, so that start-up and collection cancel out. A ratio that no load on the
    machine changes. (An in-thread node is left out: its folds run on wall-clock timers,
    which callgrind's slowdown would make 50 times as frequent per event.)"""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             "-c", _CALLGRIND_WORKLOAD, str(rounds), str(Path(__file__).parent)],
            capture_output=True, check=True, timeout=3600,
        )  # fmt: skip
        totals = []
        for i in range(2, 6):
            text = Path(f"{out}.{i}").read_text()
            totals.append(int(re.search(r"^totals: (\d+)", text, re.M).group(1)))  # type: ignore[union-attr]
    messages = 2 * PAIRS * rounds
    per = [(totals[i + 1] - totals[i]) / messages for i in (0, 2)]
    return dict(zip(("plain", "process"), per, strict=True))


def compare(rounds: int, repeats: int) -> dict:
    """The Pykka workload plain, with an in-thread node and with a node process, alternating
    ``repeats`` times; each variant's best wall and CPU time, and what the clients got."""
    runs: dict[str, list[tuple[float, float]]] = {"plain": [], "thread": [], "process": []}
    child_cpu = 0.0
    with (
        Emitter(name="pykka", nodes=["n0", "n1"]) as thread_em,
        Emitter(name="pykka-process", nodes=["n0", "n1"], process=True) as process_em,
    ):
        clients = {"thread": _Client(thread_em.url), "process": _Client(process_em.url)}
        workload(rounds // 10, None)  # warm up each
        workload(rounds // 10, thread_em)
        workload(rounds // 10, process_em)
        for _ in range(repeats):
            runs["plain"].append(workload(rounds, None))
            runs["thread"].append(workload(rounds, thread_em))
            before = _child_cpu(process_em)
            runs["process"].append(workload(rounds, process_em))
            process_em.flush()  # its node's work on this round is counted with it
            child_cpu += _child_cpu(process_em) - before
        got = {}
        for mode, em in (("thread", thread_em), ("process", process_em)):
            em.flush()
            got[mode] = (clients[mode].received(em.published), em.published)
    return {"runs": runs, "received": got, "child_cpu": child_cpu / repeats}


def run(*, quick: bool) -> list[dict]:
    n = 100_000 if quick else 1_000_000
    rounds = 500 if quick else 3_000
    noop_s, emit_s, amortised_s, handed_s = emit_cost(n)
    counted = None if quick else instructions()
    workload_counted = None if quick else workload_instructions()
    result = compare(rounds, 2 if quick else REPEATS)
    runs = result["runs"]
    wall = {mode: min(w for w, _ in r) for mode, r in runs.items()}
    cpu = {mode: min(c for _, c in r) for mode, r in runs.items()}
    messages = 2 * PAIRS * rounds
    figures = [
        {
            "name": "emitter: emit() per event, no drain running",
            "value": emit_s / noop_s,
            "unit": "x no-op call",
            "note": f"{emit_s * 1e6:.2f} µs; a no-op call with the same arguments "
            f"{noop_s * 1e9:.0f} ns in the same run (fastest of 10 alternating blocks)",
        },
        {
            "name": "emitter: per event amortised, columns built and fed",
            "value": amortised_s * 1e6,
            "unit": "µs",
            "target": "<= 2 µs",
            "met": bool(amortised_s <= 2e-6),
            "note": f"{amortised_s / noop_s:.1f}x a no-op call in the same run "
            f"({noop_s * 1e9:.0f} ns here; ~100 ns on an idle core); {1 / amortised_s:,.0f} "
            "events/s",
        },
        {
            "name": "emitter: per event amortised, node in a child process (process=True)",
            "value": handed_s * 1e6,
            "unit": "µs",
            "target": "<= 2 µs",
            "met": bool(handed_s <= 2e-6),
            "note": f"emit() and the rows marshalled into the pipe, CPU time of the program "
            f"(what it pays; the write waits for the node without the GIL); "
            f"{handed_s / noop_s:.1f}x a no-op call in the same run",
        },
    ]
    if counted is not None:
        per_event = counted["emit"] + counted["frame"]
        figures.append(
            {
                "name": "emitter: CPU instructions per event (callgrind)",
                "value": per_event,
                "unit": "instr",
                "note": f"emit() {counted['emit']:,.0f} + rows to columns "
                f"{counted['frame']:,.0f}; {per_event / counted['noop']:.1f}x a no-op call "
                f"({counted['noop']:,.0f}), emit() alone {counted['emit'] / counted['noop']:.1f}x; "
                f"with a node process the program pays emit() + marshal "
                f"{counted['marshal']:,.0f} = {counted['emit'] + counted['marshal']:,.0f}",
            }
        )
    if workload_counted is not None:
        plain_i, process_i = workload_counted["plain"], workload_counted["process"]
        figures.append(
            {
                "name": "emitter: Pykka ping-pong, CPU instructions on / off, node process",
                "value": process_i / plain_i,
                "unit": "x",
                "target": "<= 1.1x",
                "met": bool(process_i / plain_i <= 1.1),
                "note": f"callgrind, instructions of the program per message: off "
                f"{plain_i:,.0f}, on {process_i:,.0f} ({(process_i - plain_i) / 3:,.0f} per "
                "event); the figure no load on the machine changes",
            }
        )
    for mode, label in (("process", "node in a child process"), ("thread", "node in a thread")):
        ratio = wall[mode] / wall["plain"]
        got, emitted = result["received"][mode]
        extra = (
            f"; the node process used {result['child_cpu']:.2f} CPU s per run on another core"
            if mode == "process"
            else "; the node's work is in this process's CPU"
        )
        figures.append(
            {
                "name": f"emitter: Pykka ping-pong, emission on / off, {label}",
                "value": ratio,
                "unit": "x",
                "target": "<= 1.1x",
                "met": bool(ratio <= 1.1),
                "note": (
                    f"{messages:,} messages x3 events; wall off {wall['plain']:.2f} s, on "
                    f"{wall[mode]:.2f} s (medians "
                    f"{statistics.median(w for w, _ in runs['plain']):.2f} / "
                    f"{statistics.median(w for w, _ in runs[mode]):.2f}); the program's CPU "
                    f"on / off {cpu[mode] / cpu['plain']:.2f}x{extra}; a client in another "
                    f"process got {got:,} of {emitted:,} events"
                ),
            }
        )
    return figures


if __name__ == "__main__":
    from meshlab.cli.bench import format_figure

    for fig in run(quick=False):
        print(format_figure(fig))
