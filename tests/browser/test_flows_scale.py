"""The flows view at the sizes a person opens it at, in the HTML replay in headless Chromium:
a ring and ping-pong pairs (every name written), 2,001 actors on 16 nodes (the circle sized to the
plot, every node named, the busiest flows drawn and the rest counted in the caption) and 100,000
actors on 200 nodes (the topology's zones, a click into one zone and back). At 1280 and 900 px,
light and dark, no text drawn over another (data-text-boxes). Every wait is on a data-* signal the
canvas sets; screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import json
import re

import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

from . import replay_page
from .replay_page import CANVAS

SIZES = [(1280, "light"), (900, "dark")]
ALL_SIZES = [(1280, "light"), (1280, "dark"), (900, "light"), (900, "dark")]


def attr(page, name: str) -> str:
    return page.get_attribute(CANVAS, f"data-{name}") or ""


def wait(page, js: str) -> None:
    page.wait_for_function(
        f"() => {{ const d = document.querySelector('{CANVAS}').dataset; return {js}; }}",
        timeout=60_000,
    )


def open_html(browser, path, width: int, scheme: str):
    return replay_page.open_html(browser, path, width=width, scheme=scheme, ready_timeout=90_000)


def texts_on_canvas(page) -> list[str]:
    """Every text of the last frame, after checking that none overlaps another or leaves the
    canvas (the frame laid out for the canvas as it is now)."""
    wait(
        page,
        "d.flows !== undefined && (() => { const c = document.querySelector('canvas.ml-main');"
        " const r = c.getBoundingClientRect(); return d.textArea ==="
        " `${Math.round(r.width)}x${Math.round(r.height)}`; })()",
    )
    boxes = [tuple(map(float, b.split(","))) for b in attr(page, "text-boxes").split(";") if b]
    said = attr(page, "texts").split("\n")
    assert len(said) == len(boxes), (len(said), len(boxes))
    canvas = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    for i, (x, y, w, h) in enumerate(boxes):
        assert x >= 0 and y >= 0, (said[i], x, y)
        assert x + w <= canvas["width"] + 0.5 and y + h <= canvas["height"] + 0.5, (said[i], x, y)
        for j in range(i + 1, len(boxes)):
            x2, y2, w2, h2 = boxes[j]
            apart = x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
            assert apart, f"{said[i]!r} {boxes[i]} overlaps {said[j]!r} {boxes[j]}"
    return said


def dots(page) -> dict[str, tuple[float, float]]:
    out = {}
    for item in attr(page, "flow-dots-xy").split():
        name, xy = item.rsplit("=", 1)
        x, y = xy.split(",")
        out[name] = (float(x), float(y))
    return out


def canvas_xy(page, x: float, y: float) -> tuple[float, float]:
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    return box["x"] + x, box["y"] + y


@pytest.mark.parametrize("scenario,t", [("ring", 1.0), ("ping-pong", 0.5)])
def test_flows_few_actors_every_name_written(browser, tmp_path, artifacts, scenario, t):
    trace = ml.scenarios.run(scenario, seed=1)
    path = ml.Canvas(trace, height=620, time=t, view="flows").save_html(tmp_path / "s.html")
    for width, scheme in ALL_SIZES:
        context, page, errors = open_html(browser, path, width, scheme)
        said = texts_on_canvas(page)
        n = len(dots(page))
        assert attr(page, "flow-labels") == f"{n}/{n}", said
        assert attr(page, "lod") == "detail"
        for name in dots(page):
            assert any(s.startswith(name) for s in said), (name, said)
        page.screenshot(path=str(artifacts / f"flows-scale-{scenario}-{width}-{scheme}.png"))
        assert not errors, errors
        context.close()


@pytest.fixture(scope="module")
def mesh16(tmp_path_factory):
    trace = synthetic_trace(actors=2000, nodes=16, messages=40_000, span=30.0, failures=20, seed=2)
    out = tmp_path_factory.mktemp("flows16") / "mesh16.html"
    return ml.Canvas(trace, height=620, time=15.0, view="flows").save_html(out)


@pytest.mark.parametrize("width,scheme", ALL_SIZES)
def test_flows_16_nodes_legible(browser, mesh16, artifacts, width, scheme):
    context, page, errors = open_html(browser, mesh16, width, scheme)
    wait(page, "d.lod === 'aggregate'")
    said = texts_on_canvas(page)
    # every node is named, beside its dot
    xy = dots(page)
    assert sorted(xy) == sorted(f"n{i}" for i in range(16))
    for name in xy:
        assert name in said, (name, said)
    assert attr(page, "flow-labels") == "16/16"
    # the circle uses the plot: over half its smaller side (the caption and labels take the rest;
    # it was ~220 px of a 970 x 480 plot)
    canvas = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    ys = [y for _, y in xy.values()]
    side = min(canvas["width"], canvas["height"])
    assert max(ys) - min(ys) >= 0.55 * side, (max(ys) - min(ys), canvas)
    # all-to-all: the busiest flows are drawn, the rest counted in the caption, never cut silently
    hidden, hidden_msgs, total = map(int, attr(page, "flow-hidden").split(","))
    drawn = int(attr(page, "flows"))
    assert drawn + hidden == 240, (drawn, hidden)
    assert 0 < drawn <= 60 and 0 < hidden_msgs < total
    caption = next(s for s in said if "flows drawn" in s)
    said_drawn = rf"the busiest {drawn} of 240 flows drawn \(\d+% of messages\)"
    assert re.search(said_drawn, caption), caption
    page.screenshot(path=str(artifacts / f"flows-scale-16-nodes-{width}-{scheme}.png"))
    assert not errors, errors
    context.close()


@pytest.fixture(scope="module")
def mesh200(tmp_path_factory):
    trace = synthetic_trace(
        actors=100_000, nodes=200, messages=300_000, span=30.0, failures=300, seed=2
    )
    out = tmp_path_factory.mktemp("flows200") / "mesh200.html"
    return ml.Canvas(trace, height=620, time=15.0, view="flows").save_html(out)


@pytest.mark.parametrize("width,scheme", SIZES)
def test_flows_200_nodes_in_zones(browser, mesh200, artifacts, width, scheme):
    context, page, errors = open_html(browser, mesh200, width, scheme)
    wait(page, "d.lod === 'aggregate' && d.flowZones !== undefined && d.flowZones !== ''")
    zones = json.loads(attr(page, "flow-zones"))
    # the topology's zones: blocks of 10 consecutive nodes
    assert zones["source"] == "block" and len(zones["zones"]) == 20
    assert all(z["nodes"] == 10 for z in zones["zones"])
    said = texts_on_canvas(page)
    xy = dots(page)
    assert sorted(xy) == sorted(z["name"] for z in zones["zones"])
    assert sum(name in said for name in xy) >= 16, said  # zone names, nearly all with room
    # flows between zones: every edge is between two zones' names
    edges = attr(page, "flow-edges").split()
    assert edges and all(re.fullmatch(r"n\d+–n\d+>n\d+–n\d+:\d+", e) for e in edges), edges[:4]
    # hover the busiest band: the rate, types and latency of the messages between two zones
    mx, my = (float(v) for v in attr(page, "flow-mid").split(","))
    page.mouse.move(*canvas_xy(page, mx, my))
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    assert re.search(r"n\d+–n\d+ → n\d+–n\d+: [\d.]+/s", tip), tip
    assert "types: " in tip and "p50" in tip and "p99" in tip, tip
    page.screenshot(path=str(artifacts / f"flows-scale-200-zones-{width}-{scheme}.png"))
    page.mouse.move(0, 0)

    # a click on a zone's dot opens it: its ten nodes on the circle among the other zones
    name = "n20–n29"
    page.mouse.click(*canvas_xy(page, *xy[name]))
    wait(page, f"d.flowZoneFocus === '{name}'")
    said = texts_on_canvas(page)
    xy = dots(page)
    assert {f"n{i}" for i in range(20, 30)} <= set(xy), sorted(xy)
    assert len(xy) == 10 + 19
    assert "‹ all zones" in said
    assert any(re.fullmatch(r"n2\d>n\d+–n\d+:\d+", e) for e in attr(page, "flow-edges").split())
    page.screenshot(path=str(artifacts / f"flows-scale-200-zoomed-{width}-{scheme}.png"))
    # and the button goes back to all zones
    back = json.loads(attr(page, "flow-zones"))["back"]
    page.mouse.click(*canvas_xy(page, back[0] + back[2] / 2, back[1] + back[3] / 2))
    wait(page, "d.flowZoneFocus === ''")
    texts_on_canvas(page)
    assert not errors, errors
    context.close()
