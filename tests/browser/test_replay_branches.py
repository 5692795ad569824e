"""The HTML replay of a forked canvas and of a problem, in Chromium: the same tabs, hollow markers,
divergence line, branch switch and problem band as in JupyterLab (test_branches.py; the checks
are shared, branch_checks.py), from one offline file with every branch's events in it."""

from __future__ import annotations

import pytest

from .branch_checks import FORK, PROBLEM, STARTER, check_fork, check_problem, facts, wait_shown

MODEL = "window.meshlabReplay.model"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The fork canvas and the problem canvas, each saved as a replay."""
    ns: dict = {"STARTER": STARTER}
    exec(FORK + PROBLEM, ns)  # the very cells the notebook of test_branches.py runs
    out = tmp_path_factory.mktemp("replay-branches")
    fork = ns["canvas"].save_html(out / "fork.html")
    problem = ns["pc"].save_html(out / "problem.html")
    f = facts(ns["canvas"], ns["a"], ns["b"], ns["pc"])
    ns["canvas"].branch = "what-if"  # saved while the fork is shown: the replay opens on it
    f["on_fork"] = ns["canvas"].save_html(out / "on-fork.html")
    return fork, problem, f


def test_replay_switches_branches_as_the_notebook_does(open_page, saved, artifacts):
    fork, _problem, f = saved
    page = open_page(fork.as_uri(), bypass_csp=True)
    wait_shown(page, 0, "base", f["rows_a"], 4.0)
    check_fork(page, f, artifacts, "replay-branches")
    assert page.evaluate(f"{MODEL}.get('branch')") == "what-if"
    # the model switches back (as the kernel would); the playhead moved meanwhile is kept, and
    # the main run's store is the one it had: no second copy of its events is asked for
    page.evaluate(f"{MODEL}.set('time', 6.0); {MODEL}.set('branch', 'base')")
    wait_shown(page, 0, "base", f["rows_a"], 6.0)
    # and the fork's store is kept too: back to it without its events sent again
    page.locator(".ml-branch-tab").nth(1).click()
    wait_shown(page, 0, "what-if", f["rows_b"], 6.0)
    # the keys still work after the view was rebuilt for the branch (focus fell to the page)
    page.keyboard.press("v")
    page.wait_for_function(f"{MODEL}.get('view') === 'tree'")


def test_replay_marks_a_problem(open_page, saved, artifacts):
    _fork, problem, f = saved
    page = open_page(problem.as_uri(), width=900, bypass_csp=True)
    check_problem(page, f, artifacts, "replay", n=0)


def test_replay_opens_on_the_branch_shown_when_saved(open_page, saved):
    f = saved[2]
    page = open_page(f["on_fork"].as_uri(), bypass_csp=True)
    wait_shown(page, 0, "what-if", f["rows_b"], 4.0)
    assert page.locator(".ml-branch-tab").nth(1).get_attribute("aria-pressed") == "true"
    # and the main run from its tab, its chunks handed out when first asked for
    page.locator(".ml-branch-tab").nth(0).click()
    wait_shown(page, 0, "base", f["rows_a"], 4.0)
