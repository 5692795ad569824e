"""Mermaid sequence diagrams of a time window and a set of actors.

JupyterLab (4.1+) and GitHub render a ```` ```mermaid ```` block natively, so a diagram can
sit in a notebook's Markdown or in docs. Each actor is a participant; a message between two
shown actors is an arrow at its send (``->>`` handled or delivered, ``-x`` dropped, with the
drop reason), a message from or to an actor not shown is left out, and failures, restarts
and stops are notes over their actor. A diagram of thousands of arrows is unreadable, so
``limit`` caps the arrows and a final note says how many were left out.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from meshlab.export.timeline import KS, K


def _alias(i: int) -> str:
    return f"a{i}"


def _text(s: object) -> str:
    # Mermaid ends a message at a newline and reads ';' and '#' specially
    return str(s).replace("\n", " ").replace(";", ",").replace("#", "no.")


def diagram(
    trace,
    *,
    start: float | None = None,
    end: float | None = None,
    actors: list[str] | None = None,
    limit: int = 200,
) -> str:
    """The Mermaid ``sequenceDiagram`` source of the window ``[start, end]`` and ``actors``
    (default: every actor that sends or receives in the window, in order of appearance).

    Examples
    --------
    >>> import meshlab as ml
    >>> t = ml.scenarios.run("ping-pong", seed=1, until=0.003)
    >>> print(diagram(t, actors=["ping-0", "pong-0"]).splitlines()[:4])
    ['sequenceDiagram', '    participant a0 as ping-0', '    participant a1 as pong-0', ...]
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    ev = trace.events
    window = ev
    if start is not None:
        window = window.filter(pl.col("t") >= start)
    if end is not None:
        window = window.filter(pl.col("t") <= end)
    sends = window.filter(K == "msg_send")
    if actors is None:
        seen = pl.concat([sends["actor"], sends["peer"]]).drop_nulls()
        order = sends.select(pl.col("actor"), pl.col("peer")).drop_nulls()
        actors = list(dict.fromkeys(x for pair in order.iter_rows() for x in pair))
        actors = [a for a in actors if a in set(seen.to_list())]
    else:
        known = set(ev["actor"].drop_nulls().unique().to_list())
        unknown = [a for a in actors if a not in known]
        if unknown:
            raise ValueError(
                f"actor(s) {', '.join(unknown)} are not in this trace; "
                "see trace.state_at(t).actors for the actor ids"
            )
    alias = {a: _alias(i) for i, a in enumerate(actors)}
    lines = ["sequenceDiagram"]
    lines += [f"    participant {alias[a]} as {_text(a)}" for a in actors]

    drops = ev.filter(K == "msg_drop").select("msg_id", drop="reason").unique("msg_id")
    shown = pl.col("actor").is_in(actors) & pl.col("peer").is_in(actors)
    arrows = (
        sends.filter(shown)
        .join(drops, on="msg_id", how="left")
        .select("seq", "t", "actor", "peer", "msg_type", "drop", kind=pl.lit("send"))
    )
    notes = window.filter(
        K.is_in(["actor_fail", "actor_restart", "actor_stop"]) & pl.col("actor").is_in(actors)
    ).select("seq", "t", "actor", "peer", "msg_type", drop="reason", kind=KS)
    rows = pl.concat([arrows, notes]).sort("seq")
    n_arrows = 0
    left_out = 0
    for _seq, t, actor, peer, msg_type, drop, kind in rows.iter_rows():
        if kind == "send":
            if n_arrows >= limit:
                left_out += 1
                continue
            n_arrows += 1
            label = _text(msg_type or "message")
            if drop is not None:
                lines.append(f"    {alias[actor]}-x{alias[peer]}: {label} (dropped: {_text(drop)})")
            else:
                lines.append(f"    {alias[actor]}->>{alias[peer]}: {label}")
        else:
            what = {"actor_fail": "crashed", "actor_restart": "restarted", "actor_stop": "stopped"}
            detail = f": {_text(drop)}" if drop else ""
            lines.append(f"    Note over {alias[actor]}: {what[kind]} at t={t:.6g}{detail}")
    if left_out:
        lines.append(
            f"    Note over {alias[actors[0]]}: {left_out} more message(s) left out "
            f"(limit={limit}; narrow the window or raise the limit)"
        )
    return "\n".join(lines) + "\n"


def write(trace, out: str | Path, **options) -> None:
    """Write :func:`diagram` to ``out`` (``.md`` files get a fenced ``mermaid`` block)."""
    text = diagram(trace, **options)
    if str(out).endswith(".md"):
        text = f"```mermaid\n{text}```\n"
    Path(out).write_text(text, encoding="utf-8")
