"""``meshlab record URL [URL...] --seconds N --out FILE``: record live streams to a trace file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from meshlab.cli import CliError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "record",
        help="record the live stream of one or more nodes to a trace file",
        description="Attach to running nodes, record everything they stream for N seconds, "
        "and write it as a trace (.mlog is written as it arrives; .parquet at the end).",
    )
    p.add_argument("urls", nargs="+", metavar="URL", help="ws:// address of a node")
    p.add_argument("--seconds", type=float, required=True, help="how long to record")
    p.add_argument("--out", required=True, help="output file (.mlog or .parquet)")
    p.add_argument("--token", default=None, help="token, for nodes that require one to stream")
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.live import connect

    if not args.seconds > 0:
        raise CliError(f"--seconds must be a positive number, got {args.seconds}")
    out = Path(args.out)
    if out.suffix not in (".mlog", ".parquet"):
        raise CliError(f"--out must end in .mlog or .parquet, got {str(out)!r}")
    if not out.parent.exists():
        raise CliError(f"the folder {str(out.parent)!r} does not exist")
    log = out if out.suffix == ".mlog" else out.with_name(out.name + ".partial.mlog")
    try:
        live = connect(args.urls, record=log, token=args.token)
    except (ConnectionError, ValueError) as exc:
        raise CliError(str(exc)) from None
    deadline = time.monotonic() + args.seconds
    try:
        live.wait_for(lambda _lv: time.monotonic() >= deadline, timeout=args.seconds + 1)
    except KeyboardInterrupt:
        pass
    finally:
        servers = live.servers
        live.close()
    if out.suffix == ".parquet":
        from meshlab.trace import load

        load(log).save(out)
        log.unlink()
    down = [s["name"] for s in servers if s["status"] != "live"]
    print(
        f"recorded {live.head:,} events from {len(servers)} node server(s) to {out}"
        + (f"; not live at the end: {', '.join(map(str, down))}" if down else ""),
        file=sys.stderr,
    )
    return 0
