"""``meshlab replay TRACE --html OUT``: write a self-contained HTML replay of a saved trace."""

from __future__ import annotations

from pathlib import Path

from meshlab.cli import CliError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "replay", help="write a self-contained HTML replay of a trace (opens offline)"
    )
    p.add_argument("trace", type=Path, help="a saved trace (.parquet or .mlog)")
    p.add_argument("--html", type=Path, required=True, metavar="OUT", help="the HTML file to write")
    p.add_argument("--time", type=float, help="where the playhead starts (default: the start)")
    p.add_argument("--title", help="the page title (default: the scenario name)")
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.canvas import Canvas
    from meshlab.cli.traces import open_trace

    if args.html.suffix.lower() not in (".html", ".htm"):
        raise CliError(f"--html must name an .html file, got {args.html}")
    if not args.html.parent.exists():
        raise CliError(f"the folder {args.html.parent} does not exist")
    trace = open_trace(args.trace)
    if args.time is not None and len(trace):
        start, end = trace.events["t"].min(), trace.events["t"].max()
        if not start <= args.time <= end:
            raise CliError(
                f"--time {args.time} is outside the trace, which spans {start:g}..{end:g} s"
            )
    canvas = Canvas(trace, time=args.time)
    out = canvas.save_html(args.html, title=args.title)
    size = out.stat().st_size
    print(f"wrote {out} ({size / 1e6:.1f} MB, {len(trace):,} events); open it in any browser")
    return 0
