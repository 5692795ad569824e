"""Event frames to the binary chunks the canvas front end reads.

A chunk is an Arrow IPC stream of at most ~5 MB. String columns travel as integer codes into a
string table that only ever grows; each chunk carries the strings it added, so the browser
never parses text per row and an appended chunk never resends what came before.

Each column goes in the narrowest type its values in that chunk fit (docs/canvas.md, "The wire
format"): codes as int8/16/32, incarnation as uint8/16/32, size as int8/16/32 (-1 unknown),
msg_id as int32 (-1 null) when every id fits, duration as float32 when every value is exact in
it (NaN for null, so no validity bitmap); seq is left out when it runs ``seq_base, seq_base + 1,
...`` (the header says so), and so is a column holding one value in every row of the chunk
(``constant`` in the header gives it: parent, reason, size and incarnation of a chunk of
message traffic, say). Times stay float64: the fold compares them exactly. About 28 bytes an
event instead of 65.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from meshlab.events import KINDS

STRING_COLUMNS = ("node", "actor", "parent", "peer", "msg_type", "reason")
MAX_CHUNK_BYTES = 5_000_000
ROWS_PER_CHUNK = 65_536  # about 2.6 MB at 40 bytes a row, 4.3 MB at the widest 65
_KIND_CODES = pl.Series("kind", list(KINDS)).cast(pl.String)


@dataclass(frozen=True)
class Chunk:
    """One message to the front end: a JSON header and the Arrow bytes."""

    header: dict[str, Any]
    data: bytes


class ChunkEncoder:
    """Turns successive event frames into numbered chunks, keeping the string table.

    Examples
    --------
    >>> from meshlab.canvas.synthetic import synthetic_trace
    >>> enc = ChunkEncoder()
    >>> chunks = enc.encode(synthetic_trace(actors=4, nodes=2, messages=10).events)
    >>> chunks[0].header["index"], chunks[0].header["rows"] > 0
    (0, True)
    >>> "n0" in chunks[0].header["strings"]
    True
    """

    def __init__(self, *, rows_per_chunk: int = ROWS_PER_CHUNK) -> None:
        self.rows_per_chunk = rows_per_chunk
        self.strings: list[str] = []
        self._codes: dict[str, int] = {}
        self.count = 0
        self.rows = 0

    def encode(self, events: pl.DataFrame) -> list[Chunk]:
        """Encode ``events`` (contract columns, in ``seq`` order) as one or more chunks."""
        out = []
        total = self.rows + events.height
        for start in range(0, events.height, self.rows_per_chunk):
            out.extend(self._encode_slice(events.slice(start, self.rows_per_chunk)))
        for c in out:
            c.header["rows_total"] = total  # lets the browser size its columns once
        return out

    def _encode_slice(self, part: pl.DataFrame) -> list[Chunk]:
        base = len(self.strings)
        header_extra: dict[str, Any] = {}
        cols = [
            pl.col("t").cast(pl.Float64),
            pl.col("kind").to_physical().cast(pl.UInt8).alias("kind")
            if part.schema["kind"] != pl.String
            else pl.col("kind").replace_strict(
                _KIND_CODES, list(range(len(KINDS))), return_dtype=pl.UInt8
            ),
        ]
        seq = part["seq"]
        seq0, seq1 = _least(seq), _most(seq)
        if (
            seq0 is not None
            and seq1 is not None
            and seq.null_count() == 0
            and seq1 - seq0 == part.height - 1
            and seq[0] == seq0
        ):
            steps = seq.diff().drop_nulls()
            if steps.len() == 0 or (steps.min() == 1 and steps.max() == 1):
                header_extra["seq_base"] = seq0
        names = ["t", "kind"]
        if "seq_base" not in header_extra:
            cols.insert(0, pl.col("seq").cast(pl.Float64))
            names.insert(0, "seq")
        for name in STRING_COLUMNS:
            cols.append(self._codes_of(part[name]))
        inc = _most(part["incarnation"])
        cols.append(pl.col("incarnation").fill_null(0).cast(_unsigned(inc or 0)))
        ids = part["msg_id"]
        lo, hi = _least(ids), _most(ids)
        if lo is None or hi is None or (lo >= 0 and hi < 2**31 - 1):
            cols.append(pl.col("msg_id").cast(pl.Int64).fill_null(-1).cast(pl.Int32))
        else:
            cols.append(pl.col("msg_id").cast(pl.Float64).fill_null(float("nan")))
        cols.append(
            pl.col("size").cast(pl.Int64).fill_null(-1).cast(_signed(_most(part["size"]) or 0))
        )
        dur = part["duration"].cast(pl.Float64)
        narrow = dur.cast(pl.Float32)
        exact = bool((narrow.cast(pl.Float64) == dur).all())  # nulls are ignored
        cols.append(
            pl.col("duration").cast(pl.Float32 if exact else pl.Float64).fill_null(float("nan"))
        )
        names += ["node", "actor", "incarnation", "parent", "peer", "msg_id", "msg_type"]
        names += ["size", "reason", "duration"]
        frame = part.select(cols).select(names)
        constant = _constant_columns(frame)
        if constant:
            frame = frame.drop(list(constant))
            header_extra["constant"] = constant
        buf = io.BytesIO()
        frame.write_ipc_stream(buf, compression="uncompressed")
        data = buf.getvalue()
        if len(data) > MAX_CHUNK_BYTES and part.height > 1:
            # Rows were wider than planned: split, undoing the strings this slice added.
            del self.strings[base:]
            self._codes = {s: i for i, s in enumerate(self.strings)}
            half = part.height // 2
            return self._encode_slice(part.slice(0, half)) + self._encode_slice(part.slice(half))
        header = {
            "type": "chunk",
            "index": self.count,
            "rows": frame.height,
            "strings_base": base,
            "strings": self.strings[base:],
            **header_extra,
        }
        self.count += 1
        self.rows += frame.height
        return [Chunk(header, data)]

    def _codes_of(self, col: pl.Series) -> pl.Expr:
        uniques = col.drop_nulls().unique(maintain_order=True).to_list()
        for s in uniques:
            if s not in self._codes:
                self._codes[s] = len(self.strings)
                self.strings.append(s)
        mapping = {s: self._codes[s] for s in uniques}
        if not mapping:
            return pl.lit(-1, dtype=pl.Int8).alias(col.name)
        dtype = _signed(max(mapping.values()))
        return (
            pl.col(col.name)
            .replace_strict(mapping, default=-1, return_dtype=dtype)
            .fill_null(-1)
            .alias(col.name)
        )


# every column but t (and seq, which has seq_base) may be left out as constant
_CONSTANT_OK = (
    "kind",
    "node",
    "actor",
    "incarnation",
    "parent",
    "peer",
    "msg_id",
    "msg_type",
    "size",
    "reason",
    "duration",
)


def _constant_columns(frame: pl.DataFrame) -> dict[str, float | None]:
    """The columns holding one value in every row (None: a duration that is NaN throughout)."""
    if frame.height == 0:
        return {}
    names = [n for n in _CONSTANT_OK if n in frame.columns]
    # NaN (a null duration, or a null float64 msg_id) as null, so min/max skip it and the
    # null count tells whether a column is NaN throughout
    clean = [pl.col(n).fill_nan(None) if frame.schema[n].is_float() else pl.col(n) for n in names]
    stats = frame.select(
        *(c.min().alias(f"lo{i}") for i, c in enumerate(clean)),
        *(c.max().alias(f"hi{i}") for i, c in enumerate(clean)),
        *(c.null_count().alias(f"nulls{i}") for i, c in enumerate(clean)),
    ).row(0)
    out: dict[str, float | None] = {}
    k = len(names)
    for i, name in enumerate(names):
        lo, hi, nulls = stats[i], stats[k + i], stats[2 * k + i]
        if nulls == frame.height:
            if name == "duration":
                out[name] = None
        elif nulls == 0 and lo == hi:
            out[name] = float(lo) if frame.schema[name].is_float() else int(lo)
    return out


def _most(col: pl.Series) -> int | None:
    v = col.max()
    return None if v is None else int(cast(float, v))


def _least(col: pl.Series) -> int | None:
    v = col.min()
    return None if v is None else int(cast(float, v))


def _signed(most: int) -> type[pl.DataType]:
    """The narrowest signed type holding -1 .. most."""
    return pl.Int8 if most < 2**7 else pl.Int16 if most < 2**15 else pl.Int32


def _unsigned(most: int) -> type[pl.DataType]:
    return pl.UInt8 if most < 2**8 else pl.UInt16 if most < 2**16 else pl.UInt32
