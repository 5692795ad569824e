"""The v2 invariants (handlers in two rows, outcomes, attrs): random well-formed traces pass,
and each kind of violation is caught, by ``meshlab.trace.invariants`` and by ``validate``."""

from __future__ import annotations

import polars as pl
import pytest
from framekit import FrameKit
from hypothesis import given, settings
from hypothesis import strategies as st

from meshlab.events import SCHEMA, ContractError, validate
from meshlab.trace.invariants import violations

ACTORS = ("a", "b", "c")
# per step: which actor, and whether its next handler ends (True) or a new one starts (False)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(ACTORS),
        st.booleans(),
        st.sampled_from([None, "ok", "error: ValueError: bad", "error: boom"]),
    ),
    min_size=1,
    max_size=40,
)
ATTRS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12)),
    max_size=5,
)


def random_trace(steps, attrs) -> FrameKit:
    """A well-formed trace: each actor runs one handler at a time, started then ended."""
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    for a in ACTORS:
        fk.spawn(0.0, a, node="n0")
    running: dict[str, tuple[int, float]] = {}
    t = 0.0
    for i, (a, end, outcome) in enumerate(steps):
        t += 0.125
        if end and a in running:
            m, since = running.pop(a)
            fk.handler_end(t, a, "c", m, node="n0", took=t - since, outcome=outcome)
        elif a not in running:
            m = fk.send(t, "c", a, node="n0")
            fk.recv(t, a, "c", m, node="n0")
            fk.handler_start(t, a, "c", m, node="n0")
            running[a] = (m, t)
        if i < len(attrs):
            fk.attrs(t, node="n0", actor=a if i % 2 else None, **dict([attrs[i]]))
    return fk


def frame(fk: FrameKit) -> pl.DataFrame:
    return pl.DataFrame(fk.rows, schema=SCHEMA)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, attrs=ATTRS.map(lambda d: list(d.items())))
def test_random_well_formed_handlers_and_attrs_pass(steps, attrs):
    fk = random_trace(steps, attrs)
    df = validate(frame(fk))
    found = violations(df)
    assert found == [], "\n".join(map(str, found))


def _ended(fk: FrameKit) -> list[dict]:
    return [r for r in fk.rows if r["kind"] == "handler_end"]


def _renumber(fk: FrameKit) -> None:
    for i, r in enumerate(fk.rows):
        r["seq"] = i


def drop_a_start(fk: FrameKit) -> None:
    end = _ended(fk)[0]
    fk.rows = [
        r
        for r in fk.rows
        if not (
            r["kind"] == "handler_start"
            and (r["actor"], r["msg_id"]) == (end["actor"], end["msg_id"])
        )
    ]
    _renumber(fk)


def end_twice(fk: FrameKit) -> None:
    fk.rows.append({**_ended(fk)[0], "t": fk.rows[-1]["t"] + 1.0})
    _renumber(fk)


def start_twice(fk: FrameKit) -> None:
    end = _ended(fk)[0]
    start = next(
        r
        for r in fk.rows
        if r["kind"] == "handler_start"
        and (r["actor"], r["msg_id"]) == (end["actor"], end["msg_id"])
    )
    fk.rows.insert(fk.rows.index(start) + 1, dict(start))
    _renumber(fk)


def bad_outcome(fk: FrameKit) -> None:
    _ended(fk)[0]["reason"] = "raised"


def bad_attrs(fk: FrameKit) -> None:
    fk.attrs(fk.rows[-1]["t"], node="n0", actor="a")
    fk.rows[-1]["reason"] = '{"role": ["leader"]}'


MUTATIONS = {
    "handler-start": (drop_a_start, r"column 'msg_id': handler_end at seq=\d+ .* no handler_start"),
    "ends-once": (end_twice, r"column 'msg_id': handler_end at seq=\d+ .* already ended"),
    "one-start": (start_twice, r"column 'msg_id': handler_start at seq=\d+ .* already started"),
    "outcome": (bad_outcome, r"column 'reason' of handler_end at seq=\d+: an outcome is null"),
    "attrs": (bad_attrs, r"column 'reason' of attrs at seq=\d+: attrs value of 'role'"),
}


@settings(max_examples=15, deadline=None)
@given(steps=STEPS, which=st.sampled_from(sorted(MUTATIONS)))
def test_each_violation_is_caught(steps, which):
    fk = random_trace([("a", False, None), ("a", True, "ok"), *steps], [])
    mutate, message = MUTATIONS[which]
    mutate(fk)
    df = frame(fk)
    assert which in {v.invariant for v in violations(df)}
    with pytest.raises(ContractError, match=message):
        validate(df)


def test_a_handler_of_a_dead_actor_is_outside_its_life():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.fail(0.5, "a", node="n0")
    m = fk.send(0.6, "a", "a", node="n0")
    fk.handler_start(1.0, "a", "a", m, node="n0")
    assert "inside-life" in {v.invariant for v in violations(frame(fk))}
