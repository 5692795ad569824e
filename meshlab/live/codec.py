"""Frames to bytes and back: msgpack maps, with event batches as columns of the contract.

A decoder faces bytes from the network, so every failure becomes a :class:`ProtocolError`
with a message that says what was wrong; nothing else escapes it (the fuzz tests hold it
to that).
"""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np
import polars as pl

from meshlab.events import COLUMNS, KINDS, SCHEMA
from meshlab.live.protocol import (
    E_BAD_REQUEST,
    E_MALFORMED,
    E_TOO_LARGE,
    EVENTS,
    ProtocolError,
    require,
)

# Numeric columns may travel as raw little-endian bytes when they hold no null: this keeps a
# 50,000 events/s stream cheap to pack and unpack. Everything else travels as a msgpack array.
_PACKED_DTYPES: dict[str, np.dtype] = {
    "seq": np.dtype("<u8"),
    "t": np.dtype("<f8"),
    "incarnation": np.dtype("<u4"),
    "msg_id": np.dtype("<u8"),
    "size": np.dtype("<u4"),
    "duration": np.dtype("<f8"),
}
_KIND_SET = frozenset(KINDS)


def encode(frame: dict) -> bytes:
    """Pack one frame.

    Examples
    --------
    >>> decode(encode({"type": "ping"}))
    {'type': 'ping'}
    """
    return msgpack.packb(frame, use_bin_type=True)


def decode(data: bytes | bytearray | memoryview | str, *, max_size: int | None = None) -> dict:
    """Unpack one frame: a msgpack map with a string ``type``. Raises :class:`ProtocolError`.

    Examples
    --------
    >>> decode(b"\\x93\\x01\\x02\\x03")
    Traceback (most recent call last):
    ...
    meshlab.live.protocol.ProtocolError: a frame must be a msgpack map ... got a list
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProtocolError(E_MALFORMED, "frames are binary WebSocket messages, not text")
    if max_size is not None and len(data) > max_size:
        raise ProtocolError(
            E_TOO_LARGE, f"frame of {len(data)} bytes exceeds the limit of {max_size} bytes"
        )
    try:
        frame = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception as exc:  # msgpack raises many types for bad input; all mean "malformed"
        raise ProtocolError(
            E_MALFORMED, f"frame is not valid msgpack ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(frame, dict):
        raise ProtocolError(
            E_MALFORMED,
            f"a frame must be a msgpack map with a string 'type', got a {_kind_of(frame)}",
        )
    if not isinstance(frame.get("type"), str):
        raise ProtocolError(E_MALFORMED, "a frame must be a msgpack map with a string 'type'")
    return frame


def events_frame(df: pl.DataFrame) -> dict:
    """The ``events`` frame for a contract frame (seq already the source's own).

    Examples
    --------
    >>> from meshlab.events import empty_frame
    >>> events_frame(empty_frame())["count"]
    0
    """
    columns: dict[str, Any] = {}
    for name in COLUMNS:
        col = df[name]
        if name in _PACKED_DTYPES and col.null_count() == 0:
            columns[name] = col.to_numpy().astype(_PACKED_DTYPES[name], copy=False).tobytes()
        elif name == "kind":
            columns[name] = col.cast(pl.String).to_list()
        else:
            columns[name] = col.to_list()
    first = int(df["seq"][0]) if df.height else None
    return {"type": EVENTS, "first_seq": first, "count": df.height, "columns": columns}


def events_from_frame(frame: dict) -> pl.DataFrame:
    """The contract frame carried by an ``events`` frame. Raises :class:`ProtocolError`.

    Checks what a receiver relies on: every column present with ``count`` values of the
    right type, known kinds, no null where the contract forbids one, and ``seq`` starting at
    ``first_seq`` and increasing by one.
    """
    count = require(frame, "count", int, "an events frame")
    columns = require(frame, "columns", dict, "an events frame")
    if count < 0:
        raise ProtocolError(E_BAD_REQUEST, f"events frame has a negative count {count}")
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ProtocolError(E_BAD_REQUEST, f"events frame lacks column(s) {', '.join(missing)}")
    extra = sorted(str(c) for c in columns if c not in SCHEMA)
    if extra:
        raise ProtocolError(
            E_BAD_REQUEST,
            f"events frame has unknown column(s) {', '.join(extra)} (schema version mismatch?)",
        )
    series = [_column(name, columns[name], count) for name in COLUMNS]
    df = pl.DataFrame(series)
    if count:
        for name in ("seq", "t", "kind", "node", "incarnation"):
            if df[name].null_count():
                raise ProtocolError(E_BAD_REQUEST, f"events column {name!r} holds a null")
        first = frame.get("first_seq")
        seq = df["seq"]
        if first != seq[0] or (count > 1 and not (seq.diff().drop_nulls() == 1).all()):
            raise ProtocolError(
                E_BAD_REQUEST,
                f"events frame must carry consecutive seq from first_seq={first!r}",
            )
    return df


def _column(name: str, values: Any, count: int) -> pl.Series:
    dtype = SCHEMA[name]
    if isinstance(values, bytes) and name in _PACKED_DTYPES:
        width = _PACKED_DTYPES[name].itemsize
        if len(values) != count * width:
            raise ProtocolError(
                E_BAD_REQUEST,
                f"packed column {name!r} has {len(values)} bytes, expected {count} x {width}",
            )
        array = np.frombuffer(values, dtype=_PACKED_DTYPES[name])
        return pl.Series(name, array, dtype=dtype)
    if not isinstance(values, list):
        raise ProtocolError(
            E_BAD_REQUEST, f"events column {name!r} must be an array, got a {_kind_of(values)}"
        )
    if len(values) != count:
        raise ProtocolError(
            E_BAD_REQUEST, f"events column {name!r} has {len(values)} values, count is {count}"
        )
    if name == "kind":
        unknown = {v for v in values if v not in _KIND_SET} if values else set()
        if unknown:
            shown = sorted(map(repr, unknown))[:3]
            raise ProtocolError(E_BAD_REQUEST, f"events column 'kind' has unknown kind(s) {shown}")
        return pl.Series(name, values, dtype=dtype)
    try:
        return pl.Series(name, values, dtype=dtype, strict=True)
    except Exception:  # polars raises several types for mistyped values
        bad = next((v for v in values if v is not None and not _fits(name, v)), None)
        raise ProtocolError(
            E_BAD_REQUEST, f"events column {name!r} holds {bad!r}, which is not a {dtype}"
        ) from None


def _fits(name: str, value: Any) -> bool:
    dtype = SCHEMA[name]
    if dtype == pl.String:
        return isinstance(value, str)
    if dtype == pl.Float64:
        return isinstance(value, int | float) and not isinstance(value, bool)
    limit = 2**64 if dtype == pl.UInt64 else 2**32
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit


_KIND_NAMES: dict[type, str] = {list: "list", dict: "map", str: "string", bytes: "binary"}


def _kind_of(value: Any) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)
