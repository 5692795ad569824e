"""Fold cases written once as data, run against every fold (docs/contract.md, "State at a time").

A case is a JSON file in ``tests/fold_cases/``: ``events`` in arrival (seq) order, written as
the browser test helpers write them (``t``, ``kind``, ``node`` and the optional fields), and
``expect``: the state at given times. At each time, ``actors`` lists every actor spawned by
then with ``status``, ``incarnation``, ``node``, ``mailbox``, ``processed``, ``restarts``,
``crashed`` (its current life ended in a crash), ``last_handler``, ``busy_since`` (when the
running handler started), ``hung`` (busy in one handler for more than 5 s) and ``attrs`` (the
properties its current life published, merged; null if none); ``nodes`` maps every node with a
state to it; ``links`` (optional) lists the cut links, checked by the folds that keep them (the
browser's); ``node_attrs`` (optional) the nodes' own merged properties.

Hand-written cases sit in ``tests/fold_cases/*.json``. The ``generated/`` ones are random runs
whose expected state is the Python fold's; the browser's fold must reproduce it for any chunk
boundaries (``widgets/test/fold_cases.test.ts``). Rewrite them after a change to the fold or
to the generator with ``python tests/foldcases.py``; ``tests/test_fold_cases.py`` fails while
they are stale.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import polars as pl

from meshlab.events import COLUMNS
from meshlab.trace import Trace, TraceMeta
from meshlab.trace.fold import State

CASES = Path(__file__).resolve().parent / "fold_cases"
GENERATED = CASES / "generated"
SEEDS = (1, 2, 3, 4, 5, 6)
FIELDS = ("status", "incarnation", "node", "mailbox", "processed", "restarts", "crashed")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def hand_cases() -> list[Path]:
    return sorted(CASES.glob("*.json"))


def generated_cases() -> list[Path]:
    return sorted(GENERATED.glob("*.json"))


def frame(events: list[dict[str, Any]]) -> pl.DataFrame:
    rows = []
    for seq, e in enumerate(events):
        row = dict.fromkeys(COLUMNS)
        row.update(e, seq=seq, incarnation=e.get("incarnation", 0))
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def trace(events: list[dict[str, Any]]) -> Trace:
    return Trace(frame(events), TraceMeta(scenario="fold-case"))


def expected(state: State) -> dict[str, Any]:
    """A state as a case writes it (no links: the Python fold does not keep them)."""
    actors = {
        r["actor"]: {
            "status": r["status"],
            "incarnation": r["incarnation"],
            "node": r["node"],
            "mailbox": r["mailbox_depth"],
            "processed": r["processed"],
            "restarts": r["restarts"],
            "crashed": r["error"] is not None,
            "last_handler": r["last_handler"],
            "busy_since": r["busy_since"],
            "hung": r["hung"],
            "attrs": _attrs(r["attrs"]),
        }
        for r in state.actors.iter_rows(named=True)
    }
    nodes = {n: s for n, s in state.nodes.select("node", "state").iter_rows() if s is not None}
    node_attrs = {
        n: _attrs(a) for n, a in state.nodes.select("node", "attrs").iter_rows() if _attrs(a)
    }
    return {"t": state.t, "actors": actors, "nodes": nodes, "node_attrs": node_attrs}


def _attrs(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) or None if text else None


# ---- random runs ----------------------------------------------------------------------------


def random_run(seed: int, *, actors: int = 6, steps: int = 90) -> list[dict[str, Any]]:
    """Events of a small mesh in arrival order, as a merge of per-node streams delivers them.

    Each node's stream is in time order, but the streams arrive with their own delays, so t
    is out of order in seq. Times are rounded so that ties occur. Besides ordinary traffic,
    crashes, supervisor shutdowns, restarts, node deaths, maintenance and cut links, it has
    what the contract forbids but merged streams and hand-built frames hold: messages
    received and handled by an actor that is not alive.
    """
    r = random.Random(seed)
    nodes = ["n0", "n1", "n2"]
    evs: list[dict[str, Any]] = [{"t": 0.0, "kind": "node_join", "node": n} for n in nodes]
    names = [f"a{i}" for i in range(actors)]
    home = {a: nodes[i % 3] for i, a in enumerate(names)}
    inc = dict.fromkeys(names, 0)
    alive = set()
    for i, a in enumerate(names):
        t = round(0.01 * i, 2)
        evs.append({"t": t, "kind": "actor_spawn", "node": home[a], "actor": a, "msg_type": "W"})
        alive.add(a)
    t = 0.1
    mid = 0
    for _ in range(steps):
        t = round(t + r.choice([0.0, 0.01, 0.05, 0.1, 0.2]), 2)
        x = r.random()
        a = r.choice(names)
        if x < 0.55:
            b = r.choice(names)
            discard = b in alive and r.random() < 0.1
            # a message discarded from a mailbox arrives at once, so that its receive surely
            # falls inside the life that its crash ends (discards are defined for those only)
            lat = 0.0 if discard else r.choice([0.01, 0.05, 0.2])
            ty = r.choice(["ping", "work"])
            evs.append(
                {"t": t, "kind": "msg_send", "node": home[a], "actor": a, "peer": b,
                 "msg_id": mid, "msg_type": ty, "duration": lat}
            )  # fmt: skip
            at = round(t + lat, 2)
            end = {"node": home[b], "actor": b, "peer": a, "msg_id": mid, "msg_type": ty}
            if b not in alive and r.random() < 0.5:
                evs.append({"t": at, "kind": "msg_drop", "reason": "dead_letter", **end})
            else:  # received (also, against the contract, by an actor that is not alive)
                evs.append({"t": at, "kind": "msg_recv", **end})
                if discard:
                    evs.append({"t": at, "kind": "actor_fail", "node": home[b], "actor": b,
                                "incarnation": inc[b], "peer": b, "reason": "Boom"})  # fmt: skip
                    evs.append({"t": at, "kind": "msg_drop", "reason": "discarded", **end})
                    alive.discard(b)
                elif r.random() < 0.5:
                    took = r.choice([0.0, 0.01, 0.3, 6.0])  # 6 s: hung (> 5 s) while it runs
                    outcome = r.choice([None, None, "error: ValueError: bad input"])
                    evs.append({"t": at, "kind": "msg_handle", "duration": took, "reason": outcome,
                                **end})  # fmt: skip
                elif r.random() < 0.6:  # the v2 form: start now, end (with outcome) later
                    took = r.choice([0.0, 0.05, 0.4, 6.0])
                    outcome = r.choice(["ok", None, "error: KeyError: 'k'"])
                    evs.append({"t": at, "kind": "handler_start", **end})
                    evs.append({"t": round(at + took, 2), "kind": "handler_end", "duration": took,
                                "reason": outcome, **end})  # fmt: skip
            mid += 1
        elif x < 0.65 and a in alive:
            evs.append({"t": t, "kind": "actor_fail", "node": home[a], "actor": a,
                        "incarnation": inc[a], "peer": a, "reason": "Boom"})  # fmt: skip
            alive.discard(a)
        elif x < 0.7 and a in alive:
            reason = r.choice(["shutdown", "normal"])
            evs.append({"t": t, "kind": "actor_stop", "node": home[a], "actor": a,
                        "incarnation": inc[a], "reason": reason})  # fmt: skip
            alive.discard(a)
        elif x < 0.82 and a not in alive:
            inc[a] += 1
            if r.random() < 0.3:
                home[a] = r.choice(nodes)
            evs.append({"t": t, "kind": "actor_restart", "node": home[a], "actor": a,
                        "incarnation": inc[a], "msg_type": "W", "reason": "1_for_1"})  # fmt: skip
            alive.add(a)
        elif x < 0.88:
            n = r.choice(nodes)
            kind = r.choice(["node_down", "node_up", "node_state", "node_state"])
            reason = r.choice(["maintenance", "up", "drain"]) if kind == "node_state" else None
            evs.append({"t": t, "kind": kind, "node": n, "reason": reason})
        elif x < 0.94:
            kind = r.choice(["link_down", "link_up"])
            evs.append({"t": t, "kind": kind, "node": "n0", "peer": r.choice(nodes[1:])})
        elif x < 0.98:  # properties of an actor or of a node; null removes a key
            values = {r.choice(["load", "role", "ver"]): r.choice([1, 2.5, "x", True, None])}
            who = {"actor": a, "node": home[a]} if r.random() < 0.7 else {"node": r.choice(nodes)}
            evs.append({"t": t, "kind": "attrs", "reason": json.dumps(values), **who})
    # merge per-node streams (each in time order) that arrive with their own delays: t goes
    # out of order in seq
    delay = {n: r.choice([0.0, 0.05, 0.3]) for n in nodes}
    evs.sort(key=lambda e: e["t"])
    evs = _without_ends_across_lives(evs)
    keyed = [(round(e["t"] + delay[e["node"]], 3), i, e) for i, e in enumerate(evs)]
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [{k: v for k, v in e.items() if v is not None} for _, _, e in keyed]


def _without_ends_across_lives(evs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A crash or stop ends the handler that was running: drop a handler_end that would come
    after its actor's next lifecycle event (the folds count running handlers per life and do
    not pair an end with a start of an earlier life)."""
    life: dict[str, int] = {}
    started: dict[tuple[str, int], int] = {}
    out = []
    for e in evs:
        a, kind = e.get("actor"), e["kind"]
        if kind in ("actor_spawn", "actor_restart", "actor_stop", "actor_fail"):
            life[a] = life.get(a, 0) + 1
        elif kind == "handler_start":
            started[(a, e["msg_id"])] = life.get(a, 0)
        elif kind == "handler_end" and started.get((a, e["msg_id"])) != life.get(a, 0):
            continue
        out.append(e)
    return out


def check_times(events: list[dict[str, Any]]) -> list[float]:
    ts = sorted({e["t"] for e in events})
    mids = [round((a + b) / 2, 4) for a, b in itertools.pairwise(ts)]
    return sorted({ts[0] - 1.0, *ts[::2], *mids[::4], ts[-1] + 1.0})


def generate(seed: int) -> dict[str, Any]:
    events = random_run(seed)
    tr = trace(events)
    return {
        "name": f"random-{seed}",
        "about": "A random run, merged from per-node streams with t out of order in seq; "
        "expected state from the Python fold (tests/foldcases.py).",
        "events": events,
        "expect": [expected(tr.state_at(t)) for t in check_times(events)],
    }


def dump(case: dict[str, Any]) -> str:
    return json.dumps(case, separators=(",", ":"), sort_keys=True) + "\n"


def main() -> None:
    GENERATED.mkdir(exist_ok=True)
    for old in GENERATED.glob("*.json"):
        old.unlink()
    for seed in SEEDS:
        (GENERATED / f"random-{seed}.json").write_text(dump(generate(seed)))
    print(f"wrote {len(SEEDS)} cases to {GENERATED}", file=sys.stderr)


if __name__ == "__main__":
    main()
