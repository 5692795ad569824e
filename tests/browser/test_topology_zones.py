"""The topology view above 50 nodes, in the HTML replay in headless Chromium: nodes drawn in
zones (blocks of consecutive nodes here), each zone's counts equal to what Trace.state_at says
of its nodes, no text drawn over another at 1280 and 900 px, light and dark, the wheel zooming
into the zone of a dead node and the side column's button back out, and 16 nodes still drawn one
by one. Every wait is on a data-* signal the canvas sets; screenshots go to test-artifacts/."""

from __future__ import annotations

import functools
import json
import re

import polars as pl
import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

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


def texts(page) -> list[str]:
    """What each of data-text-boxes says, in the same order."""
    raw = page.get_attribute(CANVAS, "data-texts") or ""
    return raw.split("\n") if raw else []


def assert_no_overlap(page) -> int:
    # the last frame was laid out for the canvas as it is now (the page may still reflow as
    # the legend and the inspector fill in)
    wait(
        page,
        "(() => { const c = document.querySelector('canvas.ml-main'); const r ="
        " c.getBoundingClientRect(); return d.textArea ==="
        " `${Math.round(r.width)}x${Math.round(r.height)}`; })()",
    )
    boxes = text_boxes(page)
    said = texts(page)
    assert len(said) == len(boxes), (len(said), len(boxes))
    canvas = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    for i, (x, y, w, h) in enumerate(boxes):
        assert x >= 0 and y >= 0 and x + w <= canvas["width"] + 0.5, (said[i], x, y, w, h)
        assert y + h <= canvas["height"] + 0.5, (said[i], x, y, w, h)
        for j, (x2, y2, w2, h2) in enumerate(boxes[i + 1 :], i + 1):
            apart = x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
            assert apart, (
                f"{said[i]!r} at {(x, y, w, h)} overlaps {said[j]!r} at {(x2, y2, w2, h2)}"
            )
    return len(boxes)


# The actors' names as the canvas writes them (draw_actor_labels.ts) and their ink per theme
# (THEME.label), to render a name alone on its ground and compare it with the canvas.
LABEL_FONT = "10px system-ui, 'Liberation Sans', sans-serif"
LABEL_INK = {"light": "#444444", "dark": "#ced4da"}


