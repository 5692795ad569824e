"""Fixtures for the live tests: real `meshlab serve` subprocesses on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.request

import pytest

from meshlab.live import serve_subprocess
from meshlab.live.observations import is_observation


@pytest.fixture
def servers():
    """Start servers with ``servers.start(...)``; every one is stopped after the test."""
    started = []

    class Servers:
        def start(self, *args, **kwargs):
            kwargs.setdefault("heartbeat", 0.2)
            srv = serve_subprocess(*args, **kwargs)
            started.append(srv)
            return srv

    yield Servers()
    for srv in started:
        srv.kill()


@pytest.fixture
def live_clients():
    """Open clients with ``live_clients.append(ml.connect(...))``; all are closed after."""
    clients = []
    yield clients
    for client in clients:
        client.close()


def healthz(srv) -> dict:
    with urllib.request.urlopen(srv.healthz_url, timeout=5) as response:
        return json.loads(response.read())


def source_events(frame):
    """The rows a client received from servers (not its own observations)."""
    return frame.filter(~is_observation(frame))
