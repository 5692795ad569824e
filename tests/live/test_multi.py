"""Three servers merged into one frame; one is killed and only its nodes go down."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.events import validate
from meshlab.live.state import StateTracker

from .conftest import source_events


def test_three_servers_one_killed(servers, live_clients):
    # the same scenario three times: node names, actor ids and msg_ids all collide
    started = [servers.start("ring", seed=i, speed=1.0, name=f"s{i}") for i in range(3)]
    live = ml.connect([s.url for s in started], record=False)
    live_clients.append(live)
    nodes = {f"s{i}/n{j}" for i in range(3) for j in range(4)}
    live.wait_for(lambda lv: set(lv.events["node"].unique()) >= nodes, timeout=20)

    started[1].kill()
    live.wait_for(lambda lv: lv.servers[1]["status"] == "down", timeout=10)
    head = live.head
    live.wait_for(lambda lv: lv.head > head + 50, timeout=10)  # the others keep streaming

    frame = live.events
    validate(frame)  # own seq: strictly increasing across the merged streams
    state = StateTracker()
    state.update(frame)
    for j in range(4):
        assert state.nodes[f"s1/n{j}"] == "down"
        assert state.nodes[f"s0/n{j}"] == "up"
        assert state.nodes[f"s2/n{j}"] == "up"
    downs = frame.filter(pl.col("kind") == "node_down")
    assert set(downs["node"]) == {f"s1/n{j}" for j in range(4)}
    assert downs["reason"].str.starts_with("client_observed:").all()
    assert [s["status"] for s in live.servers] == ["live", "down", "live"]

    # ids are namespaced per server, so the merged frame keeps the contract's invariants
    received = source_events(frame)
    sends = received.filter(pl.col("kind") == "msg_send")
    assert sends["msg_id"].is_unique().all()
    for i in range(3):
        own = received.filter(pl.col("node").str.starts_with(f"s{i}/"))
        offline = ml.scenarios.run("ring", seed=i).events.head(own.height)
        assert own["kind"].equals(offline["kind"])
        assert own["actor"].str.strip_prefix(f"s{i}/").equals(offline["actor"])
        assert (own["msg_id"].drop_nulls() // 2**48 == i + 1).all()
    # each server's own order is kept inside the merge
    for i in range(3):
        own = received.filter(pl.col("node").str.starts_with(f"s{i}/"))
        assert (own["t"].diff().drop_nulls() >= 0).all()

    canvas_module = pytest.importorskip("meshlab.canvas")
    canvas = canvas_module.Canvas(live)  # the live client is an event source for the canvas
    canvas.refresh()
    assert canvas.rows >= frame.height  # it holds the merged frame, node_down rows included
    assert canvas.meta["live"] and canvas.meta["source"] == "live"
    canvas.close()
