"""meshlab.checks on hand-built frames with known answers, passing and failing."""

import pytest
from framekit import FrameKit

from meshlab import checks


def mesh_of(*actors):
    fk = FrameKit()
    for i, a in enumerate(actors):
        fk.node_join(0.0, f"n{i}")
        fk.spawn(0.0, a, node=f"n{i}")
    return fk


def heartbeats(fk, who, dst, times, *, msg_type="lead"):
    for t in times:
        fk.send(t, who, dst, node="n0", msg_type=msg_type)


# at_most_one -------------------------------------------------------------------------
def test_at_most_one_passes_on_a_clean_handover():
    fk = mesh_of("c1", "c2", "c3")
    heartbeats(fk, "c1", "c3", [0.1, 0.2, 0.3])
    heartbeats(fk, "c2", "c3", [1.0, 1.1])  # 0.7 s after c1's last: one at a time
    result = checks.at_most_one(fk.trace(), msg_type="lead", window=0.5)
    assert result and result.passed and result.problems == []
    result.assert_ok()


def test_at_most_one_reports_each_overlap_with_time_and_actors():
    fk = mesh_of("c1", "c2", "c3")
    heartbeats(fk, "c1", "c3", [0.1, 0.2, 0.3])
    heartbeats(fk, "c2", "c3", [0.35])  # one stray claim while c1 leads
    heartbeats(fk, "c2", "c3", [3.0, 3.1, 3.2, 3.3])
    heartbeats(fk, "c3", "c1", [3.05, 3.15, 3.25])  # a sustained split
    result = checks.at_most_one(fk.trace(), msg_type="lead", window=0.5, role="leader")
    assert not result
    assert [(p.t, p.actors) for p in result.problems] == [
        (0.35, ("c1", "c2")),
        (3.05, ("c2", "c3")),
    ]
    first, second = result.problems
    assert first == (
        "two leaders at t=0.350 s: c1 and c2 both sent 'lead' within 0.5 s — scrub to t=0.350"
    )
    assert second.startswith("two leaders from t=3.050 s to t=3.300 s: c2 and c3 both kept")
    with pytest.raises(AssertionError, match=r"two leaders at t=0\.350 s"):
        result.assert_ok()


def test_at_most_one_ignores_timers_and_other_types():
    fk = mesh_of("c1", "c2")
    heartbeats(fk, "c1", "c2", [0.1])
    fk.send(0.2, "c2", "c2", node="n1", msg_type="lead", timer=True)
    heartbeats(fk, "c2", "c1", [0.2], msg_type="ack")
    assert checks.at_most_one(fk.trace(), msg_type="lead", window=0.5)


def test_at_most_one_window_is_strict():
    fk = mesh_of("c1", "c2")
    heartbeats(fk, "c1", "c2", [1.0])
    heartbeats(fk, "c2", "c1", [1.5])
    assert checks.at_most_one(fk.trace(), msg_type="lead", window=0.5)
    assert not checks.at_most_one(fk.trace(), msg_type="lead", window=0.51)


def test_at_most_one_refuses_bad_options():
    trace = mesh_of("c1").trace()
    with pytest.raises(ValueError, match="window must be a positive number"):
        checks.at_most_one(trace, msg_type="lead", window=0)
    with pytest.raises(TypeError, match="msg_type must be"):
        checks.at_most_one(trace, msg_type=None, window=1.0)
    with pytest.raises(TypeError, match="positional"):
        checks.at_most_one(trace, "lead", 0.5)
    with pytest.raises(TypeError, match="Trace or its events frame"):
        checks.at_most_one([], msg_type="lead", window=0.5)


