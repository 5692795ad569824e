"""The interactive ``meshlab attach``: the terminal companion of the canvas.

A live actor table (status, node, mailbox, processed, restarts) sorted by any column; Enter
introspects the selected actor on its node (its state now, its class's latency percentiles)
beside its flight recorder (the last events touching it); ``c`` runs a control action with
the token given to ``--token``; ``f`` switches between following the stream and a frozen view.

The model (:class:`Board`) knows nothing of curses, so its sorting, selection and text can be
reasoned about alone; :func:`main` draws it and reads keys.
"""

from __future__ import annotations

import curses
import textwrap
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from meshlab.cli.names import node_states

COLUMNS = ("actor", "node", "status", "mailbox", "processed", "restarts")
WIDTHS = {"actor": 34, "node": 10, "status": 10, "mailbox": 9, "processed": 11, "restarts": 9}
NUMERIC = {"mailbox", "processed", "restarts"}
DETAIL_FIELDS = (
    "node", "status", "class", "incarnation", "parent", "mailbox", "processed",
    "last_handler", "processing_time", "restarts", "busy_since", "hung",
)  # fmt: skip
HELP_TABLE = "↑↓ select  s sort  r reverse  Enter inspect  f follow/freeze  c control  q quit"
HELP_DETAIL = "Esc back  c control  f follow/freeze  q quit"
CONTROLS = (
    ("1", "pause", "pause the node's source"),
    ("2", "resume", "resume it"),
    ("3", "crash", "crash the selected actor"),
    ("4", "kill_node", "kill the selected actor's node"),
    ("5", "heal", "heal every partition"),
)


