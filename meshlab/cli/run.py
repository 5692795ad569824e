"""``meshlab run SCENARIO``: run a built-in scenario, print a summary, optionally save it."""

from __future__ import annotations

import math
import time
from pathlib import Path

from meshlab.cli import CliError

SAVE_SUFFIXES = (".parquet", ".mlog")


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a built-in scenario and summarise it")
    p.add_argument("scenario", help="a name from `meshlab scenarios`")
    p.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    p.add_argument("--until", type=float, help="virtual seconds to run (scenario default)")
    p.add_argument("--nodes", type=int, help="number of nodes (scenario default)")
    p.add_argument("--out", type=Path, help="save the trace (.parquet or .mlog)")
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab import scenarios

    if args.scenario not in scenarios.names():
        raise CliError(
            f"unknown scenario {args.scenario!r}; choose one of: {', '.join(scenarios.names())}"
        )
    if args.until is not None and not (0 < args.until < math.inf):
        raise CliError(f"--until must be a positive, finite number of seconds, got {args.until}")
    if args.nodes is not None and args.nodes < 2:
        raise CliError(f"--nodes must be at least 2, got {args.nodes}")
    if args.out is not None and args.out.suffix not in SAVE_SUFFIXES:
        raise CliError(f"--out must end in {' or '.join(SAVE_SUFFIXES)}, got {args.out}")
    folder = args.out.resolve().parent if args.out is not None else None
    if folder is not None and not folder.is_dir():
        raise CliError(f"--out: the folder {folder} does not exist; create it first")
    started = time.perf_counter()
    trace = scenarios.run(args.scenario, seed=args.seed, until=args.until, nodes=args.nodes)
    elapsed = time.perf_counter() - started
    print(summary(trace, elapsed))
    if args.out is not None:
        path = trace.save(args.out)
        print(f"saved {len(trace):,} events to {path}")
    return 0


def summary(trace, elapsed: float | None = None) -> str:
    """A few lines a person reads after a run: what happened, in counts."""
    import polars as pl

    ev = trace.events
    counts = dict(ev.group_by("kind").len().iter_rows())
    drops = ev.filter(pl.col("kind") == "msg_drop").group_by("reason").len().sort("reason")
    drop_text = ", ".join(f"{r} {n:,}" for r, n in drops.iter_rows()) or "none"
    span = ev["t"].max() if ev.height else 0.0
    m = trace.meta
    lines = [
        f"{m.scenario} seed={m.seed}: {len(trace):,} events over {span:.3f}s virtual"
        + (f" in {elapsed:.2f}s wall" if elapsed is not None else ""),
        f"  nodes     {_node_line(trace, counts, span)}",
        f"  actors    {ev.filter(pl.col('actor').is_not_null())['actor'].n_unique():,} "
        f"({counts.get('actor_spawn', 0):,} spawned, {counts.get('actor_stop', 0):,} stops)",
        f"  failures  {counts.get('actor_fail', 0):,}",
        f"  restarts  {counts.get('actor_restart', 0):,}",
        f"  messages  {counts.get('msg_send', 0):,} sent, {counts.get('msg_recv', 0):,} delivered",
        f"  drops     {counts.get('msg_drop', 0):,} ({drop_text})",
    ]
    return "\n".join(lines)


def _node_line(trace, counts: dict[str, int], end: float) -> str:
    """Nodes by their state at the end (the fold's), then what happened to them on the way:
    a node that went down and came back is up at the end, not "down"."""
    import polars as pl

    nodes = trace.state_at(end).nodes
    states = nodes.group_by(pl.col("state").fill_null("not joined")).len().sort("state")
    at_end = ", ".join(f"{n:,} {s}" for s, n in states.iter_rows()) or "none"
    return (
        f"{len(trace.meta.nodes) or nodes.height:,}: {at_end} at the end (during the run: "
        f"{counts.get('node_down', 0):,} went down, {counts.get('node_up', 0):,} came back up, "
        f"{counts.get('node_leave', 0):,} left)"
    )
