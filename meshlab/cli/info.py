"""``meshlab info FILE``: describe a saved trace."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from meshlab.cli.names import natural_key, node_list
from meshlab.cli.traces import open_trace


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="describe a saved trace (.parquet or .mlog)")
    p.add_argument("file", help="a trace written by `meshlab run --out` or a recorder")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def describe(path: Path, trace=None) -> dict:
    """The facts ``meshlab info`` prints, as a dict."""
    from meshlab.trace import load

    if trace is None:
        trace = load(path)
    ev, meta = trace.events, trace.meta
    kinds = dict(
        ev.group_by("kind").len().sort("kind").select(pl.col("kind").cast(pl.String), "len").rows()
    )
    spawns = ev.filter(pl.col("kind") == "actor_spawn")
    failures = trace.failures()
    drops = (
        ev.filter(pl.col("kind") == "msg_drop")
        .group_by("reason")
        .len()
        .sort("len", descending=True)
    )
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "schema_version": meta.schema_version,
        "source": meta.source,
        "scenario": meta.scenario,
        "seed": meta.seed,
        "nodes": sorted(
            set(meta.nodes) | set(ev["node"].drop_nulls().unique().to_list()), key=natural_key
        ),
        # the fold's state of each node after the last event: a node that went down and came
        # back counts as up
        "nodes_at_end": dict(
            trace.state_at(ev["t"].max() if ev.height else 0.0)
            .nodes.group_by(pl.col("state").fill_null("not joined"))
            .len()
            .sort("state")
            .rows()
        ),
        "events": ev.height,
        "t_start": ev["t"].min() if ev.height else None,
        "t_end": ev["t"].max() if ev.height else None,
        "events_by_kind": kinds,
        "actors": ev["actor"].drop_nulls().n_unique(),
        "system_actors": spawns.filter(pl.col("reason") == "system").height,
        "failures": failures.height,
        "propagated_failures": int(failures["propagated"].sum()),
        "restarts": kinds.get("actor_restart", 0),
        "drops_by_reason": dict(drops.rows()),
    }


def run(args) -> int:
    path = Path(args.file)
    facts = describe(path, open_trace(path))
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    span = (
        ""
        if facts["t_start"] is None
        else f"   t = {facts['t_start']:.6g} .. {facts['t_end']:.6g} s"
    )
    by_kind = ", ".join(f"{k} {n:,}" for k, n in facts["events_by_kind"].items()) or "none"
    drops = ", ".join(f"{r} {n:,}" for r, n in facts["drops_by_reason"].items()) or "none"
    lines = [
        ("file", f"{facts['file']} ({facts['bytes']:,} bytes)"),
        ("schema", f"version {facts['schema_version']}"),
        (
            "scenario",
            f"{facts['scenario'] or '-'}   seed {facts['seed']}   source {facts['source']}",
        ),
        ("nodes", f"{len(facts['nodes']):,}: {node_list(facts['nodes'])}"),
        ("at end", ", ".join(f"{n:,} {s}" for s, n in facts["nodes_at_end"].items()) or "-"),
        ("events", f"{facts['events']:,}{span}"),
        ("by kind", by_kind),
        ("actors", f"{facts['actors']:,} ({facts['system_actors']:,} system)"),
        ("failures", f"{facts['failures']:,} ({facts['propagated_failures']:,} propagated)"),
        ("restarts", f"{facts['restarts']:,}"),
        ("drops", drops),
    ]
    for label, value in lines:
        print(f"{label:<10}{value}")
    return 0
