"""``Trace.state_at(t)`` at random times on a 10M-event trace, and the one-time keyframe build.

The trace comes from ``synthetic.py`` (4,000 actors on 8 nodes). The first query builds the
keyframes (reported apart); then 50 queries at random ``t`` are timed one by one.
Target (DESIGN.md): <= 50 ms at any t.
"""

from __future__ import annotations

import random
import time

from synthetic import bench_trace

from meshlab.trace import Trace

FULL, QUICK = 10_000_000, 1_000_000
QUERIES = 50


def run(*, quick: bool) -> list[dict]:
    n = QUICK if quick else FULL
    base = bench_trace(n)
    trace = Trace(base.events, base.meta, check=False)  # fresh: no keyframes yet
    t_max = float(trace.events["t"].max())
    started = time.perf_counter()
    trace.state_at(0.0)
    build = time.perf_counter() - started
    rng = random.Random(0)
    times_ms = []
    for _ in range(QUERIES):
        t = rng.uniform(0.0, t_max)
        started = time.perf_counter()
        state = trace.state_at(t)
        times_ms.append((time.perf_counter() - started) * 1000)
    times_ms.sort()
    p50 = times_ms[len(times_ms) // 2]
    p95 = times_ms[int(len(times_ms) * 0.95) - 1]
    worst = times_ms[-1]
    label = f"{n / 1e6:g}M events, {state.actors.height:,} actors"
    return [
        {
            "name": f"state_at keyframe build ({label})",
            "value": build,
            "unit": "s",
            "note": "once per trace",
        },
        {"name": "state_at p50", "value": p50, "unit": "ms"},
        {
            "name": "state_at p95",
            "value": p95,
            "unit": "ms",
            "target": "<= 50 ms",
            "met": p95 <= 50.0,
        },
        {
            "name": "state_at max",
            "value": worst,
            "unit": "ms",
            "target": "<= 50 ms",
            "met": worst <= 50.0,
        },
    ]


if __name__ == "__main__":
    import sys

    for fig in run(quick="--quick" in sys.argv):
        print(fig)
