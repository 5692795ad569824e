"""state_at: known answers on hand-built traces, and agreement with a plain reference fold."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest
from framekit import FrameKit, two_node_story
from hypothesis import given, settings
from hypothesis import strategies as st

import meshlab as ml
from meshlab.trace.fold import ACTOR_SCHEMA, NODE_SCHEMA, FoldIndex, State


def actor(state: State, name: str) -> dict:
    return state.actor(name)


def test_story_before_anything_happened():
    s = two_node_story().state_at(-1.0)
    assert s.nodes.height == 0 and s.actors.height == 0
    assert s.nodes.schema == pl.Schema(NODE_SCHEMA)
    assert s.actors.schema == pl.Schema(ACTOR_SCHEMA)


def test_story_busy_then_idle_with_counts():
    trace = two_node_story()
    b = actor(trace.state_at(1.6), "b")  # handling the first ping from 1.5 to 1.75
    assert (b["status"], b["node"], b["class"], b["parent"]) == ("busy", "n1", "Ponger", "sup")
    assert (b["processed"], b["last_handler"], b["processing_time"]) == (1, "ping", 0.25)
    assert actor(trace.state_at(1.75), "b")["status"] == "idle"  # busy is [start, start+took)
    assert actor(trace.state_at(1.6), "a")["processed"] == 0


def test_story_failure_restarting_and_restart_clears_it():
    trace = two_node_story()
    b = actor(trace.state_at(3.2), "b")
    assert b["status"] == "restarting"
    assert b["error"] == "ZeroDivisionError: division by zero"
    assert (b["root_cause"], b["propagated"], b["failed_at"]) == ("b", False, 3.0)
    assert (b["incarnation"], b["restarts"]) == (0, 0)
    after = actor(trace.state_at(3.5), "b")
    assert (after["status"], after["incarnation"], after["restarts"]) == ("idle", 1, 1)
    assert after["error"] is None and after["failed_at"] is None
    # processed and processing time run over all lives
    later = actor(trace.state_at(10.0), "b")
    assert (later["processed"], later["processing_time"]) == (3, 0.875)


def test_story_nodes():
    trace = two_node_story()
    nodes = trace.state_at(3.2).nodes
    assert nodes.rows() == [("n0", "up", 0.0, 2, None), ("n1", "up", 0.0, 0, None)]
    assert trace.state_at(5.0).nodes.row(1) == ("n1", "maintenance", 5.0, 1, None)


def test_failed_when_no_restart_follows_and_propagated_failure():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "sup", node="n0", cls="Supervisor")
    fk.spawn(0.0, "w", node="n0", parent="sup")
    fk.fail(1.0, "w", node="n0", error="KeyError: 'x'")
    fk.fail(1.0, "sup", node="n0", error="escalated: KeyError: 'x'", root="w")
    s = fk.trace().state_at(2.0)
    w, sup = actor(s, "w"), actor(s, "sup")
    assert w["status"] == "failed" and w["propagated"] is False
    assert sup["status"] == "failed"
    assert (sup["root_cause"], sup["propagated"]) == ("w", True)
    assert s.nodes.row(0) == ("n0", "up", 0.0, 0, None)


def test_stops_shutdown_for_restart_and_node_down():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.node_join(0.0, "n1")
    fk.spawn(0.0, "x", node="n0")
    fk.spawn(0.0, "y", node="n0")
    fk.spawn(0.0, "z", node="n1")
    fk.stop(1.0, "x", node="n0", reason="normal")
    fk.stop(1.0, "y", node="n0", reason="shutdown")
    fk.restart(2.0, "y", node="n1", backoff=1.0, strategy="one_for_all")
    fk.node_down(3.0, "n1")
    fk.fail(3.0, "y", node="n1", error="node_down", root=None)
    fk.fail(3.0, "z", node="n1", error="node_down", root=None)
    trace = fk.trace()
    s = trace.state_at(1.5)
    assert actor(s, "x")["status"] == "stopped" and actor(s, "x")["error"] is None
    assert actor(s, "y")["status"] == "restarting" and actor(s, "y")["error"] is None
    s = trace.state_at(2.0)
    assert (actor(s, "y")["status"], actor(s, "y")["node"]) == ("idle", "n1")
    s = trace.state_at(3.0)
    z = actor(s, "z")
    assert (z["status"], z["root_cause"], z["propagated"]) == ("failed", None, False)
    assert s.nodes.rows() == [("n0", "up", 0.0, 0, None), ("n1", "down", 3.0, 0, None)]


def test_mailbox_depth_counts_the_current_life_only():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "p", node="n0")
    fk.spawn(0.0, "q", node="n0")
    ms = [fk.send(1.0, "p", "q", node="n0") for _ in range(3)]
    for m in ms:
        fk.recv(1.1, "q", "p", m, node="n0")
    fk.handle(1.2, "q", "p", ms[0], node="n0", took=0.5)
    fk.fail(1.5, "q", node="n0")
    fk.drop(1.5, "q", "p", ms[1], node="n0", reason="discarded")
    fk.drop(1.5, "q", "p", ms[2], node="n0", reason="discarded")
    fk.restart(2.0, "q", node="n0")
    m = fk.send(2.5, "p", "q", node="n0")
    fk.recv(2.6, "q", "p", m, node="n0")
    trace = fk.trace()
    assert actor(trace.state_at(1.1), "q")["mailbox_depth"] == 3
    assert actor(trace.state_at(1.3), "q")["mailbox_depth"] == 2
    assert actor(trace.state_at(1.3), "q")["status"] == "busy"
    assert actor(trace.state_at(1.5), "q")["mailbox_depth"] == 0
    assert actor(trace.state_at(2.7), "q")["mailbox_depth"] == 1


def test_unknown_actor_and_bad_time_are_clear_errors():
    s = two_node_story().state_at(1.0)
    with pytest.raises(KeyError, match=r"no actor 'zz'.*sup, a, b"):
        s.actor("zz")
    with pytest.raises(TypeError, match="number"):
        two_node_story().state_at("1.0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        two_node_story().state_at(math.nan)


def test_keyframes_are_built_once_and_cached():
    trace = two_node_story()
    trace.state_at(1.0)
    index = trace.cached("fold", FoldIndex)
    assert isinstance(index, FoldIndex)
    trace.state_at(2.0)
    assert trace.cached("fold", FoldIndex) is index


def test_times_out_of_seq_order_fold_by_time():
    """Live traces merge clocks, so t may step back in seq; the fold goes by t."""
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.fail(2.0, "a", node="n0")
    fk.node_join(1.0, "n1")  # recorded later, happened earlier
    fk.spawn(1.0, "b", node="n1")
    s = fk.trace().state_at(1.5)
    assert actor(s, "a")["status"] == "idle"
    assert actor(s, "b")["status"] == "idle"
    assert s.nodes["node"].to_list() == ["n0", "n1"]


# --- a plain, slow reference fold: the contract's words, one event at a time --------------


def reference_fold(events: pl.DataFrame, t: float) -> dict[str, dict]:
    rows = events.sort(["t", "seq"]).filter(pl.col("t") <= t).iter_rows(named=True)
    actors: dict[str, dict] = {}
    for e in rows:
        k, a = e["kind"], e["actor"]
        if k in ("actor_spawn", "actor_restart"):
            st = actors.setdefault(
                a, {"processed": 0, "processing_time": 0.0, "last_handler": None, "restarts": 0}
            )
            st.update(
                node=e["node"],
                life="alive",
                incarnation=e["incarnation"],
                parent=e["parent"],
                cls=e["msg_type"],
                depth=0,
                busy_until=-math.inf,
                fail=None,
                stop_reason=None,
            )
            st["restarts"] += k == "actor_restart"
        elif a not in actors:
            continue
        elif k == "actor_fail":
            actors[a].update(life="fail", fail=e, node=e["node"])
        elif k == "actor_stop":
            actors[a].update(life="stop", stop_reason=e["reason"], node=e["node"])
        elif k == "msg_recv":
            actors[a]["depth"] += 1
        elif k == "msg_handle":
            st = actors[a]
            st["depth"] -= 1
            st["processed"] += 1
            st["processing_time"] += e["duration"] or 0.0
            st["last_handler"] = e["msg_type"]
            st["busy_until"] = e["t"] + (e["duration"] or 0.0)
        elif k == "msg_drop" and e["reason"] == "discarded":
            actors[a]["depth"] -= 1
    later = events.filter(pl.col("t") > t)
    return {a: _status(a, st, later, t) for a, st in actors.items()}


def _status(a: str, st: dict, later: pl.DataFrame, t: float) -> dict:
    nxt = later.filter(
        (pl.col("actor") == a)
        & pl.col("kind").is_in(["actor_spawn", "actor_restart", "actor_stop", "actor_fail"])
    )
    restart_follows = nxt.height > 0 and nxt["kind"][0] == "actor_restart"
    if st["life"] == "alive":
        status = "busy" if st["busy_until"] > t else "idle"
    elif st["life"] == "fail":
        status = "restarting" if restart_follows else "failed"
    else:
        status = "restarting" if st["stop_reason"] == "shutdown" and restart_follows else "stopped"
    fail = st["fail"] if st["life"] == "fail" else None
    return {
        "node": st["node"],
        "status": status,
        "incarnation": st["incarnation"],
        "mailbox_depth": st["depth"],
        "processed": st["processed"],
        "last_handler": st["last_handler"],
        "restarts": st["restarts"],
        "error": fail["reason"] if fail else None,
        "root_cause": fail["peer"] if fail else None,
        "class": st["cls"],
    }


SCENARIOS = ["supervision-tree", "node-failure", "partition", "spawn-storm", "ring"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_keyframed_fold_agrees_with_the_reference_on_real_runs(name):
    trace = ml.scenarios.run(name, seed=3)
    ev = trace.events
    # tiny keyframe spacing so that many queries start from a keyframe, plus the default
    small = FoldIndex(ev, keyframe_rows=97)
    times = sorted({*ev["t"].sample(12, seed=1).to_list(), float(ev["t"].max()) + 1.0})
    fail_times = ev.filter(pl.col("kind") == "actor_fail")["t"].head(3).to_list()
    for t in [*times, *fail_times, *(x + 1e-9 for x in fail_times)]:
        want = reference_fold(ev, t)
        for got_state in (small.state_at(t), trace.state_at(t)):
            got = {r["actor"]: r for r in got_state.actors.iter_rows(named=True)}
            assert set(got) == set(want), (name, t)
            for a, w in want.items():
                g = {k: got[a][k] for k in w}
                assert g == w, (name, t, a)


# --- version 2: handlers in two rows, busy_since and hung, attrs --------------------------


def handler_story(*, two_rows: bool) -> FrameKit:
    """a handles three messages; the second runs 7 s (a wedged handler)."""
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.spawn(0.0, "b", node="n0")
    for start, took in ((1.0, 0.5), (2.0, 7.0), (9.5, 0.25)):
        m = fk.send(start - 0.5, "b", "a", node="n0", msg_type=f"m{start}")
        fk.recv(start - 0.4, "a", "b", m, node="n0", msg_type=f"m{start}")
        if two_rows:
            fk.handler_start(start, "a", "b", m, node="n0", msg_type=f"m{start}")
            fk.handler_end(start + took, "a", "b", m, node="n0", took=took, msg_type=f"m{start}")
        else:
            fk.handle(start, "a", "b", m, node="n0", took=took, msg_type=f"m{start}")
    return fk


def _sorted_trace(fk: FrameKit):
    """The kit's events in t order (an end written after later starts is fine for the fold,
    but a clean trace keeps seq in time order)."""
    rows = sorted(fk.rows, key=lambda r: (r["t"], r["seq"]))
    for i, r in enumerate(rows):
        r["seq"] = i
    fk.rows = rows
    return fk.trace()


@pytest.mark.parametrize("two_rows", [False, True])
def test_busy_since_and_hung(two_rows):
    trace = _sorted_trace(handler_story(two_rows=two_rows))
    cases = {
        0.95: ("idle", None, False, 1),
        1.2: ("busy", 1.0, False, 0),
        1.5: ("idle", None, False, 0),
        3.0: ("busy", 2.0, False, 0),
        7.0: ("busy", 2.0, False, 0),
        7.01: ("busy", 2.0, True, 0),
        8.9: ("busy", 2.0, True, 0),
        9.0: ("idle", None, False, 0),
        9.2: ("idle", None, False, 1),
        9.6: ("busy", 9.5, False, 0),
    }
    for t, (status, since, hung, depth) in cases.items():
        a = actor(trace.state_at(t), "a")
        got = (a["status"], a["busy_since"], a["hung"], a["mailbox_depth"])
        assert got == (status, since, hung, depth), (two_rows, t)
    assert actor(trace.state_at(3.0, hung_after=0.5), "a")["hung"] is True
    assert actor(trace.state_at(3.0), "b")["busy_since"] is None


def test_the_two_forms_read_the_same():
    """A handler_start + handler_end folds as a msg_handle with that start and duration,
    except that its processing time is known only once it ends."""
    one = _sorted_trace(handler_story(two_rows=False))
    two = _sorted_trace(handler_story(two_rows=True))
    fields = ["status", "mailbox_depth", "processed", "last_handler", "busy_since", "hung"]
    for t in (0.0, 0.7, 1.0, 1.3, 1.5, 2.0, 5.0, 8.99, 9.0, 9.5, 9.7, 20.0):
        for kf in (None, 3):
            s1 = FoldIndex(one.events, keyframe_rows=kf).state_at(t) if kf else one.state_at(t)
            s2 = FoldIndex(two.events, keyframe_rows=kf).state_at(t) if kf else two.state_at(t)
            assert s1.actors.select(fields).equals(s2.actors.select(fields)), (t, kf)
    assert actor(one.state_at(3.0), "a")["processing_time"] == 7.5  # known at the start
    assert actor(two.state_at(3.0), "a")["processing_time"] == 0.5  # known at the end
    assert actor(two.state_at(9.1), "a")["processing_time"] == 7.5


def test_a_handler_that_never_ends_stays_busy_until_its_life_ends():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    m = fk.send(0.0, "a", "a", node="n0")
    fk.recv(0.1, "a", "a", m, node="n0")
    fk.handler_start(0.2, "a", "a", m, node="n0")
    fk.fail(30.0, "a", node="n0")
    fk.restart(31.0, "a", node="n0")
    trace = fk.trace()
    a = actor(trace.state_at(29.0), "a")
    assert (a["status"], a["busy_since"], a["hung"], a["processed"]) == ("busy", 0.2, True, 1)
    assert actor(trace.state_at(30.5), "a")["busy_since"] is None  # restarting: no handler
    a = actor(trace.state_at(32.0), "a")
    assert (a["status"], a["busy_since"], a["hung"]) == ("idle", None, False)


def test_an_error_outcome_leaves_the_actor_alive():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    m = fk.send(0.0, "a", "a", node="n0")
    fk.recv(0.1, "a", "a", m, node="n0")
    fk.handler_start(0.2, "a", "a", m, node="n0")
    fk.handler_end(0.3, "a", "a", m, node="n0", took=0.1, outcome="error: ValueError: no")
    a = actor(fk.trace().state_at(1.0), "a")
    assert (a["status"], a["error"], a["processed"]) == ("idle", None, 1)


def test_attrs_merge_per_actor_life_and_per_node():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.attrs(0.5, node="n0", version="1.2", zone="eu")
    fk.attrs(1.0, node="n0", actor="a", role="follower", term=1)
    fk.attrs(2.0, node="n0", actor="a", role="leader", term=2, shard=7)
    fk.attrs(3.0, node="n0", actor="a", shard=None)
    fk.attrs(3.0, node="n0", zone=None)
    fk.fail(4.0, "a", node="n0")
    fk.restart(5.0, "a", node="n0")
    trace = fk.trace()

    def attrs(t, who="a"):
        s = trace.state_at(t)
        if who == "node":
            raw = s.nodes.filter(pl.col("node") == "n0")["attrs"].item()
        else:
            raw = actor(s, who)["attrs"]
        return None if raw is None else json.loads(raw)

    assert attrs(0.9) is None and attrs(0.9, "node") == {"version": "1.2", "zone": "eu"}
    assert attrs(1.5) == {"role": "follower", "term": 1}
    assert attrs(2.5) == {"role": "leader", "term": 2, "shard": 7}
    assert attrs(3.5) == {"role": "leader", "term": 2}
    assert attrs(3.5, "node") == {"version": "1.2"}
    assert attrs(4.5) == {"role": "leader", "term": 2}  # a failed actor keeps its last life's
    assert attrs(5.5) is None  # a new life starts with none


def test_out_of_order_handlers_and_attrs_fold_by_time():
    """Merged streams: the handler's end and an attrs event arrive before earlier events."""
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    m = fk.send(0.0, "a", "a", node="n0")
    fk.recv(0.1, "a", "a", m, node="n0")
    fk.handler_start(1.0, "a", "a", m, node="n0")
    fk.attrs(3.0, node="n0", actor="a", role="leader")
    fk.handler_end(2.0, "a", "a", m, node="n0", took=1.0)  # recorded later, happened earlier
    fk.attrs(2.5, node="n0", actor="a", role="follower")  # recorded later, happened earlier
    trace = fk.trace()
    assert actor(trace.state_at(1.5), "a")["busy_since"] == 1.0
    assert actor(trace.state_at(2.0), "a")["status"] == "idle"
    assert actor(trace.state_at(2.7), "a")["attrs"] == '{"role":"follower"}'
    assert actor(trace.state_at(3.0), "a")["attrs"] == '{"role":"leader"}'


