"""Supervision: OTP strategies, restart intensity and escalation, backoff, root causes."""

import pytest
from simkit import Boom, Sink, rows

import meshlab as ml
from meshlab.trace.invariants import assert_valid


def tree(strategy: str, *, intensity: int = 3, backoff=None, restart="transient"):
    mesh = ml.Mesh(seed=4, nodes=2)
    specs = [
        ml.ChildSpec("a", Sink),
        ml.ChildSpec("b", Boom, restart=restart),
        ml.ChildSpec("c", Sink),
    ]
    mesh.spawn(
        ml.Supervisor, specs, strategy=strategy, intensity=intensity,
        backoff=backoff or ml.Backoff(base=0.1, jitter=0.0), name="sup", node="n0",
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


def test_one_for_all_shuts_down_and_restarts_every_child():
    mesh = tree("one_for_all")
    mesh.crash("sup/b", at=1.0)
    mesh.run(until=2.0)
    assert lifecycle(mesh) == [
        ("actor_fail", "sup/b", 0),
        ("actor_stop", "sup/a", 0),
        ("actor_stop", "sup/c", 0),
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
    assert inner_fail["reason"].startswith("escalated: more than 2 restarts in 10s")
    assert "InjectedFault: bad input" in inner_fail["reason"]
    top_fail = next(f for f in fails if f["actor"] == "top")  # intensity 0: gives up at once
    assert top_fail["peer"] == "top/inner/w"
    assert_valid(mesh.trace)


def test_a_temporary_child_is_not_restarted_and_a_clean_stop_is_final():
    mesh = tree("one_for_one", restart="temporary")
    mesh.crash("sup/b", at=1.0)
    mesh.stop("sup/a", at=1.0)
    mesh.run(until=3.0)
    assert rows(mesh.trace, "actor_restart") == []
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
