"""Damaged trace files never load wrong data and never escape as a traceback.

A fixed-seed set of single-bit flips and truncations of a Parquet and an ``.mlog`` trace:
every case is either a clean load of what is intact (equal to the original, or a prefix of
it with a warning) or one clear error line, from ``meshlab.load`` and from ``meshlab info``.
Hand-built ``.mlog`` files with bad frames or metadata give one clear line too.
"""

from __future__ import annotations

import random
import warnings

import msgpack
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import meshlab as ml
from meshlab.cli import main
from meshlab.events import ContractError
from meshlab.trace.storage import MAGIC, TraceDamageWarning, _frame, to_log_bytes

FLIPS = 240
CUTS = 220


@pytest.fixture(scope="module")
def original():
    return ml.scenarios.run("supervision-tree", seed=1)


def _outcome(path, original):
    """'same', 'prefix' (with a warning) or 'error'; anything else fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trace = ml.load(path)
        except ContractError as exc:
            message = str(exc)
            assert "\n" not in message and str(path) in message, message
            return "error"
    events = trace.events
    assert trace.meta == original.meta, "metadata changed without an error"
    if events.height == original.events.height:
        assert_frame_equal(events, original.events)
        return "same"
    assert events.height < original.events.height
    assert_frame_equal(events, original.events.head(events.height))
    assert any(issubclass(w.category, TraceDamageWarning) for w in caught), "silent prefix"
    return "prefix"


def _info_is_clean(path, capsys, outcome: str) -> None:
    code = main(["info", str(path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "panicked" not in err, err
    if outcome == "error":
        assert code != 0
        assert len(err.strip().splitlines()) == 1, err
    else:
        assert code == 0 or "no events could be read" in err


@pytest.mark.parametrize("suffix", [".parquet", ".mlog"])
def test_bit_flips_and_truncations_are_caught(original, tmp_path, suffix, capsys):
    good = original.save(tmp_path / f"good{suffix}").read_bytes()
    rng = random.Random(12)
    outcomes: dict[str, int] = {}
    path = tmp_path / f"damaged{suffix}"
    cases = [("flip", rng.randrange(len(good) * 8)) for _ in range(FLIPS)]
    cases += [("cut", rng.randrange(1, len(good))) for _ in range(CUTS)]
    for i, (what, where) in enumerate(cases):
        data = bytearray(good)
        if what == "flip":
            data[where // 8] ^= 1 << (where % 8)
        else:
            del data[where:]
        path.write_bytes(bytes(data))
        outcome = _outcome(path, original)
        outcomes[f"{what}:{outcome}"] = outcomes.get(f"{what}:{outcome}", 0) + 1
        if i % 8 == 0:  # the CLI too, on a sample (each run re-reads the file)
            _info_is_clean(path, capsys, outcome)
    print(suffix, outcomes)
    # most flips land in event data and must be reported, not loaded
    assert outcomes.get("flip:error", 0) > FLIPS * 0.8, outcomes
    if suffix == ".parquet":
        assert outcomes.get("cut:error", 0) == CUTS, outcomes  # a cut Parquet file has no footer
    else:
        assert outcomes.get("cut:prefix", 0) + outcomes.get("cut:error", 0) == CUTS, outcomes


def _log(meta, *batches) -> bytes:
    header = {"format": "meshlab-log", "schema_version": 2, "meta": meta}
    return MAGIC + _frame(header) + b"".join(_frame(b) for b in batches)


def _batch_of(trace) -> dict:
    data = to_log_bytes(trace.events, trace.meta)
    frames = []
    offset = len(MAGIC)
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "little")
        frames.append(msgpack.unpackb(data[offset + 12 : offset + 12 + length]))
        offset += 12 + length
    return frames[1]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("string code out of range", "string code"),
        ("meta is a list", "not a map"),
        ("null seq", "'seq' holds a null"),
        ("rows not a count", "'rows' must be a count"),
        ("values not strings", "not a list of strings"),
    ],
)
def test_hand_built_logs_give_one_clear_line(original, tmp_path, damage, expected, capsys):
    batch = _batch_of(original)
    meta = original.meta.to_dict()
    cols = batch["columns"]
    if damage == "string code out of range":
        codes = bytearray(cols["node"]["codes"])
        codes[0:4] = (10_000).to_bytes(4, "little")
        cols["node"]["codes"] = bytes(codes)
    elif damage == "meta is a list":
        meta = [1, 2, 3]
    elif damage == "null seq":
        cols["seq"]["valid"] = bytes([0]) + bytes([1]) * (batch["rows"] - 1)
    elif damage == "rows not a count":
        batch["rows"] = "many"
    elif damage == "values not strings":
        cols["actor"]["values"] = [1, 2]
    path = tmp_path / "hand.mlog"
    path.write_bytes(_log(meta, batch))
    with pytest.raises(ContractError, match=expected) as err:
        ml.load(path)
    assert "\n" not in str(err.value)
    assert main(["info", str(path)]) != 0
    out = capsys.readouterr().err
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    assert expected in out


def test_parquet_page_checksums_are_written(original, tmp_path):
    import pyarrow.parquet as pq

    path = original.save(tmp_path / "t.parquet")
    # a flip in the middle of the t column's data: pages carry CRCs, so pyarrow refuses it
    md = pq.ParquetFile(path).metadata
    col = next(
        md.row_group(0).column(i)
        for i in range(md.num_columns)
        if md.row_group(0).column(i).path_in_schema == "t"
    )
    start = col.data_page_offset
    data = bytearray(path.read_bytes())
    data[start + col.total_compressed_size // 2] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(ContractError, match="damaged"):
        ml.load(path)
    assert pl.read_parquet_metadata(tmp_path / "t.parquet")["meshlab_check"]
