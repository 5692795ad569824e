"""``meshlab lab``: the course labs; ``meshlab lab export NAME`` writes a student's copy."""

from __future__ import annotations

from meshlab.cli import CliError


def add_parser(sub) -> None:
    from meshlab.labs import LABS

    p = sub.add_parser("lab", help="list the course labs, or export one for students")
    lab_sub = p.add_subparsers(dest="lab_command", metavar="ACTION")
    lab_sub.required = True
    ls = lab_sub.add_parser("list", help="the labs and their notebooks")
    ls.set_defaults(func=run_list)
    ex = lab_sub.add_parser(
        "export", help="write a student's copy of a lab: its notebook, no solution, no history"
    )
    ex.add_argument("name", choices=sorted(LABS))
    ex.add_argument("--out", default=".", help="folder to write <name>/ into (.)")
    ex.add_argument(
        "--source", default=None, help="folder holding the lab notebooks (this checkout's)"
    )
    ex.set_defaults(func=run_export)


def run_list(args) -> int:
    from meshlab.labs import LABS, lab_module

    for name, (_, notebook) in sorted(LABS.items()):
        doc = (lab_module(name).__doc__ or "").strip().splitlines()[0]
        print(f"{name:<16} {notebook:<28} {doc}")
    return 0


def run_export(args) -> int:
    from meshlab.labs.export import export_lab

    try:
        dest = export_lab(args.name, args.out, source=args.source)
    except (FileNotFoundError, FileExistsError) as exc:
        raise CliError(str(exc)) from None
    for p in sorted(dest.iterdir()):
        print(p)
    return 0
