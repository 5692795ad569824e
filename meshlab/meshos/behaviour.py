"""What a MeshOS-run mesh is doing at a time, folded from its trace alone.

``behaviour_at(trace, t)`` answers the operator's questions at any instant: which actions run
and which wait, what failed lately, where each blob stands against its desired count, how
hot each node is, the RTT map, each node's maintenance state and each daemon's status, and how
stable placement has been. The engine's events are picked out of the trace once (kept with
``trace.cached``) and sorted by time, so each call is a binary search and small folds over the
rows before ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import polars as pl

from meshlab.meshos.kinds import MESHOS_KINDS

if TYPE_CHECKING:
    from meshlab.trace.core import Trace

_PLACEMENTS: Final = ("pull_replica", "migrate_blob", "start_instance", "start_daemon")
_ENGINE_KINDS: Final = (*MESHOS_KINDS, "node_state", "node_down", "node_up", "node_join")
_MAINTENANCE_OF: Final = {"up": "active", "cordon": "cordoned"}


@dataclass(frozen=True)
class Behaviour:
    """The engine's picture at time ``t``; every field is a polars DataFrame.

    - ``actions``: running and pending actions (id, action, node, target, src, cause, since,
      status = ``running`` or ``pending``);
    - ``failures``: actions that failed and actors that crashed in the last ``window`` seconds;
    - ``drift``: per blob, desired and actual replica counts, copies in flight, and ``drift``
      (desired − actual);
    - ``nodes``: per node, liveness, maintenance state and heat (actions touching it);
    - ``rtt``: the latest RTT sample per pair of nodes;
    - ``daemons``: per daemon actor, its node and status at ``t``;
    - ``stability``: placements started per node in the last ``window`` seconds.
    """

    t: float
    actions: pl.DataFrame
    failures: pl.DataFrame
    drift: pl.DataFrame
    nodes: pl.DataFrame
    rtt: pl.DataFrame
    daemons: pl.DataFrame
    stability: pl.DataFrame


def behaviour_at(trace: Trace, t: float, *, window: float = 30.0) -> Behaviour:
    """The behaviour snapshot of a MeshOS trace at ``t``.

    Examples
    --------
    >>> import meshlab as ml
    >>> from meshlab.meshos import Blob, DesiredState, MeshOS, behaviour_at
    >>> mesh = ml.Mesh(seed=1, nodes=3)
    >>> MeshOS(mesh, DesiredState(blobs=(Blob("b", replicas=2),))).announce_blob("b", node="n0")
    >>> mesh.run(until=5.0)
    >>> behaviour_at(mesh.trace, 5.0).drift.select("blob", "desired", "actual").row(0)
    ('b', 2, 2)
    """
    if not isinstance(t, int | float) or t != t:
        raise TypeError(f"behaviour_at needs a time in seconds, not {t!r}")
    ev = trace.cached("meshos_events", _engine_events)
    upto = ev.slice(0, int(ev["t"].search_sorted(t, side="right"))) if ev.height else ev
    state = trace.state_at(t)
    desired = (trace.meta.params or {}).get("meshos") or {}
    actions = _actions(upto)
    return Behaviour(
        t=float(t),
        actions=actions,
        failures=_failures(upto, trace, t, window),
        drift=_drift(upto, desired),
        nodes=_nodes(upto, state, actions),
        rtt=_rtt(upto),
        daemons=state.actors.filter(pl.col("class") == "DaemonActor").select(
            "actor", "node", "status", "incarnation", "restarts"
        ),
        stability=upto.filter(
            (pl.col("kind") == "action_start")
            & pl.col("msg_type").is_in(_PLACEMENTS)
            & (pl.col("t") > t - window)
        )
        .group_by("node")
        .agg(placements=pl.len())
        .sort("node"),
    )


def _engine_events(events: pl.DataFrame) -> pl.DataFrame:
    kinds = [k for k in _ENGINE_KINDS if k in events["kind"].dtype.categories]  # type: ignore[attr-defined]
    return (
        events.filter(pl.col("kind").is_in(kinds))
        .with_columns(pl.col("kind").cast(pl.String))
        .sort("t", "seq")
    )


def _actions(ev: pl.DataFrame) -> pl.DataFrame:
    starts = ev.filter(pl.col("kind") == "action_start")
    ended = ev.filter(pl.col("kind") == "action_end")["msg_id"]
    running = starts.filter(~pl.col("msg_id").is_in(ended.implode())).select(
        id=pl.col("msg_id"),
        action=pl.col("msg_type"),
        node="node",
        target=pl.col("parent"),
        src=pl.col("peer"),
        cause=pl.col("reason"),
        since=pl.col("t"),
        status=pl.lit("running"),
    )
    # Pending: what was held back (a copy of a blob, keyed by action and blob) and has not
    # started since it was last held.
    queued = ev.filter(pl.col("kind") == "action_queued")
    last_start = starts.group_by("msg_type", "parent").agg(started=pl.col("t").max())
    pending = (
        queued.group_by("msg_type", "parent")
        .agg(
            since=pl.col("t").min(),
            last=pl.col("t").max(),
            node=pl.col("node").last(),
            reason=pl.col("reason").last(),
        )
        .join(last_start, on=["msg_type", "parent"], how="left", nulls_equal=True)
        .filter(pl.col("started").is_null() | (pl.col("started") < pl.col("last")))
        .select(
            id=pl.lit(None, pl.UInt64),
            action=pl.col("msg_type"),
            node="node",
            target=pl.col("parent"),
            src=pl.lit(None, pl.String),
            cause=pl.col("reason"),
            since="since",
            status=pl.lit("pending"),
        )
    )
    return pl.concat([running, pending]).sort(
        "status", "since", "node", descending=[True, False, False]
    )


def _failures(ev: pl.DataFrame, trace: Trace, t: float, window: float) -> pl.DataFrame:
    failed = ev.filter(
        (pl.col("kind") == "action_end")
        & ~pl.col("reason").is_in(["ok"])
        & (pl.col("t") > t - window)
    ).select("t", what=pl.col("msg_type"), node="node", actor=pl.col("parent"), reason="reason")
    all_ev = trace.events
    crashes = all_ev.filter(
        (pl.col("kind") == "actor_fail") & pl.col("t").is_between(t - window, t, closed="right")
    ).select("t", what=pl.lit("actor_fail"), node="node", actor="actor", reason="reason")
    return pl.concat([failed, crashes]).sort("t")


def _drift(ev: pl.DataFrame, desired: dict) -> pl.DataFrame:
    replicas = (
        ev.filter(pl.col("kind").is_in(["replica_add", "replica_drop"]))
        .group_by("msg_type", "node")
        .agg(held=pl.col("kind").last() == "replica_add")
        .filter("held")
        .group_by(blob=pl.col("msg_type"))
        .agg(actual=pl.len().cast(pl.Int64), holders=pl.col("node").sort())
    )
    starts = ev.filter(
        (pl.col("kind") == "action_start")
        & pl.col("msg_type").is_in(["pull_replica", "migrate_blob"])
    )
    ended = ev.filter(pl.col("kind") == "action_end")["msg_id"]
    in_flight = (
        starts.filter(~pl.col("msg_id").is_in(ended.implode()))
        .group_by(blob=pl.col("parent"))
        .agg(in_flight=pl.len().cast(pl.Int64))
    )
    want = pl.DataFrame(
        {
            "blob": [b["name"] for b in desired.get("blobs", [])],
            "desired": [int(b["replicas"]) for b in desired.get("blobs", [])],
        },
        schema={"blob": pl.String, "desired": pl.Int64},
    )
    return (
        want.join(replicas, on="blob", how="full", coalesce=True)
        .join(in_flight, on="blob", how="left")
        .with_columns(
            pl.col("desired").fill_null(0),
            pl.col("actual").fill_null(0),
            pl.col("in_flight").fill_null(0),
        )
        .with_columns(drift=pl.col("desired") - pl.col("actual"))
        .select("blob", "desired", "actual", "in_flight", "drift", "holders")
        .sort("blob")
    )


def _nodes(ev: pl.DataFrame, state, actions: pl.DataFrame) -> pl.DataFrame:
    running = actions.filter(pl.col("status") == "running")
    touching = pl.concat(
        [
            running.select(node="node"),
            running.filter(pl.col("src").is_not_null()).select(node="src"),
        ]
    )
    heat = touching.group_by("node").agg(heat=pl.len().cast(pl.Int64))
    return (
        state.nodes.select(
            "node",
            up=~pl.col("state").is_in(["down", "left"]),
            maintenance=pl.col("state").replace(_MAINTENANCE_OF),
        )
        .join(heat, on="node", how="left")
        .with_columns(pl.col("heat").fill_null(0))
        .sort("node")
    )


def _rtt(ev: pl.DataFrame) -> pl.DataFrame:
    samples = ev.filter(pl.col("kind") == "rtt_sample")
    return (
        samples.select(
            a=pl.min_horizontal("node", "peer"),
            b=pl.max_horizontal("node", "peer"),
            rtt="duration",
            at="t",
        )
        .group_by("a", "b")
        .agg(pl.col("rtt").last(), pl.col("at").last())
        .sort("a", "b")
    )
