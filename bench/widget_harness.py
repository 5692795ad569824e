"""The Chromium harness the canvas benchmarks share (widget.py re-exports it, so
``from widget import _mount, ...`` keeps working).

A benchmark writes the page, the bundle and a trace's chunks into a folder served on loopback
(``_prepare``, ``_serve``), opens a page and mounts the standalone canvas on the chunks
(``_mount``): the page fetches every chunk, hands them to the in-page model, and reports the
milliseconds to the first frame (``data-ready``); ``_mount`` returns once every chunk is in
(``data-loaded``), so a scrub or playback measured next runs over the whole trace.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from meshlab.canvas.encode import ChunkEncoder
from meshlab.canvas.html import BUNDLE

# The browser tests' launch flags, so a figure is measured in the browser the tests check
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.launch import CHROMIUM_ARGS as ARGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

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


def frame_figure(name: str, times: list[float], note: str) -> dict:
    """The figure of an interaction timed per step or frame: the p95 of ``times`` (ms) against
    one frame at 60 Hz, the target every scrub and playback figure shares."""
    p95 = _p95(times)
    return {
        "name": name,
        "value": p95,
        "unit": "ms",
        "target": "<= 16 ms",
        "met": p95 <= 16.0,
        "note": note,
    }


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


def _mount(browser, url: str, state: dict, *, timeout: int = 300_000):
    """Open the page and mount the canvas; (page, ms to the first frame, ms fetching)."""
    page = browser.new_page(viewport={"width": 1240, "height": 760})
    page.goto(f"{url}/index.html")
    ms, fetch_ms = page.evaluate("(s) => window.mountFromServer(s)", state)
    page.wait_for_selector(".meshlab-canvas[data-loaded='1']", state="attached", timeout=timeout)
    return page, ms, fetch_ms


@contextlib.contextmanager
def chromium(folder: Path) -> Iterator[tuple[object, str]]:
    """A headless Chromium and a loopback server of ``folder``: (browser, url)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        server, url = _serve(folder)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser, url
        finally:
            browser.close()
            server.shutdown()


def no_chromium() -> list[dict]:
    """The one figure a run without a browser reports (empty once a browser is there)."""
    if Path(CHROMIUM).exists():
        return []
    return [
        {
            "name": "canvas benchmarks",
            "value": 0,
            "unit": "",
            "note": "skipped: Chromium is not installed (apt-get install -y chromium)",
        }
    ]


def tab_memory(page) -> dict[str, float]:
    """The tab's memory in MB: the JavaScript heap in use (CDP Performance.getMetrics) and,
    where the browser says which process renders the page, that renderer's resident set."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    finally:
        cdp.detach()
    out = {"heap_mb": metrics.get("JSHeapUsedSize", 0.0) / 2**20}
    rss = _renderer_rss_mb(page)
    if rss is not None:
        out["renderer_rss_mb"] = rss
    return out


def _renderer_rss_mb(page) -> float | None:
    """The largest resident set among the browser's renderer processes (the page under test
    is the only one drawing), read from /proc; None where the browser does not list them."""
    try:
        cdp = page.context.browser.new_browser_cdp_session()
        info = cdp.send("SystemInfo.getProcessInfo")
        cdp.detach()
    except Exception:  # an older browser or another platform: no figure
        return None
    best = None
    for proc in info.get("processInfo", []):
        if proc.get("type") != "renderer":
            continue
        try:
            status = Path(f"/proc/{int(proc['id'])}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                mb = int(line.split()[1]) / 1024
                best = mb if best is None else max(best, mb)
    return best


def load() -> str:
    """The machine's load averages, for the note of a figure measured on shared cores."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"
