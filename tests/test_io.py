"""Trace storage: round trips, determinism, and every kind of damage with nothing lost before it."""

from __future__ import annotations

import json
import struct
import warnings
from dataclasses import replace
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from framekit import FrameKit, two_node_story
from polars.testing import assert_frame_equal

import meshlab as ml
from meshlab.events import ContractError, empty_frame
from meshlab.trace import SchemaVersionError, Trace, TraceMeta, load
from meshlab.trace.storage import (
    MAGIC,
    LogWriter,
    TraceCorruptError,
    TraceDamageWarning,
    to_log_bytes,
)


def batches_trace(n_batches: int = 3) -> list[pl.DataFrame]:
    """The story trace cut into ``n_batches`` consecutive frames."""
    ev = two_node_story().events
    size = -(-ev.height // n_batches)
    return [ev.slice(i * size, size) for i in range(n_batches)]


def write_log(path: Path, batches: list[pl.DataFrame]) -> list[int]:
    """Write a log; return the byte offset where each batch frame starts."""
    offsets = []
    with LogWriter(path, two_node_story().meta) as log:
        for b in batches:
            log.flush()
            offsets.append(path.stat().st_size)
            log.append(b)
    return offsets


@pytest.mark.parametrize("suffix", [".parquet", ".mlog"])
def test_round_trip_keeps_events_and_meta(tmp_path, suffix):
    trace = two_node_story()
    trace = Trace(trace.events, replace(trace.meta, params={"k": [1, 2], "a": "x"}))
    back = load(trace.save(tmp_path / f"run{suffix}"))
    assert_frame_equal(back.events, trace.events)
    assert back.meta == trace.meta
    assert back.digest() == trace.digest()


@pytest.mark.parametrize("suffix", [".parquet", ".mlog"])
def test_round_trip_of_an_empty_trace(tmp_path, suffix):
    trace = Trace(empty_frame(), TraceMeta(scenario="nothing"))
    back = load(trace.save(tmp_path / f"e{suffix}"))
    assert back.events.schema == trace.events.schema
    assert len(back) == 0 and back.meta.scenario == "nothing"


def test_all_null_string_column_round_trips_in_the_log(tmp_path):
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.node_join(0.5, "n1")
    trace = fk.trace()
    back = load(trace.save(tmp_path / "n.mlog"))
    assert_frame_equal(back.events, trace.events)


def test_log_bytes_are_deterministic_and_differ_when_the_trace_does():
    a, b = two_node_story(), two_node_story()
    assert to_log_bytes(a.events, a.meta) == to_log_bytes(b.events, b.meta)
    changed = Trace(a.events.with_columns(pl.col("t") * 2), a.meta)
    assert to_log_bytes(changed.events, changed.meta) != to_log_bytes(a.events, a.meta)
    other_meta = Trace(a.events, TraceMeta(seed=8))
    assert to_log_bytes(other_meta.events, other_meta.meta) != to_log_bytes(a.events, a.meta)


def test_meshlab_load_is_the_io_load(tmp_path):
    path = two_node_story().save(tmp_path / "x.parquet")
    assert ml.load(path).meta.seed == 7
    assert Trace.load(path).meta.seed == 7


def test_unknown_suffix_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"\.parquet .*\.mlog"):
        two_node_story().save(tmp_path / "run.csv")
    with pytest.raises(ValueError, match="suffix"):
        load(tmp_path / "run")


def test_missing_empty_and_random_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no trace file"):
        load(tmp_path / "absent.mlog")
    (tmp_path / "empty.mlog").write_bytes(b"")
    with pytest.raises(ContractError, match="empty"):
        load(tmp_path / "empty.mlog")
    (tmp_path / "noise.mlog").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ContractError, match="not a meshlab log"):
        load(tmp_path / "noise.mlog")
    (tmp_path / "noise.parquet").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ContractError, match="not a Parquet file"):
        load(tmp_path / "noise.parquet")
    (tmp_path / "head.mlog").write_bytes(MAGIC + b"\x05")
    with pytest.raises(ContractError, match="header"):
        load(tmp_path / "head.mlog")


def test_log_is_readable_while_being_written(tmp_path):
    path = tmp_path / "live.mlog"
    parts = batches_trace(3)
    with LogWriter(path, two_node_story().meta) as log:
        log.append(parts[0])
        log.flush()
        assert_frame_equal(load(path).events, parts[0])
        log.append(parts[1])
        log.flush()
        assert len(load(path)) == parts[0].height + parts[1].height
        log.append(parts[2])
    assert_frame_equal(load(path).events, two_node_story().events)
    with pytest.raises(ValueError, match="closed"):
        log.append(parts[0])


