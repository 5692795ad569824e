"""A client attached to `meshlab serve` receives exactly what the scenario produces offline."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.events import validate
from meshlab.trace import load


@pytest.mark.parametrize(("scenario", "seed", "speed"), [("supervision-tree", 3, 20.0)])
def test_client_receives_exactly_the_offline_events(
    servers, live_clients, tmp_path, scenario, seed, speed
):
    offline = ml.scenarios.run(scenario, seed=seed).events
    srv = servers.start(scenario, seed=seed, speed=speed)
    record = tmp_path / "live.mlog"
    live = ml.connect(srv.url, record=record)
    live_clients.append(live)

    live.wait_for(lambda lv: lv.head >= offline.height, timeout=30)
    got = live.events
    assert got.height == offline.height
    assert got.equals(offline)  # same rows, same order, same seq (one server: seq is the source's)
    validate(got)
    assert live.meta.source == "live" and live.meta.scenario == scenario
    assert set(live.meta.nodes) == set(offline["node"].unique())

    live.close()
    on_disk = load(record).events
    assert on_disk.equals(offline)  # the recording holds everything that was shown


def test_events_since_and_listener_protocol(servers, live_clients):
    total = len(ml.scenarios.run("ring", seed=0))
    srv = servers.start("ring", seed=0, speed=1.0)  # 2 wall seconds
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    calls = []
    unsubscribe = live.add_listener(lambda: calls.append(live.head))
    live.wait_for(lambda lv: lv.head >= 100, timeout=20)
    tail = live.events_since(50)
    assert tail["seq"][0] == 50
    assert tail["seq"].diff().drop_nulls().eq(1).all()
    assert calls and calls == sorted(calls)
    unsubscribe()
    n, head = len(calls), live.head
    assert head < total  # so that batches arrive after the unsubscribe
    live.wait_for(lambda lv: lv.head >= total, timeout=20)
    assert len(calls) == n  # unsubscribed: no more calls
    assert live.events_since(live.head).height == 0
    assert isinstance(live.events_since(0), pl.DataFrame)
