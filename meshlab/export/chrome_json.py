"""Chrome / Perfetto trace-event JSON (the format of ``chrome://tracing``, opened by
https://ui.perfetto.dev too).

One process per node, one thread (track) per actor; each handler a complete (``X``) slice
named by its message type; each message a flow arrow (JSON flow v2: ``bind_id`` with
``flow_out`` on the send and ``flow_in`` on the handler slice) from a zero-length ``send``
slice on the sender's track to the handler; lifecycle, node, partition and drop events as
instant (``i``) events; mailbox depth as a counter (``C``) per actor. ``ts`` and ``dur`` are
microseconds, as the format requires.

The file is written in chunks, each row encoded by polars (the timeline it draws from is built
whole first; see ``meshlab bench export`` for the memory that takes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from meshlab.export.timeline import Timeline, build

_CHUNK = 50_000  # rows encoded at a time: the strings of one chunk are held at once


def _us(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Float64) / 1000.0


def _lines(df: pl.DataFrame, event: pl.Expr) -> Iterator[str]:
    for part in df.iter_slices(_CHUNK):
        yield from part.select(event.struct.json_encode()).to_series()


def events_json(tl: Timeline) -> Iterator[str]:
    """Each trace event as one JSON object (a string), metadata first."""
    for node, pid in tl.nodes.iter_rows():
        yield json.dumps({"ph": "M", "pid": pid, "name": "process_name", "args": {"name": node}})
        yield json.dumps({"ph": "M", "pid": pid, "name": "process_sort_index",
                          "args": {"sort_index": pid}})  # fmt: skip
    meta = pl.struct(
        ph=pl.lit("M"),
        pid="pid",
        tid="tid",
        name=pl.lit("thread_name"),
        args=pl.struct(name="name"),
    )
    yield from _lines(tl.tracks, meta)
    sort = pl.struct(
        ph=pl.lit("M"),
        pid="pid",
        tid="tid",
        name=pl.lit("thread_sort_index"),
        args=pl.struct(sort_index="tid"),
    )
    yield from _lines(tl.tracks, sort)

    sl = tl.slices.with_columns(dur=pl.col("end") - pl.col("start"))
    base = {
        "ph": pl.lit("X"),
        "pid": "pid",
        "tid": "tid",
        "ts": _us("start"),
        "dur": _us("dur"),
        "name": pl.col("msg_type").fill_null("handler"),
        "cat": pl.lit("handler"),
        "args": pl.struct(
            "msg_id", "peer", "incarnation", outcome="outcome", unfinished="unfinished"
        ),
    }
    yield from _lines(sl.filter(~pl.col("flow_in")), pl.struct(**base))
    flow_in = {**base, "bind_id": pl.col("msg_id").cast(pl.String), "flow_in": pl.lit(True)}
    yield from _lines(sl.filter(pl.col("flow_in")), pl.struct(**flow_in))

    send = {
        "ph": pl.lit("X"),
        "pid": "pid",
        "tid": "tid",
        "ts": _us("t"),
        "dur": pl.lit(0.0),
        "name": pl.concat_str(pl.lit("send "), pl.col("msg_type").fill_null("?")),
        "cat": pl.lit("send"),
        "args": pl.struct("msg_id", to="peer"),
    }
    sends = tl.sends
    yield from _lines(sends.filter(~pl.col("flow")), pl.struct(**send))
    flow_out = {**send, "bind_id": pl.col("msg_id").cast(pl.String), "flow_out": pl.lit(True)}
    yield from _lines(sends.filter(pl.col("flow")), pl.struct(**flow_out))

    label = (
        pl.when(pl.col("reason").is_null())
        .then(pl.col("name"))
        .otherwise(pl.concat_str(pl.col("name"), pl.lit(": "), pl.col("reason")))
    )
    inst = tl.instants.with_columns(label=label)
    thread_inst = pl.struct(
        ph=pl.lit("i"),
        s=pl.lit("t"),
        pid="pid",
        tid="tid",
        ts=_us("t"),
        name="label",
        cat="name",
        args=pl.struct("reason", "msg_type"),
    )
    yield from _lines(inst.filter(pl.col("tid").is_not_null()), thread_inst)
    process_inst = pl.struct(
        ph=pl.lit("i"),
        s=pl.lit("p"),
        pid="pid",
        tid=pl.lit(0),
        ts=_us("t"),
        name="label",
        cat="name",
        args=pl.struct("reason"),
    )
    yield from _lines(inst.filter(pl.col("tid").is_null()), process_inst)

    counter = pl.struct(
        ph=pl.lit("C"),
        pid="pid",
        ts=_us("t"),
        name=pl.concat_str(pl.lit("mailbox "), pl.col("actor")),
        args=pl.struct(depth="depth"),
    )
    yield from _lines(tl.counters, counter)


def write(trace, out: str | Path | IO[str]) -> None:
    """Write ``trace`` as trace-event JSON to a path or a text stream."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8") as f:
            write(trace, f)
        return
    tl = build(trace.events)
    out.write('{"displayTimeUnit":"ms","traceEvents":[\n')
    first = True
    for line in events_json(tl):
        out.write(line if first else ",\n" + line)
        first = False
    out.write("\n]}\n")
