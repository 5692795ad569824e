"""Trace storage: Parquet (compact, for keeping) and the msgpack log (append-only, for recording).

``save`` and ``load`` pick the format from the file suffix. The two formats hold the same
thing: the events in the contract and the :class:`~meshlab.trace.TraceMeta`. This module knows
frames and metadata only; :func:`meshlab.trace.load` wraps what it reads into a ``Trace``.

The log (``.mlog``) is what a recorder writes while a run is going on::

    MAGIC (8 bytes)
    frame: header  {"format": "meshlab-log", "schema_version": 1, "meta": {...}}
    frame: batch   {"rows": n, "columns": {name: column, ...}}
    frame: batch   ...

``save`` writes batches of ``LOG_FRAME_ROWS`` (2,048) events, so a file cut short keeps every
frame before the cut; a recorder writes a frame per batch it receives.

Each frame is ``length:u32 | crc32(payload):u32 | crc32(first 8 bytes):u32 | payload`` (little
endian), the payload being one msgpack map. The checksum of the frame head means a damaged
length is caught as damage instead of being mistaken for a cut-off end. A batch column is
``{"type": T, "data": bytes, "valid": bytes | None}`` where ``data`` holds the values packed
little endian (``u64``, ``u32``, ``f64``; ``kind`` as a ``u8`` code into ``meshlab.events.KINDS``)
and ``valid`` one byte per row (absent when no value is null); a string column is
``{"type": "str", "values": [distinct strings in order of first use], "codes": u32 bytes,
"valid": ...}``.
"""

from __future__ import annotations

import json
import os
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import msgpack
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from meshlab.events import (
    COLUMNS,
    KINDS,
    REQUIRED_NON_NULL,
    SCHEMA,
    SCHEMA_VERSION,
    ContractError,
    conform,
)
from meshlab.trace.meta import SchemaVersionError, TraceMeta, check_version

MAGIC = b"MESHLOG\x01"
"""First bytes of every ``.mlog`` file."""

PARQUET_META_KEY = "meshlab"
"""Key of the Parquet key-value metadata entry holding ``TraceMeta.to_dict()`` as JSON."""

PARQUET_CHECK_KEY = "meshlab_check"
"""Key of the entry holding CRC-32s of the metadata JSON and of each number column, so that a
flipped bit anywhere (pages carry their own checksums too) is reported, not loaded."""

_CHECKED_COLUMNS = ("seq", "t", "incarnation", "msg_id", "size", "duration")

SUFFIXES = (".parquet", ".mlog")

_HEAD = struct.Struct("<III")
# Rows per batch frame in a written log: a log cut short (a copy stopped early, a full disk)
# keeps every frame before the cut, so a frame is kept small, ~150 KB; the reader decodes
# consecutive frames together (_DECODE_ROWS) so small frames cost little to read.
LOG_FRAME_ROWS = 2048
DIGEST_FRAME_ROWS = 1 << 20  # the framing Trace.digest() hashes: fixed, so digests stay valid
_DECODE_ROWS = 1 << 20
_PARQUET_ROW_GROUP = 1 << 22  # large groups read faster in parallel; 4M rows is ~60 MB on disk
_DICTIONARY_COLUMNS = ("kind", *(c for c, t in SCHEMA.items() if t == pl.String()))
_COLUMN_ENCODING = {
    "seq": "DELTA_BINARY_PACKED",
    "msg_id": "DELTA_BINARY_PACKED",
    "t": "BYTE_STREAM_SPLIT",
    "duration": "BYTE_STREAM_SPLIT",
}
_NUMERIC_TYPES: dict[str, np.dtype[Any]] = {
    "u64": np.dtype("<u8"),
    "u32": np.dtype("<u4"),
    "f64": np.dtype("<f8"),
}
_TYPE_OF: dict[pl.DataType, str] = {pl.UInt64(): "u64", pl.UInt32(): "u32", pl.Float64(): "f64"}


class TraceCorruptError(ContractError):
    """A trace file is damaged in the middle. ``partial`` holds every event before the damage.

    Load it anyway with ``meshlab.load(path, recover=True)``.
    """

    def __init__(
        self,
        message: str,
        *,
        partial_events: pl.DataFrame | None = None,
        meta: TraceMeta | None = None,
    ) -> None:
        super().__init__(message)
        self.partial_events = partial_events
        self.meta = meta
        self.partial: Any = None  # the Trace of partial_events, set by meshlab.trace.load


