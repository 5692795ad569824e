"""A partial partition in Chromium, through the HTML replay: links cut between nodes that still
reach each other through a third are drawn as dashed curves between the two regions, with the
bridging nodes marked and named, for the whole cut and gone after the heal; the signals the
canvas sets are checked against the cut links and bridges computed from the trace in Python.
Screenshots at 1280 and 900 px, light and dark, also of a full split for comparison."""

from __future__ import annotations

import pytest

import meshlab as ml

from .partial_partition import bridged_split, cut_pairs_and_bridges, partial_trace, sides
from .test_flows_partition_table import (
    CANVAS,
    attr,
    canvas_xy,
    colour_pixels,
    open_replay,
    wait_attr,
)
from .test_topology_zones import assert_no_overlap, text_boxes, texts

# the cut links' colour (palette.ts PARTITION) in each theme, and the bridges' (BRIDGE)
CUT_RGB = {"light": (0x7B, 0x2C, 0xBF), "dark": (0xB1, 0x97, 0xFC)}
BRIDGE_RGB = {"light": (0x49, 0x50, 0x57), "dark": (0xDE, 0xE2, 0xE6)}
T = 3.0


def expected(trace, t: float) -> tuple[str, str]:
    """The canvas's data-partial-cuts and data-bridges, as computed from the trace."""
    cuts = cut_pairs_and_bridges(trace, t)
    entries = sorted(f"{a}~{b}@{','.join(via)}" for (a, b), via in cuts.items())
    bridges = sorted({n for via in cuts.values() for n in via}, key=lambda n: int(n[1:]))
    return " ".join(entries), ",".join(bridges)


SCATTERED = [("n0", "n8"), ("n0", "n9"), ("n1", "n8"), ("n1", "n9"), ("n5", "n6"), ("n3", "n14")]
SPLIT = [(f"n{a}", f"n{b}") for a in range(3) for b in range(3, 6)]
HALVES = [(f"n{a}", f"n{b}") for a in range(7) for b in range(8, 15)] + [("n7", "n15")]
CASES = {
    # {n0, n1} cannot reach {n2, n3}; n4 alone bridges them
    "5": (5, bridged_split(), True),
    # several cut links on 16 nodes, each bridged by many nodes (named in the caption only)
    "16-scattered": (16, SCATTERED, False),
    # two halves cut from each other (49 links, one counted curve) that n7 and n15 bridge
    "16-halves": (16, HALVES, True),
    # a full split {n0, n1, n2} | {n3, n4, n5}, and inside the first side n0 cannot reach n1
    # directly (n2 bridges): the sides and the partial cut at once
    "6-split": (6, [*SPLIT, ("n0", "n1")], True),
}


def check_partial(page, trace, theme: str, bridge_marks: bool) -> None:
    want_cuts, want_bridges = expected(trace, T)
    assert want_cuts, "the trace has no partial partition at t=3"
    wait_attr(page, "partial-cuts", "v !== ''")
    assert " ".join(sorted(attr(page, "partial-cuts").split())) == want_cuts
    assert attr(page, "bridges") == want_bridges
    assert attr(page, "sides") == sides(trace, T)
    assert attr(page, "theme") == theme
    assert colour_pixels(page, CUT_RGB[theme], tol=6) > 800
    # a marked bridge: its chip (and outline, without sides); else only stray text pixels
    marks = colour_pixels(page, BRIDGE_RGB[theme], tol=4)
    assert marks > 400 if bridge_marks else marks < 150, marks


@pytest.mark.parametrize(
    ("case", "width", "theme"),
    [
        ("5", 1280, "light"),
        ("5", 900, "dark"),
        ("16-scattered", 1280, "dark"),
        ("16-scattered", 900, "light"),
        ("16-halves", 1280, "light"),
        ("16-halves", 900, "dark"),
        ("6-split", 1280, "dark"),
        ("6-split", 900, "light"),
    ],
)
def test_partial_partition_names_cut_links_and_bridges(
    browser, tmp_path, artifacts, case, width, theme
):
    nodes, cuts, bridge_marks = CASES[case]
    trace = partial_trace(nodes, cuts)
    name = f"partial-{case}-{theme}-{width}"
    context, page, errors = open_replay(
        browser, tmp_path, trace, name, time=T, width=width, scheme=theme
    )
    check_partial(page, trace, theme, bridge_marks)
    # hovering a cut link says who cannot talk and through whom they still do
    x, y = (float(v) for v in attr(page, "cut-xy").split(","))
    page.mouse.move(*canvas_xy(page, x, y))
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    # the first curve drawn is the first cut link in node order
    (a, b), via = min(
        cut_pairs_and_bridges(trace, T).items(),
        key=lambda kv: (int(kv[0][0][1:]), int(kv[0][1][1:])),
    )
    if case == "16-halves":  # a block of 49 links is one curve, naming both groups
        assert "n0, n1, n2, n3, n4, n5, n6 ✂ n8, n9, n10, n11, n12, n13, n14: 49 cut links" in tip
    else:
        assert f"{a} ✂ {b}:" in tip, tip
    assert "no direct link since t=2" in tip, tip
    assert f"reach {via[0]}" in tip, tip
    page.mouse.move(0, 0)
    page.wait_for_selector(f"{CANVAS} .ml-tip", state="hidden")
    page.screenshot(path=str(artifacts / f"{name}.png"))
    # after the heal nothing of it is left
    page.focus(CANVAS)
    page.keyboard.press("End")
    wait_attr(page, "partial-cuts", "v === ''")
    assert attr(page, "bridges") == "" and attr(page, "cut-xy") == ""
    assert not errors, errors
    context.close()