def test_bad_hung_after_is_a_clear_error():
    trace = _sorted_trace(handler_story(two_rows=True))
    with pytest.raises(ValueError, match="hung_after needs a number of seconds >= 0"):
        trace.state_at(1.0, hung_after=-1)


# --- v2 property: keyframes agree with a one-event-at-a-time reference ----------------------


def _reference_v2(rows: list[dict], t: float, hung_after: float) -> dict[str, tuple]:
    """busy_since, hung, processed, processing time and attrs per actor, the contract's words."""
    out: dict[str, dict] = {}
    for e in sorted((r for r in rows if r["t"] <= t), key=lambda r: (r["t"], r["seq"])):
        a, k = e["actor"], e["kind"]
        if k == "actor_spawn":
            out[a] = {"open": {}, "until": None, "processed": 0, "ptime": 0.0, "attrs": {}}
        elif a not in out:
            continue
        elif k == "msg_handle":
            out[a]["processed"] += 1
            out[a]["ptime"] += e["duration"]
            out[a]["until"] = (e["t"], e["t"] + e["duration"])
        elif k == "handler_start":
            out[a]["processed"] += 1
            out[a]["open"][e["msg_id"]] = e["t"]
        elif k == "handler_end":
            out[a]["ptime"] += e["duration"]
            out[a]["open"].pop(e["msg_id"], None)
        elif k == "attrs":
            for key, v in json.loads(e["reason"]).items():
                if v is None:
                    out[a]["attrs"].pop(key, None)
                else:
                    out[a]["attrs"][key] = v
    result = {}
    for a, info in out.items():
        starts = list(info["open"].values())
        if info["until"] and info["until"][1] > t:
            starts.append(info["until"][0])
        since = min(starts) if starts else None
        hung = since is not None and t - since > hung_after
        result[a] = (since, hung, info["processed"], round(info["ptime"], 9), info["attrs"] or None)
    return result


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from(["one", "start", "end", "attrs"]),
            st.floats(0.0, 3.0, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    ),
    probes=st.lists(st.floats(0.0, 60.0, allow_nan=False), min_size=1, max_size=6),
    hung_after=st.sampled_from([0.5, 5.0]),
)
def test_v2_fold_agrees_with_the_reference_at_any_keyframe_spacing(steps, probes, hung_after):
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    names = ["a", "b", "c"]
    for a in names:
        fk.spawn(0.0, a, node="n0")
    running: dict[str, tuple[int, float]] = {}
    t = 0.0
    for i, (who, what, took) in enumerate(steps):
        a = names[who]
        t += 0.25
        if what == "attrs":
            fk.attrs(t, node="n0", actor=a, **{f"k{i % 3}": None if i % 4 == 0 else i})
        elif what == "end" and a in running:
            m, since = running.pop(a)
            fk.handler_end(t + took, a, a, m, node="n0", took=t + took - since)
            t += took
        elif a not in running:
            m = fk.send(t, a, a, node="n0")
            fk.recv(t, a, a, m, node="n0")
            if what == "one":
                fk.handle(t, a, a, m, node="n0", took=took)
                t += took
            else:
                fk.handler_start(t, a, a, m, node="n0")
                running[a] = (m, t)
    trace = fk.trace()
    for kf in (2, 7, None):
        index = FoldIndex(trace.events, keyframe_rows=kf) if kf else None
        for probe in probes:
            s = (
                index.state_at(probe, hung_after=hung_after)
                if index
                else trace.state_at(probe, hung_after=hung_after)
            )
            want = _reference_v2(fk.rows, probe, hung_after)
            got = {
                r["actor"]: (
                    r["busy_since"],
                    r["hung"],
                    r["processed"],
                    round(r["processing_time"], 9),
                    json.loads(r["attrs"]) if r["attrs"] else None,
                )
                for r in s.actors.iter_rows(named=True)
            }
            assert got == want, (kf, probe)
