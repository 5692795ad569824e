"""The kernel side of progressive loading: a big trace is encoded in the background and each
chunk goes to the page as soon as it is done, in order, with the same bytes as one encode of
the whole frame, plus what the page needs to know how complete it is (docs/canvas.md)."""

from __future__ import annotations

import threading

import polars as pl
import pytest

import meshlab as ml
from meshlab.canvas.encode import ChunkEncoder
from meshlab.canvas.synthetic import synthetic_trace

NEW_FIELDS = ("rows_total", "t_span", "t_rest")


@pytest.fixture(scope="module")
def big():
    trace = synthetic_trace(actors=60, nodes=4, messages=70_000, span=20.0, seed=3)
    assert trace.events.height > 3 * 65_536  # several chunks
    return trace


def _capture(canvas):
    sent: list[tuple[dict, bytes]] = []
    lock = threading.Lock()

    def send(content, buffers=None):
        with lock:
            sent.append((dict(content), bytes(buffers[0]) if buffers else b""))

    canvas.send = send
    return sent


def test_chunks_stream_in_order_with_the_bytes_of_one_encode(big):
    canvas = ml.Canvas(big)
    sent = _capture(canvas)
    # the page asks while the encoder runs: what is done goes now, the rest as it is done
    canvas._on_msg(canvas, {"type": "sync", "have": 0}, [])
    assert canvas.wait(timeout=120)
    want = ChunkEncoder().encode(big.events)
    assert [h["index"] for h, _ in sent] == list(range(len(want)))
    for (header, data), w in zip(sent, want, strict=True):
        assert data == w.data  # same slices, same string table, same bytes
        assert {k: v for k, v in header.items() if k not in NEW_FIELDS} == {
            k: v for k, v in w.header.items() if k not in NEW_FIELDS
        }
    # what each header says of the rest: every row still to come is at t_rest or later
    t = big.events["t"]
    t0, t1 = float(t.min()), float(t.max())
    row = 0
    for header, _ in sent:
        row += header["rows"]
        assert header["rows_total"] == big.events.height
        assert header["t_span"] == [t0, t1]
        if row < big.events.height:
            assert header["t_rest"] == float(t[row:].min())
        else:
            assert "t_rest" not in header
    assert canvas.rows == big.events.height
    canvas.close()


def test_nothing_is_sent_before_the_page_asks_and_a_resync_resends_from_what_it_has(big):
    canvas = ml.Canvas(big)
    sent = _capture(canvas)
    assert canvas.wait(timeout=120)
    assert sent == []  # no page yet: a chunk sent before its model is up would be lost
    n = len(canvas.chunks)
    canvas._on_msg(canvas, {"type": "sync", "have": 0}, [])
    assert [h["index"] for h, _ in sent] == list(range(n))
    sent.clear()
    canvas._on_msg(canvas, {"type": "sync", "have": 2}, [])
    assert [h["index"] for h, _ in sent] == list(range(2, n))
    canvas.close()


def test_two_canvases_of_one_trace_send_the_same_bytes(big):
    a, b = ml.Canvas(big), ml.Canvas(big)
    ca, cb = a.chunks, b.chunks
    assert [(c.header, c.data) for c in ca] == [(c.header, c.data) for c in cb]
    a.close()
    b.close()


def test_t_rest_is_the_earliest_time_still_to_come_when_times_run_backwards():
    # The contract lets a source's times run backwards (clock skew between nodes); the page
    # must not call a playhead complete while an earlier event is still on its way.
    trace = synthetic_trace(actors=40, nodes=4, messages=50_000, span=20.0, seed=4)
    ev = trace.events
    n = ev.height
    skewed = ev.with_columns(
        pl.when(pl.int_range(n) == n - 10).then(pl.lit(0.5)).otherwise(pl.col("t")).alias("t")
    )
    canvas = ml.Canvas(ml.Trace(skewed, meta=trace.meta))
    chunks = canvas.chunks
    assert len(chunks) >= 2
    assert all(c.header["t_rest"] <= 0.5 for c in chunks[:-1])
    assert "t_rest" not in chunks[-1].header
    canvas.close()
