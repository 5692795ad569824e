"""Forks and problems on the canvas in a real JupyterLab: two branches at one playhead, the other
branch's markers and the divergence on the scrubber, the kernel switching branches, and a check
problem's range and filter. The page checks are shared with the HTML replay's
(branch_checks.py)."""

from __future__ import annotations

import inspect
import json

import pytest

from .branch_checks import FORK, PROBLEM, STARTER, check_fork, check_problem, facts, wait_shown
from .conftest import ARTIFACTS
from .jupyter_page import kernel, open_notebook, wait_kernel

CELLS = [FORK + "canvas", f"STARTER = {str(STARTER)!r}\n" + PROBLEM + "pc"]


@pytest.fixture(scope="module")
def page(browser, jupyter):
    """One notebook with both canvases, opened at 1280 x 800 (a test narrows it to 900)."""
    page, errors = open_notebook(browser, jupyter, "branches.ipynb", CELLS, width=1280, height=800)
    try:
        wait_shown(page, 0, "base", timeout=120_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "branches-timeout.png"))
        raise AssertionError(f"no canvas with branches drawn; page errors: {errors}") from None
    yield page
    assert not [e for e in errors if "meshlab" in e.lower()], errors
    page.close()


def _facts(page) -> dict:
    kernel(page, inspect.getsource(facts))
    return json.loads(kernel(page, "import json; print(json.dumps(facts(canvas, a, b, pc)))"))


def test_two_branches_at_one_playhead(page, artifacts):
    f = _facts(page)
    check_fork(page, f, artifacts, "branches")
    wait_kernel(page, "print(canvas.branch)", "out === 'what-if'")
    # the kernel switches back; the playhead moved meanwhile is kept
    kernel(page, "canvas.time = 6.0\ncanvas.branch = 'base'")
    wait_shown(page, 0, "base", f["rows_a"], 6.0)


def test_a_problem_marks_its_range_and_filters_its_messages(page, artifacts):
    page.set_viewport_size({"width": 900, "height": 800})
    check_problem(page, _facts(page), artifacts, "branches")
    # the fork canvas at this width too
    page.locator(".ml-branch-host").nth(0).scroll_into_view_if_needed()
    page.locator(".ml-branch-host").nth(0).screenshot(path=str(artifacts / "branches-900-base.png"))
