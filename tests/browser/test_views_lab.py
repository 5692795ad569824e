"""The tree and space-time views in a real JupyterLab, light and dark, at notebook width
(~900 px), and one canvas displayed twice in one notebook (two anywidget views of one model).

One lab session, one notebook, one kernel for every test here. Each step waits on a signal the
page publishes (data-* attributes of each view, the kernel's traits), never on a sleep:
- the tree shows every actor alive at the playhead, as ``Trace.state_at`` counts them;
- both views follow the playhead, selection and view the kernel sets, and a click on a glyph, an
  inspector link or a filter in one reaches the kernel and the other; a view tab or the ``v`` key
  switches its own view only (the kernel's ``canvas.view`` reads the last choice), and the kernel
  assigning the view it already holds brings the other along;
- a click on an arrow in the space-time view highlights exactly the causal past and future a
  happens-before search over the trace finds (as test_spacetime.py does in the replay);
- keys pressed in a canvas drive it and never reach the notebook's shortcuts (``c`` and ``v``
  copy and paste cells in command mode, arrows move between cells); the wheel zooms the
  space-time window without scrolling the notebook; tooltips name the actor under the pointer;
- under JupyterLab Dark both views redraw dark, in the topology, tree and space-time views.
"""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml

from .jupyter_page import colour_share, kernel, open_notebook, wait_kernel
from .test_spacetime import _assert_caption_whole, _messages, _pick_arrow, happens_before

NOTEBOOK = "views_lab.ipynb"
T_FAIL = 6.95  # supervision-tree, seed 1: root/api and its workers wait for a restart
CELLS = [
    "import meshlab as ml\n"
    "trace = ml.scenarios.run('supervision-tree', seed=1)\n"
    f"canvas = ml.Canvas(trace, time={T_FAIL}, view='tree')\n"
    "asks = []  # what the page asks the kernel for\n"
    "canvas.on_msg(lambda _w, content, _b: asks.append(content))\n"
    "canvas",
    "canvas  # the same model again: a second view",
]
CANVAS = ".meshlab-canvas"
DARK_BG = (0x1B, 0x1D, 0x20)  # the canvas background on the dark palette (palette.ts)
DARK_NODE = (0x1C, 0x27, 0x33)  # a node region that is up, on the dark palette
LIGHT_NODE = (0xEE, 0xF4, 0xFB)  # ... and on the light one
NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget.content"


@pytest.fixture(scope="module")
def trace():
    return ml.scenarios.run("supervision-tree", seed=1)


@pytest.fixture(scope="module")
def lab(browser, jupyter):
    """The notebook with the canvas shown twice, at notebook width, both views drawn."""
    page, errors = open_notebook(browser, jupyter, NOTEBOOK, CELLS, width=960, height=1600)
    # the file browser folded away: the notebook is ~900 px wide, as on a laptop
    page.evaluate("window.jupyterapp.shell.collapseLeft()")
    page.wait_for_function(
        f"document.querySelectorAll('{CANVAS}[data-ready=\"1\"]').length === 2", timeout=90_000
    )
    notebook = page.locator(".jp-NotebookPanel").bounding_box()["width"]
    assert 860 < notebook < 960, notebook  # the canvas gets what the cell's prompt leaves
    yield page
    assert not errors, errors
    page.close()


def _wait(page, n: int, js: str, timeout: int = 30_000) -> None:
    """Wait until `js` (over `d`, the dataset of the n-th view) holds."""
    try:
        page.wait_for_function(
            f"() => {{ const d = document.querySelectorAll('{CANVAS}')[{n}].dataset; "
            f"return {js}; }}",
            timeout=timeout,
        )
    except Exception as e:
        raise AssertionError(f"view {n}: never {js}; its data-*: {_ds(page, n)}") from e


def _both(page, js: str) -> None:
    _wait(page, 0, js)
    _wait(page, 1, js)


def _ds(page, n: int) -> dict:
    return page.evaluate(
        f"(n) => Object.assign({{}}, document.querySelectorAll('{CANVAS}')[n].dataset)", n
    )


def _main(page, n: int):
    return page.locator(f"{CANVAS} canvas.ml-main").nth(n)


