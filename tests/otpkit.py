"""Supervision cases run both on a real Erlang/OTP (tests/otp/supervision.escript) and on
meshlab's simulator, and the one event language both are reduced to.

A case is a supervision tree, and crashes or clean stops of its workers at given times. Both
sides reduce what happened to lines ``start <actor>`` and ``exit <actor> <reason>``, where the
reason is OTP's exit reason class: ``normal``, ``shutdown`` or ``crash``. A supervisor that
gives up exits with ``shutdown`` in OTP; meshlab records it as an ``actor_fail`` (reason
``escalated: shutdown, …``, the root cause in ``peer``), which reads as ``shutdown`` here.

Times: OTP counts restarts by the whole second of its monotonic clock; the escript times every
step from a whole second T0, and the simulator's t = 0 is such a second too, so ``at`` means
the same second on both sides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import meshlab as ml

ESCRIPT = Path(__file__).resolve().parent / "otp" / "supervision.escript"


@dataclass(frozen=True)
class Worker:
    name: str
    restart: str | None = None  # None: not given, so the default (OTP's: permanent)


@dataclass(frozen=True)
class Sup:
    name: str
    children: tuple[Worker | Sup, ...]
    strategy: str | None = None  # None: not given, so the default
    intensity: int | None = None
    period: int | None = None
    restart: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    shows: str  # what the case checks, for the docs table
    tree: Sup
    steps: tuple[tuple[float, str, str], ...]  # (t seconds, "crash" | "stop", actor id)


def _abc(*restarts: str | None) -> tuple[Worker, ...]:
    return tuple(Worker(n, r) for n, r in zip("abcd", restarts, strict=False))


CASES: tuple[Case, ...] = (
    Case(
        "one_for_all-order",
        "one_for_all: the others stop last-started first, all restart in start order",
        Sup("sup", _abc(None, None, None), strategy="one_for_all", intensity=3),
        ((0.1, "crash", "sup/b"),),
    ),
    Case(
        "rest_for_one-order",
        "rest_for_one: those started after the crashed child stop in reverse, then restart",
        Sup("sup", _abc(None, None, None, None), strategy="rest_for_one", intensity=3),
        ((0.1, "crash", "sup/b"),),
    ),
    Case(
        "give-up-order",
        "giving up: the children stop in reverse start order, then the supervisor (shutdown)",
        Sup("sup", _abc(None, None, None), intensity=0),
        ((0.1, "crash", "sup/b"),),
    ),
    Case(
        "defaults",
        "OTP's defaults (one_for_one, intensity 1, period 5, permanent): the 2nd crash ends it",
        Sup("sup", _abc(None)),
        ((0.1, "crash", "sup/a"), (0.2, "crash", "sup/a")),
    ),
    Case(
        "permanent-clean-stop",
        "permanent: restarted after a clean stop too, and that counts toward intensity",
        Sup("sup", _abc("permanent"), intensity=1),
        ((0.1, "stop", "sup/a"), (0.2, "stop", "sup/a")),
    ),
    Case(
        "transient",
        "transient: a clean stop is final, a crash is restarted",
        Sup("sup", _abc("transient", "transient"), intensity=3),
        ((0.1, "stop", "sup/a"), (0.2, "crash", "sup/b")),
    ),
    Case(
        "transient-clean-then-one_for_all",
        "a transient child that stopped cleanly comes back with a sibling's one_for_all restart",
        Sup("sup", _abc("transient", None, None), strategy="one_for_all", intensity=3),
        ((0.1, "stop", "sup/a"), (0.2, "crash", "sup/b")),
    ),
    Case(
        "transient-clean-then-rest_for_one",
        "… and with a rest_for_one restart from a child started before it",
        Sup("sup", _abc(None, "transient"), strategy="rest_for_one", intensity=3),
        ((0.1, "stop", "sup/b"), (0.2, "crash", "sup/a")),
    ),
    Case(
        "temporary",
        "temporary: never restarted, after a crash or a clean stop",
        Sup("sup", _abc("temporary", "temporary"), intensity=3),
        ((0.1, "crash", "sup/a"), (0.2, "stop", "sup/b")),
    ),
    Case(
        "temporary-in-one_for_all",
        "temporary: shut down by a sibling's group restart and removed, so not restarted later",
        Sup("sup", _abc(None, "temporary", None), strategy="one_for_all", intensity=3),
        ((0.1, "crash", "sup/c"), (0.2, "crash", "sup/a")),
    ),
    Case(
        "temporary-in-rest_for_one",
        "temporary: shut down by a rest_for_one restart and removed",
        Sup("sup", _abc(None, "temporary", None), strategy="rest_for_one", intensity=3),
        ((0.1, "crash", "sup/a"),),
    ),
    Case(
        "give-up-permanent",
        "a supervisor that gives up is restarted by its parent when permanent",
        Sup(
            "top",
            (Sup("inner", _abc(None, None), intensity=0), Worker("s")),
            intensity=3,
        ),
        ((0.1, "crash", "top/inner/a"),),
    ),
    Case(
        "give-up-transient",
        "… and not when transient (shutdown is a clean exit for it)",
        Sup(
            "top",
            (Sup("inner", _abc(None, None), intensity=0, restart="transient"), Worker("s")),
            intensity=3,
        ),
        ((0.1, "crash", "top/inner/a"),),
    ),
    Case(
        "give-up-counts-for-parent",
        "restarting a supervisor that gave up counts toward the parent's intensity",
        Sup("top", (Sup("inner", _abc(None), intensity=0), Worker("s")), intensity=1),
        ((0.1, "crash", "top/inner/a"), (0.2, "crash", "top/inner/a")),
    ),
    Case(
        "window-boundary-in",
        "intensity 1, period 1: restarts in seconds 0 and 1 are one period apart: inside",
        Sup("sup", _abc(None), intensity=1, period=1),
        ((0.5, "crash", "sup/a"), (1.5, "crash", "sup/a")),
    ),
    Case(
        "window-boundary-out",
        "restarts in seconds 0 and 2 are two periods apart: outside, so no give-up",
        Sup("sup", _abc(None), intensity=1, period=1),
        ((0.5, "crash", "sup/a"), (2.5, "crash", "sup/a")),
    ),
    Case(
        "window-whole-seconds-in",
        "whole seconds: restarts 1.6 s apart (0.1 and 1.7) still count as one period apart",
        Sup("sup", _abc(None), intensity=1, period=1),
        ((0.1, "crash", "sup/a"), (1.7, "crash", "sup/a")),
    ),
    Case(
        "window-whole-seconds-out",
        "whole seconds: restarts 1.4 s apart (0.7 and 2.1) are two periods apart",
        Sup("sup", _abc(None), intensity=1, period=1),
        ((0.7, "crash", "sup/a"), (2.1, "crash", "sup/a")),
    ),
    Case(
        "window-oldest-at-boundary",
        "intensity 2, period 2: the oldest restart exactly period seconds back still counts",
        Sup("sup", _abc(None), intensity=2, period=2),
        ((0.5, "crash", "sup/a"), (1.5, "crash", "sup/a"), (2.5, "crash", "sup/a")),
    ),
    Case(
        "window-oldest-expired",
        "… and one more second later it has left the window",
        Sup("sup", _abc(None), intensity=2, period=2),
        ((0.5, "crash", "sup/a"), (1.5, "crash", "sup/a"), (3.5, "crash", "sup/a")),
    ),
)


# Erlang --------------------------------------------------------------------------------------


def escript() -> str | None:
    return shutil.which("escript")


def erlang_terms(cases: tuple[Case, ...] = CASES) -> str:
    """The cases as the Erlang terms the escript reads (file:consult)."""

    def tree(node: Worker | Sup, prefix: str) -> str:
        path = f"{prefix}{node.name}"
        restart = node.restart or "default"
        if isinstance(node, Worker):
            return f'{{worker, "{path}", {restart}}}'
        flags = {"strategy": node.strategy, "intensity": node.intensity, "period": node.period}
        given = ", ".join(f"{k} => {v}" for k, v in flags.items() if v is not None)
        kids = ", ".join(tree(c, f"{path}/") for c in node.children)
        return f'{{sup, "{path}", #{{{given}}}, {restart}, [{kids}]}}'

    lines = []
    for case in cases:
        steps = ", ".join(f'{{{round(t * 1000)}, {k}, "{a}"}}' for t, k, a in case.steps)
        lines.append(f"{{'case', \"{case.name}\", {tree(case.tree, '')}, [{steps}]}}.")
    return "\n".join(lines) + "\n"


@dataclass
class OtpRun:
    events: dict[str, list[str]]  # by case name
    late: dict[str, list[str]]  # steps that ran in a later whole second than planned


def run_otp(tmp: Path, cases: tuple[Case, ...] = CASES) -> OtpRun:
    """Run the cases on the real runtime: the events of each case, and any late steps."""
    terms = tmp / "cases.eterm"
    terms.write_text(erlang_terms(cases))
    out = subprocess.run(
        [escript() or "escript", str(ESCRIPT), str(terms)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ERL_CRASH_DUMP_SECONDS": "0"},
    )
    if out.returncode != 0:
        raise RuntimeError(f"the escript failed ({out.returncode}):\n{out.stderr}{out.stdout}")
    run = OtpRun({}, {})
    name = None
    for line in out.stdout.splitlines():
        if line.startswith("case "):
            name = line[5:]
            run.events[name] = []
        elif line == "end":
            name = None
        elif line.startswith("late ") and name is not None:
            run.late.setdefault(name, []).append(line)
        elif name is not None and line:
            run.events[name].append(line)
    return run


# meshlab -------------------------------------------------------------------------------------


class Plain(ml.Actor):
    """A worker that does nothing until it is crashed or stopped."""


def specs(sup: Sup) -> list[ml.ChildSpec]:
    out = []
    for c in sup.children:
        extra = {"restart": c.restart} if c.restart else {}
        if isinstance(c, Worker):
            out.append(ml.ChildSpec(c.name, Plain, **extra))
        else:
            out.append(ml.ChildSpec(c.name, ml.Supervisor, (specs(c),), flags(c), **extra))
    return out


def flags(sup: Sup) -> dict:
    given = {"strategy": sup.strategy, "intensity": sup.intensity, "period": sup.period}
    return {k: v for k, v in given.items() if v is not None} | {"backoff": None}


def run_sim(case: Case) -> ml.Trace:
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(ml.Supervisor, specs(case.tree), name=case.tree.name, **flags(case.tree))
    for t, kind, actor in case.steps:
        (mesh.crash if kind == "crash" else mesh.stop)(actor, at=t)
    mesh.run(until=max(t for t, _, _ in case.steps) + 1.0)
    return mesh.trace


def sim_events(trace: ml.Trace) -> list[str]:
    """A meshlab trace reduced to the escript's lines."""
    out = []
    life = ("actor_spawn", "actor_restart", "actor_stop", "actor_fail")
    ev = trace.events.filter(pl.col("kind").cast(pl.String).is_in(life))
    for kind, actor, reason in ev.select(pl.col("kind").cast(pl.String), "actor", "reason").rows():
        if kind in ("actor_spawn", "actor_restart"):
            out.append(f"start {actor}")
        elif kind == "actor_stop":
            out.append(f"exit {actor} {'normal' if reason == 'normal' else 'shutdown'}")
        else:
            gave_up = reason.startswith("escalated: shutdown")
            out.append(f"exit {actor} {'shutdown' if gave_up else 'crash'}")
    return out


