"""Supervision: OTP strategies, restart types, intensity and giving up, backoff, root causes.

Exactness against a real Erlang/OTP is in test_otp_differential.py; these cover what OTP does
not have (backoff, nodes) and the options."""

import pytest
from simkit import Boom, Sink, rows

import meshlab as ml
from meshlab.trace.invariants import assert_valid

BACKOFF = ml.Backoff(base=0.1, jitter=0.0)


def tree(strategy: str, *, intensity: int = 3, backoff=BACKOFF, restart="transient"):
    mesh = ml.Mesh(seed=4, nodes=2)
    specs = [
        ml.ChildSpec("a", Sink),
        ml.ChildSpec("b", Boom, restart=restart),
        ml.ChildSpec("c", Sink),
    ]
    mesh.spawn(
        ml.Supervisor, specs, strategy=strategy, intensity=intensity,
        backoff=backoff, name="sup", node="n0",
    )  # fmt: skip
    return mesh


def lifecycle(mesh):
    return [
        (r["kind"], r["actor"], r["incarnation"])
        for r in mesh.trace.events.to_dicts()
        if r["kind"] in ("actor_fail", "actor_stop", "actor_restart")
    ]


def test_one_for_one_restarts_only_the_crashed_child_after_the_backoff():
    mesh = tree("one_for_one")
    mesh.crash("sup/b", at=1.0)
    mesh.run(until=2.0)
    assert lifecycle(mesh) == [("actor_fail", "sup/b", 0), ("actor_restart", "sup/b", 1)]
    (restart,) = rows(mesh.trace, "actor_restart")
    assert restart["t"] == pytest.approx(1.1) and restart["duration"] == pytest.approx(0.1)
    assert restart["reason"] == "one_for_one" and restart["parent"] == "sup"


def test_one_for_all_shuts_down_the_others_last_started_first_and_restarts_every_child():
    mesh = tree("one_for_all")
    mesh.crash("sup/b", at=1.0)
    mesh.run(until=2.0)
    assert lifecycle(mesh) == [
        ("actor_fail", "sup/b", 0),
        ("actor_stop", "sup/c", 0),
        ("actor_stop", "sup/a", 0),
        ("actor_restart", "sup/a", 1),
        ("actor_restart", "sup/b", 1),
        ("actor_restart", "sup/c", 1),
    ]
    assert {r["reason"] for r in rows(mesh.trace, "actor_stop")} == {"shutdown"}
    assert_valid(mesh.trace)


def test_rest_for_one_restarts_the_child_and_those_started_after_it():
    mesh = tree("rest_for_one")
    mesh.crash("sup/b", at=1.0)
    mesh.run(until=2.0)
    assert [x[1] for x in lifecycle(mesh) if x[0] == "actor_restart"] == ["sup/b", "sup/c"]


def test_backoff_widens_with_each_restart_in_the_window():
    mesh = tree("one_for_one", intensity=10)
    for t in (1.0, 2.0, 3.0, 4.0):
        mesh.crash("sup/b", at=t)
    mesh.run(until=5.0)
    waits = [r["duration"] for r in rows(mesh.trace, "actor_restart")]
    assert waits == pytest.approx([0.1, 0.2, 0.4, 0.8])


def test_exceeding_intensity_escalates_with_the_original_root_cause():
    mesh = ml.Mesh(seed=1, nodes=2)
    inner = [ml.ChildSpec("w", Boom)]
    outer = [ml.ChildSpec("inner", ml.Supervisor, (inner,), dict(intensity=2, period=10.0))]
    mesh.spawn(ml.Supervisor, outer, intensity=0, name="top")
    for t in (1.0, 2.0, 3.0):
        mesh.crash("top/inner/w", at=t, reason="bad input")
    mesh.run(until=5.0)
    fails = rows(mesh.trace, "actor_fail")
    inner_fail = next(f for f in fails if f["actor"] == "top/inner")
    assert inner_fail["peer"] == "top/inner/w"  # the root cause, not the supervisor itself
    assert inner_fail["reason"].startswith("escalated: shutdown, more than 2 restarts in 10s")
    assert "InjectedFault: bad input" in inner_fail["reason"]
    top_fail = next(f for f in fails if f["actor"] == "top")  # intensity 0: gives up at once
    assert top_fail["peer"] == "top/inner/w"
    assert_valid(mesh.trace)


def test_a_temporary_child_is_not_restarted_nor_a_transient_one_after_a_clean_stop():
    mesh = ml.Mesh(seed=4, nodes=2)
    specs = [
        ml.ChildSpec("a", Sink, restart="transient"),
        ml.ChildSpec("b", Boom, restart="temporary"),
    ]
    mesh.spawn(ml.Supervisor, specs, name="sup", node="n0")
    mesh.crash("sup/b", at=1.0)
    mesh.stop("sup/a", at=1.0)
    mesh.run(until=3.0)
    assert rows(mesh.trace, "actor_restart") == []
    assert_valid(mesh.trace)


