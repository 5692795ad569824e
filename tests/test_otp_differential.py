"""meshlab's supervisors against a real Erlang/OTP: the same cases, compared event by event.

The cases (tests/otpkit.py) run on OTP's own ``supervisor`` with gen_server workers
(tests/otp/supervision.escript) and on meshlab's simulator with ``backoff=None``; both are
reduced to the same lines (``start a``, ``exit a crash``, …) and must be equal. Needs
``escript`` (Debian: erlang-base); when CI is set it must run, not skip.

To refresh the table in docs/simulator.md after a change of cases:
``python tests/test_otp_differential.py --write``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import otpkit as k
import polars as pl
import pytest

from meshlab.trace.invariants import assert_valid

DOCS = Path(__file__).resolve().parents[1] / "docs" / "simulator.md"
START, END = "<!-- otp-differential:start -->", "<!-- otp-differential:end -->"
CASES = {c.name: c for c in k.CASES}


def otp_run(tmp: Path) -> k.OtpRun:
    run = k.run_otp(tmp)
    if run.late:  # the machine was too busy to keep a step in its second: once more for those
        again = k.run_otp(tmp, tuple(CASES[n] for n in run.late))
        run.events.update(again.events)
        run.late = again.late
    return run


@pytest.fixture(scope="module")
def otp(tmp_path_factory) -> k.OtpRun:
    if k.escript() is None:
        if os.environ.get("CI"):
            pytest.fail("escript is needed in CI (Debian package erlang-base; .ci/run installs it)")
        pytest.skip("escript is not installed (apt-get install erlang-base): no OTP to compare")
    return otp_run(tmp_path_factory.mktemp("otp"))


@pytest.mark.parametrize("case", k.CASES, ids=lambda c: c.name)
def test_meshlab_supervises_exactly_as_otp(otp, case):
    assert case.name not in otp.late, f"steps ran late on a busy machine: {otp.late[case.name]}"
    assert k.sim_events(k.run_sim(case)) == otp.events[case.name]


def test_every_case_ran_on_otp(otp):
    assert sorted(otp.events) == sorted(CASES)


def test_the_docs_table_shows_these_outcomes(otp):
    sim = {c.name: k.sim_events(k.run_sim(c)) for c in k.CASES}
    text = DOCS.read_text()
    assert START in text and END in text, f"{DOCS} lost its {START} … {END} markers"
    shown = text.split(START)[1].split(END)[0].strip()
    assert shown == k.table(otp.events, sim).strip(), (
        "docs/simulator.md's OTP table is stale: python tests/test_otp_differential.py --write"
    )


# The simulator's side alone (no Erlang needed) --------------------------------------------


@pytest.mark.parametrize("case", k.CASES, ids=lambda c: c.name)
def test_every_case_keeps_the_event_contract(case):
    assert_valid(k.run_sim(case))


def test_a_supervisor_that_gives_up_keeps_the_root_cause_on_record():
    trace = k.run_sim(CASES["give-up-counts-for-parent"])
    fails = trace.events.filter(pl.col("kind") == "actor_fail").select("actor", "peer", "reason")
    gave_up = fails.filter(pl.col("reason").str.starts_with("escalated: shutdown")).rows()
    assert [(a, p) for a, p, _ in gave_up] == [
        ("top/inner", "top/inner/a"),
        ("top/inner", "top/inner/a"),
        ("top", "top/inner/a"),  # the parent gave up in turn: the same root cause
    ]
    assert gave_up[0][2] == (
        "escalated: shutdown, more than 0 restarts in 5s; last: InjectedFault: injected crash"
    )
    assert gave_up[2][2].startswith("escalated: shutdown, more than 1 restart in 5s; last: ")


def test_the_cases_render_as_erlang_terms():
    terms = k.erlang_terms((CASES["give-up-transient"],))
    assert terms == (
        '{\'case\', "give-up-transient", {sup, "top", #{intensity => 3}, default, '
        '[{sup, "top/inner", #{intensity => 0}, transient, [{worker, "top/inner/a", default}, '
        '{worker, "top/inner/b", default}]}, {worker, "top/s", default}]}, '
        '[{100, crash, "top/inner/a"}]}.\n'
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        run = otp_run(Path(tmp))
    if run.late:
        sys.exit(f"steps ran late, try again on a quieter machine: {run.late}")
    table = k.table(run.events, {c.name: k.sim_events(k.run_sim(c)) for c in k.CASES})
    if "--write" in sys.argv:
        text = DOCS.read_text()
        head, rest = text.split(START)
        DOCS.write_text(f"{head}{START}\n{table}{END}{rest.split(END)[1]}")
    print(table)