# The docs table ------------------------------------------------------------------------------


MARKS = {"crash": "✗", "normal": "■", "shutdown": "↓"}


def outcome(events: list[str], root: str) -> str:
    """What happened after the tree started, in a few words: ``b ✗`` a crash, ``a ■`` a clean
    stop, ``c ↓`` a shutdown, ``a ↑`` a (re)start; ids relative to the root supervisor.

    >>> outcome(["start sup", "start sup/a", "exit sup/a crash", "exit sup shutdown"], "sup")
    'a ✗, sup ↓'
    """
    first = next((i for i, e in enumerate(events) if e.startswith("exit ")), len(events))
    words = []
    for e in events[first:]:
        _, actor, *reason = e.split()
        actor = actor.removeprefix(f"{root}/")
        words.append(f"{actor} {MARKS[reason[0]] if reason else '↑'}")
    return ", ".join(words) or "nothing"


def table(otp: dict[str, list[str]], sim: dict[str, list[str]]) -> str:
    rows = [
        "| case | what it shows | Erlang/OTP | meshlab (`backoff=None`) |",
        "|---|---|---|---|",
    ]
    for case in CASES:
        root = case.tree.name
        rows.append(
            f"| `{case.name}` | {case.shows} | {outcome(otp.get(case.name, []), root)} "
            f"| {outcome(sim[case.name], root)} |"
        )
    return "\n".join(rows) + "\n"