@pytest.mark.parametrize(("width", "theme"), [(1280, "light"), (900, "dark")])
def test_the_builtin_partial_partition_scenario(browser, tmp_path, artifacts, width, theme):
    """`meshlab run partial-partition`: the same cuts as the 5-node case, drawn with n4 as
    the bridge and the caption naming both groups, while the writer detours through n4."""
    trace = ml.scenarios.run("partial-partition", seed=1)
    name = f"partial-builtin-{theme}-{width}"
    context, page, errors = open_replay(
        browser, tmp_path, trace, name, time=T, width=width, scheme=theme
    )
    check_partial(page, trace, theme, bridge_marks=True)
    assert sorted(attr(page, "partial-cuts").split()) == [
        "n0~n2@n4", "n0~n3@n4", "n1~n2@n4", "n1~n3@n4"
    ]  # fmt: skip
    assert "n0, n1 ✂ n2, n3 · via n4" in attr(page, "caption-lines")
    assert attr(page, "caption-cut") == "0"
    page.screenshot(path=str(artifacts / f"{name}.png"))
    page.focus(CANVAS)
    page.keyboard.press("End")
    wait_attr(page, "partial-cuts", "v === ''")
    assert attr(page, "bridges") == ""
    assert not errors, errors
    context.close()


@pytest.mark.parametrize(("width", "theme"), [(1280, "dark"), (900, "light"), (900, "dark")])
def test_full_partition_sides_in_both_themes(browser, tmp_path, artifacts, width, theme):
    trace = ml.scenarios.run("partition", seed=1)
    context, page, errors = open_replay(
        browser, tmp_path, trace, f"full-{theme}-{width}", time=3.5, width=width, scheme=theme
    )
    wait_attr(page, "sides", "v === 'n0,n1|n2,n3,n4'")
    assert attr(page, "partial-cuts") == "" and attr(page, "theme") == theme
    page.screenshot(path=str(artifacts / f"partition-full-{theme}-{width}.png"))
    assert not errors, errors
    context.close()


def boxes(page) -> tuple[tuple[float, ...], dict[str, tuple[float, ...]]]:
    """The caption's box and each region's box, as the canvas publishes them."""
    caption = tuple(float(v) for v in attr(page, "caption-box").split(","))
    regions = {}
    for entry in attr(page, "region-boxes").split(";"):
        name, xywh = entry.split(":")
        regions[name] = tuple(float(v) for v in xywh.split(","))
    return caption, regions


