"""The standalone HTML replay, opened in Chromium with the network off: it renders and plays."""

from __future__ import annotations

import subprocess
import sys

import pytest

import meshlab as ml

CANVAS = ".meshlab-canvas"


@pytest.fixture(scope="module")
def replay_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("replay")
    trace = ml.scenarios.run("node-failure", seed=1)
    trace.save(d / "nf.parquet")
    out = d / "nf.html"
    # the CLI path, as a user runs it
    subprocess.run(
        [sys.executable, "-m", "meshlab", "replay", str(d / "nf.parquet"), "--html", str(out)],
        check=True,
    )
    return out, trace


def test_replay_offline_renders_and_plays(browser, replay_file, artifacts):
    path, trace = replay_file
    context = browser.new_context(
        viewport={"width": 1300, "height": 800}, offline=True, bypass_csp=True
    )
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-loaded='1']", timeout=20_000)
    assert int(page.get_attribute(CANVAS, "data-rows")) == len(trace)
    # everything came from the file itself (and the blob it makes of its own bundle)
    outside = [u for u in requests if not u.startswith(("file:", "blob:", "data:"))]
    assert not outside, outside

    # jump to the node death marker: the dead node is drawn as down
    marker = page.locator(f"{CANVAS} .ml-marker-node_down").first
    marker.click()
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title")
    title = page.inner_text(f"{CANVAS} .ml-inspector .ml-title")
    assert "down" in title, title
    dark = page.evaluate(
        """() => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === 0x3a && d[i + 1] === 0x3d && d[i + 2] === 0x42) n++;
      }
      return n;
    }"""
    )
    assert dark > 10_000, dark  # the region of the dead node
    page.screenshot(path=str(artifacts / "replay-01-node-down.png"))

    # play: the playhead advances by itself, driven by requestAnimationFrame
    start = float(page.get_attribute(CANVAS, "data-time"))
    page.click(f"{CANVAS} .ml-play")
    page.wait_for_function(
        f"parseFloat(document.querySelector('{CANVAS}').dataset.time) > {start} + 0.3",
        timeout=15_000,
    )
    frames = int(page.get_attribute(CANVAS, "data-frame"))
    assert frames > 5
    page.click(f"{CANVAS} .ml-play")
    page.screenshot(path=str(artifacts / "replay-02-playing.png"))
    assert not errors, errors
    context.close()


# Each built-in scenario's first MAX_TIMES event times (all of supervision-tree's, which has the
# clean shutdowns once drawn as crashes): Trace.state_at takes 10-20 ms a call.
MAX_TIMES = 400


@pytest.mark.parametrize("scenario", ml.scenarios.names())
def test_fold_in_browser_matches_python_at_every_event_time(browser, scenario, tmp_path):
    """The state the canvas derives (busy since and hung included), and the crashes it draws,
    are Trace.state_at's at the time of every event, not at a few sampled times."""
    trace = ml.scenarios.run(scenario, seed=1)
    times = trace.events["t"].unique().sort().to_list()
    if scenario != "supervision-tree":
        times = times[:MAX_TIMES]
    path = ml.Canvas(trace).save_html(tmp_path / "r.html")
    page = browser.new_page(bypass_csp=True)
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    got = page.evaluate("(ts) => window.meshlabReplay.view.statusesAt(ts)", times)
    for t, seen in zip(times, got, strict=True):
        expected = {
            r["actor"]: [
                *(r["status"], r["incarnation"], r["node"], r["restarts"]),
                *(r["mailbox_depth"], r["processed"], r["error"] is not None),
                *(r["busy_since"], r["hung"]),
            ]
            for r in trace.state_at(t).actors.iter_rows(named=True)
        }
        assert seen == expected, (scenario, t)
    page.close()