def _glyph(page, n: int, actor: str) -> tuple[float, float]:
    """Where view n draws `actor` (page coordinates): the kernel selects it, the view says
    where it drew the selection (data-selected-xy), and the kernel deselects it again."""
    kernel(page, f"canvas.selected = {actor!r}")
    _wait(page, n, f"d.selected === {actor!r} && !!d.selectedXy")
    x, y, _r = map(float, _ds(page, n)["selectedXy"].split(","))
    kernel(page, "canvas.selected = ''")
    _both(page, "d.selected === '' && !d.selectedXy")
    box = _main(page, n).bounding_box()
    return box["x"] + x, box["y"] + y


def _view(page, name: str) -> None:
    """The kernel switches the view; both views have drawn it (the toolbar marks the view shown
    as it draws a frame of it)."""
    kernel(page, f"canvas.view = {name!r}")
    for n in (0, 1):
        page.wait_for_function(
            f"""() => {{
          const c = document.querySelectorAll('{CANVAS}')[{n}];
          return c.dataset.ready === '1' && c.querySelector('.ml-view-{name}.ml-on') !== null;
        }}""",
            timeout=30_000,
        )


def test_tree_in_jupyterlab_at_notebook_width(lab, trace, artifacts):
    alive = trace.state_at(T_FAIL).actors.height
    # both views show the tree: every actor alive at the playhead, none folded
    _both(page := lab, f"d.treeShown === '{alive}' && d.treeHidden === '0'")
    kernel(page, "canvas.selected = 'root/api'")
    _both(page, "d.selected === 'root/api' && !!d.selectedXy")
    page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
    page.locator(CANVAS).nth(0).screenshot(path=str(artifacts / "lab-tree-900-light.png"))
    kernel(page, "canvas.selected = ''")
    _both(page, "d.selected === ''")


def test_two_views_of_one_model_follow_the_kernel_and_each_other(lab, artifacts):
    page = lab
    # one store of events for the page: anywidget hands each view its own proxy of the model,
    # and the data path finds the one store by the model's key, so the trace is asked for once
    assert kernel(page, "print(asks)").strip() == "[{'type': 'sync', 'have': 0}]"
    # the kernel's playhead reaches both views
    kernel(page, "canvas.time = 3.0")
    _both(page, "parseFloat(d.time) === 3")
    kernel(page, f"canvas.time = {T_FAIL}")
    _both(page, f"parseFloat(d.time) === {T_FAIL}")
    # a click on a glyph in the second view selects it in the kernel and in the first view
    actor = "root/store/shard-0"
    page.locator(CANVAS).nth(1).scroll_into_view_if_needed()
    x, y = _glyph(page, 1, actor)
    page.mouse.click(x, y)
    wait_kernel(page, "print(canvas.selected)", f"out === {actor!r}")
    _both(page, f"d.selected === {actor!r}")
    # a view tab in the first view switches that view only; the kernel reads the last choice
    page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
    page.click(f"{CANVAS} >> nth=0 >> .ml-view-spacetime")
    wait_kernel(page, "print(canvas.view)", "out === 'spacetime'")
    _wait(page, 0, "d.view === 'spacetime' && !!d.stWindow && d.ready === '1'")
    _wait(page, 1, "d.view === 'tree'")
    # ... and the second stays on its own, though the playhead and selection still move it
    kernel(page, "canvas.time = 3.0")
    _both(page, "parseFloat(d.time) === 3")
    assert _ds(page, 1)["view"] == "tree" and _ds(page, 1)["selected"] == actor
    # the first view's toolbar shows its view pressed, the second's its own
    for n, name in ((0, "spacetime"), (1, "tree")):
        pressed = page.locator(CANVAS).nth(n).locator(".ml-toolbar button.ml-on")
        assert pressed.count() == 1 and f"ml-view-{name}" in pressed.get_attribute("class")
    for n in (0, 1):  # each display as it stands: space-time above, the tree below
        page.locator(CANVAS).nth(n).screenshot(path=str(artifacts / f"lab-two-displays-{n}.png"))
    # the kernel assigning the view the trait already holds brings the second along
    kernel(page, "canvas.view = 'spacetime'")
    _both(page, "d.view === 'spacetime' && !!d.stWindow")
    kernel(page, f"canvas.time = {T_FAIL}")
    _view(page, "tree")
    kernel(page, "canvas.selected = ''")


