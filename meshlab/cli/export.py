"""``meshlab export TRACE --format F --out PATH``: write a trace for another tool."""

from __future__ import annotations

from pathlib import Path

from meshlab.cli import CliError


def add_parser(sub) -> None:
    from meshlab.export import FORMATS

    p = sub.add_parser(
        "export",
        help="export a trace to Perfetto, OpenTelemetry, Mermaid or ShiViz",
        description="Write a saved trace in another tool's format. perfetto (.pftrace) and "
        "chrome-json (.json) open in ui.perfetto.dev; otlp writes OpenTelemetry spans as "
        "OTLP/JSON lines, or sends them to --endpoint; mermaid and shiviz draw a window "
        "(--start, --end, --actors).",
    )
    p.add_argument("trace", help="a trace file (.parquet or .mlog)")
    p.add_argument("--format", choices=list(FORMATS), default=None,
                   help="output format (default: from the --out suffix)")  # fmt: skip
    p.add_argument("--out", default=None, help="output file")
    p.add_argument("--endpoint", default=None,
                   help="otlp only: send to this OTLP/HTTP URL (http://host:4318/v1/traces)",
                   )  # fmt: skip
    p.add_argument("--start", type=float, default=None, help="mermaid/shiviz: window start (s)")
    p.add_argument("--end", type=float, default=None, help="mermaid/shiviz: window end (s)")
    p.add_argument("--actors", default=None, help="mermaid/shiviz: comma-separated actor ids")
    p.add_argument("--limit", type=int, default=None,
                   help="mermaid: most arrows drawn; shiviz: most events written")  # fmt: skip
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.export import WINDOWED, export, otel
    from meshlab.trace import load

    path = Path(args.trace)
    if not path.is_file():
        raise CliError(f"no trace file at {path}")
    if args.endpoint is not None:
        if args.format not in (None, "otlp") or args.out is not None:
            raise CliError("--endpoint sends OpenTelemetry spans; use it with --format otlp "
                           "and without --out")  # fmt: skip
        try:
            n = otel.send(load(path), args.endpoint)
        except ImportError as exc:
            raise CliError(str(exc)) from None
        print(f"sent {n:,} spans to {args.endpoint}")
        return 0
    if args.out is None:
        raise CliError("give --out PATH (or --endpoint URL for otlp)")
    out = Path(args.out)
    fmt = args.format or _format_for(out)
    if not out.parent.is_dir():
        raise CliError(f"the folder {str(out.parent)!r} does not exist")
    options = {}
    for name in ("start", "end", "limit"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.actors:
        options["actors"] = [a.strip() for a in args.actors.split(",") if a.strip()]
    if options and fmt not in WINDOWED:
        flags = " and ".join(f"--{k}" for k in options)
        verb = "applies" if len(options) == 1 else "apply"
        raise CliError(
            f"{flags} only {verb} to --format {' or '.join(WINDOWED)}, not {fmt}; "
            "leave it out or choose one of those"
        )
    try:
        export(load(path), fmt, out, **options)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {fmt} to {out} ({out.stat().st_size:,} bytes)")
    return 0


def _format_for(out: Path) -> str:
    from meshlab.export import format_for

    try:
        return format_for(out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
