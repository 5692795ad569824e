"""Node names in a line a person reads: natural order (n2 before n10) and, past a few, runs of
consecutively numbered names ("n0–n199"), the same rules as the canvas's partition captions
(widgets/src/partition_names.ts), so 200 nodes take one short line instead of 1,400 columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBERED = re.compile(r"^(.*?)(\d{1,9})$")
RUN = 3  # a run takes at least this many consecutive names ("n0, n1" stays a list)
SHOWN = 6  # at most this many runs or names on the line; the nodes past them are counted


def natural_key(name: str) -> list[str | int]:
    """Sort key comparing digit groups as numbers: n2 < n10 < rack2-n7 < rack10-n1."""
    # split with a capturing group: text at even positions, digits at odd, so parts compare
    return [int(p) if i % 2 else p for i, p in enumerate(re.split(r"(\d+)", name))]


def runs(names: Iterable[str]) -> list[tuple[str, int]]:
    """The names in natural order as (text, count) items: a run of at least RUN names with one
    prefix and consecutive numbers is ``("first–last", n)``, any other name ``(name, 1)``."""
    ordered = sorted(set(names), key=natural_key)
    parsed = [_NUMBERED.match(s) for s in ordered]
    out: list[tuple[str, int]] = []
    k = 0
    while k < len(ordered):
        e = k
        m = parsed[k]
        while m is not None and e + 1 < len(ordered):
            a, b = parsed[e], parsed[e + 1]
            if b is None or a is None or b[1] != m[1] or int(b[2]) != int(a[2]) + 1:
                break
            e += 1
        if e - k + 1 >= RUN:
            out.append((f"{ordered[k]}–{ordered[e]}", e - k + 1))
        else:
            out.extend((s, 1) for s in ordered[k : e + 1])
        k = e + 1
    return out


def node_list(names: Iterable[str], shown: int = SHOWN) -> str:
    """The names as runs joined by commas, at most ``shown`` items, the rest counted.

    >>> node_list(f"n{i}" for i in range(200))
    'n0–n199'
    >>> node_list(["n10", "n2", "n1"])
    'n1, n2, n10'
    >>> node_list([f"n{i}" for i in range(0, 40, 2)])
    'n0, n2, n4, n6, n8, n10 and 14 more'
    """
    items = runs(names)
    if len(items) <= shown:
        return ", ".join(text for text, _ in items)
    rest = sum(n for _, n in items[shown:])
    return ", ".join(text for text, _ in items[:shown]) + f" and {rest:,} more"


def node_states(states: dict[str, str], shown: int = SHOWN) -> str:
    """Each node with its state, in natural order; past ``shown`` nodes, grouped by state.

    >>> node_states({"n10": "up", "n2": "down", "n1": "up"})
    'n1 up  n2 down  n10 up'
    >>> node_states({f"n{i}": "down" if i == 7 else "up" for i in range(200)})
    'up 199: n0–n6, n8–n199  down 1: n7'
    """
    if len(states) <= shown:
        return "  ".join(f"{n} {states[n]}" for n in sorted(states, key=natural_key))
    groups: dict[str, list[str]] = {}
    for name, state in states.items():
        groups.setdefault(str(state), []).append(name)
    order = sorted(groups, key=lambda s: (-len(groups[s]), s))  # the most common state first
    return "  ".join(f"{s} {len(groups[s]):,}: {node_list(groups[s])}" for s in order)