def test_inspector_link_and_filters_reach_the_kernel_and_the_other_view(lab, trace):
    page = lab
    _view(page, "tree")
    actors = trace.state_at(T_FAIL).actors
    victim = actors.filter(pl.col("actor") == "root/api").row(0, named=True)
    culprit = victim["root_cause"]
    assert culprit and culprit != "root/api"
    kernel(page, f"canvas.time = {T_FAIL}\ncanvas.selected = 'root/api'")
    _both(page, "d.selected === 'root/api'")
    # the inspector of the second view names the root cause Trace.state_at names; its link
    # selects the culprit in the kernel and in the first view
    second = page.locator(CANVAS).nth(1)
    second.scroll_into_view_if_needed()
    link = second.locator(".ml-rootcause-link")
    assert link.inner_text() == culprit
    link.click()
    wait_kernel(page, "print(canvas.selected)", f"out === {culprit!r}")
    _both(page, f"d.selected === {culprit!r}")
    # a class picked in the second view's filter reaches the kernel; the first view's tree
    # shows only that class
    second.locator(".ml-class-filter").select_option("Shard")
    wait_kernel(page, "print(canvas.class_filter)", "out === 'Shard'")
    shards = actors.filter(pl.col("class") == "Shard").height
    _both(page, f"d.treeShown === '{shards}'")
    kernel(page, "canvas.class_filter = ''\ncanvas.selected = ''")
    _both(page, f"d.treeShown === '{actors.height}'")


def test_space_time_causality_in_jupyterlab(lab, trace, artifacts):
    page = lab
    _view(page, "spacetime")
    kernel(page, "canvas.time = 0.0")
    _both(page, "parseFloat(d.time) === 0 && !!d.stRowsAt")
    page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
    ds = _ds(page, 0)
    msg_id, x, y = _pick_arrow(ds, _messages(trace))
    box = _main(page, 0).bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    _wait(page, 0, f"d.stCausal === 'message {msg_id}'")
    ds = _ds(page, 0)
    past, future = happens_before(trace, msg_id)
    assert {int(v) for v in ds["stPastIds"].split()} == past
    assert {int(v) for v in ds["stFutureIds"].split()} == future
    # something before or after it, and something concurrent, or the check would say little
    assert past or future
    assert len(past) + len(future) + 1 < trace.events.filter(kind="msg_send").height
    # beside the inspector at 900 px the caption wraps: the focus and both counts, none cut
    _assert_caption_whole(ds, f"message {msg_id} ", f"{len(future):,} after")
    page.mouse.move(0, 0)  # no tooltip over the caption
    page.locator(CANVAS).nth(0).screenshot(path=str(artifacts / "lab-spacetime-900-light.png"))


