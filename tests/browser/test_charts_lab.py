"""Charts linked to a canvas draw in a real JupyterLab with no network, and follow the playhead."""

from .jupyter_page import kernel, put_notebook, run_all, wait_kernel

NOTEBOOK = "linked_chart.ipynb"
CELLS = [
    "import meshlab as ml\n"
    "trace = ml.scenarios.run('supervision-tree', seed=1)\n"
    "canvas = ml.Canvas(trace, time=2.0)\n"
    "canvas",
    "chart = ml.charts.lifecycle(trace, canvas=canvas)\nchart",
]


def test_a_linked_chart_draws_offline_and_follows_the_canvas(browser, jupyter, artifacts):
    put_notebook(jupyter, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        page.goto(f"{jupyter}/lab/tree/{NOTEBOOK}")
        run_all(page, timeout=90_000)
        page.wait_for_selector(".vega-embed canvas, .vega-embed svg", timeout=60_000)
        chart = page.locator(".vega-embed").first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, box
        chart.screenshot(path=str(artifacts / "lab-chart-lifecycle.png"))
        assert not [u for u in failed if "vega" in u], failed  # nothing fetched from a CDN
        kernel(page, "canvas.time = 6.5")
        wait_kernel(page, "print(chart.params.playhead)", "out === '6.5'")
    finally:
        page.close()
