"""The kernel side of progressive loading: a big trace is encoded in the background and each
chunk goes to the page as soon as it is done, in order, with the same bytes as one encode of
the whole frame, plus what the page needs to know how complete it is (docs/canvas.md)."""

from __future__ import annotations

import random
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


# -- pages asking at random moments ----------------------------------------------------------
ROWS = 4_096  # small chunks: many of them from a trace that encodes in a blink


class _Page:
    """One browser page as widgets/src/channel.ts behaves: it asks for everything when it opens,
    appends chunk `have` and ignores any it has, and on a gap asks again from what it has, once
    per gap. Its asks are queued (they travel over the network; asking from inside a send would
    be a reentrant call no kernel sees)."""

    def __init__(self, asks: list[tuple[_Page, int]]):
        self.chunks: list[tuple[dict, bytes]] = []
        self.asked = -1
        self.asks = asks
        self.drop: set[int] = set()  # chunk indexes lost once on their way to this page
        self.lost = False

    def ask(self) -> None:
        if self.asked == len(self.chunks):
            return
        self.asked = len(self.chunks)
        self.asks.append((self, self.asked))

    def receive(self, header: dict, data: bytes) -> None:
        i = header["index"]
        if i in self.drop:
            self.drop.discard(i)
            return
        if i < len(self.chunks):
            return
        if i > len(self.chunks):
            return self.ask()
        self.chunks.append((header, data))


class _Gated(ChunkEncoder):
    """The canvas's encoder, at small chunks, encoding one part each time the test says so."""

    gate = threading.Semaphore(0)

    def __init__(self) -> None:
        super().__init__(rows_per_chunk=ROWS)

    def encode(self, events):
        assert _Gated.gate.acquire(timeout=60), "the test never let the encoder on"
        return super().encode(events)


class _Growing:
    """An event source that grows when the test says so (a running mesh, a live client)."""

    def __init__(self, trace, upto: int):
        self.meta, self.events, self.upto = trace.meta, trace.events, upto

    def events_since(self, seq: int):
        return self.events.slice(seq, self.upto - seq)

    def add_listener(self, fn):
        return lambda: None


def _stream(monkeypatch, source, seed: int, last: int, grow: list[int] | None = None):
    """Run a canvas's background encode with pages opening, losing chunks and asking at moments a
    seeded random schedule picks, while the encoder runs (`last`: the index of the last chunk).
    Returns the canvas, every page, the
    chunks of the encode as the kernel sent them (in sending order, with the page asks between)."""
    import meshlab.canvas.widget as widget

    rng = random.Random(seed)
    _Gated.gate = threading.Semaphore(0)
    monkeypatch.setattr(widget, "ChunkEncoder", _Gated)
    canvas = ml.Canvas(source)
    thread = canvas._encoder_thread
    assert thread is not None  # more than one chunk: encoded in the background
    asks: list[tuple[_Page, int]] = []
    pages: list[_Page] = []
    log: list[tuple[str, int]] = []
    lock = threading.Lock()

    def send(content, buffers=None):
        data = bytes(buffers[0]) if buffers else b""
        with lock:
            log.append(("sent", content["index"]))
            for p in list(pages):
                p.receive(dict(content), data)

    canvas.send = send
    grow = list(grow or [])
    opened = 0
    while thread.is_alive() or asks or opened < 2 or grow:
        r = rng.random()
        if opened < 2 and r < 0.15:  # a page opens (the second one mid-stream)
            with lock:
                pages.append(_Page(asks))
                pages[-1].ask()
            opened += 1
        elif grow and r < 0.25:  # the source grows: a new frame joins the queue
            source.upto = grow.pop(0)
            canvas._pull()
        elif pages and r < 0.3:  # a chunk on its way to a page is lost, so it asks again
            # from the middle. Once a page, never the last chunk (the page notices a loss by the
            # next chunk), past what the page last asked for (it asks once per gap: a chunk
            # lost in answer to that very ask would never be asked for again).
            with lock:
                page = rng.choice(pages)
                if not page.lost and page.asked + 1 < last:
                    page.drop.add(rng.randrange(page.asked + 1, last))
                    page.lost = True
        elif asks and r < 0.7:  # the kernel answers an ask
            with lock:
                page, have = asks.pop(0)
                log.append(("ask", have))
            canvas._on_msg(canvas, {"type": "sync", "have": have}, [])
        else:  # the encoder does one more part (or, done, nothing)
            _Gated.gate.release()
    _Gated.gate.release(1_000)
    assert canvas.wait(timeout=60)
    while asks:  # gaps found by the last chunks
        _page, have = asks.pop(0)
        canvas._on_msg(canvas, {"type": "sync", "have": have}, [])
    return canvas, pages, log


