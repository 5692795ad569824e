"""Live latency distributions in HDR histograms: handler time and delivery latency, by message
type and by actor class.

A live node sees every handler's duration (``msg_handle`` / ``handler_end``) and every
message's send and delivery (``msg_send`` then ``msg_recv``, joined on ``msg_id``). Each value
goes into an HdrHistogram (the ``hdrhistogram`` package: constant memory, every quantile
within 1% of the truth, microsecond resolution from 1 µs to an hour). ``/metrics`` exposes
them as Prometheus histograms with ten buckets per decade (10 µs … 100 s), fine enough for
``histogram_quantile(0.99, …)`` to land within about 12% of the true p99; heartbeats and
introspection carry p50 / p95 / p99 read from the HDR histograms directly.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
from hdrh.histogram import HdrHistogram

_LOWEST_US, _HIGHEST_US, _DIGITS = 1, 3_600_000_000, 2
BUCKETS: tuple[float, ...] = tuple(float(f"{10 ** (i / 10):.3g}") for i in range(-50, 21))
"""Prometheus bucket bounds in seconds: ten per decade from 10 µs to 100 s (+Inf implied)."""

MAX_LABELS = 200  # label values per family; more go to "other" (bounded memory and scrapes)
MAX_PENDING = 1_000_000  # sends awaiting their delivery; the oldest are forgotten beyond it

FAMILIES = {
    ("handler", "msg_type"): "meshlab_handler_seconds",
    ("handler", "class"): "meshlab_handler_by_class_seconds",
    ("delivery", "msg_type"): "meshlab_delivery_seconds",
    ("delivery", "class"): "meshlab_delivery_by_class_seconds",
}
HELP = {
    "handler": "Time a message handler ran (HDR histogram)",
    "delivery": "Delivery latency, send to mailbox (HDR histogram)",
}


def _index_values() -> np.ndarray:
    """Seconds each slot of an HdrHistogram's counts array stands for (its highest equivalent
    value): the same for every histogram made with this module's settings."""
    h = HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)
    upper = [h.get_highest_equivalent_value(h.get_value_from_index(i)) for i in range(h.counts_len)]
    return np.asarray(upper, dtype=np.float64) / 1e6


_UPPER = _index_values()
_BUCKET_OF_SLOT = np.searchsorted(np.asarray(BUCKETS), _UPPER, side="left")


class _Hist:
    __slots__ = ("counts", "hdr", "sum")

    def __init__(self) -> None:
        self.hdr = HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)
        # a zero-copy view of the histogram's own counts: reads are numpy, not Python loops
        self.counts = np.frombuffer(self.hdr.counts, dtype=np.uint64)
        self.sum = 0.0

    def record(self, seconds: np.ndarray) -> None:
        self.sum += float(seconds.sum())
        us = np.clip(np.rint(seconds * 1e6), _LOWEST_US, _HIGHEST_US).astype(np.int64)
        values, counts = np.unique(us, return_counts=True)
        for v, c in zip(values.tolist(), counts.tolist(), strict=True):
            self.hdr.record_value(v, c)

    def quantiles(self) -> dict[str, float]:
        """p50, p95, p99 in seconds (each the highest value equivalent to the recorded one,
        as HdrHistogram reports it) and the count."""
        cum = np.cumsum(self.counts)
        total = int(cum[-1])
        out: dict[str, float] = {}
        for p in (50, 95, 99):
            rank = max(1, int(np.ceil(p / 100 * total)))
            out[f"p{p}"] = float(_UPPER[np.searchsorted(cum, rank)]) if total else 0.0
        return {**out, "count": total}

    def buckets(self) -> tuple[list[int], int]:
        """Cumulative counts at each of BUCKETS, and the total."""
        per = np.bincount(_BUCKET_OF_SLOT, weights=self.counts, minlength=len(BUCKETS) + 1)
        per = per.astype(np.int64)
        return np.cumsum(per)[:-1].tolist(), int(per.sum())


