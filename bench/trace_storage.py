"""Trace storage: Parquet write and read of a 10M-event trace, and its size on disk.

The trace comes from ``synthetic.py`` (4,000 actors on 8 nodes, full-precision random
latencies and handling times, which is harder to compress than a simulator's constant-latency
ping-pong). Targets (DESIGN.md): <= 3 s each way, <= 16 bytes per event. The ``.mlog``
figures are for information: the log is for recording, Parquet for keeping.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from synthetic import bench_trace

from meshlab.trace import load

FULL, QUICK = 10_000_000, 1_000_000


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def run(*, quick: bool) -> list[dict]:
    n = QUICK if quick else FULL
    trace = bench_trace(n)
    label = f"{n / 1e6:g}M events"
    with tempfile.TemporaryDirectory() as tmp:
        pq_path = Path(tmp) / "trace.parquet"
        log_path = Path(tmp) / "trace.mlog"
        write = best_of(2, lambda: trace.save(pq_path))
        read = best_of(2, lambda: load(pq_path))
        per_event = pq_path.stat().st_size / len(trace)
        log_write = best_of(1, lambda: trace.save(log_path))
        log_read = best_of(1, lambda: load(log_path))
        log_per_event = log_path.stat().st_size / len(trace)
    return [
        {
            "name": f"Parquet write, {label}",
            "value": write,
            "unit": "s",
            "target": "<= 3 s",
            "met": write <= 3.0,
        },
        {
            "name": f"Parquet read, {label}",
            "value": read,
            "unit": "s",
            "target": "<= 3 s",
            "met": read <= 3.0,
        },
        {
            "name": "Parquet size",
            "value": per_event,
            "unit": "B/event",
            "target": "<= 16 B/event",
            "met": per_event <= 16.0,
        },
        {"name": f".mlog write, {label}", "value": log_write, "unit": "s"},
        {"name": f".mlog read, {label}", "value": log_read, "unit": "s"},
        {"name": ".mlog size", "value": log_per_event, "unit": "B/event"},
    ]


if __name__ == "__main__":
    import sys

    for fig in run(quick="--quick" in sys.argv):
        print(fig)
