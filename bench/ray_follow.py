"""Ray benchmarks (``meshlab bench ray``).

- mapping: the payloads recorded from a real cluster (tests/data/ray/export_posts.json),
  replicated with fresh job and actor ids (each copy is another job's actors and calls) and
  mapped POST by POST by ``RayMapper`` into contract frames: Ray events per second (the
  fastest of three runs, and per CPU-second);
- receiver -> client frame: the same payloads POSTed to ``meshlab serve --ray`` (its real
  receiver, in batches like Ray's) while a client follows it: Ray events per second from the
  first POST until the client's frame holds every mapped event;
- on a real local Ray cluster (``meshlab.ray.start_local_cluster``; skipped with --quick):
  the lag from each Ray transition's own timestamp to the event landing in the client's frame
  (p50 / p99), the backfill on attach with 1,000 actors in the state API (placeholders that
  never get a node), and the cost of the export to the application (the same actor-call
  workload, export on vs off).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import meshlab as ml
from meshlab.ray.mapping import RayMapper, to_frame
from meshlab.ray.receiver import collector_paused

# The benchmark's cluster runs on this machine only: keep Ray on 127.0.0.1 rather than the
# machine's network address (read by Ray when it is imported, below, and by its processes).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

ROOT = Path(__file__).resolve().parents[1]
POSTS = ROOT / "tests" / "data" / "ray" / "export_posts.json"
ID_KEYS = frozenset({"actorId", "taskId", "parentTaskId", "jobId", "workerId"})
TARGET_RATE = 50_000
FRAME_ROWS = 2_000
BATCH = 1_000


def _rejob(value: str, job: int) -> str:
    """One of Ray's ids as another job's: the job id (the last 4 bytes of a JobID, ActorID or
    TaskID) replaced, and the unique bytes of an actor or worker id changed too, as a real
    other job's would be (meshlab names an actor by its class and unique bytes)."""
    raw = bytearray(base64.b64decode(value))
    salt = job.to_bytes(4, "little")
    if len(raw) in (4, 16, 24):  # JobID, ActorID, TaskID: the job id is the last 4 bytes
        raw[-4:] = salt
    # an actor's unique bytes: an ActorID's first 12, a TaskID's 12 after its own 8 (all ff
    # in a task on no actor: left so); a WorkerID's first bytes
    at = {16: 0, 24: 8, 28: 0}.get(len(raw))
    if at is not None and raw[at : at + 12] != b"\xff" * 12:
        raw[at : at + 4] = bytes(a ^ b for a, b in zip(raw[at : at + 4], salt, strict=True))
    return base64.b64encode(bytes(raw)).decode()


def _rewrite(obj, job: int):
    if isinstance(obj, dict):
        return {
            k: _rejob(v, job) if k in ID_KEYS and isinstance(v, str) and v else _rewrite(v, job)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_rewrite(v, job) for v in obj]
    return obj


def replicated_posts(copies: int) -> list[list[dict]]:
    """The recorded POST bodies, ``copies`` times, each copy under its own job id."""
    recorded = json.loads(POSTS.read_text())["posts"]
    posts = []
    for k in range(copies):
        posts += [_rewrite(copy.deepcopy(p["body"]), k + 2) for p in recorded]
    return posts


def _map_once(posts: list[list[dict]]) -> tuple[float, float, int]:
    """Wall and CPU seconds to map ``posts`` into contract frames, and the events made."""
    mapper = RayMapper()
    start, cpu = time.perf_counter(), time.process_time()
    head = 0
    pending: list = []
    for body in posts:
        with collector_paused():  # as the receiver maps a POST
            pending += mapper.feed(body)  # no clock: nothing is held back or forced by timing
        if len(pending) >= FRAME_ROWS:  # as the server publishes: a frame per tick
            head += to_frame(pending, first_seq=head).height
            pending = []
    pending += mapper.sweep(now=time.time())
    head += to_frame(pending, first_seq=head).height
    return time.perf_counter() - start, time.process_time() - cpu, head


