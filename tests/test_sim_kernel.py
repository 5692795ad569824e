"""The kernel: virtual time, deterministic tie-breaking, run/step."""

import math

import pytest

from meshlab.sim.kernel import Kernel


def test_entries_at_the_same_time_run_in_scheduling_order():
    k, seen = Kernel(), []
    for name in "abc":
        k.schedule(1.0, seen.append, name)
    k.schedule(0.5, seen.append, "first")
    k.run_kernel(until=2.0)
    assert seen == ["first", "a", "b", "c"]
    assert k.now == 2.0


def test_run_stops_at_until_and_keeps_later_entries():
    k, seen = Kernel(), []
    k.schedule(1.0, seen.append, 1)
    k.schedule(3.0, seen.append, 3)
    k.run_kernel(until=2.0)
    assert seen == [1] and k.now == 2.0 and k.peek() == 3.0


def test_step_runs_one_entry_and_reports_an_empty_agenda():
    k, seen = Kernel(), []
    k.schedule(0.25, seen.append, "x")
    assert k.step() is True and k.now == 0.25 and seen == ["x"]
    assert k.step() is False and k.peek() == math.inf


def test_scheduling_in_the_past_is_refused_with_the_times():
    k = Kernel()
    k.schedule(1.0, lambda _: None)
    k.run_kernel(until=1.0)
    with pytest.raises(ValueError, match=r"t=0.5.*before now \(t=1.0\)"):
        k.schedule(0.5, lambda _: None)
