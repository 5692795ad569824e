"""The space-time view in the standalone replay, in Chromium: a click on an arrow puts its
message in focus and the page's signals name exactly its causal past and future, as a plain
happens-before search over the trace computes them; bands of lanes open and close; at 2,000
actors the lanes are one band per node and every message of the window is accounted for."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import defaultdict

import polars as pl
import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

CANVAS = ".meshlab-canvas"
HANDLER_STARTS = ("msg_handle", "handler_start")


def _open(browser, trace, path, size=(1280, 800), scheme="light"):
    ml.Canvas(trace).save_html(path)
    page = browser.new_page(
        bypass_csp=True, viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
    )
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    page.evaluate(
        "() => { const r = window.meshlabReplay; r.model.set('view', 'spacetime');"
        " r.model.save_changes(); }"
    )
    page.wait_for_selector(f"{CANVAS}[data-st-rows]")
    return page


def _ds(page) -> dict:
    return page.evaluate(f"() => Object.assign({{}}, document.querySelector('{CANVAS}').dataset)")


def _assert_caption_whole(ds: dict, *says: str, full: tuple[str, ...] = ()) -> None:
    """The caption wrapped onto the lines it needs, at most 3 (compact where its statements in
    full would take more), none cut with …, and says each of `says`; its tooltip holds every
    statement in full, among them each of `full`."""
    lines = ds["stCaption"].split("\n")
    assert ds["stCaptionCut"] == "0", ds["stCaption"]
    assert int(ds["stCaptionLines"]) == max(2, len(lines))
    assert len(lines) <= 3, ds["stCaption"]
    flat = ds["stCaption"].replace("\n", " ")
    for s in says:
        assert s in flat, (s, ds["stCaption"])
    tip = ds["stCaptionTip"].split("\n")
    for s in full:
        assert any(s in line for line in tip), (s, tip)


def _messages(trace) -> pl.DataFrame:
    """One row per message: sender, receiver, send time and the time it left flight."""
    ev = trace.events
    sends = ev.filter(pl.col("kind") == "msg_send").select(
        "msg_id", src="actor", dst="peer", t0="t", lat="duration", type="msg_type"
    )
    ends = (
        ev.filter(pl.col("kind").is_in(["msg_recv", "msg_drop"]))
        .sort("t", "seq")
        .group_by("msg_id", maintain_order=True)
        .first()
        .select("msg_id", t1="t", dropped=pl.col("kind") == "msg_drop")
    )
    return sends.join(ends, on="msg_id", how="left").with_columns(
        t1=pl.coalesce("t1", pl.col("t0") + pl.col("lat").fill_null(0.0)),
        dropped=pl.col("dropped").fill_null(False),
    )


def happens_before(trace, focus: int) -> tuple[set[int], set[int]]:
    """The message ids in the causal past and future of message `focus`, by the textbook
    definition: an actor's events (its sends, and its receipts: a message's first handler
    start, else its msg_recv) follow each other; a send precedes its receipt."""
    ev = trace.events.sort("t", "seq").with_row_index("pos")
    receipt: dict[int, tuple[str, int]] = {}
    for r in ev.filter(pl.col("kind").is_in(HANDLER_STARTS)).iter_rows(named=True):
        receipt.setdefault(r["msg_id"], (r["actor"], r["pos"]))
    for r in ev.filter(pl.col("kind") == "msg_recv").iter_rows(named=True):
        receipt.setdefault(r["msg_id"], (r["actor"], r["pos"]))
    send = {
        r["msg_id"]: (r["actor"], r["pos"])
        for r in ev.filter(pl.col("kind") == "msg_send").iter_rows(named=True)
    }
    lane: dict[str, list[int]] = defaultdict(list)
    for actor, pos in [*send.values(), *receipt.values()]:
        if actor is not None:
            lane[actor].append(pos)
    nxt: dict[int, list[int]] = defaultdict(list)
    prv: dict[int, list[int]] = defaultdict(list)
    for ps in lane.values():
        ps.sort()
        for a, b in itertools.pairwise(ps):
            nxt[a].append(b)
            prv[b].append(a)
    for m, (_, p) in send.items():
        if m in receipt:
            nxt[p].append(receipt[m][1])
            prv[receipt[m][1]].append(p)

    def reach(start: int, adj) -> set[int]:
        seen, stack = {start}, [start]
        while stack:
            for y in adj[stack.pop()]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        return seen

    before = reach(send[focus][1], prv)
    after = reach((receipt.get(focus) or send[focus])[1], nxt)
    past = {m for m, (_, p) in receipt.items() if p in before and m != focus}
    future = {m for m, (_, p) in send.items() if p in after and m != focus and m not in past}
    return past, future


def _pick_arrow(ds: dict, msgs: pl.DataFrame) -> tuple[int, float, float]:
    """A message drawn as an arrow whose midpoint is well clear of every other arrow and lane."""
    w0, w1, x0, x1 = map(float, ds["stWindow"].split())
    rows = {label: y for kind, label, y, _ in json.loads(ds["stRowsAt"]) if kind == "actor"}

    def x(t):
        return x0 + (t - w0) / (w1 - w0) * (x1 - x0)

    segs = []
    for r in msgs.iter_rows(named=True):
        if r["src"] == r["dst"] or r["t0"] > w1 or r["t1"] < w0:
            continue
        if r["src"] in rows and r["dst"] in rows and not r["dropped"]:
            segs.append((r["msg_id"], x(r["t0"]), rows[r["src"]], x(r["t1"]), rows[r["dst"]]))

    def dist(px, py, s):
        _, ax, ay, bx, by = s
        dx, dy = bx - ax, by - ay
        u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy or 1)))
        return math.hypot(px - ax - u * dx, py - ay - u * dy)

    best = None
    for s in segs:
        mx, my = (s[1] + s[3]) / 2, (s[2] + s[4]) / 2
        if not x0 + 5 < mx < x1 - 5:
            continue
        clear = min(
            [dist(mx, my, o) for o in segs if o is not s] + [abs(my - y) for y in rows.values()]
        )
        if best is None or clear > best[0]:
            best = (clear, s[0], mx, my)
    assert best and best[0] > 7, "no arrow stands clear enough to click"
    return best[1], best[2], best[3]


def _click(page, x, y):
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.fixture(scope="module")
def tree_trace():
    return ml.scenarios.run("supervision-tree", seed=1)


@pytest.mark.parametrize("at", [0.0, 3.0])
def test_click_an_arrow_highlights_its_causal_past_and_future(
    browser, tree_trace, tmp_path, artifacts, at
):
    page = _open(browser, tree_trace, tmp_path / "st.html")
    if at:
        page.evaluate("(t) => window.meshlabReplay.view.setTime(t)", at)
        page.wait_for_function(
            f"(t) => parseFloat(document.querySelector('{CANVAS}').dataset.stWindow) <= t", arg=at
        )
    ds = _ds(page)
    w0 = float(ds["stWindow"].split()[0])
    if not at:  # the window starts at the trace's start, not with the playhead in its middle
        assert w0 <= 0.0 and w0 > -0.05
    msg_id, x, y = _pick_arrow(ds, _messages(tree_trace))
    _click(page, x, y)
    page.wait_for_selector(f"{CANVAS}[data-st-causal='message {msg_id}']")
    ds = _ds(page)
    past, future = happens_before(tree_trace, msg_id)
    got_past = {int(v) for v in ds["stPastIds"].split()}
    got_future = {int(v) for v in ds["stFutureIds"].split()}
    assert got_past == past
    assert got_future == future
    assert int(ds["stPast"]) == len(past) and int(ds["stFuture"]) == len(future)
    # something is concurrent with it too, or the highlight would say nothing
    assert len(past) + len(future) + 1 < tree_trace.events.filter(kind="msg_send").height
    page.locator(CANVAS).screenshot(path=str(artifacts / f"spacetime-causal-t{at:g}.png"))
    # a click on empty plot clears the focus (and moves the playhead there)
    x0 = float(ds["stWindow"].split()[2])
    rows = [y for *_, y, _ in json.loads(ds["stRowsAt"])]
    empty_y = (rows[0] + rows[1]) / 2 if len(rows) > 1 else rows[0] + 8
    _click(page, x0 + 3, empty_y)
    page.wait_for_function(f"() => !('stCausal' in document.querySelector('{CANVAS}').dataset)")
    page.close()


def test_bands_open_and_close(browser, tree_trace, tmp_path):
    page = _open(browser, tree_trace, tmp_path / "st.html")
    ds = _ds(page)
    rows = json.loads(ds["stRowsAt"])
    bands = [(label, y) for kind, label, y, _ in rows if kind == "band"]
    assert [b for b, _ in bands] == list(tree_trace.meta.nodes)
    # 12 actors: every band starts open, one lane per actor
    assert all(open_ for kind, *_, open_ in rows if kind == "band")
    n0 = (
        sum(1 for kind, *_ in rows if kind == "actor")
        - len(tree_trace.events.filter(kind="actor_spawn", node=bands[1][0])["actor"].unique())
        - len(tree_trace.events.filter(kind="actor_spawn", node=bands[2][0])["actor"].unique())
    )
    _click(page, 20, bands[0][1])
    page.wait_for_function(
        f"(n) => parseInt(document.querySelector('{CANVAS}').dataset.stRows) === n",
        arg=len(rows) - n0,
    )
    _click(page, 20, bands[0][1])
    page.wait_for_function(
        f"(n) => parseInt(document.querySelector('{CANVAS}').dataset.stRows) === n", arg=len(rows)
    )
    page.close()


@pytest.mark.parametrize("size", [(1280, 800), (900, 700)])
def test_two_thousand_actors_are_bands_and_nothing_is_cut(browser, tmp_path, artifacts, size):
    trace = synthetic_trace(actors=2000, nodes=16, messages=40_000, span=30.0, failures=20, seed=2)
    page = _open(browser, trace, tmp_path / "big.html", size=size)
    page.evaluate("(t) => window.meshlabReplay.view.setTime(t)", 12.0)
    page.wait_for_function(
        f"() => parseFloat(document.querySelector('{CANVAS}').dataset.stWindow) > 5"
    )
    ds = _ds(page)
    assert int(ds["stRows"]) == 16  # one closed band per node, not 2,000 lanes
    w0, w1, *_ = map(float, ds["stWindow"].split())
    m = _messages(trace).filter((pl.col("t0") <= w1) & (pl.col("t1") >= w0))
    # every message of the window is counted: drawn one by one or in a bundle, never dropped
    assert int(ds["stMessages"]) == m.height
    assert ds["stBundled"] == "1" and 0 < int(ds["stDrawn"]) < m.height
    _assert_caption_whole(
        ds,
        f"{m.height:,} messages",
        "arrows",
        "1 in ",
        full=("arrows: 1 in ", "zoom in (wheel) for all", "green strip = busy"),
    )
    page.locator(CANVAS).screenshot(path=str(artifacts / f"spacetime-2000-{size[0]}.png"))
    page.close()


def _homes(trace) -> dict[str, str]:
    """Each actor's band: the node it was first spawned on."""
    spawns = trace.events.filter(kind="actor_spawn").group_by("actor", maintain_order=True)
    return dict(spawns.first().select("actor", "node").iter_rows())


