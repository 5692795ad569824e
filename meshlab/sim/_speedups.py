"""Choose the simulator's hot path: the compiled ``_core`` extension, or its Python twin.

The extension is built when meshlab is installed (``hatch_build.py``), and rebuilt here when
a source checkout's ``_core.c`` is newer than the built file (so an edit or a pull never runs
stale compiled code). Where it cannot be built (no C compiler), or when ``MESHLAB_PURE=1``
asks for it, the pure-Python twin runs instead: the same traces, several times slower.
``COMPILED`` says which one is in use.
"""

from __future__ import annotations

import os
import subprocess
import warnings

COMPILED = False

if os.environ.get("MESHLAB_PURE", "") not in ("", "0"):
    from meshlab.sim._core_py import CellBase, ContextBase, Engine
else:
    try:
        from meshlab.sim import _core_build

        if _core_build.is_stale():
            try:
                _core_build.compile_core()
            except (OSError, subprocess.CalledProcessError) as exc:
                raise ImportError(f"rebuilding it failed: {exc}") from exc
        from meshlab.sim._core import CellBase, ContextBase, Engine

        COMPILED = True
    except ImportError as exc:  # not built: keep working, but say why it is slow
        warnings.warn(
            f"meshlab's compiled simulator core is not available ({exc}); using the pure-Python "
            "one, which is several times slower. Reinstall meshlab with a C compiler present "
            "(pip install -e .) to build it, or set MESHLAB_PURE=1 to silence this warning.",
            RuntimeWarning,
            stacklevel=2,
        )
        from meshlab.sim._core_py import CellBase, ContextBase, Engine

__all__ = ["COMPILED", "CellBase", "ContextBase", "Engine"]
