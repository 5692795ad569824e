"""What a canvas with branches or a problem must show, checked the same way in a real JupyterLab
(test_branches.py) and in the HTML replay (test_replay_branches.py): the branch tabs, the other
branch's hollow markers, the divergence line, the fork's events after a switch, and a problem's
band, text, playhead, selection and type filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HOST = ".ml-branch-host"
STARTER = Path(__file__).resolve().parents[2] / "notebooks" / "labs" / "leader-election.ipynb"

# The canvases both tests show, as the notebook's cells (the replay runs the same code).
FORK = (
    "import meshlab as ml\n"
    "a = ml.Run('node-failure', seed=1)\n"
    "b = a.fork(ml.fork.kill_node('n1'), at=1.5, label='n1 dies at 1.5')\n"
    "canvas = ml.Canvas(a, branches={'what-if': b}, time=4.0)\n"
)
PROBLEM = (
    "import meshlab as ml\n"
    "from meshlab.labs import leader_election as lab, load_actor\n"
    "starter = load_actor(STARTER)\n"
    "trace = lab.run(starter, seed=0)\n"
    "p = ml.checks.report(lab.checks(trace)).problems[-1]\n"
    "pc = ml.Canvas(trace, problem=p)\n"
)


def facts(canvas, a, b, pc) -> dict:
    """What the pages must agree with, from the kernel's objects (this source also runs in the
    notebook's kernel: nothing in it may need an import)."""
    return {
        "diverges": canvas.branches[1]["diverges"],
        "rows_a": a.trace.events.height,
        "rows_b": b.trace.events.height,
        "fails_b": [m[0] for m in canvas.branches[1]["markers"] if m[1] == "node_down"],
        "problem": pc.problem,
    }


def wait_shown(
    page, n: int, branch: str | None, rows: int | None = None, t=None, timeout: int = 60_000
) -> None:
    """Wait until the n-th canvas with an overlay has drawn (``branch`` shown, ``rows`` events
    and the playhead at ``t`` where given)."""
    want = [
        "h.dataset.overlay === '1'",
        "c && c.dataset.ready === '1'",
        *([f"h.dataset.branch === {branch!r}"] if branch else []),
        *([f"c.dataset.rows === '{rows}'"] if rows is not None else []),
        *([f"Math.abs(parseFloat(c.dataset.time) - {t}) < 1e-9"] if t is not None else []),
    ]
    page.wait_for_function(
        f"""() => {{
      const h = document.querySelectorAll('{HOST}')[{n}];
      const c = h && h.querySelector('.meshlab-canvas');
      return !!h && {" && ".join(want)};
    }}""",
        timeout=timeout,
    )


def check_fork(page, f: dict[str, Any], artifacts: Path, prefix: str) -> None:
    """The main run shown with the fork's markers and the divergence; a click on the fork's tab
    shows its events at the same playhead, with the main run's markers hollow."""
    host = page.locator(HOST).nth(0)
    host.scroll_into_view_if_needed()
    tabs = host.locator(".ml-branch-tab")
    assert tabs.count() == 2
    assert "the other branch's markers" in host.locator(".ml-branch-hint").inner_text()
    assert tabs.nth(0).get_attribute("aria-pressed") == "true"
    assert tabs.nth(1).inner_text().startswith("what-if · parts at 1.5")
    assert host.get_attribute("data-branch") == "base"
    # the divergence on the scrubber, where compare() says the runs part
    line = host.locator(".ml-diverge")
    assert float(line.get_attribute("data-t")) == pytest.approx(f["diverges"])
    # the other branch's markers, hollow: its node death at 1.5 is among them
    downs = host.locator(".ml-ghost[data-kind='node_down']").evaluate_all(
        "els => els.map(e => parseFloat(e.dataset.t))"
    )
    assert f["fails_b"] and set(downs) >= set(f["fails_b"])
    canvas = host.locator(".meshlab-canvas")
    assert int(canvas.get_attribute("data-rows")) == f["rows_a"]
    assert float(canvas.get_attribute("data-time")) == pytest.approx(4.0)
    host.screenshot(path=str(artifacts / f"{prefix}-1280-base.png"))

    # switch: the fork's events arrive, the playhead stays at 4.0
    tabs.nth(1).click()
    wait_shown(page, 0, "what-if", f["rows_b"], 4.0)
    assert tabs.nth(1).get_attribute("aria-pressed") == "true"
    # now the main run's markers are the hollow ones
    assert host.locator(".ml-ghost[data-branch='base']").count() > 0
    assert host.locator(".ml-ghost[data-branch='what-if']").count() == 0
    host.screenshot(path=str(artifacts / f"{prefix}-1280-what-if.png"))


def check_problem(page, f: dict[str, Any], artifacts: Path, prefix: str, n: int = 1) -> None:
    """A problem's range as a band on the scrubber, its text above, the playhead at its start,
    its first actor selected and its message type filtered to; no branch tabs."""
    p = f["problem"]
    host = page.locator(HOST).nth(n)
    host.scroll_into_view_if_needed()
    wait_shown(page, n, None)
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
    values = host.locator("select").evaluate_all("els => els.map(e => e.value)")
    assert "lead" in values
    assert host.locator(".ml-branch-tab").count() == 0  # no branches: no tabs
    host.screenshot(path=str(artifacts / f"{prefix}-problem-900.png"))
