"""Exports of a large trace: time, and memory beyond the trace itself.

A synthetic trace of ``N`` events (``bench/synthetic.py``) is saved as Parquet; each format is
exported in a fresh subprocess that loads the trace, notes its resident memory, exports while
a thread samples the resident memory every 5 ms, and reports the peak. The extra memory is
compared with the size of the loaded events frame: an export that streams stays well under
the trace's own size (the target: it never holds twice the trace, i.e. extra < 1x). The child
runs with jemalloc returning freed pages at once, so that memory the load freed (and kept)
cannot hide the export's allocations.
Perfetto's protobuf and the trace-event JSON are measured (the Mermaid and ShiViz exports
draw windows, and OTLP is bounded by the collector it feeds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import gc, json, os, sys, threading, time
import meshlab as ml
from meshlab.export import export, otel, perfetto_proto  # imports before the baseline
perfetto_proto._require()
PAGE = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE
trace = ml.load(sys.argv[1])
size = trace.events.estimated_size()
gc.collect()
before = rss()  # resident now, after loading (the load's own peak is not the export's)
peak, done = [before], threading.Event()
def sample():
    while not done.wait(0.005):
        peak[0] = max(peak[0], rss())
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
start = time.perf_counter()
export(trace, sys.argv[2], sys.argv[3])
took = time.perf_counter() - start
done.set()
sampler.join()
after = max(peak[0], rss())
print(json.dumps({"size": size, "before": before, "after": after, "seconds": took}))
"""


# polars' allocator (jemalloc) keeps freed pages for a while: what loading the trace freed
# would stay resident and hide the export's own allocations in the measured growth
_RETURN_FREED = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


def _measure(path: Path, fmt: str, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), fmt, str(out)],
        capture_output=True, text=True, check=True, timeout=3600,
        env={**os.environ, **_RETURN_FREED},
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["bytes"] = out.stat().st_size
    return result


def run(*, quick: bool) -> list[dict]:
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import synthetic_trace

    n = 200_000 if quick else int(os.environ.get("MESHLAB_BENCH_EXPORT_EVENTS", 10_000_000))
    figures = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        trace = synthetic_trace(n, seed=0)
        n = len(trace)
        path = trace.save(tmp / "big.parquet")
        del trace
        for fmt, suffix in (("perfetto", ".pftrace"), ("chrome-json", ".json")):
            m = _measure(path, fmt, tmp / f"out{suffix}")
            extra = max(0, m["after"] - m["before"]) / m["size"]
            figures.append(
                {
                    "name": f"export {fmt}: events per second",
                    "value": n / m["seconds"],
                    "unit": "events/s",
                    "note": f"{n:,} events in {m['seconds']:.1f} s, {m['bytes'] / n:.0f} B/event",
                }
            )
            figures.append(
                {
                    "name": f"export {fmt}: peak memory beyond the trace",
                    "value": extra,
                    "unit": "x trace",
                    "target": "< 1x (never twice the trace)",
                    "met": bool(extra < 1.0),
                    "note": f"trace frame {m['size'] / 1e6:,.0f} MB, RSS "
                    f"{m['before'] / 1e6:,.0f} MB before, peak {m['after'] / 1e6:,.0f} MB",
                }
            )
    return figures


if __name__ == "__main__":
    from meshlab.cli.bench import format_figure

    quick = "--quick" in sys.argv
    for fig in run(quick=quick):
        print(format_figure(fig), flush=True)
