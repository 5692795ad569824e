"""The leader-election lab: the solution passes every check, the starting code fails them."""

import re
from pathlib import Path

import pytest

from meshlab.labs import leader_election as lab
from meshlab.labs import load_actor
from meshlab.trace.invariants import violations

LABS = Path(__file__).resolve().parents[1] / "notebooks" / "labs"
STARTER = LABS / "leader-election.ipynb"
SOLUTION = LABS / "solutions" / "leader-election-solution.ipynb"


@pytest.fixture(scope="module")
def starter():
    return load_actor(STARTER)


@pytest.fixture(scope="module")
def solution():
    return load_actor(SOLUTION)


@pytest.mark.parametrize("seed", range(5))
def test_the_solution_passes_every_check(solution, seed):
    trace = lab.run(solution, seed=seed)
    results = lab.checks(trace)
    assert len(results) == 5
    for r in results:
        r.assert_ok()
    assert violations(trace) == []


@pytest.mark.parametrize("seed", range(5))
def test_the_faults_hit_the_leader_of_the_solution(solution, seed):
    trace = lab.run(solution, seed=seed)
    crashed, minority = trace.meta.params["crashed"], trace.meta.params["minority"]
    assert crashed in minority and len(minority) == 2
    kinds = trace.events.filter(trace.events["kind"].cast(str).is_in(["node_down", "node_up"]))
    assert kinds["node"].to_list() == [crashed, crashed]


def test_the_starting_code_fails_with_times_and_actors(starter):
    report = lab.grade(starter, seeds=range(5))
    assert not report
    failed = [r for r in report.results if not r]
    assert failed and all("at_most_one" in r.name for r in failed)
    for p in report.problems:
        assert re.search(r"t=\d+\.\d{3} s", p) and re.search(r"scrub to t=\d+\.\d{3}$", p)
        assert len(p.actors) == 2 and all(a in p for a in p.actors)
    # the partition splits the bully's leadership: c3 in the minority, c2 on the other side
    first = lab.checks(lab.run(starter, seed=0))[2].problems[-1]
    assert first.actors == ("c2", "c3") and 5.0 < first.t < 8.0
    assert first.startswith("two leaders from t=")


def test_a_protocol_that_never_leads_fails_liveness():
    import meshlab as ml

    class Silent(ml.Actor):
        def __init__(self, peers):
            self.peers = peers

    results = lab.checks(lab.run(Silent, seed=0))
    by_name = {r.name.split("(")[0]: r for r in results}
    assert by_name["at_most_one"]  # vacuously safe...
    assert not by_name["no_gap"]  # ...but nobody ever leads
    assert not by_name["eventually_agree"]


def test_runs_are_deterministic(solution):
    assert lab.run(solution, seed=3).digest() == lab.run(solution, seed=3).digest()


def test_load_actor_explains_a_missing_class(tmp_path):
    p = tmp_path / "student.py"
    p.write_text("X = 1\n")
    with pytest.raises(ValueError, match="defines no class 'Candidate'"):
        load_actor(p)
    with pytest.raises(FileNotFoundError):
        load_actor(tmp_path / "nope.py")


def test_build_refuses_a_non_actor():
    with pytest.raises(TypeError, match=r"subclass of meshlab\.Actor"):
        lab.build(object)
