"""``meshlab bench GROUP``: run the benchmarks in ``bench/`` and print their figures.

A benchmark module in ``bench/`` defines ``run(*, quick: bool) -> list[Figure]``. The modules
live outside the package (they need the repository and dev extras), so they are loaded by path.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from meshlab.cli import CliError

GROUPS: dict[str, tuple[str, ...]] = {
    "sim": ("sim_throughput", "trace_storage", "state_at"),
    "widget": ("widget_stream", "widget", "widget_scale", "widget_views"),
    "live": ("live", "emitter"),
    "export": ("export",),
    "meshos": ("meshos",),
    "sweep": ("sweep",),
    "soak": ("soak",),
    "ray": ("ray_follow",),
}


def bench_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "bench"
    if not here.is_dir():
        raise CliError(
            "the benchmarks live in the repository's bench/ folder, which this install lacks; "
            "run `meshlab bench` from a source checkout (git clone, then `make setup`)"
        )
    return here


def load(name: str):
    path = bench_dir() / f"{name}.py"
    if not path.exists():
        raise CliError(f"benchmark module {path} is missing")
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"meshlab_bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="run benchmarks and print their figures")
    p.add_argument("group", choices=[*GROUPS, "all"], help="which benchmarks")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    p.set_defaults(func=run)


def run(args) -> int:
    groups = list(GROUPS) if args.group == "all" else [args.group]
    figures = []
    for group in groups:
        for name in GROUPS[group]:
            module = load(name)
            for fig in module.run(quick=args.quick):
                fig = {"group": group, **fig}
                figures.append(fig)
                if not args.json:
                    print(format_figure(fig), flush=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


def format_figure(fig: dict) -> str:
    """One line: name, value with unit, the target and whether it was met."""
    value = fig["value"]
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    line = f"{fig['name']:<48} {shown:>14} {fig.get('unit', '')}"
    if fig.get("target"):
        verdict = {True: "met", False: "MISSED", None: ""}[fig.get("met")]
        line += f"   target {fig['target']}  {verdict}"
    if fig.get("note"):
        line += f"   ({fig['note']})"
    return line
