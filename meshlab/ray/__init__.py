"""Follow a running Ray cluster as a meshlab live node.

``meshlab serve --ray ADDRESS`` (or :class:`RaySource` in a :class:`~meshlab.live.NodeServer`)
turns Ray's Event Export pushes and its state API into contract events; ``export_env(url)``
is the environment to start Ray with so that it pushes to meshlab. ``docs/ray.md`` has the
mapping table. Importing this package does not import Ray; only following a cluster does.
"""

from __future__ import annotations

import importlib
from typing import Any

from meshlab.ray.env import export_env as export_env

_EXPORTS = {
    "LocalCluster": "meshlab.ray.local",
    "RayMapper": "meshlab.ray.mapping",
    "RaySource": "meshlab.ray.source",
    "start_local_cluster": "meshlab.ray.local",
}

__all__ = sorted([*_EXPORTS, "export_env"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'meshlab.ray' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
