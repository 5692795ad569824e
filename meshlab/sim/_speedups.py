"""Choose the simulator's hot path: the compiled ``_core`` extension, or its Python twin.

The extension is built when meshlab is installed (``hatch_build.py``) or by ``make core``;
nothing compiles here. In a source checkout whose ``_core.c`` (or a header) changed after the
last build, the stale extension is not used: the pure-Python twin runs, with one warning
naming the command that rebuilds it. The twin also runs where the extension cannot be built
(no C compiler) or when ``MESHLAB_PURE=1`` asks for it: the same traces, several times slower.
``MESHLAB_CORE=<path>`` loads the extension from that file instead (the sanitizer build).
``COMPILED`` says which core is in use.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from typing import TYPE_CHECKING

from meshlab.sim import _core_build

COMPILED = False


def _load(path: str):
    """The extension module built at ``path`` (what ``MESHLAB_CORE`` names)."""
    spec = importlib.util.spec_from_file_location("meshlab.sim._core", path)
    if spec is None or spec.loader is None or not os.path.isfile(path):
        raise ImportError(f"MESHLAB_CORE={path} is not a compiled extension file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warn(message: str) -> None:
    # Line 0 of this file: one line on stderr, without a source excerpt under it.
    warnings.warn_explicit(message, RuntimeWarning, __file__, 0, module=__name__)


# Both cores have one interface; the type checker reads the Python one.
if TYPE_CHECKING or os.environ.get("MESHLAB_PURE", "") not in ("", "0"):
    from meshlab.sim._core_py import CellBase, ContextBase, Engine
elif os.environ.get("MESHLAB_CORE"):  # asked for explicitly: failing to load it is an error
    _core = _load(os.environ["MESHLAB_CORE"])
    CellBase, ContextBase, Engine = _core.CellBase, _core.ContextBase, _core.Engine
    COMPILED = True
elif (stale := _core_build.stale_reason()) is not None:
    _warn(
        f"meshlab's compiled simulator core {stale}; running the pure-Python core (same "
        f"traces, several times slower). Build it with: {_core_build.REBUILD}"
    )
    from meshlab.sim._core_py import CellBase, ContextBase, Engine
else:
    try:
        from meshlab.sim._core import CellBase, ContextBase, Engine

        COMPILED = True
    except ImportError as exc:  # an install without a compiler: keep working, say why slow
        _warn(
            f"meshlab's compiled simulator core is not available ({exc}); running the "
            "pure-Python core (same traces, several times slower). Reinstall meshlab with a "
            "C compiler present to build it, or set MESHLAB_PURE=1 to silence this warning."
        )
        from meshlab.sim._core_py import CellBase, ContextBase, Engine

__all__ = ["COMPILED", "CellBase", "ContextBase", "Engine"]
