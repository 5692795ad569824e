"""The timeline every exporter draws from: tracks, handler slices, message flows, instants and
mailbox counters, derived once from a trace's events as small polars frames.

Times are integer nanoseconds (``round(t * 1e9)``) so that every format rounds the same way
and "slices on a track nest" can be checked exactly. A handler is one slice: a ``msg_handle``
row (start and known duration) or a ``handler_start`` / ``handler_end`` pair joined on actor
and ``msg_id``; a handler still running when the trace ends is a slice up to the trace's
end marked ``unfinished``. Handlers of one actor that overlap in time (an async actor runs
several at once) go to extra lanes of that actor, so slices on one track always nest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

K = pl.col("kind")
"""The kind column for filters: compared as the contract's Enum, never cast to text (a cast
of the whole column is a transient copy as large as the column)."""
KS = pl.col("kind").cast(pl.String)
"""The kind as text, for selecting it from an already filtered frame."""

ACTOR_INSTANTS = ("actor_spawn", "actor_stop", "actor_fail", "actor_restart", "attrs")
NODE_INSTANTS = ("node_join", "node_leave", "node_down", "node_up", "node_state", "attrs")
LINK_INSTANTS = ("link_down", "link_up")

_NS = 1e9


def ns(col: str | pl.Expr) -> pl.Expr:
    """Seconds (f64) to integer nanoseconds."""
    expr = pl.col(col) if isinstance(col, str) else col
    return (expr * _NS).round(0).cast(pl.Int64)


@dataclass(frozen=True)
class Timeline:
    """What the exporters draw.

    ``tracks``: node, actor (null: the node's own track), lane, pid, tid, name.
    ``slices``: pid, tid, lane, start, end (ns), msg_type, msg_id, incarnation, peer, outcome,
    unfinished, flow_in (its message has a send: the end of a flow).
    ``sends``: pid, tid, t (ns), msg_id, msg_type, peer, flow (the message has a handler slice).
    ``instants``: pid, tid (null: process scope), t (ns), name, reason, actor.
    ``counters``: pid, actor, t (ns), depth (mailbox depth after the event).
    ``nodes``: node, pid. ``end``: the trace's last time (ns).
    """

    nodes: pl.DataFrame
    tracks: pl.DataFrame
    slices: pl.DataFrame
    sends: pl.DataFrame
    instants: pl.DataFrame
    counters: pl.DataFrame
    end: int


def handler_slices(events: pl.DataFrame) -> pl.DataFrame:
    """One row per handler run: node, actor, incarnation, peer, msg_id, msg_type, start, end (ns),
    outcome (null, ``ok`` or ``error: …``), unfinished; ordered by start."""
    end_ns = round(float(events["t"].max()) * _NS) if events.height else 0
    cols = ["node", "actor", "incarnation", "peer", "msg_id", "msg_type"]
    one_row = events.filter(K == "msg_handle").select(
        *cols,
        start=ns("t"),
        end=ns(pl.col("t") + pl.col("duration").fill_null(0.0)),
        outcome=pl.col("reason"),
        unfinished=pl.lit(False),
        seq=pl.col("seq"),
    )
    starts = events.filter(K == "handler_start").select(*cols, start=ns("t"), seq="seq")
    ends = (
        events.filter(K == "handler_end")
        .select("actor", "msg_id", end_t=pl.col("t"), dur=pl.col("duration"), outcome="reason")
        .unique(subset=["actor", "msg_id"], keep="first", maintain_order=True)
    )
    paired = starts.join(ends, on=["actor", "msg_id"], how="left", nulls_equal=False)
    paired = paired.with_columns(
        unfinished=pl.col("end_t").is_null(),
        end=pl.when(pl.col("dur").is_not_null())
        .then(pl.col("start") + ns("dur"))
        .when(pl.col("end_t").is_not_null())
        .then(ns("end_t"))
        .otherwise(pl.lit(end_ns, pl.Int64)),
    ).select(one_row.columns)
    both = pl.concat([one_row, paired]).with_columns(end=pl.max_horizontal("start", "end"))
    return both.sort("start", "seq").drop("seq")


def _lanes(slices: pl.DataFrame) -> np.ndarray:
    """Lane of each slice within its (node, actor): 0 unless it overlaps an earlier one."""
    lanes = np.zeros(slices.height, dtype=np.int64)
    if slices.height == 0:
        return lanes
    ordered = (
        slices.select("node", "actor", "start", "end")
        .with_row_index("i")
        .sort("node", "actor", "start", "i")
    )
    same = (ordered["node"] == ordered["node"].shift(1)) & (
        ordered["actor"] == ordered["actor"].shift(1)
    )
    prev_end = ordered["end"].shift(1)
    overlap = (same & (ordered["start"] < prev_end)).fill_null(False)
    if not overlap.any():  # the common case: one handler at a time per actor
        return lanes
    idx, node, actor = ordered["i"].to_numpy(), ordered["node"], ordered["actor"]
    start, end = ordered["start"].to_numpy(), ordered["end"].to_numpy()
    lane_ends: list[int] = []
    key = None
    for j in range(ordered.height):
        k = (node[j], actor[j])
        if k != key:
            key, lane_ends = k, []
        for lane, busy_until in enumerate(lane_ends):
            if start[j] >= busy_until:
                lane_ends[lane] = int(end[j])
                lanes[idx[j]] = lane
                break
        else:
            lane_ends.append(int(end[j]))
            lanes[idx[j]] = len(lane_ends) - 1
    return lanes


def mailbox_counters(events: pl.DataFrame) -> pl.DataFrame:
    """Mailbox depth per actor after each change: +1 on ``msg_recv``, -1 when a handler starts
    or a waiting message is discarded, back to 0 when a new life starts (as the fold counts)."""
    starts = K.is_in(["actor_spawn", "actor_restart"])
    rows = events.filter(
        K.is_in(["msg_recv", "msg_handle", "handler_start"])
        | starts
        | ((K == "msg_drop") & (pl.col("reason") == "discarded"))
    ).select(
        "node",
        "actor",
        "seq",
        t=ns("t"),
        delta=pl.when(K == "msg_recv").then(1).when(starts).then(0).otherwise(-1).cast(pl.Int32),
        start=starts,
    )
    # Running sums per actor life without hash-grouping: sorted by actor then time, a life
    # begins where the actor changes or a spawn/restart row is; its depth is the running
    # sum minus the sum just before it began. (Grouped window sums of a large trace cost
    # several times the trace in transient memory.)
    rows = rows.sort("actor", "t", "seq")
    begins = (pl.col("actor") != pl.col("actor").shift(1)).fill_null(True) | pl.col("start")
    running = pl.col("delta").cum_sum()
    rows = rows.with_columns(
        depth=(running - pl.when(begins).then(running - pl.col("delta")).forward_fill()).clip(0)
    )
    rows = rows.filter(pl.col("delta") != 0)
    # one value per actor and time: the depth after everything at that time
    nxt = pl.col("actor").shift(-1), pl.col("t").shift(-1)
    last = (pl.col("actor") != nxt[0]) | (pl.col("t") != nxt[1]) | nxt[1].is_null()
    return rows.filter(last).sort("t", "seq").select("node", "actor", "t", "depth")


def build(events: pl.DataFrame) -> Timeline:
    """Derive the timeline of a contract frame (see :class:`Timeline`)."""
    end_ns = round(float(events["t"].max()) * _NS) if events.height else 0
    slices = handler_slices(events)
    slices = slices.with_columns(lane=pl.Series(_lanes(slices), dtype=pl.Int64))

    sends = events.filter(K == "msg_send").select(
        "node", "actor", "peer", "msg_id", "msg_type", t=ns("t"), lane=pl.lit(0, pl.Int64)
    )
    handled = slices.select("msg_id").drop_nulls().unique()
    sends = sends.with_columns(
        flow=pl.col("msg_id").is_in(handled["msg_id"].implode()) & pl.col("msg_id").is_not_null()
    )
    # a message handled twice (duplication) keeps its flow to the first handler only
    slices = slices.with_columns(
        flow_in=pl.col("msg_id").is_in(sends["msg_id"].implode())
        & (pl.int_range(pl.len()).over("msg_id") == 0)
        & pl.col("msg_id").is_not_null()
    )

    actor_inst = events.filter(
        K.is_in(ACTOR_INSTANTS) & pl.col("actor").is_not_null()
        | ((K == "msg_drop") & pl.col("actor").is_not_null())
    ).select(
        "node",
        "actor",
        "reason",
        "msg_type",
        t=ns("t"),
        name=KS,
        lane=pl.lit(0, pl.Int64),
    )
    node_inst = events.filter(
        (K.is_in(NODE_INSTANTS) & pl.col("actor").is_null())
        | K.is_in(LINK_INSTANTS)
        | ((K == "msg_drop") & pl.col("actor").is_null())
    ).select(
        "node",
        actor=pl.lit(None, pl.String),
        reason=pl.when(K.is_in(LINK_INSTANTS))
        .then(pl.concat_str(pl.lit("peer "), pl.col("peer")))
        .otherwise(pl.col("reason")),
        msg_type="msg_type",
        t=ns("t"),
        name=KS,
        lane=pl.lit(None, pl.Int64),
    )
    counters = mailbox_counters(events)

    node_names = sorted(set(events["node"].unique().to_list()))
    nodes = pl.DataFrame(
        {"node": node_names, "pid": list(range(1, len(node_names) + 1))},
        schema={"node": pl.String, "pid": pl.Int64},
    )
    used = pl.concat(
        [
            slices.select("node", "actor", "lane"),
            sends.filter(pl.col("actor").is_not_null()).select("node", "actor", "lane"),
            actor_inst.select("node", "actor", "lane"),
            sends.filter(pl.col("actor").is_null()).select("node", "actor", "lane"),
        ]
    ).unique()
    tracks = (
        used.join(nodes, on="node")
        .sort("pid", "actor", "lane", nulls_last=False)
        .with_columns(
            tid=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
            name=pl.when(pl.col("actor").is_null())
            .then(pl.concat_str(pl.lit("("), pl.col("node"), pl.lit(")")))
            .when(pl.col("lane") == 0)
            .then(pl.col("actor"))
            .otherwise(pl.format("{} [{}]", pl.col("actor"), pl.col("lane"))),
        )
    )

    def place(df: pl.DataFrame) -> pl.DataFrame:
        return df.join(
            tracks.select("node", "actor", "lane", "pid", "tid"),
            on=["node", "actor", "lane"],
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )

    # placed on their tracks, the rows keep only what the writers draw (the timeline of a
    # large trace is held while it is written)
    slices = place(slices).drop("node", "actor").sort("start", "pid", "tid", maintain_order=True)
    sends = place(sends).drop("node", "actor", "lane").sort("t", maintain_order=True)
    instants = pl.concat(
        [place(actor_inst), node_inst.join(nodes, on="node").with_columns(tid=None)],
        how="diagonal_relaxed",
    ).drop("node", "lane")
    instants = instants.sort("t", maintain_order=True)
    counters = counters.join(nodes, on="node", maintain_order="left")
    return Timeline(nodes, tracks, slices, sends, instants, counters, end_ns)
