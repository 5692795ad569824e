"""Trace queries: known answers on hand-built frames, and consistency on real simulator runs."""

from __future__ import annotations

import polars as pl
import pytest
from framekit import FrameKit, two_node_story

import meshlab as ml


@pytest.fixture(scope="module")
def story():
    return two_node_story()


@pytest.fixture(scope="module", params=["supervision-tree", "node-failure", "partition"])
def real(request):
    return ml.scenarios.run(request.param, seed=2)


# --- in_flight -------------------------------------------------------------------------------


def test_in_flight_known_answers(story):
    # message 0: sent 1.0, received 1.5
    f = story.in_flight(1.2)
    assert f["msg_id"].to_list() == [0]
    row = f.row(0, named=True)
    assert (row["sender"], row["receiver"], row["src_node"], row["dst_node"]) == (
        "a",
        "b",
        "n0",
        "n1",
    )
    assert (row["sent_at"], row["arrives_at"], row["outcome"]) == (1.0, 1.5, "received")
    assert row["progress"] == pytest.approx(0.4)
    assert story.in_flight(1.0)["msg_id"].to_list() == [0]  # sent at or before t
    assert story.in_flight(1.5).height == 0  # received at t: no longer in flight
    # message 2: sent 3.1, a dead letter at 3.3
    dead = story.in_flight(3.2).row(0, named=True)
    assert (dead["arrives_at"], dead["outcome"]) == (pytest.approx(3.3), "dead_letter")


def test_in_flight_unfinished_message_uses_the_promised_arrival():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.send(1.0, "a", "b", node="n0", latency=0.5)
    row = fk.trace().in_flight(2.0).row(0, named=True)
    assert (row["arrives_at"], row["outcome"], row["dst_node"]) == (1.5, None, None)
    assert row["progress"] == 1.0


def test_in_flight_on_real_runs_matches_a_direct_count(real):
    ev = real.events
    for t in ev["t"].sample(5, seed=0).to_list():
        sent = set(ev.filter((pl.col("kind") == "msg_send") & (pl.col("t") <= t))["msg_id"])
        done = set(
            ev.filter(pl.col("kind").is_in(["msg_recv", "msg_drop"]) & (pl.col("t") <= t))["msg_id"]
        )
        got = real.in_flight(t)
        assert set(got["msg_id"]) == sent - done
        assert (got["arrives_at"] >= got["sent_at"]).all()


# --- flows -----------------------------------------------------------------------------------


def test_flows_by_actor_and_node(story):
    by_actor = story.flows(by="actor")
    assert by_actor.rows() == [("a", "b", 4, 16 + 32 + 16 + 16, 3, 1)]
    by_node = story.flows()
    assert by_node.rows() == [("n0", "n1", 4, 80, 3, 1)]
    window = story.flows(start=2.0, end=4.0, by="actor")  # sends at 2.0 and 3.1
    assert window.rows() == [("a", "b", 2, 48, 1, 1)]


def test_flows_dst_node_is_where_the_receiver_lived_at_send():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.node_join(0.0, "n1")
    fk.spawn(0.0, "a", node="n0")
    fk.spawn(0.0, "b", node="n0")
    fk.deliver(1.0, "a", "b", src_node="n0", dst_node="n0")
    fk.fail(2.0, "b", node="n0")
    fk.restart(2.5, "b", node="n1")
    fk.deliver(3.0, "a", "b", src_node="n0", dst_node="n1")
    assert sorted(fk.trace().flows().rows()) == [
        ("n0", "n0", 1, 16, 1, 0),
        ("n0", "n1", 1, 16, 1, 0),
    ]


def test_flows_bad_options(story):
    with pytest.raises(ValueError, match="'node' or 'actor'"):
        story.flows(by="pair")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before it starts"):
        story.flows(start=2.0, end=1.0)


def test_flows_total_equals_sends_on_real_runs(real):
    sends = real.events.filter(pl.col("kind") == "msg_send").height
    assert real.flows(by="actor")["messages"].sum() == sends
    assert real.flows(by="node")["messages"].sum() == sends


# --- failures and restarts -------------------------------------------------------------------


def test_failures_known_answer(story):
    f = story.failures()
    assert f.select(
        "t", "actor", "node", "error", "root_cause", "propagated", "restarted_at"
    ).rows() == [(3.0, "b", "n1", "ZeroDivisionError: division by zero", "b", False, 3.5)]


def test_restart_chains_with_widening_backoff():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "sup", node="n0", cls="Supervisor")
    fk.spawn(0.0, "w", node="n0", parent="sup")
    t = 1.0
    for backoff in (0.1, 0.2, 0.4):
        fk.fail(t, "w", node="n0", error="OSError: flaky")
        fk.restart(t + backoff, "w", node="n0", backoff=backoff)
        t += backoff + 1.0
    fk.fail(t, "w", node="n0", error="OSError: flaky")
    fk.fail(t, "sup", node="n0", error="escalated: OSError: flaky", root="w")
    trace = fk.trace()
    r = trace.restarts()
    assert r["attempt"].to_list() == [1, 2, 3]
    assert r["incarnation"].to_list() == [1, 2, 3]
    assert r["gap"].to_list() == pytest.approx([0.1, 0.2, 0.4])
    assert r["backoff"].to_list() == pytest.approx([0.1, 0.2, 0.4])
    assert set(r["cause"]) == {"fail"} and set(r["error"]) == {"OSError: flaky"}
    f = trace.failures()
    assert f["propagated"].to_list() == [False, False, False, False, True]
    assert f.row(4, named=True)["root_cause"] == "w"
    assert f["restarted_at"].null_count() == 2


