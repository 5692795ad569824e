"""Helpers for the Ray tests: the gate that runs them, ``meshlab serve --ray`` in a
subprocess, waiting, a terminal for ``meshlab attach``.

With ``CI`` set the tests must run (a missing Ray is an error); without it they are skipped
only when Ray is not installed. The cluster follows the notes measured on a 2-core machine:
a private ``RAY_TMPDIR``, Ray's memory monitor off, one CPU per node, ``num_cpus=0`` actors.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid

import polars as pl
import pytest


def require_ray():
    try:
        import ray  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI is set but Ray is not installed: pip install -e '.[dev]'")
        pytest.skip("Ray is not installed (pip install 'meshlab[ray]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``meshlab serve --ray`` in a subprocess; ``ready`` is its listening line."""

    def __init__(self, address: str, *extra: str) -> None:
        args = [sys.executable, "-m", "meshlab", "serve", "--ray", address, "--port", "0"]
        args += ["--heartbeat", "1", *extra]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()))
        reader.start()
        reader.join(60)
        if not line or not line[0].strip():
            self.proc.kill()
            raise RuntimeError(f"meshlab serve --ray did not start: {self.proc.stderr.read()}")
        self.ready = json.loads(line[0])
        self.url = self.ready["url"]
        self.err: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for text in self.proc.stderr:
            self.err.append(text)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if isinstance(value, pl.DataFrame) or value:  # a frame is returned only when wanted
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Terminal:
    """A command in a tmux pseudo terminal: keys in with ``send-keys``, the rendered screen
    out with ``capture-pane`` (as tests/live/test_attach_tui.py drives ``meshlab attach``)."""

    def __init__(self, command: str, *, width: int = 120, height: int = 40) -> None:
        if shutil.which("tmux") is None:
            if os.environ.get("CI"):
                pytest.fail("tmux is required in CI (.ci/run installs it)")
            pytest.skip("tmux is not installed")
        self.name = f"meshlab-ray-{uuid.uuid4().hex[:8]}"
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, *size, command], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate, *, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {what}:\n{text}")
            time.sleep(0.1)

    def alive(self) -> bool:
        done = subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True)
        return done.returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)
