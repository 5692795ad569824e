"""behaviour_at: the operator's snapshot of a MeshOS run, from the trace alone."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS, Policy


@pytest.fixture(scope="module")
def trace():
    mesh = ml.Mesh(seed=7, nodes=5, latency=0.002)
    engine = MeshOS(
        mesh,
        DesiredState(
            daemons=(Daemon("agent", essential=True), Daemon("cache")),
            blobs=(Blob("big", replicas=3, size=400_000_000), Blob("small", replicas=2, size=1000)),
        ),
        policy=Policy(bandwidth=100e6, max_transfers=1),
    )
    engine.announce_blob("big", node="n0")
    engine.announce_blob("small", node="n1")
    engine.admin("enter_maintenance", "n0", at=20.0)
    mesh.kill_node("n3", at=30.0)  # it holds a copy of big by then
    mesh.run(until=60)
    return mesh.trace


def test_copies_in_flight_and_held_back_show_as_running_and_pending(trace):
    b = trace.behaviour_at(1.5)
    running = b.actions.filter(pl.col("status") == "running")
    pending = b.actions.filter(pl.col("status") == "pending")
    assert running.filter(pl.col("action") == "pull_replica").height == 1  # max_transfers=1
    assert pending.height >= 1 and pending["cause"].str.contains("replicas").all()
    drift = {r["blob"]: r for r in b.drift.iter_rows(named=True)}
    assert drift["big"]["actual"] == 1 and drift["big"]["desired"] == 3
    assert drift["big"]["in_flight"] + drift["small"]["in_flight"] == 1


def test_drift_closes_and_the_maintained_node_holds_nothing(trace):
    b = trace.behaviour_at(29.9)
    assert b.drift["drift"].to_list() == [0, 0]
    assert all("n0" not in h for h in b.drift["holders"].to_list())
    n0 = b.nodes.filter(pl.col("node") == "n0").row(0, named=True)
    assert n0["maintenance"] == "maintenance" and n0["up"]


def test_a_node_death_shows_as_failures_and_drift_until_repaired(trace):
    died = trace.behaviour_at(31.5)
    assert died.nodes.filter(pl.col("node") == "n3")["up"].to_list() == [False]
    assert died.failures.filter(pl.col("reason") == "node_down").height >= 1
    assert died.drift["drift"].max() >= 1 or died.drift["in_flight"].sum() >= 1
    later = trace.behaviour_at(59.0)
    assert later.drift["drift"].to_list() == [0, 0]


def test_rtt_map_daemons_and_stability(trace):
    b = trace.behaviour_at(59.0)
    assert b.rtt.height >= 4 and (b.rtt["rtt"] > 0).all()
    assert set(b.daemons["actor"]) >= {"agent@n0", "cache@n1"}
    assert b.daemons.filter(pl.col("actor") == "cache@n0")["status"].to_list() == ["stopped"]
    assert b.stability["placements"].sum() >= 1


def test_a_trace_without_an_engine_has_an_empty_behaviour():
    plain = ml.scenarios.run("ping-pong", seed=1, until=0.1)
    b = plain.behaviour_at(0.05)
    assert b.actions.height == 0 and b.drift.height == 0


def test_a_bad_time_is_refused():
    plain = ml.scenarios.run("ping-pong", seed=1, until=0.1)
    with pytest.raises(TypeError, match="time in seconds"):
        plain.behaviour_at("soon")
