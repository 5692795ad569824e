"""How the compiled core is found: built ahead (install hook, make core), never at import.

A stale or missing core in a source checkout gives the pure-Python core and one warning line
that says what to run; ``MESHLAB_CORE`` loads a given build (the sanitizer's) or fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from meshlab.sim import _core_build


def patched(reason: str) -> str:
    """Code that loads the build module by path and makes ``stale_reason`` say ``reason``
    before meshlab.sim is imported (importing meshlab.sim is what chooses the core)."""
    path = str(_core_build.HERE / "_core_build.py")
    return (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('meshlab.sim._core_build', {path!r})\n"
        "b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)\n"
        "sys.modules['meshlab.sim._core_build'] = b\n"
        f"b.stale_reason = lambda out=None: {reason!r}\n"
    )


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("MESHLAB_PURE", "MESHLAB_CORE")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_stale_reason_names_what_is_missing_or_newer(tmp_path):
    out = tmp_path / "_core.so"
    assert _core_build.stale_reason(out) == "is not built"
    out.write_bytes(b"")
    old = time.time() - 10 * 365 * 86400
    os.utime(out, (old, old))
    assert _core_build.stale_reason(out) == "is older than " + ", ".join(
        s.name for s in _core_build.sources()
    )
    os.utime(out, None)
    assert _core_build.stale_reason(out) is None


def test_headers_count_as_sources():
    names = [s.name for s in _core_build.sources()]
    assert names[0] == "_core.c"
    assert "_core_columns.h" in names


def test_a_stale_core_runs_pure_python_with_one_warning_line():
    code = patched("is older than _core.c") + (
        "from meshlab.sim import _speedups as s\n"
        "import meshlab as ml\n"
        "m = ml.Mesh(seed=0, nodes=1); m.run()\n"
        "print(s.COMPILED, s.Engine.__module__)\n"
    )
    res = run_python(code)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "meshlab.sim._core_py"]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "older than _core.c" in lines[0]
    assert "make core" in lines[0]


def test_importing_never_compiles(tmp_path):
    # The import path must not run a compiler even when asked to rebuild: no CC reaches it.
    code = patched("is not built") + (
        "def boom(*a, **k): raise SystemExit('compiled at import')\n"
        "b.compile_core = boom\n"
        "import meshlab.sim\n"
    )
    res = run_python(code)
    assert res.returncode == 0, res.stderr


def test_meshlab_core_loads_that_file_or_fails_clearly(tmp_path):
    code = "from meshlab.sim import _speedups as s; print(s.COMPILED, s.Engine.__module__)"
    res = run_python(code, MESHLAB_CORE=str(_core_build.target()))
    if _core_build.stale_reason() is None:
        assert res.returncode == 0, res.stderr
        assert res.stdout.split() == ["True", "meshlab.sim._core"]
    missing = tmp_path / "nope.so"
    res = run_python(code, MESHLAB_CORE=str(missing))
    assert res.returncode != 0
    assert f"MESHLAB_CORE={missing} is not a compiled extension file" in res.stderr


def test_the_build_script_compiles_only_when_stale(tmp_path):
    script = str(_core_build.HERE / "_core_build.py")
    first = subprocess.run(
        [sys.executable, script, "--sanitize", str(tmp_path)], capture_output=True, text=True
    )
    if "cannot run the C compiler" in first.stderr and not os.environ.get("CI"):
        pytest.skip("no C compiler here")
    assert first.returncode == 0, first.stderr
    assert "compiled core built" in first.stdout
    again = subprocess.run(
        [sys.executable, script, "--sanitize", str(tmp_path)], capture_output=True, text=True
    )
    assert again.returncode == 0
    assert "up to date" in again.stdout
