"""Malformed, oversized and wrong-version frames get an error frame or a closed connection;
the server never falls over. The decoder is fuzzed with hypothesis."""

from __future__ import annotations

import asyncio
import random
import threading

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

import meshlab as ml
from meshlab.live import codec
from meshlab.live import protocol as p

from .conftest import healthz

HELLO = {"type": "hello", "protocols": [1], "client": "test"}


@pytest.fixture(scope="module")
def server():
    from meshlab.live import serve_subprocess

    srv = serve_subprocess("ring", seed=0, speed=1.0, heartbeat=0.2)
    yield srv
    srv.kill()


async def _session(url, *frames, greet=True):
    """Send raw frames; return what came back (decoded) and the close code, if closed."""
    replies, code = [], None
    async with ws_connect(url, proxy=None, compression=None, max_size=2**24) as ws:
        hello = codec.decode(await ws.recv())
        assert hello["type"] == "hello" and hello["schema_versions"] == [1, 2]
        if greet:
            await ws.send(codec.encode(HELLO))
        for frame in frames:
            await ws.send(frame)
        try:
            async with asyncio.timeout(3):
                while True:
                    reply = codec.decode(await ws.recv())
                    if reply["type"] != "heartbeat":
                        replies.append(reply)
                    if len(replies) >= len(frames):
                        break
            # a connection still open answers a ping with a heartbeat
            await ws.send(codec.encode({"type": "ping"}))
            async with asyncio.timeout(3):
                while (codec.decode(await ws.recv()))["type"] != "heartbeat":
                    pass
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else -1
    return replies, code


def run(coro):
    return asyncio.run(coro)


def test_malformed_frames_get_error_frames_and_the_connection_survives(server):
    replies, code = run(
        _session(
            server.url,
            b"\xc1not msgpack",
            msgpack.packb([1, 2, 3]),
            msgpack.packb({"no": "type"}),
            codec.encode({"type": "teleport"}),
            codec.encode({"type": "subscribe", "from_seq": "zero"}),
            codec.encode({"type": "subscribe", "from_seq": -4}),
            codec.encode({"type": "introspect"}),
        )
    )
    assert code is None  # still open
    codes = [r["code"] for r in replies]
    assert codes == [
        "malformed",
        "malformed",
        "malformed",
        "unknown_type",
        "bad_request",
        "bad_request",
        "bad_request",
    ]
    assert all(r["type"] == "error" and r["message"] and not r["fatal"] for r in replies)
    assert "from_seq" in replies[4]["message"]
    assert healthz(server)["status"] == "ok"


def test_wrong_version_hello_is_refused_and_closed(server):
    bad = codec.encode({"type": "hello", "protocols": [99]})
    replies, code = run(_session(server.url, bad, greet=False))
    assert replies[0]["code"] == "unsupported_version" and replies[0]["fatal"]
    assert "[99]" in replies[0]["message"]
    assert code == p.CLOSE_PROTOCOL_ERROR


def test_subscribe_before_hello_is_refused(server):
    replies, code = run(
        _session(server.url, codec.encode({"type": "subscribe", "from_seq": 0}), greet=False)
    )
    assert replies[0]["code"] == "bad_request" and "hello" in replies[0]["message"]
    assert code == p.CLOSE_PROTOCOL_ERROR


def test_text_frames_are_refused(server):
    replies, code = run(_session(server.url, "hello as text"))
    assert replies[0]["code"] == "malformed"
    assert code == p.CLOSE_UNSUPPORTED_DATA


def test_oversized_frames_close_the_connection(server):
    huge = codec.encode({"type": "ping", "pad": b"x" * (p.MAX_CLIENT_FRAME + 1)})
    _, code = run(_session(server.url, huge))
    assert code == p.CLOSE_TOO_BIG
    assert healthz(server)["status"] == "ok"


def test_server_cuts_off_a_peer_that_keeps_sending_garbage(server):
    frames = [b"\xc1"] * (p.MAX_ERRORS_BEFORE_CLOSE + 2)
    replies, code = run(_session(server.url, *frames))
    assert code == p.CLOSE_PROTOCOL_ERROR
    assert replies[-1]["fatal"]


