"""Commands that open a trace agree: the same checks, the same words, the same exit codes
(the table in docs/cli.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def meshlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "meshlab", *args], capture_output=True, text=True, timeout=120
    )


COMMANDS = {
    "info": lambda path, tmp: ["info", str(path)],
    "replay": lambda path, tmp: ["replay", str(path), "--html", str(tmp / "out.html")],
    "serve": lambda path, tmp: ["serve", "--trace", str(path), "--port", "0"],
}


@pytest.fixture(scope="module")
def cut_log(tmp_path_factory):
    d = tmp_path_factory.mktemp("cut")
    log = d / "r.mlog"
    assert meshlab("run", "ring", "--until", "0.5", "--out", str(log)).returncode == 0
    cut = d / "cut.mlog"
    cut.write_bytes(log.read_bytes()[:300])
    return cut


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_file_with_no_recoverable_event_fails_the_same_way_everywhere(command, cut_log, tmp_path):
    out = meshlab(*COMMANDS[command](cut_log, tmp_path))
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("meshlab: warning:") and "ends inside frame" in lines[0]
    assert (
        lines[1]
        == f"meshlab: error: {cut_log}: no events could be read from it (see the warning above)"
    )
    assert len(lines) == 2
    assert not (tmp_path / "out.html").exists()  # no page that would wait for ever


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_file_is_a_usage_error_everywhere(command, tmp_path):
    missing = tmp_path / "absent.parquet"
    out = meshlab(*COMMANDS[command](missing, tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith(f"meshlab: error: no trace file at {missing}")
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_damaged_file_is_exit_code_1_everywhere(command, tmp_path):
    bad = tmp_path / "noise.parquet"
    bad.write_bytes(bytes(range(256)) * 8)
    out = meshlab(*COMMANDS[command](bad, tmp_path))
    assert out.returncode == 1
    assert out.stderr.startswith("meshlab: error:") and "not a Parquet file" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
