"""The state of the mesh at a time: every node and actor, folded from the events.

``state_at(trace, t)`` folds the events with ``t_event <= t`` as ``docs/contract.md`` ("State
at a time") describes. A full fold of a large trace is far too slow for a scrubber, so the
first call builds keyframes, kept with ``trace.cached``: the per-actor fold state after every
``K`` rows. A query starts from the keyframe just before ``t`` and folds only the rows in
between, so its cost does not grow with the length of the trace.

Per actor the fold keeps a handful of numbers that combine associatively (counts, sums, and
"the latest row of some kind"), so a keyframe is the previous keyframe combined with the fold
of one chunk, and every query is one chunk fold and one combine. Attributes such as the
actor's node or its last handler are looked up by row number at the end, only for the rows
that matter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from meshlab.events import KIND_CODE, parse_attrs

if TYPE_CHECKING:
    from meshlab.trace.core import Trace

_LIFE_START = (KIND_CODE["actor_spawn"], KIND_CODE["actor_restart"])
_LIFECYCLE = (*_LIFE_START, KIND_CODE["actor_stop"], KIND_CODE["actor_fail"])
_NODE_STATE = {"node_join": "up", "node_up": "up", "node_down": "down", "node_leave": "left"}
_HANDLE, _START, _END = (KIND_CODE[k] for k in ("msg_handle", "handler_start", "handler_end"))
_STARTS = (_HANDLE, _START)  # a handler starts: one message out of the mailbox
HUNG_AFTER = 5.0
"""Seconds an actor may stay busy in one handler before the fold calls it hung."""
_KEYFRAME_ROWS = 1 << 16
_KEYFRAME_BUDGET = 20_000_000  # keyframes x actors rows kept in memory at most
_NO_ROW = np.iinfo(np.int64).max

NODE_SCHEMA = pl.Schema(
    {
        "node": pl.String,
        "state": pl.String,
        "since": pl.Float64,
        "actors": pl.UInt32,
        "attrs": pl.String,
    }
)
ACTOR_SCHEMA = pl.Schema(
    {
        "actor": pl.String,
        "node": pl.String,
        "status": pl.String,
        "incarnation": pl.UInt32,
        "parent": pl.String,
        "class": pl.String,
        "mailbox_depth": pl.Int64,
        "processed": pl.UInt32,
        "last_handler": pl.String,
        "processing_time": pl.Float64,
        "error": pl.String,
        "root_cause": pl.String,
        "propagated": pl.Boolean,
        "failed_at": pl.Float64,
        "restarts": pl.UInt32,
        "busy_since": pl.Float64,
        "hung": pl.Boolean,
        "attrs": pl.String,
    }
)


@dataclass(frozen=True)
class State:
    """Every node and actor at time ``t``.

    ``nodes``: node, state (``up``, ``down``, ``left`` or a ``node_state`` value; null before
    the node's first node event), since (time of that event), actors (alive actors on it),
    attrs (the properties the node published, merged, as JSON text; null if none).

    ``actors``: one row per actor spawned by ``t``: its node, status (``idle``, ``busy``,
    ``failed``, ``restarting``, ``stopped``), incarnation, parent, class, mailbox depth (in its
    current life), messages processed, last handler and total processing time (over all its
    lives, counting each handler that started by ``t`` in full), and, when its current life
    ended in a crash, the error, root-cause actor, whether the failure was propagated, and
    when it happened; restarts so far; busy_since (when the running handler started, null
    when idle), hung (busy in one handler for more than ``hung_after`` seconds), and attrs
    (the properties its current life published, merged, as JSON text; null if none).

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> state = trace.state_at(0.5)
    >>> state.actors.columns[:3]
    ['actor', 'node', 'status']
    >>> set(state.nodes["state"].to_list())
    {'up'}
    """

    t: float
    nodes: pl.DataFrame
    actors: pl.DataFrame

    def actor(self, actor: str) -> dict[str, Any]:
        """One actor's row as a dict; a clear error if it does not exist at ``t``."""
        row = self.actors.filter(pl.col("actor") == actor)
        if row.height == 0:
            known = ", ".join(self.actors["actor"].head(10).to_list())
            raise KeyError(
                f"no actor {actor!r} at t={self.t}; actors then include: {known or 'none'}"
            )
        return row.row(0, named=True)

    def __repr__(self) -> str:
        counts = self.actors["status"].value_counts().sort("status").rows()
        by_status = ", ".join(f"{s} {n}" for s, n in counts)
        return (
            f"<State t={self.t} nodes={self.nodes.height} actors={self.actors.height}"
            f"{' (' + by_status + ')' if by_status else ''}>"
        )


def state_at(trace: Trace, t: float, *, hung_after: float = HUNG_AFTER) -> State:
    """The state of every node and actor after the events with ``t_event <= t``.

    The first call on a trace builds its keyframes (about a second per 10 million events);
    later calls take milliseconds at any ``t``. An actor busy in one handler for more than
    ``hung_after`` seconds is ``hung``.
    """
    if isinstance(t, bool) or not isinstance(t, int | float | np.floating | np.integer):
        raise TypeError(f"state_at needs a time in seconds (a number), not {type(t).__name__}")
    if t != t:
        raise ValueError("state_at needs a time, not NaN")
    if isinstance(hung_after, bool) or not isinstance(hung_after, int | float) or hung_after < 0:
        raise ValueError(f"hung_after needs a number of seconds >= 0, not {hung_after!r}")
    return trace.cached("fold", FoldIndex).state_at(float(t), hung_after=float(hung_after))


class FoldIndex:
    """The events in fold order, per-actor columns for folding, and the keyframes."""

    def __init__(self, events: pl.DataFrame, *, keyframe_rows: int | None = None) -> None:
        t = events["t"]
        if t.len() > 1 and not t.is_sorted():
            # live traces merge several clocks; the fold goes by time, ties by seq
            events = events.sort(["t", "seq"], maintain_order=True)
        self.events = events
        self.times = events["t"].to_numpy()
        actors = events["actor"].drop_nulls().unique(maintain_order=True)
        self.actor_names = actors
        kind = events["kind"].to_physical().cast(pl.Int8)
        self.n_actors = actors.len()
        self.slim = self._slim(events, kind, actors)
        self.s_row = self.slim["row"].to_numpy().astype(np.int64)
        self.s_a = self.slim["a"].to_numpy().astype(np.int64)
        self.s_k = self.slim["k"].to_numpy()
        self.s_delta = self.slim["delta"].to_numpy().astype(np.float64)
        self.s_dur = self.slim["dur"].to_numpy()
        self.two_rows = bool(np.isin(self.s_k, (_START, _END)).any())  # any handler_start/end
        self.attrs = _attrs_table(events)
        self.lifecycle_next_restart = self._next_restart(kind)
        self.nodes = self._node_events(events)
        n_actors = max(actors.len(), 1)
        self.k = keyframe_rows or max(
            _KEYFRAME_ROWS, -(-events.height * n_actors // _KEYFRAME_BUDGET)
        )
        self.keyframes = self._build_keyframes()

    @staticmethod
    def _slim(events: pl.DataFrame, kind: pl.Series, actors: pl.Series) -> pl.DataFrame:
        """The rows that change an actor's fold state, with integer codes only."""
        k = pl.col("k")
        recv, drop = KIND_CODE["msg_recv"], KIND_CODE["msg_drop"]
        msgs = [recv, _HANDLE, _START, _END]
        discarded = (k == drop) & (pl.col("reason") == "discarded")
        return (
            events.select(
                row=pl.int_range(pl.len(), dtype=pl.UInt32),
                a=pl.col("actor").cast(pl.Enum(actors.to_list())).to_physical().cast(pl.UInt32),
                k=pl.lit(kind),
                dur=pl.col("duration"),
                reason=pl.col("reason"),
            )
            .filter((k.is_in([*_LIFECYCLE, *msgs]) | discarded) & pl.col("a").is_not_null())
            # a message received or handled outside the actor's life (before its spawn, after
            # its stop or crash, until its restart) changes nothing (docs/contract.md)
            .filter(~k.is_in(msgs) | _alive().over("a").fill_null(False))
            .select(
                "row",
                "a",
                "k",
                # processing time: known at the start of a msg_handle, at a handler's end
                dur=pl.when(k.is_in([_HANDLE, _END]))
                .then(pl.col("dur").fill_null(0.0))
                .otherwise(0.0),
                delta=pl.when(k == recv)
                .then(1)
                .when(k.is_in(_STARTS) | discarded)
                .then(-1)
                .otherwise(0)
                .cast(pl.Int32),
            )
        )

    def _next_restart(self, kind: pl.Series) -> pl.DataFrame:
        """Per lifecycle row: does the actor's next lifecycle event restart it?"""
        lc = self.slim.filter(pl.col("k").is_in(_LIFECYCLE))
        return lc.select(
            "row",
            next_restart=(pl.col("k").shift(-1).over("a") == KIND_CODE["actor_restart"]).fill_null(
                False
            ),
        )

    @staticmethod
    def _node_events(events: pl.DataFrame) -> pl.DataFrame:
        first_seen = (
            events.select(row=pl.int_range(pl.len(), dtype=pl.UInt32), node="node")
            .group_by("node", maintain_order=True)
            .agg(first=pl.col("row").min())
        )
        changes = (
            events.with_row_index("row")
            .filter(pl.col("kind").cast(pl.String).is_in([*_NODE_STATE, "node_state"]))
            .select(
                "row",
                "node",
                since="t",
                state=pl.col("kind")
                .cast(pl.String)
                .replace_strict(_NODE_STATE, default=None)
                .fill_null(pl.col("reason")),
            )
        )
        return first_seen.join(changes, on="node", how="left").sort("first", "row")

    # ---- folding --------------------------------------------------------------------------

    def _fold_chunk(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """Fold slim rows ``lo:hi`` into dense per-actor arrays (index = actor code)."""
        n = self.n_actors
        a, k, row = self.s_a[lo:hi], self.s_k[lo:hi], self.s_row[lo:hi]
        delta, dur = self.s_delta[lo:hi], self.s_dur[lo:hi]
        life, lc = np.isin(k, _LIFE_START), np.isin(k, _LIFECYCLE)
        handle = np.isin(k, _STARTS)
        life_row = _last_row(a[life], row[life], n)
        lc_row = _last_row(a[lc], row[lc], n)
        first_row = np.full(n, _NO_ROW, np.int64)
        np.minimum.at(first_row, a[lc], row[lc])
        in_life = row > life_row[a]  # rows after the latest life start (all, if none)
        return {
            **self._fold_two_rows(a, k, row, in_life),
            "life_row": life_row,
            "lc_row": lc_row,
            "first_row": first_row,
            "depth_total": np.bincount(a, weights=delta, minlength=n).astype(np.int64),
            "depth_life": np.bincount(a[in_life], weights=delta[in_life], minlength=n).astype(
                np.int64
            ),
            "processed": np.bincount(a[handle], minlength=n),
            "ptime": np.bincount(a, weights=dur, minlength=n),
            "handle_row": _last_row(a[handle], row[handle], n),
            "restarts": np.bincount(a[k == KIND_CODE["actor_restart"]], minlength=n),
        }

    def _fold_two_rows(
        self, a: np.ndarray, k: np.ndarray, row: np.ndarray, in_life: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Handlers in two rows: the latest start, and how many run (in all, in the life)."""
        n = self.n_actors
        if not self.two_rows:  # the simulator's traces: nothing to count
            zeros = np.zeros(n, np.int64)
            return {"start_row": np.full(n, -1, np.int64), "open_total": zeros, "open_life": zeros}
        start, end = k == _START, k == _END
        opened = start.astype(np.int64) - end.astype(np.int64)  # handlers running: +1, -1
        return {
            "start_row": _last_row(a[start], row[start], n),
            "open_total": np.bincount(a, weights=opened, minlength=n).astype(np.int64),
            "open_life": np.bincount(a[in_life], weights=opened[in_life], minlength=n).astype(
                np.int64
            ),
        }

    @staticmethod
    def _combine(
        prev: dict[str, np.ndarray], chunk: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        began = chunk["life_row"] >= 0
        return {
            "life_row": np.where(began, chunk["life_row"], prev["life_row"]),
            "lc_row": np.maximum(chunk["lc_row"], prev["lc_row"]),
            "first_row": np.minimum(chunk["first_row"], prev["first_row"]),
            # a life that starts inside the chunk resets the mailbox count
            "depth": np.where(began, chunk["depth_life"], prev["depth"] + chunk["depth_total"]),
            "processed": prev["processed"] + chunk["processed"],
            "ptime": prev["ptime"] + chunk["ptime"],
            "handle_row": np.maximum(chunk["handle_row"], prev["handle_row"]),
            "start_row": np.maximum(chunk["start_row"], prev["start_row"]),
            # like the mailbox: handlers still running in the current life
            "open": np.where(began, chunk["open_life"], prev["open"] + chunk["open_total"]),
            "restarts": prev["restarts"] + chunk["restarts"],
        }

    def _slim_range(self, start: int, stop: int) -> tuple[int, int]:
        lo, hi = np.searchsorted(self.s_row, [start, stop], side="left")
        return int(lo), int(hi)

    def _empty_fold(self) -> dict[str, np.ndarray]:
        n = self.n_actors
        none = np.full(n, -1, np.int64)
        return {
            "life_row": none,
            "lc_row": none,
            "first_row": np.full(n, _NO_ROW, np.int64),
            "depth": np.zeros(n, np.int64),
            "processed": np.zeros(n, np.int64),
            "ptime": np.zeros(n, np.float64),
            "handle_row": none,
            "start_row": none,
            "open": np.zeros(n, np.int64),
            "restarts": np.zeros(n, np.int64),
        }

    def _build_keyframes(self) -> list[dict[str, np.ndarray]]:
        frames = [self._empty_fold()]
        for start in range(0, self.events.height - self.k + 1, self.k):
            chunk = self._fold_chunk(*self._slim_range(start, start + self.k))
            frames.append(self._combine(frames[-1], chunk))
        return frames

    # ---- query ----------------------------------------------------------------------------

    def state_at(self, t: float, *, hung_after: float = HUNG_AFTER) -> State:
        cut = int(np.searchsorted(self.times, t, side="right"))
        base = cut // self.k
        dense = self._combine(
            self.keyframes[base], self._fold_chunk(*self._slim_range(base * self.k, cut))
        )
        seen = np.flatnonzero(dense["lc_row"] >= 0)
        seen = seen[np.argsort(dense["first_row"][seen], kind="stable")]
        rows = {
            name: dense[name][seen] for name in ("life_row", "lc_row", "handle_row", "start_row")
        }
        fold = pl.DataFrame(
            {
                "a": seen.astype(np.uint32),
                **{
                    name: pl.Series(v.astype(np.uint32)).set(pl.Series(v < 0), None)
                    for name, v in rows.items()
                },
                "first_row": dense["first_row"][seen],
                "depth": dense["depth"][seen],
                "processed": dense["processed"][seen].astype(np.uint32),
                "ptime": dense["ptime"][seen],
                "restarts": dense["restarts"][seen].astype(np.uint32),
                "open": dense["open"][seen],
            }
        )
        actors = self._finish_actors(fold, t, cut, hung_after)
        return State(t=t, nodes=self._finish_nodes(cut, actors), actors=actors)

    def _finish_actors(
        self, fold: pl.DataFrame, t: float, cut: int, hung_after: float
    ) -> pl.DataFrame:
        if fold.height == 0:
            return pl.DataFrame(schema=ACTOR_SCHEMA)
        fold = fold.sort("first_row")
        ev = self.events
        lc = ev[fold["lc_row"]]
        life = ev[fold["life_row"]]
        hrow = fold["handle_row"]
        has_handle = hrow.is_not_null()
        handle = ev[hrow.fill_null(0)]
        nxt = (
            fold.select("lc_row")
            .join(self.lifecycle_next_restart, left_on="lc_row", right_on="row", how="left")
            .get_column("next_restart")
        )
        kind = lc["kind"].cast(pl.String)
        life_row = fold["life_row"].cast(pl.Int64).fill_null(-1)
        in_life = has_handle.to_numpy() & (hrow.fill_null(0) > life_row).to_numpy()
        one_row = in_life & (handle["kind"].cast(pl.String) == "msg_handle").to_numpy()
        # a msg_handle runs from t to t + duration; a handler_start until its handler_end
        ends = (handle["t"] + handle["duration"].fill_null(0.0)).to_numpy()
        since_one = np.where(one_row & (ends > t), handle["t"].to_numpy(), np.nan)
        srow = fold["start_row"]
        started = self.events["t"].gather(srow.fill_null(0)).to_numpy()
        open_now = (
            (fold["open"].to_numpy() > 0)
            & srow.is_not_null().to_numpy()
            & (srow.fill_null(0) > life_row).to_numpy()
        )
        since_two = np.where(open_now, started, np.nan)
        busy_since = pl.Series(np.fmin(since_one, since_two)).fill_nan(None)
        attrs = self._actor_attrs(fold, cut)
        frame = pl.DataFrame(
            {
                "actor": self.actor_names.gather(fold["a"]),
                "node": lc["node"],
                "kind": kind,
                "reason": lc["reason"],
                "peer": lc["peer"],
                "lc_t": lc["t"],
                "next_restart": nxt,
                "busy": busy_since.is_not_null(),
                "busy_since": busy_since,
                "attrs": attrs,
                "incarnation": lc["incarnation"],
                "parent": life["parent"],
                "class": life["msg_type"],
                "mailbox_depth": fold["depth"].cast(pl.Int64),
                "processed": fold["processed"],
                "last_handler": handle["msg_type"].set(~has_handle, None),
                "processing_time": fold["ptime"],
                "restarts": fold["restarts"],
            }
        )
        failed = pl.col("kind") == "actor_fail"
        return frame.select(
            "actor",
            "node",
            status=pl.when(pl.col("kind").is_in(["actor_spawn", "actor_restart"]))
            .then(pl.when("busy").then(pl.lit("busy")).otherwise(pl.lit("idle")))
            .when(failed)
            .then(pl.when("next_restart").then(pl.lit("restarting")).otherwise(pl.lit("failed")))
            .when((pl.col("reason") == "shutdown") & pl.col("next_restart"))
            .then(pl.lit("restarting"))
            .otherwise(pl.lit("stopped")),
            incarnation="incarnation",
            parent="parent",
            **{"class": "class"},
            mailbox_depth="mailbox_depth",
            processed="processed",
            last_handler="last_handler",
            processing_time="processing_time",
            error=pl.when(failed).then("reason"),
            root_cause=pl.when(failed).then("peer"),
            propagated=pl.when(failed).then(
                pl.col("peer").is_not_null() & (pl.col("peer") != pl.col("actor"))
            ),
            failed_at=pl.when(failed).then("lc_t"),
            restarts="restarts",
            busy_since=pl.when(pl.col("kind").is_in(["actor_spawn", "actor_restart"])).then(
                "busy_since"
            ),
            hung=pl.col("kind").is_in(["actor_spawn", "actor_restart"])
            & (pl.lit(t) - pl.col("busy_since") > hung_after).fill_null(False),
            attrs="attrs",
        ).cast(ACTOR_SCHEMA)

    def _actor_attrs(self, fold: pl.DataFrame, cut: int) -> pl.Series:
        """Per actor of ``fold``, the attrs its current life published before ``cut``."""
        table = self.attrs.filter(pl.col("row") < cut, pl.col("a").is_not_null())
        if table.height == 0:
            return pl.Series("attrs", [None] * fold.height, dtype=pl.String)
        code = pl.Enum(self.actor_names.to_list())
        lives = fold.select(a=pl.col("a").cast(pl.UInt32), life_row=pl.col("life_row"))
        table = (
            table.with_columns(a=pl.col("a").cast(code).to_physical().cast(pl.UInt32))
            .join(lives, on="a")
            .filter(pl.col("row") > pl.col("life_row").cast(pl.Int64).fill_null(-1))
        )
        merged = _merge(table, "a")
        return fold.select(a=pl.col("a").cast(pl.UInt32)).join(merged, on="a", how="left")["attrs"]

    def _finish_nodes(self, cut: int, actors: pl.DataFrame) -> pl.DataFrame:
        seen = self.nodes.filter(pl.col("first") < cut)
        latest = (
            seen.filter(pl.col("row").is_null() | (pl.col("row") < cut))
            .group_by("node", maintain_order=True)
            .agg(pl.col("state").last(), pl.col("since").last(), pl.col("first").first())
        )
        # a node whose only node events lie after the cut is still listed, with no state yet
        nodes = (
            seen.group_by("node", maintain_order=True)
            .agg(pl.col("first").first())
            .join(latest.drop("first"), on="node", how="left")
        )
        alive = (
            actors.filter(pl.col("status").is_in(["idle", "busy"]))
            .group_by("node")
            .agg(actors=pl.len().cast(pl.UInt32))
        )
        nodes = nodes.join(alive, on="node", how="left")
        if self.attrs.height:
            published = self.attrs.filter(pl.col("row") < cut, pl.col("a").is_null())
            nodes = nodes.join(_merge(published, "node"), on="node", how="left")
        else:
            nodes = nodes.with_columns(attrs=pl.lit(None, pl.String))
        return (
            nodes.sort("first")
            .select("node", "state", "since", actors=pl.col("actors").fill_null(0), attrs="attrs")
            .cast(NODE_SCHEMA)
        )


def _attrs_table(events: pl.DataFrame) -> pl.DataFrame:
    """Every key an ``attrs`` event set, one row each: row (fold order), actor (null for a
    node's own), node, key, and the value as JSON text (``null`` removes the key)."""
    rows = events.with_row_index("row").filter(pl.col("kind").cast(pl.String) == "attrs")
    out: dict[str, list[Any]] = {"row": [], "a": [], "node": [], "key": [], "value": []}
    for row, actor, node, reason in rows.select("row", "actor", "node", "reason").iter_rows():
        for key, value in parse_attrs(reason).items():
            out["row"].append(row)
            out["a"].append(actor)
            out["node"].append(node)
            out["key"].append(key)
            out["value"].append(json.dumps(value))
    schema = {"row": pl.Int64, "a": pl.String, "node": pl.String, "key": pl.String}
    return pl.DataFrame(out, schema={**schema, "value": pl.String})


def _merge(table: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per ``by``, the latest value of each key (dropping keys set to null) as a JSON object."""
    if table.height == 0:
        return pl.DataFrame(schema={by: table.schema[by], "attrs": pl.String})
    latest = table.sort("row").group_by(by, "key", maintain_order=True).agg(pl.col("value").last())
    merged: dict[Any, dict[str, Any]] = {}
    for owner, key, value in latest.iter_rows():
        obj = merged.setdefault(owner, {})
        if value != "null":
            obj[key] = json.loads(value)
    return pl.DataFrame(
        {
            by: list(merged),
            "attrs": [json.dumps(v, separators=(",", ":")) if v else None for v in merged.values()],
        },
        schema={by: table.schema[by], "attrs": pl.String},
    )


def _alive() -> pl.Expr:
    """Per row (in fold order, within an actor): is the actor's latest lifecycle event so far a
    spawn or restart? Null before its first."""
    k = pl.col("k")
    return pl.when(k.is_in(_LIFECYCLE)).then(k.is_in(_LIFE_START)).forward_fill()


def _last_row(codes: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Per actor, the largest of ``rows`` (-1 where the actor has none)."""
    out = np.full(n, -1, np.int64)
    np.maximum.at(out, codes, rows)
    return out
