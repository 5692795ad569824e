"""The simulator's recorder: cheap appends while running, contract columns when asked.

Message events dominate every trace, so they are recorded as plain tuples of the columns they
have: a send what the sender knows, a receive or handle what the message carried to it (the
receiver's node, the two actors, type and size travel with the message, so no table of sends
is kept: a long run holds nothing per message once it has been materialised). A one-byte kind
log keeps the exact global order, so ``seq`` is the position in that log. Materialising is
vectorised and incremental: each call turns only what was recorded since the last call into
one contract-typed chunk.
"""

from __future__ import annotations

import sys
from array import array

import polars as pl
import pyarrow as pa

from meshlab.events import COLUMNS, KIND_CODE, KINDS, SCHEMA, empty_frame

K_SEND = KIND_CODE["msg_send"]
K_RECV = KIND_CODE["msg_recv"]
K_HANDLE = KIND_CODE["msg_handle"]

# Column layouts of the narrow tables; the mesh appends tuples in exactly this order.
SEND_FIELDS = ("t", "node", "actor", "incarnation", "peer", "peer_node", "msg_type", "size")
SEND_EXTRA = ("duration", "reason")
_CARRIED = ("node", "actor", "peer", "msg_type", "size")  # as the receiver records them
RECV_FIELDS = ("t", "msg_id", "incarnation", *_CARRIED)
HANDLE_FIELDS = ("t", "msg_id", "incarnation", "duration", *_CARRIED)
OTHER_FIELDS = ("kind", "t", *(c for c in COLUMNS if c not in ("seq", "t", "kind")))

_KIND_NAMES = pl.Series("kind", KINDS)


class ChunkedFrames:
    """Materialised events as a list of contract-typed chunks, read whole or from a ``seq``.

    A subclass turns what was recorded since the last call into one chunk in ``_materialise``.
    """

    def __init__(self) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._base = 0  # seq of the first event in _chunks (older ones were forgotten)
        self._done = 0  # events already materialised
        self._frame: pl.DataFrame | None = None

    def __len__(self) -> int:
        raise NotImplementedError

    def held_bytes(self) -> int:
        """Bytes held besides the materialised chunks (what a long run must keep bounded)."""
        raise NotImplementedError

    def _materialise(self) -> None:
        raise NotImplementedError

    def _add_chunk(self, chunk: pl.DataFrame, done: int) -> None:
        self._chunks.append(chunk)
        self._done = done
        self._frame = None

    def frame(self) -> pl.DataFrame:
        """Every event so far as one contract-typed frame (cached until more is recorded)."""
        self._materialise()
        if self._frame is None:
            self._frame = pl.concat(self._chunks, rechunk=True) if self._chunks else empty_frame()
        return self._frame

    def forget(self, before: int) -> None:
        """Drop materialised chunks that end before ``before`` (a live server keeps a
        bounded window); the frame and ``since`` then start at the first chunk kept."""
        while self._chunks and self._base + self._chunks[0].height <= before:
            self._base += self._chunks.pop(0).height
            self._frame = None

    def since(self, seq: int) -> pl.DataFrame:
        """Events with ``seq >= seq``, reading only the chunks that can hold them."""
        self._materialise()
        picked, start = [], self._base
        for chunk in self._chunks:
            end = start + chunk.height
            if end > seq:
                picked.append(chunk.slice(max(0, seq - start)))
            start = end
        return pl.concat(picked) if picked else empty_frame()


