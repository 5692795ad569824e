"""The tree view of 2,000 and 100,000 actors in the HTML replay, in headless Chromium: folded
to what fits, every hidden actor and failure counted on a folded root or a "+N more" stub (the
counts checked against Trace.state_at), a failed actor drawn rather than folded away, node
membership switched to grouping, a stub's tooltip and a double-click on it; a family of 300
workers wrapped into rows under its supervisor, and a mixed family (300 workers and three
sub-supervisors) wrapping its workers while the sub-supervisors stand beside them, folded or
unfolded, in light and dark."""

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


def _open_at_failure(browser, tmp_path, trace, name, *, width, loaded, k, scheme="light"):
    """The tree view of ``trace`` as an HTML replay at ``width`` x 800 in the ``scheme`` colour
    scheme, waited on until ready (or, with ``loaded``, every chunk in) and moved to just after
    its ``k``-th actor failure; (page, the page's uncaught errors, that failure's row, its time)."""
    path = ml.Canvas(trace, view="tree").save_html(tmp_path / f"{name}.html")
    page = browser.new_page(
        viewport={"width": width, "height": 800}, bypass_csp=True, color_scheme=scheme
    )
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


def _mixed_family_trace() -> ml.Trace:
    """sup with 300 workers (w0..w299) and three sub-supervisors (w300..w302) of four workers
    each (w303..w314); the six synthetic crashes (w309..w314) are all under sub-supervisors."""
    base = synthetic_trace(actors=315, nodes=4, messages=2_000, span=30.0, failures=6, seed=2)
    sub = {f"w{303 + j}": f"w{300 + j // 4}" for j in range(12)}
    ev = base.events.with_columns(
        pl.when(pl.col("kind").cast(str).is_in(["actor_spawn", "actor_restart"]))
        .then(pl.col("actor").replace_strict(sub, default=pl.col("parent")))
        .otherwise(pl.col("parent"))
        .alias("parent")
    )
    return ml.Trace(ev, base.meta)


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (900, "dark"), (1280, "dark"), (900, "light")]
)
def test_mixed_family_wraps_its_workers_beside_its_supervisors(
    browser, tmp_path, artifacts, width, scheme
):
    trace = _mixed_family_trace()
    page, errors, fail, t = _open_at_failure(
        browser, tmp_path, trace, "mixed", width=width, loaded=False, k=0, scheme=scheme
    )
    assert page.get_attribute(CANVAS, "data-theme") == scheme
    # the workers wrap into rows; the family is mixed: its sub-supervisors stand beside the block
    _wait(page, "d.treeWrapped === '1' && d.treeMixed === '1'")
    assert int(page.get_attribute(CANVAS, "data-tree-rows")) >= 4
    state = trace.state_at(t).actors
    down = state.filter(pl.col("status").is_in(["failed", "restarting"]))["actor"].to_list()
    assert fail["actor"] in down
    # each sub-supervisor is drawn, folded, with what it hides counted: its four workers and
    # their failures, as Trace.state_at has them
    folds = {f[0]: f for f in json.loads(page.get_attribute(CANVAS, "data-tree-folds"))}
    for j in range(3):
        kids = [f"w{303 + 4 * j + i}" for i in range(4)]
        _, present, failed, restarting, _busy = folds[f"w{300 + j}"]
        assert present == 4
        assert failed + restarting == sum(a in down for a in kids)
    # every worker of sup's block is drawn or counted on the one stub under sup
    shown = int(page.get_attribute(CANVAS, "data-tree-shown"))
    stub = [f for f in folds.values() if f[0] == "more:sup"]
    assert len(stub) <= 1
    drawn = shown - 1 - 3 - len(stub)  # sup, the sub-supervisors and the stub are not in the block
    assert drawn + sum(f[1] for f in stub) == 300
    page.screenshot(path=str(artifacts / f"tree-mixed-family-{width}-{scheme}-folded.png"))
    # unfold the sub-supervisor whose worker crashed: its workers are drawn under it, the
    # others stay folded beside it, and the block still wraps
    owner = f"w{300 + (int(fail['actor'][1:]) - 303) // 4}"
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", owner)
    _wait(page, "d.selectedXy")
    x, y, _r = map(float, page.get_attribute(CANVAS, "data-selected-xy").split(","))
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    page.mouse.dblclick(box["x"] + x, box["y"] + y)
    _wait(page, f"!JSON.parse(d.treeFolds).some(f => f[0] === '{owner}')")
    _wait(page, "d.treeWrapped === '1' && d.treeMixed === '1'")
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", fail["actor"])
    _wait(page, "d.selectedXy")  # the crashed worker is drawn under its supervisor
    page.mouse.move(0, 0)
    page.screenshot(path=str(artifacts / f"tree-mixed-family-{width}-{scheme}.png"))
    assert not errors, errors
    page.close()


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [900, 1280])
def test_every_restarted_actor_shows_its_restart_count(browser, tmp_path, artifacts, width, scheme):
    # supervision-tree, seed 1, t=7.0105: every worker, shard and the cruncher has restarted.
    # At 900 px "worker-0 ↻2" is wider than its column: the count goes under the name, not away
    trace = ml.scenarios.run("supervision-tree", seed=1)
    t = 7.0105
    path = ml.Canvas(trace, view="tree").save_html(tmp_path / "st.html")
    page = browser.new_page(
        viewport={"width": width, "height": 800}, bypass_csp=True, color_scheme=scheme
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1'][data-tree-shown]", timeout=60_000)
    page.evaluate(f"(t) => {MODEL}.set('time', t)", t)
    _wait(page, f"Math.abs(parseFloat(d.time) - {t}) < 1e-9 && d.treeTexts")
    assert page.get_attribute(CANVAS, "data-theme") == scheme
    actors = trace.state_at(t).actors
    restarted = dict(actors.filter(pl.col("restarts") > 0).select("actor", "restarts").iter_rows())
    assert len(restarted) >= 8, restarted  # api, jobs, three workers, three shards, cruncher
    texts = json.loads(page.get_attribute(CANVAS, "data-tree-texts"))
    drawn: dict[str, list[str]] = {}
    for name, text, *_box in texts:
        drawn.setdefault(name, []).append(text)
    for actor, n in restarted.items():
        lines = drawn.get(actor, [])
        # exactly once, beside the name or under it
        assert sum(f"↻{n}" in line for line in lines) == 1, (actor, n, lines)
        assert any(not line.startswith("↻") for line in lines), lines  # its name too
    # and no text runs into another
    boxes = [tuple(b[2:]) for b in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (texts[i], b)
    page.mouse.move(0, 0)
    page.screenshot(path=str(artifacts / f"tree-restart-counts-{width}-{scheme}.png"))
    assert not errors, errors
    page.close()