def test_client_refuses_a_server_with_another_schema_version():
    """A real server on loopback that announces schema version 99."""

    async def fake(ws):
        await ws.send(codec.encode({"type": "hello", "protocols": [1], "schema_version": 99}))
        await ws.wait_closed()

    async def start():
        return await serve(fake, "127.0.0.1", 0)

    loop = asyncio.new_event_loop()
    srv = loop.run_until_complete(start())
    port = srv.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ConnectionError, match="schema version 99"):
            ml.connect(f"ws://127.0.0.1:{port}/", record=False, open_timeout=3)
    finally:

        async def stop():
            srv.close()
            await srv.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


# the decoder, fuzzed ----------------------------------------------------------------------
msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
column_names = st.sampled_from(["seq", "t", "kind", "node", "actor", "msg_id", "size", "bogus"])


def _decode_all(data: bytes) -> None:
    try:
        frame = codec.decode(data, max_size=p.MAX_SERVER_FRAME)
        if frame["type"] == "events":
            codec.events_from_frame(frame)
    except p.ProtocolError as err:
        assert err.code in {"malformed", "bad_request", "too_large"} and str(err)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_decoder_fuzz_raw_bytes(data):
    _decode_all(data)


@settings(max_examples=150, deadline=None)
@given(msgpack_values)
def test_decoder_fuzz_structured(value):
    _decode_all(msgpack.packb(value, use_bin_type=True))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=-2, max_value=6),
    st.dictionaries(column_names, msgpack_values, max_size=8),
    st.one_of(st.none(), st.integers(min_value=-1, max_value=5)),
)
def test_decoder_fuzz_event_batches(count, columns, first):
    frame = {"type": "events", "count": count, "columns": columns, "first_seq": first}
    _decode_all(msgpack.packb(frame, use_bin_type=True))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["node_join", "msg_send", "bogus", None, 3]), min_size=1, max_size=4)
)
def test_decoder_fuzz_full_batches_with_bad_values(kinds):
    """A complete batch with one column fuzzed: decoded exactly, or refused clearly."""
    from meshlab.events import COLUMNS

    n = len(kinds)
    columns = {c: [None] * n for c in COLUMNS}
    columns.update(
        seq=list(range(n)), t=[0.0] * n, kind=kinds, node=["n0"] * n, incarnation=[0] * n
    )
    frame = {"type": "events", "count": n, "columns": columns, "first_seq": 0}
    data = msgpack.packb(frame)
    if all(k in ("node_join", "msg_send") for k in kinds):
        df = codec.events_from_frame(codec.decode(data))
        assert df["kind"].cast(str).to_list() == kinds
    else:
        with pytest.raises(p.ProtocolError, match="kind"):
            codec.events_from_frame(codec.decode(data))


def test_server_survives_random_frames(server):
    """A bounded batch of seeded random frames over one real connection; the server stays up."""
    rng = random.Random(4)
    frames = []
    for i in range(p.MAX_ERRORS_BEFORE_CLOSE - 1):
        if i % 2:
            frames.append(rng.randbytes(rng.randrange(1, 300)))
        else:
            keys = ["type", "from_seq", "id", "actor", "node", "token", "action", "args"]
            frame = {rng.choice(keys): rng.choice([None, -1, 2**64 - 1, "x", [1], {"a": b"b"}])}
            frame["type"] = rng.choice(["subscribe", "introspect", "control", "hello", "x", 7])
            frames.append(msgpack.packb(frame, use_bin_type=True))

    async def blast():
        async with ws_connect(server.url, proxy=None, compression=None) as ws:
            await ws.recv()
            await ws.send(codec.encode(HELLO))
            for frame in frames:
                await ws.send(frame)

    run(blast())
    assert healthz(server)["status"] == "ok"
    introspect = codec.encode({"type": "introspect", "node": "n0", "id": 1})
    replies, code = run(_session(server.url, introspect))
    assert code is None
    assert replies[0]["type"] == "introspection" and replies[0]["state"]["node"] == "n0"
