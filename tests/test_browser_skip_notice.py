"""Without Chromium the browser tests skip, and the run says so in a line of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_run_without_chromium_says_what_it_skipped_and_how_to_install_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["MESHLAB_CHROMIUM"] = str(tmp_path / "no-chromium")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/browser/test_replay_hostile.py",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    note = [line for line in done.stdout.splitlines() if line.startswith("NOTE:")]
    assert len(note) == 1, done.stdout
    assert "SKIPPED because Chromium is not installed" in note[0]
    assert "apt-get install -y chromium fonts-liberation" in note[0]
