"""Control actions need the node's token; streaming needs one only when configured."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.live.observations import is_observation

from .conftest import healthz


def test_control_without_token_is_refused(servers, live_clients):
    srv = servers.start("node-failure", seed=0, speed=2.0, token="s3cret")
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    with pytest.raises(PermissionError, match="token"):
        live.control("pause")
    with pytest.raises(PermissionError, match="token"):
        live.control("kill_node", node="n1", token="wrong")
    assert healthz(srv)["state"] == "running"

    reply = live.control("pause", token="s3cret")
    assert reply["state"] == "paused"
    assert healthz(srv)["state"] == "paused"
    live.control("resume", token="s3cret")

    live.control("kill_node", node="n2", token="s3cret")
    live.wait_for(
        lambda lv: (
            lv.events.filter((pl.col("kind") == "node_down") & (pl.col("node") == "n2")).height > 0
        ),
        timeout=10,
    )
    down = live.events.filter(pl.col("kind") == "node_down")
    assert not is_observation(down).any()  # the node's own event, not the client's
    with pytest.raises(RuntimeError, match=r"bad_request|speed"):
        live.control("speed", speed=-1, token="s3cret")


def test_control_is_disabled_without_a_configured_token(servers, live_clients):
    srv = servers.start("ring", seed=0, speed=1.0)
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    with pytest.raises(PermissionError, match="disabled"):
        live.control("pause", token="anything")
    assert healthz(srv)["state"] in ("running", "finished")


def test_stream_token_when_configured(servers, live_clients):
    srv = servers.start("ring", seed=0, speed=1.0, stream_token="let-me-in")
    with pytest.raises(ConnectionError, match="token"):
        ml.connect(srv.url, record=False, reconnect=False, open_timeout=3)
    with pytest.raises(ConnectionError, match="token"):
        ml.connect(srv.url, record=False, reconnect=False, open_timeout=3, token="wrong")
    live = ml.connect(srv.url, record=False, token="let-me-in")
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head > 0, timeout=10)
