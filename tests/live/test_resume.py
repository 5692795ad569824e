"""Killed and stalled servers: the client marks nodes down, loses nothing, resumes exactly."""

from __future__ import annotations

import os
import signal

import polars as pl

import meshlab as ml
from meshlab.events import validate
from meshlab.live.observations import is_observation

from .conftest import source_events


def _observed(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.filter(is_observation(frame) & (pl.col("kind") == kind))


def test_sigkill_marks_down_and_restart_resumes_without_duplicates(servers, live_clients):
    scenario, seed, speed = "node-failure", 2, 4.0  # 8 virtual s -> 2 wall s
    offline = ml.scenarios.run(scenario, seed=seed).events
    srv = servers.start(scenario, seed=seed, speed=speed)
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)

    live.wait_for(lambda lv: lv.head >= offline.height // 4, timeout=20)
    srv.kill()  # SIGKILL, mid-stream
    live.wait_for(lambda lv: _observed(lv.events, "node_down").height > 0, timeout=10)
    before = source_events(live.events)
    assert 0 < before.height < offline.height
    downs = _observed(live.events, "node_down")
    assert set(downs["node"]) == set(offline["node"].unique())  # every node it served was up
    assert downs["reason"].str.contains("connection lost").all()
    assert live.servers[0]["status"] == "down"
    # nothing received before the kill is lost
    assert before.drop("seq").equals(offline.head(before.height).drop("seq"))

    restarted = servers.start(scenario, seed=seed, speed=speed, port=srv.port)
    live.wait_for(lambda lv: source_events(lv.events).height >= offline.height, timeout=30)
    frame = live.events
    validate(frame)
    got = source_events(frame)
    assert got.height == offline.height  # no duplicates, no gap
    assert got.drop("seq").equals(offline.drop("seq"))
    ups = _observed(frame, "node_up")
    assert set(ups["node"]) == set(downs["node"])
    assert ups["reason"].str.contains(f"resumed from seq {before.height}").all()
    assert live.servers[0]["status"] == "live" and live.servers[0]["reconnects"] >= 1
    restarted.stop()


def test_stalled_server_is_marked_down_by_heartbeat_timeout(servers, live_clients):
    srv = servers.start("ring", seed=1, speed=2.0)
    live = ml.connect(srv.url, record=False, heartbeat_timeout=0.6)
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head >= 10, timeout=20)
    os.kill(srv.pid, signal.SIGSTOP)
    try:
        live.wait_for(lambda lv: _observed(lv.events, "node_down").height > 0, timeout=10)
        downs = _observed(live.events, "node_down")
        assert downs["reason"].str.contains("heartbeat timeout").all()
        assert downs["actor"].is_null().all()
    finally:
        os.kill(srv.pid, signal.SIGCONT)
    live.wait_for(lambda lv: _observed(lv.events, "node_up").height > 0, timeout=15)
    offline = ml.scenarios.run("ring", seed=1).events
    live.wait_for(lambda lv: source_events(lv.events).height >= offline.height, timeout=15)
    got = source_events(live.events)
    assert got.drop("seq").equals(offline.drop("seq"))  # resumed with no duplicate and no gap
