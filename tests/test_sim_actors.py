"""Actors: handlers, the context, processing time, mailboxes, timers, spawning, stopping."""

import pytest
from simkit import Boom, Bounded, Echo, Sender, Sink, Slow, kinds, rows

import meshlab as ml
from meshlab.trace.invariants import assert_valid


def test_a_round_trip_records_send_recv_handle_on_both_sides():
    mesh = ml.Mesh(seed=0, nodes=2, latency=0.01)
    mesh.spawn(Echo, name="echo", node="n1")

    class Asker(ml.Actor):
        def started(self, ctx):
            ctx.send("echo", "ping", 7, size=10)

        def on_pong(self, ctx, n):
            self.got = n

    mesh.spawn(Asker, name="asker", node="n0")
    mesh.run(until=1.0)
    t = mesh.trace
    msgs = [r for r in t.events.to_dicts() if r["kind"].startswith("msg_")]
    assert [(r["kind"], r["actor"], r["peer"], r["node"]) for r in msgs] == [
        ("msg_send", "asker", "echo", "n0"),
        ("msg_recv", "echo", "asker", "n1"),
        ("msg_handle", "echo", "asker", "n1"),
        ("msg_send", "echo", "asker", "n1"),
        ("msg_recv", "asker", "echo", "n0"),
        ("msg_handle", "asker", "echo", "n0"),
    ]
    assert msgs[0]["t"] == 0.0 and msgs[1]["t"] == pytest.approx(0.01)
    assert msgs[0]["duration"] == pytest.approx(0.01) and msgs[0]["size"] == 10
    assert msgs[1]["msg_type"] == "ping" and msgs[1]["size"] == 10
    assert_valid(t)


def test_processing_time_queues_the_mailbox_and_delays_effects():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Slow, name="slow")
    mesh.spawn(Sender, "slow", 3, name="src")
    mesh.run(until=1.0)
    handles = rows(mesh.trace, "msg_handle")
    assert [h["t"] for h in handles] == pytest.approx([0.0, 0.1, 0.2])
    assert all(h["duration"] == pytest.approx(0.1) for h in handles)


def test_cost_may_be_per_message_type_or_a_callable():
    class Mixed(ml.Actor):
        cost = {"big": 0.5, "*": 0.01}

        def receive(self, ctx, msg_type, body):
            pass

    class ByBody(Sink):
        cost = staticmethod(lambda msg, ctx: msg.body / 10)

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Mixed, name="m")
    mesh.spawn(ByBody, name="b")
    mesh.spawn(Sender, "m", 1, "big", name="s1")
    mesh.spawn(Sender, "m", 1, "small", name="s2")
    mesh.spawn(Sender, "b", 2, "x", name="s3")
    mesh.run(until=2.0)
    got = {(h["actor"], h["msg_type"], h["duration"]) for h in rows(mesh.trace, "msg_handle")}
    assert got == {("m", "big", 0.5), ("m", "small", 0.01), ("b", "x", 0.0), ("b", "x", 0.1)}


def test_a_full_bounded_mailbox_drops_with_a_reason():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Bounded, name="b")
    mesh.spawn(Sender, "b", 5, name="src")
    mesh.run(until=2.0)
    drops = rows(mesh.trace, "msg_drop")
    # the first is handled at once; two wait in the mailbox; the last two find it full
    assert [d["reason"] for d in drops] == ["mailbox_full", "mailbox_full"]
    assert len(rows(mesh.trace, "msg_handle")) == 3


def test_a_handler_that_raises_fails_the_actor_with_its_error():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Boom, name="boom")
    mesh.spawn(Sender, "boom", 1, "go", name="src")
    mesh.run(until=1.0)
    (fail,) = rows(mesh.trace, "actor_fail")
    assert fail["actor"] == "boom" and fail["peer"] == "boom"
    assert fail["reason"] == "ZeroDivisionError: division by zero"
    assert not mesh.is_alive("boom")


def test_an_unhandled_message_type_crashes_with_a_message_that_says_what_to_define():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Echo, name="echo")
    mesh.spawn(Sender, "echo", 1, "nonsense", name="src")
    mesh.run(until=1.0)
    (fail,) = rows(mesh.trace, "actor_fail")
    assert "UnhandledMessage" in fail["reason"] and "on_nonsense" in fail["reason"]