# no_unexplained_drops ----------------------------------------------------------------
def test_drops_by_injected_faults_are_explained():
    fk = mesh_of("a", "b")
    m = fk.send(1.0, "a", "b", node="n0")
    fk.drop(1.1, "b", "a", m, node="n1", reason="partition")
    m = fk.send(1.2, "a", "b", node="n0")
    fk.drop(1.3, "b", "a", m, node="n1", reason="loss")
    # b's node dies with a message queued: the discard is the crash's doing
    m = fk.send(2.0, "a", "b", node="n0")
    fk.recv(2.1, "b", "a", m, node="n1")
    fk.node_down(2.5, "n1")
    fk.drop(2.5, "b", "a", m, node="n1", reason="discarded")
    fk.fail(2.5, "b", node="n1", error="node_down", root=None)
    assert checks.no_unexplained_drops(fk.trace())


def test_dead_letters_and_crash_discards_are_reported_grouped():
    fk = mesh_of("a", "b")
    for t in (1.0, 1.5, 2.0):
        m = fk.send(t, "a", "ghost", node="n0", msg_type="vote")
        fk.drop(t + 0.1, "ghost", "a", m, node="n1", reason="dead_letter", msg_type="vote")
    m = fk.send(3.0, "a", "b", node="n0")
    fk.recv(3.1, "b", "a", m, node="n1")
    fk.drop(3.2, "b", "a", m, node="n1", reason="discarded")
    fk.fail(3.2, "b", node="n1", error="KeyError: 'x'")
    result = checks.no_unexplained_drops(fk.trace())
    assert not result
    assert [(p.t, p.actors) for p in result.problems] == [(1.1, ("a", "ghost")), (3.2, ("a", "b"))]
    assert result.problems[0].startswith(
        "3 'vote' messages from a to ghost dropped as dead_letter (no live actor"
    )
    assert "the first at t=1.100 s — scrub to t=1.100" in result.problems[0]
    assert "a 'ping' message from a to b dropped as discarded" in result.problems[1]
    # a teacher may allow more
    assert checks.no_unexplained_drops(
        fk.trace(), allowed=("dead_letter", "discarded", "partition")
    )


def test_allowed_must_be_a_sequence_of_names():
    with pytest.raises(TypeError, match="not a str"):
        checks.no_unexplained_drops(mesh_of("a").trace(), allowed="loss")


# no_crashes --------------------------------------------------------------------------
def test_no_crashes_reports_handler_errors_only():
    fk = mesh_of("a", "b", "c")
    fk.fail(1.0, "a", node="n0", error="InjectedFault: chaos")
    fk.fail(2.0, "b", node="n1", error="node_down", root=None)
    assert checks.no_crashes(fk.trace())
    fk.fail(3.0, "c", node="n2", error="KeyError: 'c9'")
    result = checks.no_crashes(fk.trace())
    assert [(p.t, p.actors) for p in result.problems] == [(3.0, ("c",))]
    assert result.problems[0].startswith("c crashed at t=3.000 s with KeyError: 'c9'")
    assert "trace.flight_recorder('c', t=3.000)" in result.problems[0]


# no_gap ------------------------------------------------------------------------------
def test_no_gap_finds_leaderless_stretches_including_the_ends():
    fk = mesh_of("c1", "c2")
    heartbeats(fk, "c1", "c2", [1.0, 1.5, 2.0])
    heartbeats(fk, "c2", "c1", [5.0, 5.5])
    trace = fk.trace()
    result = checks.no_gap(trace, msg_type="lead", longer_than=2.0, start=0.0, end=9.0)
    assert [(p.t, p.actors) for p in result.problems] == [
        (2.0, ("c1", "c2")),
        (5.5, ("c2", "c1")),
    ]
    assert result.problems[0] == (
        "nobody sent 'lead' for 3.000 s, from t=2.000 s to t=5.000 s (allowed: 2.0 s): "
        "c1 last sent 'lead' at t=2.000 s, c2 next at t=5.000 s; alive meanwhile: c1 and c2 "
        "— scrub to t=2.000"
    )
    assert "c2 last sent 'lead' at t=5.500 s, nobody after it" in result.problems[1]
    assert checks.no_gap(trace, msg_type="lead", longer_than=3.5, start=0.0, end=9.0)
    silent = checks.no_gap(mesh_of("c1").trace(), msg_type="lead", longer_than=1.0, end=4.0)
    assert silent.problems == [
        "nobody sent 'lead' for 4.000 s, from t=0.000 s to t=4.000 s (allowed: 1.0 s): "
        "nobody sent 'lead' at all — scrub to t=0.000"
    ]


