"""What the commands print for a person: names in natural order and summarised, thousands
separators, and a quiet end when the reader of stdout goes away (``meshlab info x | head``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import meshlab as ml
from meshlab.cli.names import natural_key, node_list, node_states


def meshlab(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "meshlab", *args], text=True, timeout=120, **kw
    )  # fmt: skip


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A saved trace of 2,000 nodes."""
    path = tmp_path_factory.mktemp("wide") / "wide.parquet"
    ml.scenarios.run("ring", seed=0, nodes=2000, until=0.05).save(path)
    return path


def test_node_names_sort_naturally_and_number_runs_are_summarised():
    assert sorted(["n10", "n2", "n1", "n100", "m3"], key=natural_key) == [
        "m3", "n1", "n2", "n10", "n100",
    ]  # fmt: skip
    assert node_list(f"n{i}" for i in range(200)) == "n0–n199"
    assert node_list(["n0", "n1", "n3", "n4", "n5", "gw"]) == "gw, n0, n1, n3–n5"
    many = [f"n{i}" for i in range(0, 400, 2)]  # no two consecutive: no run to fold
    assert node_list(many) == "n0, n2, n4, n6, n8, n10 and 194 more"
    # attach's NODES line: each node by name while few, grouped by state past that
    assert node_states({"n10": "up", "n2": "down"}) == "n2 down  n10 up"
    states = {f"n{i}": "down" if i in (7, 8) else "up" for i in range(1000)}
    assert node_states(states) == "up 998: n0–n6, n9–n999  down 2: n7, n8"


def test_info_names_many_nodes_in_one_short_line_with_separators(wide):
    out = meshlab("info", str(wide), capture_output=True)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(None, 1) for line in out.stdout.splitlines() if line.strip())
    assert lines["nodes"] == "2,000: n0–n1999"
    assert out.stdout.splitlines()[4] == "at end    2,000 up"
    assert max(len(line) for line in out.stdout.splitlines()) < 120


def test_run_prints_thousands_separators_everywhere(tmp_path):
    out = meshlab("run", "ring", "--nodes", "2000", "--until", "0.05", capture_output=True)
    assert out.returncode == 0, out.stderr
    assert "  nodes     2,000: 2,000 up at the end" in out.stdout


@pytest.mark.parametrize(
    "args",
    [["info", "{wide}"], ["info", "{wide}", "--json"], ["scenarios"],
     ["run", "ring", "--until", "0.2"], ["export", "{wide}", "--out", "x.json"]],
)  # fmt: skip
def test_a_closed_stdout_ends_quietly(args, wide, tmp_path):
    """The reader is gone before the command prints anything: no traceback, no error line,
    the exit status of a process ended by SIGPIPE (128 + 13)."""
    read, write = os.pipe()
    os.close(read)
    try:
        out = meshlab(
            *[a.format(wide=wide) for a in args], stdout=write, stderr=subprocess.PIPE,
            cwd=tmp_path,
        )  # fmt: skip
    finally:
        os.close(write)
    assert out.stderr == ""
    assert out.returncode == 141
