"""meshlab: see an actor mesh from inside a notebook, live or replayed.

The names below are imported lazily so that ``import meshlab`` stays fast and the
simulator never pulls in the widget or network stacks.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # contract and traces
    "Trace": "meshlab.trace",
    "TraceMeta": "meshlab.trace",
    "ContractError": "meshlab.events",
    "SchemaVersionError": "meshlab.trace",
    "load": "meshlab.trace",
    "TraceCorruptError": "meshlab.trace",
    "TraceDamageWarning": "meshlab.trace",
    # simulator
    "Mesh": "meshlab.sim",
    "Actor": "meshlab.sim",
    "Context": "meshlab.sim",
    "Supervisor": "meshlab.sim",
    "ChildSpec": "meshlab.sim",
    "Backoff": "meshlab.sim",
    # what-if forks and seed sweeps
    "Run": "meshlab.fork",
    "compare": "meshlab.fork",
    "sweep": "meshlab.fork",
    # views and sources
    "Canvas": "meshlab.canvas",
    "connect": "meshlab.live",
}
_SUBMODULES = {
    "scenarios",
    "charts",
    "checks",
    "fork",
    "labs",
    "prometheus",
    "events",
    "trace",
    "sim",
    "live",
    "net",
}

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        target = "meshlab.sim.net" if name == "net" else f"meshlab.{name}"
        return importlib.import_module(target)
    raise AttributeError(f"module 'meshlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
