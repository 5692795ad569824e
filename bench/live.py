"""Live benchmarks: a `meshlab serve` subprocess on loopback streaming into a client's frame.

- throughput: the server replays a trace as fast as it can (at the largest speed a node
  accepts, ``MAX_SPEED``: a trace of 11,000 events per virtual second is released far faster
  than it can be sent); events per second
  from the client's hello to the last event in its frame, with the frame checked equal to
  the trace (no loss, no duplicate);
- latency: the same trace paced to 50,000 events/s; for each event, the wall time it landed
  in the frame minus the wall time the server's clock released it (from the clock mapping in
  the hello), p50 / p99 over the events released after the client attached.

The client records to disk as it does by default, so the figures include the recording.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

import meshlab as ml
from meshlab.live import serve_subprocess
from meshlab.live.protocol import MAX_SPEED

TARGET_RATE = 50_000


def _trace(events: int):
    # ping-pong makes ~11,000 events per virtual second
    until = max(1.0, events / 10_900)
    return ml.scenarios.run("ping-pong", seed=0, until=until)


def _stream(path: Path, *, speed: float, n: int, tmp: Path):
    arrivals: list[tuple[float, int]] = []
    with serve_subprocess(trace=path, speed=speed, heartbeat=0.5) as srv:
        attached = time.time()  # before the handshake, so that it counts in the throughput
        live = ml.connect(srv.url, record=tmp / f"bench-{speed:g}.mlog")
        live.add_listener(lambda: arrivals.append((time.time(), live.head)))
        live.wait_for(lambda lv: lv.head >= n, timeout=120)
        hello = live.connections[0].hello
        frame = live.trace().events
        live.close()
    return attached, arrivals, hello, frame


def run(*, quick: bool) -> list[dict]:
    n_events = 60_000 if quick else 400_000
    trace = _trace(n_events)
    n = len(trace)
    figures = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = trace.save(tmp / "pingpong.parquet")

        attached, arrivals, _, frame = _stream(path, speed=MAX_SPEED, n=n, tmp=tmp)
        lossless = frame.equals(trace.events)
        rate = n / (arrivals[-1][0] - attached)
        figures.append(
            {
                "name": "live throughput, loopback server -> client frame",
                "value": rate,
                "unit": "events/s",
                "target": ">= 50,000 events/s, no loss",
                "met": bool(rate >= TARGET_RATE and lossless),
                "note": f"{n:,} events, frame equals trace: {lossless}",
            }
        )

        per_virtual_second = n / float(trace.events["t"].max())
        speed = TARGET_RATE / per_virtual_second
        attached, arrivals, hello, frame = _stream(path, speed=speed, n=n, tmp=tmp)
        clock = hello["clock"]
        t = frame["t"].to_numpy()
        released = clock["wall"] + (t - clock["now"]) / clock["speed"]
        landed = np.empty(n)
        start = 0
        for wall, head in arrivals:
            landed[start:head] = wall
            start = head
        after = released > attached  # events released after the client attached
        latency = (landed - released)[after]
        p50, p99 = np.percentile(latency, [50, 99])
        figures.append(
            {
                "name": "live latency emission -> frame, p99 at 50k/s",
                "value": p99,
                "unit": "s",
                "target": "<= 1 s",
                "met": bool(p99 <= 1.0 and frame.equals(trace.events)),
                "note": f"p50 {p50 * 1000:.0f} ms over {int(after.sum()):,} events",
            }
        )
    return figures
