"""``meshlab grade FOLDER``: grade a folder of handed-in lab notebooks, each sandboxed."""

from __future__ import annotations

from pathlib import Path

from meshlab.cli import CliError


def add_parser(sub) -> None:
    from meshlab.labs import LABS

    p = sub.add_parser(
        "grade",
        help="grade a folder of submitted lab notebooks (.ipynb or .py), one process each",
        description="Grade every submission in FOLDER with a lab: each runs in its own process "
        "with time and memory limits; writes scores.csv, scores.json and feedback/<student>.txt.",
    )
    p.add_argument("folder", help="a folder of submissions: <student>.ipynb or <student>.py")
    p.add_argument("--lab", required=True, choices=sorted(LABS), help="which lab they did")
    p.add_argument("--seeds", default="0-9", help="seeds to grade on: 0-9, or 3,7,11 (0-9)")
    p.add_argument("--out", default=None, help="where to write the scores (FOLDER/grades)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds of wall time per submission (300)")  # fmt: skip
    p.add_argument("--memory", type=int, default=2048,
                   help="megabytes of memory per submission (2048)")  # fmt: skip
    p.set_defaults(func=run)


def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"3,7"`` -> [3, 7]; a CliError for anything else."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            seeds.extend(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    except ValueError:
        raise CliError(
            f"--seeds takes numbers and ranges such as 0-9 or 3,7,11, got {text!r}"
        ) from None
    if not seeds:
        raise CliError(f"--seeds names no seed: {text!r}")
    return seeds


def run(args) -> int:
    from meshlab.labs.grading import grade_folder

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CliError(f"no such folder of submissions: {folder}")
    out = Path(args.out) if args.out else folder / "grades"
    outcomes = grade_folder(folder, lab=args.lab, seeds=parse_seeds(args.seeds), out=out,
                            timeout=args.timeout, memory_mb=args.memory)  # fmt: skip
    if not outcomes:
        raise CliError(f"no submissions (.ipynb or .py) in {folder}")
    width = max(len(o.student) for o in outcomes)
    for o in outcomes:
        print(f"{o.student:<{width}}  {o.score:6.1f} %  {o.status}")
    print(f"wrote {out / 'scores.csv'}, {out / 'scores.json'} and {out / 'feedback'}/")
    return 0