class Loaded(NamedTuple):
    """What :func:`read` found in a file; ``check`` says whether the events need validating."""

    events: pl.DataFrame
    meta: TraceMeta
    check: bool = True


class TraceDamageWarning(UserWarning):
    """Part of a trace file could not be read; what was read before it is kept."""


# ------------------------------------------------------------------------------------------
# dispatch


def save(events: pl.DataFrame, meta: TraceMeta, path: str | Path) -> Path:
    """Write a trace's ``events`` and ``meta`` to ``path``; the suffix picks the format
    (``.parquet`` or ``.mlog``).

    The file is written next to its final name and renamed into place, so a reader never
    sees half a Parquet file and an interrupted save leaves any older file intact.
    """
    path = Path(path)
    fmt = _format_of(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == ".parquet":
            write_parquet(events, meta, tmp)
        else:
            with open(tmp, "wb") as f:
                for chunk in log_chunks(events, meta):
                    f.write(chunk)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read(path: str | Path, *, recover: bool = False) -> Loaded:
    """Read a file written by :func:`save` or by a :class:`LogWriter`; see
    :func:`meshlab.trace.load`, which is what users call."""
    path = Path(path)
    fmt = _format_of(path)
    if not path.exists():
        raise FileNotFoundError(f"no trace file at {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a trace file")
    if path.stat().st_size == 0:
        raise ContractError(f"{path} is empty, so it holds no trace; was the recording started?")
    if fmt == ".parquet":
        return read_parquet(path)
    try:
        return read_log(path)
    except TraceCorruptError as exc:
        if not recover or exc.partial_events is None or exc.meta is None:
            raise
        warnings.warn(
            f"{exc}; recovered the {exc.partial_events.height:,} events before the damage",
            TraceDamageWarning,
            stacklevel=3,
        )
        return Loaded(exc.partial_events, exc.meta, check=False)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"cannot tell the trace format of {path.name!r} from its suffix {suffix or '(none)'}; "
            "use .parquet (compact, for keeping) or .mlog (append-only log)"
        )
    return suffix


# ------------------------------------------------------------------------------------------
# Parquet


def write_parquet(events: pl.DataFrame, meta: TraceMeta, path: str | Path) -> None:
    """Write the events as Parquet with the metadata in the file's key-value metadata.

    The encodings are chosen per column for size at speed (measured by
    ``bench/trace_storage.py``): ``seq`` and ``msg_id`` grow almost by steps of one, so delta
    packing stores them in a few bits; times are floats whose high bytes repeat, so byte
    stream splitting lets zstd find that; strings repeat a few thousand names, so they are
    dictionary encoded. zstd level 1 is nearly as small as level 3 and faster to write.
    """
    meta_json = json.dumps(meta.to_dict(), sort_keys=True)
    check = json.dumps({"meta": zlib.crc32(meta_json.encode()), **_column_crcs(events)})
    table = events.to_arrow()
    table = table.replace_schema_metadata(
        {
            **(table.schema.metadata or {}),
            PARQUET_META_KEY: meta_json,
            PARQUET_CHECK_KEY: check,
        }
    )
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=1,
        row_group_size=_PARQUET_ROW_GROUP,
        use_dictionary=list(_DICTIONARY_COLUMNS),
        column_encoding=_COLUMN_ENCODING,
        write_statistics=["seq", "t"],
        # every data and dictionary page carries a CRC-32, verified on read
        write_page_checksum=True,
    )


def _column_crcs(events: pl.DataFrame) -> dict[str, int]:
    """CRC-32 of each number column's values (nulls as 0) and of its null mask."""
    crcs = {}
    for name in _CHECKED_COLUMNS:
        col = events[name]
        values = col.fill_null(0).to_numpy().astype(_NUMERIC_TYPES[_TYPE_OF[col.dtype]])
        crc = zlib.crc32(values.data)  # .data: the array's bytes as a memoryview, not a copy
        if col.null_count():
            crc = zlib.crc32(col.is_null().to_numpy().view(np.uint8).data, crc)
        crcs[name] = crc
    return crcs