def test_no_gap_names_the_participants_alive_inside_the_gap():
    fk = mesh_of("c1", "c2", "c3", "c4")
    heartbeats(fk, "c1", "c2", [1.0, 2.0])
    fk.fail(2.5, "c1", node="n0", error="node_down", root=None)
    fk.fail(1.5, "c3", node="n2", error="node_down", root=None)  # dead all through the gap
    fk.fail(3.0, "c4", node="n3", error="node_down", root=None)  # alive at its start
    heartbeats(fk, "c2", "c1", [6.0])
    result = checks.no_gap(
        fk.trace(),
        msg_type="lead",
        longer_than=3.0,
        start=0.0,
        end=6.5,
        role="leader",
        participants=["c1", "c2", "c3", "c4"],
    )
    (p,) = result.problems
    assert p.startswith("no leader for 4.000 s, from t=2.000 s to t=6.000 s")
    assert "c1 last sent 'lead' at t=2.000 s, c2 next at t=6.000 s" in p
    assert p.actors == ("c1", "c2", "c4")
    assert "alive meanwhile: c1, c2 and c4" in p


# eventually_agree --------------------------------------------------------------------
def agreeing(final_of_c3):
    fk = mesh_of("c1", "c2", "c3")
    heartbeats(fk, "c1", "c2", [1.0])
    fk.send(1.1, "c2", "c1", node="n1", msg_type="ack")
    fk.send(1.1, "c3", "c1", node="n2", msg_type="ack")
    heartbeats(fk, "c1", "c2", [4.0])
    fk.send(4.1, "c2", "c1", node="n1", msg_type="ack")
    fk.send(4.2, "c3", final_of_c3, node="n2", msg_type="ack")
    return fk


def test_eventually_agree_passes_when_every_survivor_follows_one_live_actor():
    result = checks.eventually_agree(agreeing("c1").trace(), vote="ack", claim="lead", after=3.0)
    assert result, result


def test_eventually_agree_names_the_sides_and_since_when():
    result = checks.eventually_agree(agreeing("c2").trace(), vote="ack", claim="lead", after=3.0)
    assert not result
    (p,) = result.problems
    assert p.t == 4.2
    assert p == (
        "no agreement at the end (t=4.200 s): c1 and c2 follow c1; c3 follows c2; they have "
        "disagreed since t=4.200 s — scrub to t=4.200"
    )


def test_eventually_agree_wants_a_decision_after_the_deadline():
    fk = agreeing("c1")
    result = checks.eventually_agree(fk.trace(), vote="ack", claim="lead", after=4.15)
    assert [p.actors for p in result.problems] == [("c1",), ("c2",)]
    assert result.problems[0].startswith("c1 made no decision after t=4.150 s")


def test_eventually_agree_skips_the_dead_and_rejects_a_dead_leader():
    fk = agreeing("c1")
    fk.fail(5.0, "c3", node="n2", error="node_down", root=None)  # c3 no longer counts
    assert checks.eventually_agree(fk.trace(), vote="ack", claim="lead", after=3.0)
    fk = agreeing("c1")
    fk.fail(6.0, "c1", node="n0", error="node_down", root=None)
    result = checks.eventually_agree(fk.trace(), vote="ack", claim="lead", after=3.0)
    (p,) = result.problems
    assert p.t == 6.0 and p.actors[0] == "c1"
    assert p.startswith("c2 and c3 all follow c1, which is not alive at the end")


