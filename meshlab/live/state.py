"""Running state of a stream, folded batch by batch: what metrics, introspection and
``meshlab attach`` report about a node *now*.

Message events are counted with vectorised group-bys (they are most of a stream); only the
rare lifecycle events are folded row by row.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np
import polars as pl

from meshlab.events import ACTOR_KINDS, NODE_KINDS, parse_attrs

HANDLER_BUCKETS: tuple[float, ...] = (
    0.0001,
    0.0005,
    0.001,
    0.005,
    0.01,
    0.05,
    0.1,
    0.5,
    1.0,
    5.0,
)
"""Upper bounds (seconds) of the handler-duration histogram; +Inf is implied."""

OUTCOMES = {
    "msg_send": "sent",
    "msg_recv": "received",
    "msg_handle": "handled",
    "msg_drop": "dropped",
}

_LIFECYCLE = sorted(ACTOR_KINDS | NODE_KINDS)
_HANDLERS = ["handler_start", "handler_end"]
_INTERNAL = ("busy_until", "handle_key", "life_key", "lc_key", "open", "early_ends", "attr_keys")
Key = tuple[float, int]
"""(t, seq): the fold order of one event (docs/contract.md, "One rule for time")."""


class StateTracker:
    """Fold events into current node and actor state plus the counters metrics expose.

    Examples
    --------
    >>> import polars as pl
    >>> from meshlab.events import conform
    >>> tracker = StateTracker()
    >>> tracker.update(conform(pl.DataFrame({
    ...     "seq": [0, 1], "t": [0.0, 0.1], "kind": ["node_join", "actor_spawn"],
    ...     "node": ["n0", "n0"], "actor": [None, "a"], "incarnation": [0, 0],
    ...     "parent": [None, None], "peer": [None, None], "msg_id": [None, None],
    ...     "msg_type": [None, "Worker"], "size": [None, None], "reason": [None, None],
    ...     "duration": [None, None]})))
    >>> tracker.nodes, tracker.actor("a")["status"]
    ({'n0': 'up'}, 'idle')
    """

    def __init__(self, *, recent: int = 20, hung_after: float = 5.0) -> None:
        self.hung_after = hung_after
        self.nodes: dict[str, str] = {}
        self.node_keys: dict[str, Key] = {}
        self.node_attrs: dict[str, dict[str, tuple[Key, Any]]] = {}
        self._early_ends: dict[str, dict[str, Any]] = {}  # actor -> its end, before its spawn
        self.actors: dict[str, dict[str, Any]] = {}
        self.events_by_kind: dict[str, int] = {}
        self.messages: dict[tuple[str, str], int] = {}  # (node, outcome) -> count
        self.drops: dict[tuple[str, str], int] = {}  # (node, reason) -> count
        self.restarts: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.handler_buckets: dict[str, np.ndarray] = {}  # msg_type -> non-cumulative counts
        self.handler_sum: dict[str, float] = {}
        self.recent_failures: deque[dict[str, Any]] = deque(maxlen=recent)
        self.now = 0.0
        self.events = 0

    # folding -----------------------------------------------------------------------------
    def update(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        self.events += df.height
        self.now = max(self.now, float(df["t"].max()))  # type: ignore[arg-type]
        kind = pl.col("kind").cast(pl.String)
        # One rule for time (docs/contract.md): a batch is folded in (t, seq) order, so a
        # merged stream whose times are out of order in seq folds as a sorted one would.
        # Across batches, every "latest" (a node's state, an actor's life, its last handler,
        # each attribute) keeps the (t, seq) of the event that set it and yields only to a
        # later one, so an event that arrives late changes only what it would have changed
        # in order; counts do not depend on order.
        framed = df.with_columns(kind_s=kind).sort("t", "seq", maintain_order=True)
        for k, n in framed.group_by("kind_s").len().iter_rows():
            self.events_by_kind[k] = self.events_by_kind.get(k, 0) + n
        # Lifecycle events are rare and folded one by one; the message events between two of
        # them are folded together.
        lifecycle = framed.with_row_index("_row").filter(pl.col("kind_s").is_in(_LIFECYCLE))
        start = 0
        for row in lifecycle.iter_rows(named=True):
            self._message_run(framed, start, row["_row"])
            self._lifecycle(row)
            start = row["_row"] + 1
        self._message_run(framed, start, framed.height)

    def _message_run(self, framed: pl.DataFrame, start: int, stop: int) -> None:
        if stop > start:
            run = framed.slice(start, stop - start)
            msgs = run.filter(pl.col("kind_s").is_in([*OUTCOMES, *_HANDLERS]))
            if msgs.height:
                self._messages(msgs.with_columns(in_life=self._in_life(msgs)))
            attrs = run.filter(pl.col("kind_s") == "attrs")
            for row in attrs.iter_rows(named=True):
                self._attrs(row)

    def _in_life(self, msgs: pl.DataFrame) -> pl.Series:
        """Per row: does it fall in its actor's current life (after the life's start, and
        before its end if it has ended)?"""
        lives = [
            (a, *info["life_key"], *info["lc_key"], info["status"] == "alive")
            for a, info in self.actors.items()
        ]
        if not lives:
            return pl.Series("in_life", [False] * msgs.height)
        table = pl.DataFrame(
            lives,
            schema={
                "actor": pl.String,
                "lt": pl.Float64,
                "ls": pl.Int64,
                "et": pl.Float64,
                "es": pl.Int64,
                "alive": pl.Boolean,
            },
            orient="row",
        )
        t, seq = pl.col("t"), pl.col("seq").cast(pl.Int64)
        after_start = (t > pl.col("lt")) | ((t == pl.col("lt")) & (seq > pl.col("ls")))
        before_end = (t < pl.col("et")) | ((t == pl.col("et")) & (seq < pl.col("es")))
        return (
            msgs.select("actor", "t", "seq")
            .join(table, on="actor", how="left", maintain_order="left")
            .select(in_life=(after_start & (pl.col("alive") | before_end)).fill_null(False))
            .to_series()
        )

    def _messages(self, msgs: pl.DataFrame) -> None:
        counted = msgs.filter(pl.col("kind_s").is_in(list(OUTCOMES)))
        for node, k, n in counted.group_by("node", "kind_s").len().iter_rows():
            key = (node, OUTCOMES[k])
            self.messages[key] = self.messages.get(key, 0) + n
        drops = msgs.filter(pl.col("kind_s") == "msg_drop")
        for node, reason, n in drops.group_by("node", "reason").len().iter_rows():
            key = (node, reason or "unknown")
            self.drops[key] = self.drops.get(key, 0) + n
        # mailbox depth: +1 on arrival, -1 when a handler starts on it or it is discarded
        in_life = pl.col("in_life")
        delta = msgs.select(
            "actor",
            d=pl.when((pl.col("kind_s") == "msg_recv") & in_life)
            .then(1)
            .when(
                (pl.col("kind_s").is_in(["msg_handle", "handler_start"]) & in_life)
                | ((pl.col("kind_s") == "msg_drop") & (pl.col("reason") == "discarded"))
            )
            .then(-1)
            .otherwise(0),
        ).filter(pl.col("d") != 0)
        for actor, d in delta.group_by("actor").agg(pl.col("d").sum()).iter_rows():
            info = self.actors.get(actor)
            # a message received or handled outside the actor's life changes nothing; a
            # discarded drop (after the actor stopped) still empties its mailbox
            if info is not None:
                info["mailbox"] = max(0, info["mailbox"] + d)
        handled = msgs.filter(pl.col("kind_s").is_in(["msg_handle", "handler_start"]) & in_life)
        if handled.height:
            self._handled(handled)
        two_rows = msgs.filter(pl.col("kind_s").is_in(_HANDLERS) & in_life)
        if two_rows.height:
            self._handler_rows(two_rows.select("actor", "kind_s", "msg_id", "t", "duration"))
        # durations are known on a msg_handle, or on a handler's end
        ended = msgs.filter(pl.col("kind_s").is_in(["msg_handle", "handler_end"]) & in_life)
        if ended.height:
            self._durations(ended)

    def _handled(self, handled: pl.DataFrame) -> None:
        """Handlers that started (either form): counts, and the latest one per actor."""
        one_row = pl.col("kind_s") == "msg_handle"
        per_actor = handled.group_by("actor").agg(
            n=pl.len(),
            # the latest handler decides, as in the trace's fold (handlers do not overlap)
            last=pl.col("msg_type").last(),
            t=pl.col("t").last(),
            seq=pl.col("seq").last(),
            until=pl.when(one_row)
            .then(pl.col("t") + pl.col("duration").fill_null(0.0))
            .otherwise(float("-inf"))
            .last(),
        )
        for actor, n, last, t, seq, until in per_actor.iter_rows():
            info = self.actors[actor]
            info["processed"] += n
            if (t, seq) > info["handle_key"]:
                info["handle_key"] = (t, seq)
                info["last_handler"] = last
                info["busy_until"] = until

    def _handler_rows(self, rows: pl.DataFrame) -> None:
        """Handlers in two rows, folded in order. Each (actor, msg_id) is independent of the
        others, and a start followed by its end in the same batch changes nothing unless that
        actor already holds the msg_id open or ended early: those pairs (almost all rows) are
        dropped together, and only the rest is folded row by row."""
        held = [
            (actor, mid)
            for actor in rows["actor"].unique().to_list()
            for mid in (*self.actors[actor]["open"], *self.actors[actor]["early_ends"])
        ]
        pairs = (
            rows.filter(pl.col("msg_id").is_not_null())
            .group_by("actor", "msg_id")
            .agg(n=pl.len(), first=pl.col("kind_s").first(), last=pl.col("kind_s").last())
            .filter(
                (pl.col("n") == 2)
                & (pl.col("first") == "handler_start")
                & (pl.col("last") == "handler_end")
            )
            .select("actor", "msg_id")
        )
        if held:
            known = pl.DataFrame(held, schema=pairs.schema, orient="row")
            pairs = pairs.join(known, on=["actor", "msg_id"], how="anti")
        rest = rows.join(pairs, on=["actor", "msg_id"], how="anti", maintain_order="left")
        for actor, kind, mid, t, duration in rest.iter_rows():
            self._handler_row(self.actors[actor], kind, mid, t, duration)

    def _handler_row(
        self, info: dict[str, Any], kind: str, mid: int, t: float, duration: float | None
    ) -> None:
        """A handler in two rows: open on its start, closed on its end (whichever arrives
        first: a late start whose end is already here opens nothing)."""
        if kind == "handler_start":
            if mid in info["early_ends"]:
                info["early_ends"].discard(mid)
            else:
                info["open"][mid] = t
        elif info["open"].pop(mid, None) is None:
            info["early_ends"].add(mid)

    def _durations(self, ended: pl.DataFrame) -> None:
        per_actor = ended.group_by("actor").agg(busy=pl.col("duration").fill_null(0.0).sum())
        for actor, busy in per_actor.iter_rows():
            self.actors[actor]["processing_time"] += busy
        edges = np.asarray(HANDLER_BUCKETS)
        timed = ended.filter(pl.col("duration").is_not_null())
        for (msg_type,), part in timed.group_by("msg_type"):
            name = msg_type or "unknown"
            durations = part["duration"].to_numpy()
            counts = np.bincount(
                np.searchsorted(edges, durations, side="left"), minlength=len(edges) + 1
            )
            self.handler_buckets[name] = self.handler_buckets.get(name, 0) + counts
            self.handler_sum[name] = self.handler_sum.get(name, 0.0) + float(durations.sum())

    def _attrs(self, row: dict[str, Any]) -> None:
        key: Key = (row["t"], row["seq"])
        if row["actor"] is None:
            store = self.node_attrs.setdefault(row["node"], {})
        else:
            info = self.actors.get(row["actor"])
            if info is None or key <= info["life_key"]:
                return  # published outside a life it still has: nothing to show
            store = info["attr_keys"]
        for name, value in parse_attrs(row["reason"]).items():
            if name not in store or store[name][0] <= key:
                store[name] = (key, value)

    def _lifecycle(self, row: dict[str, Any], *, counted: bool = False) -> None:
        """Fold one node or actor lifecycle event; ``counted`` when it is an end that arrived
        before its actor's spawn and is applied now (its counts are already in)."""
        kind, node = row["kind_s"], row["node"]
        key: Key = (row["t"], row["seq"])
        if kind in NODE_KINDS:
            if key >= self.node_keys.get(node, (-math.inf, -1)):
                self.node_keys[node] = key
                self.nodes[node] = {
                    "node_down": "down",
                    "node_leave": "left",
                    "node_state": row["reason"] or "up",
                }.get(kind, "up")
            return
        old = self.actors.get(row["actor"])
        if old is not None and key < old["lc_key"]:
            # an earlier lifecycle event arriving after a later one: count it, change nothing
            if kind == "actor_restart":
                old["restarts"] += 1
                self.restarts[node] = self.restarts.get(node, 0) + 1
            elif kind == "actor_fail":
                self.failures[node] = self.failures.get(node, 0) + 1
            return
        if kind in ("actor_spawn", "actor_restart"):
            old = old or {}
            self.actors[row["actor"]] = {
                "actor": row["actor"],
                "node": node,
                "status": "alive",
                "incarnation": row["incarnation"],
                "parent": row["parent"],
                "class": row["msg_type"],
                "system": row["reason"] == "system" or old.get("system", False),
                "mailbox": 0,
                "processed": old.get("processed", 0),
                "last_handler": old.get("last_handler"),
                "processing_time": old.get("processing_time", 0.0),
                "busy_until": float("-inf"),
                "restarts": old.get("restarts", -1) + 1,
                "failure": None,
                "handle_key": (-math.inf, -1),
                "life_key": key,
                "lc_key": key,
                "open": {},  # msg_id -> start t of handlers started and not yet ended
                "early_ends": set(),  # msg_ids whose end arrived before their start
                "attr_keys": {},  # attrs of this life: name -> ((t, seq), value)
            }
            if kind == "actor_restart":
                self.restarts[node] = self.restarts.get(node, 0) + 1
            # an end of this life that arrived before its start (merged streams) applies now
            pending = self._early_ends.pop(row["actor"], None)
            if pending is not None and (pending["t"], pending["seq"]) > key:
                self._lifecycle(pending, counted=True)
        elif row["actor"] not in self.actors and not counted:
            # an end of an actor not spawned yet: keep the latest, for when its spawn arrives
            held = self._early_ends.get(row["actor"])
            if held is None or (held["t"], held["seq"]) < key:
                self._early_ends[row["actor"]] = row
            if kind == "actor_fail":
                self._count_failure(row)
        elif kind == "actor_stop":
            info = self.actors.get(row["actor"])
            if info is not None:
                info["status"] = "stopped"
                info["lc_key"] = key
        elif kind == "actor_fail":
            failure = self._count_failure(row) if not counted else _failure(row)
            info = self.actors[row["actor"]]
            info["status"] = "failed"
            info["failure"] = failure
            info["lc_key"] = key

    def _count_failure(self, row: dict[str, Any]) -> dict[str, Any]:
        node = row["node"]
        self.failures[node] = self.failures.get(node, 0) + 1
        failure = _failure(row)
        self.recent_failures.append({"actor": row["actor"], "node": node, **failure})
        return failure

    # reading -----------------------------------------------------------------------------
    def busy_since(self, info: dict[str, Any]) -> float | None:
        """When the handler running now started (either form), or None."""
        if info["status"] != "alive":
            return None
        starts = list(info["open"].values())
        if info["busy_until"] > self.now:
            starts.append(info["handle_key"][0])
        return min(starts) if starts else None

    def status(self, info: dict[str, Any]) -> str:
        """``idle``/``busy`` for a live actor (a handler running at ``now``), else as stored."""
        if info["status"] != "alive":
            return info["status"]
        return "idle" if self.busy_since(info) is None else "busy"

    def actor(self, actor_id: str) -> dict[str, Any] | None:
        """The introspection of one actor now, or None if the stream never named it.

        Besides its life and counts: ``busy_since`` (start of the running handler, or None),
        ``hung`` (busy for longer than ``hung_after`` seconds) and ``attrs`` (what its current
        life published, merged).
        """
        info = self.actors.get(actor_id)
        if info is None:
            return None
        out = {k: v for k, v in info.items() if k not in _INTERNAL}
        out["status"] = self.status(info)
        since = self.busy_since(info)
        out["busy_since"] = since
        out["hung"] = since is not None and self.now - since > self.hung_after
        out["attrs"] = _merged(info["attr_keys"])
        return out

    def node(self, node: str) -> dict[str, Any] | None:
        """A node's state now and the actors placed on it."""
        if node not in self.nodes:
            return None
        actors = [a for a, info in self.actors.items() if info["node"] == node]
        return {
            "node": node,
            "state": self.nodes[node],
            "actors": sorted(actors),
            "attrs": _merged(self.node_attrs.get(node, {})),
        }

    def actors_by_status(self) -> dict[tuple[str, str], int]:
        """(node, status) -> number of actors."""
        out: dict[tuple[str, str], int] = {}
        for info in self.actors.values():
            key = (info["node"], self.status(info))
            out[key] = out.get(key, 0) + 1
        return out

    def mailboxes(self) -> dict[str, tuple[int, int]]:
        """node -> (messages waiting in its actors' mailboxes, the deepest mailbox)."""
        out: dict[str, tuple[int, int]] = {}
        for info in self.actors.values():
            if info["status"] != "alive":
                continue
            total, deepest = out.get(info["node"], (0, 0))
            out[info["node"]] = (total + info["mailbox"], max(deepest, info["mailbox"]))
        return out


def _failure(row: dict[str, Any]) -> dict[str, Any]:
    root = row["peer"]
    return {
        "error": row["reason"],
        "root_cause": root,
        "propagated": root is not None and root != row["actor"],
        "t": row["t"],
    }


def _merged(store: dict[str, tuple[Key, Any]]) -> dict[str, Any]:
    """The latest value of each attribute, without the ones removed (set to null)."""
    return {name: value for name, (_, value) in store.items() if value is not None}
