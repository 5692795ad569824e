"""The MeshOS scenarios show what their one sentence says, on more than one seed."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.trace.invariants import violations


def run(name: str, seed: int):
    mesh, until = ml.scenarios.build(name, seed=seed)
    mesh.run(until=until)
    assert violations(mesh.trace) == []
    return mesh, mesh.meshos, mesh.trace.events


def starts(ev: pl.DataFrame, action: str) -> pl.DataFrame:
    return ev.filter((pl.col("kind") == "action_start") & (pl.col("msg_type") == action))


@pytest.mark.parametrize("seed", [0, 1])
def test_maintenance_drain(seed):
    mesh, engine, ev = run("maintenance-drain", seed)
    node = mesh.params["maintained"]
    states = ev.filter((pl.col("kind") == "node_state") & (pl.col("node") == node))
    assert states["reason"].to_list() == [
        "entering_maintenance", "maintenance", "exiting_maintenance", "recovery", "up",
    ]  # fmt: skip
    entered, back = states["t"][0], states["t"][-1]
    assert starts(ev, "migrate_blob")["peer"].to_list() == [node]  # its copy moved off
    placed = ev.filter(
        pl.col("kind").is_in(["action_start", "actor_spawn", "actor_restart"])
        & (pl.col("node") == node)
        & pl.col("t").is_between(entered, back, closed="none")
        & ~pl.col("msg_type").is_in(
            ["start_daemon", "DaemonActor", "stop_daemon", "refresh_capabilities"]
        )
    )
    assert placed.height == 0  # only its own daemons start there while it is closed
    # on the way out, once its daemons are healthy, it re-reads its capabilities, then warms up
    refresh = starts(ev, "refresh_capabilities")
    assert refresh["node"].to_list() == [node]
    assert states["t"][2] < refresh["t"][0] <= states["t"][3]
    assert "leaving maintenance" in refresh["reason"][0]
    moved = ev.filter((pl.col("kind") == "actor_restart") & (pl.col("reason") == "drain"))
    assert moved.height == 1 and moved["node"][0] != node  # the app worker that lived there
    assert all(len(v) == engine.desired.blob(b).replicas for b, v in engine.actual.replicas.items())


@pytest.mark.parametrize("seed", [0, 1])
def test_replica_repair(seed):
    mesh, engine, ev = run("replica-repair", seed)
    assert {b: len(v) for b, v in engine.actual.replicas.items()} == {f"b{i}": 3 for i in range(6)}
    rejoined = ev.filter((pl.col("kind") == "replica_add") & (pl.col("reason") == "rejoin"))
    assert set(rejoined["node"]) <= set(mesh.params["killed"]) and rejoined.height > 0
    drops = starts(ev, "drop_replica")
    assert drops.height > 0 and drops["t"].min() >= rejoined["t"].min()


@pytest.mark.parametrize("seed", [0, 1])
def test_crash_loop(seed):
    mesh, engine, ev = run("crash-loop", seed)
    victim = mesh.params["victim"]
    backoff = starts(ev, "apply_backoff").filter(pl.col("node") == victim)["reason"].to_list()
    assert "restart in 0.5 s" in backoff[0] and "crash loop" in backoff[-1]
    released = starts(ev, "start_daemon").filter(
        pl.col("reason").str.contains("crash-loop cooldown is over")
    )
    assert released["node"].to_list() == [victim]
    assert engine.actual.daemons[(victim, "flaky")].status == "running"


@pytest.mark.parametrize("seed", [0, 1])
def test_slow_node(seed):
    mesh, engine, ev = run("slow-node", seed)
    slow = mesh.params["slow"]
    assert starts(ev, "mark_avoid")["node"].to_list() == [slow]
    moved = starts(ev, "migrate_blob")
    assert moved.select("peer", "parent").rows() == [(slow, "logs")]
    assert slow not in starts(ev, "pull_replica")["node"].to_list()
    assert all(slow not in v for v in engine.actual.replicas.values())
