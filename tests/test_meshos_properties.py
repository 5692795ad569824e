"""Properties of the MeshOS engine under random churn and admin events (hypothesis).

Nodes die and come back, and operators cordon, drain and maintain them at random times; then
the churn stops (every node up, out of maintenance, uncordoned) and the engine is left alone.
``drop_replicas`` is left out of the churn: it deletes data on purpose, so a blob whose last
copies it dropped cannot converge, and that is not the engine's fault.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import meshlab as ml
from meshlab.meshos import EDGES, Blob, Daemon, DesiredState, MeshOS, Policy, Service
from meshlab.trace.invariants import violations

NODES = [f"n{i}" for i in range(5)]
CHURN_END = 30.0
SETTLE = 40.0  # virtual seconds (40 rounds) after the churn within which counts converge
WANT = DesiredState(
    daemons=(Daemon("agent", essential=True), Daemon("cache")),
    services=(Service("api", replicas=2),),
    blobs=(
        Blob("b0", replicas=3, size=40_000_000),
        Blob("b1", replicas=2, size=10_000_000),
        Blob("b2", replicas=1, size=1_000),
    ),
)
POLICY = Policy(drain_timeout=8.0, warmup=3.0, avoid_for=5.0, max_transfers=3)
OPS = (
    "kill",
    "up",
    "enter_maintenance",
    "exit_maintenance",
    "cordon",
    "uncordon",
    "restart_daemons",
    "clear_avoid",
    "invalidate_placement",
)
MESH_STATE = {"up": "active", "cordon": "cordoned"}  # node_state reasons back to MeshOS states
CUT_FOR = 12.0  # seconds a "cut" partitions a node from the rest

churn = st.lists(
    st.tuples(
        st.floats(0.5, CHURN_END - 0.5).map(lambda t: round(t, 1)),
        st.sampled_from(OPS),
        st.sampled_from(NODES),
    ),
    max_size=14,
)


def run(seed: int, events: list[tuple[float, str, str]], want: DesiredState = WANT):
    mesh = ml.Mesh(seed=seed, nodes=NODES, latency=ml.sim.Uniform(0.001, 0.003))
    engine = MeshOS(mesh, want, policy=POLICY)
    for i, blob in enumerate(want.blobs):
        engine.announce_blob(blob.name, node=NODES[i])
    for t, op, node in events:
        if op == "kill":
            mesh.kill_node(node, at=t)
        elif op == "up":
            mesh.node_up(node, at=t)
        elif op == "cut":  # the node alone on one side of a partition for a while
            mesh.partition([[node]], at=t)
            mesh.heal(at=min(t + CUT_FOR, CHURN_END))
        else:
            engine.admin(op, node, at=t)
    mesh.heal(at=CHURN_END)
    for node in NODES:  # the churn stops: everything back to normal
        mesh.node_up(node, at=CHURN_END)
        engine.admin("exit_maintenance", node, at=CHURN_END)
        engine.admin("uncordon", node, at=CHURN_END)
    mesh.run(until=CHURN_END + SETTLE)
    return mesh, engine


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), events=churn)
def test_the_engine_under_churn_and_admin_events(seed, events):
    mesh, engine = run(seed, events)
    ev = mesh.trace.events
    assert violations(mesh.trace) == []

    # after the churn stops, every replica count converges (within SETTLE rounds)
    for blob in WANT.blobs:
        holders = engine.actual.replicas.get(blob.name, set())
        assert len(holders) == blob.replicas, (blob.name, holders)
    assert sum(len(v) for v in engine.actual.instances.values()) == 2
    assert all(v.state == "active" for v in engine.actual.nodes.values())

    # only the machine's edges, one node at a time
    states = ev.filter(pl.col("kind") == "node_state").select("node", "reason")
    last = dict.fromkeys(NODES, "active")
    for node, reason in states.iter_rows():
        state = MESH_STATE.get(reason, reason)
        # the same state again is the engine re-asserting it when the node returns from down
        assert state == last[node] or state in EDGES[last[node]], (node, last[node], state)
        last[node] = state

    # nothing is placed on a node that is cordoned, draining, maintained or warming up: at
    # every placement, the node's state (the fold of node_state up to it) is up
    state = dict.fromkeys(NODES, "up")
    placements = 0
    for kind, node, reason, mtype in ev.select("kind", "node", "reason", "msg_type").iter_rows():
        if kind == "node_state":
            state[node] = reason
        elif kind in ("action_start", "actor_spawn") and mtype in (
            "pull_replica",
            "migrate_blob",
            "start_instance",
            "InstanceActor",
        ):
            assert state[node] == "up", (kind, mtype, node, state[node])
            placements += 1
    assert placements > 0  # the check above saw placements

    # every action names its cause; every one that started ended
    started = ev.filter(pl.col("kind") == "action_start")
    assert started["reason"].null_count() == 0 and (started["reason"].str.len_chars() > 0).all()
    queued = ev.filter(pl.col("kind") == "action_queued")
    assert queued["reason"].null_count() == 0
    ended = ev.filter(pl.col("kind") == "action_end")
    assert set(ended["msg_id"]) <= set(started["msg_id"])

    # a blob never has two migrations in flight at once
    moving: dict[str, set[int]] = {}
    blob_of: dict[int, str] = {}
    for kind, mid, _mtype, parent in (
        ev.filter(
            pl.col("kind").is_in(["action_start", "action_end"])
            & (pl.col("msg_type") == "migrate_blob")
        )
        .select("kind", "msg_id", "msg_type", "parent")
        .iter_rows()
    ):
        if kind == "action_start":
            blob_of[mid] = parent
            moving.setdefault(parent, set()).add(mid)
            assert len(moving[parent]) == 1, (parent, moving[parent])
        else:
            moving[blob_of[mid]].discard(mid)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16), events=churn)
def test_the_same_seed_and_churn_give_the_same_trace(seed, events):
    a, _ = run(seed, events)
    b, _ = run(seed, events)
    assert a.trace.digest() == b.trace.digest()


def test_what_the_churn_found_stays_fixed():
    # maintenance asked of a node that is down is ignored: it has no state machine to move
    mesh, _ = run(0, [(1.0, "kill", "n0"), (1.0, "enter_maintenance", "n0")])
    admin = mesh.trace.events.filter(pl.col("kind") == "admin")
    assert admin["reason"][0] == "ignored: n0 is down"
    # entering again while exiting is refused as an idempotent no-op, not an error
    mesh, _ = run(
        0,
        [
            (1.0, "enter_maintenance", "n3"),
            (1.0, "exit_maintenance", "n3"),
            (1.0, "enter_maintenance", "n3"),
        ],
    )
    reasons = mesh.trace.events.filter(pl.col("kind") == "admin")["reason"].to_list()
    assert reasons[:3] == [
        "applied",
        "applied",
        "ignored: n3 is exiting_maintenance; it may enter maintenance once it is active again",
    ]


# placement constraints: zones and labels drawn at random, churn as above ----------------------

constrained = st.builds(
    lambda zones, ssd: DesiredState(
        daemons=(Daemon("agent", essential=True),),
        blobs=(
            Blob("wide", replicas=3, size=10_000_000, spread="zone"),
            Blob("fast", replicas=2, size=1_000_000, needs=("ssd",)),
        ),
        zones=dict(zip(NODES, zones, strict=True)),
        labels={n: ("ssd",) for n, has in zip(NODES, ssd, strict=True) if has},
    ),
    st.lists(st.sampled_from("abc"), min_size=5, max_size=5),
    st.lists(st.booleans(), min_size=5, max_size=5).filter(lambda x: sum(x) >= 2),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), events=churn, want=constrained)
def test_constraints_hold_at_every_placement_and_spread_converges(seed, events, want):
    ssd = {n for n, labels in want.labels.items() if "ssd" in labels}
    first = sorted(ssd)[0]
    want_blobs = {b.name: b for b in want.blobs}
    mesh = ml.Mesh(seed=seed, nodes=NODES, latency=ml.sim.Uniform(0.001, 0.003))
    engine = MeshOS(mesh, want, policy=POLICY)
    engine.announce_blob("wide", node=NODES[0])
    engine.announce_blob("fast", node=first)
    for t, op, node in events:
        if op == "kill":
            mesh.kill_node(node, at=t)
        elif op == "up":
            mesh.node_up(node, at=t)
        else:
            engine.admin(op, node, at=t)
    for node in NODES:
        mesh.node_up(node, at=CHURN_END)
        engine.admin("exit_maintenance", node, at=CHURN_END)
        engine.admin("uncordon", node, at=CHURN_END)
    mesh.run(until=CHURN_END + SETTLE)
    ev = mesh.trace.events
    assert violations(mesh.trace) == []

    # never a copy of "fast" placed on a node without an SSD
    placed = ev.filter(
        (pl.col("kind") == "action_start")
        & pl.col("msg_type").is_in(["pull_replica", "migrate_blob"])
        & (pl.col("parent") == "fast")
    )
    assert set(placed["node"]) <= ssd, (placed["node"].to_list(), ssd)

    # after the churn: the counts are met and "wide" spans as many zones as it can
    assert engine.actual.replicas["fast"] <= ssd
    assert len(engine.actual.replicas["fast"]) == 2
    wide = engine.actual.replicas["wide"]
    assert len(wide) == want_blobs["wide"].replicas
    zones = {want.zone_of(n) for n in wide}
    assert len(zones) == min(3, len(set(want.zones.values()))), (wide, want.zones)


# partitions: a node cut off from the rest for a while, noticed from probe timeouts --------------

churn_with_cuts = st.lists(
    st.tuples(
        st.floats(0.5, CHURN_END - 0.5).map(lambda t: round(t, 1)),
        st.sampled_from((*OPS, "cut", "cut")),
        st.sampled_from(NODES),
    ),
    max_size=12,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), events=churn_with_cuts)
def test_nothing_is_placed_on_a_node_suspected_cut_off_and_counts_converge_after(seed, events):
    mesh, engine = run(seed, events)
    ev = mesh.trace.events
    assert violations(mesh.trace) == []
    for blob in WANT.blobs:  # converged once the churn (and every cut) is over
        assert len(engine.actual.replicas.get(blob.name, set())) == blob.replicas, blob.name
    assert not any(v.cut_off for v in engine.actual.nodes.values())
    # while a node's suspect_partition runs, no copy or instance is placed on it
    cut: dict[str, int] = {}
    placing = ("pull_replica", "migrate_blob", "start_instance")
    for kind, mid, mtype, node in (
        ev.filter(pl.col("kind").is_in(["action_start", "action_end"]))
        .select("kind", "msg_id", "msg_type", "node")
        .iter_rows()
    ):
        if mtype == "suspect_partition":
            if kind == "action_start":
                cut[node] = mid
            else:
                cut.pop(node, None)
        elif kind == "action_start" and mtype in placing:
            assert node not in cut, (mtype, node)
    # a cut that lasted long enough to be probed was noticed, and every suspicion named its cause
    suspected = ev.filter(
        (pl.col("kind") == "action_start")
        & pl.col("msg_type").is_in(["mark_suspect", "suspect_partition"])
    )
    assert (suspected["reason"].str.len_chars() > 0).all()


def test_a_cut_during_churn_is_noticed_repaired_around_and_healed():
    mesh, engine = run(1, [(5.0, "cut", "n0"), (6.0, "kill", "n2"), (9.0, "up", "n2")])
    ev = mesh.trace.events
    marks = ev.filter(
        (pl.col("kind") == "action_start") & (pl.col("msg_type") == "suspect_partition")
    )
    assert marks["node"].to_list() == ["n0"] and marks["t"][0] < 5.0 + CUT_FOR
    # n0 held b0's first copy: another was pulled elsewhere while n0 was cut off
    pulls = ev.filter(
        (pl.col("kind") == "action_start")
        & (pl.col("msg_type") == "pull_replica")
        & pl.col("t").is_between(marks["t"][0], 5.0 + CUT_FOR)
    )
    assert pulls.height >= 1 and "n0" not in pulls["node"].to_list()
    assert all(len(engine.actual.replicas[b.name]) == b.replicas for b in WANT.blobs)
