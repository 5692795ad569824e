"""`meshlab serve`, `meshlab record` and `meshlab attach` as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import polars as pl

import meshlab as ml
from meshlab.trace import load


def meshlab(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "meshlab", *args], capture_output=True, text=True, timeout=timeout
    )


def test_record_to_parquet_holds_the_streamed_events(servers, tmp_path):
    srv = servers.start("supervision-tree", seed=1, speed=20.0)
    out = tmp_path / "rec.parquet"
    done = meshlab("record", srv.url, "--seconds", "1.5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "recorded" in done.stderr
    trace = load(out)
    offline = ml.scenarios.run("supervision-tree", seed=1).events
    assert 0 < len(trace) <= offline.height
    assert trace.events.equals(offline.head(len(trace)))
    assert trace.meta.source == "live"
    assert not list(tmp_path.glob("*.partial.mlog"))


def test_attach_shows_nodes_actors_and_failures(servers):
    srv = servers.start("supervision-tree", seed=1, speed=20.0)
    done = meshlab("attach", srv.url, "--seconds", "1.2", "--interval", "0.3")
    assert done.returncode == 0, done.stderr
    last = done.stdout.split("meshlab attach")[-1]
    assert "n0 up" in last and "n2 up" in last
    assert "ACTORS" in last and "idle" in last
    assert "RECENT FAILURES" in last and "t=" in last  # the scenario crashes actors
    assert "supervision-tree" in last and "live" in last


def test_bad_input_is_one_clear_line():
    done = meshlab("serve", "--scenario", "no-such", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("meshlab: error: unknown scenario 'no-such'")
    assert "Traceback" not in done.stderr
    done = meshlab("record", "ws://127.0.0.1:9/", "--seconds", "1", "--out", "x.csv")
    assert done.returncode == 2 and ".mlog or .parquet" in done.stderr
    done = meshlab("attach", "ws://127.0.0.1:9/", "--seconds", "1")
    assert done.returncode == 2 and "could not attach" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_port_in_use(servers):
    srv = servers.start("ring", seed=0)
    done = meshlab("serve", "--scenario", "ring", "--port", str(srv.port))
    assert done.returncode == 2
    assert "cannot listen" in done.stderr and "--port" in done.stderr


def test_serve_replays_a_trace(servers, live_clients, tmp_path):
    trace = ml.scenarios.run("node-failure", seed=4)
    path = trace.save(tmp_path / "nf.parquet")
    srv = servers.start(trace=path, speed=16.0)
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head >= len(trace), timeout=20)
    assert live.events.equals(trace.events)
    assert live.servers[0]["source"] == "trace"
    assert live.events.filter(pl.col("kind") == "node_down").height == 1
