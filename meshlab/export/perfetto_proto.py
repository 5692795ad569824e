"""Perfetto's native protobuf trace (``.pftrace``), written with the Perfetto project's own
Python package (``perfetto``: its generated protos of ``perfetto.protos.Trace``).

The same picture as the JSON export (:mod:`meshlab.export.chrome_json`): a process track per
node, a thread track per actor (extra lanes for overlapping handlers), each handler a slice
(``TYPE_SLICE_BEGIN`` / ``TYPE_SLICE_END``) named by its message type, each message a flow
from an instant ``send`` on the sender's track (``flow_ids``) to its handler slice
(``terminating_flow_ids``), lifecycle / node / partition / drop events as instants, and a
counter track of mailbox depth per actor. Timestamps are nanoseconds.

Packets are written in time order (at equal times a slice ends before the next begins). The
timeline comes in time chunks (:func:`meshlab.export.timeline.stream`); a slice's end that lies
beyond its chunk waits, as one small row, for the chunk of its time. Packets go out a few
thousand at a time: each is a serialized ``Trace``, and serialized ``Trace`` messages
concatenate into one (as the package's ``StreamingTraceProtoBuilder`` does with one packet per
message, which is slower). A flow id is ``msg_id + 1``: Perfetto reads id 0 as "no flow".
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

from meshlab.export.timeline import CHUNK_EVENTS, Timeline, stream

_CHUNK = 20_000  # ops per chunk: each becomes Python rows while it is written
_SEQ = 1  # trusted_packet_sequence_id of every packet: one writer
_THREAD_UUID = 1 << 32  # track uuids: pid for a node, this + tid for an actor, 2x + i counter
_COUNTER_UUID = 2 << 32

# op codes of the time-ordered stream, in the order they run at equal timestamps
_END, _BEGIN, _POINT_SLICE, _SEND, _INSTANT, _COUNTER = range(6)


class _Writer:
    """Packets appended to a ``Trace`` message, written out every ``_PACKETS`` packets."""

    _PACKETS = 4096

    def __init__(self, pb, out: IO[bytes]) -> None:
        self.pb, self.out = pb, out
        self.trace = pb.Trace()

    def create_packet(self):
        return self.trace.packet.add()

    def write_packet(self, _packet) -> None:
        if len(self.trace.packet) >= self._PACKETS:
            self.flush()

    def flush(self) -> None:
        if len(self.trace.packet):
            self.out.write(self.trace.SerializeToString())
            self.trace = self.pb.Trace()


def _require():
    try:
        from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
    except ImportError:
        raise ImportError(
            "the Perfetto protobuf export needs the 'perfetto' package: pip install perfetto "
            "(or export --format chrome-json, which needs nothing)"
        ) from None
    return pb


_ENDS = {"ts": pl.Int64, "start": pl.Int64, "pid": pl.Int64, "tid": pl.Int64, "seq": pl.UInt64}


def _ops(tl: Timeline, ends: pl.DataFrame, counters: pl.DataFrame) -> pl.DataFrame:
    sl = tl.slices.with_row_index("idx")
    point = pl.col("end") == pl.col("start")
    parts = [
        ends.with_row_index("idx").select("ts", op=pl.lit(_END), idx="idx"),
        sl.filter(~point).select(ts="start", op=pl.lit(_BEGIN), idx="idx"),
        sl.filter(point).select(ts="start", op=pl.lit(_POINT_SLICE), idx="idx"),
        tl.sends.with_row_index("idx").select(ts="t", op=pl.lit(_SEND), idx="idx"),
        tl.instants.with_row_index("idx").select(ts="t", op=pl.lit(_INSTANT), idx="idx"),
        counters.with_row_index("idx").select(ts="t", op=pl.lit(_COUNTER), idx="idx"),
    ]
    ops = pl.concat([p.cast({"op": pl.UInt8, "idx": pl.UInt32}) for p in parts])
    return ops.sort("ts", "op", "idx")


def write(trace, out: str | Path | IO[bytes], *, chunk_events: int = CHUNK_EVENTS) -> None:
    """Write ``trace`` as a Perfetto protobuf trace to a path or a binary stream, deriving its
    timeline ``chunk_events`` events at a time (the output does not depend on it)."""
    if isinstance(out, str | Path):
        with open(out, "wb") as f:
            write(trace, f, chunk_events=chunk_events)
        return
    pb = _require()
    tl, chunks = stream(trace.events, chunk_events=chunk_events)
    builder = _Writer(pb, out)
    te_type = pb.TrackEvent

    def packet(ts: int | None = None):
        p = builder.create_packet()
        if ts is not None:
            p.timestamp = ts
        p.trusted_packet_sequence_id = _SEQ
        return p

    first = packet()  # no interned state is used, but say so to the reader
    first.sequence_flags = pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED
    builder.write_packet(first)
    for node, pid in tl.nodes.iter_rows():
        p = packet()
        p.track_descriptor.uuid = pid
        p.track_descriptor.process.pid = pid
        p.track_descriptor.process.process_name = node
        builder.write_packet(p)
    for pid, tid, name in tl.tracks.select("pid", "tid", "name").iter_rows():
        p = packet()
        d = p.track_descriptor
        d.uuid, d.parent_uuid = _THREAD_UUID + tid, pid
        d.thread.pid, d.thread.tid, d.thread.thread_name = pid, tid, name
        builder.write_packet(p)
    keys = tl.counter_keys.with_columns(
        cuuid=pl.int_range(pl.len(), dtype=pl.Int64) + _COUNTER_UUID
    )
    for pid, actor, cuuid in keys.iter_rows():
        p = packet()
        d = p.track_descriptor
        d.uuid, d.parent_uuid, d.name = cuuid, pid, f"mailbox {actor}"
        d.counter.SetInParent()
        builder.write_packet(p)

    def note(te, name: str, value) -> None:
        if value is None:
            return
        a = te.debug_annotations.add()
        a.name = name
        if isinstance(value, bool):
            a.bool_value = value
        elif isinstance(value, int):
            a.uint_value = value
        else:
            a.string_value = str(value)

    def slice_event(te, row: dict, kind) -> None:
        te.type = kind
        te.track_uuid = row["uuid"]
        te.name = row["name"]
        te.categories.append("handler")
        if row["flow"] is not None:
            te.terminating_flow_ids.append(row["flow"])
        for key in ("msg_id", "peer", "outcome"):
            note(te, key, row[key])
        if row["unfinished"]:
            note(te, "unfinished", True)

    waiting = pl.DataFrame(schema=_ENDS)
    for part in chunks:
        counters = part.counters.join(keys, on=["pid", "actor"], maintain_order="left")

        slices = part.slices.select(
            uuid=pl.col("tid") + _THREAD_UUID,
            name=pl.col("msg_type").fill_null("handler"),
            flow=pl.when(pl.col("flow_in")).then(pl.col("msg_id").cast(pl.Int64) + 1),
            msg_id="msg_id",
            peer="peer",
            outcome="outcome",
            unfinished="unfinished",
        )
        sends = part.sends.select(
            uuid=pl.col("tid") + _THREAD_UUID,
            name=pl.concat_str(pl.lit("send "), pl.col("msg_type").fill_null("?")),
            flow=pl.when(pl.col("flow")).then(pl.col("msg_id").cast(pl.Int64) + 1),
            msg_id="msg_id",
            peer="peer",
        )
        instants = part.instants.select(
            uuid=pl.coalesce(pl.col("tid") + _THREAD_UUID, pl.col("pid")),
            name=pl.when(pl.col("reason").is_null())
            .then(pl.col("name"))
            .otherwise(pl.concat_str(pl.col("name"), pl.lit(": "), pl.col("reason"))),
            kind="name",
        )
        cvals = counters.select("cuuid", "depth")
        # a slice ends in the chunk of its end's time: ends beyond this chunk wait for theirs
        ends = pl.concat(
            [
                waiting,
                part.slices.filter(pl.col("end") > pl.col("start")).select(
                    ts="end", start="start", pid="pid", tid="tid", seq="seq"
                ),
            ]
        )
        ends = ends.sort("ts", "start", "pid", "tid", "seq")
        if part.hi is None:
            now, waiting = ends, ends.clear()
        else:
            now, waiting = ends.filter(pl.col("ts") < part.hi), ends.filter(pl.col("ts") >= part.hi)
        # each chunk of the time-ordered stream gathers only the rows it refers to, in the order
        # it refers to them, so memory stays one chunk of Python values at a time
        sources = {
            _END: now.select(uuid=pl.col("tid") + _THREAD_UUID),
            _BEGIN: slices,
            _POINT_SLICE: slices,
            _SEND: sends,
            _INSTANT: instants,
            _COUNTER: cvals,
        }
        for chunk in _ops(part, now, counters).iter_slices(_CHUNK):
            rows = {}
            for op, source in sources.items():
                idx = chunk.filter(pl.col("op") == op)["idx"]
                rows[op] = iter(source[idx].iter_rows(named=True)) if idx.len() else iter(())
            for ts, op in chunk.select("ts", "op").iter_rows():
                row = next(rows[op])
                p = packet(ts)
                te = p.track_event
                if op == _BEGIN:
                    slice_event(te, row, te_type.TYPE_SLICE_BEGIN)
                elif op == _END:
                    te.type = te_type.TYPE_SLICE_END
                    te.track_uuid = row["uuid"]
                elif op == _POINT_SLICE:  # zero-length handler: begin and end at one time
                    slice_event(te, row, te_type.TYPE_SLICE_BEGIN)
                    builder.write_packet(p)
                    p = packet(ts)
                    p.track_event.type = te_type.TYPE_SLICE_END
                    p.track_event.track_uuid = row["uuid"]
                elif op == _SEND:
                    te.type = te_type.TYPE_INSTANT
                    te.track_uuid = row["uuid"]
                    te.name = row["name"]
                    te.categories.append("send")
                    if row["flow"] is not None:
                        te.flow_ids.append(row["flow"])
                    note(te, "msg_id", row["msg_id"])
                    note(te, "to", row["peer"])
                elif op == _INSTANT:
                    te.type = te_type.TYPE_INSTANT
                    te.track_uuid = row["uuid"]
                    te.name = row["name"]
                    te.categories.append(row["kind"])
                else:
                    te.type = te_type.TYPE_COUNTER
                    te.track_uuid = row["cuuid"]
                    te.counter_value = row["depth"]
                builder.write_packet(p)
    builder.flush()
