"""Issue 10's views in Chromium, through the HTML replay: who talks to whom (the flows view), the
sides of a partition with dropped messages counted per link, and the actor table at 2,000 and
100,000 actors. Every wait is on a data-* signal the canvas sets; screenshots go to
test-artifacts/ for a person to look at."""

from __future__ import annotations

import math
import re

import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

from .replay_page import CANVAS, open_replay

TOKEN_RGB = (0x4E, 0x79, 0xA7)  # the first message type's colour
SIDE_B_RGB = (0x0B, 0x72, 0x85)  # the second partition side's outline
PARTITION_RGB = {"light": (0x7B, 0x2C, 0xBF), "dark": (0xB1, 0x97, 0xFC)}  # a cut link


def attr(page, name: str) -> str:
    return page.get_attribute(CANVAS, f"data-{name}") or ""


def wait_attr(page, name: str, js_test: str) -> None:
    """Wait until the canvas's data-<name> (as `v`) passes a JavaScript test."""
    key = re.sub(r"-(\w)", lambda m: m.group(1).upper(), name)
    page.wait_for_function(
        f"() => {{ const v = document.querySelector('{CANVAS}').dataset.{key}; "
        f"return v !== undefined && ({js_test}); }}",
        timeout=20_000,
    )


def colour_pixels(page, rgb, tol=10) -> int:
    return page.evaluate(
        """([rgb, tol]) => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - rgb[0]) < tol && Math.abs(d[i + 1] - rgb[1]) < tol
            && Math.abs(d[i + 2] - rgb[2]) < tol) n++;
      }
      return n;
    }""",
        [list(rgb), tol],
    )


def canvas_xy(page, x: float, y: float) -> tuple[float, float]:
    box = page.locator(f"{CANVAS} canvas.ml-main").bounding_box()
    return box["x"] + x, box["y"] + y


def dots(page) -> dict[str, tuple[float, float]]:
    out = {}
    for item in attr(page, "flow-dots-xy").split():
        name, xy = item.split("=")
        x, y = xy.split(",")
        out[name] = (float(x), float(y))
    return out


def test_flows_ring_is_a_ring_and_ping_pong_busy_pairs(browser, tmp_path, artifacts):
    ring = ml.scenarios.run("ring", seed=1)
    context, page, errors = open_replay(browser, tmp_path, ring, "ring", time=1.0, view="flows")
    wait_attr(page, "flows", "v === '8'")
    # paused at t = 1.0, the trailing window still shows the traffic: eight hops around the ring
    edges = attr(page, "flow-edges").split()
    pairs = {e.split(":")[0] for e in edges}
    assert pairs == {f"hop-{i}>hop-{(i + 1) % 8}" for i in range(8)}, edges
    assert attr(page, "lod") == "detail"
    # drawn as a ring: each hop's neighbours on the circle are the ones it talks to
    xy = dots(page)
    centre = (sum(x for x, _ in xy.values()) / 8, sum(y for _, y in xy.values()) / 8)
    angle = {a: math.atan2(y - centre[1], x - centre[0]) for a, (x, y) in xy.items()}
    order = sorted(angle, key=angle.get)
    k = order.index("hop-0")
    order = order[k:] + order[:k]
    assert order in (
        [f"hop-{i}" for i in range(8)],
        ["hop-0"] + [f"hop-{i}" for i in range(7, 0, -1)],
    ), order
    # the token edges in the token colour (bands at 75 % over the white ground)
    band = tuple(round(0.75 * c + 0.25 * 255) for c in TOKEN_RGB)
    assert colour_pixels(page, band, tol=12) > 1_500
    # hover the busiest edge: its rate, types and latency percentiles
    mx, my = (float(v) for v in attr(page, "flow-mid").split(","))
    page.mouse.move(*canvas_xy(page, mx, my))
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    assert re.search(r"hop-\d → hop-\d: [\d.]+/s", tip), tip
    assert "token 100%" in tip and "p50" in tip and "p99" in tip, tip
    page.screenshot(path=str(artifacts / "flows-01-ring.png"))
    # click a dot: the actor is selected and the inspector follows
    page.mouse.move(0, 0)
    page.mouse.click(*canvas_xy(page, *xy["hop-3"]))
    wait_attr(page, "selected", "v === 'hop-3'")
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title:has-text('hop-3')")
    # playing, the window slides with the playhead: frames keep coming and edges stay
    page.focus(CANVAS)
    page.keyboard.press("Home")
    frame = int(attr(page, "frame"))
    page.click(f"{CANVAS} .ml-play")
    wait_attr(page, "frame", f"parseInt(v) > {frame + 30}")
    assert int(attr(page, "flows")) > 0
    assert float(attr(page, "flow-ms")) < 16
    page.click(f"{CANVAS} .ml-play")
    assert not errors, errors
    context.close()

    pp = ml.scenarios.run("ping-pong", seed=1)
    context, page, errors = open_replay(
        browser, tmp_path, pp, "pp", time=0.5, view="flows", width=900, scheme="dark"
    )
    wait_attr(page, "flows", "v === '8'")
    pairs = {e.split(":")[0] for e in attr(page, "flow-edges").split()}
    assert pairs == {f"ping-{i}>pong-{i}" for i in range(4)} | {
        f"pong-{i}>ping-{i}" for i in range(4)
    }
    # each pair side by side: a partner is the nearest dot
    xy = dots(page)
    for i in range(4):
        a = xy[f"ping-{i}"]
        nearest = min(
            (n for n in xy if n != f"ping-{i}"),
            key=lambda n: (xy[n][0] - a[0]) ** 2 + (xy[n][1] - a[1]) ** 2,
        )
        assert nearest == f"pong-{i}", (i, nearest)
    assert attr(page, "theme") == "dark"
    page.screenshot(path=str(artifacts / "flows-02-ping-pong-dark-900.png"))
    assert not errors, errors
    context.close()