def test_messages_to_a_dead_or_unknown_actor_are_dead_letters():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Sink, name="sink")
    mesh.stop("sink")
    mesh.spawn(Sender, "sink", 1, name="a")
    mesh.spawn(Sender, "nobody", 1, name="b")
    mesh.run(until=1.0)
    assert [d["reason"] for d in rows(mesh.trace, "msg_drop")] == ["dead_letter", "dead_letter"]
    assert_valid(mesh.trace)


def test_a_stop_discards_the_mailbox_as_drops_before_the_stop_event():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Slow, name="slow")
    mesh.spawn(Sender, "slow", 3, name="src")
    mesh.stop("slow", at=0.05)
    mesh.run(until=1.0)
    seq = kinds(mesh.trace, actor="slow")
    assert seq[-3:] == ["msg_drop", "msg_drop", "actor_stop"]
    assert {d["reason"] for d in rows(mesh.trace, "msg_drop")} == {"discarded"}
    assert_valid(mesh.trace)


def test_timers_deliver_to_self_and_can_be_cancelled():
    class Ticker(ml.Actor):
        def started(self, ctx):
            ctx.after(0.5, "tick", "kept")
            doomed = ctx.after(0.2, "tick", "cancelled")
            ctx.cancel(doomed)

        def on_tick(self, ctx, body):
            self.body = body

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Ticker, name="t")
    mesh.run(until=1.0)
    (send,) = rows(mesh.trace, "msg_send")
    assert send["t"] == 0.5 and send["reason"] == "timer" and send["peer"] == "t"
    assert mesh._cells["t"].behaviour.body == "kept"


def test_children_get_path_ids_and_placement_spreads_them():
    class Parent(ml.Actor):
        def started(self, ctx):
            for i in range(4):
                ctx.spawn(Sink, name=f"c{i}")

    mesh = ml.Mesh(seed=0, nodes=2, placement="round_robin")
    mesh.spawn(Parent, name="p", node="n0")
    mesh.run(until=0.1)
    spawns = {r["actor"]: (r["node"], r["parent"]) for r in rows(mesh.trace, "actor_spawn")}
    assert spawns["p/c0"][1] == "p"
    assert {spawns[f"p/c{i}"][0] for i in range(4)} == {"n0", "n1"}


def test_least_loaded_placement_balances_actors():
    mesh = ml.Mesh(seed=0, nodes=3, placement="least_loaded")
    for _ in range(9):
        mesh.spawn(Sink)
    assert [len(mesh.actors_alive(node=n)) for n in ("n0", "n1", "n2")] == [3, 3, 3]


def test_bad_input_gets_clear_errors():
    mesh = ml.Mesh(seed=0, nodes=2)
    with pytest.raises(TypeError, match=r"subclass of meshlab\.Actor"):
        mesh.spawn(object)
    with pytest.raises(ValueError, match="unknown node 'n9'; nodes are n0, n1"):
        mesh.spawn(Sink, node="n9")
    mesh.spawn(Sink, name="x")
    with pytest.raises(ValueError, match="already in use"):
        mesh.spawn(Sink, name="x")
    with pytest.raises(ValueError, match="placement must be one of"):
        ml.Mesh(placement="anywhere")
    with pytest.raises(ValueError, match="before now"):
        mesh.run(until=1.0)
        mesh.run(until=0.5)


def test_events_since_returns_only_new_events_and_listeners_hear_each_run():
    mesh = ml.Mesh(seed=0, nodes=2)
    heard = []
    mesh.add_listener(lambda: heard.append(mesh.now))
    mesh.spawn(Echo, name="echo")
    mesh.spawn(Sender, "echo", 1, "ping", name="src")
    mesh.run(until=0.5)
    first = len(mesh.trace)
    mesh.spawn(Sender, "echo", 2, "ping", name="more")
    mesh.run(until=1.0)
    new = mesh.events_since(first)
    assert new["seq"].to_list() == list(range(first, len(mesh.trace)))
    assert heard == [0.5, 1.0]
