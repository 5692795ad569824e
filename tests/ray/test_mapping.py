"""The Ray -> contract mapping on payloads recorded from a real cluster (tests/data/ray).

``export_posts.json`` is every body Ray's Event Export POSTed while ``record.py`` ran a 2-node
cluster: a driver calls a named supervisor that fans out to 3 workers, a worker method raises,
a ``max_restarts=2`` actor dies three times, then the worker node is removed without grace.
``state_api.json`` is ``list_nodes`` / ``list_actors`` taken before the node was removed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import polars as pl
import pytest

from meshlab.events import validate
from meshlab.ray.mapping import RayMapper, to_frame, ts
from meshlab.trace.invariants import violations

DATA = Path(__file__).parents[1] / "data" / "ray"


@pytest.fixture(scope="module")
def recorded():
    return json.loads((DATA / "export_posts.json").read_text())


def replay(recorded, *, mapper=None, posts=None) -> pl.DataFrame:
    m = mapper or RayMapper()
    rows = []
    posts = recorded["posts"] if posts is None else posts
    for post in posts:
        rows += m.feed(post["body"], now=post["received"])
    rows += m.sweep(now=recorded["posts"][-1]["received"] + 60)
    return to_frame(rows, first_seq=0)


@pytest.fixture(scope="module")
def frame(recorded):
    return replay(recorded)


def kinds(df: pl.DataFrame, actor: str) -> list[str]:
    return df.filter(pl.col("actor") == actor)["kind"].cast(pl.String).to_list()


def test_frame_follows_the_contract_and_its_invariants(frame):
    validate(frame)
    # Ray's processes report in batches, so a late piece may be published after a later
    # event of another process; in time order (the fold's rule) the invariants hold
    in_time = frame.filter(pl.col("kind") != "attrs").sort("t", "seq", maintain_order=True)
    assert violations(in_time.with_columns(seq=pl.int_range(in_time.height, dtype=pl.UInt64))) == []


def test_nodes_join_and_the_removed_one_goes_down_with_rays_reason(frame):
    joins = frame.filter(pl.col("kind") == "node_join")["node"].to_list()
    assert len(joins) == 2 and all(n.startswith("node-") for n in joins)
    down = frame.filter(pl.col("kind") == "node_down").row(0, named=True)
    assert down["reason"].startswith("UNEXPECTED_TERMINATION: health check failed")
    # each actor on it fails with reason node_down (Ray's NODE_DIED), none of the others
    fails = frame.filter((pl.col("kind") == "actor_fail") & (pl.col("reason") == "node_down"))
    assert set(fails["node"]) == {down["node"]} and fails.height == 4


def test_fan_out_edges_are_the_calls_the_application_made(frame):
    sends = frame.filter(pl.col("kind") == "msg_send")
    fan = sends.filter(pl.col("actor") == "supervisor")
    assert fan["msg_type"].to_list() == ["work"] * 3
    assert fan["peer"].n_unique() == 3 and all(p.startswith("Worker#") for p in fan["peer"])
    assert sends.filter(pl.col("peer") == "supervisor")["actor"].to_list() == ["driver"]
    # every call to a worker ran and returned: queued, started, ended ok, in that order
    for msg_id in fan["msg_id"]:
        one = frame.filter(pl.col("msg_id") == msg_id)
        assert one["kind"].cast(pl.String).to_list() == [
            "msg_send", "msg_recv", "handler_start", "handler_end",
        ]  # fmt: skip
        end = one.row(3, named=True)
        assert end["reason"] == "ok" and end["duration"] > 0


def test_a_raising_method_is_a_handler_error_and_the_actor_lives_on(frame):
    end = frame.filter((pl.col("kind") == "handler_end") & (pl.col("msg_type") == "boom"))
    assert end["reason"].to_list() == ["error: ValueError: bad input"]
    actor = end["actor"][0]
    assert "actor_fail" not in kinds(frame, actor)[: kinds(frame, actor).index("handler_end")]


def test_max_restarts_two_fail_restart_restart_then_final_death_with_its_cause(frame):
    life = frame.filter(
        (pl.col("actor") == "fragile") & pl.col("kind").cast(pl.String).str.starts_with("actor_")
    )
    assert life["kind"].cast(pl.String).to_list() == [
        "actor_spawn", "actor_fail", "actor_restart", "actor_fail", "actor_restart", "actor_fail",
    ]  # fmt: skip
    assert life["incarnation"].to_list() == [0, 0, 1, 1, 2, 2]
    assert life["msg_type"][0] == "Fragile"
    last = life.row(-1, named=True)
    assert last["reason"].startswith("WORKER_DIED: The actor is dead because its worker process")
    assert last["peer"] == "fragile"  # an original crash names itself as root cause


def test_calls_lost_to_a_dead_actor_are_drops(frame):
    drops = frame.filter((pl.col("kind") == "msg_drop") & (pl.col("actor") == "fragile"))
    assert set(drops["reason"]) <= {"discarded", "dead_letter"} and drops.height >= 3
    assert set(drops.filter(pl.col("reason") == "discarded")["msg_type"]) == {"die"}


def test_times_are_rays_own_nanosecond_timestamps(recorded, frame):
    marks = recorded["marks"]
    first_fail = frame.filter((pl.col("actor") == "fragile") & (pl.col("kind") == "actor_fail"))
    assert 0 < first_fail["t"][0] - marks["die0"] < 1.0
    assert ts("2026-11-29T16:18:57.970263697Z") == pytest.approx(1795969137.970263697, abs=1e-6)


def test_readable_ids_name_if_named_else_class_and_short_id(frame):
    spawned = frame.filter(pl.col("kind") == "actor_spawn")["actor"].to_list()
    assert {"driver", "supervisor", "fragile", "pinned"} <= set(spawned)
    others = [a for a in spawned if a not in {"driver", "supervisor", "fragile", "pinned"}]
    assert len(others) == 4 and all(a.startswith("Worker#") and len(a) == 13 for a in others)


def test_owner_is_the_parent(frame):
    spawns = frame.filter(pl.col("kind") == "actor_spawn")
    parents = dict(zip(spawns["actor"], spawns["parent"], strict=True))
    assert parents["supervisor"] == "driver"
    fanned = frame.filter((pl.col("kind") == "msg_send") & (pl.col("actor") == "supervisor"))
    assert {parents[w] for w in fanned["peer"]} == {"supervisor"}


def test_arrival_order_does_not_change_the_events(recorded, frame):
    """Each POST reversed; and each POST split into single-event POSTs."""

    def key(df):
        rows = df.filter(pl.col("kind") != "attrs").drop("seq").rows()
        return sorted(rows, key=lambda r: (r[0], r[1], str(r[3]), str(r[6])))

    reversed_posts = [{**p, "body": p["body"][::-1]} for p in recorded["posts"]]
    assert key(replay(recorded, posts=reversed_posts)) == key(frame)
    single = [{**p, "body": [e]} for p in recorded["posts"] for e in p["body"]]
    assert key(replay(recorded, posts=single)) == key(frame)


def test_unknown_types_are_counted_and_skipped():
    m = RayMapper()
    assert m.feed([{"eventType": "SOMETHING_NEW"}, {"no": "type"}, "junk"]) == []  # type: ignore[list-item]
    assert m.unknown == {"SOMETHING_NEW": 1, "None": 2}


def test_backfill_from_the_state_api_shows_the_present():
    snap = json.loads((DATA / "state_api.json").read_text())
    m = RayMapper()
    df = to_frame(m.reconcile(snap["nodes"], snap["actors"], now=1795969150.0), first_seq=0)
    validate(df)
    alive = [a for a in snap["actors"] if a["state"] == "ALIVE"]
    spawns = df.filter(pl.col("kind") == "actor_spawn")
    assert spawns.height == len(alive)
    assert {"supervisor", "pinned"} <= set(spawns["actor"])  # fragile was dead by then
    assert df.filter(pl.col("kind") == "node_join").height == 2
    # a second reconcile with the same state changes nothing
    assert m.reconcile(snap["nodes"], snap["actors"], now=1795969151.0) == []


def test_polling_turns_state_changes_into_events():
    snap = json.loads((DATA / "state_api.json").read_text())
    m = RayMapper()
    m.reconcile(snap["nodes"], snap["actors"], now=100.0)
    pinned = next(a for a in snap["actors"] if a["name"] == "pinned")
    dead_node = {**snap["nodes"][1], "state": "DEAD", "end_time_ms": 101_500}
    dead_node["state_message"] = "health check failed due to missing too many heartbeats"
    restarted = {**pinned, "num_restarts": 1}
    rows = m.reconcile([snap["nodes"][0], dead_node], [restarted], now=102.0)
    got = [(r[1], r[3], r[4]) for r in rows if r[1] != "attrs"]
    assert got[0][0] == "node_down"
    assert ("actor_fail", "pinned", 0) in got and ("actor_restart", "pinned", 1) in got


def test_an_alive_without_a_node_id_still_names_a_node(recorded):
    """Ray may leave an ALIVE transition's nodeId empty (its protobuf default): the actor's
    events then name ``node-unknown``, never a null node (the frame used to fail validation)."""
    posts = copy.deepcopy(recorded["posts"])
    for post in posts:
        for event in post["body"]:
            for tr in (event.get("actorLifecycleEvent") or {}).get("stateTransitions", []):
                if tr.get("state") == "ALIVE":
                    tr["nodeId"] = ""
    df = replay(recorded, posts=posts)
    validate(df)
    spawns = df.filter(pl.col("kind") == "actor_spawn", pl.col("actor") != "driver")
    assert spawns.height == 7 and set(spawns["node"]) == {"node-unknown"}