@dataclass
class Board:
    """What the screen shows, updated from a live source and the keys pressed."""

    live: Any
    tracker: Any
    seen: int = 0
    sort: str = "actor"
    descending: bool = False
    selected: int = 0
    follow: bool = True
    view: str = "table"  # table | detail | control
    detail: dict[str, Any] | None = None
    detail_actor: str | None = None
    message: str = ""
    pending: int = 0  # events not yet shown while frozen
    started: float = field(default_factory=time.monotonic)

    # data --------------------------------------------------------------------------------
    def pull(self) -> None:
        """Fold what arrived since the last pull, unless the view is frozen."""
        if not self.follow:
            self.pending = max(0, self.live.head - self.seen)
            return
        new = self.live.events_since(self.seen)
        if new.height:
            self.tracker.update(new)
            self.seen = int(new["seq"][-1]) + 1
        self.pending = 0

    def rows(self) -> list[dict[str, Any]]:
        tr = self.tracker
        rows = [
            {
                "actor": actor,
                "node": info["node"] or "",
                "status": tr.status(info),
                "mailbox": int(info["mailbox"]),
                "processed": int(info["processed"]),
                "restarts": int(info["restarts"]),
            }
            for actor, info in tr.actors.items()
        ]
        # ties broken by actor id, so that the order is stable from one refresh to the next
        rows.sort(key=lambda r: r["actor"])
        rows.sort(key=lambda r: r[self.sort], reverse=self.descending)
        return rows

    def selected_actor(self) -> str | None:
        rows = self.rows()
        if not rows:
            return None
        self.selected = min(self.selected, len(rows) - 1)
        return rows[self.selected]["actor"]

    # keys --------------------------------------------------------------------------------
    def key(self, k: str) -> bool:
        """Apply one key; False means quit."""
        if k == "q":
            return False
        if self.view == "control":
            return self._control_key(k)
        if k in ("f", " "):
            self.follow = not self.follow
            self.message = "following the stream" if self.follow else "view frozen (f follows)"
        elif k == "c":
            self.view, self.message = "control", ""
        elif self.view == "detail":
            if k in ("ESC", "KEY_BACKSPACE", "KEY_LEFT", "\x7f", "h"):
                self.view, self.detail, self.detail_actor = "table", None, None
        elif k in ("KEY_DOWN", "j"):
            self.selected += 1
            self.selected_actor()
        elif k in ("KEY_UP", "k"):
            self.selected = max(0, self.selected - 1)
        elif k == "KEY_NPAGE":
            self.selected += 10
            self.selected_actor()
        elif k == "KEY_PPAGE":
            self.selected = max(0, self.selected - 10)
        elif k == "s":
            self.sort = COLUMNS[(COLUMNS.index(self.sort) + 1) % len(COLUMNS)]
            self.descending = self.sort in NUMERIC  # biggest first is what one looks for
        elif k == "r":
            self.descending = not self.descending
        elif k in ("\n", "KEY_ENTER", "i", "KEY_RIGHT"):
            self.inspect()
        return True

    def inspect(self) -> None:
        actor = self.selected_actor()
        if actor is None:
            return
        self.view, self.detail_actor = "detail", actor
        try:
            self.detail = self.live.introspect(actor=actor, timeout=3.0)
            self.message = ""
        except (LookupError, TimeoutError, ConnectionError, RuntimeError) as exc:
            self.detail = None
            self.message = f"introspect {actor}: {exc}"

    def _control_key(self, k: str) -> bool:
        if k in ("ESC", "KEY_BACKSPACE", "\x7f"):
            self.view = "detail" if self.detail_actor else "table"
            return True
        for key, action, _ in CONTROLS:
            if k == key:
                self.view = "detail" if self.detail_actor and self.detail else "table"
                self.control(action)
        return True

    def control(self, action: str) -> None:
        args: dict[str, Any] = {}
        actor = self.detail_actor if self.view == "detail" else self.selected_actor()
        if action == "crash":
            if actor is None:
                self.message = "control crash: select an actor first"
                return
            args["actor"] = actor
        elif action == "kill_node":
            info = self.tracker.actors.get(actor) if actor else None
            if not info:
                self.message = "control kill_node: select an actor on the node first"
                return
            args["node"] = info["node"]
        try:
            reply = self.live.control(action, timeout=3.0, **args)
        except PermissionError as exc:
            self.message = _refusal(action, str(exc))
            return
        except (RuntimeError, TimeoutError, ConnectionError, ValueError) as exc:
            self.message = f"control {action} failed: {exc}"
            return
        what = " ".join(f"{v}" for v in args.values())
        self.message = f"control {action} {what} ok: node state {reply.get('state', '?')}".replace(
            "  ", " "
        )

    # text --------------------------------------------------------------------------------
    def header(self) -> list[str]:
        live = self.live
        mode = "FOLLOWING" if self.follow else f"FROZEN ({self.pending:,} new events)"
        servers = "  ".join(f"{s['name'] or '?'} {s['status']}" for s in live.servers)
        nodes = node_states(self.tracker.nodes)
        elapsed = time.monotonic() - self.started
        return [
            f"meshlab attach  {mode}  events {self.seen:,}  {elapsed:5.1f} s   {servers}",
            f"NODES {nodes or '(none yet)'}",
        ]

    def table(self, height: int) -> list[tuple[str, bool]]:
        """Lines of the actor table (text, selected), the header first, scrolled so that the
        selection is visible in ``height`` lines."""
        arrow = "▼" if self.descending else "▲"
        head = "".join(
            (f"{c.upper()}{arrow if c == self.sort else ''}").ljust(WIDTHS[c])
            if c not in NUMERIC
            else (f"{c.upper()}{arrow if c == self.sort else ''}").rjust(WIDTHS[c])
            for c in COLUMNS
        )
        rows = self.rows()
        if rows:
            self.selected = min(self.selected, len(rows) - 1)
        body = max(1, height - 1)
        top = max(0, self.selected - body + 1)
        lines = [(head, False)]
        for i, r in enumerate(rows[top : top + body], start=top):
            text = "".join(
                str(r[c]).rjust(WIDTHS[c]) if c in NUMERIC else _fit(str(r[c]), WIDTHS[c])
                for c in COLUMNS
            )
            lines.append((text, i == self.selected))
        if not rows:
            lines.append(("(no actors yet)", False))
        return lines

    def detail_lines(self) -> list[str]:
        actor = self.detail_actor
        lines = [f"ACTOR {actor}"]
        state = self.detail or {}
        for key in DETAIL_FIELDS:
            if key in state:
                lines.append(f"  {key:<16}{_show(state[key])}")
        if state.get("failure"):
            f = state["failure"]
            lines.append(f"  {'failure':<16}{f.get('error')} (root cause {f.get('root_cause')})")
        if state.get("attrs"):
            lines.append(f"  {'attrs':<16}{_show(state['attrs'])}")
        latency = state.get("latency") or {}
        for what in ("handler", "delivery"):
            q = latency.get(what)
            if q:
                lines.append(
                    f"  {what + ' time':<16}p50 {q['p50'] * 1e3:.3g} ms  p95 "
                    f"{q['p95'] * 1e3:.3g} ms  p99 {q['p99'] * 1e3:.3g} ms  ({q['count']:,})"
                )
        lines.append("")
        lines.append("FLIGHT RECORDER (last events touching it, newest last)")
        events = self.live.events
        touching = events.filter((pl.col("actor") == actor) | (pl.col("peer") == actor)).tail(12)
        for row in touching.iter_rows(named=True):
            other = f" peer {row['peer']}" if row["peer"] and row["peer"] != actor else ""
            what = f" {row['msg_type']}" if row["msg_type"] else ""
            why = f" ({row['reason']})" if row["reason"] else ""
            lines.append(f"  t={row['t']:.4f}  {row['kind']}{what}{other}{why}")
        if touching.height == 0:
            lines.append("  (nothing in the client's window)")
        return lines

    def control_lines(self) -> list[str]:
        target = self.detail_actor if self.detail_actor and self.detail else self.selected_actor()
        lines = [f"CONTROL (selected actor: {target})"]
        lines += [f"  {key}  {action:<10} {what}" for key, action, what in CONTROLS]
        lines.append("  Esc  back")
        return lines


