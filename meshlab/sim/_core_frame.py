"""Contract frames from the compiled core's recording.

The compiled engine writes every contract column itself, in ``seq`` order, with the receive
and handle rows already joined to their sends (see ``_core_columns.h``); strings come as Arrow
string views into one data buffer, which is how polars stores strings, so wrapping the
buffers copies nothing. What is left here is naming the buffers and their types.
"""

from __future__ import annotations

import sys

import polars as pl
import pyarrow as pa

from meshlab.events import COLUMNS, KINDS, SCHEMA
from meshlab.sim.recorder import ChunkedFrames

# The kind column arrives as codes (positions in KINDS); gathering from the contract's Enum of
# every kind gives the Enum column directly (reading Arrow dictionary codes instead makes
# polars match every row against the categories: several times slower).
_KIND_ENUM = pl.Series("kind", KINDS, dtype=SCHEMA["kind"])
_NUMBERS = {
    "t": pa.float64(),
    "incarnation": pa.uint32(),
    "msg_id": pa.uint64(),
    "size": pa.uint32(),
    "duration": pa.float64(),
}
_STRINGS = ("node", "actor", "parent", "peer", "msg_type", "reason")


def _wrap(arrow: pa.Array) -> pl.Series:
    s = pl.from_arrow(arrow, rechunk=False)
    assert isinstance(s, pl.Series)
    return s


class ColumnRecorder(ChunkedFrames):
    """The recorder of a mesh on the compiled core: the engine owns the message columns."""

    def __init__(self, engine) -> None:
        super().__init__()
        self._engine = engine
        self.other: list[tuple] = []  # rarer kinds not yet taken, as in the Python recorder

    def __len__(self) -> int:
        return self._engine._nevents

    def held_bytes(self) -> int:
        """Bytes the recorder holds besides its materialised chunks: the engine's column
        memory not yet taken, its string table and its heap of pending entries (with what
        messages in flight carry for their receives), and the rarer rows not yet taken. After
        materialising, bounded by the names and the messages in flight, not by the run."""
        return self._engine._held_bytes() + sys.getsizeof(self.other)

    def _materialise(self) -> None:
        if len(self) == self._done:
            return
        cols = self._engine._take(self.other, 0)
        del self.other[: cols["other_used"]]  # in the engine's columns now
        n = cols["n"]
        data = pa.py_buffer(cols["strings"])

        def validity(name: str) -> pa.Buffer | None:
            return pa.py_buffer(cols[name + ".valid"]) if name + ".valid" in cols else None

        first = cols["first"]
        series = {"seq": pl.int_range(first, first + n, dtype=pl.UInt64, eager=True)}
        # the engine only logs codes of KINDS (it checks the rarer ones)
        codes = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(cols["kind"])])
        series["kind"] = _KIND_ENUM.gather(_wrap(codes))
        for name, typ in _NUMBERS.items():
            buffers = [validity(name), pa.py_buffer(cols[name])]
            series[name] = _wrap(pa.Array.from_buffers(typ, n, buffers))
        for name in _STRINGS:
            buffers = [validity(name), pa.py_buffer(cols[name]), data]
            series[name] = _wrap(pa.Array.from_buffers(pa.string_view(), n, buffers))
        chunk = pl.DataFrame([series[c].alias(c) for c in COLUMNS])
        self._add_chunk(chunk, self._done + n)
