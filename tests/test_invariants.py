"""The contract's invariants: property tests over random scenarios, seeds and faults, and proof
that the checker catches each kind of violation."""

import pytest
from framekit import FrameKit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simkit import Sink, rows

import meshlab as ml
from meshlab.trace.invariants import violations

FAULTS = st.lists(
    st.tuples(
        st.sampled_from(["kill", "restart_node", "crash", "partition", "heal", "stop", "lossy"]),
        st.floats(min_value=0.0, max_value=3.0, allow_nan=False),
        st.integers(min_value=0, max_value=1000),
    ),
    max_size=6,
)


def inject(mesh, faults):
    """Apply random faults to a built mesh; choices come from the drawn integers."""
    nodes = list(mesh._nodes)
    actors = list(mesh._cells)
    for what, at, pick in faults:
        node = nodes[pick % len(nodes)]
        if what == "kill":
            mesh.kill_node(node, at=at)
        elif what == "restart_node":
            mesh.restart_node(node, at=at, downtime=0.3)
        elif what == "crash" and actors:
            mesh.crash(actors[pick % len(actors)], at=at)
        elif what == "stop" and actors:
            mesh.stop(actors[pick % len(actors)], at=at)
        elif what == "partition":
            mesh.partition([nodes[: 1 + pick % (len(nodes) - 1)]], at=at)
        elif what == "heal":
            mesh.heal(at=at)
        elif what == "lossy":
            other = nodes[(pick + 1) % len(nodes)]
            mesh.set_link(node, other, latency=ml.sim.Exponential(0.005), loss=0.3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(ml.scenarios.names()),
    seed=st.integers(min_value=0, max_value=2**31),
    nodes=st.integers(min_value=2, max_value=5),
    faults=FAULTS,
)
def test_every_invariant_holds_under_random_faults(name, seed, nodes, faults):
    mesh, _ = ml.scenarios.build(name, seed=seed, nodes=nodes)
    inject(mesh, faults)
    mesh.run(until=3.5)
    found = violations(mesh.trace)
    assert found == [], "\n".join(map(str, found))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31), faults=FAULTS)
def test_the_same_faults_and_seed_replay_byte_for_byte(seed, faults):
    def once():
        mesh, _ = ml.scenarios.build("supervision-tree", seed=seed)
        inject(mesh, faults)
        mesh.run(until=3.0)
        return mesh.trace.digest()

    assert once() == once()


# The checker itself must catch what it claims to catch -------------------------------------


def base() -> FrameKit:
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.spawn(0.0, "b", node="n0")
    return fk


def names(fk: FrameKit) -> set[str]:
    return names_of(fk.trace())


def names_of(trace) -> set[str]:
    return {v.invariant for v in violations(trace)}


def test_a_clean_trace_has_no_violations():
    fk = base()
    fk.deliver(0.1, "a", "b", src_node="n0", dst_node="n0")
    assert names(fk) == set()


def test_catches_a_receive_without_a_send_and_a_double_receive():
    fk = base()
    fk.recv(0.1, "b", "a", 99, node="n0")
    m = fk.send(0.2, "a", "b", node="n0")
    fk.recv(0.3, "b", "a", m, node="n0")
    fk.recv(0.4, "b", "a", m, node="n0")
    assert names(fk) == {"send-first", "at-most-once"}


def test_catches_events_after_death_and_restarts_that_do_not_raise_the_incarnation():
    fk = base()
    fk.fail(0.1, "a", node="n0")
    fk.send(0.2, "a", "b", node="n0")
    assert "inside-life" in names(fk)
    fk2 = base()
    fk2.fail(0.1, "a", node="n0")
    fk2.event("actor_restart", 0.2, "n0", actor="a", incarnation=0, reason="one_for_one")
    assert "restart" in names(fk2)


def test_catches_a_failure_without_root_cause_and_an_escalation_naming_itself():
    fk = base()
    fk.fail(0.1, "a", node="n0", root=None)
    fk.fail(0.1, "b", node="n0", error="escalated: too many restarts")
    assert names(fk) == {"root-cause"}


def test_catches_a_failure_or_a_restart_nobody_made_after_a_clean_stop():
    fk = base()
    fk.stop(0.1, "a", node="n0")
    fk.fail(0.2, "a", node="n0")
    assert "clean-stop" in names(fk)
    fk2 = base()
    fk2.stop(0.1, "a", node="n0")
    fk2.restart(0.2, "a", node="n0", strategy="retry-loop")  # not a supervisor's, nor a respawn
    assert names(fk2) == {"clean-stop"}


def test_a_supervisor_may_restart_a_child_that_stopped_cleanly_as_otp_does():
    # A transient child that stopped cleanly comes back with a sibling's one_for_all restart,
    # and a permanent child (OTP's default) is restarted after a clean stop.
    fk = base()
    fk.stop(0.1, "a", node="n0")
    fk.fail(0.2, "b", node="n0")
    fk.restart(0.2, "a", node="n0", strategy="one_for_all")
    fk.restart(0.2, "b", node="n0", strategy="one_for_all")
    fk.stop(0.3, "a", node="n0")
    fk.restart(0.3, "a", node="n0", strategy="one_for_one")
    assert names(fk) == set()


@pytest.mark.parametrize("backoff", [None, ml.Backoff(jitter=0.0)], ids=["otp", "backoff"])
def test_the_simulators_clean_stops_and_restarts_pass_the_checker(backoff):
    mesh = ml.Mesh(seed=3, nodes=2)
    specs = [
        ml.ChildSpec("a", Sink, restart="transient"),
        ml.ChildSpec("b", Sink),
        ml.ChildSpec("c", Sink, restart="temporary"),
    ]
    mesh.spawn(ml.Supervisor, specs, strategy="one_for_all", intensity=5, backoff=backoff,
               name="sup")  # fmt: skip
    mesh.stop("sup/a", at=0.5)  # transient, clean: stays down...
    mesh.stop("sup/b", at=1.0)  # ...until permanent b's restart takes the group along
    mesh.crash("sup/b", at=2.0)
    mesh.run(until=3.0)
    restarted = [r["actor"] for r in rows(mesh.trace, "actor_restart")]
    assert restarted == ["sup/a", "sup/b", "sup/a", "sup/b"]  # c, temporary, is gone
    assert names_of(mesh.trace) == set()
