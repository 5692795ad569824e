"""Limits that stop runaway code: a livelock at one instant, a cap on all entries, a handler
that never returns; each stops the run with a LimitError and keeps the trace so far."""

from __future__ import annotations

import threading
import time

import pytest

import meshlab as ml
from meshlab.sim import LimitError


class Spin(ml.Actor):
    """Schedules itself with no delay forever: virtual time never moves on."""

    def started(self, ctx):
        ctx.after(0, "spin")

    def on_spin(self, ctx, _):
        ctx.after(0, "spin")


class Echo(ml.Actor):
    """Sends to itself on its own node (local latency 0): the same livelock by messages."""

    def started(self, ctx):
        ctx.after(1.0, "echo")

    def on_echo(self, ctx, _):
        ctx.send(ctx.self, "echo")


class Hang(ml.Actor):
    """At t=0.5 its handler loops forever, and swallows every Exception on the way."""

    def started(self, ctx):
        ctx.after(0.5, "go")

    def on_go(self, ctx, _):
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass


def test_livelock_by_timers_stops_with_the_handler_named_and_keeps_the_trace():
    mesh = ml.Mesh(seed=0, nodes=3, max_events_per_instant=2000)
    mesh.spawn(Spin, name="c2")
    with pytest.raises(LimitError, match=r"^livelock at t=0\.000 in c2\.on_spin: 2,000 events"):
        mesh.run(until=5.0)
    err = mesh._stopped_by
    assert (err.limit, err.t, err.actor, err.handler) == (
        "max_events_per_instant",
        0.0,
        "c2",
        "on_spin",
    )
    events = mesh.trace.events
    assert events["t"].max() == 0.0 and mesh.now == 0.0  # time did not jump to `until`
    # a timer's firing and its delivery are two entries each: about 1,000 handlers ran
    assert events.filter(events["kind"] == "msg_handle").height >= 990
    with pytest.raises(RuntimeError, match=r"stopped at t=0 on an error .*LimitError"):
        mesh.run(until=6.0)


def test_livelock_by_messages_to_itself_at_a_later_instant():
    mesh = ml.Mesh(seed=0, nodes=2, max_events_per_instant=500)
    mesh.spawn(Echo, name="e")
    with pytest.raises(LimitError, match=r"livelock at t=1\.000 in e\.on_echo"):
        mesh.run(until=3.0)


def test_the_per_instant_count_starts_again_when_time_moves():
    class Burst(ml.Actor):  # 301 entries at each of many instants: never a livelock
        def started(self, ctx):
            ctx.after(0.1, "tick")

        def on_tick(self, ctx, _):
            for _ in range(299):
                ctx.send(ctx.self, "noop")
            ctx.after(0.1, "tick")

        def on_noop(self, ctx, _):
            pass

    # a timer fires, its tick is delivered, 299 noops are delivered: 301 at each instant
    mesh = ml.Mesh(seed=0, nodes=1, max_events_per_instant=301)
    mesh.spawn(Burst, name="b")
    mesh.run(until=2.0)
    assert mesh.now == 2.0


def test_max_events_caps_the_whole_run():
    mesh = ml.Mesh(seed=0, nodes=3, max_events=100)
    mesh.spawn(Spin, name="c2")
    with pytest.raises(LimitError, match=r"^event limit at t=0\.000 in c2\.on_spin: .*=100"):
        mesh.run()
    assert mesh._stopped_by.limit == "max_events"


def test_step_obeys_the_limits_too():
    mesh = ml.Mesh(seed=0, nodes=1, max_events_per_instant=10)
    mesh.spawn(Spin, name="s")
    with pytest.raises(LimitError, match=r"livelock at t=0\.000 in s\.on_spin"):
        for _ in range(100):
            mesh.step()


def test_a_hung_handler_is_stopped_by_the_watchdog():
    mesh = ml.Mesh(seed=0, nodes=2, handler_timeout=0.3)
    mesh.spawn(Hang, name="h")
    started = time.monotonic()
    with pytest.raises(LimitError, match=r"^hung handler at t=0\.500 in h\.on_go: still running"):
        mesh.run(until=5.0)
    assert time.monotonic() - started < 5.0
    assert mesh._stopped_by.limit == "handler_timeout"
    kinds = mesh.trace.events["kind"].to_list()
    assert kinds[-1] == "msg_handle" and mesh.now == 0.5


def test_a_hung_handler_in_another_thread_is_stopped():
    caught: list[BaseException] = []

    def work():
        mesh = ml.Mesh(seed=0, nodes=2, handler_timeout=0.3)
        mesh.spawn(Hang, name="h")
        try:
            mesh.run(until=5.0)
        except LimitError as exc:
            caught.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive() and len(caught) == 1
    assert "h.on_go" in str(caught[0])


def test_slow_but_finished_handlers_and_time_after_a_run_are_left_alone():
    class Slow(ml.Actor):
        def started(self, ctx):
            ctx.after(0.1, "work")

        def on_work(self, ctx, _):
            time.sleep(0.05)  # well under the timeout, many times over
            if ctx.now < 1.0:
                ctx.after(0.1, "work")

    mesh = ml.Mesh(seed=0, nodes=1, handler_timeout=0.2)
    mesh.spawn(Slow, name="s")
    mesh.run(until=2.0)
    time.sleep(0.5)  # outside a run nothing is watched: no stray exception lands here
    assert mesh.now == 2.0


def test_the_limits_can_be_turned_off():
    mesh = ml.Mesh(seed=0, nodes=1, max_events_per_instant=None, handler_timeout=None)
    assert mesh._max_same == mesh._max_steps == 2**63 - 1 and mesh.handler_timeout is None
    mesh.spawn(Echo, name="e")
    mesh.run(until=0.5)  # runs as before, with no watchdog
    assert mesh.now == 0.5


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("max_events", 0, "max_events must be a whole number >= 1 or None, got 0"),
        ("max_events_per_instant", 2.5, "max_events_per_instant must be a whole number"),
        ("max_events", True, "max_events must be a whole number"),
        ("handler_timeout", 0, "handler_timeout must be a number of seconds > 0 or None"),
        ("handler_timeout", float("inf"), "handler_timeout must be a number of seconds"),
        ("handler_timeout", "5", "handler_timeout must be a number of seconds"),
    ],
)
def test_bad_limits_say_what_is_wrong(option, value, message):
    with pytest.raises(ValueError, match=message):
        ml.Mesh(**{option: value})