def test_keys_drive_the_canvas_not_the_notebook(lab, trace):
    page = lab
    _view(page, "tree")
    kernel(page, f"canvas.time = {T_FAIL}\ncanvas.selected = 'root/api'")
    _both(page, f"parseFloat(d.time) === {T_FAIL} && d.selected === 'root/api'")
    cells = page.evaluate(f"{NOTEBOOK_JS}.widgets.length")
    # a click on the canvas (on its time readout, which does nothing) gives it the keys
    page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
    page.click(f"{CANVAS} >> nth=0 >> .ml-time")
    active = page.evaluate(f"{NOTEBOOK_JS}.activeCellIndex")
    times = trace.events["t"].unique().sort().to_list()
    nxt = min(t for t in times if t > T_FAIL + 1e-12)
    page.keyboard.press("ArrowRight")  # the next event (in the notebook: the next cell)
    _both(page, f"Math.abs(parseFloat(d.time) - {nxt}) < 1e-9")
    page.keyboard.press("ArrowLeft")
    _both(page, f"Math.abs(parseFloat(d.time) - {T_FAIL}) < 1e-9")
    page.keyboard.press("c")  # folds root/api's subtree (in the notebook: copy the cell)
    _wait(page, 0, "d.treeHidden === '3'")
    page.keyboard.press("c")
    _wait(page, 0, "d.treeHidden === '0'")
    page.keyboard.press("v")  # the next view (in the notebook: paste the copied cell)
    wait_kernel(page, "print(canvas.view)", "out === 'spacetime'")
    _wait(page, 0, "d.view === 'spacetime'")
    assert _ds(page, 1)["view"] == "tree"  # the key's display only
    page.keyboard.press("Escape")  # deselects (in the notebook: leave edit mode)
    wait_kernel(page, "print(repr(canvas.selected))", "out === \"''\"")
    # nothing happened to the notebook: no cell pasted, the same cell active
    assert page.evaluate(f"{NOTEBOOK_JS}.widgets.length") == cells
    assert page.evaluate(f"{NOTEBOOK_JS}.activeCellIndex") == active
    # the wheel zooms the space-time window and does not scroll the notebook
    _wait(page, 0, "!!d.stWindow")
    t0, t1, *_ = map(float, _ds(page, 0)["stWindow"].split())
    scroller = "document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollTop"
    top = page.evaluate(scroller)
    box = _main(page, 0).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    _wait(page, 0, f"d.stWindow.split(' ')[1] - d.stWindow.split(' ')[0] < {(t1 - t0) * 0.9}")
    assert page.evaluate(scroller) == top


def test_tooltip_names_the_actor_under_the_pointer(lab, trace):
    page = lab
    _view(page, "tree")
    kernel(page, f"canvas.time = {T_FAIL}")
    _both(page, f"parseFloat(d.time) === {T_FAIL}")
    state = {r["actor"]: r for r in trace.state_at(T_FAIL).actors.iter_rows(named=True)}
    actor = "root/api/worker-1"
    page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
    x, y = _glyph(page, 0, actor)
    page.mouse.move(x, y)
    tip = page.locator(CANVAS).nth(0).locator(".ml-tip")
    tip.wait_for(state="visible")
    page.wait_for_function(
        "(el) => el.innerText.includes('root/api/worker-1')", arg=tip.element_handle()
    )
    text = tip.inner_text()
    assert state[actor]["status"] in text and f"on {state[actor]['node']}" in text, text
    page.mouse.move(2, 2)
    tip.wait_for(state="hidden")


def _theme(page, name: str, want: str) -> None:
    page.evaluate(
        "(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})",
        name,
    )
    # data-theme is written by the frame that redraws in the new palette
    _both(page, f"d.theme === {want!r}")


def test_jupyterlab_dark_theme_on_every_view(lab, artifacts):
    """Switched to JupyterLab Dark, both views redraw dark without re-running anything; the
    topology's node regions take the dark palette's colour; back to Light, light again."""
    page = lab
    _view(page, "topology")
    kernel(page, f"canvas.time = {T_FAIL}\ncanvas.selected = 'root/api'")
    _both(page, "d.selected === 'root/api'")
    assert colour_share(page, LIGHT_NODE, 0) > 0.05 and colour_share(page, DARK_NODE, 0) < 0.001
    _theme(page, "JupyterLab Dark", "dark")
    try:
        page.locator(CANVAS).nth(0).scroll_into_view_if_needed()
        for n in (0, 1):  # both views: the regions dark, none light
            assert (
                colour_share(page, DARK_NODE, n) > 0.05
                and colour_share(page, LIGHT_NODE, n) < 0.001
            )
        page.locator(CANVAS).nth(0).screenshot(path=str(artifacts / "lab-topology-900-dark.png"))
        for view in ("tree", "spacetime"):
            _view(page, view)
            for n in (0, 1):  # the background is most of the picture
                assert colour_share(page, DARK_BG, n) > 0.5, (view, n)
            page.locator(CANVAS).nth(0).screenshot(path=str(artifacts / f"lab-{view}-900-dark.png"))
    finally:
        _theme(page, "JupyterLab Light", "light")
    assert colour_share(page, DARK_BG, 0) < 0.001
    _view(page, "topology")
    assert colour_share(page, LIGHT_NODE, 0) > 0.05 and colour_share(page, DARK_NODE, 0) < 0.001