def test_a_restarted_participant_must_decide_again():
    fk = agreeing("c1")
    fk.fail(5.0, "c3", node="n2")
    fk.restart(5.5, "c3", node="n2")
    result = checks.eventually_agree(fk.trace(), vote="ack", claim="lead", after=3.0)
    assert [p.actors for p in result.problems] == [("c3",)]


# results and reports -----------------------------------------------------------------
def test_report_summarises_and_limits():
    ok = checks.CheckResult("a()")
    bad = checks.CheckResult(
        "b()", [checks.Problem(f"p{i}", t=float(i), actors=("x",)) for i in range(4)]
    )
    rep = checks.report(ok, [bad], title="seed 3", limit=2)
    assert not rep and rep.problems == ["p0", "p1", "p2", "p3"]
    assert str(rep).splitlines() == [
        "seed 3: 1 of 2 checks passed",
        "  PASS  a()",
        "  FAIL  b()",
        "        - p0",
        "        - p1",
        "        … and 2 more",
    ]
    assert bad.times == [0.0, 1.0, 2.0, 3.0]
    assert repr(bad) == "<CheckResult b(): failed with 4 problem(s)>"
    with pytest.raises(AssertionError, match="p3"):
        rep.assert_ok()
    with pytest.raises(TypeError, match="takes check results"):
        checks.report("nope")
    assert checks.report(ok)


# vacuous passes, participants, determinism -----------------------------------------------
def test_safety_checks_say_when_their_pass_is_vacuous():
    quiet = mesh_of("c1", "c2").trace()
    for result in (
        checks.at_most_one(quiet, msg_type="lead", window=0.5),
        checks.no_crashes(quiet),
        checks.no_unexplained_drops(quiet),
    ):
        assert result and result.vacuous
    assert "(vacuous: nobody sent 'lead')" in str(
        checks.report(checks.at_most_one(quiet, msg_type="lead", window=0.5))
    )
    fk = mesh_of("c1", "c2")
    heartbeats(fk, "c1", "c2", [0.1])
    assert checks.at_most_one(fk.trace(), msg_type="lead", window=0.5).vacuous is None
    assert checks.no_unexplained_drops(fk.trace()).vacuous is None


def test_eventually_agree_counts_silent_participants_when_named():
    fk = agreeing("c1")
    fk.spawn(0.0, "c4", node="n0")  # alive, never acks
    result = checks.eventually_agree(fk.trace(), vote="ack", claim="lead", after=3.0)
    assert result  # by default only those that ever sent count...
    named = checks.eventually_agree(
        fk.trace(), vote="ack", claim="lead", after=3.0, participants=["c1", "c2", "c3", "c4"]
    )
    assert [p.actors for p in named.problems] == [("c4",)]  # ...so name them
    silent = checks.eventually_agree(mesh_of("c1").trace(), vote="ack", claim="lead")
    assert silent.problems[0].startswith("nobody sent 'ack' or 'lead' at all")
    alive = checks.eventually_agree(
        mesh_of("c1").trace(), vote="ack", claim="lead", participants=["c1"]
    )
    assert alive.problems[0].startswith("c1 made no decision")


def test_deterministic_names_the_first_event_that_differs():
    a, b = mesh_of("c1", "c2"), mesh_of("c1", "c2")
    heartbeats(a, "c1", "c2", [0.5, 1.0])
    heartbeats(b, "c1", "c2", [0.5])
    heartbeats(b, "c2", "c1", [0.9])
    assert checks.deterministic(a.trace(), a.trace())
    result = checks.deterministic(a.trace(), b.trace())
    (p,) = result.problems
    assert p.t == 0.9 and p.actors == ("c1", "c2")
    assert "msg_send c1 'lead' peer c2 at t=1.000 in one, msg_send c2 'lead' peer c1" in p
    shorter = checks.deterministic(a.trace(), mesh_of("c1", "c2").trace())
    assert "the end of the run" in shorter.problems[0]
