"""The broadcast lab: the starting code loses values, the solution delivers all within budget."""

import re
from pathlib import Path

import pytest

import meshlab as ml
from meshlab.labs import broadcast as lab
from meshlab.labs import load_actor
from meshlab.trace.invariants import violations

LABS = Path(__file__).resolve().parents[1] / "notebooks" / "labs"
STARTER = LABS / "broadcast.ipynb"
SOLUTION = LABS / "solutions" / "broadcast-solution.ipynb"


@pytest.fixture(scope="module")
def starter():
    return load_actor(STARTER, name=lab.ANSWER)


@pytest.fixture(scope="module")
def solution():
    if not SOLUTION.exists():
        pytest.skip(f"the solution is not here ({SOLUTION.name}): a student copy of the lab")
    return load_actor(SOLUTION, name=lab.ANSWER)


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
def test_the_starting_code_loses_values_and_says_where_to_look(starter, seed):
    trace = lab.run(starter, seed=seed)
    results = {r.name.split("(")[0]: r for r in lab.checks(trace)}
    assert results["no_crashes"] and results["within_budget"]
    delivered = results["all_delivered"]
    assert not delivered
    for p in delivered.problems:
        m = re.match(r"(b\d) misses (\d+) of 20 values at the read at t=\d+\.\d{3} s; "
                     r"the first it misses was broadcast at t=(\d+\.\d{3}) s to (b\d) — "
                     r"scrub to t=\3$", p)  # fmt: skip
        assert m, p
        assert p.actors == (m[1], m[4]) and p.t == float(m[3])
        # what the student finds there: a gossip from that node to this one, dropped
        drops = trace.events.filter(
            (trace.events["kind"].cast(str) == "msg_drop")
            & (trace.events["peer"] == m[4])
            & (trace.events["actor"] == m[1])
        )
        assert set(drops["reason"]) <= {"loss", "partition"} and drops.height


def test_flooding_everyone_all_the_time_breaks_the_budget(solution):
    class Flood(solution):
        def on_resend(self, ctx, _):
            for p in self.peers:
                ctx.send(p, "gossip", sorted(self.values))
            ctx.after(0.1, "resend")

    trace = lab.run(Flood, seed=0)
    budget = next(r for r in lab.checks(trace) if r.name.startswith("within_budget"))
    (p,) = budget.problems
    assert "over the budget of 600: message 601 was" in p
    assert re.search(r"most sent by b\d \(\d+\)", p)
    assert lab.grade(Flood, seeds=[0]).score == pytest.approx(0.2)  # delivery is gated


def test_a_silent_node_scores_nothing():
    class Silent(ml.Actor):
        def __init__(self, peers):
            self.peers = peers

        def receive(self, ctx, msg_type, body):
            pass

    grade = lab.grade(Silent, seeds=[0])
    # it neither crashed nor dropped a message, but it did no work that could have: every
    # safety pass is vacuous, and delivery fails
    assert grade.score == 0.0
    lines = {x.check: x for x in grade.seeds[0].lines}
    for check in ("no_crashes", "no_unexplained_drops", "within_budget"):
        assert lines[check].earned == 0 and lines[check].why.startswith("passed vacuously"), check
    assert "the participants sent each other nothing" in lines["no_crashes"].why
    problems = next(r for r in grade.results if "all_delivered" in r.name).problems
    assert [p.actors for p in problems] == [(b, "client") for b in lab.PARTICIPANTS]
    assert problems[0].startswith("b0 never answered client's read after t=")


def test_the_schedule_varies_with_the_seed():
    plans = [lab.schedule(s) for s in range(10)]
    for key in ("partition_at", "heal_at", "loss"):
        assert len({p[key] for p in plans}) == 10
    assert len({tuple(p["minority"]) for p in plans}) > 3
    assert plans[0] == lab.schedule(0)


def test_answering_the_client_but_telling_nobody_scores_nothing():
    class Keeper(ml.Actor):
        def __init__(self, peers):
            self.values = set()

        def on_broadcast(self, ctx, value):
            self.values.add(value)
            ctx.reply("broadcast_ok", value)

        def on_read(self, ctx, _):
            ctx.reply("read_ok", sorted(self.values))

    assert lab.grade(Keeper, seeds=[0, 1]).score == 0.0


def test_the_starting_code_keeps_its_safety_points(starter):
    # it does tell its peers: its safety passes prove something and earn their 4 points of 10
    assert lab.grade(starter, seeds=[0]).score == pytest.approx(0.4)