def bench_mapping(posts: list[list[dict]], *, runs: int = 3) -> dict:
    n = sum(len(b) for b in posts)
    # the fastest of a few runs: on a shared machine the others measure its other users
    elapsed, cpu, head = min(_map_once(posts) for _ in range(runs))
    rate = n / elapsed
    return {
        "name": "ray mapping, recorded payloads -> contract frames",
        "value": rate,
        "unit": "Ray events/s",
        "target": ">= 50,000 Ray events/s",
        "met": bool(rate >= TARGET_RATE),
        "note": f"{n:,} Ray events in {len(posts):,} recorded POSTs -> {head:,} contract "
        f"events, frames of {FRAME_ROWS:,}; fastest of {runs} runs; {n / cpu:,.0f} per "
        "CPU-second",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(address: str, receiver_port: int) -> tuple[subprocess.Popen, dict]:
    args = [sys.executable, "-m", "meshlab", "serve", "--ray", address, "--port", "0"]
    args += ["--receiver-port", str(receiver_port), "--heartbeat", "0.5"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.strip():
        proc.kill()
        raise RuntimeError("meshlab serve --ray did not start")
    return proc, json.loads(line)


def bench_receiver(posts: list[list[dict]]) -> dict:
    """POST to a real ``meshlab serve --ray`` (its cluster address answers nothing: only the
    receiver is measured) and wait until a client's frame holds every mapped event."""
    n = sum(len(b) for b in posts)
    expected = 0
    mapper = RayMapper()
    for body in posts:
        expected += len(mapper.feed(body, now=0.0))
    receiver_port = _free_port()
    proc, ready = _serve(f"127.0.0.1:{_free_port()}", receiver_port)
    try:
        live = ml.connect(ready["url"], record=False)
        # Ray's aggregator sends what accumulated since its last POST: batch the recorded
        # POSTs into bodies of about BATCH events, as a busy cluster's would be
        batches, cur = [], []
        for body in posts:
            cur += body
            if len(cur) >= BATCH:
                batches.append(cur)
                cur = []
        bodies = [json.dumps(b).encode() for b in [*batches, cur] if b]
        conn = http.client.HTTPConnection("127.0.0.1", receiver_port, timeout=30)
        server_cpu = _cpu_seconds(proc.pid)
        start = time.time()
        for data in bodies:
            conn.request("POST", "/", body=data, headers={"Content-Type": "application/json"})
            conn.getresponse().read()
        live.wait_for(lambda lv: lv.head >= expected, timeout=120)
        elapsed = time.time() - start
        server_cpu = _cpu_seconds(proc.pid) - server_cpu
        live.close()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)
    rate = n / elapsed
    return {
        "name": "ray receiver -> client frame, loopback",
        "value": rate,
        "unit": "Ray events/s",
        "target": ">= 50,000 Ray events/s",
        "met": bool(rate >= TARGET_RATE),
        "note": f"{n:,} Ray events in {len(bodies):,} POSTs -> {expected:,} events in the "
        f"frame; the server used {server_cpu:.2f} CPU-s ({n / max(server_cpu, 1e-9):,.0f} "
        "Ray events per server CPU-second)",
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# real cluster ------------------------------------------------------------------------------
@contextlib.contextmanager
def _cluster(*, export: bool):
    """A one-node local cluster (meshlab.ray.start_local_cluster: its start-up workarounds
    and retries) with a driver connected; the export on or off."""
    import ray

    from meshlab.ray.local import start_local_cluster

    local = start_local_cluster(nodes=0, export=export)
    try:
        ray.init(address=local.address, logging_level="ERROR", log_to_driver=False)
        yield ray, local
    finally:
        local.shutdown()  # the servers it started, the driver, the cluster, the environment


def _work_ends(live) -> int:
    events = live.events
    done = (events["kind"] == "handler_end") & (events["msg_type"] == "work")
    return int(done.sum())


def _workload(ray, calls: int) -> float:
    """Seconds for ``calls`` actor calls, 4 at a time, through a caller actor."""

    @ray.remote(num_cpus=0)
    class Callee:
        def work(self, x):
            return x + 1

    @ray.remote(num_cpus=0)
    class Caller:
        def __init__(self, callee):
            self.callee = callee

        def go(self, n):
            return sum(ray.get([self.callee.work.remote(i) for i in range(n)]))

    caller = Caller.remote(Callee.remote())
    ray.get(caller.go.remote(1))  # both actors up
    start = time.perf_counter()
    for _ in range(calls // 4):
        ray.get([caller.go.remote(4)])
    return time.perf_counter() - start


def bench_cluster() -> list[dict]:
    figures = []
    calls = 400
    with _cluster(export=True) as (ray, local):
        server = local.serve(heartbeat=0.5)
        try:
            live = ml.connect(server.url, record=False)
            arrivals: list[tuple[float, int]] = []
            live.add_listener(lambda: arrivals.append((time.time(), live.head)))
            live.wait_for(lambda lv: lv.head >= 1, timeout=60)  # backfill done
            attached = time.time()
            on = _workload(ray, calls)
            # every call's end has landed (Ray batches about every second)
            live.wait_for(lambda lv: _work_ends(lv) >= calls, timeout=120)
            frame = live.trace().events
            live.close()
        finally:
            server.stop()
        t = frame["t"].to_numpy()
        landed = np.empty(frame.height)
        start = 0
        for wall, head in arrivals:
            landed[start:head] = wall
            start = head
        mask = t > attached
        lag = landed[mask] - t[mask]
        p50, p99 = np.percentile(lag, [50, 99])
        figures.append(
            {
                "name": "ray transition -> client frame lag p50",
                "value": float(p50),
                "unit": "s",
                "note": f"{int(mask.sum()):,} events of {calls} actor calls",
            }
        )
        figures.append(
            {
                "name": "ray transition -> client frame lag p99",
                "value": float(p99),
                "unit": "s",
                "target": "<= 2 s",
                "met": bool(p99 <= 2.0),
                "note": "Ray batches its events about every second",
            }
        )
        figures.append(_bench_backfill(ray, local.address))
    with _cluster(export=False) as (ray, _):
        off = _workload(ray, calls)
    figures.append(
        {
            "name": "ray application time, export on / off",
            "value": on / off,
            "unit": "x",
            "note": f"{calls} actor calls: {on:.2f} s with the export, {off:.2f} s without",
        }
    )
    return figures


def _bench_backfill(ray, address: str) -> dict:
    from meshlab.ray.source import read_state

    @ray.remote(num_cpus=0, resources={"nowhere": 1})
    class Placeholder:  # never placed: no node has the resource, so no process starts
        pass

    handles = [Placeholder.remote() for _ in range(1000)]
    deadline = time.time() + 60
    while time.time() < deadline and len(read_state(address)[1]) < 1000:
        time.sleep(1)
    start = time.perf_counter()
    nodes, actors = read_state(address)
    rows = RayMapper().reconcile(nodes, actors, now=time.time())
    to_frame(rows, first_seq=0)
    elapsed = time.perf_counter() - start
    del handles
    return {
        "name": "ray backfill on attach, 1,000 actors",
        "value": elapsed,
        "unit": "s",
        "target": "<= 3 s",
        "met": bool(elapsed <= 3.0),
        "note": f"{len(actors):,} actors and {len(nodes)} nodes read from the state API",
    }


def run(*, quick: bool) -> list[dict]:
    posts = replicated_posts(20 if quick else 200)
    figures = [bench_mapping(posts), bench_receiver(posts)]
    if not quick:
        figures += bench_cluster()
    return figures


if __name__ == "__main__":
    for fig in run(quick="--quick" in sys.argv):
        print(fig)
