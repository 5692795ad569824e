"""The engine's watchers: saturation, anti-entropy, partition suspicion, capability refresh,
and placement constraints (labels, zones) honoured by every copy the engine places."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy, Service


def starts(ev: pl.DataFrame, action: str) -> pl.DataFrame:
    return ev.filter((pl.col("kind") == "action_start") & (pl.col("msg_type") == action))


def test_a_saturated_daemon_heats_its_node_then_has_it_avoided_with_the_cause_named():
    mesh = ml.Mesh(seed=1, nodes=4)
    engine = MeshOS(mesh, DesiredState(daemons=(Daemon("agent"),), blobs=(Blob("b", replicas=2),)))
    engine.announce_blob("b", node="n1")
    engine.set_load("n1", "agent", 1.4, at=5.0)
    engine.set_load("n1", "agent", 0.2, at=30.0)
    mesh.run(until=40.0)
    ev = mesh.trace.events
    # the daemon reports its load with its beats and publishes each change
    published = ev.filter((pl.col("kind") == "attrs") & (pl.col("actor") == "agent@n1"))
    assert published["reason"].to_list() == ['{"load":1.4}', '{"load":0.2}']
    heat = starts(ev, "reduce_heat")
    assert heat["node"].to_list() == ["n1"] and heat["t"][0] == 6.0  # the round after the beat
    assert "agent reports load 1.40" in heat["reason"][0]
    avoid = starts(ev, "mark_avoid")
    assert avoid["node"].to_list() == ["n1"] and avoid["t"][0] == 11.0  # saturation_for later
    assert "saturated for 5 s" in avoid["reason"][0]
    moved = starts(ev, "migrate_blob")
    assert (
        moved["peer"].to_list() == ["n1"] and moved["reason"][0] == "b: n1 is avoided (saturated)"
    )
    assert "n1" not in engine.actual.replicas["b"]
    assert engine.actual.nodes["n1"].saturation == pytest.approx(0.2)
    # behaviour_at shows each daemon's reported load and each node's highest
    b = mesh.trace.behaviour_at(20.0)
    assert b.daemons.filter(pl.col("actor") == "agent@n1")["load"].to_list() == [1.4]
    assert dict(b.nodes.select("node", "load").rows()) == {"n0": 0, "n1": 1.4, "n2": 0, "n3": 0}
    assert mesh.trace.behaviour_at(35.0).nodes.filter(pl.col("node") == "n1")["load"][0] == 0.2


def test_saturation_is_not_watched_when_no_daemon_reports_a_load():
    mesh = ml.Mesh(seed=1, nodes=3)
    MeshOS(mesh, DesiredState(daemons=(Daemon("agent"),)))
    mesh.run(until=20.0)
    ev = mesh.trace.events
    assert ev.filter(pl.col("kind") == "attrs").height == 0
    assert starts(ev, "reduce_heat").height == 0


def test_a_replica_lost_silently_is_found_by_anti_entropy_and_repaired():
    mesh = ml.Mesh(seed=1, nodes=4)
    engine = MeshOS(
        mesh, DesiredState(blobs=(Blob("b", replicas=2),)), policy=Policy(audit_every=10.0)
    )
    engine.announce_blob("b", node="n0")
    engine.lose_replica("b", "n1", at=5.0)  # n1 got the first pull
    mesh.run(until=30.0)
    ev = mesh.trace.events
    found = starts(ev, "anti_entropy")
    assert found.select("t", "node", "parent").rows() == [(10.0, "n1", "b")]  # the first audit
    assert "reports no copy of b" in found["reason"][0] and "lost silently" in found["reason"][0]
    lost = ev.filter((pl.col("kind") == "replica_drop") & (pl.col("reason") == "lost"))
    assert lost["node"].to_list() == ["n1"]
    repair = starts(ev, "pull_replica").filter(pl.col("t") >= 10.0)
    assert repair.height == 1 and repair["reason"][0] == "b has 1 of 2 replicas"
    assert len(engine.actual.replicas["b"]) == 2
    # nodes agree with the engine again: the next audits find nothing
    assert found.height == 1


def test_a_copy_the_engine_did_not_count_is_found_and_the_extra_dropped():
    mesh = ml.Mesh(seed=1, nodes=4)
    engine = MeshOS(
        mesh, DesiredState(blobs=(Blob("b", replicas=2),)), policy=Policy(audit_every=10.0)
    )
    engine.announce_blob("b", node="n0")
    # written behind the engine's back (a restore from backup): only the node knows
    mesh.schedule(4.0, lambda _: engine._disk.setdefault("n3", set()).add("b"), None)
    mesh.run(until=20.0)
    ev = mesh.trace.events
    found = starts(ev, "anti_entropy")
    assert found["node"].to_list() == ["n3"] and "did not count" in found["reason"][0]
    assert ev.filter(pl.col("reason") == "found")["node"].to_list() == ["n3"]
    assert starts(ev, "drop_replica").height == 1
    assert len(engine.actual.replicas["b"]) == 2


def test_a_partition_is_suspected_from_probe_timeouts_before_node_health_and_placement_avoids_it():
    mesh = ml.Mesh(seed=1, nodes=5)
    engine = MeshOS(
        mesh, DesiredState(blobs=(Blob("b", replicas=3),)), policy=Policy(rtt_every=2.0)
    )
    engine.announce_blob("b", node="n4")
    mesh.partition([["n4"], ["n0", "n1", "n2", "n3"]], at=10.0)
    mesh.heal(at=40.0)
    mesh.run(until=60.0)
    ev = mesh.trace.events
    timeouts = ev.filter((pl.col("kind") == "rtt_sample") & (pl.col("reason") == "timeout"))
    assert timeouts.height > 0 and (timeouts["duration"] == 1.0).all()
    assert timeouts["t"].min() == 11.0  # one probe timeout after the cut
    suspect = starts(ev, "mark_suspect")
    assert suspect.height >= 2 and all(
        "n4" in (a, b) for a, b in suspect.select("node", "peer").rows()
    )
    cut = starts(ev, "suspect_partition")
    assert cut["node"].to_list() == ["n4"] and "partition is suspected" in cut["reason"][0]
    assert cut["t"][0] < 20.0
    assert ev.filter(pl.col("kind") == "node_down").height == 0  # node health never said so
    # while suspected, n4's copy does not count: a third copy is pulled on the majority side
    pulls = starts(ev, "pull_replica").filter(pl.col("t").is_between(cut["t"][0], 40.0))
    assert pulls.height == 1 and pulls["node"][0] != "n4" and pulls["peer"][0] != "n4"
    placed = ev.filter(
        (pl.col("kind") == "action_start")
        & pl.col("msg_type").is_in(["pull_replica", "migrate_blob"])
        & (pl.col("node") == "n4")
        & pl.col("t").is_between(cut["t"][0], 40.0)
    )
    assert placed.height == 0
    # healed: the links are trusted again, the suspicion ends and the extra copy goes
    ended = ev.filter((pl.col("kind") == "action_end") & (pl.col("msg_id") == cut["msg_id"][0]))
    assert ended["reason"].to_list() == ["ok"] and ended["t"][0] >= 40.0
    assert starts(ev, "clear_suspect").height >= 1
    assert len(engine.actual.replicas["b"]) == 3 and not engine.actual.suspect


def test_labels_and_zones_are_honoured_and_a_bad_placement_corrected():
    want = DesiredState(
        blobs=(Blob("hot", replicas=2, needs=("ssd",)), Blob("wide", replicas=3, spread="zone")),
        zones={"n0": "a", "n1": "a", "n2": "b", "n3": "b", "n4": "c", "n5": "c"},
        labels={"n1": ("ssd",), "n4": ("ssd", "gpu")},
    )
    mesh = ml.Mesh(seed=1, nodes=6)
    engine = MeshOS(mesh, want)
    engine.announce_blob("hot", node="n1")
    engine.announce_blob("wide", node="n0")
    engine.announce_blob("wide", node="n1")  # two copies in zone a: one must move
    mesh.run(until=20.0)
    assert engine.actual.replicas["hot"] == {"n1", "n4"}
    zones = sorted(want.zone_of(n) for n in engine.actual.replicas["wide"])
    assert zones == ["a", "b", "c"]
    ev = mesh.trace.events
    moved = starts(ev, "migrate_blob")
    assert moved.height == 1 and moved["peer"][0] == "n1"
    assert "shares zone a with n0" in moved["reason"][0]
    assert want.zone_of(moved["node"][0]) in ("b", "c")


def test_constraints_are_checked_where_they_are_declared():
    with pytest.raises(ValueError, match="spread must be one of node, zone"):
        Blob("x", spread="rack")
    with pytest.raises(ValueError, match="needs must be a tuple of labels"):
        Blob("x", needs="ssd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels of node 'n0' must be a tuple"):
        DesiredState(labels={"n0": "ssd"})  # type: ignore[dict-item]
    # defaults stay out of the trace's metadata, so older desired states read the same
    assert "needs" not in DesiredState(blobs=(Blob("b"),)).to_dict()["blobs"][0]
    assert DesiredState(blobs=(Blob("b", needs=("ssd",)),)).to_dict()["blobs"][0]["needs"] == (
        "ssd",
    )


def test_capabilities_are_re_read_on_leaving_maintenance_and_placement_follows_them():
    want = DesiredState(
        daemons=(Daemon("agent", essential=True),),
        blobs=(Blob("hot", replicas=1, needs=("ssd",)),),
        services=(Service("api", replicas=1, needs=("gpu",)),),
        labels={"n0": ("ssd",), "n2": ("gpu",)},
    )
    mesh = ml.Mesh(seed=1, nodes=3)
    engine = MeshOS(mesh, want, policy=Policy(warmup=2.0, avoid_for=2.0))
    engine.announce_blob("hot", node="n0")
    engine.admin("enter_maintenance", "n1", at=5.0)
    # n1 gets an SSD while it is down for maintenance; n0 loses its own
    engine.report_capabilities("n1", labels=("ssd",), at=10.0)
    engine.admin("exit_maintenance", "n1", at=15.0)
    engine.report_capabilities("n0", labels=(), at=30.0)
    mesh.run(until=45.0)
    ev = mesh.trace.events
    refresh = starts(ev, "refresh_capabilities")
    assert refresh["node"].to_list() == ["n1", "n0"]
    # n1's new labels wait for its exit (no refresh at 10 s), and name what changed
    assert refresh["t"][0] >= 15.0 and "labels {} -> {ssd}" in refresh["reason"][0]
    assert "leaving maintenance" in refresh["reason"][0]
    recovery = ev.filter((pl.col("kind") == "node_state") & (pl.col("reason") == "recovery"))
    assert recovery["t"][0] == refresh["t"][0]  # the refresh is the step before recovery
    # n0 lost its SSD: the copy moves to the node that now has one
    moved = starts(ev, "migrate_blob")
    assert moved.select("node", "peer").rows() == [("n1", "n0")]
    assert moved["reason"][0] == "hot: n0 lacks label ssd"
    assert engine.actual.replicas["hot"] == {"n1"}
    assert engine.actual.instances["api"] == {"n2"}  # only n2 has a GPU


def test_the_watchers_take_bad_input_with_one_clear_error():
    mesh = ml.Mesh(seed=1, nodes=2)
    engine = MeshOS(mesh, DesiredState(daemons=(Daemon("agent"),), blobs=(Blob("b"),)))
    with pytest.raises(ValueError, match="set_load needs a load >= 0"):
        engine.set_load("n0", "agent", -1.0)
    with pytest.raises(ValueError, match="no daemon 'cache'"):
        engine.set_load("n0", "cache", 1.0)
    with pytest.raises(KeyError, match="no blob 'x'"):
        engine.lose_replica("x", "n0")
    with pytest.raises(ValueError, match="labels must be a tuple"):
        engine.report_capabilities("n0", labels="ssd")  # type: ignore[arg-type]


def test_a_copy_lost_at_its_source_while_being_copied_fails_the_copy():
    mesh = ml.Mesh(seed=1, nodes=3)
    engine = MeshOS(
        mesh,
        DesiredState(blobs=(Blob("b", replicas=2, size=500_000_000),)),
        policy=Policy(audit_every=10.0),
    )
    engine.announce_blob("b", node="n0")
    engine.lose_replica("b", "n0", at=1.0)  # the 4 s copy to n1 is on its way
    mesh.run(until=30.0)
    ev = mesh.trace.events
    ends = ev.filter((pl.col("kind") == "action_end") & (pl.col("msg_type") == "pull_replica"))
    assert ends["reason"][0] == "failed: source n0 no longer holds b"
    # anti-entropy then finds the count wrong; with no copy left anywhere, nothing to pull from
    assert starts(ev, "anti_entropy")["node"].to_list() == ["n0"]
    assert engine.actual.replicas["b"] == set()


def test_capabilities_reported_while_down_are_re_read_when_the_node_rejoins():
    want = DesiredState(blobs=(Blob("hot", replicas=1, needs=("ssd",)),), labels={"n0": ("ssd",)})
    mesh = ml.Mesh(seed=1, nodes=3)
    engine = MeshOS(mesh, want)
    engine.announce_blob("hot", node="n0")
    mesh.kill_node("n2", at=2.0)
    engine.report_capabilities("n2", labels=("ssd",), at=3.0)
    mesh.node_up("n2", at=5.0)
    engine.report_capabilities("n0", labels=(), at=10.0)
    mesh.run(until=20.0)
    refresh = starts(mesh.trace.events, "refresh_capabilities")
    assert refresh.select("node").to_series().to_list() == ["n2", "n0"]
    assert "rejoined with new capabilities" in refresh["reason"][0]
    assert engine.actual.replicas["hot"] == {"n2"}