def test_children_are_permanent_by_default_so_a_clean_stop_is_restarted_too():
    mesh = ml.Mesh(seed=4, nodes=2)
    mesh.spawn(ml.Supervisor, [ml.ChildSpec("a", Sink)], name="sup", backoff=None)
    mesh.stop("sup/a", at=1.0)
    mesh.run(until=2.0)
    assert lifecycle(mesh) == [("actor_stop", "sup/a", 0), ("actor_restart", "sup/a", 1)]
    (restart,) = rows(mesh.trace, "actor_restart")
    assert restart["t"] == 1.0 and restart["duration"] == 0.0  # backoff=None: at once
    assert_valid(mesh.trace)


def test_supervisor_defaults_are_otps_plus_a_documented_backoff():
    sup = ml.Supervisor([])
    assert (sup.strategy, sup.intensity, sup.period) == ("one_for_one", 1, 5)
    assert sup.backoff == ml.Backoff(base=0.1, factor=2.0, cap=5.0, jitter=0.1)
    assert ml.Supervisor([], backoff=None).backoff is None
    assert ml.ChildSpec("x", Sink).restart == "permanent"


def test_nodes_going_down_together_make_one_group_restart_not_two():
    # OTP: the group restart shuts the other child down and flushes its exit, so it does not
    # count again; two crashes would exceed intensity 1 here.
    mesh = ml.Mesh(seed=0, nodes=2)
    specs = [ml.ChildSpec("a", Sink, node="n1"), ml.ChildSpec("b", Sink, node="n1")]
    mesh.spawn(ml.Supervisor, specs, strategy="one_for_all", backoff=None, name="s", node="n0")
    mesh.kill_node("n1", at=1.0)
    mesh.run(until=2.0)
    assert [x[0] for x in lifecycle(mesh)] == ["actor_fail"] * 2 + ["actor_restart"] * 2
    assert {r["node"] for r in rows(mesh.trace, "actor_restart")} == {"n0"}
    assert_valid(mesh.trace)


def test_a_supervisor_giving_up_over_a_dead_node_names_the_child_as_root_cause():
    mesh = ml.Mesh(seed=0, nodes=2)
    inner = [ml.ChildSpec("w", Sink, node="n1")]
    top = [ml.ChildSpec("inner", ml.Supervisor, (inner,), dict(intensity=0), node="n0")]
    mesh.spawn(ml.Supervisor, top, name="top", node="n0")
    mesh.kill_node("n1", at=1.0)
    mesh.run(until=2.0)
    gave_up = next(f for f in rows(mesh.trace, "actor_fail") if f["actor"] == "top/inner")
    assert gave_up["peer"] == "top/inner/w"
    assert_valid(mesh.trace)


def test_a_node_leaving_gracefully_moves_a_permanent_child_elsewhere():
    mesh = ml.Mesh(seed=0, nodes=3)
    specs = [ml.ChildSpec("w", Sink, node="n2")]
    mesh.spawn(ml.Supervisor, specs, backoff=None, name="s", node="n0")
    mesh.remove_node("n2", at=1.0)
    mesh.run(until=2.0)
    assert [x[0] for x in lifecycle(mesh)] == ["actor_stop", "actor_restart"]
    (restart,) = rows(mesh.trace, "actor_restart")
    assert restart["node"] in ("n0", "n1")
    assert_valid(mesh.trace)


def test_a_restart_moves_off_a_dead_node():
    mesh = ml.Mesh(seed=0, nodes=3)
    specs = [ml.ChildSpec("w", Sink, node="n2")]
    mesh.spawn(ml.Supervisor, specs, backoff=ml.Backoff(base=0.1, jitter=0.0), name="s", node="n0")
    mesh.kill_node("n2", at=1.0)
    mesh.run(until=2.0)
    (fail,) = rows(mesh.trace, "actor_fail")
    assert fail["reason"] == "node_down" and fail["peer"] is None
    (restart,) = rows(mesh.trace, "actor_restart")
    assert restart["node"] in ("n0", "n1") and restart["incarnation"] == 1


def test_bad_supervisor_options_are_refused_clearly():
    with pytest.raises(ValueError, match="strategy must be one of"):
        ml.Supervisor([], strategy="one_for_some")
    with pytest.raises(ValueError, match="child names must be unique"):
        ml.Supervisor([ml.ChildSpec("x", Sink), ml.ChildSpec("x", Sink)])
    with pytest.raises(ValueError, match="restart must be one of"):
        ml.ChildSpec("x", Sink, restart="sometimes")
    with pytest.raises(ValueError, match="Backoff needs"):
        ml.Backoff(factor=0.5)
    with pytest.raises(ValueError, match="period must be a whole number of seconds"):
        ml.Supervisor([], period=2.5)
    with pytest.raises(ValueError, match="intensity must be a whole number >= 0"):
        ml.Supervisor([], intensity=-1)
    with pytest.raises(TypeError, match=r"backoff must be a meshlab\.Backoff or None"):
        ml.Supervisor([], backoff=0.1)