def read_parquet(path: Path) -> Loaded:
    """Read a Parquet trace, checking its metadata and columns against the contract.

    pyarrow reads it (not polars, whose reader can panic on a damaged file), verifying page
    checksums; the metadata and number columns are checked against the CRC-32s written with
    them. A file written before those checks existed loads as before.
    """
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=True)
        kv = {
            k.decode(errors="replace"): v.decode(errors="replace")
            for k, v in (pf.schema_arrow.metadata or {}).items()
        }
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ContractError(
            f"{path} is not a Parquet file, or a damaged one ({_first_line(exc)})"
        ) from None
    raw = kv.get(PARQUET_META_KEY)
    if raw is None:
        raise ContractError(
            f"{path} is a Parquet file but not a meshlab trace: it has no '{PARQUET_META_KEY}' "
            "metadata; to use its events, build one with meshlab.Trace(pl.read_parquet(path))"
        )
    check = _parquet_check(path, kv.get(PARQUET_CHECK_KEY))
    if check is not None and check.get("meta") != zlib.crc32(raw.encode()):
        raise TraceCorruptError(f"{path}: its meshlab metadata fails its checksum (damaged file)")
    try:
        meta = TraceMeta.from_dict(_json_map(json.loads(raw)))
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"{path}: {exc}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ContractError(f"{path}: its meshlab metadata is unreadable ({exc})") from None
    try:
        if "kind" in pf.schema_arrow.names:
            # kind as the dictionary it is stored as: it becomes the Enum without string work
            pf = pq.ParquetFile(path, page_checksum_verification=True, read_dictionary=["kind"])
        table = pf.read()
        # polars would trust the stored schema's field metadata, and panics on a damaged one;
        # the columns' types are checked by conform below
        table = table.cast(pa.schema([f.remove_metadata() for f in table.schema]))
        df = pl.from_arrow(table.replace_schema_metadata(None))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # a Rust panic is a BaseException: damage, not a crash
        raise TraceCorruptError(
            f"{path}: cannot read its events ({_first_line(exc)}); the file is damaged"
        ) from None
    assert isinstance(df, pl.DataFrame)
    try:
        events = conform(df)
    except ContractError as exc:
        raise ContractError(f"{path}: {exc}") from None
    if check is not None:
        bad = [c for c, crc in _column_crcs(events).items() if check.get(c) != crc]
        if bad:
            raise TraceCorruptError(
                f"{path}: column(s) {', '.join(bad)} fail their checksum (damaged file)"
            )
    return Loaded(events, meta)