def test_replay_keys_markers_and_layout(browser, replay_file, tmp_path, artifacts):
    """Keys work before any click; a node's return and a partition's heal have markers; the
    marker row stays below the inspector's last line, at 1280 px and at notebook width."""
    path, trace = replay_file
    for width in (1280, 900):
        page = browser.new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
        page.goto(path.as_uri())
        page.wait_for_selector(f"{CANVAS}[data-ready='1']")
        page.keyboard.press("End")  # no click first
        end = float(trace.events["t"].max())
        page.wait_for_function(
            f"Math.abs(parseFloat(document.querySelector('{CANVAS}').dataset.time) - {end}) < 1e-6"
        )
        page.click("h1, body", position={"x": 5, "y": 5})  # focus falls back to the page
        page.keyboard.press("Home")
        page.wait_for_function(
            f"parseFloat(document.querySelector('{CANVAS}').dataset.time) < {end} / 2"
        )
        assert page.locator(f"{CANVAS} .ml-marker-node_up").count() >= 1
        # a long flight recorder fills the inspector down to the scrubber
        busiest = trace.events["actor"].drop_nulls().mode()[0]
        page.evaluate("(id) => window.meshlabReplay.model.set('selected', id)", busiest)
        page.keyboard.press("End")
        page.wait_for_selector(f"{CANVAS} .ml-recorder li")
        gap = page.evaluate(
            """() => {
          const ins = document.querySelector('.meshlab-canvas .ml-inspector')
            .getBoundingClientRect();
          const tops = [...document.querySelectorAll('.meshlab-canvas .ml-marker')]
            .map((m) => m.getBoundingClientRect().top);
          return Math.min(...tops) - ins.bottom;
        }"""
        )
        assert gap >= 0, f"the marker row overlaps the inspector by {-gap:.1f} px at {width} px"
        page.screenshot(path=str(artifacts / f"replay-03-keys-markers-{width}.png"))
        page.close()

    trace = ml.scenarios.run("partition", seed=1)
    out = ml.Canvas(trace).save_html(tmp_path / "p.html")
    page = browser.new_page(bypass_csp=True)
    page.goto(out.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    heal = page.locator(f"{CANVAS} .ml-marker-heal")
    assert heal.count() >= 1
    assert "healed" in (heal.first.get_attribute("title") or heal.first.inner_text())
    page.close()


def test_tree_view_draws_the_supervision_tree_and_selects_by_click(browser, tmp_path, artifacts):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    canvas = ml.Canvas(trace, view="tree")
    with pytest.raises(Exception, match="view must be one of"):
        canvas.view = "forest"
    path = canvas.save_html(tmp_path / "tree.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    model = "window.meshlabReplay.model"

    def xy(actor: str) -> tuple[float, float]:
        page.evaluate(f"(a) => {model}.set('selected', a)", actor)
        page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.selectedXy")
        x, y, _r = map(float, page.get_attribute(CANVAS, "data-selected-xy").split(","))
        page.evaluate(f"{model}.set('selected', '')")
        page.wait_for_function(f"!document.querySelector('{CANVAS}').dataset.selectedXy")
        return x, y

    page.evaluate(f"{model}.set('time', 6.95)")
    root, api, w0, w2 = (
        xy(a) for a in ("root", "root/api", "root/api/worker-0", "root/api/worker-2")
    )
    assert root[1] < api[1] < w0[1] == w2[1]  # one row per depth, parents above
    assert w0[0] < api[0] < w2[0]  # a parent centred over its children
    # the same selection and inspector as the topology view: click a glyph
    page.click(f"{CANVAS} canvas.ml-main", position={"x": w2[0], "y": w2[1]})
    page.wait_for_function(f"{model}.get('selected') === 'root/api/worker-2'")
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title")
    assert "root/api/worker-2" in page.inner_text(f"{CANVAS} .ml-inspector .ml-title")
    page.screenshot(path=str(artifacts / "replay-04-tree.png"))
    # fold root/api's subtree: its three workers go, counted beside it (all three restarting)
    page.dblclick(f"{CANVAS} canvas.ml-main", position={"x": api[0], "y": api[1]})
    page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.treeHidden === '3'")
    page.screenshot(path=str(artifacts / "replay-05-tree-folded.png"))
    page.keyboard.press("c")  # root/api is selected (the double-click's first click): unfold
    page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.treeHidden === '0'")
    page.close()
