"""The supervision lab: OTP's defaults give up at once; the solution's tree stays available."""

from pathlib import Path

import pytest

import meshlab as ml
from meshlab.labs import load_actor
from meshlab.labs import supervision as lab
from meshlab.trace.invariants import violations

LABS = Path(__file__).resolve().parents[1] / "notebooks" / "labs"
STARTER = LABS / "supervision.ipynb"
SOLUTION = LABS / "solutions" / "supervision-solution.ipynb"


@pytest.fixture(scope="module")
def starter():
    return load_actor(STARTER, name=lab.ANSWER)


@pytest.fixture(scope="module")
def solution():
    if not SOLUTION.exists():
        pytest.skip(f"the solution is not here ({SOLUTION.name}): a student copy of the lab")
    return load_actor(SOLUTION, name=lab.ANSWER)


def flat(**options):
    class Flat(ml.Supervisor):
        def __init__(self):
            restart = options.pop("warmer", "permanent")
            children = [ml.ChildSpec(n, c) for n, c in lab.WORKERS if n != "warmer"]
            children.append(ml.ChildSpec("warmer", lab.Warmer, restart=restart))
            super().__init__(children, **options)

    return Flat


@pytest.mark.parametrize("seed", range(5))
def test_the_solution_passes_every_check(solution, seed):
    trace = lab.run(solution, seed=seed)
    for r in lab.checks(trace):
        r.assert_ok()
        assert not r.vacuous, r
    assert violations(trace) == []


def test_the_solution_scores_full_marks(solution):
    assert lab.grade(solution, seeds=range(5)).score == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_the_starting_tree_gives_up_at_once_over_the_warmer(starter, seed):
    results = lab.checks(lab.run(starter, seed=seed))
    (p,) = results[0].problems
    assert p.startswith("svc gave up at t=0.000 s (escalated: shutdown, more than 1 restart")
    assert "ConfigError" in p and p.actors == ("svc", "svc/warmer") and p.t == 0.0
    assert not results[3]  # and nothing is answered after that
    assert "only 0.0% of" in results[3].problems[0]


def test_the_starting_tree_scores_nothing(starter):
    assert lab.grade(starter, seeds=range(5)).score == 0.0


def test_a_temporary_warmer_alone_falls_to_the_next_two_crashes():
    trace = lab.run(flat(warmer="temporary", backoff=None), seed=0)
    p = lab.checks(trace)[0].problems[0]
    assert p.startswith("svc gave up at") and "more than 1 restart in 5s" in p
    # a poison message spent the one restart, the database outage the rest
    ev = trace.events
    poisoned = ev.filter(
        (ev["kind"].cast(str) == "actor_fail") & ev["reason"].str.contains("poison message")
    )
    assert poisoned.height and poisoned["t"][0] < p.t
    assert "ConnectionError" in p and p.actors == ("svc", "svc/repo")


def test_restarting_the_repo_at_once_is_a_crash_loop():
    tree = flat(warmer="temporary", intensity=1000, period=5, backoff=None)
    results = lab.checks(lab.run(tree, seed=0))
    repo = results[1]
    assert not repo
    (p,) = repo.problems
    assert "svc/repo restarted" in p and "(allowed: 12)" in p
    assert "ConnectionError: the database on ndb does not answer" in p
    assert lab.schedule(0)["db_down"] <= p.t <= lab.schedule(0)["db_up"]


def test_a_tree_without_the_warmer_fails_bounded_restarts():
    class NoWarmer(ml.Supervisor):
        def __init__(self):
            children = [ml.ChildSpec(n, c) for n, c in lab.WORKERS if n != "warmer"]
            super().__init__(children, intensity=100, period=5)

    warmer = lab.checks(lab.run(NoWarmer, seed=0))[2]
    assert warmer.problems == ["no actor named 'warmer' ever started: the tree must start it"]


def test_the_schedule_varies_with_the_seed():
    plans = [lab.schedule(s) for s in range(10)]
    assert len({p["db_down"] for p in plans}) == 10
    assert len({tuple(p["poison"]) for p in plans}) == 10


def _what_if(service):
    """The notebook's what-if on seed 0: the run, and its fork without the outage."""
    plan = lab.schedule(0)
    base = ml.Run(lambda seed: lab.build(service, seed=seed), seed=0, until=plan["until"])
    return base, base.fork(ml.fork.prevent("node_down", node="ndb"), at=plan["db_down"] - 0.5)


def after_fork(diff, what):
    row = diff.counts.filter(diff.counts["what"] == what)
    return int(row["a"][0]), int(row["b"][0])


def test_the_what_if_has_nothing_to_compare_for_the_starting_tree(starter):
    # why the notebook's what-if cell does not fork the starting tree, and says so: it gave up
    # before the fork's time, so both runs fail nothing and restart nothing after it
    plan = lab.schedule(0)
    gave_up = lab.checks(lab.run(starter, seed=0))[0].problems
    assert gave_up and gave_up[0].t < plan["db_down"] - 0.5
    diff = ml.Run.diff(*_what_if(starter))
    assert after_fork(diff, "failures") == (0, 0) and after_fork(diff, "restarts") == (0, 0)


def test_the_what_if_answers_the_question_for_the_solution(solution):
    # docs/teaching.md's figures: without the outage, half the failures and every dead letter
    # go, and the requests lost to the outage are answered
    diff = ml.Run.diff(*_what_if(solution))
    assert after_fork(diff, "failures") == (8, 4)
    assert after_fork(diff, "restarts") == (8, 4)
    assert after_fork(diff, "drops") == (46, 0)
    resp = diff.messages.filter(diff.messages["msg_type"] == "resp")
    assert int(resp["b"][0]) - int(resp["a"][0]) == 47
