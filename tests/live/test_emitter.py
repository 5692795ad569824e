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
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            em.emit("msg_send", node="a", colour="red")


def test_emitting_from_many_threads_keeps_seq_in_order_without_gaps():
    import threading

    with Emitter(name="threads", flush_interval=0.001) as em:

        def work(k: int) -> None:
            for i in range(2_000):
                em.emit("msg_send", node=f"n{k}", actor=f"a{k}", peer="b", msg_id=k * 10_000 + i)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        first = em.emit_frame(
            pl.DataFrame({"t": [1.0], "kind": ["node_join"], "node": ["nf"]}).with_columns(
                [pl.lit(None).alias(c) for c in ("actor", "parent", "peer", "msg_type", "reason")]
                + [pl.lit(None, pl.UInt64).alias("msg_id"), pl.lit(None, pl.UInt32).alias("size"),
                   pl.lit(None, pl.Float64).alias("duration"), pl.lit(0).alias("incarnation")]
            )
        )  # fmt: skip
        for th in threads:
            th.join()
        em.flush()
        feed = em.server.source.feed
        events = feed.slice(0, 100_000)
        assert events["seq"].to_list() == list(range(8_001))
        assert events.filter(pl.col("seq") == first)["node"].item() == "nf"
        for k in range(4):  # each thread's events in the order it emitted them
            ids = events.filter(pl.col("actor") == f"a{k}")["msg_id"].to_list()
            assert ids == sorted(ids) and len(ids) == 2_000
        assert {"n0", "n3", "nf"} <= set(em.nodes)


def test_a_field_of_the_wrong_type_is_reported_and_the_stream_stays_whole():
    with Emitter(name="types") as em:
        em.emit("node_join", node="n0")
        bad = em.emit("msg_send", node="n0", actor="a", peer="b", msg_id="seven")
        em.emit("msg_send", node="n0", actor="a", peer="b", msg_id=8)
        em.flush()
        events = em.server.source.feed.slice(0, 10)
        assert events["seq"].to_list() == [0, 1, 2]
        assert events["msg_id"].to_list() == [None, None, 8]
        assert events["reason"][bad].startswith("emitter: fields dropped:")
        assert len(em.errors) == 1 and em.errors[0].startswith(f"seq {bad}: ")
