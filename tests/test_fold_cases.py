"""The fold cases (tests/fold_cases, described in tests/foldcases.py) against the Python folds:
``Trace.state_at`` and the live ``StateTracker``. The browser's fold runs the same files from
vitest (widgets/test/fold_cases.test.ts)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from foldcases import GENERATED, SEEDS, dump, expected, frame, generate, hand_cases, load, trace

from meshlab.events import validate
from meshlab.live.state import StateTracker

CASES = hand_cases() + sorted(GENERATED.glob("*.json"))


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def without_links(want: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in want.items() if k != "links"}


NOT_LIVE = ("busy_since", "hung", "attrs")  # the live tracker's view of these is its own test


@pytest.mark.parametrize("path", CASES, ids=ids(CASES))
def test_state_at(path):
    case = load(path)
    tr = trace(case["events"])
    for want in case["expect"]:
        got = expected(tr.state_at(want["t"]))
        assert got == without_links(want), (path.stem, want["t"])


def tracker_view(tracker: StateTracker) -> dict[str, Any]:
    actors = {}
    for name in tracker.actors:
        info = tracker.actor(name)
        assert info is not None
        actors[name] = {
            "status": info["status"],
            "incarnation": info["incarnation"],
            "node": info["node"],
            "mailbox": info["mailbox"],
            "processed": info["processed"],
            "restarts": info["restarts"],
            "crashed": info["failure"] is not None,
            "last_handler": info["last_handler"],
        }
    return {"actors": actors, "nodes": dict(tracker.nodes)}


def as_now(want: dict[str, Any]) -> dict[str, Any]:
    """What a running tracker reports: it cannot know that a restart will follow, so an actor
    the trace calls restarting is, now, failed (after a crash) or stopped (after a shutdown)."""
    actors = {}
    for name, a in want["actors"].items():
        a = {k: v for k, v in a.items() if k not in NOT_LIVE}
        if a["status"] == "restarting":
            a["status"] = "failed" if a["crashed"] else "stopped"
        actors[name] = a
    return {"actors": actors, "nodes": want["nodes"]}


@pytest.mark.parametrize("path", CASES, ids=ids(CASES))
def test_live_state_tracker(path):
    """A batch holding everything up to T, in arrival order, folds to the state at T."""
    case = load(path)
    events = validate(frame(case["events"]))
    for want in case["expect"]:
        tracker = StateTracker()
        tracker.update(events.filter(events["t"] <= want["t"]))
        tracker.now = want["t"]  # read the state at T, not at the batch's last event
        assert tracker_view(tracker) == as_now(want), (path.stem, want["t"])


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_cases_are_fresh(seed):
    """The browser checks itself against these files: they must be what the fold gives now."""
    path = GENERATED / f"random-{seed}.json"
    assert path.exists(), f"{path} is missing: run python tests/foldcases.py"
    assert path.read_text() == dump(generate(seed)), (
        f"{path.name} is stale (the fold or its generator changed): run python tests/foldcases.py"
    )


def test_cases_exercise_what_they_claim():
    """Out-of-order times, ties, events outside a life and cut links are all in the data."""
    out_of_order = ties = links = 0
    for path in CASES:
        case = load(path)
        ts = [e["t"] for e in case["events"]]
        out_of_order += sum(b < a for a, b in itertools.pairwise(ts))
        ties += len(ts) - len(set(ts))
        links += sum(e["kind"] in ("link_down", "link_up") for e in case["events"])
    assert out_of_order > 50 and ties > 50 and links > 10