def _lane_ys(ds: dict, trace) -> dict[str, float]:
    """The y of each actor's traffic: its own lane when its band is open, else its band's."""
    rows = json.loads(ds["stRowsAt"])
    own = {label: y for kind, label, y, _ in rows if kind == "actor"}
    band = {label: y for kind, label, y, open_ in rows if kind == "band" and not open_}
    return {a: own.get(a, band.get(n)) for a, n in _homes(trace).items() if a in own or n in band}


def _window_messages(ds: dict, trace) -> pl.DataFrame:
    """The messages the window holds as the view indexes them (timers aside), in store order."""
    w0, w1, *_ = map(float, ds["stWindow"].split())
    return (
        _messages(trace)
        .with_row_index("m")
        .filter((pl.col("t0") <= w1) & (pl.col("t1") >= w0) & (pl.col("src") != pl.col("dst")))
    )


def _drawn_arrow(ds: dict, trace, upto: float = 1.0) -> tuple[int, float, float]:
    """A message whose arrow is drawn (one in k when bundled, k as the view picks it) and whose
    midpoint stands clear of every other drawn arrow and lane, in the window's first `upto`."""
    w0, w1, x0, x1 = map(float, ds["stWindow"].split())
    ys = _lane_ys(ds, trace)
    win = _window_messages(ds, trace)
    stride = 1
    if ds["stBundled"] == "1":
        while win.height / stride > 300:
            stride *= 2
    segs = []
    for r in win.filter(pl.col("m") % stride == 0).iter_rows(named=True):
        ya, yb = ys.get(r["src"]), ys.get(r["dst"])
        if ya is None or yb is None or r["dropped"] or ya == yb:
            continue
        xa = x0 + (r["t0"] - w0) / (w1 - w0) * (x1 - x0)
        xb = x0 + (r["t1"] - w0) / (w1 - w0) * (x1 - x0)
        segs.append((r["msg_id"], xa, ya, xb, yb))

    def dist(px, py, s):
        _, ax, ay, bx, by = s
        dx, dy = bx - ax, by - ay
        u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy or 1)))
        return math.hypot(px - ax - u * dx, py - ay - u * dy)

    lanes = set(ys.values())
    best = None
    for s in segs:
        mx, my = (s[1] + s[3]) / 2, (s[2] + s[4]) / 2
        if not x0 + 5 < mx < min(x1 - 5, x0 + upto * (x1 - x0)):
            continue
        near = [dist(mx, my, o) for o in segs if o is not s] + [abs(my - y) for y in lanes]
        clear = min(near)
        if best is None or clear > best[0]:
            best = (clear, s[0], mx, my)
    assert best and best[0] > 6, "no drawn arrow stands clear enough to click"
    return best[1], best[2], best[3]


