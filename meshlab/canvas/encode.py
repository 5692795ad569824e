"""Event frames to the binary chunks the canvas front end reads.

A chunk is an Arrow IPC stream of at most ~5 MB. String columns travel as int32 codes into a
string table that only ever grows; each chunk carries the strings it added, so the browser
never parses text per row and an appended chunk never resends what came before.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import polars as pl

from meshlab.events import KINDS

STRING_COLUMNS = ("node", "actor", "parent", "peer", "msg_type", "reason")
MAX_CHUNK_BYTES = 5_000_000
ROWS_PER_CHUNK = 65_536  # about 4.3 MB at 65 bytes a row
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
        cols = [
            pl.col("seq").cast(pl.Float64),
            pl.col("t").cast(pl.Float64),
            pl.col("kind").to_physical().cast(pl.UInt8).alias("kind")
            if part.schema["kind"] != pl.String
            else pl.col("kind").replace_strict(
                _KIND_CODES, list(range(len(KINDS))), return_dtype=pl.UInt8
            ),
        ]
        for name in STRING_COLUMNS:
            cols.append(self._codes_of(part[name]))
        cols += [
            pl.col("incarnation").cast(pl.UInt32).fill_null(0),
            pl.col("msg_id").cast(pl.Float64).fill_null(float("nan")),
            pl.col("size").cast(pl.Int64).fill_null(-1).cast(pl.Int32),
            pl.col("duration").cast(pl.Float64).fill_null(float("nan")),
        ]
        frame = part.select(cols).select(
            "seq",
            "t",
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
            return pl.lit(-1, dtype=pl.Int32).alias(col.name)
        return (
            pl.col(col.name)
            .replace_strict(mapping, default=-1, return_dtype=pl.Int32)
            .fill_null(-1)
            .alias(col.name)
        )
