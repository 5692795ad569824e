"""The MeshOS deck in Chromium: what the browser folds from the events (running and pending
actions, recent failures, drift, heat, maintenance, daemons, the RTT map and placement
stability) is behaviour_at's at many times of every MeshOS scenario and of a partitioned run;
copies in transit, slow and suspect links, the maintenance outline and the dark theme are
drawn."""

from __future__ import annotations

import pytest

import meshlab as ml
from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy, behaviour_at

CANVAS = ".meshlab-canvas"
MESHOS = ["maintenance-drain", "replica-repair", "crash-loop", "slow-node"]
ENGINE = ["action_start", "action_end", "action_queued", "replica_add", "replica_drop", "admin"]


def _partitioned():
    """A MeshOS run whose probes time out across a cut, and a slow node besides."""
    mesh = ml.Mesh(seed=3, nodes=6, latency=0.002)
    for other in ("n0", "n1", "n2", "n3", "n4"):
        mesh.set_link("n5", other, latency=0.09)
    engine = MeshOS(
        mesh,
        DesiredState(daemons=(Daemon("agent", essential=True),), blobs=(Blob("b", replicas=3),)),
        policy=Policy(rtt_every=2.0),
    )
    engine.announce_blob("b", node="n4")
    engine.set_load("n2", "agent", 1.3, at=4.0)  # a saturated daemon, and its relief
    engine.set_load("n2", "agent", 0.4, at=25.0)
    mesh.partition([["n4"], ["n0", "n1", "n2", "n3", "n5"]], at=6.0)
    mesh.heal(at=30.0)
    mesh.run(until=40.0)
    return mesh.trace


def _trace(scenario: str):
    return _partitioned() if scenario == "partitioned" else ml.scenarios.run(scenario, seed=1)