def _one_encode(frames) -> list:
    enc = ChunkEncoder(rows_per_chunk=ROWS)
    return [c for f in frames for c in enc.encode(f)]


def _same_chunks(got: list[tuple[dict, bytes]], want: list) -> None:
    assert [h["index"] for h, _ in got] == list(range(len(want)))
    for (header, data), w in zip(got, want, strict=True):
        assert data == w.data  # same slice, same string table, same bytes
        assert {k: v for k, v in header.items() if k not in NEW_FIELDS} == {
            k: v for k, v in w.header.items() if k not in NEW_FIELDS
        }


@pytest.mark.parametrize("seed", range(6))
def test_pages_asking_at_random_moments_get_the_chunks_of_one_encode(monkeypatch, seed):
    trace = synthetic_trace(actors=30, nodes=3, messages=12_000, span=10.0, seed=seed)
    want = _one_encode([trace.events])
    canvas, pages, log = _stream(monkeypatch, trace, seed, len(want) - 1)
    assert len(want) >= 8
    assert log[0][0] == "ask"  # nothing goes out before a page has asked
    for page in pages:  # each page, the first and the one opened mid-stream, has them all
        _same_chunks(page.chunks, want)
    # after each ask, every chunk from the one asked for on goes out, in order
    for i, (what, have) in enumerate(log):
        if what == "ask":
            after = iter(n for w, n in log[i + 1 :] if w == "sent")
            assert all(n in after for n in range(have, len(want))), (seed, have)
    # what each header says of the rest, whoever it went to
    t = trace.events["t"]
    row = 0
    for header, _ in pages[0].chunks:
        row += header["rows"]
        assert header["rows_total"] == trace.events.height
        assert header["t_span"] == [float(t.min()), float(t.max())]
        assert header.get("t_rest") == (float(t[row:].min()) if row < t.len() else None)
    assert canvas.rows == trace.events.height
    canvas.close()


@pytest.mark.parametrize("seed", range(4))
def test_a_source_growing_mid_encode_is_sent_as_its_frames_encode(monkeypatch, seed):
    trace = synthetic_trace(actors=30, nodes=3, messages=12_000, span=10.0, seed=seed)
    n = trace.events.height
    cuts = [3 * ROWS + 100, 5 * ROWS, 5 * ROWS + 7, n]  # a first frame, then three more
    source = _Growing(trace, cuts[0])
    frames = [trace.events.slice(a, b - a) for a, b in zip([0, *cuts], cuts, strict=False)]
    want = _one_encode(frames)
    canvas, pages, _log = _stream(monkeypatch, source, seed, len(want) - 1, grow=cuts[1:])
    for page in pages:
        _same_chunks(page.chunks, want)
    # rows_total counts what was pulled when the chunk was made: never less than its own rows
    row = 0
    for header, _ in pages[0].chunks:
        row += header["rows"]
        assert row <= header["rows_total"] <= n
    assert pages[0].chunks[-1][0]["rows_total"] == n
    assert "t_rest" not in pages[0].chunks[-1][0]
    assert canvas.rows == n
    canvas.close()