def intersects(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize(
    ("case", "width", "theme"),
    [
        ("split-16", 1280, "light"),
        ("split-16", 900, "dark"),
        ("split-5", 1280, "dark"),
        ("split-5", 900, "light"),
        ("16-halves", 1280, "dark"),
        ("16-halves", 900, "light"),
        ("5", 900, "dark"),
    ],
)
def test_partition_caption_covers_no_region(browser, tmp_path, artifacts, case, width, theme):
    """The caption goes in the grid's empty cell, else in a strip kept under a full grid (16
    nodes in 4 x 4): its box meets no region's box, and it still names the sides or the cuts."""
    if case.startswith("split-"):
        trace = ml.scenarios.run("partition", seed=1, nodes=int(case[6:]))
        ready = "sides"
    else:
        nodes, cuts, _ = CASES[case]
        trace = partial_trace(nodes, cuts)
        ready = "partial-cuts"
    name = f"caption-{case}-{theme}-{width}"
    context, page, errors = open_replay(
        browser, tmp_path, trace, name, time=T, width=width, scheme=theme
    )
    wait_attr(page, ready, "v !== ''")
    wait_attr(page, "caption-box", "v !== ''")
    caption, regions = boxes(page)
    nodes = trace.events["node"].unique().len()
    assert len(regions) == nodes, regions
    assert caption[2] > 100 and caption[3] > 30, caption
    covered = [n for n, r in regions.items() if intersects(caption, r)]
    assert not covered, (caption, covered)
    # the caption stays on the canvas
    w, h = (
        float(v)
        for v in page.eval_on_selector(
            f"{CANVAS} canvas.ml-main", "c => [c.clientWidth, c.clientHeight]"
        )
    )
    assert caption[0] >= 0 and caption[1] >= 0, caption
    assert caption[0] + caption[2] <= w + 0.5 and caption[1] + caption[3] <= h + 0.5, (
        caption,
        w,
        h,
    )
    # a long side is named by its runs of nodes, as the zoned caption names it; a short one by name
    lines = attr(page, "caption-lines").split("\n")
    if case == "split-16":
        assert "side A: 8 nodes: n0–n7" in lines and "side B: 8 nodes: n8–n15" in lines, lines
    elif case == "split-5":
        assert "side A: n0, n1" in lines and "side B: n2, n3, n4" in lines, lines
    elif case == "16-halves":
        assert "n0–n6 ✂ n8–n14 · via n7, n15" in lines, lines
    assert attr(page, "caption-cut") == "0", lines
    page.screenshot(path=str(artifacts / f"{name}.png"))
    assert not errors, errors
    context.close()


def set_time(page, t: float) -> None:
    """Move the playhead to t and wait for the frame drawn there."""
    page.evaluate("(t) => window.meshlabReplay.view.setTime(t)", t)
    wait_attr(page, "time", f"Math.abs(parseFloat(v) - {t}) < 1e-9")


@pytest.mark.parametrize(
    ("width", "theme"), [(1280, "light"), (1280, "dark"), (900, "light"), (900, "dark")]
)
def test_caption_room_only_from_the_first_cut_to_the_last_heal(
    browser, tmp_path, artifacts, width, theme
):
    """16 nodes fill their grid, so the caption needs a strip under it: before the cut at t=2 and
    after the heal at t=5 the regions take the whole height; from the cut to the heal the grid
    stands still above the strip (no jump while playing through the cut)."""
    trace = ml.scenarios.run("partition", seed=1, nodes=16)
    name = f"caption-room-{theme}-{width}"
    context, page, errors = open_replay(
        browser, tmp_path, trace, name, time=1.0, width=width, scheme=theme
    )
    height = page.eval_on_selector(f"{CANVAS} canvas.ml-main", "c => c.clientHeight")
    set_time(page, 1.0)
    _, before = boxes_of(page)
    assert attr(page, "caption-box") == ""
    # no strip: the last row of regions ends at the canvas's margin
    assert max(y + h for _, y, _, h in before.values()) > height - 12, before
    page.screenshot(path=str(artifacts / f"{name}-1-before.png"))
    set_time(page, 3.0)
    caption, during = boxes_of(page)
    assert caption and during != before
    assert all(caption[1] >= y + h for _, y, _, h in during.values()), (caption, during)
    page.screenshot(path=str(artifacts / f"{name}-2-cut.png"))
    for t in (2.0, 4.99):
        set_time(page, t)
        assert boxes_of(page)[1] == during, t
    set_time(page, 5.5)
    assert attr(page, "caption-box") == "" and boxes_of(page)[1] == before
    page.screenshot(path=str(artifacts / f"{name}-3-healed.png"))
    assert not errors, errors
    context.close()


def boxes_of(page) -> tuple[tuple[float, ...] | None, dict[str, tuple[float, ...]]]:
    """The caption's box (None when there is none) and each region's box."""
    regions = {}
    for entry in attr(page, "region-boxes").split(";"):
        name, xywh = entry.split(":")
        regions[name] = tuple(float(v) for v in xywh.split(","))
    box = attr(page, "caption-box")
    return (tuple(float(v) for v in box.split(",")) if box else None), regions


@pytest.mark.parametrize(
    ("width", "theme"), [(1280, "light"), (1280, "dark"), (900, "light"), (900, "dark")]
)
def test_a_fork_that_prevents_the_cuts_draws_no_partition(
    browser, tmp_path, artifacts, width, theme
):
    """`prevent("link_down", count=None)` takes away partial-partition's four `Mesh.cut`s: its
    branch shows no cut link, bridge, side or caption at t=3, where the base shows them."""
    base = ml.Run("partial-partition", seed=1)
    fork = base.fork(ml.fork.prevent("link_down", count=None), at=1.0)
    name = f"partial-prevented-{theme}-{width}"
    context, page, errors = open_replay(
        browser,
        tmp_path,
        base,
        name,
        time=T,
        width=width,
        scheme=theme,
        branches={"prevented": fork},
    )
    wait_attr(page, "partial-cuts", "v !== ''")
    assert "n0, n1 ✂ n2, n3 · via n4" in attr(page, "caption-lines")
    page.locator(".ml-branch-tab").nth(1).click()
    page.wait_for_selector(f"[data-branch='prevented'] {CANVAS}[data-ready='1']")
    wait_attr(page, "time", f"parseFloat(v) === {T}")
    wait_attr(page, "partial-cuts", "v === ''")
    assert attr(page, "bridges") == "" and attr(page, "sides") == ""
    assert attr(page, "caption-box") == "" and attr(page, "drop-badges") == ""
    page.screenshot(path=str(artifacts / f"{name}.png"))
    assert not errors, errors
    context.close()


# What each region's header chips say (from data-texts, as placed by the one function that
# also draws them): a cut end names the nodes it cannot reach as runs, a few bridges are marked,
# each side's regions carry its letter.
CHIPS = {
    "16-halves": {
        **{f"n{i}": ["✂ n8–n14"] for i in range(7)},
        **{f"n{i}": ["✂ n0–n6"] for i in range(8, 15)},
        "n7": ["✂ n15", "⇄"],
        "n15": ["✂ n7", "⇄"],
    },
    "builtin": {"n0": ["✂ n2, n3"], "n1": ["✂ n2, n3"], "n2": ["✂ n0, n1"], "n3": ["✂ n0, n1"]},
    "split-16": {
        **{f"n{i}": ["side A"] for i in range(8)},
        **{f"n{i}": ["side B"] for i in range(8, 16)},
    },
}


@pytest.mark.parametrize("case", ["16-halves", "builtin", "split-16"])
@pytest.mark.parametrize(
    ("width", "theme"), [(1280, "light"), (900, "dark"), (900, "light"), (1280, "dark")]
)
def test_header_chips_name_runs_and_no_text_overlaps(
    browser, tmp_path, artifacts, case, width, theme
):
    """The chips on the nodes' headers say which nodes a node is cut from as runs ("✂ n8–n14",
    not "✂ 7 nodes"), or its side; they are reported with every other text (data-text-boxes,
    data-texts), each inside its region's header, and no text overlaps another."""
    if case == "builtin":
        trace = ml.scenarios.run("partial-partition", seed=1)
    elif case == "split-16":
        trace = ml.scenarios.run("partition", seed=1, nodes=16)
    else:
        trace = partial_trace(*CASES[case][:2])
    name = f"chips-{case}-{theme}-{width}"
    context, page, errors = open_replay(
        browser, tmp_path, trace, name, time=T, width=width, scheme=theme
    )
    wait_attr(page, "sides" if case == "split-16" else "partial-cuts", "v !== ''")
    assert_no_overlap(page)
    said, where = texts(page), text_boxes(page)
    _caption, regions = boxes(page)
    got: dict[str, list[str]] = {}
    for text, (x, y, w, h) in zip(said, where, strict=True):
        if text.endswith(" links"):
            # a bundle's label, on its curve where it covers no text (checked above)
            got.setdefault("bundles", []).append(text)
            continue
        if not (text.startswith(("✂ ", "⇄", "side ")) or text in ("A", "B")):
            continue
        # each chip sits in one region's header, at its right end
        owner = [
            n for n, (rx, ry, rw, _rh) in regions.items()
            if rx <= x and x + w <= rx + rw and ry <= y and y + h <= ry + 22
        ]  # fmt: skip
        assert len(owner) == 1, (text, (x, y, w, h), owner)
        # a bridge's chip in full where the header has room, else its arrows alone
        got.setdefault(owner[0], []).append("⇄" if text == "⇄ bridge" else text)
    want = CHIPS[case]
    if width < 1000 and case == "split-16":
        # at notebook width every side chip may be its letter alone (never mixed in one frame)
        forms = {t for ts in got.values() for t in ts}
        assert forms in ({"side A", "side B"}, {"A", "B"}), forms
    else:
        assert {n: got.get(n) for n in want} == want, got
    # the 49 links between the halves are one curve, labelled once
    assert got.get("bundles", []) == (["✂ 49 links"] if case == "16-halves" else []), got
    # every header still reads its name and its state word in full
    assert all(n in said for n in regions), said
    assert said.count("· up") + said.count("up") == len(regions), said
    page.screenshot(path=str(artifacts / f"{name}.png"))
    assert not errors, errors
    context.close()
