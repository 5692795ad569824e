"""Contract frames from the compiled core's recording.

The compiled engine writes every contract column itself, in ``seq`` order, with the receive
and handle rows already joined to their sends (see ``_core_columns.h``); strings come as Arrow
string views into one data buffer, which is how polars stores strings, so wrapping the
buffers copies nothing. What is left here is naming the buffers and their types.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from meshlab.events import COLUMNS, KINDS, SCHEMA
from meshlab.sim.recorder import ChunkedFrames

# The kind column arrives as dictionary codes; tagged the way polars tags its own Enum
# columns on export, it is read back as the contract's Enum without a cast.
_KIND_FIELD = pl.DataFrame(schema={"kind": SCHEMA["kind"]}).to_arrow().schema.field("kind")
_KINDS = pa.array(KINDS, type=_KIND_FIELD.type.value_type)
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
        self.other: list[tuple] = []  # rarer kinds, as in the Python recorder
        self._other_done = 0

    def __len__(self) -> int:
        return self._engine._nevents

    def _materialise(self) -> None:
        if len(self) == self._done:
            return
        cols = self._engine._take(self.other, self._other_done)
        n = cols["n"]
        data = pa.py_buffer(cols["strings"])

        def validity(name: str) -> pa.Buffer | None:
            return pa.py_buffer(cols[name + ".valid"]) if name + ".valid" in cols else None

        series = {
            "seq": _wrap(pa.Array.from_buffers(pa.uint64(), n, [None, pa.py_buffer(cols["seq"])]))
        }
        codes = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(cols["kind"])])
        # safe=False: the engine only logs codes of KINDS (it checks the rarer ones)
        kind = pa.DictionaryArray.from_arrays(
            codes, _KINDS, ordered=_KIND_FIELD.type.ordered, safe=False
        )
        table = pa.table([kind], schema=pa.schema([_KIND_FIELD]))
        frame = pl.from_arrow(table, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        series["kind"] = frame.to_series()
        if series["kind"].dtype != SCHEMA["kind"]:  # a polars that tags Enums differently
            series["kind"] = series["kind"].cast(SCHEMA["kind"])
        for name, typ in _NUMBERS.items():
            buffers = [validity(name), pa.py_buffer(cols[name])]
            series[name] = _wrap(pa.Array.from_buffers(typ, n, buffers))
        for name in _STRINGS:
            buffers = [validity(name), pa.py_buffer(cols[name]), data]
            series[name] = _wrap(pa.Array.from_buffers(pa.string_view(), n, buffers))
        chunk = pl.DataFrame([series[c].alias(c) for c in COLUMNS])
        self._other_done += cols["other_used"]
        self._add_chunk(chunk, self._done + n)