def test_cut_off_last_frame_keeps_everything_before_and_warns(tmp_path):
    path = tmp_path / "cut.mlog"
    parts = batches_trace(3)
    offsets = write_log(path, parts)
    full = path.read_bytes()
    cut_at = offsets[2] + 20  # inside the last frame
    path.write_bytes(full[:cut_at])
    with pytest.warns(TraceDamageWarning, match=r"dropped the last 20 bytes"):
        trace = load(path)
    assert_frame_equal(trace.events, pl.concat(parts[:2]))
    assert trace.meta == two_node_story().meta
    # cut inside the frame head too
    path.write_bytes(full[: offsets[2] + 5])
    with pytest.warns(TraceDamageWarning, match="dropped the last 5 bytes"):
        assert len(load(path)) == parts[0].height + parts[1].height


def test_corrupt_middle_frame_names_file_frame_offset_and_keeps_the_partial(tmp_path):
    path = tmp_path / "bad.mlog"
    parts = batches_trace(3)
    offsets = write_log(path, parts)
    data = bytearray(path.read_bytes())
    data[offsets[1] + 40] ^= 0xFF  # inside the second batch's payload
    path.write_bytes(bytes(data))
    with pytest.raises(TraceCorruptError) as err:
        load(path)
    msg = str(err.value)
    assert str(path) in msg and "frame 2" in msg and f"byte {offsets[1]:,}" in msg
    assert isinstance(err.value, ContractError)
    assert_frame_equal(err.value.partial.events, parts[0])
    with pytest.warns(TraceDamageWarning, match="recovered"):
        recovered = load(path, recover=True)
    assert_frame_equal(recovered.events, parts[0])


def test_damaged_frame_length_is_corruption_not_truncation(tmp_path):
    path = tmp_path / "len.mlog"
    parts = batches_trace(3)
    offsets = write_log(path, parts)
    data = bytearray(path.read_bytes())
    data[offsets[1]] ^= 0x01  # the length field of the second batch
    path.write_bytes(bytes(data))
    with pytest.raises(TraceCorruptError, match="damaged frame head") as err:
        load(path)
    assert_frame_equal(err.value.partial.events, parts[0])


def test_log_of_unknown_schema_version(tmp_path):
    path = tmp_path / "v9.mlog"
    two_node_story().save(path)
    data = path.read_bytes()
    import msgpack

    from meshlab.trace.storage import _frame

    length = struct.unpack_from("<I", data, len(MAGIC))[0]
    header = msgpack.unpackb(data[len(MAGIC) + 12 : len(MAGIC) + 12 + length])
    header["schema_version"] = 9
    rest = data[len(MAGIC) + 12 + length :]
    path.write_bytes(MAGIC + _frame(header) + rest)
    with pytest.raises(SchemaVersionError, match="schema_version 9"):
        load(path)


def _rewrite_parquet(src: Path, dst: Path, *, meta=None, drop: str | None = None) -> None:
    table = pq.read_table(src)
    # as another tool would rewrite it: without meshlab's checksums of what it changed
    skip = (b"ARROW:schema", b"meshlab_check")
    kv = {k: v for k, v in pq.read_metadata(src).metadata.items() if k not in skip}
    if meta is not None:
        kv[b"meshlab"] = json.dumps(meta).encode()
    if drop:
        table = table.drop_columns([drop])
    pq.write_table(table.replace_schema_metadata(kv), dst)


def test_parquet_with_a_missing_column_names_it(tmp_path):
    src = two_node_story().save(tmp_path / "ok.parquet")
    _rewrite_parquet(src, tmp_path / "bad.parquet", drop="msg_id")
    with pytest.raises(ContractError, match=r"missing column.*msg_id"):
        load(tmp_path / "bad.parquet")


def test_parquet_of_unknown_schema_version(tmp_path):
    src = two_node_story().save(tmp_path / "ok.parquet")
    meta = {**two_node_story().meta.to_dict(), "schema_version": 3}
    _rewrite_parquet(src, tmp_path / "v3.parquet", meta=meta)
    with pytest.raises(SchemaVersionError, match=r"v3\.parquet.*schema_version 3"):
        load(tmp_path / "v3.parquet")


def test_parquet_without_meshlab_metadata(tmp_path):
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), path)
    with pytest.raises(ContractError, match="not a meshlab trace"):
        load(path)


def test_truncated_parquet_is_a_clear_error(tmp_path):
    path = two_node_story().save(tmp_path / "t.parquet")
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ContractError, match="not a Parquet file"):
        load(path)


def test_save_replaces_atomically_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "a.parquet"
    two_node_story().save(path)
    Trace(empty_frame()).save(path)
    assert len(load(path)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet"]


def test_no_warning_on_a_clean_log(tmp_path):
    path = two_node_story().save(tmp_path / "clean.mlog")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(path)


def test_cli_info_describes_a_trace_and_fails_cleanly_on_a_bad_file(tmp_path, capsys):
    from meshlab.cli import main

    path = two_node_story().save(tmp_path / "story.mlog")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "handmade   seed 7" in out and "nodes     2: n0, n1" in out
    assert "failures  1 (0 propagated)" in out and "drops     dead_letter 1" in out
    assert main(["info", "--json", str(path)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["events"] == 19 and facts["restarts"] == 1
    (tmp_path / "junk.mlog").write_bytes(b"not a trace at all")
    assert main(["info", str(tmp_path / "junk.mlog")]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a meshlab log" in err
