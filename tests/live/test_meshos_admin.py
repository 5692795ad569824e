"""MeshOS admin actions as token-guarded control actions on a real `meshlab serve`."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml

from .conftest import source_events


def admin_rows(live) -> pl.DataFrame:
    return source_events(live.events).filter(pl.col("kind") == "admin")


def test_admin_actions_reach_the_engine_and_are_recorded(servers, live_clients):
    srv = servers.start("slow-node", seed=0, speed=5.0, token="s3cret")
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    with pytest.raises(PermissionError, match="token"):
        live.control("admin", op="cordon", node="n1")
    with pytest.raises(PermissionError, match="token"):
        live.control("admin", op="cordon", node="n1", token="wrong")

    live.control("admin", op="cordon", node="n1", token="s3cret")
    live.control("admin", op="cordon", node="n1", token="s3cret")  # idempotent
    live.control("admin", op="clear_avoid", token="s3cret")  # mesh-wide: no node
    live.wait_for(lambda lv: admin_rows(lv).height >= 3, timeout=15)
    rows = admin_rows(live).sort("seq").select("node", "msg_type", "reason").rows()
    assert rows[:2] == [("n1", "cordon", "applied"), ("n1", "cordon", "ignored: n1 is cordoned")]
    assert rows[2][1] == "clear_avoid"
    live.wait_for(
        lambda lv: (
            source_events(lv.events)
            .filter(
                (pl.col("kind") == "node_state")
                & (pl.col("node") == "n1")
                & (pl.col("reason") == "cordon")
            )
            .height
            == 1
        ),
        timeout=15,
    )


BAD = [
    ({"op": "reboot", "node": "n1"}, "unknown admin action 'reboot'; use one of"),
    ({"op": "cordon"}, "needs a node"),
    ({"op": "cordon", "node": "n99"}, "unknown node 'n99'"),
    ({"op": "cordon", "node": "n1", "force": True}, "takes 'op' and 'node' only"),
    ({"op": "x" * 500}, "at most 128 characters"),
    ({"node": "n1"}, "needs 'op'"),
]


def test_bad_admin_arguments_are_one_clear_refusal_each(servers, live_clients):
    srv = servers.start("crash-loop", seed=0, speed=1.0, token="t")
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    for args, message in BAD:
        with pytest.raises(RuntimeError, match=message):
            live.control("admin", token="t", **args)
    assert live.control("admin", op="restart_daemons", token="t")["state"] == "running"


def test_admin_on_a_scenario_without_meshos_is_not_supported(servers, live_clients):
    srv = servers.start("ring", seed=0, speed=1.0, token="t")
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    with pytest.raises(RuntimeError, match="admin actions need a MeshOS scenario"):
        live.control("admin", op="cordon", node="n1", token="t")
