"""A big trace opened with ``ml.Canvas(trace)`` in a real JupyterLab, over its websocket.

Not part of `meshlab bench` (it needs JupyterLab and minutes); run it from the repository:

    .venv/bin/python bench/widget_lab.py            # 1M and 10M events
    .venv/bin/python bench/widget_lab.py 1000000    # sizes of your choice

For each size: a JupyterLab 4 on 127.0.0.1 (isolated config, no token, as the browser tests
start it, and otherwise its default limits: IOPub message and data rate limits, websocket
message sizes), a notebook whose one cell makes ``ml.Canvas(trace)`` (and a thread that notes
when its encoder is done) and shows it; the trace is built in the
kernel first, untimed. Reported: seconds from running the cell to the canvas's
``data-ready`` (the state at the playhead complete and drawn) and to ``data-loaded`` (every
chunk in), when the kernel had encoded and sent the last chunk (from its side), the chunks and
rows that arrived, and the tab's memory (JavaScript heap; the renderer's resident set). The
JupyterLab tab's own heap is part of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from widget_harness import ARGS, CHROMIUM, load, tab_memory  # noqa: E402 - after the path
from widget_stream import MARKS  # noqa: E402

from tests.browser.jupyter_page import KERNEL_EXEC, KERNEL_IDLE, put_notebook  # noqa: E402
from tests.browser.launch import jupyter_server  # noqa: E402


@contextlib.contextmanager
def jupyterlab(root: Path, cfg: Path) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 serving ``root``, its config under ``cfg``; yields its URL."""
    with jupyter_server(root, cfg, "lab", timeout=90) as url:
        yield url
    print(f"(server log: {cfg / 'server.log'})", file=sys.stderr)


CELL = (
    "import threading, time\n"
    "t0, encoded = time.perf_counter(), []\n"
    "c = ml.Canvas(trace)\n"
    "note = lambda: (c.wait(), encoded.append(time.perf_counter() - t0))\n"
    "threading.Thread(target=note).start()\n"
    "c"
)

BUILD = (
    "import meshlab as ml\n"
    "from meshlab.canvas.synthetic import synthetic_trace\n"
    "trace = synthetic_trace(actors=1000, nodes=8, messages=({n} - 1009) // 3, span=60.0, seed=1)\n"
    "print(trace.events.height)"
)


def measure(browser, url: str, root: Path, n_events: int, *, timeout: int = 900_000) -> dict:
    name = f"canvas-{n_events}.ipynb"
    # the canvas, and a thread that notes when the kernel has encoded and sent every chunk
    put_notebook(url, name, [CELL])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(MARKS)
    page.goto(f"{url}/lab/tree/{name}")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    rows = int(page.evaluate(KERNEL_EXEC, BUILD.format(n=n_events)).strip().splitlines()[-1])
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    start = page.evaluate(
        "() => { const t = performance.now();"
        " window.jupyterapp.commands.execute('notebook:run-all-cells'); return t; }"
    )
    page.wait_for_function("() => 'ready' in window.__marks", timeout=timeout)
    page.wait_for_function("() => 'loaded' in window.__marks", timeout=timeout)
    marks = page.evaluate("() => window.__marks")
    canvas = page.locator(".meshlab-canvas")
    got = int(canvas.get_attribute("data-rows"))
    memory = tab_memory(page)
    shot = root / f"lab-{n_events}.png"
    canvas.screenshot(path=str(shot))
    log = page.evaluate(KERNEL_EXEC, "c.wait(); print(len(c.chunks), c.rows, encoded[0])").split()
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    context.close()
    return {
        "events": rows,
        "rows_in_page": got,
        "chunks": int(log[0]) if log else None,
        "kernel_encoded_s": float(log[2]) if len(log) > 2 else None,
        "ready_s": (marks["ready"] - start) / 1000,
        "loaded_s": (marks["loaded"] - start) / 1000,
        **memory,
        "errors": errors,
        "screenshot": str(shot),
    }


def main(sizes: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        root, cfg = Path(tmp) / "root", Path(tmp) / "cfg"
        root.mkdir()
        keep = Path(os.environ.get("MESHLAB_BENCH_LAB_SHOTS", HERE.parent / "test-artifacts"))
        keep.mkdir(exist_ok=True)
        with jupyterlab(root, cfg) as url:
            for n in sizes:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    before = load()
                    r = measure(browser, url, root, n)
                finally:
                    browser.close()
                shot = Path(r["screenshot"])
                r["screenshot"] = str(keep / shot.name)
                shot.replace(r["screenshot"])
                r["load"] = f"{before} before, {load()} after"
                print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
