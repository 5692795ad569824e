"""What a person does with the HTML replay, driven in headless Chromium: the keyboard map in a
real page, the wheel's zoom, tooltips on hover, the inspector's root-cause link and the
toolbar's filters. Every step waits on a signal the canvas publishes (data-* attributes, the
model's traits, the tooltip's visibility), never on a sleep."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml

from .test_spacetime import _messages, _pick_arrow

CANVAS = ".meshlab-canvas"
MODEL = "window.meshlabReplay.model"
T_FAIL = 6.95  # supervision-tree, seed 1: root/api and its three workers wait for a restart


@pytest.fixture(scope="module")
def sup(tmp_path_factory):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    path = ml.Canvas(trace).save_html(tmp_path_factory.mktemp("interact") / "sup.html")
    return path, trace


@pytest.fixture
def page(open_page, sup):
    """The replay opened and drawn; closed after the test, which errs if the page raised."""
    page = open_page(sup[0].as_uri(), bypass_csp=True)
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    return page


def _attr(page, name: str) -> str:
    return page.get_attribute(CANVAS, f"data-{name}") or ""


def _wait(page, js: str) -> None:
    """Wait until `js` (an expression over `d`, the canvas's dataset, and `m`, the model) holds."""
    page.wait_for_function(
        f"(() => {{ const d = document.querySelector('{CANVAS}').dataset, m = {MODEL}; "
        f"return {js}; }})()"
    )


def _glyph(page, actor: str) -> tuple[float, float, float]:
    """Where `actor` is drawn (page coordinates), by selecting it and reading data-selected-xy."""
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", actor)
    _wait(page, "d.selectedXy")
    x, y, r = map(float, _attr(page, "selected-xy").split(","))
    page.evaluate(f"{MODEL}.set('selected', '')")
    _wait(page, "!d.selectedXy")
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    return box["x"] + x, box["y"] + y, r


def test_keyboard_map_in_a_real_page(page, sup, artifacts):
    trace = sup[1]
    times = trace.events["t"].unique().sort().to_list()
    t0 = float(_attr(page, "time"))
    # → and ←: the next and the previous event's time, with no click on the page first
    page.keyboard.press("ArrowRight")
    nxt = min(t for t in times if t > t0 + 1e-12)
    _wait(page, f"Math.abs(parseFloat(d.time) - {nxt}) < 1e-9")
    page.keyboard.press("ArrowLeft")
    _wait(page, f"Math.abs(parseFloat(d.time) - {t0}) < 1e-9")
    # shift+→: the next marker, the first failure
    first_fail = trace.events.filter(pl.col("kind").cast(str) == "actor_fail")["t"].min()
    page.keyboard.press("Shift+ArrowRight")
    _wait(page, f"Math.abs(parseFloat(d.time) - {first_fail}) < 1e-9")
    # + and −: the speed doubles and halves
    speed = page.evaluate(f"{MODEL}.get('speed')")
    page.keyboard.press("+")
    _wait(page, f"m.get('speed') === {speed * 2}")
    page.keyboard.press("-")
    _wait(page, f"m.get('speed') === {speed}")
    # v: the next view, in toolbar order; the toolbar's button follows
    page.keyboard.press("v")
    _wait(page, "m.get('view') === 'tree'")
    # the toolbar redraws after the model changes: wait for it rather than race it
    page.wait_for_selector(f"{CANVAS} .ml-view-tree.ml-on")
    # c folds the selection's subtree in the tree view, and unfolds it
    page.evaluate(f"{MODEL}.set('time', {T_FAIL})")
    page.evaluate(f"{MODEL}.set('selected', 'root/api')")
    _wait(page, "d.treeHidden === '0' && d.selectedXy")
    page.keyboard.press("c")
    _wait(page, "d.treeHidden === '3'")
    page.keyboard.press("c")
    _wait(page, "d.treeHidden === '0'")
    # Esc deselects
    page.keyboard.press("Escape")
    _wait(page, "m.get('selected') === ''")
    # keys typed in a filter stay with it: v in the class menu does not switch views
    page.focus(f"{CANVAS} .ml-class-filter")
    page.keyboard.press("v")
    assert page.evaluate(f"{MODEL}.get('view')") == "tree"


def test_wheel_zooms_the_space_time_window_and_widens_the_flows_window(page):
    page.evaluate(f"{MODEL}.set('view', 'spacetime')")
    _wait(page, "d.stWindow")
    t0, t1, x0, x1 = map(float, _attr(page, "st-window").split())
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    # the pointer a quarter into the plot: the time under it stays under it
    px = x0 + (x1 - x0) / 4
    at = t0 + (t1 - t0) / 4
    page.mouse.move(box["x"] + px, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)  # zoom in
    _wait(
        page, f"d.stWindow && d.stWindow.split(' ')[1] - d.stWindow.split(' ')[0] < {t1 - t0} * 0.9"
    )
    n0, n1, *_ = map(float, _attr(page, "st-window").split())
    assert n1 - n0 < (t1 - t0) * 0.9
    # within one pixel's time (the pointer's offset is whole pixels)
    assert abs((n0 + (n1 - n0) / 4) - at) < (t1 - t0) / (x1 - x0), (n0, n1, at)
    page.mouse.wheel(0, 800)  # and out, past where it started
    _wait(page, f"d.stWindow.split(' ')[1] - d.stWindow.split(' ')[0] > {n1 - n0} * 1.5")
    # the flows view: the wheel widens its trailing window
    page.evaluate(f"{MODEL}.set('view', 'flows')")
    _wait(page, "d.flowWindow")
    w = float(_attr(page, "flow-window"))
    page.mouse.wheel(0, 300)
    _wait(page, f"parseFloat(d.flowWindow) > {w} * 1.2")
    # the page itself did not scroll: the wheel was the canvas's
    assert page.evaluate("window.scrollY") == 0


def test_tooltips_name_what_is_under_the_pointer(page, sup, artifacts):
    trace = sup[1]
    page.evaluate(f"{MODEL}.set('time', {T_FAIL})")
    _wait(page, f"parseFloat(d.time) === {T_FAIL}")
    state = {r["actor"]: r for r in trace.state_at(T_FAIL).actors.iter_rows(named=True)}
    for view in ("topology", "tree"):
        page.evaluate(f"(v) => {MODEL}.set('view', v)", view)
        _wait(page, f"m.get('view') === '{view}'")
        for actor in ("root/api/worker-1", "root/store/shard-0"):
            x, y, _r = _glyph(page, actor)
            page.mouse.move(x, y)
            page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
            _wait(page, f"document.querySelector('{CANVAS} .ml-tip').innerText.includes({actor!r})")
            tip = page.inner_text(f"{CANVAS} .ml-tip")
            assert state[actor]["status"] in tip, (view, tip)
            assert state[actor]["class"] in tip, (view, tip)
            if view == "tree":
                assert f"on {state[actor]['node']}" in tip, tip  # node membership, spelled out
        page.screenshot(path=str(artifacts / f"interact-tip-{view}.png"))
        # off the glyphs, the tooltip goes
        page.mouse.move(3, 3)
        page.wait_for_selector(f"{CANVAS} .ml-tip", state="hidden")


def test_tooltip_of_a_message_names_its_type_ends_and_times(page, sup):
    trace = sup[1]
    page.evaluate(f"{MODEL}.set('view', 'spacetime')")
    _wait(page, "d.stWindow && d.stRowsAt")
    ds = page.evaluate(f"() => Object.assign({{}}, document.querySelector('{CANVAS}').dataset)")
    msgs = _messages(trace)
    msg_id, x, y = _pick_arrow(ds, msgs)
    m = msgs.filter(pl.col("msg_id") == msg_id).row(0, named=True)
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")

    def sec(t: float) -> str:  # as the page writes a time: to the microsecond, no trailing 0
        return f"{t:.6f}".rstrip("0").rstrip(".") + " s"

    assert f"{m['type']} {m['src']} → {m['dst']}, sent {sec(m['t0'])}" in tip, tip
    assert f"received {sec(m['t1'])}" in tip, tip


def test_root_cause_link_selects_the_culprit(page, sup):
    trace = sup[1]
    page.evaluate(f"{MODEL}.set('time', {T_FAIL})")
    actors = trace.state_at(T_FAIL).actors
    blamed = actors.filter(
        pl.col("root_cause").is_not_null() & (pl.col("root_cause") != pl.col("actor"))
    )
    assert blamed.height >= 1
    victim, culprit = blamed["actor"][0], blamed["root_cause"][0]
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", victim)
    link = page.locator(f"{CANVAS} .ml-rootcause-link")
    link.wait_for()
    assert link.inner_text() == culprit  # the browser names the culprit Trace.state_at names
    link.click()
    _wait(page, f"d.selected === {culprit!r}")
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title:has-text({culprit!r})")
    # a time in its flight recorder is a link that moves the playhead to that event
    rows = trace.events.filter((pl.col("actor") == culprit) & (pl.col("t") < T_FAIL))["t"]
    link = page.locator(f"{CANVAS} .ml-recorder .ml-time").first
    shown = float(link.inner_text())
    when = min(rows.to_list(), key=lambda t: abs(t - shown))  # the event the 3-decimal text names
    assert abs(when - shown) < 5e-4
    link.click()
    _wait(page, f"Math.abs(parseFloat(d.time) - {when}) < 1e-9")


def test_filters_hide_system_actors_classes_and_message_types(page, sup):
    trace = sup[1]
    page.evaluate(f"{MODEL}.set('view', 'tree')")
    page.evaluate(f"{MODEL}.set('time', {T_FAIL})")
    actors = trace.state_at(T_FAIL).actors
    _wait(page, f"d.treeShown === '{actors.height}'")
    # hide system: the supervisors go, their workers hang from what is left
    page.check(f"{CANVAS} .ml-hide_system")
    _wait(page, "m.get('hide_system') === true")
    system = set(
        trace.events.filter(
            (pl.col("kind").cast(str) == "actor_spawn") & (pl.col("reason") == "system")
        )["actor"].to_list()
    ) | {"root", "root/api", "root/store", "root/jobs"}
    system &= set(actors["actor"].to_list())
    _wait(page, f"d.treeShown === '{actors.height - len(system)}'")
    page.evaluate(f"(a) => {MODEL}.set('selected', a)", "root/api")
    _wait(page, "m.get('selected') === 'root/api' && !d.selectedXy")  # not drawn
    page.uncheck(f"{CANVAS} .ml-hide_system")
    _wait(page, f"d.treeShown === '{actors.height}' && d.selectedXy")
    # by class: only the shards
    page.select_option(f"{CANVAS} .ml-class-filter", "Shard")
    shards = actors.filter(pl.col("class") == "Shard").height
    _wait(page, f"m.get('class_filter') === 'Shard' && d.treeShown === '{shards}'")
    page.select_option(f"{CANVAS} .ml-class-filter", "")
    _wait(page, f"d.treeShown === '{actors.height}'")
    # by message type, in the topology: the messages in flight split exactly by type
    page.evaluate(f"{MODEL}.set('view', 'topology')")
    sends = trace.events.filter(pl.col("kind").cast(str) == "msg_send")
    busiest = None
    for t in sends["t"].to_list()[:: max(1, sends.height // 40)]:
        page.evaluate(f"(t) => {MODEL}.set('time', t)", t + 1e-4)
        _wait(page, f"Math.abs(parseFloat(d.time) - {t + 1e-4}) < 1e-9 && d.inFlight")
        if int(_attr(page, "in-flight")) >= 2:
            busiest = t + 1e-4
            break
    assert busiest is not None
    total = int(_attr(page, "in-flight"))
    types = [
        o
        for o in page.eval_on_selector_all(
            f"{CANVAS} .ml-type-filter option", "os => os.map(o => o.value)"
        )
        if o
    ]
    assert set(types) >= {"request", "write", "response"}, types
    split = 0
    for ty in types:
        page.select_option(f"{CANVAS} .ml-type-filter", ty)
        _wait(page, f"m.get('type_filter') === {ty!r}")
        page.evaluate("() => window.meshlabReplay.view.drawNow()")
        split += int(_attr(page, "in-flight"))
        assert int(_attr(page, "in-flight")) <= total
    assert split == total, (split, total)
    page.select_option(f"{CANVAS} .ml-type-filter", "")
    _wait(page, f"m.get('type_filter') === '' && d.inFlight === '{total}'")