def test_restart_after_shutdown_has_no_error():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "x", node="n0")
    fk.stop(1.0, "x", node="n0", reason="shutdown")
    fk.restart(1.5, "x", node="n0", strategy="one_for_all")
    row = fk.trace().restarts().row(0, named=True)
    assert (row["cause"], row["error"], row["strategy"], row["gap"]) == (
        "shutdown",
        None,
        "one_for_all",
        0.5,
    )


def test_failures_and_restarts_on_real_runs(real):
    ev = real.events
    f = real.failures()
    assert f.height == ev.filter(pl.col("kind") == "actor_fail").height
    # invariant 3 seen through the query: a propagated failure never names itself
    assert (f.filter("propagated")["root_cause"] != f.filter("propagated")["actor"]).all()
    r = real.restarts()
    assert r.height == ev.filter(pl.col("kind") == "actor_restart").height
    assert (r["gap"].drop_nulls() >= 0).all()


# --- latency ---------------------------------------------------------------------------------


def test_latency_known_answers():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    for a in ("p", "q"):
        fk.spawn(0.0, a, node="n0")
    lat = [0.1, 0.2, 0.3, 0.4, 0.5]
    for i, x in enumerate(lat):
        fk.deliver(float(i), "p", "q", src_node="n0", dst_node="n0", latency=x, took=0.01 * (i + 1))
    m = fk.send(9.0, "q", "q", node="n0", latency=5.0, timer=True)  # a timer: not a delivery
    fk.recv(14.0, "q", "q", m, node="n0")
    fk.handle(14.5, "q", "q", m, node="n0", took=0.06, msg_type="tick")
    out = fk.trace().latency()
    d = out.filter(pl.col("metric") == "delivery").row(0, named=True)
    assert d["count"] == 5
    assert d["p50"] == pytest.approx(0.3) and d["max"] == pytest.approx(0.5)
    assert d["p95"] == pytest.approx(0.48)  # linear between 0.4 and 0.5
    q = out.filter(pl.col("metric") == "queueing").row(0, named=True)
    assert (q["count"], q["max"]) == (6, pytest.approx(0.5))
    h = out.filter(pl.col("metric") == "handling").row(0, named=True)
    assert (h["count"], h["p50"]) == (6, pytest.approx(0.035))
    per_type = fk.trace().latency(by="msg_type")
    assert per_type.filter(pl.col("msg_type") == "tick")["metric"].to_list() == [
        "queueing",
        "handling",
    ]


def test_latency_of_an_empty_trace_and_bad_by():
    trace = ml.Trace(ml.events.empty_frame())
    out = trace.latency()
    assert out["count"].to_list() == [0, 0, 0]
    with pytest.raises(ValueError, match="msg_type"):
        trace.latency(by="actor")  # type: ignore[arg-type]


def test_latency_on_real_runs_agrees_with_a_join(real):
    ev = real.events
    send = ev.filter((pl.col("kind") == "msg_send") & pl.col("reason").ne_missing("timer"))
    recv = ev.filter(pl.col("kind") == "msg_recv")
    d = send.join(recv, on="msg_id", suffix="_r").select(v=pl.col("t_r") - pl.col("t"))["v"]
    got = real.latency().filter(pl.col("metric") == "delivery").row(0, named=True)
    assert got["count"] == d.len()
    if d.len():
        assert got["p50"] == pytest.approx(d.quantile(0.5, interpolation="linear"))
        assert got["max"] == pytest.approx(d.max())


# --- flight recorder -------------------------------------------------------------------------


def test_flight_recorder_known_answers(story):
    fr = story.flight_recorder("b", t=3.3, n=4)
    assert fr["kind"].cast(pl.String).to_list() == [
        "msg_handle",
        "actor_fail",
        "msg_send",
        "msg_drop",
    ]
    assert fr["seq"].is_sorted()
    # its spawn, 4 sends, and as peer: 3 receives, 3 handles, 1 drop
    assert story.flight_recorder("a", n=100).height == 1 + 4 + 3 + 3 + 1
    assert story.flight_recorder("b", t=-1.0).height == 0


def test_flight_recorder_unknown_actor(story):
    with pytest.raises(ValueError, match=r"no actor 'ghost'.*sup, a, b"):
        story.flight_recorder("ghost")
    with pytest.raises(ValueError, match="n >= 0"):
        story.flight_recorder("a", n=-1)


