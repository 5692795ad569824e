"""ShiViz logs: each event with the vector clock of its actor, computed from happens-before.

ShiViz (https://bestchai.bitbucket.io/shiviz/) draws a distributed execution from a log whose
events carry vector clocks. Each actor is a host. A send ticks the sender's clock; a delivery
(``msg_recv``, or the handler start when no ``msg_recv`` was recorded) merges the clock the
message was sent with into the receiver's clock, then ticks; lifecycle events (spawn, failure,
restart, stop) and drops tick their actor's clock. So ``a`` happened before ``b`` exactly when
``clock(a) < clock(b)``.

The file follows GoVector's layout, which ShiViz reads: the first line is the parsing regular
expression, then a blank line, then two lines per event (``host {clock}`` and the event's
description). Paste it into ShiViz, or load it with "log file". ShiViz shows a few thousand
events at most, so the export takes a window and a set of actors like the Mermaid one, and
refuses more than ``limit`` events with a message saying how to narrow it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from meshlab.export.timeline import KS, K

REGEX = r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)"
_SPACE = re.compile(r"\s+")
_LOCAL = ("actor_spawn", "actor_fail", "actor_restart", "actor_stop", "msg_drop")


def _host(actor: str) -> str:
    return _SPACE.sub("_", actor)


def clocked_events(
    trace,
    *,
    start: float | None = None,
    end: float | None = None,
    actors: list[str] | None = None,
    limit: int = 20_000,
) -> Iterator[tuple[str, dict[str, int], str]]:
    """(host, vector clock, description) per event, in trace order."""
    ev = trace.events
    if start is not None:
        ev = ev.filter(pl.col("t") >= start)
    if end is not None:
        ev = ev.filter(pl.col("t") <= end)
    delivered = K.is_in(["msg_recv", "msg_handle", "handler_start"])
    rows = ev.filter(
        (K.is_in(["msg_send", *_LOCAL]) | delivered) & pl.col("actor").is_not_null()
    ).select("seq", "t", "actor", "peer", "msg_id", "msg_type", "reason", kind=KS)
    if actors is not None:
        known = set(trace.events["actor"].drop_nulls().unique().to_list())
        unknown = [a for a in actors if a not in known]
        if unknown:
            raise ValueError(f"actor(s) {', '.join(unknown)} are not in this trace")
        rows = rows.filter(pl.col("actor").is_in(actors))
    # a delivery is one event: the msg_recv, or the handler start when there was none
    first_delivery = delivered & (pl.int_range(pl.len()).over("msg_id", delivered) == 0)
    rows = rows.filter(~delivered | first_delivery)
    if rows.height > limit:
        raise ValueError(
            f"{rows.height:,} events is more than ShiViz can show (limit={limit:,}); "
            "narrow the window (start=, end=) or the actors, or raise the limit"
        )
    clocks: dict[str, dict[str, int]] = {}
    sent: dict[int, dict[str, int]] = {}
    for _seq, t, actor, peer, msg_id, msg_type, reason, kind in rows.iter_rows():
        host = _host(actor)
        clock = clocks.setdefault(host, {})
        if kind in ("msg_recv", "msg_handle", "handler_start") and msg_id in sent:
            for h, c in sent.pop(msg_id).items():
                if clock.get(h, 0) < c:
                    clock[h] = c
        clock[host] = clock.get(host, 0) + 1
        if kind == "msg_send":
            sent[msg_id] = dict(clock)
            what = f"send {msg_type or 'message'} to {peer} (msg {msg_id})"
        elif kind in ("msg_recv", "msg_handle", "handler_start"):
            what = f"receive {msg_type or 'message'} from {peer} (msg {msg_id})"
        else:
            what = kind.replace("actor_", "").replace("msg_", "") + (
                f": {reason}" if reason else ""
            )
        yield host, dict(clock), f"t={t:.9g} {what}"


def write(trace, out: str | Path, **options) -> int:
    """Write a ShiViz log; returns the number of events."""
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write(REGEX + "\n\n")
        for host, clock, what in clocked_events(trace, **options):
            f.write(f"{host} {json.dumps(clock, separators=(',', ':'))}\n{what}\n")
            n += 1
    return n
