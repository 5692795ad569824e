"""The MeshOS engine on the simulator: maintenance, repair, crash loops, locality, admin."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy, Service
from meshlab.trace.invariants import violations

WANT = DesiredState(
    daemons=(Daemon("agent", essential=True), Daemon("cache")),
    services=(Service("api", replicas=2),),
    blobs=(Blob("b0", replicas=3, size=50_000_000), Blob("b1", replicas=2, size=10_000_000)),
)


def build(seed=1, nodes=5, **policy):
    mesh = ml.Mesh(seed=seed, nodes=nodes, latency=0.002)
    engine = MeshOS(mesh, WANT, policy=Policy(**policy))
    engine.announce_blob("b0", node="n0")
    engine.announce_blob("b1", node="n1")
    return mesh, engine


def kind(ev: pl.DataFrame, k: str) -> pl.DataFrame:
    return ev.filter(pl.col("kind") == k)


def holders(engine, blob):
    return sorted(engine.actual.replicas.get(blob, set()))


def test_replica_counts_daemons_and_instances_converge_from_one_copy():
    mesh, engine = build()
    mesh.run(until=10)
    assert len(holders(engine, "b0")) == 3 and len(holders(engine, "b1")) == 2
    running = {k for k, d in engine.actual.daemons.items() if d.status == "running"}
    assert running == {(n, d) for n in mesh.nodes_up() for d in ("agent", "cache")}
    assert sum(len(v) for v in engine.actual.instances.values()) == 2
    ev = mesh.trace.events
    assert violations(mesh.trace) == []
    starts, ends = kind(ev, "action_start"), kind(ev, "action_end")
    assert set(starts["msg_id"]) == set(ends["msg_id"])  # every action ended
    assert ends["reason"].to_list().count("ok") == ends.height
    pulls = starts.filter(pl.col("msg_type") == "pull_replica")
    assert pulls.height == 3  # 2 missing copies of b0 and 1 of b1: nothing more
    assert starts["reason"].null_count() == 0  # every action names its cause


def test_a_copy_takes_size_over_bandwidth_plus_latency():
    mesh, _engine = build(bandwidth=100e6)
    mesh.run(until=10)
    ev = mesh.trace.events
    copy = kind(ev, "action_end").filter(pl.col("msg_type") == "pull_replica").drop("size")
    b0 = copy.join(kind(ev, "action_start").select("msg_id", "size"), on="msg_id").filter(
        pl.col("size") == 50_000_000
    )
    assert b0["duration"].min() >= 0.5  # 50 MB at 100 MB/s, plus a latency, plus the round


def test_maintenance_drains_a_node_and_brings_it_back_through_recovery():
    mesh, engine = build()
    engine.admin("enter_maintenance", "n1", at=10.0)
    engine.admin("exit_maintenance", "n1", at=40.0)
    mesh.run(until=30)
    assert engine.actual.nodes["n1"].state == "maintenance"
    assert "n1" not in holders(engine, "b0") + holders(engine, "b1")
    assert len(holders(engine, "b1")) == 2 and len(holders(engine, "b0")) == 3
    assert engine.actual.daemons[("n1", "cache")].status == "stopped"
    assert engine.actual.daemons[("n1", "agent")].status == "running"  # essential
    mesh.run(until=70)
    assert engine.actual.nodes["n1"].state == "active"
    states = kind(mesh.trace.events, "node_state").filter(pl.col("node") == "n1")["reason"]
    assert states.to_list() == [
        "entering_maintenance",
        "maintenance",
        "exiting_maintenance",
        "recovery",
        "up",
    ]
    ev = mesh.trace.events
    placed_on_n1 = kind(ev, "action_start").filter(
        (pl.col("node") == "n1")
        & pl.col("msg_type").is_in(["pull_replica", "migrate_blob", "start_instance"])
        & (pl.col("t") > 10.0)
    )
    # nothing is placed on n1 until its warm-up after maintenance has ended
    recovered = kind(ev, "node_state").filter((pl.col("node") == "n1") & (pl.col("reason") == "up"))
    assert placed_on_n1.filter(pl.col("t") < recovered["t"][0]).height == 0


def test_a_dead_node_is_repaired_around_and_its_stale_copy_dropped_when_it_rejoins():
    mesh, engine = build()
    mesh.run(until=10)
    victim = holders(engine, "b0")[0]
    mesh.kill_node(victim, at=12.0)
    mesh.run(until=20)
    assert victim not in holders(engine, "b0") and len(holders(engine, "b0")) == 3
    mesh.node_up(victim, at=25.0)
    mesh.run(until=40)
    assert len(holders(engine, "b0")) == 3
    ev = mesh.trace.events
    rejoin = kind(ev, "replica_add").filter(pl.col("reason") == "rejoin")
    drops = kind(ev, "action_start").filter(pl.col("msg_type") == "drop_replica")
    assert rejoin.height >= 1 and drops.height >= 1
    assert drops["t"].min() >= rejoin["t"].min()


def test_a_crash_looping_daemon_backs_off_then_is_gated_visibly():
    mesh = ml.Mesh(seed=2, nodes=2)
    engine = MeshOS(
        mesh,
        DesiredState(daemons=(Daemon("flaky"),)),
        faults={("n1", "flaky"): "crash"},
        policy=Policy(crash_loop=3, cooldown=20.0),
    )
    mesh.run(until=30)
    ev = mesh.trace.events
    backoffs = kind(ev, "action_start").filter(
        (pl.col("msg_type") == "apply_backoff") & (pl.col("node") == "n1")
    )
    causes = backoffs["reason"].to_list()
    assert "restart in 0.5 s" in causes[0] and "restart in 1 s" in causes[1]
    assert any("crash loop" in c and "held down for 20 s" in c for c in causes)
    assert engine.actual.daemons[("n0", "flaky")].status == "running"
    gated_at = backoffs.filter(pl.col("reason").str.contains("crash loop"))["t"][0]
    restarts = kind(ev, "action_start").filter(
        (pl.col("msg_type") == "start_daemon") & (pl.col("node") == "n1")
    )
    assert restarts.filter((pl.col("t") > gated_at) & (pl.col("t") < gated_at + 20)).height == 0


def test_a_wedged_daemon_misses_heartbeats_and_is_restarted():
    mesh = ml.Mesh(seed=3, nodes=2)
    MeshOS(mesh, DesiredState(daemons=(Daemon("d"),)), faults={("n0", "d"): "wedge"})
    mesh.run(until=10)
    fails = kind(mesh.trace.events, "actor_fail").filter(pl.col("actor") == "d@n0")
    assert fails.height >= 1
    assert "missed 3 heartbeats" in fails["reason"][0]


def test_a_slow_node_is_avoided_and_takes_no_copies():
    mesh = ml.Mesh(seed=4, nodes=4, latency=0.001)
    for other in ("n0", "n1", "n2"):
        mesh.set_link("n3", other, latency=0.2)
    engine = MeshOS(mesh, DesiredState(blobs=(Blob("b", replicas=3, size=1000),)))
    mesh.run(until=6)  # the first RTT probe sees n3 as slow before any copy is wanted
    engine.announce_blob("b", node="n0")
    mesh.run(until=20)
    assert sorted(engine.actual.replicas["b"]) == ["n0", "n1", "n2"]
    avoid = kind(mesh.trace.events, "action_start").filter(pl.col("msg_type") == "mark_avoid")
    assert avoid["node"].to_list() == ["n3"]


def test_admin_actions_are_idempotent_and_recorded():
    mesh, engine = build()
    engine.admin("cordon", "n2", at=1.0)
    engine.admin("cordon", "n2", at=2.0)
    engine.admin("uncordon", "n2", at=3.0)
    mesh.run(until=5)
    admin = kind(mesh.trace.events, "admin")
    assert admin["reason"].to_list() == ["applied", "ignored: n2 is cordoned", "applied"]


def test_bad_admin_calls_say_what_to_do():
    _mesh, engine = build()
    with pytest.raises(ValueError, match="unknown admin action 'reboot'; use one of"):
        engine.admin("reboot", "n1")
    with pytest.raises(ValueError, match="needs a node"):
        engine.admin("cordon")


def test_the_same_seed_gives_the_same_trace_and_another_seed_another():
    def run(seed):
        mesh, engine = build(seed=seed)
        engine.admin("enter_maintenance", "n2", at=5.0)
        mesh.kill_node("n4", at=8.0)
        mesh.run(until=30)
        return mesh.trace.digest()

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_a_hot_node_sheds_copies_until_it_is_cool_and_placement_prefers_cool_nodes():
    mesh = ml.Mesh(seed=5, nodes=4, latency=0.001)
    blobs = tuple(Blob(f"b{i}", replicas=1, size=1000) for i in range(12))
    engine = MeshOS(mesh, DesiredState(blobs=blobs), policy=Policy(capacity=10, hot=0.8))
    for b in blobs:
        engine.announce_blob(b.name, node="n0")  # everything written to n0: 12 of 10
    mesh.run(until=30)
    held = {n: sum(n in h for h in engine.actual.replicas.values()) for n in engine.actual.nodes}
    assert held["n0"] <= 8 and sum(held.values()) == 12
    sheds = kind(mesh.trace.events, "action_start").filter(pl.col("msg_type") == "reduce_heat")
    assert sheds.height == 12 - held["n0"]
    assert sheds["reason"][0] == "n0 holds 12 copies for a capacity of 10 (heat 1.20 > 0.8)"
    assert max(held[n] for n in ("n1", "n2", "n3")) - min(held[n] for n in ("n1", "n2", "n3")) <= 1


def test_daemon_starts_are_throttled_and_the_wait_is_visible():
    mesh = ml.Mesh(seed=6, nodes=8)
    MeshOS(
        mesh,
        DesiredState(daemons=(Daemon("agent"),)),
        policy=Policy(throttle=3, throttle_window=10.0),
    )
    mesh.run(until=40)
    ev = mesh.trace.events
    starts = kind(ev, "action_start").filter(pl.col("msg_type") == "start_daemon")["t"].to_list()
    assert len(starts) == 8
    for t in starts:
        assert sum(t - 10.0 < u <= t for u in starts) <= 3
    queued = kind(ev, "action_queued")
    assert queued.height == 5 and queued["reason"].str.starts_with("throttled").all()
