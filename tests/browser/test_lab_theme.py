"""The canvas follows JupyterLab's theme: switched to JupyterLab Dark, it redraws dark; back to
Light, it is light again. Nothing in the notebook is re-run."""

from __future__ import annotations

from .jupyter_page import KERNEL_IDLE, PIXELS

CANVAS = ".meshlab-canvas"
DARK_NODE = (0x1C, 0x27, 0x33)  # a node that is up, on the dark palette
LIGHT_NODE = (0xEE, 0xF4, 0xFB)


def _theme(page, name: str, want: str) -> None:
    page.evaluate(
        "(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})",
        name,
    )
    page.wait_for_function(
        f"document.querySelector('{CANVAS}').dataset.theme === {want!r}", timeout=30_000
    )
    page.wait_for_timeout(300)  # the next animation frame has drawn


def test_canvas_follows_jupyterlab_dark_theme(browser, jupyter, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{jupyter}/lab/tree/canvas_supervision.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=90_000)
    page.locator(CANVAS).scroll_into_view_if_needed()
    assert page.get_attribute(CANVAS, "data-theme") == "light"
    colours = {"dark": DARK_NODE, "light": LIGHT_NODE}
    _theme(page, "JupyterLab Dark", "dark")
    dark = page.evaluate(PIXELS, colours)
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-theme-dark.png"))
    assert dark["dark"] > 20_000 and dark["light"] < 100, dark
    _theme(page, "JupyterLab Light", "light")
    light = page.evaluate(PIXELS, colours)
    assert light["light"] > 20_000 and light["dark"] < 100, light
    page.close()