class LatencyTracker:
    """Fold event batches into the HDR histograms.

    Examples
    --------
    >>> import meshlab as ml
    >>> tracker = LatencyTracker()
    >>> tracker.update(ml.scenarios.run("ping-pong", seed=1, until=0.1).events)
    >>> q = tracker.summary()["delivery"]["msg_type"]["ping"]
    >>> round(q["p50"], 4), q["count"] > 0
    (0.001, True)
    """

    def __init__(self) -> None:
        self.hists: dict[tuple[str, str], dict[str, _Hist]] = {key: {} for key in FAMILIES}
        self.classes: dict[str, str] = {}
        self.pending: dict[int, tuple[float, str | None]] = {}

    def _hist(self, what: str, by: str, label: str | None) -> _Hist:
        family = self.hists[(what, by)]
        label = label or "unknown"
        if label not in family and len(family) >= MAX_LABELS:
            label = "other"
        h = family.get(label)
        if h is None:
            h = family[label] = _Hist()
        return h

    def update(self, df: pl.DataFrame) -> None:
        kind = pl.col("kind").cast(pl.String)
        lives = df.filter(kind.is_in(["actor_spawn", "actor_restart"]))
        for actor, cls in lives.select("actor", "msg_type").iter_rows():
            if actor is not None:
                self.classes[actor] = cls or "unknown"
        handled = df.filter(
            kind.is_in(["msg_handle", "handler_end"]) & pl.col("duration").is_not_null()
        ).select("actor", "msg_type", "duration")
        if handled.height:
            self._record("handler", handled)
        sends = df.filter(kind == "msg_send", pl.col("msg_id").is_not_null())
        recvs = df.filter(kind == "msg_recv", pl.col("msg_id").is_not_null())
        # As if every send of the batch were filed, then each receipt took its send: a send
        # filed twice keeps its last time, and only a message's first receipt finds it. Most
        # receipts meet their send in the same batch: those are joined, not looped over.
        sends = sends.unique("msg_id", keep="last", maintain_order=True)
        recvs = recvs.unique("msg_id", keep="first", maintain_order=True)
        met = recvs.join(sends.select("msg_id", sent="t", sent_type="msg_type"), on="msg_id")
        delivered = met.select(
            "actor",
            msg_type=pl.coalesce("msg_type", "sent_type"),
            duration=(pl.col("t") - pl.col("sent")).clip(lower_bound=0.0),
        )
        pending = self.pending
        if pending and met.height:  # an older send of the same id is taken by this receipt
            collections.deque(map(pending.pop, met["msg_id"].to_list(), itertools.repeat(None)), 0)
        waiting = sends.join(recvs, on="msg_id", how="anti", maintain_order="left")
        if waiting.height:
            times = zip(waiting["t"].to_list(), waiting["msg_type"].to_list(), strict=True)
            pending.update(zip(waiting["msg_id"].to_list(), times, strict=True))
        rows = []
        lone = recvs.join(sends, on="msg_id", how="anti", maintain_order="left")
        for mid, t, actor, msg_type in lone.select("msg_id", "t", "actor", "msg_type").iter_rows():
            sent = pending.pop(mid, None)
            if sent is not None:
                rows.append((actor, msg_type or sent[1], max(0.0, t - sent[0])))
        excess = len(pending) - MAX_PENDING
        if excess > 0:  # dicts keep insertion order: forget the oldest sends
            for mid in list(itertools.islice(pending, excess)):
                del pending[mid]
        if rows:
            delivered = pl.concat([delivered, pl.DataFrame(
                rows, schema=delivered.schema, orient="row",
            )])  # fmt: skip
        if delivered.height:
            self._record("delivery", delivered)

    def _record(self, what: str, df: pl.DataFrame) -> None:
        cls = pl.col("actor").replace_strict(
            self.classes, default="unknown", return_dtype=pl.String
        )
        df = df.with_columns(cls=cls)
        for by, col in (("msg_type", "msg_type"), ("class", "cls")):
            for (label,), part in df.group_by(col):
                self._hist(what, by, label).record(part["duration"].to_numpy())

    def summary(self, *, actor: str | None = None, top: int = 20) -> dict[str, Any]:
        """p50 / p95 / p99 (seconds) and count per label, the ``top`` busiest labels of each
        family: ``{"handler"|"delivery": {"msg_type"|"class": {label: {...}}}}``. With
        ``actor``, the distributions of that actor's class: ``{"class": c, "handler": {...},
        "delivery": {...}}`` (null where nothing was recorded)."""
        if actor is not None:
            cls = self.classes.get(actor)
            out: dict[str, Any] = {"class": cls}
            for what in ("handler", "delivery"):
                h = self.hists[(what, "class")].get(cls or "unknown")
                out[what] = h.quantiles() if h is not None else None
            return out
        out = {"handler": {}, "delivery": {}}
        for (what, by), family in self.hists.items():
            busiest = sorted(family.items(), key=lambda kv: -int(kv[1].counts.sum()))[:top]
            out[what][by] = {label: h.quantiles() for label, h in sorted(busiest)}
        return out

    def families(self) -> Iterator[Any]:
        """Prometheus histogram families for ``/metrics``."""
        from prometheus_client.core import HistogramMetricFamily

        bounds = [repr(b) for b in BUCKETS] + ["+Inf"]
        for (what, by), name in FAMILIES.items():
            fam = HistogramMetricFamily(name, f"{HELP[what]}, by {by}.", labels=[by])
            for label, h in sorted(self.hists[(what, by)].items()):
                cumulative, total = h.buckets()
                fam.add_metric(
                    [label],
                    buckets=list(zip(bounds, [*cumulative, total], strict=True)),
                    sum_value=h.sum,
                )
            yield fam
