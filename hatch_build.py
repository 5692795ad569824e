"""Build hook: compile the simulator's C core (meshlab/sim/_core.c) when meshlab is installed.

It runs for wheels and for editable installs (``pip install -e .``, which ``make setup``
uses), with the compiler and flags this Python was built with, and needs nothing but a C
compiler and the Python headers. When compiling fails, the install still succeeds, with a
warning: meshlab then runs its pure-Python core, which gives the same traces, only slower.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
import warnings
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("meshlab") / "sim" / "_core.c"
HEADERS = (Path("meshlab") / "sim" / "_core_columns.h",)


def compile_core(root: Path) -> Path:
    """Compile ``_core.c`` next to itself; returns the extension module's path."""
    src = root / SOURCE
    out = src.with_name("_core" + sysconfig.get_config_var("EXT_SUFFIX"))
    deps = [src, *(root / h for h in HEADERS)]
    if out.exists() and all(out.stat().st_mtime >= d.stat().st_mtime for d in deps):
        return out
    link = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):  # honour an explicit compiler, as setuptools does
        link[0] = os.environ["CC"]
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
    include = sysconfig.get_paths()["include"]
    tmp = out.with_suffix(".tmp")
    cmd = [*link, *flags, "-O2", "-std=c11", f"-I{include}", str(src), "-o", str(tmp), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    tmp.replace(out)  # atomic, so a running interpreter never sees half a file
    return out


class CoreBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or os.environ.get("MESHLAB_PURE", "") not in ("", "0"):
            return
        try:
            out = compile_core(Path(self.root))
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            warnings.warn(
                f"meshlab: could not compile the simulator core ({detail.strip()[:500]}); "
                "installing the pure-Python core instead (same results, slower)",
                stacklevel=1,
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports it from the source tree
            build_data["force_include"][str(out)] = str(out.relative_to(self.root))
