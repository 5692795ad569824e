"""Canvas benchmarks, measured in headless Chromium (Debian's /usr/bin/chromium).

- display to first frame for a 1M-event trace: the kernel-side encoding into Arrow chunks,
  plus, in the browser, fetching those chunks over loopback HTTP, decoding, indexing, folding
  and drawing the first frame (what a notebook does, minus Jupyter's websocket);
- a scrub step with 10,000 actors: jump to a random time and draw, synchronously;
- frame time during playback with ~1,000 messages in flight;
- the flows view playing over a 1M-message trace: the trailing window's aggregation per frame;
- a scrub step of the space-time view with 100,000 actors.
"""

from __future__ import annotations

import json
import shutil
import statistics
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

from widget_tree import tree_figure  # beside this file: the bench loader puts bench/ on sys.path

from meshlab.canvas.encode import ChunkEncoder
from meshlab.canvas.html import BUNDLE
from meshlab.canvas.synthetic import synthetic_trace

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PAGE = """<!doctype html><meta charset="utf-8"><body style="margin:0">
<div id="app" style="width:1200px"></div>
<script type="module">
window.mountFromServer = async (state) => {
  const mod = await import("./canvas.js");
  const t0 = performance.now();
  const headers = await (await fetch("./headers.json")).json();
  const chunks = await Promise.all(headers.map(async (h, i) => ({
    header: h, data: new Uint8Array(await (await fetch(`./chunk-${i}.bin`)).arrayBuffer()),
  })));
  const fetched = performance.now();
  const app = document.getElementById("app");
  const ready = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      const el = app.querySelector(".meshlab-canvas");
      if (el && el.dataset.ready === "1") { obs.disconnect(); resolve(performance.now()); }
    });
    obs.observe(app, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
  });
  window.mounted = mod.mountStandalone(app, { state, chunks });
  const t1 = await ready;
  return [t1 - t0, fetched - t0];
};
</script>"""


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _prepare(folder: Path, trace) -> float:
    """Write the page, the bundle and the trace's chunks; returns the encoding seconds."""
    start = time.perf_counter()
    chunks = ChunkEncoder().encode(trace.events)
    encode = time.perf_counter() - start
    for f in folder.glob("chunk-*.bin"):
        f.unlink()
    for i, c in enumerate(chunks):
        (folder / f"chunk-{i}.bin").write_bytes(c.data)
    (folder / "headers.json").write_text(json.dumps([c.header for c in chunks]))
    (folder / "index.html").write_text(PAGE)
    shutil.copy(BUNDLE, folder / "canvas.js")
    return encode


def _state(trace, **kw) -> dict:
    t = trace.events["t"]
    return {
        "time": float(t.min()),
        "speed": 1.0,
        "view": "topology",
        "meta": {"nodes": list(trace.meta.nodes), "source": "sim", "live": False},
        "height": 640,
    } | kw


def _mount(browser, url: str, state: dict):
    page = browser.new_page(viewport={"width": 1240, "height": 760})
    page.goto(f"{url}/index.html")
    ms, fetch_ms = page.evaluate("(s) => window.mountFromServer(s)", state)
    return page, ms, fetch_ms


def run(*, quick: bool) -> list[dict]:
    if not Path(CHROMIUM).exists():
        return [
            {
                "name": "canvas benchmarks",
                "value": 0,
                "unit": "",
                "note": "skipped: Chromium is not installed (apt-get install -y chromium)",
            }
        ]
    from playwright.sync_api import sync_playwright

    figures = []
    n_events = 100_000 if quick else 1_000_000
    with TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        server, url = _serve(folder)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # 1. display to first frame, 1M events
            big = synthetic_trace(
                actors=1000, nodes=8, messages=(n_events - 1009) // 3, span=60.0, seed=1
            )
            encode = _prepare(folder, big)
            page, ms, fetch_ms = _mount(browser, url, _state(big))
            rows = int(page.get_attribute(".meshlab-canvas", "data-rows"))
            page.close()
            total = encode + ms / 1000
            figures.append(
                {
                    "name": f"canvas: display to first frame, {rows / 1e6:.1f}M events",
                    "value": total,
                    "unit": "s",
                    "target": "<= 2 s",
                    "met": total <= 2.0 if not quick else None,
                    "note": f"encode {encode:.2f} s + fetch {fetch_ms / 1000:.2f} s + "
                    f"decode/index/fold/draw {(ms - fetch_ms) / 1000:.2f} s",
                }
            )

            # 2. scrub step with 10,000 actors
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
            p95 = _p95(steps)
            figures.append(
                {
                    "name": f"canvas: scrub step p95, {n_actors:,} actors",
                    "value": p95,
                    "unit": "ms",
                    "target": "<= 16 ms",
                    "met": p95 <= 16.0,
                    "note": f"median {statistics.median(steps):.1f} ms, drawn as {lod}",
                }
            )

            # 3. playback with ~1,000 messages in flight
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
            p95 = _p95(frames)
            figures.append(
                {
                    "name": f"canvas: playback frame p95, {flying:,} msgs in flight",
                    "value": p95,
                    "unit": "ms",
                    "target": "<= 16 ms",
                    "met": p95 <= 16.0,
                    "note": f"median {statistics.median(frames):.1f} ms over {len(frames)} "
                    f"frames, drawn as {lod}",
                }
            )

            # 4. the flows view playing over a 1M-message trace
            figures.append(flows_figure(browser, folder, url, quick=quick))

            # 5. the space-time view scrubbed with 100,000 actors
            figures.append(spacetime_figure(browser, folder, url, quick=quick))

            # 6. the tree view scrubbed with 100,000 actors
            figures.append(
                tree_figure(
                    browser, folder, url, quick=quick, prepare=_prepare, mount=_mount, p95=_p95
                )
            )
        finally:
            browser.close()
            server.shutdown()
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
    p95 = _p95(agg)
    return {
        "name": f"canvas: flows aggregation per frame p95, {n_msgs:,} messages",
        "value": p95,
        "unit": "ms",
        "target": "<= 16 ms",
        "met": p95 <= 16.0,
        "note": f"median {statistics.median(agg):.2f} ms, {statistics.median(touched):.0f} "
        f"messages added or removed per frame (median) of {n_msgs // 20:,} in the window; "
        f"whole frame p95 {_p95(frames):.1f} ms (median {statistics.median(frames):.1f}) over "
        f"{len(frames)} frames, {edges} edges between 16 nodes, window 5 s",
    }


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
    p95 = _p95(steps)
    drawn = "bundled" if ds.get("stBundled") == "1" else "one by one"
    return {
        "name": f"canvas: space-time scrub step p95, {n_actors:,} actors",
        "value": p95,
        "unit": "ms",
        "target": "<= 16 ms",
        "met": p95 <= 16.0,
        "note": f"median {statistics.median(steps):.1f} ms; {ds.get('stRows')} rows (closed node "
        f"bands); last frame: {int(ds.get('stMessages', 0)):,} messages in its window, {drawn}, "
        "none left out",
    }