def test_flight_recorder_on_real_runs(real):
    ev = real.events
    who = ev.filter(pl.col("kind") == "msg_handle")["actor"][0]
    t = float(ev["t"].median())
    fr = real.flight_recorder(who, t=t, n=10)
    assert fr.height <= 10 and (fr["t"] <= t).all()
    assert ((fr["actor"] == who) | (fr["peer"] == who)).all()
    everything = ev.filter(
        ((pl.col("actor") == who) | (pl.col("peer") == who)) & (pl.col("t") <= t)
    )
    # the latest events, fan-outs folded: every event from the first row on is accounted for,
    # but for the head of the last instant when that instant alone has more than half the rows
    assert fr["seq"].is_sorted() and fr["count"].min() >= 1
    since = everything.filter(pl.col("seq") >= fr["seq"][0])
    if fr["t"].n_unique() > 1 and fr.filter(pl.col("t") == fr["t"][-1]).height < 5:
        assert since.height == fr["count"].sum()
    else:
        assert since.height >= fr["count"].sum()


def test_flight_recorder_at_a_busy_instant_shows_the_lead_up():
    class Shout(ml.Actor):
        def started(self, ctx):
            ctx.after(0.1, "tick")

        def on_tick(self, ctx, _):
            for p in ("p0", "p1", "p2", "p3", "p4", "p5"):
                ctx.send(p, "news")
            ctx.after(0.1, "tick")

    class Ear(ml.Actor):
        def on_news(self, ctx, _):
            pass

    mesh = ml.Mesh(seed=0, nodes=2, latency=0.01)
    mesh.spawn(Shout, name="s", node="n0")
    for i in range(6):
        mesh.spawn(Ear, name=f"p{i}", node="n1")
    mesh.run(until=1.0)
    fr = mesh.trace.flight_recorder("s", t=0.5, n=8)
    # six sends at t=0.5 are one row naming the six peers, and the window reaches back
    # before that instant instead of being eight events of it
    fan = fr.filter((pl.col("kind") == "msg_send") & (pl.col("msg_type") == "news"))
    assert fan.filter(pl.col("t") == 0.5)["peer"].to_list() == ["p0, p1, p2, p3, p4, p5"]
    assert fan["count"].to_list()[-1] == 6
    assert fr["t"].min() < 0.5 and fr.filter(pl.col("t") == 0.5).height <= 4
    assert fr.height == 8 and (fr["t"] <= 0.5).all()


# --- version 2: handlers in either form, attrs ------------------------------------------------


def v2_story():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.spawn(0.0, "b", node="n0")
    m0 = fk.send(0.0, "b", "a", node="n0", msg_type="get")
    fk.recv(0.1, "a", "b", m0, node="n0", msg_type="get")
    fk.handle(0.2, "a", "b", m0, node="n0", took=0.1, msg_type="get")
    m1 = fk.send(1.0, "b", "a", node="n0", msg_type="put")
    fk.recv(1.1, "a", "b", m1, node="n0", msg_type="put")
    fk.handler_start(1.4, "a", "b", m1, node="n0", msg_type="put")
    fk.attrs(1.5, node="n0", actor="a", role="leader", term=2)
    fk.handler_end(1.9, "a", "b", m1, node="n0", took=0.5, outcome="error: KeyError: 'k'")
    m2 = fk.send(2.0, "b", "a", node="n0", msg_type="put")
    fk.recv(2.1, "a", "b", m2, node="n0", msg_type="put")
    fk.handler_start(2.2, "a", "b", m2, node="n0", msg_type="put")
    fk.attrs(2.5, node="n0", version="3.1")
    fk.attrs(2.6, node="n0", actor="a", term=None)
    return fk.trace()


def test_handlers_joins_both_forms():
    h = v2_story().handlers()
    got = h.select("msg_type", "started_at", "ended_at", "duration", "outcome", "running").rows()
    assert got == [
        ("get", 0.2, pytest.approx(0.3), 0.1, None, False),
        ("put", 1.4, pytest.approx(1.9), 0.5, "error: KeyError: 'k'", False),
        ("put", 2.2, None, None, None, True),
    ]


def test_latency_reads_handler_end():
    lat = v2_story().latency(by="msg_type")
    row = lat.filter((pl.col("msg_type") == "put") & (pl.col("metric") == "handling")).row(
        0, named=True
    )
    assert (row["count"], row["max"]) == (1, 0.5)  # the running one has no duration yet
    queue = lat.filter((pl.col("msg_type") == "put") & (pl.col("metric") == "queueing"))
    assert queue["count"].item() == 2 and queue["max"].item() == pytest.approx(0.3)


def test_attrs_long_table():
    a = v2_story().attrs()
    assert a.select("node", "actor", "key", "value").rows() == [
        ("n0", "a", "role", '"leader"'),
        ("n0", "a", "term", "2"),
        ("n0", None, "version", '"3.1"'),
        ("n0", "a", "term", "null"),
    ]


def test_flight_recorder_shows_the_v2_kinds():
    kinds = v2_story().flight_recorder("a", n=6)["kind"].cast(pl.String).to_list()
    assert kinds == ["attrs", "handler_end", "msg_send", "msg_recv", "handler_start", "attrs"]
