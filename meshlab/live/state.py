"""Running state of a stream, folded batch by batch: what metrics, introspection and
``meshlab attach`` report about a node *now*.

Message events are counted with vectorised group-bys (they are most of a stream); only the
rare lifecycle events are folded row by row.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import polars as pl

from meshlab.events import ACTOR_KINDS, NODE_KINDS

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

    def __init__(self, *, recent: int = 20) -> None:
        self.nodes: dict[str, str] = {}
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
            msgs = framed.slice(start, stop - start).filter(pl.col("kind_s").is_in(list(OUTCOMES)))
            if msgs.height:
                self._messages(msgs)

    def _messages(self, msgs: pl.DataFrame) -> None:
        for node, k, n in msgs.group_by("node", "kind_s").len().iter_rows():
            key = (node, OUTCOMES[k])
            self.messages[key] = self.messages.get(key, 0) + n
        drops = msgs.filter(pl.col("kind_s") == "msg_drop")
        for node, reason, n in drops.group_by("node", "reason").len().iter_rows():
            key = (node, reason or "unknown")
            self.drops[key] = self.drops.get(key, 0) + n
        # mailbox depth: +1 on arrival, -1 when handled or discarded from the mailbox
        alive = [a for a, info in self.actors.items() if info["status"] == "alive"]
        in_life = pl.col("actor").is_in(alive)
        delta = msgs.select(
            "actor",
            d=pl.when((pl.col("kind_s") == "msg_recv") & in_life)
            .then(1)
            .when(
                ((pl.col("kind_s") == "msg_handle") & in_life)
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
        handled = msgs.filter((pl.col("kind_s") == "msg_handle") & in_life)
        if handled.height:
            self._handled(handled)

    def _handled(self, handled: pl.DataFrame) -> None:
        per_actor = handled.group_by("actor").agg(
            n=pl.len(),
            busy=pl.col("duration").fill_null(0.0).sum(),
            last=pl.col("msg_type").last(),
            # the latest handler decides, as in the trace's fold (handlers do not overlap)
            until=(pl.col("t") + pl.col("duration").fill_null(0.0)).last(),
        )
        for actor, n, busy, last, until in per_actor.iter_rows():
            info = self.actors.get(actor)
            if info is None:
                continue
            info["processed"] += n
            info["processing_time"] += busy
            info["last_handler"] = last
            info["busy_until"] = until
        edges = np.asarray(HANDLER_BUCKETS)
        timed = handled.filter(pl.col("duration").is_not_null())
        for (msg_type,), part in timed.group_by("msg_type"):
            name = msg_type or "unknown"
            durations = part["duration"].to_numpy()
            counts = np.bincount(
                np.searchsorted(edges, durations, side="left"), minlength=len(edges) + 1
            )
            self.handler_buckets[name] = self.handler_buckets.get(name, 0) + counts
            self.handler_sum[name] = self.handler_sum.get(name, 0.0) + float(durations.sum())

    def _lifecycle(self, row: dict[str, Any]) -> None:
        kind, node = row["kind_s"], row["node"]
        if kind in ("node_join", "node_up"):
            self.nodes[node] = "up"
        elif kind == "node_down":
            self.nodes[node] = "down"
        elif kind == "node_leave":
            self.nodes[node] = "left"
        elif kind == "node_state":
            self.nodes[node] = row["reason"] or "up"
        elif kind in ("actor_spawn", "actor_restart"):
            old = self.actors.get(row["actor"], {})
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
                "busy_until": 0.0,
                "restarts": old.get("restarts", -1) + 1,
                "failure": None,
            }
            if kind == "actor_restart":
                self.restarts[node] = self.restarts.get(node, 0) + 1
        elif kind == "actor_stop":
            info = self.actors.get(row["actor"])
            if info is not None:
                info["status"] = "stopped"
        elif kind == "actor_fail":
            self.failures[node] = self.failures.get(node, 0) + 1
            root = row["peer"]
            failure = {
                "error": row["reason"],
                "root_cause": root,
                "propagated": root is not None and root != row["actor"],
                "t": row["t"],
            }
            info = self.actors.get(row["actor"])
            if info is not None:
                info["status"] = "failed"
                info["failure"] = failure
            self.recent_failures.append({"actor": row["actor"], "node": node, **failure})

    # reading -----------------------------------------------------------------------------
    def status(self, info: dict[str, Any]) -> str:
        """``idle``/``busy`` for a live actor (a handler running at ``now``), else as stored."""
        if info["status"] != "alive":
            return info["status"]
        return "busy" if info["busy_until"] > self.now else "idle"

    def actor(self, actor_id: str) -> dict[str, Any] | None:
        """The introspection of one actor now, or None if the stream never named it."""
        info = self.actors.get(actor_id)
        if info is None:
            return None
        out = {k: v for k, v in info.items() if k != "busy_until"}
        out["status"] = self.status(info)
        return out

    def node(self, node: str) -> dict[str, Any] | None:
        """A node's state now and the actors placed on it."""
        if node not in self.nodes:
            return None
        actors = [a for a, info in self.actors.items() if info["node"] == node]
        return {"node": node, "state": self.nodes[node], "actors": sorted(actors)}

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
