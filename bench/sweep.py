"""Seed sweeps: the leader-election lab's solution over a few hundred seeds, in 1 and 2 local
processes (and on a local Ray cluster when MESHLAB_BENCH_SWEEP_RAY=1).

One seed is a whole lab run (12 s of virtual time, five participants, four faults) plus its
five checks and the trace digest. "1 process" runs the seeds here, with no pool at all; "2
processes" runs them in two worker processes, the job sent along and the seeds in chunks.
The workers stay for the next sweep of a session, so their start-up is measured apart (the
first sweep); the overhead per seed is what the warm pool costs beyond the simulations:
2 x wall(2) - wall(1), divided by the seeds.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

import meshlab as ml
from meshlab.labs import leader_election as lab
from meshlab.labs import load_actor

SOLUTION = (
    Path(__file__).resolve().parents[1]
    / "notebooks" / "labs" / "solutions" / "leader-election-solution.ipynb"
)  # fmt: skip


def _sweep(source, seeds, **options) -> tuple[float, ml.fork.Sweep]:
    started = time.perf_counter()
    result = ml.sweep(source, seeds=seeds, check=lab.checks, progress=False, **options)
    return time.perf_counter() - started, result


def run(*, quick: bool) -> list[dict]:
    n = 60 if quick else 400
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
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            _sweep(source, range(4), ray=True)  # warm the workers
            on_ray, r3 = _sweep(source, seeds, ray=True)
        finally:
            ray.shutdown()
        figures.append(
            {"name": "sweep leader-election, local Ray (2 CPUs)", "value": n / on_ray,
             "unit": "seeds/s", "note": f"{n} seeds in {on_ray:.1f} s; same digests: "
             f"{r3.frame['digest'].equals(r1.frame['digest'])}"}
        )  # fmt: skip
    return figures


if __name__ == "__main__":
    from meshlab.cli.bench import format_figure

    for fig in run(quick="--quick" in sys.argv):
        print(format_figure(fig))