def _parquet_check(path: Path, raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None  # written before checksums: nothing to compare with
    try:
        check = json.loads(raw)
    except ValueError:
        check = None
    if not isinstance(check, dict):
        raise TraceCorruptError(f"{path}: its checksum entry is unreadable (damaged file)")
    return check


def _json_map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# ------------------------------------------------------------------------------------------
# msgpack log: writing


def to_log_bytes(events: pl.DataFrame, meta: TraceMeta) -> bytes:
    """A trace as ``.mlog`` bytes. Deterministic: the same trace always gives the same bytes.

    Examples
    --------
    >>> import meshlab as ml
    >>> from meshlab.events import empty_frame
    >>> to_log_bytes(empty_frame(), ml.TraceMeta(seed=3))[:8] == MAGIC
    True
    """
    return b"".join(log_chunks(events, meta))


def log_chunks(
    events: pl.DataFrame, meta: TraceMeta, rows: int = LOG_FRAME_ROWS
) -> Iterator[bytes]:
    """The ``.mlog`` bytes of a trace, a frame of ``rows`` events at a time (what
    :func:`to_log_bytes` joins). The frames depend on the events alone, so the same trace always
    gives the same bytes."""
    yield MAGIC + _header_frame(meta)
    for start in range(0, events.height, rows):
        yield _batch_frame(events.slice(start, rows))


class LogWriter:
    """Append event batches to a ``.mlog`` file while a run or a live stream is going on.

    Each ``append`` writes one complete frame with a single write, so a reader of the file
    sees whole frames (at worst a cut-off last one, which it drops with a warning).

    Examples
    --------
    >>> import tempfile, pathlib, meshlab as ml
    >>> from meshlab.events import empty_frame
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "live.mlog"
    >>> with LogWriter(path, ml.TraceMeta(source="live")) as log:
    ...     log.append(empty_frame())
    >>> len(ml.load(path))
    0
    """

    def __init__(self, path: str | Path, meta: TraceMeta) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".mlog":
            raise ValueError(f"a LogWriter writes .mlog files, not {self.path.name!r}")
        self.meta = meta
        self.rows = 0
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._file.write(MAGIC + _header_frame(meta))
        self._file.flush()

    def append(self, events: pl.DataFrame) -> None:
        """Append a frame of events in the contract (it is conformed, not re-validated)."""
        if self._file is None:
            raise ValueError(f"the log {self.path} is closed; open a new LogWriter to append")
        events = conform(events)
        if events.height == 0:
            return
        self._file.write(_batch_frame(events))
        self.rows += events.height

    def flush(self) -> None:
        """Push written frames to the operating system so other readers see them."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _frame(payload: dict[str, Any]) -> bytes:
    body = msgpack.packb(payload, use_bin_type=True)
    head = struct.pack("<II", len(body), zlib.crc32(body))
    return head + struct.pack("<I", zlib.crc32(head)) + body


def _header_frame(meta: TraceMeta) -> bytes:
    return _frame(
        {
            "format": "meshlab-log",
            "schema_version": SCHEMA_VERSION,
            "meta": _canonical(meta.to_dict()),
        }
    )


def _canonical(value: Any) -> Any:
    """Sort mapping keys so equal metadata always packs to equal bytes."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _batch_frame(events: pl.DataFrame) -> bytes:
    columns: dict[str, Any] = {}
    for name in COLUMNS:
        columns[name] = _encode_column(events[name])
    return _frame({"rows": events.height, "columns": columns})


def _encode_column(s: pl.Series) -> dict[str, Any]:
    valid = None
    if s.null_count():
        valid = s.is_not_null().cast(pl.UInt8).to_numpy().tobytes()
    if s.name == "kind":
        return {"type": "kind", "data": s.to_physical().cast(pl.UInt8).to_numpy().tobytes()}
    if s.dtype == pl.String:
        values = s.drop_nulls().unique(maintain_order=True)
        codes = s.cast(pl.Enum(values.to_list())).to_physical().cast(pl.UInt32).fill_null(0)
        return {
            "type": "str",
            "values": values.to_list(),
            "codes": codes.to_numpy().astype("<u4", copy=False).tobytes(),
            "valid": valid,
        }
    kind = _TYPE_OF[s.dtype]
    data = s.fill_null(0).to_numpy().astype(_NUMERIC_TYPES[kind], copy=False).tobytes()
    return {"type": kind, "data": data, "valid": valid}


# ------------------------------------------------------------------------------------------
# msgpack log: reading


def read_log(path: Path) -> Loaded:
    """Read a ``.mlog`` file; see :func:`load` for what happens on damage."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ContractError(
            f"{path} is not a meshlab log: it does not start with the .mlog magic bytes"
        )
    offset = len(MAGIC)
    frames = _frames(path, data, offset)
    try:
        header = next(frames)
    except (StopIteration, _Truncated):
        raise ContractError(
            f"{path} ends inside its header frame, so it holds no events; "
            "was the recorder stopped as it started?"
        ) from None
    meta = _read_header(path, header[2])
    batches: list[pl.DataFrame] = []

    def partial() -> pl.DataFrame:
        return _concat(batches)

    group: list[tuple[int, int, dict[str, Any]]] = []  # frames read, not yet decoded

    def decode() -> None:
        frames_read = group[:]
        group.clear()
        _decode_group(path, frames_read, batches)

    try:
        try:
            rows = 0
            for frame in frames:
                group.append(frame)
                rows += _rows_of(frame[2])
                if rows >= _DECODE_ROWS:
                    decode()
                    rows = 0
        finally:  # the frames read before a cut or a damaged frame are kept
            if group:
                decode()
    except TraceCorruptError as exc:
        raise TraceCorruptError(str(exc), partial_events=partial(), meta=meta) from None
    except _Truncated as cut:
        warnings.warn(
            f"{path} ends inside frame {cut.number:,} (byte {cut.offset:,}): dropped the last "
            f"{cut.dropped:,} bytes, kept the {sum(b.height for b in batches):,} events "
            "before them",
            TraceDamageWarning,
            stacklevel=3,
        )
    return Loaded(partial(), meta, check=False)


class _Truncated(Exception):
    def __init__(self, number: int, offset: int, dropped: int) -> None:
        self.number, self.offset, self.dropped = number, offset, dropped


def _frames(path: Path, data: bytes, offset: int) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Yield (frame number, byte offset, payload); raise _Truncated at a cut-off end."""
    number = 0
    end = len(data)
    while offset < end:
        if end - offset < _HEAD.size:
            raise _Truncated(number, offset, end - offset)
        length, crc, head_crc = _HEAD.unpack_from(data, offset)
        if zlib.crc32(data[offset : offset + 8]) != head_crc:
            raise TraceCorruptError(
                f"{path}: frame {number:,} at byte {offset:,} has a damaged frame head"
            )
        body_at = offset + _HEAD.size
        if body_at + length > end:
            raise _Truncated(number, offset, end - offset)
        body = data[body_at : body_at + length]
        if zlib.crc32(body) != crc:
            raise TraceCorruptError(
                f"{path}: frame {number:,} at byte {offset:,} fails its checksum "
                "(the file is damaged)"
            )
        try:
            payload = msgpack.unpackb(body, raw=False)
        except Exception as exc:  # msgpack raises several types for malformed input
            raise TraceCorruptError(
                f"{path}: frame {number:,} at byte {offset:,} is not msgpack ({exc})"
            ) from None
        if not isinstance(payload, dict):
            raise TraceCorruptError(f"{path}: frame {number:,} at byte {offset:,} is not a map")
        yield number, offset, payload
        number += 1
        offset = body_at + length


def _read_header(path: Path, header: dict[str, Any]) -> TraceMeta:
    if header.get("format") != "meshlab-log":
        raise TraceCorruptError(f"{path}: its first frame is not a meshlab log header")
    try:
        check_version(header.get("schema_version"))
        meta = header.get("meta")
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise TraceCorruptError(
                f"{path}: its header's 'meta' is a {type(meta).__name__}, not a map"
            )
        return TraceMeta.from_dict(meta)
    except SchemaVersionError as exc:
        raise SchemaVersionError(f"{path}: {exc}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, ContractError):
            raise
        raise TraceCorruptError(f"{path}: its header's metadata is unreadable ({exc})") from None


def _rows_of(payload: dict[str, Any]) -> int:
    rows = payload.get("rows")
    return rows if isinstance(rows, int) else 0


def _decode_group(
    path: Path, group: list[tuple[int, int, dict[str, Any]]], batches: list[pl.DataFrame]
) -> None:
    """Consecutive frames decoded as one batch and appended to ``batches`` (joining their
    columns' bytes is cheap, building polars columns per frame is not). On any problem each
    frame is decoded alone, so the frames before a bad one are kept and the error names it."""
    if len(group) > 1:
        try:
            batches.append(_decode_batch(_merge([p for _, _, p in group])))
            return
        except Exception:  # decode frame by frame below
            pass
    for number, at, payload in group:
        try:
            batches.append(_decode_batch(payload))
        except Exception as exc:  # polars and numpy raise several types on bad input
            raise TraceCorruptError(
                f"{path}: frame {number:,} at byte {at:,} is not a valid event batch ({exc})"
            ) from None


def _merge(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Batch payloads as one: bytes joined, string codes shifted into the joined values."""
    rows = [p["rows"] for p in payloads]
    if not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in rows):
        raise ValueError("a frame's row count is not a count")
    columns: dict[str, Any] = {}
    for name in COLUMNS:
        cols = [p["columns"][name] for p in payloads]
        kind = cols[0]["type"]
        if any(c["type"] != kind for c in cols):
            raise ValueError(f"column {name!r} changes its encoding between frames")
        valids = [c.get("valid") for c in cols]
        if kind == "str":
            values: list[Any] = []
            codes: list[np.ndarray] = []
            for c, n, v in zip(cols, rows, valids, strict=True):
                own = c["values"]
                if not own and n:  # all null in this frame: its codes point at a placeholder
                    own = [""]
                    if v is None:
                        valids[len(codes)] = bytes(n)
                code = np.frombuffer(c["codes"], dtype="<u4")
                if code.size != n or (n and int(code.max()) >= len(own)):
                    raise ValueError(f"column {name!r} has codes that do not fit their frame")
                codes.append((code + len(values)).astype("<u4"))
                values.extend(own)
            merged: dict[str, Any] = {
                "type": kind, "values": values, "codes": np.concatenate(codes).tobytes()
            }  # fmt: skip
        else:
            width = 1 if kind == "kind" else _NUMERIC_TYPES[kind].itemsize
            if any(len(c["data"]) != n * width for c, n in zip(cols, rows, strict=True)):
                raise ValueError(f"column {name!r} has a frame of the wrong length")
            merged = {"type": kind, "data": b"".join(c["data"] for c in cols)}
        if any(v is not None and len(v) != n for v, n in zip(valids, rows, strict=True)):
            raise ValueError(f"column {name!r} has a validity mask of the wrong length")
        if any(v is not None for v in valids):
            merged["valid"] = b"".join(
                b"\x01" * n if v is None else v for v, n in zip(valids, rows, strict=True)
            )
        columns[name] = merged
    return {"rows": sum(rows), "columns": columns}


def _decode_batch(payload: dict[str, Any]) -> pl.DataFrame:
    rows = payload["rows"]
    cols = payload["columns"]
    missing = [c for c in COLUMNS if c not in cols]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise ValueError(f"'rows' must be a count, got {rows!r}")
    series = [_decode_column(name, cols[name], rows) for name in COLUMNS]
    df = pl.DataFrame(series)
    for name in REQUIRED_NON_NULL:
        if df[name].null_count():
            raise ValueError(f"column {name!r} holds a null, which the contract forbids")
    return df


def _decode_column(name: str, col: dict[str, Any], rows: int) -> pl.Series:
    kind = col["type"]
    if kind == "kind":
        codes = np.frombuffer(col["data"], dtype=np.uint8)
        _check_len(name, codes, rows)
        if codes.size and int(codes.max()) >= len(KINDS):
            raise ValueError(f"column 'kind' has an unknown kind code {int(codes.max())}")
        return pl.Series(name, codes).cat.to(SCHEMA["kind"])
    if kind == "str":
        codes = np.frombuffer(col["codes"], dtype="<u4")
        _check_len(name, codes, rows)
        # the types' set, not isinstance per value: a million values are checked in C
        if not isinstance(col["values"], list) or not set(map(type, col["values"])) <= {str}:
            raise ValueError(f"column '{name}' has values that are not a list of strings")
        values = pl.Series(name, col["values"], dtype=pl.String)
        if codes.size and int(codes.max()) >= max(1, values.len()):
            raise ValueError(f"column '{name}' has a string code {int(codes.max())} out of range")
        if codes.size and values.len() == 0:
            values = pl.Series(name, [None], dtype=pl.String)
        s = values.gather(pl.Series(codes))
    elif kind in _NUMERIC_TYPES:
        arr = np.frombuffer(col["data"], dtype=_NUMERIC_TYPES[kind])
        _check_len(name, arr, rows)
        s = pl.Series(name, arr).cast(SCHEMA[name])
    else:
        raise ValueError(f"column '{name}' has unknown encoding {kind!r}")
    valid = col.get("valid")
    if valid is not None:
        mask = np.frombuffer(valid, dtype=np.uint8)
        _check_len(name, mask, rows)
        s = pl.select(pl.when(pl.Series(mask.astype(bool))).then(s).otherwise(None)).to_series()
    return s.alias(name)


def _check_len(name: str, arr: np.ndarray, rows: int) -> None:
    if arr.size != rows:
        raise ValueError(f"column '{name}' has {arr.size} values for {rows} rows")


def _concat(batches: list[pl.DataFrame]) -> pl.DataFrame:
    if not batches:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(batches, how="vertical", rechunk=True)
