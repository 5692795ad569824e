"""The emitter publishes from any Python program; the client bounds memory but loses nothing."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.live import Emitter
from meshlab.trace import load


def test_emitter_to_client_with_bounded_memory(tmp_path, live_clients):
    with Emitter(name="worker", nodes=["w0"], heartbeat=0.2) as em:
        em.emit("node_join", node="w0", t=1.0)
        em.emit("actor_spawn", node="w0", actor="w0/a", msg_type="Worker", t=1.0)
        record = tmp_path / "rec.mlog"
        live = ml.connect(em.url, record=record, max_events=100, flush_interval=0.01)
        live_clients.append(live)
        for i in range(500):
            em.emit(
                "msg_send",
                node="w0",
                actor="w0/a",
                peer="w0/a",
                msg_id=i,
                msg_type="Tick",
                t=2.0 + i,
            )
            if i % 50 == 0:
                head = live.head
                live.wait_for(lambda lv, h=head: lv.head > h, timeout=10)
        live.wait_for(lambda lv: lv.head >= 502, timeout=10)

        assert live.events.height < 502  # memory is bounded...
        everything = live.events_since(0)  # ...but nothing is lost: older rows come from disk
        assert everything.height == 502
        assert everything["seq"].to_list() == list(range(502))
        assert everything.filter(pl.col("kind") == "msg_send")["msg_id"].to_list() == list(
            range(500)
        )
        state = live.introspect(actor="w0/a")
        assert state["status"] == "idle" and state["class"] == "Worker"
        with pytest.raises(LookupError, match="does not appear"):
            live.introspect(actor="nobody")
        with pytest.raises(PermissionError):
            live.control("pause")
    live.wait_for(lambda lv: lv.servers[0]["status"] == "down", timeout=10)
    live.close()
    on_disk = load(record).events
    assert on_disk.height == 503  # the 502 events and the client's node_down observation
    assert on_disk["reason"][-1].startswith("client_observed: connection lost")


def test_emitter_rejects_bad_events():
    with Emitter(name="strict") as em:
        with pytest.raises(ValueError, match="unknown event kind 'msg_sent'"):
            em.emit("msg_sent", node="a")
        with pytest.raises(ValueError, match="unknown field"):
            em.emit("msg_send", node="a", colour="red")
