"""The tree view of 2,000 and 100,000 actors in the HTML replay, in headless Chromium: folded
to what fits, every hidden actor and failure counted on a folded root or a "+N more" stub (the
counts checked against Trace.state_at), a failed actor drawn rather than folded away, node
membership switched to grouping, a stub's tooltip and a double-click on it; a family of 300
workers wrapped into rows under its supervisor."""

from __future__ import annotations

import json

import polars as pl
import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

CANVAS = ".meshlab-canvas"
MODEL = "window.meshlabReplay.model"


def _wait(page, js: str) -> None:
    page.wait_for_function(
        f"(() => {{ const d = document.querySelector('{CANVAS}').dataset, m = {MODEL}; "
        f"return {js}; }})()"
    )


def _open_at_failure(browser, tmp_path, trace, name, *, width, loaded, k):
    """The tree view of ``trace`` as an HTML replay at ``width`` x 800, waited on until ready
    (or, with ``loaded``, every chunk in) and moved to just after its ``k``-th actor failure;
    (page, the page's uncaught errors, that failure's row, its time)."""
    path = ml.Canvas(trace, view="tree").save_html(tmp_path / f"{name}.html")
    page = browser.new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    signal = "data-loaded" if loaded else "data-ready"
    page.wait_for_selector(f"{CANVAS}[{signal}='1'][data-tree-shown]", timeout=60_000)
    fail = trace.events.filter(pl.col("kind").cast(str) == "actor_fail").row(k, named=True)
    t = fail["t"] + 1e-6
    page.evaluate(f"(t) => {MODEL}.set('time', t)", t)
    _wait(page, f"Math.abs(parseFloat(d.time) - {t}) < 1e-9 && d.treeFolds")
    return page, errors, fail, t


@pytest.mark.parametrize("n_actors", [2_000, 100_000])
def test_large_tree_folds_to_what_fits_and_keeps_failures_in_sight(
    browser, tmp_path, artifacts, n_actors
):
    trace = synthetic_trace(
        actors=n_actors, nodes=16, messages=2_000, span=30.0, failures=40, seed=2
    )
    # a moment when an actor is down: between a crash and its restart
    page, errors, fail, t = _open_at_failure(
        browser, tmp_path, trace, "big", width=1280, loaded=True, k=3
    )
    state = trace.state_at(t).actors
    down = state["status"].is_in(["failed", "restarting"])
    assert state.filter(pl.col("actor") == fail["actor"])["status"][0] in ("failed", "restarting")
    shown = int(page.get_attribute(CANVAS, "data-tree-shown"))
    hidden = int(page.get_attribute(CANVAS, "data-tree-hidden"))
    # the budget: the columns that fit times the rows that fit (a wide family wraps), not
    # thousands
    assert shown <= (1280 // 44 + 2) * (800 // 50)
    assert hidden >= state.height - shown
    # every hidden actor and failure is counted where it is folded: one supervisor, one stub
    folds = json.loads(page.get_attribute(CANVAS, "data-tree-folds"))
    stub = [f for f in folds if f[0] == "more:sup"]
    assert len(stub) == 1, folds
    _, present, failed, restarting, _busy = stub[0]
    assert present == hidden
    # the crashed worker is drawn (below): the stub counts every other one that is down
    assert failed + restarting == down.sum() - 1
    # the failed actor is drawn, not folded away
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", fail["actor"])
    _wait(page, "d.selectedXy")
    page.screenshot(path=str(artifacts / f"tree-scale-{n_actors}.png"))
    # the stub's tooltip says what it stands for
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    sx, sy = map(float, page.get_attribute(CANVAS, "data-tree-stub-xy").split(","))
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    assert f"{present:,} more under sup" in tip, tip
    # a double-click on the stub unfolds its parent as far as the width holds: still legible
    page.mouse.dblclick(box["x"] + sx, box["y"] + sy)
    _wait(page, f"Number(d.treeShown) <= {(1280 // 44 + 2) * (800 // 50)}")
    # grouped by node: one tag per node heads the actors living there
    page.click(f"{CANVAS} .ml-tree-mode")
    _wait(page, "d.treeMode === 'group'")
    _wait(page, "JSON.parse(d.treeFolds).some(f => f[0].startsWith('node '))")
    folds = json.loads(page.get_attribute(CANVAS, "data-tree-folds"))
    by_node = {f[0]: f[1] for f in folds if f[0].startswith("node ")}
    # a folded node's count is the actors on it that are not drawn
    on = state.group_by("node").len()
    sizes = dict(zip(on["node"].to_list(), on["len"].to_list(), strict=True))
    for name, count in by_node.items():
        assert count <= sizes[name.removeprefix("node ")], (name, count)
    page.screenshot(path=str(artifacts / f"tree-scale-{n_actors}-group.png"))
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("width", [1280, 900])
def test_wide_family_wraps_into_rows_under_its_supervisor(browser, tmp_path, artifacts, width):
    trace = synthetic_trace(actors=300, nodes=4, messages=2_000, span=30.0, failures=6, seed=2)
    page, errors, fail, t = _open_at_failure(
        browser, tmp_path, trace, "wide", width=width, loaded=False, k=2
    )
    # one family, wrapped onto several rows: far more workers drawn than one row holds
    assert page.get_attribute(CANVAS, "data-tree-wrapped") == "1"
    rows = int(page.get_attribute(CANVAS, "data-tree-rows"))
    shown = int(page.get_attribute(CANVAS, "data-tree-shown"))
    assert rows >= 4, rows
    assert shown > 3 * ((width - 300) // 44), shown  # the stage is beside a 270 px inspector
    # what does not fit is one stub under sup that counts it, and every worker is accounted for
    folds = json.loads(page.get_attribute(CANVAS, "data-tree-folds"))
    stub = [f for f in folds if f[0] == "more:sup"]
    state = trace.state_at(t).actors
    workers = state.filter(pl.col("actor") != "sup")
    drawn = shown - 1 - len(stub)  # sup and the stub are not workers
    assert drawn + sum(f[1] for f in stub) == workers.height
    # the crashed worker is drawn (failures come first when not all fit)
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", fail["actor"])
    _wait(page, "d.selectedXy")
    page.screenshot(path=str(artifacts / f"tree-wide-family-{width}.png"))
    assert not errors, errors
    page.close()