def _focus_a_message(page, trace, upto: float = 1.0) -> tuple[int, dict]:
    msg_id, x, y = _drawn_arrow(_ds(page), trace, upto)
    _click(page, x, y)
    page.wait_for_selector(f"{CANVAS}[data-st-causal='message {msg_id}']")
    return msg_id, _ds(page)


LOOKS = [((1280, 800), "light"), ((1280, 800), "dark"), ((900, 700), "light"), ((900, 700), "dark")]


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_crowded_bars_show_the_focus_share(browser, tmp_path, artifacts, size, scheme):
    """At 2,000 actors the bars count every message; with a message in focus each bar's blue and
    purple shares are exactly the messages in its happens-before past and future."""
    trace = synthetic_trace(actors=2000, nodes=16, messages=40_000, span=30.0, failures=20, seed=2)
    page = _open(browser, trace, tmp_path / "big.html", size=size, scheme=scheme)
    # the whole run in the window (the wheel zooms out): a focus's past and future are in it
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    x0 = float(_ds(page)["stWindow"].split()[2])
    page.mouse.move(box["x"] + x0 + 1, box["y"] + box["height"] / 2)  # the start stays put
    page.mouse.wheel(0, 1200)
    page.wait_for_function(
        f"() => {{ const [a, b] = document.querySelector('{CANVAS}').dataset.stWindow.split(' ');"
        " return b - a > 30; }"
    )
    assert _ds(page)["stBundled"] == "1"
    msg_id, ds = _focus_a_message(page, trace, upto=0.5)
    assert ds["stBundled"] == "1" and ds["stFocusDrawn"] == "1"
    past, future = happens_before(trace, msg_id)
    homes = _homes(trace)
    want: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for r in _window_messages(ds, trace).iter_rows(named=True):
        for side, actor in ((0, r["src"]), (3, r["dst"])):
            bar = want[homes[actor]]
            bar[side] += 1
            bar[side + 1] += r["msg_id"] in past
            bar[side + 2] += r["msg_id"] in future
    got = {label: [int(v) for v in sums] for label, *sums in json.loads(ds["stBars"])}
    assert got == dict(want)
    # the focus reaches well beyond its own two bands
    assert sum(b[1] + b[2] for b in got.values()) > 20
    assert sum(1 for b in got.values() if b[1] + b[2] + b[4] + b[5]) > 4
    # at 900 px too the caption names the focus and counts its past and future, and what is
    # thinned 1 in k, in at most 3 lines; its tooltip says every statement in full: the legend,
    # what the colours of a bar mean, how to see every arrow
    _assert_caption_whole(
        ds,
        f"message {msg_id} ",
        f"{len(past):,} ",
        f"{len(future):,} after",
        "arrows",
        full=(
            f"{len(past):,} message",
            f"{len(future):,} after it (purple)",
            "the rest concurrent (faded)",
            "blue / purple share of a bar: in the focus's past / future",
            "of the past and future 1 in ",
            "zoom in (wheel) for all",
        ),
    )
    page.mouse.move(0, 0)  # no tooltip over the picture
    page.locator(CANVAS).screenshot(
        path=str(artifacts / f"spacetime-2000-focus-{size[0]}-{scheme}.png")
    )
    page.close()


