"""Questions people ask of a trace: what is in flight, who talks to whom, what failed, how fast.

Each function takes a :class:`~meshlab.trace.Trace` and returns a polars DataFrame; each is
also a method of Trace (``trace.in_flight(t)`` and so on). They read only the events.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

import polars as pl

from meshlab.events import parse_attrs

if TYPE_CHECKING:
    from meshlab.trace.core import Trace

_LIFECYCLE = ["actor_spawn", "actor_stop", "actor_fail", "actor_restart"]


def _kind(*kinds: str) -> pl.Expr:
    return pl.col("kind").is_in(list(kinds))


def messages(trace: Trace) -> pl.DataFrame:
    """One row per message: its send joined with how it ended (received or dropped).

    Columns: msg_id, msg_type, sender, receiver, src_node, dst_node (where it was received
    or lost; null while unknown), sent_at, latency (given at send), size, timer, received_at,
    dropped_at, drop_reason, ended_at (first of received_at and dropped_at). Built once per
    trace and cached.

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> messages(trace).columns[:4]
    ['msg_id', 'msg_type', 'sender', 'receiver']
    """
    return trace.cached("messages", _build_messages)


def _build_messages(ev: pl.DataFrame) -> pl.DataFrame:
    sends = ev.filter(_kind("msg_send")).select(
        "msg_id",
        "msg_type",
        sender="actor",
        receiver="peer",
        src_node="node",
        sent_at="t",
        latency="duration",
        size="size",
        timer=pl.col("reason").eq_missing("timer"),
    )
    recvs = (
        ev.filter(_kind("msg_recv"))
        .group_by("msg_id")
        .agg(received_at=pl.col("t").min(), recv_node=pl.col("node").first())
    )
    drops = (
        ev.filter(_kind("msg_drop"))
        .group_by("msg_id")
        .agg(
            dropped_at=pl.col("t").first(),
            drop_node=pl.col("node").first(),
            drop_reason=pl.col("reason").first(),
        )
    )
    return (
        sends.join(recvs, on="msg_id", how="left")
        .join(drops, on="msg_id", how="left")
        .select(
            "msg_id",
            "msg_type",
            "sender",
            "receiver",
            "src_node",
            dst_node=pl.coalesce("recv_node", "drop_node"),
            sent_at="sent_at",
            latency="latency",
            size="size",
            timer="timer",
            received_at="received_at",
            dropped_at="dropped_at",
            drop_reason="drop_reason",
            ended_at=pl.min_horizontal("received_at", "dropped_at"),
        )
    )


def in_flight(trace: Trace, t: float) -> pl.DataFrame:
    """Messages sent at or before ``t`` and not yet received or dropped at ``t``.

    ``arrives_at`` is when the message reached its receiver or was lost, when the trace
    knows it, otherwise ``sent_at + latency`` (the arrival the network model promised).
    ``progress`` is how far along it is, from 0 at the send to 1 at the arrival.

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> in_flight(trace, 0.5).columns[6:9]
    ['sent_at', 'arrives_at', 'progress']
    """
    m = messages(trace)
    arrives = pl.coalesce("ended_at", pl.col("sent_at") + pl.col("latency").fill_null(0.0))
    span = pl.col("arrives_at") - pl.col("sent_at")
    return (
        m.filter(
            (pl.col("sent_at") <= t) & (pl.col("ended_at").is_null() | (pl.col("ended_at") > t))
        )
        .with_columns(arrives_at=arrives)
        .select(
            "msg_id",
            "msg_type",
            "sender",
            "receiver",
            "src_node",
            "dst_node",
            "sent_at",
            "arrives_at",
            progress=pl.when(span > 0)
            .then(((pl.lit(t) - pl.col("sent_at")) / span).clip(0.0, 1.0))
            .otherwise(1.0),
            size="size",
            outcome=pl.when(
                pl.col("received_at").is_not_null() & (pl.col("received_at") <= pl.col("ended_at"))
            )
            .then(pl.lit("received"))
            .when(pl.col("dropped_at").is_not_null())
            .then(pl.col("drop_reason"))
            .otherwise(None),
        )
    )


def flows(
    trace: Trace,
    *,
    start: float | None = None,
    end: float | None = None,
    by: Literal["node", "actor"] = "node",
) -> pl.DataFrame:
    """Messages and bytes sent from each ``src`` to each ``dst`` with ``start <= send t < end``.

    ``by="node"``: the sender's node to the receiver's node, the receiver's node being where
    it lived at the send (its latest spawn or restart by then); ``by="actor"``: sender to
    receiver. Columns: src, dst, messages, bytes (unknown sizes count 0), delivered, dropped.
    Busiest pairs first.

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> flows(trace, by="actor").columns
    ['src', 'dst', 'messages', 'bytes', 'delivered', 'dropped']
    """
    if by not in ("node", "actor"):
        raise ValueError(f"flows(by=...) must be 'node' or 'actor', not {by!r}")
    if start is not None and end is not None and end < start:
        raise ValueError(f"flows window ends ({end}) before it starts ({start})")
    m = messages(trace)
    if start is not None:
        m = m.filter(pl.col("sent_at") >= start)
    if end is not None:
        m = m.filter(pl.col("sent_at") < end)
    if by == "actor":
        pairs = m.select("sender", "receiver", "size", "received_at", "dropped_at").rename(
            {"sender": "src", "receiver": "dst"}
        )
    else:
        homes = (
            trace.events.filter(_kind("actor_spawn", "actor_restart"))
            .select(receiver="actor", since="t", home="node")
            .sort("since")
        )
        pairs = (
            m.sort("sent_at")
            .join_asof(
                homes,
                left_on="sent_at",
                right_on="since",
                by="receiver",
                strategy="backward",
                check_sortedness=False,  # both sides are sorted by time just above
            )
            .select(
                src="src_node",
                dst="home",
                size="size",
                received_at="received_at",
                dropped_at="dropped_at",
            )
        )
    return (
        pairs.group_by("src", "dst")
        .agg(
            messages=pl.len().cast(pl.UInt64),
            bytes=pl.col("size").fill_null(0).cast(pl.UInt64).sum(),
            delivered=pl.col("received_at").is_not_null().sum().cast(pl.UInt64),
            dropped=(pl.col("dropped_at").is_not_null() & pl.col("received_at").is_null())
            .sum()
            .cast(pl.UInt64),
        )
        .sort(["messages", "src", "dst"], descending=[True, False, False], nulls_last=True)
    )


def failures(trace: Trace) -> pl.DataFrame:
    """Every ``actor_fail``: when, who, where, the error, the root cause, and what followed.

    ``propagated`` is true when the root cause is another actor (a supervisor that gave up);
    ``root_cause`` is null when the actor died with its node. ``restarted_at`` is the time of
    the restart that followed, if any.

    Examples
    --------
    >>> import meshlab as ml
    >>> failures(ml.scenarios.run("ping-pong", seed=1, until=1.0)).height
    0
    """
    lc = trace.events.filter(_kind(*_LIFECYCLE)).with_columns(
        next_kind=pl.col("kind").shift(-1).over("actor"),
        next_t=pl.col("t").shift(-1).over("actor"),
    )
    return lc.filter(_kind("actor_fail")).select(
        "t",
        "seq",
        "actor",
        "node",
        "incarnation",
        error="reason",
        root_cause="peer",
        propagated=pl.col("peer").is_not_null() & (pl.col("peer") != pl.col("actor")),
        restarted_at=pl.when(pl.col("next_kind") == "actor_restart").then("next_t"),
    )


def restarts(trace: Trace) -> pl.DataFrame:
    """Restart chains: one row per restart, numbered per actor, with what it recovered from.

    Columns: actor, attempt (1, 2, ... per actor), incarnation (the new one), ended_at (the
    failure or shutdown it recovers from), cause (``fail`` or ``shutdown``), error,
    restarted_at, gap (restarted_at - ended_at), backoff (the wait the supervisor chose),
    from_node, to_node, strategy. Widening gaps are a crash loop under backoff.

    Examples
    --------
    >>> import meshlab as ml
    >>> restarts(ml.scenarios.run("ping-pong", seed=1, until=1.0)).columns[:3]
    ['actor', 'attempt', 'incarnation']
    """
    lc = trace.events.filter(_kind(*_LIFECYCLE)).with_columns(
        prev_kind=pl.col("kind").shift(1).over("actor").cast(pl.String),
        prev_t=pl.col("t").shift(1).over("actor"),
        prev_node=pl.col("node").shift(1).over("actor"),
        prev_reason=pl.col("reason").shift(1).over("actor"),
    )
    return (
        lc.filter(_kind("actor_restart"))
        .select(
            "actor",
            attempt=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("actor"),
            incarnation="incarnation",
            ended_at="prev_t",
            cause=pl.col("prev_kind").replace_strict(
                {"actor_fail": "fail", "actor_stop": "shutdown"}, default=None
            ),
            error=pl.when(pl.col("prev_kind") == "actor_fail").then("prev_reason"),
            restarted_at="t",
            gap=pl.col("t") - pl.col("prev_t"),
            backoff="duration",
            from_node="prev_node",
            to_node="node",
            strategy="reason",
        )
        .sort("actor", "attempt", maintain_order=True)
    )


def latency(trace: Trace, *, by: Literal["msg_type"] | None = None) -> pl.DataFrame:
    """Percentiles of delivery (receive t - send t), queueing and handling time, in seconds.

    One row per metric (``delivery``, ``queueing``: handler start - receive, ``handling``: the
    handler's processing time, from ``msg_handle`` or ``handler_end``; a handler still running
    has none yet), per message type with ``by="msg_type"``. Timers an actor set
    for itself are left out of delivery (their delay is the actor's choice, not the network's).
    Columns: [msg_type], metric, count, mean, p50, p95, p99, max.

    Examples
    --------
    >>> import meshlab as ml
    >>> lat = latency(ml.scenarios.run("ping-pong", seed=1, until=1.0))
    >>> lat["metric"].to_list()
    ['delivery', 'queueing', 'handling']
    """
    if by not in (None, "msg_type"):
        raise ValueError(f"latency(by=...) must be None or 'msg_type', not {by!r}")
    ev = trace.events
    m = messages(trace).filter(~pl.col("timer") & pl.col("received_at").is_not_null())
    # both forms of a handler: a msg_handle, or a handler_start and its handler_end
    handles = handlers(trace).select("msg_id", "msg_type", t="started_at", took="duration")
    first_recv = ev.filter(_kind("msg_recv")).group_by("msg_id").agg(recv_t=pl.col("t").min())
    samples = pl.concat(
        [
            m.select(
                "msg_type",
                metric=pl.lit("delivery"),
                value=pl.col("received_at") - pl.col("sent_at"),
            ),
            handles.join(first_recv, on="msg_id", how="inner").select(
                "msg_type", metric=pl.lit("queueing"), value=pl.col("t") - pl.col("recv_t")
            ),
            handles.select("msg_type", metric=pl.lit("handling"), value="took"),
        ]
    ).drop_nulls("value")
    keys = ["msg_type", "metric"] if by else ["metric"]
    order = pl.col("metric").replace_strict(
        {"delivery": 0, "queueing": 1, "handling": 2}, return_dtype=pl.UInt8
    )
    v = pl.col("value")
    out = samples.group_by(keys).agg(
        count=pl.len().cast(pl.UInt64),
        mean=v.mean(),
        p50=v.quantile(0.5, interpolation="linear"),
        p95=v.quantile(0.95, interpolation="linear"),
        p99=v.quantile(0.99, interpolation="linear"),
        max=v.max(),
    )
    if not by:
        # every metric gets a row, with count 0 when the trace has no such samples
        out = (
            pl.DataFrame({"metric": ["delivery", "queueing", "handling"]})
            .join(out, on="metric", how="left")
            .with_columns(pl.col("count").fill_null(0))
        )
    return out.sort([*(["msg_type"] if by else []), order])


def handlers(trace: Trace) -> pl.DataFrame:
    """One row per handler run, whichever form recorded it: a ``msg_handle`` (start and
    duration in one row), or a ``handler_start`` joined with its ``handler_end``.

    Columns: actor, node, incarnation, msg_id, msg_type, sender, started_at, ended_at and
    duration (null while it runs), outcome (``ok``, ``error: <text>``, or null when the source
    did not say), running (no end yet), seq (of the start). In start order; built once per
    trace and cached.

    Examples
    --------
    >>> import meshlab as ml
    >>> handlers(ml.scenarios.run("ping-pong", seed=1, until=1.0)).columns[:4]
    ['actor', 'node', 'incarnation', 'msg_id']
    """
    return trace.cached("handlers", _build_handlers)


def _build_handlers(ev: pl.DataFrame) -> pl.DataFrame:
    cols = ("actor", "node", "incarnation", "msg_id", "msg_type")
    one = ev.filter(_kind("msg_handle")).select(
        *cols,
        sender="peer",
        started_at="t",
        ended_at=pl.col("t") + pl.col("duration").fill_null(0.0),
        duration="duration",
        outcome="reason",
        running=pl.lit(False),
        seq="seq",
    )
    ends = ev.filter(_kind("handler_end")).select(
        "actor", "msg_id", end_t="t", took="duration", outcome="reason"
    )
    two = (
        ev.filter(_kind("handler_start"))
        .join(ends.unique(["actor", "msg_id"], keep="first"), on=["actor", "msg_id"], how="left")
        .select(
            *cols,
            sender="peer",
            started_at="t",
            ended_at=pl.when(pl.col("took").is_not_null()).then(pl.col("t") + pl.col("took")),
            duration="took",
            outcome="outcome",
            running=pl.col("end_t").is_null(),
            seq="seq",
        )
    )
    return (
        pl.concat([one, two])
        .sort("started_at", "seq")
        .select(
            *cols,
            "sender",
            "started_at",
            "ended_at",
            "duration",
            "outcome",
            running=pl.col("ended_at").is_null(),
            seq="seq",
        )
    )


def attrs(trace: Trace) -> pl.DataFrame:
    """Every key/value an ``attrs`` event published: t, seq, node, actor (null for the node's
    own), key, value (the value as JSON text: ``"leader"``, ``3``, ``true``; ``null`` when the
    event removed the key). In (t, seq) order; ``state_at(t)`` gives the merged latest.

    Examples
    --------
    >>> import meshlab as ml
    >>> attrs(ml.scenarios.run("ping-pong", seed=1, until=1.0)).columns
    ['t', 'seq', 'node', 'actor', 'key', 'value']
    """
    return trace.cached("attrs", _build_attrs)


def _build_attrs(ev: pl.DataFrame) -> pl.DataFrame:
    out: dict[str, list] = {k: [] for k in ("t", "seq", "node", "actor", "key", "value")}
    rows = ev.filter(_kind("attrs")).sort("t", "seq")
    for t, seq, node, actor, reason in rows.select(
        "t", "seq", "node", "actor", "reason"
    ).iter_rows():
        for key, value in parse_attrs(reason).items():
            for name, v in zip(out, (t, seq, node, actor, key, json.dumps(value)), strict=True):
                out[name].append(v)
    return pl.DataFrame(
        out,
        schema={
            "t": pl.Float64,
            "seq": pl.UInt64,
            "node": pl.String,
            "actor": pl.String,
            "key": pl.String,
            "value": pl.String,
        },
    )


def flight_recorder(
    trace: Trace, actor: str, *, t: float | None = None, n: int = 20
) -> pl.DataFrame:
    """What ``actor`` went through up to ``t``: about ``n`` rows of the events touching it (as
    the actor or as the peer), oldest first, spread over time so that they explain ``t``.

    Two things keep one busy instant from filling the window. A fan-out folds: events in a row
    at one instant that differ only in their peer (a ``lead`` sent to four peers, four
    ``discarded`` drops) are one row whose ``peer`` names them all and whose ``count`` says how
    many (``count`` is 1 elsewhere; ``msg_id`` and ``seq`` are the first one's). And the last
    instant up to ``t`` (what happened *at* ``t``) gives at most half the rows, its first ones;
    the rest are the events before it, which are what explains it. An actor that never
    appears in the trace is an error naming some that do.

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> actor = trace.events["actor"].drop_nulls()[0]
    >>> flight_recorder(trace, actor, n=3).height
    3
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"flight_recorder needs n >= 0, not {n!r}")
    ev = trace.events
    touching = ev.filter((pl.col("actor") == actor) | (pl.col("peer") == actor))
    if touching.height == 0:
        known = ev["actor"].drop_nulls().unique(maintain_order=True).head(8).to_list()
        raise ValueError(
            f"no actor {actor!r} in this trace; actors include: {', '.join(known) or 'none'}"
        )
    if t is not None:
        touching = touching.filter(pl.col("t") <= t)
    rows = _fold_fan_out(touching)
    if rows.height <= n or n == 0:
        return rows.tail(n)
    last = rows["t"][-1]
    now = rows.filter(pl.col("t") == last)
    keep_now = min(now.height, max(1, n // 2))
    before = rows.filter(pl.col("t") < last).tail(n - keep_now)
    return pl.concat([before, now.tail(n - before.height)])


# What must be equal for events in a row at one instant to fold into one (all but the peer).
_FOLD_KEY = ("t", "kind", "actor", "node", "incarnation", "msg_type", "reason")


def _fold_fan_out(rows: pl.DataFrame) -> pl.DataFrame:
    """Consecutive rows equal in :data:`_FOLD_KEY`, as one row: peers joined, ``count``."""
    key = [pl.col(c) for c in _FOLD_KEY if c in rows.columns]
    same = pl.all_horizontal(k.eq_missing(k.shift()) for k in key).fill_null(False)
    grouped = rows.with_columns(_run=(~same).cast(pl.UInt32).cum_sum())
    peers = pl.col("peer").drop_nulls().unique(maintain_order=True).str.join(", ")
    return (
        grouped.group_by("_run", maintain_order=True)
        .agg(
            pl.all().exclude("_run", "peer").first(),
            pl.when(pl.len() > 1).then(peers).otherwise(pl.col("peer").first()).alias("peer"),
            pl.len().cast(pl.UInt32).alias("count"),
        )
        .select(*rows.columns, "count")
    )
