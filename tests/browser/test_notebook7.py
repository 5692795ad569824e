"""The canvas in a real Jupyter Notebook 7, driven through Chromium.

Notebook 7 is built on JupyterLab components: with ``expose_app_in_browser`` its application is
``window.jupyterapp`` too, its shell's current widget is the open notebook panel, and the
notebook commands (``notebook:run-all-cells``) are the same as in JupyterLab.
"""

from __future__ import annotations

import pytest

from .jupyter_page import KERNEL_EXEC, PIXELS, put_notebook, run_all

CANVAS = ".meshlab-canvas"
NOTEBOOK = "nb7_canvas.ipynb"

CELLS = [
    "import meshlab as ml\n"
    "trace = ml.scenarios.run('node-failure', seed=1)\n"
    "canvas = ml.Canvas(trace, height=440)",
    "canvas",
]


@pytest.fixture(scope="module")
def nb7_page(browser, notebook7, artifacts):
    put_notebook(notebook7, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Notebook 7 opens a notebook on its own page, /notebooks/<path>, and starts its kernel
    page.goto(f"{notebook7}/notebooks/{NOTEBOOK}")
    run_all(page)
    # this is Notebook 7, not JupyterLab
    assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=60_000)
    page.locator(CANVAS).scroll_into_view_if_needed()
    yield page
    assert not [e for e in errors if "meshlab" in e.lower()], errors
    page.close()


def test_canvas_draws_in_notebook7(nb7_page, artifacts):
    page = nb7_page
    counts = page.evaluate(PIXELS, {"node_up": (0xEE, 0xF4, 0xFB), "idle": (0x40, 0x9E, 0x6B)})
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