def test_flows_aggregate_nodes_at_2000_actors(browser, tmp_path, artifacts):
    big = synthetic_trace(actors=2000, nodes=8, messages=20_000, span=20.0, failures=30, seed=1)
    context, page, errors = open_replay(browser, tmp_path, big, "big", time=10.0, view="flows")
    wait_attr(page, "lod", "v === 'aggregate'")
    edges = attr(page, "flow-edges").split()
    assert edges and all(re.fullmatch(r"n\d>n\d:\d+", e) for e in edges), edges[:5]
    assert len(edges) == 56  # every ordered pair of 8 nodes talks in a uniform mesh
    page.screenshot(path=str(artifacts / "flows-03-2000-actors.png"))
    assert not errors, errors
    context.close()


def test_partition_sides_and_drops_per_link(browser, tmp_path, artifacts):
    trace = ml.scenarios.run("partition", seed=1)
    context, page, errors = open_replay(browser, tmp_path, trace, "part", time=3.5)
    # during the cut: the two sides, and one count per link that lost messages
    wait_attr(page, "sides", "v === 'n0,n1|n2,n3,n4'")
    badges = dict(b.split(":") for b in attr(page, "drop-badges").split())
    assert {"n0>n2", "n0>n3", "n0>n4", "n2>n0", "n4>n1"} <= set(badges), badges
    assert not any(k.split(">")[0] in "n0n1" and k.split(">")[1] in "n0n1" for k in badges)
    assert colour_pixels(page, SIDE_B_RGB) > 1_500
    x, y = (float(v) for v in attr(page, "drop-badge-xy").split(","))
    page.mouse.move(*canvas_xy(page, x, y))
    page.wait_for_selector(f"{CANVAS} .ml-tip:visible")
    tip = page.inner_text(f"{CANVAS} .ml-tip")
    assert re.search(r"\d+ message\(s\) from n0 to n2 dropped since t=2", tip), tip
    assert "partition" in tip
    page.mouse.move(0, 0)
    page.screenshot(path=str(artifacts / "partition-01-sides.png"))
    # the sides hold for the whole cut, and the count grows with it
    page.focus(CANVAS)
    page.keyboard.press("End")
    wait_attr(page, "sides", "v === ''")  # healed at the end: no sides, no badges
    assert attr(page, "drop-badges") == ""
    page.screenshot(path=str(artifacts / "partition-02-healed.png"))
    assert not errors, errors
    context.close()

    # across the cut, the flows view draws each cut link as the topology does: a dashed purple
    # line between the two ends (no scissors), and every actor ringed in its side's colour
    for width, scheme in ((900, "light"), (1280, "dark"), (900, "dark")):
        context, page, errors = open_replay(
            browser,
            tmp_path,
            trace,
            "part-flows",
            time=3.5,
            view="flows",
            width=width,
            scheme=scheme,
        )
        wait_attr(page, "flows", "parseInt(v) > 0")
        cuts = attr(page, "flow-cuts").split()
        sides = dict(s.split(":") for s in attr(page, "flow-sides").split())
        assert cuts, attr(page, "flow-edges")
        for pair in cuts:
            a, b = pair.split("~")
            assert sides[a] != sides[b], (pair, sides)
        assert set(sides.values()) == {"A", "B"}, sides
        purple = PARTITION_RGB[scheme]
        assert colour_pixels(page, purple, tol=12) > 150 * len(cuts) ** 0.5, cuts
        page.screenshot(path=str(artifacts / f"partition-03-flows-{width}-{scheme}.png"))
        assert not errors, errors
        context.close()