def mark_boxes(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The passing marks (rings, bursts, messages, drops) the canvas drew, with their boxes."""
    kinds = (page.get_attribute(CANVAS, "data-marks") or "").split()
    raw = page.get_attribute(CANVAS, "data-mark-boxes") or ""
    boxes = [tuple(map(float, b.split(","))) for b in raw.split(";") if b]
    assert len(kinds) == len(boxes), (kinds, boxes)
    return list(zip(kinds, boxes, strict=True))  # type: ignore[arg-type]


def meets(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def assert_names_clear_of_marks(page, scheme: str) -> int:
    """No passing mark crosses an actor's name: a drop's cross is never on a name's box, and
    where a ring, a burst or a message's box meets a name's, the name's pixels are those of the
    name written alone on its ground (so no stroke of the mark is in them). Returns how many
    names a mark's box met."""
    said = texts(page)
    names = [
        (t, b)
        for t, b in zip(said, text_boxes(page), strict=True)
        # actors' names: 11 px high, under a glyph (headers and chips are 14 px, counts 10)
        if b[3] == 11.0
    ]
    assert names, said
    marks = mark_boxes(page)
    for kind, m in marks:
        if kind == "drop":
            for t, b in names:
                assert not meets(m, b), f"a drop's cross at {m} is on {t!r} at {b}"
    crossed = [(t, b) for t, b in names if any(meets(m, b) for _k, m in marks)]
    if not crossed:
        return 0
    bad = page.evaluate(
        """([names, font, ink]) => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const s = c.width / c.getBoundingClientRect().width;
      const main = c.getContext('2d');
      const out = [];
      for (const [text, [x, y, w, h]] of names) {
        const X = Math.floor(x * s), Y = Math.floor(y * s);
        const W = Math.ceil((x + w) * s) - X, H = Math.ceil((y + h) * s) - Y;
        const got = main.getImageData(X, Y, W, H).data;
        // the ground: the colour most pixels of the box have (the letters cover fewer)
        const seen = new Map();
        for (let i = 0; i < got.length; i += 4) {
          const k = (got[i] << 16) | (got[i + 1] << 8) | got[i + 2];
          seen.set(k, (seen.get(k) || 0) + 1);
        }
        const ground = [...seen].sort((a, b) => b[1] - a[1])[0][0];
        const scratch = document.createElement('canvas');
        scratch.width = c.width;
        scratch.height = c.height;
        const g = scratch.getContext('2d');
        g.fillStyle = '#' + ground.toString(16).padStart(6, '0');
        g.fillRect(0, 0, scratch.width, scratch.height);
        g.setTransform(s, 0, 0, s, 0, 0);
        g.font = font;
        g.fillStyle = ink;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText(text, x + w / 2, y + h / 2);
        const want = g.getImageData(X, Y, W, H).data;
        let off = 0;
        for (let i = 0; i < got.length; i += 4) {
          const d = Math.max(Math.abs(got[i] - want[i]), Math.abs(got[i + 1] - want[i + 1]),
                             Math.abs(got[i + 2] - want[i + 2]));
          if (d > 64) off++;
        }
        if (off > 2) out.push(`${text}: ${off} pixels differ from the name alone`);
      }
      return out;
    }""",
        [[[t, list(b)] for t, b in crossed], LABEL_FONT, LABEL_INK[scheme]],
    )
    assert not bad, bad
    return len(crossed)


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


# Every text the topology, zones and deck painters draw (names, headers, counts, summaries, flow
# counts, actor names, restart counts, badges, the deck's chips, drain line and copy labels)
# reports its box; none overlaps another, from a dozen actors to 100,000.
@functools.cache
def scale_case(case: str):
    """(trace, time) of each size: a dozen actors with restarts and failures, a MeshOS drain
    with its badges and a copy in transit, 2,000 actors on 16 nodes and 100,000 on 200 (both
    with a node in maintenance, one down, a cut and a copy in transit)."""
    if case == "12":
        return ml.scenarios.run("supervision-tree", seed=1), 7.0105
    if case == "drain":
        return ml.scenarios.run("maintenance-drain", seed=1), 16.6
    if case == "2000":
        # 1,999 workers and the system actor: 2,000, drawn one by one where the cells allow
        return zoned_trace(actors=1_999, nodes=16, cut=3, meshos=True), T
    return zoned_trace(actors=100_000, nodes=200, cut=10, meshos=True), T


@pytest.mark.parametrize("case", ["12", "drain", "2000", "100000"])
@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (900, "dark"), (900, "light"), (1280, "dark")]
)
def test_no_text_overlaps_another_from_12_to_100000_actors(
    browser, tmp_path, artifacts, case, width, scheme
):
    trace, t = scale_case(case)
    context, page, errors = replay_page.open_replay(
        browser,
        tmp_path,
        trace,
        f"scale{case}",
        width=width,
        scheme=scheme,
        time=t,
        ready_timeout=90_000,
    )
    try:
        wait(page, f"Math.abs(parseFloat(d.time) - {t}) < 1e-9 && d.texts !== undefined")
        n = assert_no_overlap(page)
        said = texts(page)
        page.screenshot(path=str(artifacts / f"scale-{case}-{width}-{scheme}.png"))
        if case == "12":
            # every actor's name and its restart counts are among the texts checked
            assert n >= 12 + 3, said
            assert sum(x.startswith("↻") for x in said) >= 1, said
            assert "worker-1" in said or "root/api/worker-1" in said, said
            # at t = 7.0105 a drop and the rings of a restart and a failure pass worker-2's
            # and api's names: none of them crosses a name
            kinds = [k for k, _m in mark_boxes(page)]
            assert "drop" in kinds and "ring" in kinds and "burst" in kinds, kinds
            assert assert_names_clear_of_marks(page, scheme) >= 2
        elif case == "drain":
            assert page.get_attribute(CANVAS, "data-transit") == "1"
            # the deck's badges (daemons, heat) and the copy's label are checked too
            assert sum(x.startswith("◆") for x in said) >= 4, said
            assert any(x.startswith("model ") and x.endswith("%") for x in said), said
        elif case == "2000":
            assert page.get_attribute(CANVAS, "data-zones") == ""
            assert page.get_attribute(CANVAS, "data-transit") == "1"
            assert n >= 16 + 1, said  # node names and at least the copy or a badge
            assert_maintenance_and_side_both_read(page, "n8")
        else:
            zones = json.loads(page.get_attribute(CANVAS, "data-zones"))["zones"]
            assert n >= 20, said  # the zone headers at least (cells too low for names at 900)
            # the zone of the node in maintenance names it in its header, at every width
            z = next(z for z in zones if "n100" in z["nodes"])
            x, y, w, _h = z["box"]
            head = [
                s
                for s, (bx, by, bw, bh) in zip(said, text_boxes(page), strict=True)
                if x <= bx and bx + bw <= x + w + 0.5 and y <= by < y + 2 * 15 + 2
            ]
            assert any("n100" in s and s != "n100" and "–" not in s for s in head), head
            # zoomed into that zone: its nodes' summaries, the deck over them, the side column
            box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
            page.mouse.move(box["x"] + x + w / 2, box["y"] + y + z["box"][3] / 2)
            page.mouse.wheel(0, -120)
            wait(page, f"d.zoneFocus === '{z['name']}'")
            assert assert_no_overlap(page) >= 20
            page.screenshot(path=str(artifacts / f"scale-{case}-{width}-{scheme}-zoomed.png"))
        assert not errors, errors
    finally:
        context.close()


