"""What a MeshOS-run mesh is doing at a time, folded from its trace alone.

``behaviour_at(trace, t)`` answers the operator's questions at any instant: which actions run
and which wait, what failed lately, where each blob stands against its desired count, how
hot each node is, the RTT map, each node's maintenance state and each daemon's status, and how
stable placement has been.

Fast at any ``t``: the engine's events are indexed once per trace (kept with ``trace.cached``)
as intervals, each row with the time its effect ends — a copy held until its next add or drop
on that node, an action running until its end, an RTT sample current until the pair's next
one — sorted by start. A call is then a binary search for the rows begun by ``t`` and one
filter for those still in effect, plus ``state_at(t)`` (itself keyframed) for nodes and
daemons; nothing is folded from the start of the trace.
"""

from __future__ import annotations

import math
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
    - ``nodes``: per node, liveness, maintenance state, heat (actions touching it) and load
      (the highest load its running daemons report: 1.0 is at capacity; 0 when none does);
    - ``rtt``: the latest RTT sample per pair of nodes (``timeout``: it got no reply, and
      ``rtt`` is the time waited);
    - ``daemons``: per daemon actor, its node, status and reported load at ``t``;
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
    ix = trace.cached("meshos_index", _Index.build)
    state = trace.state_at(t)
    desired = (trace.meta.params or {}).get("meshos") or {}
    running = _open(ix.actions, "since", t)
    daemons = state.actors.filter(pl.col("class") == "DaemonActor").select(
        "actor",
        "node",
        "status",
        "incarnation",
        "restarts",
        load=pl.col("attrs").str.json_path_match("$.load").cast(pl.Float64, strict=False),
    )
    return Behaviour(
        t=float(t),
        actions=_actions(running, ix, t),
        failures=_failures(ix, t, window),
        drift=_drift(_open(ix.replicas, "t", t), running, desired),
        nodes=_nodes(state, running, daemons),
        rtt=_open(ix.rtt, "at", t).select("a", "b", "rtt", "at", "timeout").sort("a", "b"),
        daemons=daemons,
        stability=_between(ix.placements, t - window, t)
        .group_by("node")
        .agg(placements=pl.len())
        .sort("node"),
    )


_INF = math.inf


@dataclass(frozen=True)
class _Index:
    """The engine's rows as intervals and time-sorted tables, built once per trace."""

    actions: pl.DataFrame  # every action_start, with ``until`` = its end (inf while open)
    queued: pl.DataFrame  # action_queued rows
    queued_starts: pl.DataFrame  # starts of the (action, target) pairs that were ever queued
    replicas: pl.DataFrame  # replica_add rows, held until the next add/drop of (blob, node)
    rtt: pl.DataFrame  # samples, current until the pair's next sample
    failed: pl.DataFrame  # action_end rows other than ok, and actor_fail rows
    placements: pl.DataFrame  # starts of placing actions

    @staticmethod
    def build(events: pl.DataFrame) -> _Index:
        ev = _engine_events(events)
        starts = ev.filter(pl.col("kind") == "action_start")
        ends = ev.filter(pl.col("kind") == "action_end").select(
            "msg_id", until=pl.col("t"), end_parent=pl.col("parent"), outcome=pl.col("reason")
        )
        actions = starts.join(ends.unique("msg_id", keep="first"), on="msg_id", how="left").select(
            id=pl.col("msg_id"),
            action=pl.col("msg_type"),
            node="node",
            target=pl.col("parent"),
            src=pl.col("peer"),
            cause=pl.col("reason"),
            since=pl.col("t"),
            until=pl.col("until").fill_null(_INF),
        )
        queued = ev.filter(pl.col("kind") == "action_queued").select(
            "t", "msg_type", "parent", "node", "reason"
        )
        keys = queued.select("msg_type", "parent").unique()
        queued_starts = starts.select("t", "msg_type", "parent").join(
            keys, on=["msg_type", "parent"], how="semi", nulls_equal=True
        )
        changes = ev.filter(pl.col("kind").is_in(["replica_add", "replica_drop"])).select(
            "t", "kind", blob=pl.col("msg_type"), node="node"
        )
        replicas = (
            changes.with_columns(until=pl.col("t").shift(-1).over("blob", "node"))
            .filter(pl.col("kind") == "replica_add")
            .select("t", "blob", "node", until=pl.col("until").fill_null(_INF))
        )
        rtt = (
            ev.filter(pl.col("kind") == "rtt_sample")
            .select(
                a=pl.min_horizontal("node", "peer"),
                b=pl.max_horizontal("node", "peer"),
                rtt="duration",
                at="t",
                timeout=(pl.col("reason") == "timeout").fill_null(False),
            )
            .with_columns(until=pl.col("at").shift(-1).over("a", "b").fill_null(_INF))
        )
        failed = (
            ev.filter((pl.col("kind") == "action_end") & (pl.col("reason") != "ok"))
            .select(
                "t", what=pl.col("msg_type"), node="node", actor=pl.col("parent"), reason="reason"
            )
            .vstack(
                events.filter(pl.col("kind") == "actor_fail").select(
                    "t", what=pl.lit("actor_fail"), node="node", actor="actor", reason="reason"
                )
            )
            .sort("t", maintain_order=True)
        )
        placements = starts.filter(pl.col("msg_type").is_in(_PLACEMENTS)).select("t", "node")
        return _Index(actions, queued, queued_starts, replicas, rtt, failed, placements)


