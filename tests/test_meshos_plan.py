"""The reconciler on its own: minimal, deterministic, safe, and convergent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshlab.meshos import (
    ActualState,
    Blob,
    Daemon,
    DaemonView,
    DesiredState,
    IllegalTransition,
    NodeView,
    Service,
    Transfer,
    check_transition,
    plan,
)
from meshlab.meshos.maintenance import EDGES, STATES

NODES = [f"n{i}" for i in range(6)]


def kinds(actions):
    return [(a.kind, a.node, a.target) for a in actions]


def test_a_blob_short_of_replicas_gets_exactly_the_missing_pulls_from_its_nearest_copy():
    want = DesiredState(blobs=(Blob("b", replicas=3),))
    have = ActualState(
        nodes={n: NodeView() for n in NODES[:4]},
        replicas={"b": {"n0", "n3"}},
        rtt={("n0", "n1"): 0.010, ("n1", "n3"): 0.002, ("n0", "n2"): 0.001, ("n2", "n3"): 0.02},
    )
    actions = plan(want, have)
    assert [(a.kind, a.node, a.src) for a in actions] == [("pull_replica", "n1", "n3")]
    assert actions[0].cause == "b has 2 of 3 replicas"


def test_copies_in_flight_count_so_a_round_never_plans_them_twice():
    want = DesiredState(blobs=(Blob("b", replicas=3),))
    have = ActualState(
        nodes={n: NodeView() for n in NODES[:4]},
        replicas={"b": {"n0", "n1"}},
        transfers={7: Transfer(7, "b", "n0", "n2")},
    )
    assert plan(want, have) == []


def test_nothing_is_placed_on_a_cordoned_draining_maintained_warming_or_avoided_node():
    want = DesiredState(blobs=(Blob("b", replicas=2),), services=(Service("api", replicas=2),))
    nodes = {
        "n0": NodeView(),
        "n1": NodeView(state="cordoned"),
        "n2": NodeView(state="entering_maintenance"),
        "n3": NodeView(state="maintenance"),
        "n4": NodeView(state="active", warm_at=10.0),
        "n5": NodeView(avoid_until=10.0),
    }
    have = ActualState(now=1.0, nodes=nodes, replicas={"b": {"n0"}})
    actions = plan(want, have)
    assert kinds(actions) == [("start_instance", "n0", "api")]  # b already has its copy on n0
    have.replicas["b"].add("n1")  # a cordoned node's copy still counts: nothing more to do
    assert kinds(plan(want, have)) == [("start_instance", "n0", "api")]


def test_a_draining_node_migrates_its_copy_before_anything_else_and_one_move_at_a_time():
    want = DesiredState(blobs=(Blob("b", replicas=2),))
    have = ActualState(
        nodes={
            "n0": NodeView(state="entering_maintenance"),
            "n1": NodeView(state="entering_maintenance"),
            "n2": NodeView(),
            "n3": NodeView(),
        },
        replicas={"b": {"n0", "n1"}},
    )
    first = plan(want, have)
    assert [(a.kind, a.src) for a in first if a.kind == "migrate_blob"] == [("migrate_blob", "n0")]
    have.transfers[1] = Transfer(1, "b", "n0", first[0].node, move=True)
    second = plan(want, have)
    assert not [a for a in second if a.kind == "migrate_blob"]


def test_a_stale_duplicate_is_dropped_only_when_no_repair_is_in_flight():
    want = DesiredState(blobs=(Blob("b", replicas=2),))
    have = ActualState(
        now=0.0,
        nodes={n: NodeView(heat=0.1 * i) for i, n in enumerate(NODES[:4])},
        replicas={"b": {"n0", "n1", "n3"}},
    )
    assert kinds(plan(want, have)) == [("drop_replica", "n3", "b")]
    have.transfers[1] = Transfer(1, "b", "n0", "n2")
    assert plan(want, have) == []


def test_daemons_follow_roles_drain_with_their_node_unless_essential_and_stay_gated():
    want = DesiredState(
        daemons=(Daemon("agent", essential=True), Daemon("cache", roles=("storage",))),
        roles={"n1": "storage"},
    )
    have = ActualState(
        now=5.0,
        nodes={"n0": NodeView(), "n1": NodeView(state="entering_maintenance")},
        daemons={
            ("n0", "agent"): DaemonView("crashed", crashes=4, gated_until=9.0),
            ("n1", "agent"): DaemonView("running"),
            ("n1", "cache"): DaemonView("running"),
            ("n0", "old"): DaemonView("running"),
        },
    )
    assert kinds(plan(want, have)) == [
        ("stop_daemon", "n0", "old"),
        ("stop_daemon", "n1", "cache"),
    ]
    have.now = 9.0
    assert ("start_daemon", "n0", "agent") in kinds(plan(want, have))


def test_a_node_slow_to_every_peer_is_avoided_but_its_fast_peers_are_not():
    have = ActualState(
        nodes={n: NodeView() for n in NODES[:3]},
        rtt={("n0", "n1"): 0.001, ("n0", "n2"): 0.2, ("n1", "n2"): 0.3},
    )
    assert kinds(plan(DesiredState(), have)) == [("mark_avoid", "n2", None)]


def test_only_the_machines_edges_are_legal():
    for a in STATES:
        for b in STATES:
            if b in EDGES[a]:
                check_transition("n", a, b)
            else:
                with pytest.raises(IllegalTransition, match=f"from {a} to {b}"):
                    check_transition("n", a, b)


# properties --------------------------------------------------------------------------------

node_views = st.builds(
    NodeView,
    up=st.booleans(),
    state=st.sampled_from(STATES),
    heat=st.floats(0, 1),
    avoid_until=st.none() | st.floats(0, 20),
    warm_at=st.none() | st.floats(0, 20),
)


@st.composite
def worlds(draw):
    names = NODES[: draw(st.integers(1, 6))]
    nodes = {n: draw(node_views) for n in names}
    blobs = tuple(
        Blob(f"b{i}", replicas=draw(st.integers(1, 4))) for i in range(draw(st.integers(0, 3)))
    )
    replicas = {b.name: set(draw(st.lists(st.sampled_from(names), max_size=6))) for b in blobs}
    services = tuple(
        Service(f"s{i}", replicas=draw(st.integers(0, 3))) for i in range(draw(st.integers(0, 2)))
    )
    instances = {s.name: set(draw(st.lists(st.sampled_from(names), max_size=4))) for s in services}
    daemons = (Daemon("agent", essential=True), Daemon("cache"))
    desired = DesiredState(daemons=daemons, blobs=blobs, services=services)
    actual = ActualState(
        now=draw(st.floats(0, 20)), nodes=nodes, replicas=replicas, instances=instances
    )
    return desired, actual


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_no_placement_ever_lands_on_a_node_that_cannot_take_one(world):
    desired, actual = world
    for a in plan(desired, actual):
        if a.kind in ("pull_replica", "migrate_blob", "start_instance"):
            assert actual.nodes[a.node].placeable(actual.now), a
        assert a.cause, a


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_plans_are_deterministic_and_never_pull_more_than_a_blob_lacks(world):
    desired, actual = world
    first = plan(desired, actual)
    assert first == plan(desired, actual)
    for blob in desired.blobs:
        present = [n for n in actual.replicas[blob.name] if actual.nodes[n].present()]
        pulls = [a for a in first if a.target == blob.name and a.kind == "pull_replica"]
        assert len(pulls) <= max(0, blob.replicas - len(present))
        assert len({a.node for a in pulls}) == len(pulls)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_applying_each_round_converges_to_an_empty_plan(world):
    desired, actual = world
    for _ in range(6):
        actions = plan(desired, actual)
        if not actions:
            break
        for a in actions:
            _apply(actual, a)
    assert plan(desired, actual) == []


def _apply(actual: ActualState, a) -> None:
    """Complete an action at once (the engine takes time; the end state is the same)."""
    if a.kind == "start_daemon":
        actual.daemon(a.node, a.target).status = "running"
    elif a.kind == "stop_daemon":
        actual.daemon(a.node, a.target).status = "stopped"
    elif a.kind == "pull_replica":
        actual.replicas[a.target].add(a.node)
    elif a.kind == "migrate_blob":
        actual.replicas[a.target].add(a.node)
        actual.replicas[a.target].discard(a.src)
    elif a.kind == "drop_replica":
        actual.replicas[a.target].discard(a.node)
    elif a.kind == "start_instance":
        actual.instances[a.target].add(a.node)
    elif a.kind == "stop_instance":
        actual.instances[a.target].discard(a.node)
    elif a.kind == "mark_avoid":
        actual.nodes[a.node].avoid_until = actual.now + 60


def test_a_copy_on_an_avoided_node_is_moved_off_one_migration_at_a_time():
    want = DesiredState(blobs=(Blob("b", replicas=2),))
    have = ActualState(
        now=5.0,
        nodes={"n0": NodeView(avoid_until=60.0), "n1": NodeView(), "n2": NodeView()},
        replicas={"b": {"n0", "n1"}},
    )
    [move] = plan(want, have)
    assert (move.kind, move.node, move.src) == ("migrate_blob", "n2", "n0")
    assert move.cause == "b: n0 is avoided (slow)"
    have.transfers[1] = Transfer(1, "b", "n0", "n2", move=True)
    assert plan(want, have) == []  # in flight: nothing more, no second migration
    have.now = 61.0  # the avoid list timed out: the copy stays where it is
    del have.transfers[1]
    assert plan(want, have) == []


def test_a_gated_daemon_starts_again_when_its_cooldown_is_over():
    want = DesiredState(daemons=(Daemon("d"),))
    have = ActualState(now=10.0, nodes={"n0": NodeView()})
    have.daemon("n0", "d").status = "gated"
    have.daemon("n0", "d").gated_until = 20.0
    assert plan(want, have) == []
    have.now = 20.0
    assert [(a.kind, a.cause) for a in plan(want, have)] == [
        ("start_daemon", "d on n0: its crash-loop cooldown is over")
    ]