def _times(trace, most: int = 120) -> list[float]:
    """Every time an engine event happens (capped), and a moment after each: the state between."""
    ev = trace.events
    at = ev.filter(ev["kind"].cast(str).is_in([*ENGINE, "node_state", "node_down", "node_up"]))
    ts = at["t"].unique().sort().to_list()
    step = max(1, len(ts) // most)
    ts = ts[::step]
    return sorted({*ts, *(t + 0.25 for t in ts), float(ev["t"].max())})


def _s(v) -> str:
    return "" if v is None else v


def _id(v) -> int:
    return -1 if v is None else int(v)  # a pending action has no id yet


def _open(browser, trace, tmp_path, **page):
    path = ml.Canvas(trace).save_html(tmp_path / "deck.html")
    p = browser.new_page(bypass_csp=True, **page)
    p.goto(path.as_uri())
    p.wait_for_selector(f"{CANVAS}[data-ready='1']")
    return p


@pytest.mark.parametrize("scenario", [*MESHOS, "partitioned"])
def test_deck_in_browser_matches_behaviour_at(browser, scenario, tmp_path):
    trace = _trace(scenario)
    times = _times(trace)
    page = _open(browser, trace, tmp_path)
    got = page.evaluate("(ts) => window.meshlabReplay.view.decksAt(ts)", times)
    page.close()
    for t, d in zip(times, got, strict=True):
        b = behaviour_at(trace, t)
        where = (scenario, t)
        want = sorted(
            (
                *(_id(r["id"]), r["action"], r["node"], _s(r["target"]), _s(r["src"])),
                *(_s(r["cause"]), r["since"], r["status"]),
            )
            for r in b.actions.iter_rows(named=True)
        )
        seen = sorted(
            (
                *(_id(a["id"]), a["action"], a["node"], a["target"], a["src"]),
                *(a["cause"], a["since"], a["status"]),
            )
            for a in d["actions"]
        )
        assert seen == want, where
        want_f = sorted(
            (r["t"], r["what"], r["node"], _s(r["actor"]), _s(r["reason"]))
            for r in b.failures.iter_rows(named=True)
        )
        seen_f = sorted(
            (f["t"], f["what"], f["node"], f["actor"], f["reason"]) for f in d["failures"]
        )
        assert seen_f == want_f, where
        want_d = [
            [r["blob"], r["desired"], r["actual"], r["in_flight"], r["drift"], r["holders"] or []]
            for r in b.drift.iter_rows(named=True)
        ]
        seen_d = [
            [x["blob"], x["desired"], x["actual"], x["inFlight"], x["drift"], x["holders"]]
            for x in d["drift"]
        ]
        assert seen_d == want_d, where
        for r in b.nodes.iter_rows(named=True):
            n = d["nodes"][r["node"]]
            assert (n["maintenance"], n["heat"]) == (r["maintenance"], r["heat"]), (*where, r)
            assert n["load"] == pytest.approx(r["load"]), (*where, r)
        daemons: dict[str, list[str]] = {}
        for r in b.daemons.iter_rows(named=True):
            daemons.setdefault(r["node"], []).append(f"{r['actor']} {r['status']}")
        for node, names in daemons.items():
            assert sorted(d["nodes"][node]["daemons"]["names"]) == sorted(names), where
        want_l = [list(r) for r in b.rtt.select("a", "b", "rtt", "at", "timeout").rows()]
        seen_l = [[x["a"], x["b"], x["rtt"], x["at"], x["timeout"]] for x in d["links"]]
        assert seen_l == want_l, where
        placed = dict(b.stability.rows())
        for node, n in d["nodes"].items():
            assert n["placements"] == placed.get(node, 0), (*where, node)


def test_deck_draws_transit_maintenance_and_follows_the_dark_theme(browser, tmp_path, artifacts):
    trace = ml.scenarios.run("maintenance-drain", seed=1)
    ev = trace.events
    mig = ev.filter((ev["kind"].cast(str) == "action_start") & (ev["msg_type"] == "migrate_blob"))
    assert mig.height, "maintenance-drain migrates a copy off the maintained node"
    row = mig.row(0, named=True)
    end = ev.filter((ev["kind"].cast(str) == "action_end") & (ev["msg_id"] == row["msg_id"])).row(
        0, named=True
    )["t"]
    mid = (row["t"] + end) / 2
    for scheme in ("light", "dark"):
        size = {"width": 1280, "height": 800}
        page = _open(browser, trace, tmp_path, color_scheme=scheme, viewport=size)
        page.evaluate(
            """([t, node]) => { const r = window.meshlabReplay;
                r.model.set('selected', 'node:' + node); r.model.save_changes();
                r.view.setTime(t); }""",
            [mid, row["peer"]],
        )
        page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.transit === '1'")
        root = page.locator(CANVAS)
        assert root.get_attribute("data-theme") == scheme
        # the drawing's ground follows the theme
        px = page.evaluate(
            "() => Array.from(document.querySelector('canvas.ml-main')"
            ".getContext('2d').getImageData(2, 2, 1, 1).data)"
        )
        assert (sum(px[:3]) < 150) == (scheme == "dark"), px
        text = page.locator(".ml-inspector").inner_text()
        assert "current actions (1)" in text and "migrate_blob" in text
        assert "to safe" in text  # the drain line with its estimate
        assert "copy in transit" in page.locator(".ml-legend").inner_text()
        # the admin actions are on the scrubber
        labels = page.eval_on_selector_all(".ml-marker", "els => els.map(e => e.title)")
        assert any("admin: enter_maintenance" in x for x in labels), labels
        page.screenshot(path=str(artifacts / f"deck-maintenance-{scheme}.png"))
        page.close()


def test_deck_follows_jupyterlab_switching_to_a_dark_theme(browser, tmp_path):
    """JupyterLab marks its theme on <body>; the canvas redraws when it changes, unprompted."""
    trace = ml.scenarios.run("crash-loop", seed=1)
    page = _open(browser, trace, tmp_path, color_scheme="light")
    root = page.locator(CANVAS)
    assert root.get_attribute("data-theme") == "light"
    page.evaluate("() => { document.body.dataset.jpThemeLight = 'false'; }")
    page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.theme === 'dark'")
    assert "ml-dark" in (root.get_attribute("class") or "")
    page.evaluate("() => { document.body.dataset.jpThemeLight = 'true'; }")
    page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.theme === 'light'")
    page.close()


def test_deck_summary_follows_the_playhead_in_the_space_time_view(browser, tmp_path):
    """With nothing selected the panel shows each blob's count; the space-time view does not
    fold the mesh state, and the panel must still follow the playhead there."""
    trace = ml.scenarios.run("maintenance-drain", seed=1)
    page = _open(browser, trace, tmp_path)
    page.evaluate(
        "() => { const r = window.meshlabReplay; r.model.set('view', 'spacetime');"
        " r.model.save_changes(); }"
    )
    for t in (0.0, 16.0, 40.0):
        page.evaluate("(t) => window.meshlabReplay.view.setTime(t)", t)
        text = page.locator(".ml-inspector").inner_text()
        for r in behaviour_at(trace, t).drift.iter_rows(named=True):
            moving = f" (+{r['in_flight']} moving)" if r["in_flight"] else ""
            assert f"{r['actual']}/{r['desired']}{moving}" in text, (t, r, text)
    page.close()


@pytest.mark.parametrize("size", [(1280, 800), (900, 700)])
def test_deck_draws_slow_and_suspect_links_and_stability(browser, tmp_path, artifacts, size):
    trace = _partitioned()
    t = 20.0  # n4 cut off (its probes time out), n5 slow to everyone
    b = behaviour_at(trace, t)
    assert b.rtt.filter("timeout").height >= 2 and (b.rtt["rtt"] > 0.05).sum() >= 3
    for scheme in ("light", "dark"):
        page = _open(
            browser,
            trace,
            tmp_path,
            color_scheme=scheme,
            viewport={"width": size[0], "height": size[1]},
        )
        page.evaluate(
            """(t) => { const r = window.meshlabReplay;
                r.model.set('selected', 'node:n4'); r.model.save_changes();
                r.view.setTime(t); }""",
            t,
        )
        text = page.locator(".ml-inspector").inner_text()
        assert "no reply" in text  # n4's links timed out
        assert "placement" in text
        stab = page.locator(".ml-stability").inner_text()
        n4 = dict(b.stability.rows()).get("n4", 0)
        assert stab.startswith("stable") if not n4 else f"{n4} placement" in stab, stab
        # the suspect links are drawn in their colour between the regions
        red = (255, 107, 107) if scheme == "dark" else (224, 49, 49)
        found = page.evaluate(
            """(rgb) => { const c = document.querySelector('canvas.ml-main');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4)
                  if (Math.abs(d[i] - rgb[0]) < 40 && Math.abs(d[i + 1] - rgb[1]) < 40
                      && Math.abs(d[i + 2] - rgb[2]) < 40) n++;
                return n; }""",
            list(red),
        )
        assert found > 200, found
        page.screenshot(path=str(artifacts / f"deck-links-{size[0]}-{scheme}.png"))
        page.close()
