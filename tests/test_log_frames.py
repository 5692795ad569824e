"""A written ``.mlog`` is a run of small frames, so a file cut short keeps every frame before the
cut; the reader decodes consecutive frames together and still names the one at fault."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import msgpack
import pytest
from polars.testing import assert_frame_equal

import meshlab as ml
from meshlab.trace.storage import (
    LOG_FRAME_ROWS,
    MAGIC,
    TraceCorruptError,
    TraceDamageWarning,
    _frame,
    log_chunks,
)

ROOT = Path(__file__).resolve().parents[1]


def frames_of(data: bytes) -> list[tuple[int, dict]]:
    """(end offset, payload) of each frame after the magic bytes."""
    out, offset = [], len(MAGIC)
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "little")
        end = offset + 12 + length
        out.append((end, msgpack.unpackb(data[offset + 12 : end])))
        offset = end
    return out


@pytest.fixture(scope="module")
def trace():
    return ml.scenarios.run("node-failure", seed=2)


def test_a_saved_log_is_small_frames_and_the_same_bytes_each_time(trace, tmp_path):
    a = trace.save(tmp_path / "a.mlog").read_bytes()
    b = ml.scenarios.run("node-failure", seed=2).save(tmp_path / "b.mlog").read_bytes()
    assert a == b
    rows = [p["rows"] for _, p in frames_of(a)[1:]]
    assert sum(rows) == len(trace) > LOG_FRAME_ROWS
    assert all(r == LOG_FRAME_ROWS for r in rows[:-1]) and 0 < rows[-1] <= LOG_FRAME_ROWS


@pytest.mark.parametrize("frame_rows", [LOG_FRAME_ROWS, 97, 5])
def test_a_cut_log_keeps_every_frame_before_the_cut(trace, tmp_path, frame_rows):
    data = b"".join(log_chunks(trace.events, trace.meta, frame_rows))
    ends = [end for end, _ in frames_of(data)]
    path = tmp_path / "cut.mlog"
    for cut in (len(data) - 1, len(data) - 40, ends[-2] + 1, (ends[1] + ends[2]) // 2):
        path.write_bytes(data[:cut])
        whole = sum(1 for end in ends[1:] if end <= cut)  # batch frames that end before the cut
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kept = ml.load(path)
        assert len(kept) == min(whole * frame_rows, len(trace))
        assert_frame_equal(kept.events, trace.events.head(len(kept)))
        assert [w.category for w in caught] == [TraceDamageWarning]
    path.write_bytes(data)
    assert_frame_equal(ml.load(path).events, trace.events)  # frames decoded together, whole


def test_the_cut_log_example_in_the_docs_is_what_meshlab_says(tmp_path):
    """docs/cli.md's warning line: `meshlab run node-failure --seed 2 --out r.mlog`, its last
    40 bytes cut off, then `meshlab info r.mlog`."""

    def meshlab(*args):
        return subprocess.run([sys.executable, "-m", "meshlab", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    assert meshlab("run", "node-failure", "--seed", "2", "--out", "r.mlog").returncode == 0
    log = tmp_path / "r.mlog"
    log.write_bytes(log.read_bytes()[:-40])
    out = meshlab("info", "r.mlog")
    assert out.returncode == 0, out.stderr
    [line] = out.stderr.splitlines()
    assert "kept the 2,048 events before them" in line
    assert f"`{line}`" in (ROOT / "docs" / "cli.md").read_text()
    assert "events    2,048" in out.stdout


def test_a_bad_frame_among_good_ones_is_named_and_those_before_it_kept(trace, tmp_path):
    chunks = list(log_chunks(trace.events, trace.meta, 100))
    bad = msgpack.unpackb(chunks[3][12:])  # the third batch frame (past its 12-byte head)
    bad["columns"]["node"]["codes"] = (10_000).to_bytes(4, "little") * bad["rows"]
    chunks[3] = _frame(bad)
    path = tmp_path / "bad.mlog"
    path.write_bytes(b"".join(chunks))
    with pytest.raises(TraceCorruptError, match=r"frame 3 at byte [\d,]+ is not a valid") as err:
        ml.load(path)
    assert err.value.partial_events is not None
    assert_frame_equal(err.value.partial_events, trace.events.head(200))


def test_frames_whose_rows_do_not_match_across_columns_are_refused(trace, tmp_path):
    """Joined, two frames off by one value each in opposite directions would add up: each frame
    is checked on its own."""
    chunks = list(log_chunks(trace.events, trace.meta, 100))
    one, two = msgpack.unpackb(chunks[1][12:]), msgpack.unpackb(chunks[2][12:])
    one["columns"]["t"]["data"] += one["columns"]["t"]["data"][:8]
    two["columns"]["t"]["data"] = two["columns"]["t"]["data"][:-8]
    chunks[1:3] = [_frame(one), _frame(two)]
    path = tmp_path / "shifted.mlog"
    path.write_bytes(b"".join(chunks))
    with pytest.raises(TraceCorruptError, match=r"frame 1 at byte [\d,]+ .*'t' has 101 values"):
        ml.load(path)