def _upto(df: pl.DataFrame, col: str, t: float) -> int:
    return int(df[col].search_sorted(t, side="right")) if df.height else 0


def _open(df: pl.DataFrame, col: str, t: float) -> pl.DataFrame:
    """The rows begun by ``t`` whose effect has not ended by then."""
    return df.slice(0, _upto(df, col, t)).filter(pl.col("until") > t)


def _between(df: pl.DataFrame, lo: float, hi: float) -> pl.DataFrame:
    """Rows with ``lo < t <= hi``."""
    if not df.height:
        return df
    i = int(df["t"].search_sorted(lo, side="right"))
    return df.slice(i, _upto(df, "t", hi) - i)


def _engine_events(events: pl.DataFrame) -> pl.DataFrame:
    kinds = [k for k in _ENGINE_KINDS if k in events["kind"].dtype.categories]  # type: ignore[attr-defined]
    out = events.filter(pl.col("kind").is_in(kinds)).with_columns(pl.col("kind").cast(pl.String))
    # a simulated trace is in time order already; a merged live one may not be
    return out if out["t"].is_sorted() else out.sort("t", "seq")


def _actions(running: pl.DataFrame, ix: _Index, t: float) -> pl.DataFrame:
    current = running.select(
        "id", "action", "node", "target", "src", "cause", "since", status=pl.lit("running")
    )
    # Pending: what was held back (keyed by action and target) and has not started since it
    # was last held.
    queued = ix.queued.slice(0, _upto(ix.queued, "t", t))
    starts = ix.queued_starts.slice(0, _upto(ix.queued_starts, "t", t))
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
    return pl.concat([current, pending]).sort(
        "status", "since", "node", descending=[True, False, False]
    )


def _failures(ix: _Index, t: float, window: float) -> pl.DataFrame:
    return _between(ix.failed, t - window, t)


def _drift(held: pl.DataFrame, running: pl.DataFrame, desired: dict) -> pl.DataFrame:
    replicas = held.group_by("blob").agg(
        actual=pl.len().cast(pl.Int64), holders=pl.col("node").sort()
    )
    in_flight = (
        running.filter(pl.col("action").is_in(["pull_replica", "migrate_blob"]))
        .group_by(blob=pl.col("target"))
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


def _nodes(state, running: pl.DataFrame, daemons: pl.DataFrame) -> pl.DataFrame:
    touching = pl.concat(
        [
            running.select(node="node"),
            running.filter(pl.col("src").is_not_null()).select(node="src"),
        ]
    )
    heat = touching.group_by("node").agg(heat=pl.len().cast(pl.Int64))
    load = (
        daemons.filter(pl.col("status").is_in(["idle", "busy"]))
        .group_by("node")
        .agg(load=pl.col("load").max())
    )
    return (
        state.nodes.select(
            "node",
            up=~pl.col("state").is_in(["down", "left"]),
            maintenance=pl.col("state").replace(_MAINTENANCE_OF),
        )
        .join(heat, on="node", how="left")
        .join(load, on="node", how="left")
        .with_columns(pl.col("heat").fill_null(0), pl.col("load").fill_null(0.0))
        .sort("node")
    )
