"""The canvas in a real Jupyter Notebook 7, driven through Chromium.

Notebook 7 is built on JupyterLab components: with ``expose_app_in_browser`` its application is
``window.jupyterapp`` too, its shell's current widget is the open notebook panel, and the
notebook commands (``notebook:run-all-cells``) are the same as in JupyterLab.
"""

from __future__ import annotations

import json
import urllib.request

import nbformat
import pytest

CANVAS = ".meshlab-canvas"
NOTEBOOK = "nb7_canvas.ipynb"

CELLS = [
    "import meshlab as ml\n"
    "trace = ml.scenarios.run('node-failure', seed=1)\n"
    "canvas = ml.Canvas(trace, height=440)",
    "canvas",
]

# Runs Python in the notebook's kernel and resolves with what it printed (or the error).
KERNEL_EXEC = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    const c = msg.content;
    if (msg.header.msg_type === "error") out += "ERROR " + c.ename + ": " + c.evalue;
  };
  await future.done;
  return out;
}"""

PIXELS = """(colors) => {
  const c = document.querySelector('.meshlab-canvas canvas.ml-main');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = {};
  for (const k of Object.keys(colors)) out[k] = 0;
  for (let i = 0; i < d.length; i += 4) {
    for (const [k, [r, g, b]] of Object.entries(colors)) {
      if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 24) out[k]++;
    }
  }
  return out;
}"""


def put_notebook(server: str, name: str, cells: list[str]) -> None:
    """Save a notebook into the server's root through its contents API."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    req = urllib.request.Request(
        f"{server}/api/contents/{name}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 201), r.status


@pytest.fixture(scope="module")
def nb7_page(browser, notebook7, artifacts):
    put_notebook(notebook7, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Notebook 7 opens a notebook on its own page, /notebooks/<path>, and starts its kernel
    page.goto(f"{notebook7}/notebooks/{NOTEBOOK}")
    page.wait_for_function(
        """() => {
      const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
      const s = w && w.sessionContext && w.sessionContext.session;
      const k = s && s.kernel;
      return k && k.status === 'idle';
    }""",
        timeout=60_000,
    )
    # this is Notebook 7, not JupyterLab
    assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=60_000)
    page.locator(CANVAS).scroll_into_view_if_needed()
    yield page
    assert not [e for e in errors if "meshlab" in e.lower()], errors
    page.close()


def test_canvas_draws_in_notebook7(nb7_page, artifacts):
    page = nb7_page
    counts = page.evaluate(PIXELS, {"node_up": (0xEE, 0xF4, 0xFB), "idle": (0x6C, 0xC0, 0x8B)})
    page.locator(CANVAS).screenshot(path=str(artifacts / "nb7-01-start.png"))
    assert counts["node_up"] > 20_000, counts  # four node regions
    assert counts["idle"] > 300, counts  # the worker, supervisor and dispatcher glyphs
    rows = int(page.get_attribute(CANVAS, "data-rows"))
    want = page.evaluate(KERNEL_EXEC, "print(len(trace))")
    assert rows == int(want), (rows, want)


def test_kernel_sets_time_and_playhead_moves_in_notebook7(nb7_page, artifacts):
    page = nb7_page
    playhead = f"{CANVAS} .ml-playhead"
    before = page.eval_on_selector(playhead, "e => e.getBoundingClientRect().left")
    out = page.evaluate(KERNEL_EXEC, "canvas.time = 4.0\nprint(canvas.time)")
    assert out.strip() == "4.0", out
    page.wait_for_function(f"parseFloat(document.querySelector('{CANVAS}').dataset.time) === 4")
    after = page.eval_on_selector(playhead, "e => e.getBoundingClientRect().left")
    # at t=4 the victim node of node-failure (down from t=3 to t=6) is drawn as down
    dark = page.evaluate(PIXELS, {"down": (0x3A, 0x3D, 0x42)})["down"]
    page.screenshot(path=str(artifacts / "nb7-02-kernel-time.png"))
    assert after > before + 20, (before, after)
    assert dark > 5_000, dark
