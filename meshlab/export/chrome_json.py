"""Chrome / Perfetto trace-event JSON (the format of ``chrome://tracing``, opened by
https://ui.perfetto.dev too).

One process per node, one thread (track) per actor; each handler a complete (``X``) slice
named by its message type; each message a flow arrow (JSON flow v2: ``bind_id`` with
``flow_out`` on the send and ``flow_in`` on the handler slice) from a zero-length ``send``
slice on the sender's track to the handler; lifecycle, node, partition and drop events as
instant (``i``) events; mailbox depth as a counter (``C``) per actor. ``ts`` and ``dur`` are
microseconds, as the format requires.

The timeline comes in time chunks (:func:`meshlab.export.timeline.stream`); each chunk's rows
are encoded by polars and written in time order (at one time: handler slices, sends, thread
instants, process instants, counters), so memory holds one chunk, and the file does not depend
on the chunk size (``meshlab bench export`` measures the memory).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from meshlab.export.timeline import CHUNK_EVENTS, Header, Timeline, stream


def _us(col: str) -> pl.Expr:
    return pl.col(f"{col}_us")


def _with_us(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """Nanosecond columns as µs, divided by numpy (polars divides a column of more than one
    row by multiplying with 1/1000, which rounds differently from a single row's division:
    the figures would depend on how the rows were chunked)."""
    return df.with_columns(
        pl.Series(f"{c}_us", df[c].to_numpy() / 1000.0, dtype=pl.Float64) for c in cols
    )


def _struct(fields: dict[str, pl.Expr]) -> pl.Expr:
    """A struct of the named fields, in the order given (as ``pl.struct(**fields)``, which the
    type checker refuses: a key of ``fields`` could be one of its own keywords)."""
    return pl.struct([expr.alias(name) for name, expr in fields.items()])


def _encoded(df: pl.DataFrame, ts: str, event: pl.Expr, order: int) -> pl.DataFrame:
    return df.select(
        ts=pl.col(ts), order=pl.lit(order, pl.UInt8), line=event.struct.json_encode()
    ).with_row_index("idx")


def header_json(tl: Header) -> Iterator[str]:
    """The metadata events (process and thread names and sort order), as JSON strings."""
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
    yield from tl.tracks.select(meta.struct.json_encode()).to_series()
    sort = pl.struct(
        ph=pl.lit("M"),
        pid="pid",
        tid="tid",
        name=pl.lit("thread_sort_index"),
        args=pl.struct(sort_index="tid"),
    )
    yield from tl.tracks.select(sort.struct.json_encode()).to_series()


def events_json(tl: Timeline) -> Iterator[str]:
    """The trace events of one time chunk, each as a JSON string, in time order."""
    parts = []
    sl = _with_us(tl.slices.with_columns(dur=pl.col("end") - pl.col("start")), "start", "dur")
    base: dict[str, pl.Expr] = {
        "ph": pl.lit("X"),
        "pid": pl.col("pid"),
        "tid": pl.col("tid"),
        "ts": _us("start"),
        "dur": _us("dur"),
        "name": pl.col("msg_type").fill_null("handler"),
        "cat": pl.lit("handler"),
        "args": pl.struct(
            "msg_id", "peer", "incarnation", outcome="outcome", unfinished="unfinished"
        ),
    }
    parts.append(_encoded(sl.filter(~pl.col("flow_in")), "start", _struct(base), 0))
    flow_in = {**base, "bind_id": pl.col("msg_id").cast(pl.String), "flow_in": pl.lit(True)}
    parts.append(_encoded(sl.filter(pl.col("flow_in")), "start", _struct(flow_in), 1))

    send: dict[str, pl.Expr] = {
        "ph": pl.lit("X"),
        "pid": pl.col("pid"),
        "tid": pl.col("tid"),
        "ts": _us("t"),
        "dur": pl.lit(0.0),
        "name": pl.concat_str(pl.lit("send "), pl.col("msg_type").fill_null("?")),
        "cat": pl.lit("send"),
        "args": pl.struct("msg_id", to="peer"),
    }
    sends = _with_us(tl.sends, "t")
    parts.append(_encoded(sends.filter(~pl.col("flow")), "t", _struct(send), 2))
    flow_out = {**send, "bind_id": pl.col("msg_id").cast(pl.String), "flow_out": pl.lit(True)}
    parts.append(_encoded(sends.filter(pl.col("flow")), "t", _struct(flow_out), 3))

    label = (
        pl.when(pl.col("reason").is_null())
        .then(pl.col("name"))
        .otherwise(pl.concat_str(pl.col("name"), pl.lit(": "), pl.col("reason")))
    )
    inst = _with_us(tl.instants.with_columns(label=label), "t")
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
    parts.append(_encoded(inst.filter(pl.col("tid").is_not_null()), "t", thread_inst, 4))
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
    parts.append(_encoded(inst.filter(pl.col("tid").is_null()), "t", process_inst, 5))

    counter = pl.struct(
        ph=pl.lit("C"),
        pid="pid",
        ts=_us("t"),
        name=pl.concat_str(pl.lit("mailbox "), pl.col("actor")),
        args=pl.struct(depth="depth"),
    )
    parts.append(_encoded(_with_us(tl.counters, "t"), "t", counter, 6))
    yield from pl.concat(parts).sort("ts", "order", "idx", maintain_order=True)["line"]


def write(trace, out: str | Path | IO[str], *, chunk_events: int = CHUNK_EVENTS) -> None:
    """Write ``trace`` as trace-event JSON to a path or a text stream, deriving its timeline
    ``chunk_events`` events at a time (the output does not depend on it)."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8") as f:
            write(trace, f, chunk_events=chunk_events)
        return
    header, chunks = stream(trace.events, chunk_events=chunk_events)
    out.write('{"displayTimeUnit":"ms","traceEvents":[\n')
    first = True
    for tl in chunks:
        for line in itertools.chain(header_json(header) if first else (), events_json(tl)):
            out.write(line if first else ",\n" + line)
            first = False
    out.write("\n]}\n")
