"""The flows and table views and the partition sides in a real JupyterLab, driven from the kernel
and from the page: the view trait switches them, a click on a table row reaches the kernel's
`selected`, and the topology shows the partition's sides at the kernel's time."""

from .jupyter_page import kernel, put_notebook, run_all, wait_kernel

NOTEBOOK = "flows_views.ipynb"
CELLS = [
    "import meshlab as ml\n"
    "trace = ml.scenarios.run('partition', seed=1)\n"
    "canvas = ml.Canvas(trace, time=3.5, view='flows', height=560)\n"
    "canvas",
]
CANVAS = ".meshlab-canvas"


def _attr(page, name: str, js_test: str) -> None:
    page.wait_for_function(
        f"() => {{ const v = document.querySelector('{CANVAS}').dataset['{name}']; "
        f"return v !== undefined && ({js_test}); }}",
        timeout=30_000,
    )


def test_flows_table_and_sides_in_jupyterlab(browser, jupyter, artifacts):
    put_notebook(jupyter, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{jupyter}/lab/tree/{NOTEBOOK}")
        run_all(page, timeout=90_000)
        page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=90_000)
        page.locator(CANVAS).scroll_into_view_if_needed()
        # the writer's messages to the far side are on the picture, across a cut link
        _attr(page, "flowEdges", "v.includes('writer>replica@n2')")
        page.locator(CANVAS).screenshot(path=str(artifacts / "lab-flows-partition.png"))

        # the kernel switches to the table; a click on a row selects that actor in the kernel
        kernel(page, "canvas.view = 'table'")
        page.wait_for_selector(f"{CANVAS} .ml-table[data-ready='1']", timeout=30_000)
        assert page.get_attribute(f"{CANVAS} .ml-table", "data-rows") == "15"
        page.fill(f"{CANVAS} .ml-table-search", "writer")
        page.wait_for_function(
            f"document.querySelector('{CANVAS} .ml-table').dataset.rows === '1'", timeout=30_000
        )
        page.click(f"{CANVAS} .ml-table-row >> nth=0")
        wait_kernel(page, "print(canvas.selected)", "out === 'writer'")
        page.locator(CANVAS).screenshot(path=str(artifacts / "lab-table.png"))

        # back to the topology: the two sides of the cut, and the writer's drops per link
        kernel(page, "canvas.view = 'topology'")
        _attr(page, "sides", "v === 'n0,n1|n2,n3,n4'")
        _attr(page, "dropBadges", "v.includes('n0>n2:')")
        page.locator(CANVAS).screenshot(path=str(artifacts / "lab-partition-sides.png"))
        assert not errors, errors
    finally:
        page.close()
