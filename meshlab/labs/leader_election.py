"""The leader-election lab: five participants, a leader that dies, a partition, a return.

The student writes one actor class, constructed as ``cls(peers)`` (the other participants'
ids) and spawned as ``c0`` … ``c4``, one per node ``n0`` … ``n4``. Its decisions must show as
messages, because checks read only the events:

- a participant that believes it leads sends ``lead`` to every peer, at least every 0.5 s;
- a participant that follows a leader answers each ``lead`` with ``ack`` to that leader.

Any other messages (votes, terms, …) are the student's to invent. The faults aim at the
leader, whoever it is, so that every protocol meets the same trouble:

==========  =========================================================================
t = 2.5 s   the node of the current leader crashes (its participant dies with it)
t = 5.0 s   the new leader's node is cut off with the crashed node: a 2 | 3 partition
t = 8.0 s   the partition heals
t = 9.0 s   the crashed node comes back and its participant starts again, fresh
t = 12.0 s  the end
==========  =========================================================================

>>> import meshlab as ml
>>> from meshlab.labs import leader_election as lab
>>> class Nobody(ml.Actor):
...     def __init__(self, peers):
...         self.peers = peers
>>> trace = lab.run(Nobody, seed=0)
>>> trace.meta.params["crashed"], trace.meta.params["minority"]
('n4', ['n0', 'n4'])
>>> print(lab.checks(trace)[3].problems[0])
no leader for 12.000 s, from t=0.000 s to t=12.000 s (allowed: 3.0 s) — scrub to t=0.000
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from meshlab.checks import (
    CheckResult,
    Report,
    at_most_one,
    eventually_agree,
    no_crashes,
    no_gap,
    no_unexplained_drops,
    report,
)
from meshlab.sim import Actor, Mesh, Uniform
from meshlab.trace import Trace

NODES = [f"n{i}" for i in range(5)]
PARTICIPANTS = [f"c{i}" for i in range(5)]
LATENCY = Uniform(0.002, 0.02)
CRASH_AT, PARTITION_AT, HEAL_AT, RETURN_AT, UNTIL = 2.5, 5.0, 8.0, 9.0, 12.0
AGREE_AFTER = 10.5  # the returned participant has had time to find the leader
WINDOW = 0.5  # two participants sending 'lead' this close together are two leaders
MAX_GAP = 3.0  # longest time allowed without a leader (the first election included)
SEEDS = range(5)


def build(actor_cls: type[Actor], *, seed: int = 0) -> Mesh:
    """The mesh with a participant of ``actor_cls`` on each node, before any fault."""
    if not (isinstance(actor_cls, type) and issubclass(actor_cls, Actor)):
        raise TypeError(f"the lab needs a subclass of meshlab.Actor, got {actor_cls!r}")
    mesh = Mesh(seed=seed, nodes=NODES, latency=LATENCY, scenario="leader-election")
    for me, node in zip(PARTICIPANTS, NODES, strict=True):
        mesh.spawn(actor_cls, [p for p in PARTICIPANTS if p != me], name=me, node=node)
    return mesh


def run(actor_cls: type[Actor], *, seed: int = 0, until: float = UNTIL) -> Trace:
    """Run the lab's scenario with ``actor_cls`` and return its trace.

    The run goes from fault to fault; at each, the target is read from the events so far
    (who sent ``lead`` last), so the schedule is as deterministic as the protocol itself.
    """
    mesh = build(actor_cls, seed=seed)
    crashed = minority = None
    for at, fault in [
        (CRASH_AT, "crash"),
        (PARTITION_AT, "partition"),
        (HEAL_AT, "heal"),
        (RETURN_AT, "return"),
    ]:
        if at > until:
            break
        mesh.run(until=at)
        if fault == "crash":
            crashed = _leader_node(mesh) or NODES[-1]
            mesh.kill_node(crashed)
        elif fault == "partition":
            leader = _leader_node(mesh)
            if leader is None or leader == crashed:
                leader = next(n for n in NODES if n != crashed)
            minority = [leader, crashed]
            mesh.partition([minority, [n for n in NODES if n not in minority]])
        elif fault == "heal":
            mesh.heal()
        else:
            mesh.node_up(crashed)
            me = PARTICIPANTS[NODES.index(crashed)]
            mesh.spawn(actor_cls, [p for p in PARTICIPANTS if p != me], name=me, node=crashed)
        mesh.params.update(crashed=crashed, minority=minority)
    mesh.run(until=until)
    mesh.params.update(until=until)  # so that the checks look at the whole run
    return mesh.trace


def checks(trace: Trace) -> list[CheckResult]:
    """Every check of the lab, in the order a student should fix them."""
    end = trace.meta.params.get("until")
    return [
        no_crashes(trace),
        no_unexplained_drops(trace),
        at_most_one(trace, msg_type="lead", window=WINDOW, role="leader"),
        no_gap(trace, msg_type="lead", longer_than=MAX_GAP, start=0.0, end=end, role="leader"),
        eventually_agree(trace, vote="ack", claim="lead", after=AGREE_AFTER),
    ]


def grade(actor_cls: type[Actor], *, seeds: Iterable[int] = SEEDS) -> Report:
    """Run every seed and check it: one report, each check named with its seed."""
    results = []
    for seed in seeds:
        for r in checks(run(actor_cls, seed=seed)):
            results.append(CheckResult(f"seed {seed}: {r.name}", r.problems))
    return report(results, title=f"leader election, {actor_cls.__name__}", limit=3)


def _leader_node(mesh: Mesh) -> str | None:
    """The node of whoever sent 'lead' last, if that was within the last WINDOW seconds."""
    last = (
        mesh.trace.events.filter(
            (pl.col("kind") == "msg_send")
            & (pl.col("msg_type") == "lead")
            & (pl.col("t") > mesh.now - WINDOW)
            & pl.col("reason").is_null()
        )
        .select("node")
        .tail(1)
    )
    return last["node"][0] if last.height else None
