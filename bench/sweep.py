"""Seed sweeps: the leader-election lab's solution over 1,000 seeds (100 with --quick), in 1 and 2
local processes, and with MESHLAB_BENCH_SWEEP_RAY=1 on a local Ray cluster of two 1-CPU nodes.

One seed is a whole lab run (12-18 s of virtual time, five participants, four faults) plus its
five checks and the trace digest. "1 process" runs the seeds here, with no pool at all; "2
processes" runs them in two worker processes, the job sent along and the seeds in chunks.
The workers stay for the next sweep of a session, so their start-up is measured apart (the
first sweep); the overhead per seed is what the warm pool costs beyond the simulations:
2 x wall(2) - wall(1), divided by the seeds. On Ray, the cluster (a head and one worker node,
one CPU each, started by meshlab.ray.start_local_cluster without the Event Export) is started
and warmed outside the timing, the seeds run as Ray tasks in chunks, and the cluster is shut
down after; the benchmark then waits for every process of that cluster (found by its private
RAY_TMPDIR) to be gone and reports how many were left.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import signal
import sys
import time
from pathlib import Path

import meshlab as ml
from meshlab.labs import leader_election as lab
from meshlab.labs import load_actor

# The Ray cluster runs on this machine only: keep Ray on 127.0.0.1 rather than the machine's
# network address (read when Ray is imported, in _on_ray, and by its processes).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

SOLUTION = (
    Path(__file__).resolve().parents[1]
    / "notebooks" / "labs" / "solutions" / "leader-election-solution.ipynb"
)  # fmt: skip


def _sweep(source, seeds, **options) -> tuple[float, ml.fork.Sweep]:
    started = time.perf_counter()
    result = ml.sweep(source, seeds=seeds, check=lab.checks, progress=False, **options)
    return time.perf_counter() - started, result


def run(*, quick: bool) -> list[dict]:
    n = 100 if quick else 1000
    seeds = range(n)
    source = functools.partial(lab.run, load_actor(SOLUTION))
    _sweep(source, range(2), workers=1)  # warm: imports, first-run caches
    cold, _ = _sweep(source, range(2), workers=2)  # starts the fork server and the workers
    one, r1 = _sweep(source, seeds, workers=1)
    two, r2 = _sweep(source, seeds, workers=2)
    same = r1.frame["digest"].equals(r2.frame["digest"])
    overhead = max(0.0, 2 * two - one) / n
    figures = [
        {"name": "sweep leader-election, 1 process", "value": n / one, "unit": "seeds/s",
         "note": f"{n} seeds in {one:.1f} s, {r1.failing().height} failing"},
        {"name": "sweep leader-election, 2 processes", "value": n / two, "unit": "seeds/s",
         "note": f"{n} seeds in {two:.1f} s; same digests as 1 process: {same}"},
        {"name": "sweep speed-up, 2 processes over 1", "value": one / two, "unit": "x",
         "target": ">= 1.6x (2 cores)", "met": bool(one / two >= 1.6),
         "note": f"{os.cpu_count()} CPUs, shared"},
        {"name": "sweep overhead per seed, 2 processes", "value": overhead * 1000, "unit": "ms",
         "note": f"a seed itself takes {one / n * 1000:.0f} ms; workers already started"},
        {"name": "sweep start-up, 2 processes (first sweep)", "value": cold, "unit": "s",
         "note": "fork server and two workers started, 2 seeds run; later sweeps reuse them"},
    ]  # fmt: skip
    if os.environ.get("MESHLAB_BENCH_SWEEP_RAY") == "1":
        try:
            figures += _on_ray(source, seeds, one=one, two=two, digests=r1.frame["digest"])
        except Exception as exc:  # the local figures stand; say why there is no Ray figure
            why = " ".join(str(exc).split())[:200]
            figures.append(
                {"name": "sweep leader-election, local Ray", "value": float("nan"),
                 "unit": "seeds/s", "note": f"Ray did not start: {type(exc).__name__}: {why}"}
            )  # fmt: skip
    return figures


def _on_ray(source, seeds, *, one: float, two: float, digests) -> list[dict]:
    import ray

    from meshlab.ray import start_local_cluster

    n = len(seeds)
    started = time.perf_counter()
    # without the Event Export where the helper offers it: the figure is Ray's own cost
    options = inspect.signature(start_local_cluster).parameters
    quiet = {"export": False} if "export" in options else {}
    cluster = start_local_cluster(nodes=1, num_cpus=1, **quiet)
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        up = time.perf_counter() - started
        _sweep(source, range(8), ray=True)  # warm: a worker per node, imports, the job
        on_ray, r3 = _sweep(source, seeds, ray=True)
    finally:
        tmp = cluster.tmp_dir
        cluster.shutdown()
        left, killed_left = _wait_gone(tmp)
    overhead = max(0.0, 2 * on_ray - one) / n
    return [
        {"name": "sweep leader-election, local Ray (2 nodes x 1 CPU)", "value": n / on_ray,
         "unit": "seeds/s", "note": f"{n} seeds in {on_ray:.1f} s; {n / two:.1f} seeds/s in 2 "
         f"local processes; same digests: {r3.frame['digest'].equals(digests)}"},
        {"name": "sweep on Ray over 2 local processes", "value": two / on_ray, "unit": "x",
         "note": "seeds/s on Ray divided by seeds/s in 2 local processes"},
        {"name": "sweep overhead per seed, Ray", "value": overhead * 1000, "unit": "ms",
         "note": "2 x wall(Ray) - wall(1 process), per seed; workers warm"},
        {"name": "sweep Ray cluster start-up", "value": up, "unit": "s",
         "note": "head and one worker node, not in the figures above"},
        {"name": "Ray processes left 60 s after shutdown", "value": left, "unit": "processes",
         "target": "0", "met": left == 0, "note": f"then killed by pid; {killed_left} remain"},
    ]  # fmt: skip


def _wait_gone(tmp: str, grace: float = 60.0) -> tuple[int, int]:
    """Wait for every process of the cluster (those naming its private temp dir) to exit;
    after ``grace`` seconds, kill what is left of it, by pid. Returns (left after the grace,
    still there after the kill)."""
    deadline = time.monotonic() + grace
    while True:
        left = _processes_naming(tmp)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # polling /proc for the exits the shutdown already asked for
    for pid in left:  # ours: started by this cluster, named by its private RAY_TMPDIR
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + 10
    while (still := _processes_naming(tmp)) and time.monotonic() < end:
        time.sleep(0.2)
    return len(left), len(still)


def _processes_naming(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            env = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if text.encode() in cmd or text.encode() in env:
            found.append(int(entry.name))
    return found


if __name__ == "__main__":
    from meshlab.cli.bench import format_figure

    for fig in run(quick="--quick" in sys.argv):
        print(format_figure(fig))
