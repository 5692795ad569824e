"""Forks and problems on the canvas in a real JupyterLab: two branches at one playhead, the other
branch's markers and the divergence on the scrubber, and a check problem's range and filter."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from .conftest import ARTIFACTS
from .jupyter_page import KERNEL_IDLE, kernel, put_notebook, wait_kernel

HOST = ".ml-branch-host"
CANVAS = f"{HOST} .meshlab-canvas"

CELLS = [
    "import meshlab as ml\n"
    "from meshlab.labs import leader_election as lab, load_actor\n"
    "a = ml.Run('node-failure', seed=1)\n"
    "b = a.fork(ml.fork.kill_node('n1'), at=1.5, label='n1 dies at 1.5')\n"
    "canvas = ml.Canvas(a, branches={'what-if': b}, time=4.0)\n"
    "canvas",
    "starter = load_actor('starter.ipynb')\n"
    "trace = lab.run(starter, seed=0)\n"
    "p = ml.checks.report(lab.checks(trace)).problems[-1]\n"
    "pc = ml.Canvas(trace, problem=p)\n"
    "pc",
]


def _facts(page) -> dict:
    out = kernel(
        page,
        "import json; print(json.dumps({'diverges': canvas.branches[1]['diverges'], "
        "'rows_a': a.trace.events.height, 'rows_b': b.trace.events.height, "
        "'fails_b': [m[0] for m in canvas.branches[1]['markers'] if m[1] == 'node_down'], "
        "'problem': pc.problem}))",
    )
    return json.loads(out)


STARTER = Path(__file__).resolve().parents[2] / "notebooks" / "labs" / "leader-election.ipynb"


def _put_starter(server: str) -> None:
    """The lab's starter notebook next to the test's, for load_actor('starter.ipynb')."""
    content = json.loads(STARTER.read_text("utf-8"))
    body = json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
    req = urllib.request.Request(
        f"{server}/api/contents/starter.ipynb",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture(scope="module")
def page(browser, jupyter):
    """One notebook with both canvases, opened at 1280 x 800 (a test narrows it to 900)."""
    _put_starter(jupyter)
    put_notebook(jupyter, "branches.ipynb", CELLS)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{jupyter}/lab/tree/branches.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    ready = f"{HOST}[data-overlay='1'] .meshlab-canvas[data-ready='1']"
    try:
        page.wait_for_selector(ready, state="attached", timeout=120_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "branches-timeout.png"))
        raise AssertionError(f"no canvas with branches drawn; page errors: {errors}") from None
    yield page
    assert not [e for e in errors if "meshlab" in e.lower()], errors
    page.close()


def _host(page, n: int = 0):
    return page.locator(HOST).nth(n)


def test_two_branches_at_one_playhead(page, artifacts):
    facts = _facts(page)
    host = _host(page)
    host.scroll_into_view_if_needed()
    # the tabs: the main run shown, the fork with the time it parts
    tabs = host.locator(".ml-branch-tab")
    assert tabs.count() == 2
    assert "the other branch's markers" in host.locator(".ml-branch-hint").inner_text()
    assert tabs.nth(0).get_attribute("aria-pressed") == "true"
    assert tabs.nth(1).inner_text().startswith("what-if · parts at 1.5")
    assert host.get_attribute("data-branch") == "base"
    # the divergence on the scrubber, where compare() says the runs part
    line = host.locator(".ml-diverge")
    assert float(line.get_attribute("data-t")) == pytest.approx(facts["diverges"])
    # the other branch's markers, hollow: its node death at 1.5 is among them
    downs = [float(g) for g in host.locator(".ml-ghost[data-kind='node_down']").evaluate_all(
        "els => els.map(e => e.dataset.t)"
    )]  # fmt: skip
    assert facts["fails_b"] and set(downs) >= set(facts["fails_b"])
    canvas = host.locator(".meshlab-canvas")
    assert int(canvas.get_attribute("data-rows")) == facts["rows_a"]
    assert float(canvas.get_attribute("data-time")) == pytest.approx(4.0)
    host.screenshot(path=str(artifacts / "branches-1280-base.png"))

    # switch: the fork's events arrive, the playhead stays at 4.0
    tabs.nth(1).click()
    page.wait_for_function(
        f"""() => {{
      const h = document.querySelector('{HOST}');
      const c = h && h.querySelector('.meshlab-canvas');
      return h.dataset.branch === 'what-if' && h.dataset.overlay === '1' && c
        && c.dataset.ready === '1' && c.dataset.rows === '{facts["rows_b"]}';
    }}""",
        timeout=30_000,
    )
    canvas = host.locator(".meshlab-canvas")
    assert float(canvas.get_attribute("data-time")) == pytest.approx(4.0)
    assert tabs.nth(1).get_attribute("aria-pressed") == "true"
    wait_kernel(page, "print(canvas.branch)", "out === 'what-if'")
    # now the main run's markers are the hollow ones
    assert host.locator(".ml-ghost[data-branch='base']").count() > 0
    assert host.locator(".ml-ghost[data-branch='what-if']").count() == 0
    host.screenshot(path=str(artifacts / "branches-1280-what-if.png"))

    # the kernel switches back; the playhead moved meanwhile is kept
    kernel(page, "canvas.time = 6.0\ncanvas.branch = 'base'")
    page.wait_for_function(
        f"""() => {{
      const h = document.querySelector('{HOST}');
      const c = h.querySelector('.meshlab-canvas');
      return h.dataset.branch === 'base' && c && c.dataset.ready === '1'
        && c.dataset.rows === '{facts["rows_a"]}'
        && Math.abs(parseFloat(c.dataset.time) - 6) < 1e-9;
    }}""",
        timeout=30_000,
    )


def test_a_problem_marks_its_range_and_filters_its_messages(page, artifacts):
    page.set_viewport_size({"width": 900, "height": 800})
    facts = _facts(page)
    p = facts["problem"]
    host = _host(page, 1)
    host.scroll_into_view_if_needed()
    page.wait_for_function(
        f"""() => {{
      const h = document.querySelectorAll('{HOST}')[1];
      const c = h && h.querySelector('.meshlab-canvas');
      return h && h.dataset.overlay === '1' && c && c.dataset.ready === '1';
    }}""",
        timeout=90_000,
    )
    band = host.locator(".ml-problem")
    assert float(band.get_attribute("data-t0")) == pytest.approx(p["t"])
    assert float(band.get_attribute("data-t1")) == pytest.approx(p["until"])
    assert band.get_attribute("title") == p["text"]
    assert host.locator(".ml-problem-text").inner_text() == f"problem: {p['text']}"
    assert p["until"] > p["t"]  # "two leaders from ... to ...": a range, not an instant
    box = band.bounding_box()
    assert box and box["width"] > 20
    canvas = host.locator(".meshlab-canvas")
    assert float(canvas.get_attribute("data-time")) == pytest.approx(p["t"])
    assert canvas.get_attribute("data-selected") == p["actors"][0]
    assert p["msg_types"] == ["lead"]
    selects = host.locator("select")
    values = selects.evaluate_all("els => els.map(e => e.value)")
    assert "lead" in values
    assert host.locator(".ml-branch-tab").count() == 0  # no branches: no tabs
    host.screenshot(path=str(artifacts / "problem-900.png"))
    # the fork canvas at this width too
    _host(page, 0).scroll_into_view_if_needed()
    _host(page, 0).screenshot(path=str(artifacts / "branches-900-base.png"))
