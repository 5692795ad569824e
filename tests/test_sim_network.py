"""The network model and faults: latency, loss, partitions, node lifecycle."""

import random
import statistics

import pytest
from simkit import Echo, Sender, Sink, rows

import meshlab as ml
from meshlab.sim.net import Constant, Exponential, LogNormal, Uniform
from meshlab.trace.invariants import assert_valid


@pytest.mark.parametrize(
    ("dist", "mean"),
    [
        (Constant(0.01), 0.01),
        (Uniform(0.01, 0.03), 0.02),
        (Exponential(0.02, base=0.001), 0.021),
        (LogNormal(0.01, 0.0), 0.01),
    ],
)
def test_latency_distributions_have_the_stated_mean(dist, mean):
    rng = random.Random(0)
    samples = [dist.sample(rng) for _ in range(4000)]
    assert statistics.fmean(samples) == pytest.approx(mean, rel=0.08)
    assert min(samples) >= 0


def test_per_link_latency_applies_both_ways():
    mesh = ml.Mesh(seed=0, nodes=3, latency=0.001)
    mesh.set_link("n0", "n2", latency=0.5)
    mesh.spawn(Echo, name="far", node="n2")
    mesh.spawn(Echo, name="near", node="n1")

    class Both(ml.Actor):
        def started(self, ctx):
            ctx.send("far", "ping", 0)
            ctx.send("near", "ping", 0)

        def on_pong(self, ctx, n):
            pass

    mesh.spawn(Both, name="both", node="n0")
    mesh.run(until=2.0)
    lat = {(r["actor"], r["peer"]): r["duration"] for r in rows(mesh.trace, "msg_send")}
    assert lat[("both", "far")] == 0.5 and lat[("far", "both")] == 0.5
    assert lat[("both", "near")] == 0.001


def test_loss_drops_at_the_would_be_arrival_and_says_so():
    mesh = ml.Mesh(seed=3, nodes=2, latency=0.01, loss=0.5)
    mesh.spawn(Sink, name="sink", node="n1")
    mesh.spawn(Sender, "sink", 200, name="src", node="n0")
    mesh.run(until=1.0)
    drops = rows(mesh.trace, "msg_drop")
    assert 60 < len(drops) < 140 and {d["reason"] for d in drops} == {"loss"}
    assert all(d["t"] == pytest.approx(0.01) for d in drops)
    assert len(drops) + len(rows(mesh.trace, "msg_recv")) == 200


def test_a_partition_cuts_links_between_groups_until_healed():
    mesh = ml.Mesh(seed=0, nodes=3, latency=0.01)
    mesh.partition([["n0"], ["n1", "n2"]], at=1.0)
    mesh.heal(at=2.0)
    mesh.run(until=3.0)
    downs = {(r["node"], r["peer"]) for r in rows(mesh.trace, "link_down")}
    ups = {(r["node"], r["peer"]) for r in rows(mesh.trace, "link_up")}
    assert downs == ups == {("n0", "n1"), ("n0", "n2")}


def test_a_cut_link_drops_only_its_own_traffic_and_heals():
    # n0 cannot reach n1 directly; both still reach n2 (a partial partition)
    mesh = ml.Mesh(seed=0, nodes=3, latency=0.01)
    mesh.spawn(Sink, name="s1", node="n1")
    mesh.spawn(Sink, name="s2", node="n2")
    mesh.spawn(Sender, "s1", 1, name="to1", node="n0")
    mesh.spawn(Sender, "s2", 1, name="to2", node="n0")
    mesh.cut("n1", "n0", at=0.0)
    mesh.cut("n0", "n1", at=0.5)  # already cut: nothing more recorded
    mesh.heal(at=1.0)
    mesh.run(until=2.0)
    assert [(r["t"], r["node"], r["peer"]) for r in rows(mesh.trace, "link_down")] == [
        (0.0, "n0", "n1")
    ]
    assert [(r["node"], r["peer"]) for r in rows(mesh.trace, "link_up")] == [("n0", "n1")]
    assert [r["actor"] for r in rows(mesh.trace, "msg_drop")] == ["s1"]
    assert [r["actor"] for r in rows(mesh.trace, "msg_recv")] == ["s2"]
    assert_valid(mesh.trace)
    with pytest.raises(ValueError, match="two different nodes"):
        mesh.cut("n0", "n0")


def test_messages_across_a_partition_are_dropped_in_flight_or_at_send():
    class Chatty(ml.Actor):
        def started(self, ctx):
            ctx.after(0.0, "tick")

        def on_tick(self, ctx, _):
            ctx.send("sink", "data")
            ctx.after(0.1, "tick")

    mesh = ml.Mesh(seed=0, nodes=2, latency=0.05)
    mesh.spawn(Sink, name="sink", node="n1")
    mesh.spawn(Chatty, name="chatty", node="n0")
    mesh.partition([["n0"], ["n1"]], at=0.525)  # one message is mid-flight then
    mesh.heal(at=0.95)
    mesh.run(until=1.5)
    drops = [d for d in rows(mesh.trace, "msg_drop")]
    assert {d["reason"] for d in drops} == {"partition"}
    assert [round(d["t"], 3) for d in drops] == [0.55, 0.6, 0.7, 0.8, 0.9]
    assert_valid(mesh.trace)


def test_a_killed_node_fails_its_actors_drops_arrivals_and_comes_back_empty():
    mesh = ml.Mesh(seed=0, nodes=2, latency=0.1)
    mesh.spawn(Sink, name="sink", node="n1")
    mesh.spawn(Sender, "sink", 1, name="src", node="n0")
    mesh.kill_node("n1", at=0.05)
    mesh.node_up("n1", at=0.5)
    mesh.run(until=1.0)
    ev = [(r["kind"], r["node"], r["reason"]) for r in mesh.trace.events.to_dicts()]
    assert ("node_down", "n1", "killed") in ev and ("actor_fail", "n1", "node_down") in ev
    assert [d["reason"] for d in rows(mesh.trace, "msg_drop")] == ["node_down"]
    assert mesh.node_state("n1") == "up" and mesh.actors_alive(node="n1") == []


def test_node_states_leave_and_join():
    mesh = ml.Mesh(seed=0, nodes=2)
    mesh.spawn(Sink, name="s", node="n1")
    mesh.set_node_state("n1", "drain", at=0.1)
    mesh.remove_node("n1", at=0.2)
    mesh.add_node("n2", at=0.3)
    mesh.run(until=1.0)
    kinds = [(r["kind"], r["node"], r["reason"]) for r in mesh.trace.events.to_dicts()][3:]
    assert kinds == [
        ("node_state", "n1", "drain"),
        ("actor_stop", "n1", "node_leave"),
        ("node_leave", "n1", None),
        ("node_join", "n2", None),
    ]
    with pytest.raises(ValueError, match="use kill_node or remove_node"):
        mesh.set_node_state("n0", "down")
    assert_valid(mesh.trace)
