"""Version 1 traces, written by the release before contract v2, still load.

The files in tests/data/v1 were written by meshlab at schema version 1 (the ``node-failure``
scenario, seed 2, until 3.1) and are never regenerated: they are what users have on disk.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import meshlab as ml
from meshlab.events import KINDS, kinds_of

V1 = Path(__file__).parent / "data" / "v1"


@pytest.mark.parametrize("name", ["node-failure.parquet", "node-failure.mlog"])
def test_v1_file_loads(name):
    trace = ml.load(V1 / name)
    assert trace.meta.schema_version == 1
    assert trace.meta.scenario == "node-failure" and trace.meta.seed == 2
    assert len(trace) == 1393
    assert trace.events.schema["kind"] == pl.Enum(list(KINDS))
    used = set(trace.events["kind"].cast(pl.String).unique())
    assert used <= set(kinds_of(1)) and "node_down" in used
    state = trace.state_at(3.0)
    assert state.nodes.filter(pl.col("node") == "n2")["state"].item() == "down"
    # v2 state columns read sensibly on a v1 trace: no attrs, busy from msg_handle alone
    assert state.actors["attrs"].null_count() == state.actors.height
    assert set(state.actors.filter(pl.col("busy_since").is_not_null())["status"]) <= {"busy"}


def test_v1_parquet_and_mlog_hold_the_same_events():
    a = ml.load(V1 / "node-failure.parquet").events
    b = ml.load(V1 / "node-failure.mlog").events
    assert a.equals(b)


def test_v1_trace_saves_as_v2_and_reads_back(tmp_path):
    trace = ml.load(V1 / "node-failure.mlog")
    again = ml.load(trace.save(tmp_path / "again.parquet"))
    assert again.events.equals(trace.events)
