"""The timeline every exporter draws from: tracks, handler slices, message flows, instants and
mailbox counters, derived from a trace's events as small polars frames, one time chunk at a time.

Times are integer nanoseconds (``round(t * 1e9)``) so that every format rounds the same way
and "slices on a track nest" can be checked exactly. A handler is one slice: a ``msg_handle``
row (start and known duration) or a ``handler_start`` / ``handler_end`` pair joined on actor
and ``msg_id``; a handler still running when the trace ends is a slice up to the trace's
end marked ``unfinished``. Handlers of one actor that overlap in time (an async actor runs
several at once) go to extra lanes of that actor, so slices on one track always nest.

A large trace is never derived whole: :func:`stream` cuts it into chunks of about
``chunk_events`` events by time (all events of one nanosecond in the same chunk) and derives
each in turn, carrying from chunk to chunk what a chunk cannot see by itself (each actor's lane
ends and mailbox depth; the trace-wide sets of sent and handled messages and how each
``handler_start`` ended, kept as small columns). A first pass over the chunks finds the tracks
and counter tracks (they are described before use), a second yields the rows. The chunks
together are the timeline :func:`build` derives in one piece, row for row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from meshlab.trace.scalars import number

K = pl.col("kind")
"""The kind column for filters: compared as the contract's Enum, never cast to text (a cast
of the whole column is a transient copy as large as the column)."""
KS = pl.col("kind").cast(pl.String)
"""The kind as text, for selecting it from an already filtered frame."""

ACTOR_INSTANTS = ("actor_spawn", "actor_stop", "actor_fail", "actor_restart", "attrs")
NODE_INSTANTS = ("node_join", "node_leave", "node_down", "node_up", "node_state", "attrs")
LINK_INSTANTS = ("link_down", "link_up")

_NS = 1e9
CHUNK_EVENTS = 200_000
"""Events per time chunk: the rows of one chunk (and its encoded output) are held at once."""


def ns(col: str | pl.Expr) -> pl.Expr:
    """Seconds (f64) to integer nanoseconds."""
    expr = pl.col(col) if isinstance(col, str) else col
    return (expr * _NS).round(0).cast(pl.Int64)


@dataclass(frozen=True)
class Timeline:
    """What the exporters draw (the whole trace, or one time chunk of it).

    ``tracks``: node, actor (null: the node's own track), lane, pid, tid, name.
    ``slices``: pid, tid, lane, start, end (ns), msg_type, msg_id, incarnation, peer, outcome,
    unfinished, flow_in (its message has a send: the end of a flow), seq; ordered by start.
    ``sends``: pid, tid, t (ns), msg_id, msg_type, peer, flow (the message has a handler slice),
    seq. ``instants``: pid, tid (null: process scope), t (ns), name, reason, msg_type, actor.
    ``counters``: pid, actor, t (ns), depth (mailbox depth after the event), seq.
    ``nodes``: node, pid. ``end``: the trace's last time (ns). ``hi``: a chunk holds the rows at
    times before ``hi`` (ns; None: to the end) and after the previous chunk's ``hi``.
    """

    nodes: pl.DataFrame
    tracks: pl.DataFrame
    slices: pl.DataFrame
    sends: pl.DataFrame
    instants: pl.DataFrame
    counters: pl.DataFrame
    end: int
    hi: int | None = None


@dataclass(frozen=True)
class Header:
    """What is known before the first chunk: ``nodes``, ``tracks`` and ``counter_keys`` (pid,
    actor of each mailbox counter track, in the order the counters first appear)."""

    nodes: pl.DataFrame
    tracks: pl.DataFrame
    counter_keys: pl.DataFrame
    end: int


@dataclass(frozen=True)
class _Globals:
    """The trace-wide facts a time chunk cannot see by itself, as small columns: which
    messages were sent and handled (flows), the first handler run of each message (by start,
    then seq), and how each ``handler_start`` ended (its end may lie many chunks later)."""

    sent: pl.Series
    handled: pl.Series
    first: pl.Series
    pairs: pl.DataFrame
    end: int


def _globals(events: pl.DataFrame, end_ns: int) -> _Globals:
    sent = events.select("kind", "msg_id").filter(K == "msg_send")["msg_id"].drop_nulls()
    runs = (
        events.select("kind", "msg_id", "t", "seq")
        .filter(K.is_in(["msg_handle", "handler_start"]) & pl.col("msg_id").is_not_null())
        .select("msg_id", "seq", start=ns("t"))
    )
    handled = runs["msg_id"].unique()
    first = runs.sort("start", "seq").unique("msg_id", keep="first")["seq"]
    del runs
    starts = events.select("kind", "actor", "msg_id", "seq", "t").filter(K == "handler_start")
    ends = (
        events.select("kind", "actor", "msg_id", "t", "duration", "reason")
        .filter(K == "handler_end")
        .select("actor", "msg_id", end_t=pl.col("t"), dur=pl.col("duration"), outcome="reason")
        .unique(subset=["actor", "msg_id"], keep="first", maintain_order=True)
    )
    pairs = starts.join(ends, on=["actor", "msg_id"], how="left", nulls_equal=False).select(
        "seq",
        "outcome",
        unfinished=pl.col("end_t").is_null(),
        end=pl.when(pl.col("dur").is_not_null())
        .then(ns("t") + ns("dur"))
        .when(pl.col("end_t").is_not_null())
        .then(ns("end_t"))
        .otherwise(pl.lit(end_ns, pl.Int64)),
    )
    return _Globals(sent.unique().implode(), handled.implode(), first.implode(), pairs, end_ns)


def handler_slices(events: pl.DataFrame, g: _Globals | None = None) -> pl.DataFrame:
    """One row per handler run: node, actor, incarnation, peer, msg_id, msg_type, start, end (ns),
    outcome (null, ``ok`` or ``error: …``), unfinished, seq; ordered by start. ``events`` may be
    one time chunk when ``g`` (the trace's :class:`_Globals`) says how its handlers end."""
    if g is None:
        end_ns = round(number(events["t"].max()) * _NS) if events.height else 0
        g = _globals(events, end_ns)
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
    paired = starts.join(g.pairs, on="seq", how="left", maintain_order="left")
    both = pl.concat([one_row, paired.select(one_row.columns)])
    return both.with_columns(end=pl.max_horizontal("start", "end")).sort("start", "seq")


def _lanes(slices: pl.DataFrame, carry: dict[tuple, list[int]]) -> np.ndarray:
    """Lane of each slice within its (node, actor): 0 unless it overlaps an earlier one.
    ``carry`` holds each actor's lane ends from earlier chunks and is updated."""
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
    same = same.fill_null(False)
    overlap = (same & (ordered["start"] < ordered["end"].shift(1))).fill_null(False)
    group = (~same).cum_sum() - 1  # the (node, actor) of each row, numbered
    firsts = ordered.filter(~same)
    first_keys = list(zip(firsts["node"].to_list(), firsts["actor"].to_list(), strict=True))
    first_start = firsts["start"].to_list()
    # actors whose slices need lanes: one overlaps another here, or the first overlaps one
    # still running from an earlier chunk (only lane 0 is free when start >= its end)
    busy = set(group.filter(overlap).to_list())
    busy.update(g for g, k in enumerate(first_keys) if k in carry and first_start[g] < carry[k][0])
    # the common case, one handler at a time: lane 0, and the actor's last end carries on
    last_end = ordered.filter(~same.shift(-1, fill_value=False))["end"].to_list()
    for g, k in enumerate(first_keys):
        if g not in busy:
            carry.setdefault(k, [0])[0] = last_end[g]
    if not busy:
        return lanes
    rows = ordered.filter(group.is_in(sorted(busy)))
    # plain lists: indexing a polars Series per row costs a microsecond or more
    idx, node, actor = rows["i"].to_list(), rows["node"].to_list(), rows["actor"].to_list()
    start, end = rows["start"].to_list(), rows["end"].to_list()
    lane_ends: list[int] = []
    key = None
    for j in range(rows.height):
        k = (node[j], actor[j])
        if k != key:
            key, lane_ends = k, carry.setdefault(k, [])
        for lane, busy_until in enumerate(lane_ends):
            if start[j] >= busy_until:
                lane_ends[lane] = end[j]
                lanes[idx[j]] = lane
                break
        else:
            lane_ends.append(end[j])
            lanes[idx[j]] = len(lane_ends) - 1
    return lanes


_DEPTH = {"actor": pl.String, "raw": pl.Int64}


def mailbox_counters(events: pl.DataFrame, carry: list[pl.DataFrame] | None = None) -> pl.DataFrame:
    """Mailbox depth per actor after each change: +1 on ``msg_recv``, -1 when a handler starts
    or a waiting message is discarded, back to 0 when a new life starts (as the fold counts).
    ``carry`` (a one-item list) holds each actor's depth after earlier chunks and is updated."""
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
        delta=pl.when(K == "msg_recv").then(1).when(starts).then(0).otherwise(-1).cast(pl.Int64),
        start=starts,
        earlier=pl.lit(False),
    )
    if carry is not None and carry[0].height:
        # each actor's depth so far enters as a life that began before this chunk
        before = carry[0].select(
            node=pl.lit(None, pl.String),
            actor="actor",
            seq=pl.lit(0, pl.UInt64),
            t=pl.lit(np.iinfo(np.int64).min, pl.Int64),
            delta="raw",
            start=pl.lit(True),
            earlier=pl.lit(True),
        )
        rows = pl.concat([before, rows])
    # Running sums per actor life without hash-grouping: sorted by actor then time, a life
    # begins where the actor changes or a spawn/restart row is; its depth is the running
    # sum minus the sum just before it began. (Grouped window sums of a large trace cost
    # several times the trace in transient memory.)
    rows = rows.sort("actor", "t", "seq")
    begins = (pl.col("actor") != pl.col("actor").shift(1)).fill_null(True) | pl.col("start")
    running = pl.col("delta").cum_sum()
    rows = rows.with_columns(
        raw=running - pl.when(begins).then(running - pl.col("delta")).forward_fill()
    )
    if carry is not None:
        carry[0] = rows.group_by("actor").agg(pl.col("raw").last()).cast(_DEPTH)  # type: ignore[arg-type]
    rows = rows.filter((pl.col("delta") != 0) & ~pl.col("earlier"))
    # one value per actor and time: the depth after everything at that time
    nxt = pl.col("actor").shift(-1), pl.col("t").shift(-1)
    last = (pl.col("actor") != nxt[0]) | (pl.col("t") != nxt[1]) | nxt[1].is_null()
    return (
        rows.filter(last)
        .sort("t", "seq")
        .select("node", "actor", "t", depth=pl.col("raw").clip(0), seq="seq")
    )


class _Chunker:
    """Derives the timeline rows of consecutive time chunks, carrying lanes and depths."""

    def __init__(self, g: _Globals) -> None:
        self.g = g
        self.lanes: dict[tuple, list[int]] = {}
        self.depth = [pl.DataFrame(schema=_DEPTH)]

    def derive(self, events: pl.DataFrame) -> dict[str, pl.DataFrame]:
        g = self.g
        slices = handler_slices(events, g)
        slices = slices.with_columns(
            lane=pl.Series(_lanes(slices, self.lanes), dtype=pl.Int64),
            # a message handled twice (duplication) keeps its flow to the first handler only
            flow_in=pl.col("msg_id").is_in(g.sent)
            & pl.col("seq").is_in(g.first)
            & pl.col("msg_id").is_not_null(),
        )
        sends = events.filter(K == "msg_send").select(
            "node",
            "actor",
            "peer",
            "msg_id",
            "msg_type",
            "seq",
            t=ns("t"),
            lane=pl.lit(0, pl.Int64),
        )
        sends = sends.with_columns(
            flow=pl.col("msg_id").is_in(g.handled) & pl.col("msg_id").is_not_null()
        )
        actor_inst = events.filter(
            K.is_in(ACTOR_INSTANTS) & pl.col("actor").is_not_null()
            | ((K == "msg_drop") & pl.col("actor").is_not_null())
        ).select(
            "node",
            "actor",
            "reason",
            "msg_type",
            "seq",
            t=ns("t"),
            name=KS,
            lane=pl.lit(0, pl.Int64),
            group=pl.lit(0, pl.UInt8),
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
            seq="seq",
            t=ns("t"),
            name=KS,
            lane=pl.lit(None, pl.Int64),
            group=pl.lit(1, pl.UInt8),
        )
        counters = mailbox_counters(events, self.depth)
        return {
            "slices": slices,
            "sends": sends,
            "actor_inst": actor_inst,
            "node_inst": node_inst,
            "counters": counters,
        }


def _used(rows: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(
        [
            rows["slices"].select("node", "actor", "lane"),
            rows["sends"].select("node", "actor", "lane"),
            rows["actor_inst"].select("node", "actor", "lane"),
        ]
    ).unique()


def _tracks(used: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    return (
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


def _place(rows: dict[str, pl.DataFrame], header: Header, hi: int | None) -> Timeline:
    where = header.tracks.select("node", "actor", "lane", "pid", "tid")

    def place(df: pl.DataFrame) -> pl.DataFrame:
        return df.join(
            where, on=["node", "actor", "lane"], how="left", nulls_equal=True, maintain_order="left"
        )

    # placed on their tracks, the rows keep only what the writers draw
    slices = place(rows["slices"]).drop("node", "actor")
    slices = slices.sort("start", "pid", "tid", "seq")
    sends = place(rows["sends"]).drop("node", "actor", "lane").sort("t", "seq")
    instants = pl.concat(
        [
            place(rows["actor_inst"]),
            rows["node_inst"].join(header.nodes, on="node").with_columns(tid=None),
        ],
        how="diagonal_relaxed",
    ).drop("node", "lane")
    instants = instants.sort("t", "group", "seq").drop("group")
    counters = rows["counters"].join(header.nodes, on="node", maintain_order="left")
    return Timeline(header.nodes, header.tracks, slices, sends, instants, counters, header.end, hi)


def _bounds(events: pl.DataFrame, chunk_events: int) -> list[tuple[int | None, int | None]]:
    """Time ranges [lo, hi) in ns of about ``chunk_events`` events each (None: unbounded)."""
    if chunk_events < 1:
        raise ValueError(f"chunk_events must be at least 1, not {chunk_events}")
    if events.height <= chunk_events:
        return [(None, None)]
    edges = sorted(set(_ns_t(events).gather_every(chunk_events)[1:].to_list()))
    los: list[int | None] = [None, *edges]
    his: list[int | None] = [*edges, None]
    return list(zip(los, his, strict=True))


def _ns_t(events: pl.DataFrame) -> pl.Series:
    return events.select(ns("t"))["t"]


def _chunks(events: pl.DataFrame, bounds: list) -> Iterator[tuple[pl.DataFrame, int | None]]:
    if bounds == [(None, None)]:
        yield events, None
        return
    t = _ns_t(events)
    for lo, hi in bounds:
        if lo is None:
            mask = t < hi
        elif hi is None:
            mask = t >= lo
        else:
            mask = (t >= lo) & (t < hi)
        yield events.filter(mask), hi


def stream(
    events: pl.DataFrame, *, chunk_events: int = CHUNK_EVENTS
) -> tuple[Header, Iterator[Timeline]]:
    """The timeline of a contract frame in time chunks: the :class:`Header` (tracks and counter
    tracks of the whole trace) and an iterator of chunk :class:`Timeline` s, in time order."""
    end_ns = round(number(events["t"].max()) * _NS) if events.height else 0
    node_names = sorted(set(events["node"].unique().to_list()))
    nodes = pl.DataFrame(
        {"node": node_names, "pid": list(range(1, len(node_names) + 1))},
        schema={"node": pl.String, "pid": pl.Int64},
    )
    g = _globals(events, end_ns)
    bounds = _bounds(events, chunk_events)

    # first pass: which tracks and counter tracks there are
    chunker = _Chunker(g)
    used = []
    keys: list[tuple] = []
    seen: set[tuple] = set()
    for part, _hi in _chunks(events, bounds):
        rows = chunker.derive(part)
        used.append(_used(rows))
        for key in rows["counters"].select("node", "actor").unique(maintain_order=True).iter_rows():
            if key not in seen:
                seen.add(key)
                keys.append(key)
        del rows, part
    empty = pl.DataFrame(schema={"node": pl.String, "actor": pl.String, "lane": pl.Int64})
    tracks = _tracks(pl.concat([empty, *used]).unique(), nodes)
    counter_keys = (
        pl.DataFrame(keys, schema={"node": pl.String, "actor": pl.String}, orient="row")
        .join(nodes, on="node", maintain_order="left")
        .select("pid", "actor")
    )
    header = Header(nodes, tracks, counter_keys, end_ns)

    def timelines() -> Iterator[Timeline]:
        chunker = _Chunker(g)
        for part, hi in _chunks(events, bounds):
            yield _place(chunker.derive(part), header, hi)

    return header, timelines()


def build(events: pl.DataFrame) -> Timeline:
    """Derive the timeline of a contract frame in one piece (see :class:`Timeline`)."""
    _header, parts = stream(events, chunk_events=max(1, events.height))
    return next(parts)
