"""The exit-code table in docs/cli.md is what the commands do: each row's example line and
code, reproduced by running ``meshlab`` (numbers aside) on files named as in the table."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import meshlab as ml
from meshlab.trace.storage import LogWriter

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| (\d+) \| (.+?) \| (?:`(.*)`)? ?\|$")
OPENERS = {
    "info": lambda name: ["info", name],
    "replay": lambda name: ["replay", name, "--html", "out.html"],
    "serve": lambda name: ["serve", "--trace", name, "--port", "0"],
}


def _table() -> dict[int, str]:
    section = (ROOT / "docs" / "cli.md").read_text().split("### Errors and exit codes", 1)[1]
    rows: dict[int, str] = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match:
            rows[int(match[1])] = match[3] or ""
        elif rows and not line.startswith("|"):
            break
    return rows


def _shape(line: str) -> str:
    """A line with its numbers and code quotes left out (they depend on the file)."""
    return re.sub(r"\d[\d,]*", "N", line.replace("`", ""))


def _meshlab(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "meshlab", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """r.mlog cut inside its last frame, cut.mlog with no whole frame, no absent.parquet."""
    d = tmp_path_factory.mktemp("table")
    events = ml.scenarios.run("ring", seed=0, until=2.0).events
    with LogWriter(d / "whole.mlog", ml.TraceMeta(source="test")) as log:
        for part in events.iter_slices(events.height // 4 + 1):
            log.append(part)
    whole = (d / "whole.mlog").read_bytes()
    (d / "r.mlog").write_bytes(whole[:-40])
    (d / "cut.mlog").write_bytes(whole[:300])
    return d


def test_the_table_has_the_rows_this_test_checks():
    assert set(_table()) == {0, 1, 2, 130, 141}


@pytest.mark.parametrize("command", ["info", "replay"])
def test_row_0_a_recoverable_problem_is_one_warning_line(command, files):
    out = _meshlab(OPENERS[command]("r.mlog"), files)
    assert out.returncode == 0, out.stderr
    assert _shape(out.stderr.splitlines()[0]) == _shape(_table()[0])


@pytest.mark.parametrize("command", sorted(OPENERS))
def test_row_1_no_usable_trace(command, files):
    (files / "out.html").unlink(missing_ok=True)  # row 0's replay wrote one
    out = _meshlab(OPENERS[command]("cut.mlog"), files)
    assert out.returncode == 1, out.stderr
    assert _shape(out.stderr.splitlines()[-1]) == _shape(_table()[1])
    assert not (files / "out.html").exists()


@pytest.mark.parametrize("command", sorted(OPENERS))
def test_row_2_the_command_line_is_wrong(command, files):
    out = _meshlab(OPENERS[command]("absent.parquet"), files)
    assert out.returncode == 2, out.stderr
    assert out.stderr.splitlines() == [out.stderr.splitlines()[0]]
    assert _shape(out.stderr.splitlines()[0]) == _shape(_table()[2])


def _interrupted(argv: list[str], cwd: Path, ready: str) -> int:
    """Run ``meshlab`` (its own entry point), Ctrl-C it once it prints ``ready``: its code.
    ``meshlab run`` prints nothing until it ends, so here it says 'started' as its command
    begins (a line printed before main() could be interrupted before main() is entered)."""
    entry = (
        "import sys, meshlab.cli.run as r; from meshlab.cli import main\n"
        "def run(args, _run=r.run):\n"
        "    print('started', flush=True)\n"
        "    return _run(args)\n"
        "r.run = run\n"
        f"sys.exit(main({argv!r}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", entry],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:  # the command's own sign that it is under way
        if ready in line:
            break
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)  # reads what it still writes (a closed pipe would fail it)
    return proc.returncode


def test_row_130_ctrl_c_and_serve_stopping_on_it(files):
    row = next(
        line
        for line in (ROOT / "docs" / "cli.md").read_text().splitlines()
        if line.startswith("| 130 |")
    )
    assert "`serve` stops on Ctrl-C" in row and "exits 0" in row
    # a command interrupted before it finished: 130
    assert _interrupted(["run", "ping-pong", "--until", "1e9"], files, "started") == 130
    # serve's Ctrl-C is how it is stopped: a clean end, once it listens
    assert _interrupted(OPENERS["serve"]("r.mlog"), files, "listening") == 0


def test_row_141_a_reader_that_went_away(files):
    """``meshlab info r.mlog | head``, the reader gone before the first line: a quiet end."""
    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "meshlab", "info", "r.mlog"],
            cwd=files, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write)
    assert out.returncode == 141
    assert out.stderr.splitlines() == [_warning_line(files)]  # the cut log's warning, no error


def _warning_line(files: Path) -> str:
    return _meshlab(OPENERS["info"]("r.mlog"), files).stderr.splitlines()[0]
