"""Compile the simulator's C core (``_core.c``) with the compiler this Python was built with.

Nothing compiles when meshlab is imported. The core is built by the install hook
(``hatch_build.py``, for wheels and ``pip install -e .``), by ``make core`` (which ``make test``,
``make lab`` and ``make bench`` run first), or by running this file::

    python meshlab/sim/_core_build.py              # rebuild next to the sources if stale
    python meshlab/sim/_core_build.py --sanitize build/sanitize   # ASan + UBSan build

In a source checkout, ``_speedups`` uses the built core only when it is newer than every
source; otherwise it runs the pure-Python twin and warns once, naming the command above.
The hook and ``_speedups`` load this file without meshlab's dependencies, so it needs the
standard library only.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
REBUILD = "make core (or: python meshlab/sim/_core_build.py)"
# Debug info and frame pointers so a sanitizer report names the line; errors abort the run.
SANITIZE_FLAGS = (
    "-O1",
    "-g",
    "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
)


def sources() -> list[Path]:
    """``_core.c`` and the headers it includes (every ``_core*.h`` beside it)."""
    return [HERE / "_core.c", *sorted(HERE.glob("_core*.h"))]


def target(folder: Path | None = None) -> Path:
    return (folder or HERE) / ("_core" + sysconfig.get_config_var("EXT_SUFFIX"))


def in_checkout() -> bool:
    """True in a source checkout (where sources can change after the build), not a wheel."""
    return (HERE.parents[1] / "hatch_build.py").exists()


def stale_reason(out: Path | None = None) -> str | None:
    """Why the built extension cannot be used as is (not built, older than a source), or None."""
    out = out or target()
    if out == target() and not in_checkout():
        return None  # an installed wheel: it is what it is (or absent: import says so)
    if not out.exists():
        return "is not built"
    built = out.stat().st_mtime
    newer = [s.name for s in sources() if s.stat().st_mtime > built]
    return f"is older than {', '.join(newer)}" if newer else None


def compile_core(out: Path | None = None, *, sanitize: bool = False) -> Path:
    """Compile ``_core.c`` into ``out`` (default: next to itself); returns the path.

    Raises ``OSError`` or ``subprocess.CalledProcessError`` (its ``stderr`` holds the
    compiler's messages) on failure.
    """
    out = out or target()
    out.parent.mkdir(parents=True, exist_ok=True)
    link = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):  # honour an explicit compiler, as setuptools does
        link[0] = os.environ["CC"]
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
    flags += [*SANITIZE_FLAGS] if sanitize else ["-O2"]
    include = sysconfig.get_paths()["include"]
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    cmd = [*link, *flags, "-std=c11", f"-I{include}", str(HERE / "_core.c"), "-o", str(tmp)]
    try:
        subprocess.run([*cmd, "-lm"], check=True, capture_output=True, text=True)
        tmp.replace(out)  # atomic: a running interpreter never sees half a file
    finally:
        tmp.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse  # here, not at the top: _speedups imports this module on every import

    parser = argparse.ArgumentParser(
        prog="python meshlab/sim/_core_build.py",
        description="Compile meshlab's simulator core (only when a source is newer).",
    )
    parser.add_argument(
        "--sanitize",
        metavar="DIR",
        type=Path,
        help="build with AddressSanitizer and UBSan into DIR (load it with MESHLAB_CORE=path)",
    )
    parser.add_argument("--force", action="store_true", help="compile even when up to date")
    args = parser.parse_args(argv)
    out = target(args.sanitize.resolve()) if args.sanitize else target()
    if not args.force and stale_reason(out) is None:
        print(f"meshlab: compiled core up to date: {out}")
        return 0
    try:
        compile_core(out, sanitize=args.sanitize is not None)
    except subprocess.CalledProcessError as exc:
        print(exc.stderr, file=sys.stderr)
        print(f"meshlab: error: compiling {HERE / '_core.c'} failed (see above)", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"meshlab: error: cannot run the C compiler: {exc}", file=sys.stderr)
        return 1
    print(f"meshlab: compiled core built: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
