"""``meshlab attach URL [URL...]``: the terminal companion of the canvas.

In a terminal it is interactive (:mod:`meshlab.cli.attach_tui`): a sortable live actor
table, introspection with the flight recorder, control actions, follow or freeze. With
``--plain``, or when its output is not a terminal, it prints a read-only summary every
``--interval`` seconds instead, for logs and scripts.
"""

from __future__ import annotations

import sys
import time

from meshlab.cli import CliError
from meshlab.cli.names import node_states

CLEAR = "\x1b[H\x1b[2J"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "attach",
        help="a live terminal view of one or more nodes",
        description="Attach to running nodes. In a terminal: a live actor table sorted by any "
        "column (s, r), introspection of the selected actor with its flight recorder (Enter), "
        "control actions (c; needs --token), follow or freeze (f), quit (q). Otherwise, or "
        "with --plain: nodes, actors by state, message rates and recent failures, printed "
        "every --interval seconds. Ctrl-C leaves.",
    )
    p.add_argument("urls", nargs="+", metavar="URL", help="ws:// address of a node")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    p.add_argument("--seconds", type=float, default=None, help="leave after this long")
    p.add_argument(
        "--token", default=None, help="the node's token: to stream, where it is required, and "
        "for control actions",
    )  # fmt: skip
    p.add_argument(
        "--plain", action="store_true", help="print a read-only summary instead of the "
        "interactive view (the default when the output is not a terminal)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.live import connect
    from meshlab.live.state import StateTracker

    if not args.interval > 0:
        raise CliError(f"--interval must be a positive number, got {args.interval}")
    try:
        live = connect(args.urls, record=False, token=args.token)
    except (ConnectionError, ValueError) as exc:
        raise CliError(str(exc)) from None
    tracker = StateTracker(recent=5)
    if not args.plain and sys.stdin.isatty() and sys.stdout.isatty():
        return _interactive(live, tracker, args)
    seen, started = 0, time.monotonic()
    in_place = sys.stdout.isatty()
    try:
        while True:
            before = dict(tracker.messages)
            new = live.events_since(seen)
            if new.height:
                tracker.update(new)
                seen = int(new["seq"][-1]) + 1
            screen = render(live, tracker, before, args.interval, time.monotonic() - started)
            print((CLEAR if in_place else "") + screen, flush=True)
            if args.seconds is not None and time.monotonic() - started >= args.seconds:
                break
            time.sleep(args.interval)  # the refresh period of a human-facing view
    except KeyboardInterrupt:
        pass
    finally:
        live.close()
    return 0


def _interactive(live, tracker, args) -> int:
    import curses

    from meshlab.cli.attach_tui import Board, main

    board = Board(live, tracker)
    try:
        curses.wrapper(main, board, interval=min(args.interval, 0.5), seconds=args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        live.close()
    return 0


def render(live, tracker, before: dict, interval: float, elapsed: float) -> str:
    lines = [
        f"meshlab attach  {len(live.servers)} server(s)  events {live.head:,}  {elapsed:5.1f} s"
    ]
    lines.append("")
    lines.append(f"{'SERVER':<16}{'STATUS':<10}{'NEXT SEQ':>10}  URL")
    for s in live.servers:
        reason = f"  ({s['reason']})" if s["status"] != "live" and s["reason"] else ""
        lines.append(
            f"{s['name'] or '?':<16}{s['status']:<10}{s['next_seq']:>10,}  {s['url']}" + reason
        )
    lines.append("")
    nodes = node_states(tracker.nodes)
    lines.append(f"NODES    {nodes or '(none yet)'}")
    by_status: dict[str, int] = {}
    for (_node, status), n in tracker.actors_by_status().items():
        by_status[status] = by_status.get(status, 0) + n
    actors = "  ".join(f"{k} {v:,}" for k, v in sorted(by_status.items()))
    lines.append(f"ACTORS   {actors or '(none yet)'}")
    rates: dict[str, float] = {}
    for (node, outcome), n in tracker.messages.items():
        rates[outcome] = rates.get(outcome, 0.0) + (n - before.get((node, outcome), 0)) / interval
    shown = "  ".join(f"{k} {v:,.0f}/s" for k, v in sorted(rates.items()))
    lines.append(f"MESSAGES {shown or '(none yet)'}")
    lines.append("")
    lines.append("RECENT FAILURES")
    for f in list(tracker.recent_failures)[::-1]:
        root = f" (root cause {f['root_cause']})" if f["propagated"] else ""
        lines.append(f"  t={f['t']:.3f}  {f['node']}  {f['actor']}: {f['error']}{root}")
    if not tracker.recent_failures:
        lines.append("  (none)")
    return "\n".join(lines)
