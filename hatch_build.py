"""Build hook: compile the simulator's C core (meshlab/sim/_core.c) when meshlab is installed.

It runs for wheels and for editable installs (``pip install -e .``, which ``make setup``
uses) and needs nothing but a C compiler and the Python headers. When compiling fails, the
install still succeeds, with a warning: meshlab then runs its pure-Python core, which gives
the same traces, only slower.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import warnings
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _builder(root: Path):
    # By path: importing the meshlab package would need its dependencies, absent here.
    spec = importlib.util.spec_from_file_location(
        "_core_build", root / "meshlab" / "sim" / "_core_build.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CoreBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or os.environ.get("MESHLAB_PURE", "") not in ("", "0"):
            return
        root = Path(self.root)
        build = _builder(root)
        try:
            out = build.compile_core() if build.stale_reason() else build.target()
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
            build_data["force_include"][str(out)] = str(out.relative_to(root))
