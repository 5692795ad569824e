"""The live node's fold of two-row handlers, vectorised over a batch, equals the row-by-row fold
whatever the batching: starts and ends in order, out of order, duplicated, across batches."""

from __future__ import annotations

import random

import polars as pl
import pytest

from meshlab.events import conform
from meshlab.live.state import StateTracker


def _stream(rng: random.Random, n: int) -> pl.DataFrame:
    rows = [("actor_spawn", f"a{i}", None, 0.0) for i in range(3)]
    t = 0.0
    for _ in range(n):
        t += rng.choice([0.0, 0.001])  # ties in t: the fold orders them by seq
        actor = f"a{rng.randrange(3)}"
        mid = rng.randrange(12)  # few ids: reused, duplicated, ends before starts
        kind = rng.choice(["handler_start", "handler_end", "handler_start", "handler_end"])
        rows.append((kind, actor, mid, t))
        if rng.random() < 0.5:  # most handlers end right after they start
            rows.append(("handler_end" if kind == "handler_start" else "handler_start",
                         actor, mid, t))  # fmt: skip
    return conform(
        pl.DataFrame(
            {
                "seq": list(range(len(rows))),
                "t": [r[3] for r in rows],
                "kind": [r[0] for r in rows],
                "node": ["n0"] * len(rows),
                "actor": [r[1] for r in rows],
                "msg_id": [r[2] for r in rows],
                "duration": [0.001 if r[0] == "handler_end" else None for r in rows],
                "incarnation": [0] * len(rows),
                **{c: [None] * len(rows) for c in ("parent", "peer", "msg_type", "reason")},
                "size": pl.Series([None] * len(rows), dtype=pl.UInt32),
            }
        )
    )


def _row_by_row(tracker: StateTracker, df: pl.DataFrame) -> None:
    """The fold before vectorising: every two-row handler through _handler_row."""
    original = tracker._handler_rows

    def one_by_one(rows: pl.DataFrame) -> None:
        for actor, kind, mid, t, duration in rows.iter_rows():
            tracker._handler_row(tracker.actors[actor], kind, mid, t, duration)

    tracker._handler_rows = one_by_one  # type: ignore[method-assign]
    try:
        tracker.update(df)
    finally:
        tracker._handler_rows = original  # type: ignore[method-assign]


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_handler_fold_equals_row_by_row(seed):
    rng = random.Random(seed)
    df = _stream(rng, 400)
    cuts = sorted(rng.sample(range(1, df.height), 6))
    batched, reference = StateTracker(), StateTracker()
    for start, stop in zip([0, *cuts], [*cuts, df.height], strict=True):
        batch = df.slice(start, stop - start)
        batched.update(batch)
        _row_by_row(reference, batch)
        for actor in ("a0", "a1", "a2"):
            got, want = batched.actors[actor], reference.actors[actor]
            assert got["open"] == want["open"], (actor, start)
            assert got["early_ends"] == want["early_ends"], (actor, start)
            assert batched.actor(actor) == reference.actor(actor)


def _messages(rng: random.Random, n: int) -> pl.DataFrame:
    rows = []
    t = 0.0
    for _ in range(n):
        t += rng.choice([0.0, 0.0005, 0.002])
        kind = rng.choice(["msg_send", "msg_recv", "msg_send", "msg_recv", "msg_drop"])
        mid = rng.randrange(40)  # resent, received twice, received before sent
        rows.append((kind, mid, t, rng.choice(["ping", None])))
    size = len(rows)
    return conform(
        pl.DataFrame(
            {
                "seq": list(range(size)),
                "t": [r[2] for r in rows],
                "kind": [r[0] for r in rows],
                "node": ["n0"] * size,
                "actor": [rng.choice(["a", "b"]) for _ in rows],
                "msg_id": [r[1] for r in rows],
                "msg_type": [r[3] for r in rows],
                "incarnation": [0] * size,
                **{c: [None] * size for c in ("parent", "peer", "reason")},
                "size": pl.Series([None] * size, dtype=pl.UInt32),
                "duration": pl.Series([None] * size, dtype=pl.Float64),
            }
        )
    )


def _delivery_by_dict(pending: dict, df: pl.DataFrame) -> list[tuple]:
    """The delivery fold before it was joined: every send filed, then each receipt looked up."""
    kind = pl.col("kind").cast(pl.String)
    sends = df.filter(kind == "msg_send")
    pending.update(zip(sends["msg_id"], zip(sends["t"], sends["msg_type"], strict=True),
                       strict=True))  # fmt: skip
    out = []
    for mid, t, actor, msg_type in (
        df.filter(kind == "msg_recv").select("msg_id", "t", "actor", "msg_type").iter_rows()
    ):
        sent = pending.pop(mid, None)
        if sent is not None:
            out.append((actor, msg_type or sent[1] or "unknown", max(0.0, t - sent[0])))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_joined_delivery_latency_equals_the_lookup_per_receipt(seed):
    from meshlab.live.latency import LatencyTracker

    rng = random.Random(seed)
    df = _messages(rng, 500)
    cuts = sorted(rng.sample(range(1, df.height), 5))
    tracker, pending, want = LatencyTracker(), {}, []
    for start, stop in zip([0, *cuts], [*cuts, df.height], strict=True):
        batch = df.slice(start, stop - start)
        tracker.update(batch)
        want += _delivery_by_dict(pending, batch)
        assert tracker.pending == pending
    family = tracker.hists[("delivery", "msg_type")]
    for label in {"ping", "unknown"}:
        values = sorted(d for _, m, d in want if m == label)
        got = family.get(label)
        assert (got.quantiles()["count"] if got else 0) == len(values)
        if values:
            assert got.sum == pytest.approx(sum(values))