@pytest.mark.parametrize("scenario", ["supervision-tree", "partition"])
@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_sixteen_nodes_with_a_focus(browser, tmp_path, artifacts, scenario, size, scheme):
    """16 nodes: a click on a drawn arrow names its causal past and future exactly, whether the
    window is drawn one by one (few actors, open bands) or bundled (closed bands)."""
    trace = ml.scenarios.run(scenario, seed=1, nodes=16)
    page = _open(browser, trace, tmp_path / "st16.html", size=size, scheme=scheme)
    msg_id, ds = _focus_a_message(page, trace)
    past, future = happens_before(trace, msg_id)
    assert int(ds["stPast"]) == len(past) and int(ds["stFuture"]) == len(future)
    assert ds["stFocusDrawn"] == "1"
    _assert_caption_whole(
        ds,
        f"{len(future):,} after",
        full=(f"{len(future):,} after it (purple)", "click empty plot to clear"),
    )
    if scenario == "partition":
        # 16 closed bands: all in view, no row scrolled out under the caption
        assert int(ds["stRows"]) == 16 and ds["stMaxScroll"] == "0", ds["stCaption"]
        assert not re.search(r"\brows \d", ds["stCaption"]), ds["stCaption"]
    # hovering the caption shows its statements in full
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + box["height"] - 8)
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    assert "click empty plot to clear" in tip and f"{len(future):,} after it (purple)" in tip, tip
    if scenario == "partition":
        page.screenshot(path=str(artifacts / f"spacetime-16-tip-{size[0]}-{scheme}.png"))
    page.mouse.move(0, 0)
    page.locator(CANVAS).screenshot(
        path=str(artifacts / f"spacetime-16-{scenario}-{size[0]}-{scheme}.png")
    )
    page.close()