def _refusal(action: str, reason: str) -> str:
    """The node's refusal as what to do, short enough for the status line of a narrow terminal
    (the node's own sentence, with its URL, ran past 110 columns and lost its advice)."""
    if "disabled" in reason:
        return (
            f"control {action} refused: this node allows no control; "
            "restart it with MESHLAB_TOKEN set"
        )
    return f"control {action} refused: no or wrong token; attach again with --token"


def _fit(text: str, width: int) -> str:
    if len(text) < width:
        return text.ljust(width)
    return "…" + text[-(width - 3) :] + "  "  # the end tells siblings apart


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "-" if value is None else str(value)


def main(stdscr, board: Board, *, interval: float, seconds: float | None) -> None:
    curses.curs_set(0)
    stdscr.timeout(50)
    last = 0.0
    while True:
        now = time.monotonic()
        if now - last >= interval:
            board.pull()
            last = now
            _draw(stdscr, board)
        if seconds is not None and now - board.started >= seconds:
            return
        try:
            ch = stdscr.get_wch()
        except curses.error:
            continue
        k = _name(ch)
        if k == "KEY_RESIZE":
            _draw(stdscr, board)
            continue
        if not board.key(k):
            return
        _draw(stdscr, board)


def _name(ch) -> str:
    if isinstance(ch, int):
        return curses.keyname(ch).decode() if ch != 27 else "ESC"
    if ch == "\x1b":
        return "ESC"
    if ch == "\r":
        return "\n"
    return ch


def _draw(stdscr, board: Board) -> None:
    height, width = stdscr.getmaxyx()
    stdscr.erase()

    def put(y: int, text: str, attr: int = 0) -> None:
        if 0 <= y < height:
            stdscr.addnstr(y, 0, text, max(0, width - 1), attr)

    header = board.header()
    for i, line in enumerate(header):
        put(i, line, curses.A_BOLD if i == 0 else 0)
    top = len(header) + 1
    # the status message wraps onto a second line rather than lose its end (the advice)
    message = textwrap.wrap(board.message, max(1, width - 1))[:2] or [""]
    room = height - top - 1 - len(message)
    if board.view == "table":
        for i, (text, selected) in enumerate(board.table(room)):
            put(top + i, text, curses.A_REVERSE if selected else (curses.A_BOLD if i == 0 else 0))
    else:
        lines = board.detail_lines() if board.view == "detail" else board.control_lines()
        for i, text in enumerate(lines[:room]):
            put(top + i, text, curses.A_BOLD if i == 0 else 0)
    for i, line in enumerate(message):
        put(height - 1 - len(message) + i, line)
    put(height - 1, HELP_TABLE if board.view == "table" else HELP_DETAIL, curses.A_DIM)
    stdscr.refresh()
