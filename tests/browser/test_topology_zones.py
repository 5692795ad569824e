"""The topology view above 50 nodes, in the HTML replay in headless Chromium: nodes drawn in
zones (blocks of consecutive nodes here), each zone's counts equal to what Trace.state_at says
of its nodes, no text drawn over another at 1280 and 900 px, light and dark, the wheel zooming
into the zone of a dead node and the side column's button back out, and 16 nodes still drawn one
by one. Every wait is on a data-* signal the canvas sets; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from . import replay_page
from .replay_page import CANVAS
from .zoned_trace import zoned_trace

T = 20.0
STATUSES = ("failed", "restarting", "busy", "idle", "stopped")


def open_replay(browser, tmp_path, trace, name, *, width, scheme):
    context, page, errors = replay_page.open_replay(
        browser, tmp_path, trace, name, width=width, scheme=scheme, ready_timeout=60_000, time=T
    )
    wait(page, f"Math.abs(parseFloat(d.time) - {T}) < 1e-9 && d.textBoxes !== undefined")
    return context, page, errors


def wait(page, js: str) -> None:
    page.wait_for_function(
        f"() => {{ const d = document.querySelector('{CANVAS}').dataset; return {js}; }}",
        timeout=30_000,
    )


def text_boxes(page) -> list[tuple[float, float, float, float]]:
    raw = page.get_attribute(CANVAS, "data-text-boxes") or ""
    return [tuple(map(float, b.split(","))) for b in raw.split(";") if b]  # type: ignore[misc]


def assert_no_overlap(page) -> int:
    boxes = text_boxes(page)
    canvas = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    for i, (x, y, w, h) in enumerate(boxes):
        assert x >= 0 and y >= 0 and x + w <= canvas["width"] + 0.5, (x, y, w, h)
        assert y + h <= canvas["height"] + 0.5, (x, y, w, h)
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            apart = x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
            assert apart, f"text at {(x, y, w, h)} overlaps text at {(x2, y2, w2, h2)}"
    return len(boxes)


def assert_partition_caption_whole(page, zones: list[dict]) -> None:
    """The partition's caption says since when and each side (its nodes by name, by runs or
    counted), none of its lines clipped, and covers no zone box."""
    sides = [s.split(",") for s in page.get_attribute(CANVAS, "data-sides").split("|")]
    assert len(sides) >= 2
    assert page.get_attribute(CANVAS, "data-caption-cut") == "0"
    lines = page.get_attribute(CANVAS, "data-caption-lines").split("\n")
    assert lines[0].startswith("✂ partition since t="), lines
    for i, side in enumerate(sides):
        line = next(x for x in lines if x.startswith(f"side {'ABCDEFGH'[i]}: "))
        rest = line.split(": ", 1)[1]
        assert rest == ", ".join(side) or rest.startswith(f"{len(side):,} node"), (line, side)
    x, y, w, h = map(float, page.get_attribute(CANVAS, "data-caption-box").split(","))
    for z in zones:
        zx, zy, zw, zh = z["box"]
        assert x >= zx + zw or zx >= x + w or y >= zy + zh or zy >= y + h, (z["name"], x, y, w, h)


def expected_counts(trace, zones: list[dict]) -> list[dict]:
    """Each zone's counts from Trace.state_at: node states and actor statuses of its nodes."""
    state = trace.state_at(T)
    node_state = dict(zip(state.nodes["node"], state.nodes["state"], strict=True))
    per_node = state.actors.group_by("node", "status").len()
    hung = state.actors.filter(pl.col("hung")).group_by("node").len()
    out = []
    for z in zones:
        nodes = z["nodes"]
        mine = per_node.filter(pl.col("node").is_in(nodes))
        c = {s: int(mine.filter(pl.col("status") == s)["len"].sum()) for s in STATUSES}
        states = [node_state.get(n) for n in nodes]
        c["nodes"] = len(nodes)
        c["down"] = states.count("down")
        c["left"] = states.count("left")
        c["other"] = sum(s not in (None, "up", "down", "left") for s in states)
        c["hung"] = int(hung.filter(pl.col("node").is_in(nodes))["len"].sum())
        out.append(c)
    return out


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (900, "dark"), (900, "light"), (1280, "dark")]
)
def test_zones_at_200_nodes_count_what_state_at_says_and_never_overlap(
    browser, tmp_path, artifacts, width, scheme
):
    trace = zoned_trace(actors=20_000, nodes=200, cut=10)
    context, page, errors = open_replay(
        browser, tmp_path, trace, "zones200", width=width, scheme=scheme
    )
    try:
        wait(page, "d.zones")
        zs = json.loads(page.get_attribute(CANVAS, "data-zones"))
        assert zs["source"] == "block"
        zones = zs["zones"]
        assert len(zones) == 20
        assert zones[6]["name"] == "n60–n69"
        every = [n for z in zones for n in z["nodes"]]
        assert sorted(every) == sorted(trace.meta.nodes)  # each node in exactly one zone
        got = [
            {k: z["counts"][k] for k in exp}
            for z, exp in zip(zones, expected_counts(trace, zones), strict=True)
        ]
        assert got == expected_counts(trace, zones)
        # the trouble is there to find: the dead node's zone, the failed actors, maintenance
        assert zones[6]["counts"]["down"] == 1 and zones[10]["counts"]["other"] == 1
        assert sum(z["counts"]["failed"] for z in zones) >= 8
        assert assert_no_overlap(page) >= 40  # zone headers and cell names, at least
        # the partition's caption is whole: which nodes are on which side, not just its title
        assert_partition_caption_whole(page, zones)
        page.screenshot(path=str(artifacts / f"zones-200-{width}-{scheme}.png"))

        # the wheel over the dead node's zone zooms into it: its nodes drawn one by one
        box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
        x, y, w, h = zones[6]["box"]
        page.mouse.move(box["x"] + x + w / 2, box["y"] + y + h / 2)
        page.mouse.wheel(0, -120)
        wait(page, "d.zoneFocus === 'n60–n69'")
        rows = json.loads(page.get_attribute(CANVAS, "data-zones"))["zones"]
        assert any(r["name"] == "n60–n69" for r in rows)
        assert_no_overlap(page)
        page.screenshot(path=str(artifacts / f"zones-200-{width}-{scheme}-zoomed.png"))
        # the side column lists the other zones (the last row sums those it has no room
        # for); a row with failures counts them in its tooltip
        zoomed = json.loads(page.get_attribute(CANVAS, "data-zones"))
        listed = [r for r in zoomed["zones"] if r["counts"]["failed"]]
        more = zoomed["more"]
        assert sum(r["counts"]["failed"] for r in zoomed["zones"]) + (
            more["counts"]["failed"] if more else 0
        ) == sum(z["counts"]["failed"] for z in zones)
        tx, ty, tw, th = listed[0]["box"] if listed else more["box"]
        page.mouse.move(box["x"] + tx + tw / 2, box["y"] + ty + th / 2)
        page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
        tip = page.inner_text(f"{CANVAS} .ml-tip")
        assert re.search(r"\d+ failed", tip), tip
        # back out: the button at the top of the side column
        bx, by, bw, bh = zoomed["back"]
        page.mouse.click(box["x"] + bx + bw / 2, box["y"] + by + bh / 2)
        wait(page, "d.zoneFocus === '' && d.zones")
        assert not errors, errors
    finally:
        context.close()