def assert_maintenance_and_side_both_read(page, node: str) -> None:
    """A node in maintenance on a side of a partition: its header shows its name, its state
    word in full and its side's chip, each in its own box (the no-overlap check holds them
    apart)."""
    regions = dict(
        (name, tuple(map(float, xywh.split(","))))
        for name, xywh in (
            e.split(":") for e in page.get_attribute(CANVAS, "data-region-boxes").split(";")
        )
    )
    x, y, w, _h = regions[node]
    header = [
        t
        for t, (bx, by, bw, _bh) in zip(texts(page), text_boxes(page), strict=True)
        if x <= bx and bx + bw <= x + w and y <= by < y + 22
    ]
    assert node in header, header
    assert "· maintenance" in header or "maintenance" in header, header
    sides = page.get_attribute(CANVAS, "data-sides").split("|")
    letter = "AB"[next(i for i, g in enumerate(sides) if node in g.split(","))]
    assert f"side {letter}" in header or letter in header, header


# The pixels of each text box the canvas reports, at its device scale, as bytes per box.
BOX_PIXELS = """(boxes) => {
  const c = document.querySelector('.meshlab-canvas canvas.ml-main');
  const s = c.width / c.getBoundingClientRect().width;
  const g = c.getContext('2d');
  return boxes.map(([x, y, w, h]) => {
    const X = Math.floor(x * s), Y = Math.floor(y * s);
    return Array.from(g.getImageData(X, Y, Math.ceil((x + w) * s) - X,
                                     Math.ceil((y + h) * s) - Y).data).join(',');
  });
}"""


@functools.cache
def busy_zones_trace():
    return synthetic_trace(
        actors=100_000, nodes=200, messages=300_000, span=30.0, failures=300, seed=2
    )


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (900, "dark"), (900, "light"), (1280, "dark")]
)
def test_messages_in_flight_never_cross_a_zone_text(browser, tmp_path, artifacts, width, scheme):
    # 100,000 actors on 200 nodes with 300,000 messages: at t=15 hundreds are in flight between
    # the cells, and their dots and lines passed over the headers ("n30–n3●"). Each header
    # text's pixels must be the same with every message drawn and with none.
    t = 15.0
    context, page, errors = replay_page.open_replay(
        browser,
        tmp_path,
        busy_zones_trace(),
        "busy",
        width=width,
        scheme=scheme,
        time=t,
        ready_timeout=90_000,
    )
    try:
        wait(page, f"Math.abs(parseFloat(d.time) - {t}) < 1e-9 && d.zones && d.texts")
        assert_no_overlap(page)
        assert int(page.get_attribute(CANVAS, "data-in-flight")) > 50
        zones = json.loads(page.get_attribute(CANVAS, "data-zones"))["zones"]
        assert len(zones) >= 10
        # the zones' texts: their headers (a line high, 15 px) and their cells' names (12 px)
        heads = [
            (s, b)
            for s, b in zip(texts(page), text_boxes(page), strict=True)
            if any(
                z[0] <= b[0] and b[0] + b[2] <= z[0] + z[2] + 0.5 and z[1] <= b[1] < z[1] + z[3]
                for z in (zz["box"] for zz in zones)
            )
        ]
        assert sum(b[3] > 12.5 for _s, b in heads) >= len(zones), heads
        boxes = [list(b) for _s, b in heads]
        page.screenshot(path=str(artifacts / f"zones-messages-{width}-{scheme}.png"))
        with_msgs = page.evaluate(BOX_PIXELS, boxes)
        whole = page.evaluate(BOX_PIXELS, [[0, 0, width - 300, 500]])
        # the same frame with no message drawn (a message type no message has)
        page.evaluate("() => window.meshlabReplay.model.set('type_filter', 'no such type')")
        wait(page, "d.inFlight === '0'")
        without = page.evaluate(BOX_PIXELS, boxes)
        assert page.evaluate(BOX_PIXELS, [[0, 0, width - 300, 500]]) != whole  # messages were drawn
        crossed = [s for (s, _b), a, b in zip(heads, with_msgs, without, strict=True) if a != b]
        assert not crossed, f"messages drawn over the zones' texts {crossed}"
        assert not errors, errors
    finally:
        context.close()
