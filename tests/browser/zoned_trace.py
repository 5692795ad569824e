"""A trace of many nodes with the trouble a person opens the topology view to find: actors that
failed and stay failed, a node down, a node in maintenance and a group of nodes cut off from the
rest. Used by the zone tests (and to look at the canvas by hand)."""

from __future__ import annotations

import polars as pl

from meshlab.canvas.synthetic import synthetic_trace
from meshlab.trace.core import Trace

T_MAINT, T_DOWN, T_CUT = 8.0, 12.0, 14.0


def zoned_trace(
    *, actors: int, nodes: int, seed: int = 2, cut: int = 0, meshos: bool = False
) -> Trace:
    """``actors`` workers on ``nodes`` nodes over 30 s; after t = 14 node n{nodes//3} is down,
    n{nodes//2} in maintenance, a dozen actors failed for good, and with ``cut`` the last
    ``cut`` nodes are partitioned from the rest. With ``meshos`` a MeshOS engine's rows too: a
    copy of the maintained node's blob pulled to its neighbour from t = 18 to 24, so the deck
    draws its outline, heat badges and the copy in transit."""
    base = synthetic_trace(
        actors=actors, nodes=nodes, messages=6_000, span=30.0, failures=24, seed=seed
    )
    ev = base.events
    kind = pl.col("kind").cast(pl.String)
    # half the crashed workers are never restarted: they stay failed
    restarts = ev.filter(kind == "actor_restart")["actor"].to_list()
    keep_failed = set(restarts[::2])
    ev = ev.filter(~((kind == "actor_restart") & pl.col("actor").is_in(list(keep_failed))))
    names = list(base.meta.nodes)
    rows = [
        {"t": T_MAINT, "kind": "node_state", "node": names[nodes // 2], "reason": "maintenance"},
        {"t": T_DOWN, "kind": "node_down", "node": names[nodes // 3], "reason": "crash"},
    ]
    if meshos:
        src, dst = names[nodes // 2], names[nodes // 2 + 1]
        copy = {"msg_type": "pull_replica", "msg_id": 1, "node": dst}
        rows += [
            {"t": 0.0, "kind": "replica_add", "node": src, "msg_type": "model", "reason": "seed"},
            {"t": 18.0, "kind": "action_start", **copy, "parent": "model", "peer": src},
            {"t": 24.0, "kind": "action_end", **copy, "reason": "ok", "duration": 6.0},
        ]
    side = names[nodes - cut :] if cut else []
    for a in side:
        for b in names[: nodes - cut]:
            rows.append(
                {"t": T_CUT, "kind": "link_down", "node": a, "peer": b, "reason": "partition"}
            )
    extra = pl.DataFrame(rows).with_columns(
        pl.col("t").cast(pl.Float64),
        pl.col("kind").cast(ev.schema["kind"]),
        pl.col("node").cast(ev.schema["node"]),
        incarnation=pl.lit(0, ev.schema["incarnation"]),
    )
    events = (
        pl.concat([ev, extra], how="diagonal_relaxed")
        .with_row_index("_order")
        .sort(["t", "_order"])
        .drop("_order")
        .with_columns(seq=pl.int_range(pl.len(), dtype=pl.UInt64))
        .select(ev.columns)
    )
    events = events.cast(ev.schema)  # type: ignore[arg-type]
    return Trace(events, base.meta)
