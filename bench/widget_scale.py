"""Canvas benchmarks at scale, for `meshlab bench widget` (on the Chromium harness of
widget_harness.py):

- a scrub step of the topology view with 100,000 actors on 200 nodes (20,000 with quick):
  jump to a random time and draw, synchronously;
- frame time during playback with about 5,000 messages in flight (drawn as flows between
  nodes, the picture above 400)."""

from __future__ import annotations

import statistics
from pathlib import Path
from tempfile import TemporaryDirectory

from widget_harness import (  # beside this file
    _mount,
    _prepare,
    _state,
    chromium,
    frame_figure,
    no_chromium,
)

from meshlab.canvas.synthetic import synthetic_trace

SCRUB = """() => {
  const v = window.mounted.view, s = v.store, out = [];
  let x = 13579;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 300; i++) out.push(v.setTime(s.t0 + rnd() * (s.t1 - s.t0)));
  return out;
}"""


def run(*, quick: bool) -> list[dict]:
    if no_chromium():
        return []  # widget.py says why
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with chromium(folder) as (browser, url):
            return [
                topology_figure(browser, folder, url, quick=quick),
                playback_figure(browser, folder, url, quick=quick),
            ]


def topology_figure(browser, folder, url: str, *, quick: bool) -> dict:
    n_actors = 20_000 if quick else 100_000
    crowd = synthetic_trace(
        actors=n_actors, nodes=200, messages=30_000, span=30.0, failures=20, seed=2
    )
    _prepare(folder, crowd)
    page, *_ = _mount(browser, url, _state(crowd))
    steps = page.evaluate(SCRUB)
    lod = page.get_attribute(".meshlab-canvas", "data-lod")
    page.close()
    return frame_figure(
        f"canvas: topology scrub step p95, {n_actors:,} actors on 200 nodes",
        steps,
        f"median {statistics.median(steps):.1f} ms over {len(steps)} steps, drawn as {lod}",
    )


def playback_figure(browser, folder, url: str, *, quick: bool) -> dict:
    # 10,000 sends a second, each in flight about 0.5 s: about 5,000 at once
    n_msgs = 20_000 if quick else 100_000
    busy = synthetic_trace(
        actors=2_000, nodes=16, messages=n_msgs, span=n_msgs / 10_000, latency=0.5, seed=7
    )
    _prepare(folder, busy)
    mid = float(busy.events["t"].min()) + n_msgs / 20_000
    page, *_ = _mount(browser, url, _state(busy, time=mid, speed=0.05, playing=True))
    page.evaluate("() => { window.mounted.view.frameTimes.length = 0; }")
    page.wait_for_function("() => window.mounted.view.frameTimes.length >= 240", timeout=120_000)
    frames = page.evaluate("() => window.mounted.view.frameTimes.slice()")
    flying = int(page.get_attribute(".meshlab-canvas", "data-in-flight"))
    lod = page.get_attribute(".meshlab-canvas", "data-lod")
    page.close()
    return frame_figure(
        f"canvas: playback frame p95, {flying:,} msgs in flight",
        frames,
        f"median {statistics.median(frames):.1f} ms over {len(frames)} frames, drawn as {lod}",
    )
