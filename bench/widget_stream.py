"""First frame and full load of a big trace, the way a notebook receives it, for
`meshlab bench widget`.

A loopback server plays the kernel: the page asks it to open a canvas, the server builds a real
``meshlab.Canvas`` (whose encoder thread sends each chunk as it is done) and answers the page's
sync, and the page fetches the chunks one by one, in order, while the kernel is still encoding,
handing each to the in-page model as it lands (as anywidget hands it a comm message; the page
keeps no copy of the bytes). The clock starts when the page asks for the canvas, so the figure
includes the kernel's own work (building the canvas, encoding the chunks up to the playhead).

Reported for a 1M-event trace: the first frame with the playhead at the start, the time until
every chunk is in, and the first frame with the playhead at the end (which needs every chunk,
so nobody reads the first figure as the cost of any playhead).

With ``MESHLAB_BENCH_WIDGET_BIG_EVENTS`` set (say to 10000000), also a trace of that size, in
this notebook path and as an HTML replay (``Canvas.save_html``) opened from the file: first
frame, full load and the tab's memory (JavaScript heap and the renderer's resident set). They
take minutes and several GB, so `meshlab bench all` leaves them out unless asked.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import parse_qs, urlparse

from widget_harness import ARGS, CHROMIUM, _Quiet, load, no_chromium, tab_memory  # beside this

import meshlab as ml
from meshlab.canvas.html import BUNDLE
from meshlab.canvas.synthetic import synthetic_trace

BIG = int(os.environ.get("MESHLAB_BENCH_WIDGET_BIG_EVENTS", 0))

# Records when the canvas first says data-ready and data-loaded, on the page's clock (its
# navigation start): set before any page script runs.
MARKS = """
const marks = (window.__marks = {});
// the document parsed (a replay's script runs only then): its share of a replay's first frame
document.addEventListener("readystatechange", () => {
  if (document.readyState === "interactive") marks.parsed = performance.now();
});
new MutationObserver((recs) => {
  for (const r of recs) {
    const d = r.target.dataset;
    if (!d) continue;
    if (d.ready === "1" && !("ready" in marks)) marks.ready = performance.now();
    if (d.loaded === "1" && !("loaded" in marks)) marks.loaded = performance.now();
  }
}).observe(document, {
  subtree: true, attributes: true, attributeFilter: ["data-ready", "data-loaded"],
});
"""

PAGE = """<!doctype html><meta charset="utf-8"><body style="margin:0">
<div id="app" style="width:1200px"></div>
<script type="module">
const mod = await import("./canvas.js");
// One chunk from the kernel: a 4-byte header length, the header (JSON), the Arrow bytes.
async function chunk(i) {
  const r = await fetch(`./chunk/${i}`);
  if (r.status === 204) return null;
  const buf = new Uint8Array(await r.arrayBuffer());
  const n = new DataView(buf.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
  return { header, data: buf.subarray(4 + n) };
}
window.openCanvas = async (at) => {
  const start = performance.now();
  const state = await (await fetch(`./open?at=${at}`)).json();
  const opened = performance.now() - start;
  const { model } = mod.mountStandalone(document.getElementById("app"), { state, chunks: [] });
  window.mountedModel = model;
  // the next chunk is asked for while this one is read, as a websocket would keep delivering
  let next = chunk(0);
  for (let i = 1; ; i++) {
    const c = await next;
    if (!c) break;
    next = chunk(i);
    model.push(c);
    c.data = new Uint8Array(0); // the store copied what it keeps: the page holds no second copy
  }
  return { start, opened };
};
</script>"""


class Kernel:
    """The server side of the stream: one canvas at a time, its chunks as they are sent."""

    def __init__(self, trace) -> None:
        self.trace = trace
        self.cond = threading.Condition()
        self.sent: list[tuple[dict, bytes]] = []
        self.done = False
        self.canvas: ml.Canvas | None = None
        self.build_s = 0.0

    def open(self, at: str) -> dict:
        with self.cond:
            self.sent, self.done = [], False
        t = self.trace.events["t"]
        start = time.perf_counter()
        canvas = ml.Canvas(self.trace, time=float(t.max() if at == "end" else t.min()))
        self.build_s = time.perf_counter() - start
        canvas.send = self._send  # the comm: each chunk goes to the page as it is sent
        self.canvas = canvas
        canvas._on_msg(canvas, {"type": "sync", "have": 0}, [])  # the page's first sync
        threading.Thread(target=self._finish, args=(canvas,), daemon=True).start()
        return canvas._state() | {"playing": False}

    def _send(self, content, buffers=None) -> None:
        with self.cond:
            self.sent.append((dict(content), bytes(buffers[0]) if buffers else b""))
            self.cond.notify_all()

    def _finish(self, canvas) -> None:
        canvas.wait()
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def chunk(self, i: int) -> bytes | None:
        with self.cond:
            self.cond.wait_for(lambda: len(self.sent) > i or self.done)
            if i >= len(self.sent):
                return None
            header, data = self.sent[i]
        head = json.dumps(header).encode()
        return struct.pack("<I", len(head)) + head + data


class _Handler(_Quiet):
    kernel: Kernel

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/open":
            at = parse_qs(url.query).get("at", ["start"])[0]
            return self._reply(json.dumps(self.kernel.open(at)).encode(), "application/json")
        if url.path.startswith("/chunk/"):
            body = self.kernel.chunk(int(url.path.rsplit("/", 1)[1]))
            if body is None:
                self.send_response(204)
                self.end_headers()
                return None
            return self._reply(body, "application/octet-stream")
        return super().do_GET()

    def _reply(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _trace(n_events: int):
    return synthetic_trace(actors=1000, nodes=8, messages=(n_events - 1009) // 3, span=60.0, seed=1)


def stream(browser, folder: Path, trace, at: str, *, timeout: int = 600_000) -> dict:
    """Open a canvas of ``trace`` through the streaming kernel; times (ms) and memory."""
    kernel = Kernel(trace)
    handler = type("Handler", (_Handler,), {"kernel": kernel})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page(viewport={"width": 1240, "height": 760})
        page.add_init_script(MARKS)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        page.wait_for_function("() => typeof window.openCanvas === 'function'")
        started = page.evaluate("(at) => window.openCanvas(at)", at)
        page.wait_for_function("() => 'loaded' in window.__marks", timeout=timeout)
        marks = page.evaluate("() => window.__marks")
        rows = int(page.get_attribute(".meshlab-canvas", "data-rows"))
        memory = tab_memory(page)
        page.close()
    finally:
        server.shutdown()
        if kernel.canvas is not None:
            kernel.canvas.close()
    return {
        "ready": marks["ready"] - started["start"],
        "loaded": marks["loaded"] - started["start"],
        "opened": started["opened"],
        "build": kernel.build_s * 1000,
        "chunks": len(kernel.sent),
        "rows": rows,
        **memory,
    }


def _mem_note(r: dict) -> str:
    rss = f", renderer RSS {r['renderer_rss_mb']:,.0f} MB" if "renderer_rss_mb" in r else ""
    return f"JS heap {r['heap_mb']:,.0f} MB{rss}"


def notebook_figures(browser, folder: Path, n_events: int, *, quick: bool) -> list[dict]:
    trace = _trace(n_events)
    n = trace.events.height
    label = f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"
    small = n <= 1_500_000
    limit = 1.0 if small else 5.0
    start = stream(browser, folder, trace, "start")
    end = stream(browser, folder, trace, "end")
    note = (
        f"{start['chunks']} chunks; canvas built in {start['build']:.0f} ms, state at the page "
        f"after {start['opened']:.0f} ms; {load()}"
    )
    mem = ""
    if not small:
        mem = f"; {_mem_note(start)}"
    figs = [
        {
            "name": f"canvas (notebook path): first frame, {label} events, playhead at start",
            "value": start["ready"] / 1000,
            "unit": "s",
            "target": f"<= {limit:g} s",
            "met": start["ready"] / 1000 <= limit if not quick else None,
            "note": note + mem,
        },
        {
            "name": f"canvas (notebook path): every chunk in, {label} events",
            "value": start["loaded"] / 1000,
            "unit": "s",
            "note": f"{start['rows']:,} rows in the store" + mem,
        },
        {
            "name": f"canvas (notebook path): first frame, {label} events, playhead at end",
            "value": end["ready"] / 1000,
            "unit": "s",
            "note": "needs every chunk: the state at the end is complete only then; "
            f"all in at {end['loaded'] / 1000:.2f} s; {load()}",
        },
    ]
    if not small:
        heap = start["heap_mb"]
        rss = start.get("renderer_rss_mb")
        figs.append(
            {
                "name": f"canvas (notebook path): tab memory, {label} events",
                "value": (rss if rss is not None else heap) / 1024,
                "unit": "GB",
                "target": "< 2 GB",
                "met": (rss if rss is not None else heap) < 2048 if not quick else None,
                "note": _mem_note(start) + " (renderer RSS when known, else the JS heap)",
            }
        )
    return figs


def replay_figures(browser, folder: Path, n_events: int, *, quick: bool) -> list[dict]:
    """The HTML replay of the same trace, opened from its file."""
    trace = _trace(n_events)
    n = trace.events.height
    label = f"{n / 1e6:.0f}M"
    canvas = ml.Canvas(trace)
    start = time.perf_counter()
    path = canvas.save_html(folder / "replay.html")
    save_s = time.perf_counter() - start
    canvas.close()
    del trace
    page = browser.new_page(viewport={"width": 1240, "height": 760}, bypass_csp=True)
    page.add_init_script(MARKS)
    page.goto(path.as_uri(), timeout=600_000)
    page.wait_for_function("() => 'loaded' in window.__marks", timeout=600_000)
    marks = page.evaluate("() => window.__marks")
    mem = tab_memory(page)
    page.close()
    size = path.stat().st_size / 1e6
    path.unlink()
    used = mem.get("renderer_rss_mb", mem["heap_mb"])
    return [
        {
            "name": f"canvas (HTML replay): first frame, {label} events",
            "value": marks["ready"] / 1000,
            "unit": "s",
            "target": "<= 5 s",
            "met": marks["ready"] / 1000 <= 5.0 if not quick else None,
            "note": f"from navigation start, of which parsing the file "
            f"{marks.get('parsed', float('nan')) / 1000:.1f} s; every chunk in at "
            f"{marks['loaded'] / 1000:.1f} s "
            f"(target <= 10 s to open and draw); file {size:,.0f} MB written in {save_s:.1f} s; "
            f"{load()}",
        },
        {
            "name": f"canvas (HTML replay): every chunk in, {label} events",
            "value": marks["loaded"] / 1000,
            "unit": "s",
            "target": "<= 10 s",
            "met": marks["loaded"] / 1000 <= 10.0 if not quick else None,
            "note": load(),
        },
        {
            "name": f"canvas (HTML replay): tab memory, {label} events",
            "value": used / 1024,
            "unit": "GB",
            "target": "< 2 GB",
            "met": used < 2048 if not quick else None,
            "note": _mem_note(mem),
        },
    ]


def run(*, quick: bool) -> list[dict]:
    if no_chromium():
        return []  # widget.py says why
    from playwright.sync_api import sync_playwright

    figures = []
    with TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        (folder / "index.html").write_text(PAGE)
        shutil.copy(BUNDLE, folder / "canvas.js")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            figures += notebook_figures(
                browser, folder, 100_000 if quick else 1_000_000, quick=quick
            )
        finally:
            browser.close()
        if BIG and not quick:
            # a fresh browser for each: the first run's heap must not count in the second
            for figs in (notebook_figures, replay_figures):
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    figures += figs(browser, folder, BIG, quick=quick)
                finally:
                    browser.close()
        elif not quick:
            figures.append(
                {
                    "name": "canvas: 10M-event notebook path and HTML replay",
                    "value": 0,
                    "unit": "",
                    "note": "skipped: set MESHLAB_BENCH_WIDGET_BIG_EVENTS=10000000 to run "
                    "(minutes, several GB)",
                }
            )
    return figures