class Recorder(ChunkedFrames):
    """Append-only event store of one mesh. The mesh writes the public lists directly."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds = array("B")  # one code per event not yet materialised, in seq order
        self.sends: list[tuple] = []  # SEND_FIELDS + SEND_EXTRA; msg_id == _first_id + index
        self.recvs: list[tuple] = []  # RECV_FIELDS
        self.handles: list[tuple] = []  # HANDLE_FIELDS
        self.other: list[tuple] = []  # OTHER_FIELDS, kind as its code
        self._first_id = 0  # msg_id of sends[0]: sends already materialised

    def __len__(self) -> int:
        return self._done + len(self.kinds)

    def held_bytes(self) -> int:
        """Bytes this recorder holds besides its materialised chunks: the kind log and the rows
        not yet materialised (the tuples' own objects aside). After materialising, a constant:
        nothing is kept per event or per message."""
        lists = (self.sends, self.recvs, self.handles, self.other)
        return sys.getsizeof(self.kinds) + sum(sys.getsizeof(rows) for rows in lists)

    # materialising ---------------------------------------------------------------------
    def _materialise(self) -> None:
        if not self.kinds:
            return
        base = self._done
        n = base + len(self.kinds)
        # the mesh appends to a fresh log from now on: the old one, exported to Arrow without
        # a copy, must not grow (an exported buffer cannot be resized)
        kinds, self.kinds = self.kinds, array("B")
        codes = pl.from_arrow(
            pa.Array.from_buffers(pa.uint8(), n - base, [None, pa.py_buffer(kinds)])
        )
        assert isinstance(codes, pl.Series)
        s_off = self._first_id
        parts = []
        if sends := self.sends:
            parts.append(self._send_rows(sends, s_off, positions(codes, K_SEND, base)))
        if recvs := self.recvs:
            parts.append(self._message_rows(recvs, RECV_FIELDS, "msg_recv", codes, K_RECV, base))
        if handles := self.handles:
            parts.append(
                self._message_rows(handles, HANDLE_FIELDS, "msg_handle", codes, K_HANDLE, base)
            )
        if other := self.other:
            parts.append(self._other_rows(other, codes, base))
        parts = [p.select(COLUMNS) for p in parts]
        chunk = pl.concat(parts, how="vertical").sort("seq") if parts else empty_frame()
        # the tuples are in the chunk now: drop them, so a long live run holds its events once
        # (and nothing per message beyond them); msg_id keeps counting from _first_id
        self._first_id = s_off + len(self.sends)
        for rows in (self.sends, self.recvs, self.handles, self.other):
            del rows[:]
        self._add_chunk(chunk, n)

    def _send_rows(self, rows: list[tuple], first_id: int, seq: pl.Series) -> pl.DataFrame:
        cols = list(zip(*rows, strict=True))
        names = (*SEND_FIELDS, *SEND_EXTRA)
        df = pl.DataFrame(
            {
                name: pl.Series(name, col, dtype=_dtype(name))
                for name, col in zip(names, cols, strict=True)
            }
        )
        df = df.with_columns(
            seq=seq,
            msg_id=pl.int_range(first_id, first_id + len(rows), dtype=pl.UInt64),
        )
        return df.drop("peer_node").with_columns(
            kind=pl.lit("msg_send", dtype=SCHEMA["kind"]),
            parent=pl.lit(None, dtype=pl.String),
        )

    def _message_rows(
        self, rows: list[tuple], fields: tuple[str, ...], kind: str, codes, code, base
    ) -> pl.DataFrame:
        cols = list(zip(*rows, strict=True))
        df = pl.DataFrame(
            {n: pl.Series(n, c, dtype=_dtype(n)) for n, c in zip(fields, cols, strict=True)}
        )
        out = df.with_columns(
            seq=positions(codes, code, base),
            kind=pl.lit(kind, dtype=SCHEMA["kind"]),
            parent=pl.lit(None, dtype=pl.String),
            reason=pl.lit(None, dtype=pl.String),
        )
        if "duration" not in out.columns:
            out = out.with_columns(duration=pl.lit(None, dtype=pl.Float64))
        return out

    def _other_rows(self, rows: list[tuple], codes: pl.Series, base: int) -> pl.DataFrame:
        cols = list(zip(*rows, strict=True))
        data = {}
        for name, col in zip(OTHER_FIELDS, cols, strict=True):
            if name == "kind":
                data[name] = kind_column(pl.Series(col, dtype=pl.UInt32))
            else:
                data[name] = pl.Series(name, col, dtype=SCHEMA[name])
        mask = ~codes.is_in([K_SEND, K_RECV, K_HANDLE])
        seq = pl.int_range(base, base + codes.len(), dtype=pl.UInt64, eager=True).filter(mask)
        return pl.DataFrame(data).with_columns(seq=seq)


def positions(codes: pl.Series, code: int, base: int) -> pl.Series:
    """The ``seq`` of every event of kind ``code`` in a run of kind codes starting at ``base``."""
    return ((codes == code).arg_true() + base).cast(pl.UInt64).alias("seq")


def kind_column(codes: pl.Series) -> pl.Series:
    """Kind codes (positions in ``KINDS``) as the contract's ``kind`` enum column."""
    return _KIND_NAMES.gather(codes.cast(pl.UInt32)).cast(SCHEMA["kind"]).alias("kind")


def _dtype(name: str) -> pl.DataType:
    return pl.String() if name == "peer_node" else SCHEMA[name]
