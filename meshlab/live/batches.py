"""Emitted rows to contract frames: the part of an emitter that runs off the program's hot path.

``emit()`` appends one tuple per event to a list; a :class:`Drain` takes what is there,
builds the columns with pyarrow and hands the gapless prefix, in ``seq`` order, to a feed. It
runs in the emitter's server thread, or in the node's own process
(``Emitter(process=True)``, see ``meshlab/live/emitter_node.py``).
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pyarrow as pa

from meshlab.events import COLUMNS, KINDS, SCHEMA, Kind
from meshlab.live.feed import Feed

_ARROW = {pl.UInt64(): pa.uint64(), pl.UInt32(): pa.uint32(), pl.Float64(): pa.float64(),
          pl.String(): pa.large_string()}  # fmt: skip
_ARROW_TYPES = [pa.uint8() if c == "kind" else _ARROW[SCHEMA[c]] for c in COLUMNS]
_ROW = pa.struct([pa.field(c, t) for c, t in zip(COLUMNS, _ARROW_TYPES, strict=True)])
"""An emitted row (a tuple) as pyarrow reads it: one struct array per drain, converted in C++
without a Python transpose of the rows."""
_KIND_VALUES = pl.Series("kind", list(KINDS), dtype=Kind)
WARM_ROW = (0, 0.0, 0, "", None, 0, None, None, 0, None, 0, None, 0.0)
"""A valid row: building one batch at start loads pyarrow's modules (and pandas), which would
otherwise land on the first drain."""


class Drain:
    """Rows (tuples in ``COLUMNS`` order, kind as its code) and frames, appended by any
    thread, published to a feed as gapless contract frames.

    ``nodes`` and ``errors`` are lists the owner shares: node names seen so far are added to
    ``nodes``; a row with a field of the wrong type is published with its fields cleared and
    the problem in ``reason``, and noted in ``errors`` by seq.
    """

    def __init__(self, nodes: list[str], errors: list[str]) -> None:
        self.rows: list[tuple] = []
        self.frames: list[pl.DataFrame] = []
        self.nodes = nodes
        self.errors = errors
        self.held: pl.DataFrame | None = None  # rows after a gap, waiting for the next drain
        self.published = 0  # the seq the next published event must carry

    def into(self, feed: Feed) -> None:
        # take what is there now; appends that land meanwhile stay for the next drain (a
        # slice and a slice deletion are each one atomic operation)
        rows, frames = self.rows, self.frames
        n, m = len(rows), len(frames)
        batch, taken = rows[:n], frames[:m]
        del rows[:n], frames[:m]
        parts = [self.held] if self.held is not None else []
        if batch:
            parts.append(self.columns(batch))
        parts += taken
        if not parts:
            return
        df = pl.concat(parts) if len(parts) > 1 else parts[0]
        if not df["seq"].is_sorted():
            df = df.sort("seq")
        # publish the gapless prefix; a seq taken but not yet appended holds back the rest
        expected = np.arange(self.published, self.published + df.height, dtype=np.uint64)
        gap = np.flatnonzero(df["seq"].to_numpy() != expected)
        ready = df if gap.size == 0 else df.head(int(gap[0]))
        self.held = None if gap.size == 0 else df.slice(int(gap[0]))
        if ready.height == 0:
            return
        self.published += ready.height
        for node in ready["node"].unique().to_list():
            if node not in self.nodes:
                self.nodes.append(node)
        feed.append(ready)

    def columns(self, rows: list[tuple]) -> pl.DataFrame:
        try:
            return frame_of(rows)
        except ValueError:
            pass
        # a value of the wrong type somewhere: keep every seq (clients resume by seq), and
        # publish each bad row with its fields cleared and the problem in `reason`
        fixed = []
        for row in rows:
            try:
                frame_of([row])
                fixed.append(row)
            except ValueError as exc:
                exc = _crossed(row) or exc
                message = f"seq {row[0]}: {exc}"
                self.errors.append(message)
                t = row[1] if isinstance(row[1], float | int) else time.time()
                fixed.append((row[0], float(t), row[2], str(row[3]), None, 0, None, None, None,
                              None, None, f"emitter: fields dropped: {exc}", None))  # fmt: skip
        return frame_of(fixed)


def _crossed(row: tuple) -> ValueError | None:
    """A clearer error for a value that could not cross from the program to a node process
    as itself (``Emitter(process=True)`` marshals rows: no column holds bytes or tuples)."""
    for name, value in zip(COLUMNS, row, strict=False):
        if isinstance(value, bytes):
            return ValueError(
                f"field {name!r} reached the node process as bytes (a numpy number? "
                "pass plain int(...) or float(...))"
            )
        if isinstance(value, tuple):
            return ValueError(f"field {name!r} held {value[0]}, which is not a {SCHEMA[name]}")
    return None


def frame_of(rows: list[tuple]) -> pl.DataFrame:
    """Rows as emitted -> a contract frame: pyarrow reads the tuples as one struct array (no
    per-row Python work), whose fields become the columns."""
    try:
        table = pa.Table.from_struct_array(pa.array(rows, type=_ROW))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise ValueError(f"an emitted event has a field of the wrong type: {exc}") from None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(kind=_KIND_VALUES.gather(frame["kind"]))
