"""The leader-election lab: five participants, a leader that dies, a partition, a return.

The student writes one actor class, constructed as ``cls(peers)`` (the other participants'
ids) and spawned as ``c0`` … ``c4``, one per node ``n0`` … ``n4``. Its decisions must show as
messages, because checks read only the events:

- a participant that believes it leads sends ``lead`` to every peer, at least every 0.5 s;
- a participant that follows a leader answers each ``lead`` with ``ack`` to that leader.

Any other messages (votes, terms, …) are the student's to invent. The faults aim at the
leader, whoever it is, so that every protocol meets the same trouble; *when* they strike, the
shape of the partition and the message loss are drawn from the seed (:func:`schedule`), so
that a protocol tuned to one timeline fails another:

- the node of the current leader crashes (its participant dies with it), at 1.5–4.5 s;
- 2.5–5 s later the new leader's node is cut off: alone (1 | 4) or with the crashed node
  (2 | 3);
- the partition heals 2–5 s later;
- on most seeds the crashed node comes back 0.5–1.5 s after the heal, its participant fresh;
  on the others it stays down;
- every message is lost with a probability of 0–3 %;
- the run ends 4 s after the last fault; everybody alive must agree by 1.5 s before the end.

Safety (no crash, no unexplained drop, one leader at a time) gates liveness (a leader again
soon, agreement at the end): :data:`SCORING`, applied by :mod:`meshlab.labs.scoring`.

>>> import meshlab as ml
>>> from meshlab.labs import leader_election as lab
>>> class Nobody(ml.Actor):
...     def __init__(self, peers):
...         self.peers = peers
>>> trace = lab.run(Nobody, seed=0)
>>> sorted(trace.meta.params)[:3]
['agree_after', 'crash_at', 'crashed']
>>> print(lab.checks(trace)[3].problems[0])  # doctest: +ELLIPSIS
no leader for ... s, from t=0.000 s to t=... s (allowed: 5.0 s): nobody sent 'lead' at all; \
alive meanwhile: c0, c1, c2, c3 and c4 — scrub to t=0.000
>>> lab.grade(Nobody, seeds=[0]).score
0.0
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import polars as pl

from meshlab.checks import (
    CheckResult,
    at_most_one,
    eventually_agree,
    no_crashes,
    no_gap,
    no_unexplained_drops,
)
from meshlab.labs import scoring
from meshlab.labs.scoring import Grade, Points
from meshlab.sim import Actor, Mesh, Uniform
from meshlab.trace import Trace

NODES = [f"n{i}" for i in range(5)]
PARTICIPANTS = [f"c{i}" for i in range(5)]
LATENCY = Uniform(0.002, 0.02)
WINDOW = 0.5  # two participants sending 'lead' this close together are two leaders
MAX_GAP = 5.0  # longest time without a leader: the first election, or one after a fault, with
# split votes and more rounds allowed (three live participants of five must all agree)
SETTLE = 4.0  # the run goes on this long after the last fault
AGREE_BEFORE_END = 1.5  # every survivor decides in the last AGREE_BEFORE_END seconds
SEEDS = range(5)
ANSWER = "Candidate"  # what the student's notebook defines: the participant's class

SAFETY = ("no_crashes", "no_unexplained_drops", "at_most_one")
SCORING = {
    "no_crashes": Points(1),
    "no_unexplained_drops": Points(1),
    "at_most_one": Points(2),
    "no_gap": Points(3, needs=SAFETY),
    "eventually_agree": Points(3, needs=(*SAFETY, "no_gap")),
}
"""Points per check; liveness earns only for a safe protocol, agreement only with a leader."""


def schedule(seed: int) -> dict[str, Any]:
    """The fault timeline of ``seed``: times, the partition's shape, the loss, the end.

    Drawn from its own generator, so it does not depend on the protocol's draws from
    ``ctx.rng``; who the faults hit is read from the run itself (:func:`run`).

    >>> s = schedule(0)
    >>> s["crash_at"] < s["partition_at"] < s["heal_at"] < s["until"]
    True
    """
    rng = random.Random(f"meshlab-leader-election-{seed}")
    crash_at = round(rng.uniform(1.5, 4.5), 3)
    partition_at = round(crash_at + rng.uniform(2.5, 5.0), 3)
    heal_at = round(partition_at + rng.uniform(2.0, 5.0), 3)
    # a majority of five stays connected on one side (with one node down, a 2 | 2 split of
    # the living would leave no side able to elect: no protocol could pass)
    shape = rng.choice(["alone", "with the crashed node"])
    returns = rng.random() < 0.75
    return_at = round(heal_at + rng.uniform(0.5, 1.5), 3) if returns else None
    loss = round(rng.uniform(0.0, 0.03), 4)
    until = round((return_at or heal_at) + SETTLE, 3)
    return {
        "crash_at": crash_at,
        "partition_at": partition_at,
        "heal_at": heal_at,
        "return_at": return_at,
        "shape": shape,
        "loss": loss,
        "until": until,
        "agree_after": round(until - AGREE_BEFORE_END, 3),
    }


def build(actor_cls: type[Actor], *, seed: int = 0, loss: float | None = None) -> Mesh:
    """The mesh with a participant of ``actor_cls`` on each node, before any fault.

    ``loss`` replaces the seed's message loss (``0.0``: every message arrives).
    """
    if not (isinstance(actor_cls, type) and issubclass(actor_cls, Actor)):
        raise TypeError(f"the lab needs a subclass of meshlab.Actor, got {actor_cls!r}")
    loss = _loss(seed, loss)
    mesh = Mesh(seed=seed, nodes=NODES, latency=LATENCY, loss=loss, scenario="leader-election")
    for me, node in zip(PARTICIPANTS, NODES, strict=True):
        mesh.spawn(actor_cls, [p for p in PARTICIPANTS if p != me], name=me, node=node)
    return mesh


def run(
    actor_cls: type[Actor],
    *,
    seed: int = 0,
    until: float | None = None,
    loss: float | None = None,
) -> Trace:
    """Run the lab's scenario with ``actor_cls`` and return its trace.

    The run goes from fault to fault of :func:`schedule`; at each, the target is read from
    the events so far (who sent ``lead`` last), so the faults are as deterministic as the
    protocol itself. ``meta.params`` records the schedule and whom it hit. ``loss`` replaces
    the seed's message loss: ``loss=0.0`` runs the same timeline with every message arriving,
    to tell what the crash and the partition do from what a lost message does (the grader
    always uses the seed's loss).
    """
    plan = {**schedule(seed), "loss": _loss(seed, loss)}
    end = plan["until"] if until is None else until
    mesh = build(actor_cls, seed=seed, loss=plan["loss"])
    mesh.params.update(plan)
    crashed: str | None = None
    minority: list[str] | None = None
    steps = [
        (plan["crash_at"], "crash"),
        (plan["partition_at"], "partition"),
        (plan["heal_at"], "heal"),
    ]
    if plan["return_at"] is not None:
        steps.append((plan["return_at"], "return"))
    for at, fault in steps:
        if at > end:
            break
        mesh.run(until=at)
        if fault == "crash":
            crashed = _leader_node(mesh) or NODES[-1]
            mesh.kill_node(crashed)
        elif fault == "partition":
            leader = _leader_node(mesh)
            if leader is None or leader == crashed:
                leader = next(n for n in NODES if n != crashed)
            minority = [leader]
            if plan["shape"] == "with the crashed node" and crashed is not None:
                minority.append(crashed)
            mesh.partition([minority, [n for n in NODES if n not in minority]])
        elif fault == "heal":
            mesh.heal()
        else:
            assert crashed is not None  # a return is only scheduled after the crash
            mesh.node_up(crashed)
            me = PARTICIPANTS[NODES.index(crashed)]
            mesh.spawn(actor_cls, [p for p in PARTICIPANTS if p != me], name=me, node=crashed)
        mesh.params.update(crashed=crashed, minority=minority)
    mesh.run(until=end)
    mesh.params.update(until=end)  # so that the checks look at the whole run
    return mesh.trace


def checks(trace: Trace) -> list[CheckResult]:
    """Every check of the lab, in the order a student should fix them."""
    params = trace.meta.params
    end = params.get("until")
    return [
        no_crashes(trace),
        no_unexplained_drops(trace),
        at_most_one(trace, msg_type="lead", window=WINDOW, role="leader"),
        no_gap(
            trace,
            msg_type="lead",
            longer_than=MAX_GAP,
            start=0.0,
            end=end,
            role="leader",
            participants=PARTICIPANTS,
        ),
        eventually_agree(
            trace,
            vote="ack",
            claim="lead",
            after=params.get("agree_after"),
            participants=PARTICIPANTS,
        ),
    ]


def grade(actor_cls: type[Actor], *, seeds: Iterable[int] = SEEDS) -> Grade:
    """Run every seed twice and check it: one report, each check named with its seed, and
    the score (:data:`SCORING`: safety gates liveness; a vacuous pass earns nothing)."""
    return scoring.grade(
        run=run,
        checks=checks,
        scheme=SCORING,
        actor_cls=actor_cls,
        seeds=seeds,
        title=f"leader election, {getattr(actor_cls, '__name__', actor_cls)}",
    )


def _loss(seed: int, loss: float | None) -> float:
    """The seed's message loss, or ``loss`` in its place (a probability, 0 to 1)."""
    if loss is None:
        return float(schedule(seed)["loss"])
    if isinstance(loss, bool) or not isinstance(loss, int | float) or not 0.0 <= loss <= 1.0:
        raise ValueError(f"loss must be a probability from 0 to 1, got {loss!r}")
    return float(loss)


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
