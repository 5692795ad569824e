"""The live fold (meshlab.live.StateTracker) on v2 events and on batches that arrive out of
time order: it must agree with Trace.state_at at the same time (docs/contract.md, "One rule
for time")."""

from __future__ import annotations

import polars as pl
import pytest
from framekit import FrameKit

from meshlab.events import SCHEMA
from meshlab.live.state import StateTracker


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def story() -> FrameKit:
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.spawn(0.0, "b", node="n0")
    m = fk.send(0.5, "b", "a", node="n0", msg_type="work")
    fk.recv(0.6, "a", "b", m, node="n0", msg_type="work")
    fk.handler_start(1.0, "a", "b", m, node="n0", msg_type="work")
    fk.attrs(1.5, node="n0", actor="a", role="leader", term=2)
    fk.attrs(1.5, node="n0", version="3.1")
    m2 = fk.send(2.0, "a", "b", node="n0", msg_type="ack")
    fk.recv(2.1, "b", "a", m2, node="n0", msg_type="ack")
    fk.handle(2.2, "b", "a", m2, node="n0", took=0.5, msg_type="ack")
    return fk


def tracked(rows, *, now: float, batches: list[list[int]] | None = None) -> StateTracker:
    tr = StateTracker()
    df = frame(rows)
    for idx in batches or [list(range(df.height))]:
        tr.update(df[idx])
    tr.now = now
    return tr


def test_two_row_handler_busy_since_hung_and_end():
    fk = story()
    tr = tracked(fk.rows, now=3.0)
    a = tr.actor("a")
    assert (a["status"], a["busy_since"], a["hung"], a["processed"]) == ("busy", 1.0, False, 1)
    assert a["mailbox"] == 0 and a["last_handler"] == "work"
    assert a["attrs"] == {"role": "leader", "term": 2}
    assert tr.node("n0")["attrs"] == {"version": "3.1"}
    b = tr.actor("b")
    assert (b["status"], b["busy_since"]) == ("idle", None)  # its msg_handle ended at 2.7
    tr.now = 6.5
    assert tr.actor("a")["hung"] is True
    assert StateTracker(hung_after=10.0).hung_after == 10.0
    fk.handler_end(7.0, "a", "b", 0, node="n0", took=6.0, outcome="error: TimeoutError: x")
    fk.attrs(7.0, node="n0", actor="a", term=None)
    tr = tracked(fk.rows, now=7.5)
    a = tr.actor("a")
    assert (a["status"], a["busy_since"], a["hung"]) == ("idle", None, False)
    assert a["processing_time"] == 6.0 and a["attrs"] == {"role": "leader"}


@pytest.mark.parametrize("now", [0.55, 1.2, 2.3, 3.0])
def test_late_batches_fold_as_if_in_time_order(now):
    """A handler's start, an attrs event and a node's join arrive in a later batch than
    events that happened after them; the result is the in-order fold's."""
    fk = story()
    fk.node_state(0.2, "n0", "maintenance")  # recorded last, happened early
    fk.attrs(1.2, node="n0", actor="a", role="follower")  # older than the leader attrs
    rows = [r for r in fk.rows if r["t"] <= now]
    idx = {id(r): i for i, r in enumerate(rows)}
    starts = [idx[id(r)] for r in rows if r["kind"] in ("handler_start", "node_state")]
    want = tracked(rows, now=now)
    got = tracked(rows, now=now, batches=late_batches_of(rows, starts))
    for name in ("a", "b"):
        assert got.actor(name) == want.actor(name), (name, now)
    assert got.nodes == want.nodes == {"n0": "maintenance"}
    trace = FrameKit()
    trace.rows = [dict(r, seq=i) for i, r in enumerate(sorted(rows, key=lambda r: r["t"]))]
    state = trace.trace().state_at(now)
    for r in state.actors.iter_rows(named=True):
        assert got.actor(r["actor"])["status"] == r["status"], (r["actor"], now)
        assert got.actor(r["actor"])["busy_since"] == r["busy_since"]


def late_batches_of(rows, late):
    rest = [i for i in range(len(rows)) if i not in late]
    return [rest, late] if late else [rest]


def test_a_late_failure_does_not_undo_a_later_restart():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.fail(1.0, "a", node="n0")
    fk.restart(2.0, "a", node="n0")
    fk.fail(3.0, "a", node="n0", error="late: boom")
    fk.rows[-1]["t"] = 1.5  # a second failure report, delivered late, of the first life
    tr = tracked(fk.rows, now=4.0, batches=[[0, 1, 2, 3], [4]])
    a = tr.actor("a")
    assert (a["status"], a["incarnation"], a["failure"]) == ("idle", 1, None)
    assert tr.failures == {"n0": 2}  # counted all the same


def test_out_of_order_in_one_batch_matches_the_trace_fold():
    """The out-of-order case of tests/test_fold.py, through the live tracker."""
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.fail(2.0, "a", node="n0")
    fk.node_join(1.0, "n1")  # recorded later, happened earlier
    fk.spawn(1.0, "b", node="n1")
    early = [r for r in fk.rows if r["t"] <= 1.5]
    tr = tracked(early, now=1.5)
    assert tr.actor("a")["status"] == "idle" and tr.actor("b")["status"] == "idle"
    assert tr.nodes == {"n0": "up", "n1": "up"}
    tr = tracked(fk.rows, now=2.5, batches=[[0, 1, 2], [3, 4]])
    assert tr.actor("a")["status"] == "failed" and tr.actor("b")["status"] == "idle"


def test_an_end_that_arrives_before_its_spawn_applies_when_the_spawn_comes():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(1.0, "a", node="n0")
    fk.fail(2.0, "a", node="n0", error="RuntimeError: early")
    fk.spawn(1.0, "b", node="n0")
    fk.stop(2.0, "b", node="n0")
    tr = tracked(fk.rows, now=3.0, batches=[[0, 2, 4], [1, 3]])  # the ends first
    a, b = tr.actor("a"), tr.actor("b")
    assert (a["status"], a["failure"]["error"]) == ("failed", "RuntimeError: early")
    assert b["status"] == "stopped"
    assert tr.failures == {"n0": 1} and len(tr.recent_failures) == 1