@pytest.mark.parametrize("actors", [2_000, 100_000])
def test_actor_table(browser, tmp_path, artifacts, actors):
    trace = synthetic_trace(
        actors=actors, nodes=16, messages=20_000, span=20.0, failures=40, seed=2
    )
    # a moment when the first crashed actor waits for its restart (10 ms later)
    ev = trace.events
    t_fail = float(ev.filter(ev["kind"] == "actor_fail")["t"][0])
    context, page, errors = open_replay(
        browser, tmp_path, trace, f"table-{actors}", time=t_fail + 0.005, view="table"
    )
    table = f"{CANVAS} .ml-table"
    page.wait_for_selector(f"{table}[data-ready='1']")
    total = actors + 1  # and the supervisor
    assert int(page.get_attribute(table, "data-rows")) == total
    # virtualised: only the rows in sight exist
    assert page.locator(f"{table} .ml-table-row").count() < 60
    # sorted by status, trouble first; the timing is reported by the test's output
    ms = page.evaluate(
        """async () => {
      const head = document.querySelector('.ml-table-head [data-col=status]');
      const t0 = performance.now();
      head.click();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    }"""
    )
    print(f"actor table, {total:,} actors: sort by status and draw {ms:.0f} ms")
    first_status = page.inner_text(f"{table} .ml-table-row >> nth=0 >> .ml-st")
    assert first_status.strip() == "restarting", first_status
    assert page.inner_text(f"{table} .ml-table-row >> nth=0 >> span >> nth=0") == f"w{actors - 1}"
    # search: one actor
    page.fill(f"{table} .ml-table-search", "w17")
    page.wait_for_function(
        f"() => document.querySelector('{table}').dataset.first === 'w17'", timeout=10_000
    )
    n = int(page.get_attribute(table, "data-rows"))
    assert 1 <= n <= (1 + 10 + 100 + 1000 + 10000), n  # w17, w170.., w1700..
    page.fill(f"{table} .ml-table-search", "")
    # filter by status
    page.select_option(f"{table} .ml-table-status", "idle")
    page.wait_for_function(
        f"() => parseInt(document.querySelector('{table}').dataset.rows) < {total}",
        timeout=10_000,
    )
    # the rows in sight are redrawn on the next frame: wait until they are the filtered ones
    page.wait_for_function(
        f"""() => {{
      const rows = [...document.querySelectorAll('{table} .ml-table-row')]
        .filter((r) => r.style.display !== 'none');
      const idle = (r) => r.querySelector('.ml-st').textContent.trim() === 'idle';
      return rows.length > 2 && rows.every(idle);
    }}""",
        timeout=10_000,
    )
    # click a row: the actor is selected, the inspector follows, the topology keeps it
    row = page.locator(f"{table} .ml-table-row >> nth=2")
    actor_id = row.locator("span >> nth=0").inner_text()
    row.click()
    wait_attr(page, "selected", f"v === '{actor_id}'")
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title:has-text('{actor_id}')")
    page.wait_for_selector(f"{table} .ml-table-row.ml-sel")
    page.screenshot(path=str(artifacts / f"table-{actors}.png"))
    # scroll to the end: the last rows are drawn
    page.evaluate(
        f"() => {{ const s = document.querySelector('{table} .ml-table-scroll'); "
        "s.scrollTop = s.scrollHeight; }"
    )
    page.wait_for_function(
        f"""() => {{
      const s = document.querySelector('{table} .ml-table-scroll');
      const rows = [...s.querySelectorAll('.ml-table-row')]
        .filter((r) => r.style.display !== 'none');
      return rows.some((r) => parseFloat(r.style.top) + 22 >= s.scrollHeight - 2);
    }}""",
        timeout=10_000,
    )
    page.click(f"{CANVAS} .ml-view-topology")
    # the next frame draws the topology and hides the table; the selection stays
    page.wait_for_selector(table, state="hidden", timeout=10_000)
    assert attr(page, "selected") == actor_id
    assert not errors, errors
    context.close()
