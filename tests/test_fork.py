"""What-if forks: replay is exact before the fork, each change does what it says, forks of
forks keep their parents' changes, and a recorded trace says it cannot be re-run."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.fork import CannotReplay


def _before(run: ml.Run, t: float) -> pl.DataFrame:
    return run.trace.events.filter(pl.col("t") < t)


def _kinds(run: ml.Run, kind: str) -> pl.DataFrame:
    ev = run.trace.events
    return ev.filter(pl.col("kind").cast(pl.String) == kind)


CHANGES = [
    ("node-failure", 1.5, ml.fork.kill_node("n1")),
    ("node-failure", 2.0, ml.fork.prevent("node_down", node="n2")),
    ("node-failure", 1.0, ml.fork.crash("dispatcher")),
    ("partition", 3.0, ml.fork.heal()),
    ("partition", 1.0, ml.fork.prevent("link_down")),
    ("partial-partition", 1.0, ml.fork.prevent("link_down", count=None)),
    ("ring", 0.2, ml.fork.partition([["n0"], ["n1", "n2"]])),
    ("ping-pong", 0.3, ml.fork.set_link(latency=0.01, loss=0.2)),
    ("supervision-tree", 0.5, ml.fork.set_supervisor("root", intensity=0)),
]


@pytest.mark.parametrize(("scenario", "at", "change"), CHANGES, ids=lambda x: str(x)[:30])
def test_a_fork_shares_every_event_before_its_time_byte_for_byte(scenario, at, change):
    a = ml.Run(scenario, seed=3)
    b = a.fork(change, at=at)
    before_a, before_b = _before(a, at), _before(b, at)
    assert before_a.height > 0
    assert before_a.equals(before_b)  # every column, every row, in order
    d = a.diff(b)
    assert not d.identical and d.shared >= before_a.height and d.first.t >= at


def test_forking_changes_nothing_when_nothing_is_changed_until_later():
    a = ml.Run("node-failure", seed=2)
    again = ml.Run("node-failure", seed=2)
    d = ml.compare(a, again)
    assert d.identical and "identical: all" in repr(d)
    # a change after the end's last event leaves the whole run as it was
    late = a.fork(ml.fork.crash("dispatcher"), at=a.until)
    assert _before(late, a.until).equals(_before(a, a.until))


def test_kill_node_and_crash_happen_at_the_fork_time():
    a = ml.Run("node-failure", seed=1)
    b = a.fork(ml.fork.kill_node("n1"), ml.fork.crash("dispatcher"), at=1.5)
    downs = _kinds(b, "node_down")
    assert downs.filter(pl.col("node") == "n1")["t"].to_list() == [1.5]
    fails = _kinds(b, "actor_fail").filter(pl.col("actor") == "dispatcher")
    assert fails["t"].to_list() == [1.5]
    assert _kinds(a, "actor_fail").filter(pl.col("actor") == "dispatcher").height == 0


def test_prevent_takes_away_a_fault_that_did_happen():
    a = ml.Run("node-failure", seed=1)
    b = a.fork(ml.fork.prevent("node_down", node="n2"), at=2.0)
    assert _kinds(a, "node_down")["node"].to_list() == ["n2"]
    assert _kinds(b, "node_down").height == 0
    d = a.diff(b)
    counts = dict(zip(d.counts["what"], d.counts["delta"], strict=True))
    assert counts["failures"] < 0 and counts["restarts"] < 0
    assert d.first.a["kind"] == "node_down" and d.first.t == 3.0


def test_prevent_a_crash_by_a_raising_handler_keeps_the_actor_alive():
    a = ml.Run("supervision-tree", seed=0)
    first = _kinds(a, "actor_fail").row(0, named=True)
    actor, t = first["actor"], first["t"]
    assert not first["reason"].startswith("InjectedFault")  # a handler raised
    # a fork at t comes after every event at t: prevent it from a moment before
    b = a.fork(ml.fork.prevent("actor_fail", actor=actor), at=t - 0.01)
    b_fails = _kinds(b, "actor_fail").filter(pl.col("actor") == actor)
    assert t not in b_fails["t"].to_list()
    assert a.diff(b).first.t == t


def _links(run: ml.Run, kind: str) -> list[tuple[str, str]]:
    return [(r["node"], r["peer"]) for r in _kinds(run, kind).iter_rows(named=True)]


def test_prevent_link_down_takes_away_a_cut_as_it_does_a_partition():
    # partial-partition cuts four links one by one (Mesh.cut) at t=2: each cut is one fault
    a = ml.Run("partial-partition", seed=0)
    cut = [("n0", "n2"), ("n0", "n3"), ("n1", "n2"), ("n1", "n3")]
    assert _links(a, "link_down") == cut
    every = a.fork(ml.fork.prevent("link_down", count=None), at=1.0)
    assert _links(every, "link_down") == [] and _links(every, "link_up") == []
    assert _kinds(every, "msg_drop").filter(pl.col("reason") == "partition").height == 0
    first = a.fork(ml.fork.prevent("link_down"), at=1.0)
    assert _links(first, "link_down") == cut[1:]
    # node=: only the cuts with that node at one end
    n0 = a.fork(ml.fork.prevent("link_down", node="n0", count=None), at=1.0)
    assert _links(n0, "link_down") == cut[2:]
    # and a partition: node= names a node the partition separates from another
    p = ml.Run("partition", seed=1)
    assert _kinds(p, "link_down").height > 0
    kept = p.fork(ml.fork.prevent("link_down", node="n0"), at=1.0)
    assert _kinds(kept, "link_down").height == 0
    # a heal with node=: the heal while a link of that node is cut
    healed = p.fork(ml.fork.prevent("link_up", node="n4"), at=3.0)
    assert _kinds(healed, "link_up").height == 0
    assert _kinds(healed, "link_down").height == _kinds(p, "link_down").height


def test_lose_a_message_in_flight():
    a = ml.Run("ping-pong", seed=0)
    ev = a.trace.events
    sent = ev.filter((pl.col("kind").cast(pl.String) == "msg_send") & (pl.col("t") > 0.5)).row(
        0, named=True
    )
    mid, t = sent["msg_id"], sent["t"]
    b = a.fork(ml.fork.lose(mid), at=t)
    mine = b.trace.events.filter(pl.col("msg_id") == mid)["kind"].cast(pl.String).to_list()
    assert mine == ["msg_send", "msg_drop"]
    drop = b.trace.events.filter(
        (pl.col("msg_id") == mid) & (pl.col("kind").cast(pl.String) == "msg_drop")
    )
    assert drop["reason"].to_list() == ["loss"]
    arrived = a.trace.events.filter(
        (pl.col("msg_id") == mid) & (pl.col("kind").cast(pl.String) == "msg_recv")
    )
    assert drop["t"].to_list() == arrived["t"].to_list()  # lost when it would have arrived
    with pytest.raises(ValueError, match=f"message {mid} is not in flight"):
        _ = a.fork(ml.fork.lose(mid), at=a.until).trace


def test_forks_of_forks_keep_their_parents_changes():
    a = ml.Run("node-failure", seed=1)
    b = a.fork(ml.fork.prevent("node_down", node="n2"), at=2.0)
    c = b.fork(ml.fork.crash("pool/worker-0"), at=4.0)
    assert len(c.changes) == 2 and "prevent" in c.label and "crash" in c.label
    assert _kinds(c, "node_down").height == 0  # b's change still holds in c
    assert _before(c, 4.0).equals(_before(b, 4.0))
    assert c.diff(b).first.t == 4.0
    # a fork of b earlier than b's own change: b's change still comes at its time
    early = b.fork(ml.fork.crash("dispatcher"), at=1.0)
    assert _kinds(early, "node_down").height == 0


def test_a_users_own_mesh_given_as_a_build_function():
    class Counter(ml.Actor):
        def started(self, ctx):
            ctx.after(0.1, "tick")

        def on_tick(self, ctx, _):
            ctx.send("peer", "hello", ctx.now)
            ctx.after(0.1, "tick")

    class Peer(ml.Actor):
        def on_hello(self, ctx, _):
            pass

    def build(*, seed):
        mesh = ml.Mesh(seed=seed, nodes=2, latency=ml.sim.Uniform(0.001, 0.01))
        mesh.spawn(Peer, name="peer", node="n1")
        mesh.spawn(Counter, name="counter", node="n0")
        return mesh

    a = ml.Run(build, seed=4, until=2.0)
    b = a.fork(ml.fork.kill_node("n1"), at=1.0)
    assert _before(a, 1.0).equals(_before(b, 1.0))
    d = a.diff(b)
    drops = dict(zip(d.drops["reason"], d.drops["delta"], strict=True))
    assert drops["node_down"] > 5
    with pytest.raises(TypeError, match="must return a meshlab Mesh"):
        _ = ml.Run(lambda *, seed: None, until=1.0).trace


def test_a_recorded_trace_cannot_be_forked_and_says_why(tmp_path):
    path = ml.scenarios.run("ring", seed=0, until=0.5).save(tmp_path / "ring.parquet")
    recorded = ml.Run(ml.load(path))
    with pytest.raises(CannotReplay, match=r"recorded trace .* cannot be forked"):
        recorded.fork(ml.fork.heal(), at=0.1)
    d = ml.compare(recorded, ml.Run("ring", seed=0, until=0.5))
    assert d.identical  # compared, though not re-run


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda a: a.fork(at=1.0), "fork needs at least one change"),
        (lambda a: a.fork("kill n1", at=1.0), "is not a change"),
        (lambda a: a.fork(ml.fork.heal(), at=99.0), r"after the run's end \(until=8.0\)"),
        (lambda a: a.fork(ml.fork.heal(), at=-1), "at must be a time >= 0"),
        (lambda a: ml.fork.prevent("msg_send"), "cannot prevent 'msg_send'; choose one of"),
        (lambda a: a.fork(ml.fork.crash("nobody"), at=1.0).trace, "unknown actor 'nobody'"),
        (lambda a: a.fork(ml.fork.kill_node("n9"), at=1.0).trace, "unknown node 'n9'"),
        (lambda a: ml.Run("no-such"), "unknown scenario 'no-such'"),
        # a pair is checked when the change is made, not as the fork runs
        (lambda a: ml.fork.set_link(loss=0.1, between=("n1", "n2", "n0")), "pair of node names"),
        (lambda a: ml.fork.set_link(loss=0.1, between="n1"), r"pair of node names, got 'n1'"),
    ],
)
def test_bad_forks_say_what_is_wrong(make, message):
    a = ml.Run("node-failure", seed=0)
    with pytest.raises((ValueError, TypeError), match=message):
        make(a)


def test_the_comparison_frames_and_summary():
    a = ml.Run("node-failure", seed=1)
    b = a.fork(ml.fork.prevent("node_down", node="n2"), at=2.0)
    d = ml.compare(a, b)
    assert d.counts.columns == ["what", "a", "b", "delta"]
    assert d.counts["what"].to_list() == ["failures", "restarts", "drops", "messages", "events"]
    assert set(d.messages.columns) == {"msg_type", "a", "b", "delta"}
    assert d.final.filter(pl.col("actor") == "pool/worker-1").height == 1
    text = repr(d)
    assert "first divergence: event #" in text and "node_down" in text
    assert len(text.splitlines()) <= 30


# --- forks and problems on the canvas (the browser side: tests/browser/test_branches.py) ----


def test_a_canvas_with_branches_sends_a_branch_only_when_asked():
    a = ml.Run("node-failure", seed=1)
    b = a.fork(ml.fork.kill_node("n1"), at=1.5, label="n1 dies at 1.5")
    canvas = ml.Canvas(a, branches={"what-if": b})
    assert canvas.branch == "base"
    main, fork = canvas.branches
    assert (main["name"], main["diverges"], fork["name"], fork["label"]) == (
        "base", None, "what-if", "n1 dies at 1.5"
    )  # fmt: skip
    assert fork["diverges"] == ml.compare(a, b).first.t == 1.5
    downs = [(t, text) for t, kind, text in fork["markers"] if kind == "node_down"]
    assert downs[0] == (1.5, "node down: n1 t=1.500")
    assert [m[1] for m in main["markers"]].count("node_down") == 1
    sent = []
    canvas.send = lambda header, buffers: sent.append((header, buffers))
    canvas._on_msg(canvas, {"type": "sync", "have": 0, "branch": "what-if"}, [])
    assert {h["type"] for h, _ in sent} == {"branch_chunk"}
    assert sum(h["rows"] for h, _ in sent) == b.trace.events.height
    assert all(h["branch"] == "what-if" for h, _ in sent)
    sent.clear()
    canvas._on_msg(canvas, {"type": "sync", "have": 0}, [])  # the main run, as before
    assert {h["type"] for h, _ in sent} == {"chunk"}
    assert sum(h["rows"] for h, _ in sent) == a.trace.events.height
    canvas.branch = "what-if"
    with pytest.raises(Exception, match="branch must be one of base, what-if"):
        canvas.branch = "nope"


def test_a_canvas_of_a_comparison_shows_both_runs():
    a = ml.Run("partition", seed=0)
    c = ml.compare(a, a.fork(ml.fork.heal(), at=3.0))
    canvas = ml.Canvas(c)
    assert [x["name"] for x in canvas.branches] == ["a", "b"]
    assert canvas.branches[1]["diverges"] == c.first.t


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"branches": {"base": None}}, "the branch name 'base' is the main run's"),
        ({"branches": ["x"]}, "branches must be a dict of name -> run or trace"),
        ({"branches": {"x": 3}}, "must be a finished run .* or a Trace, not int"),
        ({"branches": {"": ml.Run("ring")}}, "a short non-empty string"),
        ({"problem": "two leaders"}, "problem must be a check problem"),
    ],
)
def test_bad_branches_and_problems_say_what_is_wrong(options, message):
    with pytest.raises((TypeError, ValueError), match=message):
        ml.Canvas(ml.Run("ring", seed=0), **options)


def test_a_canvas_with_a_problem_marks_its_range_and_filters_to_its_messages():
    from meshlab.labs import leader_election as lab

    class Bully(ml.Actor):  # everyone leads: two leaders from the start
        def __init__(self, peers):
            self.peers = peers

        def started(self, ctx):
            ctx.after(0.1, "tick")

        def on_tick(self, ctx, _):
            for p in self.peers:
                ctx.send(p, "lead")
            ctx.after(0.1, "tick")

        def on_lead(self, ctx, _):
            ctx.reply("ack")

        def on_ack(self, ctx, _):
            pass

    trace = lab.run(Bully, seed=0)
    one = next(r for r in lab.checks(trace) if r.name.startswith("at_most_one"))
    p = max(one.problems, key=lambda x: x.until - x.t)  # "from t=… to t=…"
    assert p.until > p.t and p.msg_types == ("lead",)
    canvas = ml.Canvas(trace, problem=p)
    assert canvas.problem == {
        "t": p.t, "until": p.until, "text": str(p), "actors": list(p.actors),
        "msg_types": ["lead"],
    }  # fmt: skip
    assert (canvas.time, canvas.type_filter, canvas.selected) == (p.t, "lead", p.actors[0])
    # a check result stands for its first problem; what the caller sets wins
    other = ml.Canvas(trace, problem=one, type_filter="ack", time=1.0)
    first = one.problems[0]
    assert (other.problem["t"], other.type_filter, other.time) == (first.t, "ack", 1.0)
    with pytest.raises(ValueError, match="a check that passed"):
        ml.Canvas(trace, problem=ml.checks.CheckResult("no_crashes()"))
