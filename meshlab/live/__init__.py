"""Live meshlab: the wire protocol, ``meshlab serve``, the client and the emitter.

``meshlab.connect(url)`` attaches to running nodes; ``Emitter`` publishes events from any
Python program; ``serve_subprocess`` starts ``meshlab serve`` from a notebook. The protocol
is specified in ``docs/protocol.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "connect": "meshlab.live.client",
    "LiveSource": "meshlab.live.client",
    "Emitter": "meshlab.live.emitter",
    "NodeServer": "meshlab.live.server",
    "serve_subprocess": "meshlab.live.process",
    "ServerProcess": "meshlab.live.process",
    "ProtocolError": "meshlab.live.protocol",
    "PROTOCOL_VERSION": "meshlab.live.protocol",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'meshlab.live' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