def test_zones_at_60_nodes_and_none_at_16(browser, tmp_path, artifacts):
    trace = zoned_trace(actors=2_000, nodes=60, cut=6)
    context, page, errors = open_replay(
        browser, tmp_path, trace, "zones60", width=900, scheme="light"
    )
    try:
        wait(page, "d.zones")
        zones = json.loads(page.get_attribute(CANVAS, "data-zones"))["zones"]
        assert [z["name"] for z in zones] == [f"n{i}–n{i + 9}" for i in range(0, 60, 10)]
        assert [
            {k: z["counts"][k] for k in exp}
            for z, exp in zip(zones, expected_counts(trace, zones), strict=True)
        ] == expected_counts(trace, zones)
        assert assert_no_overlap(page) >= 60  # six headers and sixty cell names
        page.screenshot(path=str(artifacts / "zones-60-900-light.png"))
        # a double-click on a zone zooms into it as well
        box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
        x, y, w, _h = zones[2]["box"]
        page.mouse.dblclick(box["x"] + x + w / 2, box["y"] + y + 4)
        wait(page, "d.zoneFocus === 'n20–n29'")
        assert_no_overlap(page)
        assert not errors, errors
    finally:
        context.close()
    small = zoned_trace(actors=300, nodes=16, cut=3)
    context, page, errors = open_replay(
        browser, tmp_path, small, "zones16", width=900, scheme="light"
    )
    try:
        assert page.get_attribute(CANVAS, "data-zones") == ""
        assert assert_no_overlap(page) >= 16  # every node's name in its header
        page.screenshot(path=str(artifacts / "zones-16-900-light.png"))
        assert not errors, errors
    finally:
        context.close()
