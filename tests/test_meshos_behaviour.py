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


def _naive(trace, t: float, window: float = 30.0) -> dict:
    """behaviour_at's answers by a plain fold of every row up to t, as the oracle."""
    held: dict[tuple[str, str], bool] = {}
    started: dict[int, tuple] = {}
    ended: set[int] = set()
    rtt: dict[tuple[str, str], tuple[float, bool]] = {}
    placed: dict[str, int] = {}
    failed = 0
    queued: dict[tuple, float] = {}
    last_start: dict[tuple, float] = {}
    for row in trace.events.sort("t", "seq", maintain_order=True).iter_rows(named=True):
        if row["t"] > t:
            break
        k = row["kind"]
        if k in ("replica_add", "replica_drop"):
            held[(row["msg_type"], row["node"])] = k == "replica_add"
        elif k == "action_start":
            started[row["msg_id"]] = (row["msg_type"], row["node"], row["parent"])
            last_start[(row["msg_type"], row["parent"])] = row["t"]
            if (
                row["msg_type"]
                in (
                    "pull_replica",
                    "migrate_blob",
                    "start_instance",
                    "start_daemon",
                )
                and row["t"] > t - window
            ):
                placed[row["node"]] = placed.get(row["node"], 0) + 1
        elif k == "action_end":
            ended.add(row["msg_id"])
            failed += row["t"] > t - window and row["reason"] != "ok"
        elif k == "actor_fail":
            failed += row["t"] > t - window
        elif k == "action_queued":
            queued[(row["msg_type"], row["parent"])] = row["t"]
        elif k == "rtt_sample":
            a, b = sorted((row["node"], row["peer"]))
            rtt[(a, b)] = (row["duration"], row["reason"] == "timeout")
    holders: dict[str, list[str]] = {}
    for (blob, node), yes in sorted(held.items()):
        if yes:
            holders.setdefault(blob, []).append(node)
    return {
        "holders": holders,
        "running": sorted(i for i in started if i not in ended),
        "pending": sorted(
            (a, tg) for (a, tg), q in queued.items() if last_start.get((a, tg), -1.0) < q
        ),
        "rtt": rtt,
        "placed": placed,
        "failed": failed,
    }


@pytest.mark.parametrize("name", ["maintenance-drain", "replica-repair", "slow-node", "partition"])
def test_behaviour_at_any_time_is_the_plain_fold_of_everything_before_it(name, trace):
    if name == "partition":  # a MeshOS run whose probes time out across a cut
        mesh = ml.Mesh(seed=3, nodes=5)
        engine = MeshOS(
            mesh, DesiredState(blobs=(Blob("b", replicas=3),)), policy=Policy(rtt_every=2.0)
        )
        engine.announce_blob("b", node="n4")
        mesh.partition([["n4", "n3"], ["n0", "n1", "n2"]], at=6.0)
        mesh.heal(at=25.0)
        mesh.run(until=35.0)
        tr = mesh.trace
    else:
        tr = ml.scenarios.run(name, seed=2)
    end = float(tr.events["t"].max())
    # out of order on purpose: each call stands alone
    for t in [end * ((i * 37) % 41) / 40 for i in range(41)] + [0.0, end + 1.0]:
        want, b = _naive(tr, t), tr.behaviour_at(t)
        got = {r["blob"]: r["holders"] for r in b.drift.iter_rows(named=True) if r["holders"]}
        assert got == want["holders"], t
        running = b.actions.filter(pl.col("status") == "running")
        assert sorted(running["id"].to_list()) == want["running"], t
        pending = b.actions.filter(pl.col("status") == "pending")
        assert sorted(pending.select("action", "target").rows()) == want["pending"], t
        assert {
            (a, c): (r, to) for a, c, r, to in b.rtt.select("a", "b", "rtt", "timeout").rows()
        } == want["rtt"], t
        assert dict(b.stability.rows()) == want["placed"], t
        assert b.failures.height == want["failed"], t
    if name == "partition":
        assert tr.behaviour_at(20.0).rtt["timeout"].any()
