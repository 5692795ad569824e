"""The interactive `meshlab attach`, driven through a real terminal: tmux runs it in a pseudo
terminal, keys go in with `send-keys`, and the test reads the rendered screen back with
`capture-pane`. Every wait is for text to appear on that screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        raise RuntimeError("tmux is required in CI (.ci/run installs it)")
    pytest.skip("tmux is not installed", allow_module_level=True)


class Terminal:
    def __init__(self, command: str, *, width: int = 110, height: int = 40) -> None:
        self.name = f"meshlab-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
             command],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate, *, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected:\n{text}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name]).returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal():
    opened = []

    def open_(command: str) -> Terminal:
        term = Terminal(command)
        opened.append(term)
        return term

    yield open_
    for term in opened:
        term.close()


def _attach(url: str, *extra: str) -> str:
    return " ".join([sys.executable, "-m", "meshlab", "attach", url, *extra])


def _table(screen: str) -> list[list[str]]:
    lines = screen.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("ACTOR"))
    rows = []
    for ln in lines[start + 1 :]:
        if not ln.strip():
            break
        rows.append(ln.split())
    return rows


def test_sort_inspect_control_freeze_and_quit(servers, terminal):
    srv = servers.start("supervision-tree", seed=1, speed=0.5, token="sekrit")
    term = terminal(_attach(srv.url, "--token", "sekrit"))
    term.wait_for(lambda s: "root/store/shard-0" in s and "ACTOR▲" in s)

    # sort: s steps through the columns (numbers biggest first), r reverses
    for _ in range(4):
        term.keys("s")
    screen = term.wait_for(lambda s: "PROCESSED▼" in s)
    processed = [int(r[4]) for r in _table(screen)]
    assert processed == sorted(processed, reverse=True) and processed[0] > 0
    term.keys("r")
    screen = term.wait_for(lambda s: "PROCESSED▲" in s)
    processed = [int(r[4]) for r in _table(screen)]
    assert processed == sorted(processed)

    # inspect the busiest actor: its state from the node and its flight recorder
    term.keys("r")
    screen = term.wait_for(lambda s: "PROCESSED▼" in s)
    busiest = _table(screen)[0][0]
    term.keys("Enter")
    screen = term.wait_for(lambda s: f"ACTOR {busiest}" in s and "FLIGHT RECORDER" in s)
    assert "class" in screen and "processed" in screen
    assert "msg_send" in screen or "msg_handle" in screen
    assert "handler time" in screen and "p99" in screen  # the HDR percentiles of its class

    # control with the token: pause the node's source
    term.keys("c")
    term.wait_for(lambda s: "CONTROL (selected actor:" in s and "kill_node" in s)
    term.keys("1")
    term.wait_for(lambda s: "control pause ok: node state paused" in s)

    # freeze the view, then follow again
    term.keys("Escape")
    term.wait_for(lambda s: "ACTOR" in s and "NODE" in s and "FOLLOWING" in s)
    term.keys("f")
    term.wait_for(lambda s: "FROZEN (" in s and "view frozen" in s)
    term.keys("f")
    term.wait_for(lambda s: "FOLLOWING" in s and "following the stream" in s)

    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not term.alive(), "q leaves attach"


def test_control_without_the_token_says_what_to_do(servers, terminal):
    srv = servers.start("ring", seed=1, speed=0.5, token="sekrit")
    term = terminal(_attach(srv.url))
    term.wait_for(lambda s: "ACTOR▲" in s and "ring" in s)
    term.keys("c")
    term.wait_for(lambda s: "CONTROL" in s)
    term.keys("1")
    screen = term.wait_for(lambda s: "control pause refused" in s)
    assert "control pause refused: no or wrong token; attach again with --token" in screen


def test_control_on_a_node_without_control_says_what_to_do_in_80_columns(servers, terminal):
    """The refusal of a node started without a token fits the status line, advice whole."""
    srv = servers.start("ring", seed=1, speed=0.5)
    term = Terminal(_attach(srv.url), width=80)
    try:
        # kill_node needs an actor to name its node: wait for the ring's actors to be listed,
        # not just the table's header, or the key meets "(no actors yet)" on a slow start
        term.wait_for(lambda s: "ACTOR▲" in s and "hop-0" in s)
        term.keys("c")
        term.wait_for(lambda s: "CONTROL (selected actor: hop-0)" in s)
        term.keys("4")
        screen = term.wait_for(lambda s: "refused" in s)
        assert (
            "control kill_node refused: this node allows no control; restart it with "
            "MESHLAB_TOKEN set" in " ".join(line.strip() for line in screen.splitlines())
        )
    finally:
        term.close()
