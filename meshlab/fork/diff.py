"""Two runs side by side: where they first part, and what differs after that.

``compare(a, b)`` takes runs (:class:`~meshlab.fork.Run`) or traces. Events are compared row
by row in ``seq`` order over every column of the contract: the first row that differs is the
divergence (a fork's is at or after its time, by construction). After it, the comparison
counts failures, restarts, drops (by reason) and messages (by type) in each run, and lists the
actors whose state at the end differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from meshlab.trace import Trace
from meshlab.trace.scalars import number

# Which columns of the final state tell two actors' ends apart.
_FINAL = ("node", "status", "incarnation", "restarts", "processed", "error")


@dataclass(frozen=True)
class Divergence:
    """The first event that differs: its position ``seq``, time ``t`` (the earlier of the
    two), and the row of each run at that position (None past a run's end)."""

    seq: int
    t: float
    a: dict[str, Any] | None
    b: dict[str, Any] | None


@dataclass(frozen=True, repr=False)
class Comparison:
    """What :func:`compare` found; every table is a polars frame with columns ``a``, ``b`` and
    ``delta`` (= b - a) counted after the divergence."""

    a: Trace
    b: Trace
    labels: tuple[str, str]
    shared: int  # events identical from the start
    first: Divergence | None  # None: the runs are identical
    counts: pl.DataFrame  # what: failures, restarts, drops, messages, events
    messages: pl.DataFrame  # msg_type: messages sent
    drops: pl.DataFrame  # reason: messages dropped
    failures: pl.DataFrame  # actor: crashes
    restarts: pl.DataFrame  # actor: restarts
    final: pl.DataFrame  # actors whose end differs: column_a / column_b side by side

    @property
    def identical(self) -> bool:
        return self.first is None

    def __repr__(self) -> str:
        la, lb = self.labels
        lines = [f"compare  a = {la}", f"         b = {lb}"]
        if self.first is None:
            lines.append(f"identical: all {self.shared:,} events are the same")
            return "\n".join(lines)
        d = self.first
        lines.append(
            f"first divergence: event #{d.seq} at t={d.t:.6g} "
            f"({self.shared:,} events shared before it)"
        )
        lines.append(f"  a: {_row_text(d.a)}")
        lines.append(f"  b: {_row_text(d.b)}")
        if d.a is not None and d.b is not None:
            cols = [c for c in d.a if c != "seq" and d.a[c] != d.b.get(c)]
            lines.append(
                "  they differ in "
                + ", ".join(f"{c} ({d.a[c]!r} vs {d.b.get(c)!r})" for c in cols[:4])
            )
        lines.append("after it:            a          b      delta")
        for what, a, b, delta in self.counts.iter_rows():
            lines.append(f"  {what:<14} {a:>9,} {b:>10,} {delta:>+10,}")
        for title, frame, key in (
            ("messages by type", self.messages, "msg_type"),
            ("drops by reason", self.drops, "reason"),
        ):
            changed = frame.filter(pl.col("delta") != 0)
            if changed.height:
                parts = [f"{r[key]} {r['delta']:+,}" for r in changed.head(6).iter_rows(named=True)]
                more = f", … {changed.height - 6} more" if changed.height > 6 else ""
                lines.append(f"  {title}: " + ", ".join(parts) + more)
        if self.final.height:
            lines.append(f"actors that end differently ({self.final.height}):")
            for r in self.final.head(8).iter_rows(named=True):
                lines.append(f"  {r['actor']:<24} a: {_end(r, 'a')}   b: {_end(r, 'b')}")
            if self.final.height > 8:
                lines.append(f"  … {self.final.height - 8} more in .final")
        else:
            lines.append("every actor ends the same")
        return "\n".join(lines)


def compare(a: Any, b: Any) -> Comparison:
    """Compare two runs (or traces): the first divergence and what differs after it.

    >>> import meshlab as ml
    >>> a = ml.Run("partition", seed=0)
    >>> b = a.fork(ml.fork.heal(), at=3.0)  # the partition from t=2 heals at 3, not 5
    >>> c = ml.compare(a, b)
    >>> c.first.t >= 3.0 and c.shared > 0
    True
    """
    ta, la = _trace_of(a, "a")
    tb, lb = _trace_of(b, "b")
    ea, eb = ta.events, tb.events
    shared = _shared_prefix(ea, eb)
    n = max(ea.height, eb.height)
    if shared == n:
        first = None
    else:
        ra = ea.row(shared, named=True) if shared < ea.height else None
        rb = eb.row(shared, named=True) if shared < eb.height else None
        t = min(r["t"] for r in (ra, rb) if r is not None)
        first = Divergence(shared, t, ra, rb)
    after_a, after_b = ea.slice(shared), eb.slice(shared)
    return Comparison(
        a=ta,
        b=tb,
        labels=(la, lb),
        shared=shared,
        first=first,
        counts=_counts(after_a, after_b),
        messages=_by(after_a, after_b, "msg_send", "msg_type"),
        drops=_by(after_a, after_b, "msg_drop", "reason"),
        failures=_by(after_a, after_b, "actor_fail", "actor"),
        restarts=_by(after_a, after_b, "actor_restart", "actor"),
        final=_final(ta, tb),
    )


def _trace_of(x: Any, default: str) -> tuple[Trace, str]:
    if isinstance(x, Trace):
        return x, f"{x.meta.scenario or x.meta.source} seed={x.meta.seed}"
    trace = getattr(x, "trace", None)
    if not isinstance(trace, Trace):
        raise TypeError(f"compare needs two runs (ml.Run) or traces, got {x!r} for {default}")
    return trace, f"{x.label} (seed={getattr(x, 'seed', None)})"


def _shared_prefix(ea: pl.DataFrame, eb: pl.DataFrame) -> int:
    """How many leading rows are equal in every column (null equals null)."""
    n = min(ea.height, eb.height)
    if n == 0:
        return 0
    a, b = ea.head(n), eb.head(n)
    if a.schema != b.schema:
        b = b.cast(a.schema)
    same = pl.DataFrame({c: a.get_column(c).eq_missing(b.get_column(c)) for c in a.columns}).select(
        pl.all_horizontal(pl.all()).alias("same")
    )["same"]
    differ = (~same).arg_true()
    return int(differ[0]) if differ.len() else n


def _counts(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    def count(ev: pl.DataFrame) -> dict[str, int]:
        kinds = ev["kind"].cast(pl.String)
        return {
            "failures": int((kinds == "actor_fail").sum()),
            "restarts": int((kinds == "actor_restart").sum()),
            "drops": int((kinds == "msg_drop").sum()),
            "messages": int((kinds == "msg_send").sum()),
            "events": ev.height,
        }

    ca, cb = count(a), count(b)
    return pl.DataFrame(
        {
            "what": list(ca),
            "a": list(ca.values()),
            "b": list(cb.values()),
            "delta": [cb[k] - ca[k] for k in ca],
        },
        schema={"what": pl.String, "a": pl.Int64, "b": pl.Int64, "delta": pl.Int64},
    )


def _by(a: pl.DataFrame, b: pl.DataFrame, kind: str, key: str) -> pl.DataFrame:
    def tally(ev: pl.DataFrame, name: str) -> pl.DataFrame:
        return (
            ev.filter(pl.col("kind").cast(pl.String) == kind)
            .group_by(key)
            .len()
            .rename({"len": name})
            .with_columns(pl.col(name).cast(pl.Int64))
        )

    out = tally(a, "a").join(tally(b, "b"), on=key, how="full", coalesce=True)
    return (
        out.with_columns(pl.col("a").fill_null(0), pl.col("b").fill_null(0))
        .with_columns((pl.col("b") - pl.col("a")).alias("delta"))
        .sort(pl.col("delta").abs(), key, descending=[True, False], nulls_last=True)
    )


def _final(ta: Trace, tb: Trace) -> pl.DataFrame:
    def end(trace: Trace) -> pl.DataFrame:
        ev = trace.events
        t = number(ev["t"].max()) if ev.height else 0.0
        return trace.state_at(t).actors.select("actor", *_FINAL)

    fa, fb = end(ta), end(tb)
    both = fa.join(fb, on="actor", how="full", coalesce=True, suffix="_b")
    both = both.rename({c: f"{c}_a" for c in _FINAL})
    differs = pl.any_horizontal([~pl.col(f"{c}_a").eq_missing(pl.col(f"{c}_b")) for c in _FINAL])
    return both.filter(differs).sort("actor")


def _row_text(row: dict[str, Any] | None) -> str:
    if row is None:
        return "(no more events)"
    parts = [f"t={row['t']:.6g}", str(row["kind"])]
    for col in ("actor", "node", "peer", "msg_type", "reason"):
        if row.get(col) is not None and not (col == "node" and row.get("actor")):
            parts.append(f"{col}={row[col]}")
    return " ".join(parts)


def _end(row: dict[str, Any], side: str) -> str:
    status = row.get(f"status_{side}")
    if status is None:
        return "never spawned"
    node, inc = row.get(f"node_{side}"), row.get(f"incarnation_{side}")
    return f"{status} on {node} (life {inc}, {row.get(f'processed_{side}')} msgs)"
