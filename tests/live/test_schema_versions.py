"""Schema versions on the wire: a version 2 node serves a version 1 client (newer kinds left
out, seq numbered without them, so resuming works) and a version 2 client (everything), and
the emitter publishes the v2 kinds. Real servers on loopback."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest
from websockets.asyncio.client import connect as ws_connect

import meshlab as ml
from meshlab.events import kinds_of, validate
from meshlab.live import Emitter, codec
from meshlab.live import protocol as p

V1_HELLO = {"type": "hello", "protocols": [1], "client": "v1-client"}  # names no schema


def publish(em: Emitter) -> None:
    """A small story in both versions' kinds: 16 rows, 7 of them v2-only."""
    em.emit("node_join", node="w0", t=1.0)
    em.attrs(node="w0", version="3.1", t=1.0)
    em.emit("actor_spawn", node="w0", actor="w0/a", msg_type="Worker", t=1.0)
    em.emit("actor_spawn", node="w0", actor="w0/b", msg_type="Worker", t=1.0)
    em.attrs(node="w0", actor="w0/a", role="leader", term=2, t=1.1)
    for i in range(3):
        t = 2.0 + i
        em.emit("msg_send", node="w0", actor="w0/b", peer="w0/a", msg_id=i, msg_type="get", t=t)
        em.emit("msg_recv", node="w0", actor="w0/a", peer="w0/b", msg_id=i, msg_type="get", t=t)
        em.handler_start(node="w0", actor="w0/a", peer="w0/b", msg_id=i, msg_type="get", t=t)
        if i < 2:
            outcome = "ok" if i == 0 else "error: KeyError: 'k'"
            em.handler_end(
                node="w0", actor="w0/a", msg_id=i, duration=0.5, outcome=outcome, t=t + 0.5
            )
    em.flush()


async def v1_read(url: str, *, from_seq: int, rows: int) -> tuple[list[dict], list[dict]]:
    """A version 1 client as docs/protocol.md (version 1) describes one: it checks the hello's
    schema_version is 1 and that seq has no gap. Returns events rows and heartbeats."""
    got, beats = [], []
    async with ws_connect(url, proxy=None, compression=None) as ws:
        hello = codec.decode(await ws.recv())
        assert hello["schema_version"] == 1  # what a version 1 client insists on
        await ws.send(codec.encode(V1_HELLO))
        await ws.send(codec.encode({"type": "subscribe", "from_seq": from_seq}))
        async with asyncio.timeout(10):
            while len(got) < rows or not beats:
                frame = codec.decode(await ws.recv())
                if frame["type"] == "events":
                    df = codec.events_from_frame(frame)
                    assert df["seq"][0] == from_seq + len(got), "a gap in seq"
                    got.extend(df.iter_rows(named=True))
                elif frame["type"] == "heartbeat":
                    beats.append(frame)
                    if len(got) >= rows:
                        break
    return got, beats


@pytest.fixture(scope="module")
def emitter():
    with Emitter(name="v2", nodes=["w0"], heartbeat=0.1) as em:
        publish(em)
        yield em


def test_a_version_1_client_gets_version_1_kinds_without_gaps_and_is_told(emitter):
    rows, beats = asyncio.run(v1_read(emitter.url, from_seq=0, rows=9))
    assert [r["seq"] for r in rows] == list(range(9))
    kinds = [r["kind"] for r in rows]
    assert set(kinds) <= set(kinds_of(1))
    assert kinds[:3] == ["node_join", "actor_spawn", "actor_spawn"]
    assert kinds.count("msg_recv") == 3 and "handler_start" not in kinds
    assert beats[-1]["schema_version"] == 1 and beats[-1]["withheld"] == 7
    assert beats[-1]["head_seq"] == 9  # in the client's numbering


def test_a_version_1_client_resumes_by_its_own_numbering(emitter):
    everything, _ = asyncio.run(v1_read(emitter.url, from_seq=0, rows=9))
    tail, _ = asyncio.run(v1_read(emitter.url, from_seq=6, rows=3))
    assert tail == everything[6:]


def test_a_version_2_client_gets_everything(emitter, live_clients):
    live = ml.connect(emitter.url, record=False)
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head >= 16, timeout=10)
    ev = validate(live.events)
    kinds = ev["kind"].cast(pl.String).to_list()
    assert kinds.count("handler_start") == 3 and kinds.count("handler_end") == 2
    assert kinds.count("attrs") == 2
    assert live.servers[0]["status"] == "live"
    a = live.introspect(actor="w0/a")
    assert a["status"] == "busy" and a["busy_since"] == 4.0 and a["processed"] == 3
    assert a["attrs"] == {"role": "leader", "term": 2}
    assert live.introspect(node="w0")["attrs"] == {"version": "3.1"}
    trace = live.trace()
    state = trace.state_at(4.2)
    row = state.actor("w0/a")
    assert (row["status"], row["busy_since"], row["hung"]) == ("busy", 4.0, False)
    assert trace.handlers()["outcome"].to_list() == ["ok", "error: KeyError: 'k'", None]


def test_a_client_reading_only_an_unknown_version_is_refused(emitter):
    async def session():
        async with ws_connect(emitter.url, proxy=None, compression=None) as ws:
            codec.decode(await ws.recv())
            await ws.send(codec.encode({**V1_HELLO, "schema_versions": [3]}))
            reply = codec.decode(await ws.recv())
            await ws.wait_closed()
            return reply, ws.close_code

    reply, code = asyncio.run(session())
    assert reply["type"] == "error" and reply["code"] == p.E_VERSION and reply["fatal"]
    assert "client reads event schema version(s) [3], this node serves [1, 2]" in reply["message"]
    assert code == p.CLOSE_PROTOCOL_ERROR


def test_a_version_1_stream_is_served_as_it_is(servers):
    """A stream of version 1 kinds only: both kinds of client see the same numbering."""
    srv = servers.start("ping-pong", seed=1, speed=1000.0, until=0.05)
    rows, beats = asyncio.run(v1_read(srv.url, from_seq=0, rows=20))
    assert [r["seq"] for r in rows[:20]] == list(range(20))
    assert "withheld" not in beats[-1]


def test_the_emitter_checks_v2_fields_at_the_call():
    with Emitter(nodes=["w0"]) as em:
        with pytest.raises(ValueError, match="an outcome is null, 'ok' or 'error: <text>'"):
            em.handler_end(node="w0", actor="a", msg_id=1, duration=0.1, outcome="failed")
        with pytest.raises(ValueError, match="duration >= 0"):
            em.handler_end(node="w0", actor="a", msg_id=1, duration=-1.0)
        with pytest.raises(ml.ContractError, match="over the limit of 32"):
            em.attrs(node="w0", **{f"k{i}": i for i in range(33)})
        with (
            pytest.raises(ZeroDivisionError),
            em.handler(node="w0", actor="w0/a", msg_id=7, msg_type="div"),
        ):
            1 / 0  # noqa: B018
        em.flush()
        ends = em.server.source.feed.slice(0, 10)
        assert ends["reason"].to_list() == [None, "error: ZeroDivisionError: division by zero"]
