"""What a canvas shows besides its main trace: the branches of a what-if fork, and a problem.

A canvas with ``branches=`` holds several finished runs of one mesh (a run and its forks). Only
the main one is encoded up front; a branch is encoded when the browser first asks for it (when
it is shown). Every branch's markers (failures, restarts, node deaths and returns, partitions
and heals) and the time it parts from the main run are worked out here, small enough to travel
as a trait, so the scrubber can draw the other branches' markers and the divergence without
holding their events.

A ``problem`` (a :class:`meshlab.checks.Problem`) becomes a time range to mark on the scrubber,
a message type to filter to, and an actor to select.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from meshlab.canvas.encode import Chunk, ChunkEncoder
from meshlab.trace import Trace

MAX_MARKERS = 400  # per branch: beyond that the scrubber's pixels merge them anyway
_MARKED = {
    "actor_fail": "fail",
    "actor_restart": "restart",
    "node_down": "node_down",
    "node_up": "node_up",
    "link_down": "partition",
    "link_up": "heal",
}


@dataclass
class Branch:
    """One run a canvas can show: its name, its trace and its chunks (encoded on demand)."""

    name: str
    label: str
    trace: Trace
    chunks: list[Chunk] = field(default_factory=list)
    encoded: bool = False

    def encode(self) -> list[Chunk]:
        if not self.encoded:
            self.chunks = ChunkEncoder().encode(self.trace.events)
            for c in self.chunks:  # the main channel reads only "chunk": these are a branch's
                c.header.update(type="branch_chunk", branch=self.name)
            self.encoded = True
        return self.chunks


def split_source(source: Any) -> tuple[Any, str, str, dict[str, Any]]:
    """What to feed the canvas, the main branch's name and label, and branches it implies.

    A :class:`~meshlab.fork.Run` shows its trace; a :class:`~meshlab.fork.Comparison` shows its
    ``a`` with ``b`` as a branch. Anything else is fed as it is.
    """
    from meshlab.fork import Comparison, Run

    if isinstance(source, Comparison):
        la, lb = source.labels
        return source.a, "a", la, {"b": _Labelled(source.b, lb)}
    if isinstance(source, Run):
        return source.trace, "base", source.label, {}
    return source, "base", "", {}


@dataclass(frozen=True)
class _Labelled:
    trace: Trace
    label: str


def make_branches(
    main: str, given: Mapping[str, Any] | None, implied: dict[str, Any]
) -> list[Branch]:
    """The branches besides the main one, validated: names, and finished runs or traces."""
    from meshlab.fork import Run

    if given is not None and not isinstance(given, Mapping):
        raise TypeError(
            "branches must be a dict of name -> run or trace, e.g. "
            f"branches={{'what-if': run.fork(ml.fork.crash('c1'), at=2.0)}}; got {given!r}"
        )
    out: list[Branch] = []
    for name, x in {**implied, **(given or {})}.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise ValueError(f"a branch name must be a short non-empty string, got {name!r}")
        if name == main:
            raise ValueError(f"the branch name {name!r} is the main run's; choose another")
        if isinstance(x, _Labelled | Run):
            trace, label = x.trace, x.label
        elif isinstance(x, Trace):
            trace, label = x, f"{x.meta.scenario or x.meta.source} seed={x.meta.seed}"
        else:
            raise TypeError(
                f"branch {name!r} must be a finished run (ml.Run, a fork) or a Trace, "
                f"not {type(x).__name__}: a growing source cannot be a branch"
            )
        out.append(Branch(name, label, trace))
    return out


def branch_info(main: Branch, branches: list[Branch]) -> list[dict[str, Any]]:
    """The ``branches`` trait: for the main run and each branch, its name, label, where it
    parts from the main run (None for the main run, or a branch identical to it) and markers."""
    info = [_info(main, None)]
    for b in branches:
        info.append(_info(b, _divergence(main.trace.events, b.trace.events)))
    return info


def _info(b: Branch, parts_at: float | None) -> dict[str, Any]:
    return {"name": b.name, "label": b.label, "diverges": parts_at, "markers": markers(b.trace)}


def _divergence(a: pl.DataFrame, b: pl.DataFrame) -> float | None:
    from meshlab.fork.diff import _shared_prefix

    shared = _shared_prefix(a, b)
    if shared == max(a.height, b.height):
        return None
    times = [float(ev["t"][shared]) for ev in (a, b) if shared < ev.height]
    return min(times)


def markers(trace: Trace) -> list[list[Any]]:
    """``[t, kind, text]`` for the scrubber: failures (root causes), restarts, node deaths and
    returns, partitions and heals, in time order (at most :data:`MAX_MARKERS`)."""
    ev = trace.events
    rows = ev.filter(pl.col("kind").cast(pl.String).is_in(list(_MARKED))).head(MAX_MARKERS)
    out: list[list[Any]] = []
    for t, kind, node, actor, peer, reason in rows.select(
        "t", pl.col("kind").cast(pl.String), "node", "actor", "peer", "reason"
    ).iter_rows():
        what = _MARKED[kind]
        if what == "fail":
            text = f"failure: {actor} on {node} ({reason})"
        elif what == "restart":
            text = f"restart: {actor} on {node}"
        elif what == "node_down":
            text = f"node down: {node}"
        elif what == "node_up":
            text = f"node back: {node}"
        elif what == "partition":
            text = f"partition: {node} ✂ {peer}"
        else:
            text = f"healed: {node} ↔ {peer}"
        out.append([float(t), what, f"{text} t={t:.3f}"])
    return out


def problem_info(problem: Any, trace_types: set[str]) -> dict[str, Any]:
    """The ``problem`` trait of a :class:`~meshlab.checks.Problem` (or a check result or report
    with problems: its first one): its range, text, actors and message types."""
    from meshlab.checks import CheckResult, Problem, Report

    if isinstance(problem, CheckResult | Report):
        if not problem.problems:
            raise ValueError("problem= was given a check that passed: there is no problem to show")
        problem = problem.problems[0]
    if not isinstance(problem, Problem):
        raise TypeError(
            "problem must be a check problem, e.g. problem=ml.checks.report(results).problems[0]; "
            f"got {type(problem).__name__}"
        )
    types = [m for m in problem.msg_types if m in trace_types]
    return {
        "t": problem.t,
        "until": problem.until,
        "text": str(problem),
        "actors": list(problem.actors),
        "msg_types": types,
    }


def extra_traits(
    feed: Any,
    main: str,
    label: str,
    branches: list[Branch],
    problem: Any,
    given: dict[str, Any],
) -> dict[str, Any]:
    """The trait values a canvas gets from its branches and problem (``given``: the traits the
    caller set, which a problem does not override)."""
    trace: Trace | None = getattr(feed, "_trace", None)
    out: dict[str, Any] = {"branch": main, "branches": [], "problem": {}}
    if branches:
        if trace is None:
            raise ValueError(
                "branches= needs a finished run or trace as the canvas's main source; a growing "
                "source (a running mesh, a live client) cannot be compared branch by branch"
            )
        out["branches"] = branch_info(Branch(main, label or "base", trace), branches)
    if problem is not None:
        types = set() if trace is None else set(trace.events["msg_type"].drop_nulls().unique())
        p = problem_info(problem, types)
        if trace is None:  # a growing source: its types are not all known yet
            p["msg_types"] = list(getattr(problem, "msg_types", ())) or p["msg_types"]
        out["problem"] = p
        if "type_filter" not in given and p["msg_types"]:
            out["type_filter"] = p["msg_types"][0]
        if "selected" not in given and p["actors"]:
            out["selected"] = p["actors"][0]
    return out
