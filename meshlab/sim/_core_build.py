"""Compile the simulator's C core (``_core.c``) with the compiler this Python was built with.

Used by the install hook (``hatch_build.py``, which loads this file by path: it runs where
meshlab's dependencies are not installed, so this module needs the standard library only),
and by ``_speedups`` to rebuild a stale extension in a source checkout whose ``_core.c``
changed after the last install.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = (HERE / "_core.c", HERE / "_core_columns.h")


def target() -> Path:
    return HERE / ("_core" + sysconfig.get_config_var("EXT_SUFFIX"))


def is_stale() -> bool:
    """True when the sources are newer than the built extension (or it was never built)."""
    out = target()
    if not (HERE.parents[1] / "hatch_build.py").exists():
        return False  # an installed wheel, not a source checkout: it is what it is
    return not out.exists() or any(s.stat().st_mtime > out.stat().st_mtime for s in SOURCES)


def compile_core() -> Path:
    """Compile ``_core.c`` next to itself; returns the extension's path. Raises on failure."""
    out = target()
    link = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):  # honour an explicit compiler, as setuptools does
        link[0] = os.environ["CC"]
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
    include = sysconfig.get_paths()["include"]
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    cmd = [*link, *flags, "-O2", "-std=c11", f"-I{include}", str(SOURCES[0]), "-o", str(tmp)]
    try:
        subprocess.run([*cmd, "-lm"], check=True, capture_output=True, text=True)
        tmp.replace(out)  # atomic: a running interpreter never sees half a file
    finally:
        tmp.unlink(missing_ok=True)
    return out
