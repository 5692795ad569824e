"""Start ``meshlab serve`` as a subprocess from Python (a notebook, a test) and stop it.

The server prints one JSON line when it listens; :func:`serve_subprocess` waits for that
line (not for a fixed time) and returns a handle with the URLs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


class ServerProcess:
    """A running ``meshlab serve``: ``url`` (WebSocket), ``metrics_url``, ``healthz_url``."""

    def __init__(self, proc: subprocess.Popen, ready: dict[str, Any], args: list[str]) -> None:
        self.proc = proc
        self.ready = ready
        self.args = args
        self.url: str = ready["url"]
        self.metrics_url: str = ready["metrics"]
        self.healthz_url: str = ready["healthz"]
        self.name: str = ready["name"]
        self.port: int = ready["port"]
        self._stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        # keep the pipes from filling up (which would stall the server)
        for line in self.proc.stderr or ():
            self._stderr.append(line)
            del self._stderr[:-200]

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, *, timeout: float = 10.0) -> int:
        """Ask the server to stop (SIGTERM) and wait for it; returns its exit code."""
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout)

    def kill(self) -> int:
        """SIGKILL: the server dies at once, as in a crash."""
        if self.alive:
            self.proc.kill()
        return self.proc.wait(10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.alive else f"exited {self.proc.returncode}"
        return f"<ServerProcess {self.name!r} {self.url} pid={self.pid} {state}>"


def serve_subprocess(
    scenario: str | None = None,
    *,
    trace: str | Path | None = None,
    seed: int = 0,
    speed: float = 1.0,
    until: float | None = None,
    nodes: int | None = None,
    port: int = 0,
    name: str | None = None,
    token: str | None = None,
    stream_token: str | None = None,
    heartbeat: float | None = None,
    retain: int | None = None,
    max_connections_per_address: int | None = None,
    startup_timeout: float = 30.0,
) -> ServerProcess:
    """Start ``meshlab serve`` for a scenario (or a recorded ``trace``) and wait until it listens.

    ``port=0`` picks a free port. Stop it with ``.stop()`` (or use it as a context manager).

    Examples
    --------
    >>> serve_subprocess()
    Traceback (most recent call last):
    ...
    ValueError: give a scenario name or trace=PATH, not both and not neither
    """
    if (scenario is None) == (trace is None):
        raise ValueError("give a scenario name or trace=PATH, not both and not neither")
    args = [sys.executable, "-m", "meshlab", "serve", "--port", str(port), "--speed", str(speed)]
    args += ["--scenario", scenario, "--seed", str(seed)] if scenario else ["--trace", str(trace)]
    for flag, value in (
        ("--until", until),
        ("--nodes", nodes),
        ("--name", name),
        ("--heartbeat", heartbeat),
        ("--retain", retain),
        ("--max-connections-per-address", max_connections_per_address),
    ):
        if value is not None:
            args += [flag, str(value)]
    env = dict(os.environ)
    # tokens go in the environment, not on the command line, where `ps` would show them
    env.pop("MESHLAB_TOKEN", None)
    env.pop("MESHLAB_STREAM_TOKEN", None)
    if token is not None:
        env["MESHLAB_TOKEN"] = token
    if stream_token is not None:
        env["MESHLAB_STREAM_TOKEN"] = stream_token
    return launch(args, env, startup_timeout=startup_timeout)


def launch(args: list[str], env: dict[str, str], *, startup_timeout: float) -> ServerProcess:
    """Start a ``meshlab serve`` command line and wait for its listening JSON line."""
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    line: list[str] = []
    stdout = proc.stdout
    assert stdout is not None  # stdout=PIPE
    reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(startup_timeout)
    if not line or not line[0].strip():
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(
            f"meshlab serve did not start within {startup_timeout} s: {err.strip() or 'no output'}"
        )
    ready = json.loads(line[0])
    return ServerProcess(proc, ready, args)
