"""Canvas benchmarks, measured in headless Chromium (Debian's /usr/bin/chromium).

- a scrub step with 10,000 actors: jump to a random time and draw, synchronously;
- frame time during playback with ~1,000 messages in flight;
- the flows view playing over a 1M-message trace: the trailing window's aggregation per frame;
- a scrub step of the space-time view with 100,000 actors;
- the tree view scrubbed with 100,000 actors (widget_tree.py).

The first frame of a 1M-event trace as a notebook receives it, and the 10M-event figures, are
widget_stream.py's. The Chromium harness is widget_harness.py's; its names are re-exported here
for the modules that import them from this one.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from tempfile import TemporaryDirectory

# beside this file: the bench loader puts bench/ on sys.path
from widget_harness import (  # noqa: F401 - re-exported for the modules that import them from here
    ARGS,
    CHROMIUM,
    PAGE,
    _mount,
    _p95,
    _prepare,
    _Quiet,
    _serve,
    _state,
    chromium,
    frame_figure,
    no_chromium,
)
from widget_tree import tree_figure

from meshlab.canvas.synthetic import synthetic_trace


def run(*, quick: bool) -> list[dict]:
    if no_chromium():
        return no_chromium()
    figures = []
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with chromium(folder) as (browser, url):
            # 1. scrub step with 10,000 actors
            n_actors = 2_000 if quick else 10_000
            crowd = synthetic_trace(
                actors=n_actors, nodes=16, messages=30_000, span=30.0, failures=20, seed=2
            )
            _prepare(folder, crowd)
            page, *_ = _mount(browser, url, _state(crowd))
            steps = page.evaluate(
                """() => {
              const v = window.mounted.view, s = v.store, out = [];
              let x = 12345;
              const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
              for (let i = 0; i < 300; i++) out.push(v.setTime(s.t0 + rnd() * (s.t1 - s.t0)));
              return out;
            }"""
            )
            lod = page.get_attribute(".meshlab-canvas", "data-lod")
            page.close()
            figures.append(
                frame_figure(
                    f"canvas: scrub step p95, {n_actors:,} actors",
                    steps,
                    f"median {statistics.median(steps):.1f} ms, drawn as {lod}",
                )
            )

            # 2. playback with ~1,000 messages in flight
            busy = synthetic_trace(
                actors=200, nodes=8, messages=100_000, span=10.0, latency=0.1, seed=3
            )
            _prepare(folder, busy)
            page, *_ = _mount(browser, url, _state(busy, time=2.0, speed=0.1, playing=True))
            page.evaluate("() => { window.mounted.view.frameTimes.length = 0; }")
            page.wait_for_function(
                "() => window.mounted.view.frameTimes.length >= 240", timeout=60_000
            )
            frames = page.evaluate("() => window.mounted.view.frameTimes.slice()")
            flying = int(page.get_attribute(".meshlab-canvas", "data-in-flight"))
            lod = page.get_attribute(".meshlab-canvas", "data-lod")
            page.close()
            figures.append(
                frame_figure(
                    f"canvas: playback frame p95, {flying:,} msgs in flight",
                    frames,
                    f"median {statistics.median(frames):.1f} ms over {len(frames)} "
                    f"frames, drawn as {lod}",
                )
            )

            # 3. the flows view playing over a 1M-message trace
            figures.append(flows_figure(browser, folder, url, quick=quick))

            # 4. the space-time view scrubbed with 100,000 actors
            figures.append(spacetime_figure(browser, folder, url, quick=quick))

            # 5. the tree view scrubbed with 100,000 actors
            figures.append(tree_figure(browser, folder, url, quick=quick))
    return figures


def flows_figure(browser, folder: Path, url: str, *, quick: bool) -> dict:
    """The flows view playing over a 1M-message trace (100k with quick): the trailing window's
    aggregation alone, as the view publishes it per frame (data-flow-ms), and the whole frame."""
    n_msgs = 100_000 if quick else 1_000_000
    chatty = synthetic_trace(
        actors=2_000, nodes=16, messages=n_msgs, span=100.0, latency=0.01, seed=4
    )
    _prepare(folder, chatty)
    page, *_ = _mount(
        browser, url, _state(chatty, time=20.0, speed=1.0, playing=True, view="flows")
    )
    # measure once every chunk is in (while they arrive, the playhead's window is recounted)
    page.wait_for_function(
        f"() => parseInt(document.querySelector('.meshlab-canvas').dataset.rows) "
        f">= {chatty.events.height}",
        timeout=120_000,
    )
    page.evaluate(
        """() => {
      const el = document.querySelector('.meshlab-canvas');
      window.flowMs = [];
      window.flowTouched = [];
      new MutationObserver(() => {
        window.flowMs.push(parseFloat(el.dataset.flowMs));
        window.flowTouched.push(parseInt(el.dataset.flowTouched));
      }).observe(el, { attributes: true, attributeFilter: ['data-frame'] });
      window.mounted.view.frameTimes.length = 0;
    }"""
    )
    page.wait_for_function("() => window.flowMs.length >= 240", timeout=120_000)
    agg = page.evaluate("() => window.flowMs.slice(1)")
    touched = page.evaluate("() => window.flowTouched.slice(1)")
    frames = page.evaluate("() => window.mounted.view.frameTimes.slice()")
    edges = int(page.get_attribute(".meshlab-canvas", "data-flows") or 0)
    page.close()
    return frame_figure(
        f"canvas: flows aggregation per frame p95, {n_msgs:,} messages",
        agg,
        f"median {statistics.median(agg):.2f} ms, {statistics.median(touched):.0f} "
        f"messages added or removed per frame (median) of {n_msgs // 20:,} in the window; "
        f"whole frame p95 {_p95(frames):.1f} ms (median {statistics.median(frames):.1f}) over "
        f"{len(frames)} frames, {edges} edges between 16 nodes, window 5 s",
    )


def spacetime_figure(browser, folder: Path, url: str, *, quick: bool) -> dict:
    """A scrub step of the space-time view with 100,000 actors on 200 nodes (20,000 with quick)
    and 300,000 messages over 30 s: jump to a random time and draw, synchronously. The view
    starts with every node's band closed; each frame queries the window's messages and handler
    slices from their time index, and bundles what is too many to draw one by one."""
    n_actors = 20_000 if quick else 100_000
    n_msgs = 60_000 if quick else 300_000
    crowd = synthetic_trace(
        actors=n_actors, nodes=200, messages=n_msgs, span=30.0, failures=20, seed=5
    )
    _prepare(folder, crowd)
    page, *_ = _mount(browser, url, _state(crowd, view="spacetime"))
    steps = page.evaluate(
        """() => {
      const v = window.mounted.view, s = v.store, out = [];
      let x = 54321;
      const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (let i = 0; i < 300; i++) out.push(v.setTime(s.t0 + rnd() * (s.t1 - s.t0)));
      return out;
    }"""
    )
    ds = page.evaluate("() => Object.assign({}, document.querySelector('.meshlab-canvas').dataset)")
    page.close()
    drawn = "bundled" if ds.get("stBundled") == "1" else "one by one"
    return frame_figure(
        f"canvas: space-time scrub step p95, {n_actors:,} actors",
        steps,
        f"median {statistics.median(steps):.1f} ms; {ds.get('stRows')} rows (closed node "
        f"bands); last frame: {int(ds.get('stMessages', 0)):,} messages in its window, {drawn}, "
        "none left out",
    )
