"""The broadcast lab: every value reaches every node, despite loss and a partition that heals.

In the spirit of Gossip Glomers' broadcast challenge. The student writes one actor class,
constructed as ``Node(peers)`` (the other nodes' ids) and spawned as ``b0`` … ``b4``, one per
node ``n0`` … ``n4``. A client (the lab's, on its own node ``nc``, over lossless links) talks
to them:

- ``broadcast`` with a value (an int): the node answers ``broadcast_ok`` with the same value
  and must see to it that every node learns it (the client sends again every 0.5 s until it
  has that answer, as a client cut off by the partition would);
- ``read``: the node answers ``read_ok`` with every value it knows (a list or a set).

Messages between the nodes are the student's to invent. What the seed decides
(:func:`schedule`): 20 values, sent at random times to random nodes; a loss of 5–15 % on every
link between nodes; a partition (2 | 3) that starts at 2–4 s and heals 2–4 s later, with
values broadcast on both sides meanwhile. The client reads every node three times at the end
and publishes what each one missed (``attrs``: ``missing.b3``, ``first_missing_at.b3``, …),
which :func:`meshlab.checks.all_delivered` reads. The nodes may send at most
:data:`BUDGET_PER_VALUE` messages per value among themselves (:func:`meshlab.checks.within_budget`):
sending everything to everyone all the time does not pass.

>>> import meshlab as ml
>>> from meshlab.labs import broadcast as lab
>>> class Forgetful(ml.Actor):
...     def __init__(self, peers):
...         self.peers = peers
...     def on_broadcast(self, ctx, value):
...         ctx.reply("broadcast_ok")
...     def on_read(self, ctx, _):
...         ctx.reply("read_ok", [])
>>> print(lab.checks(lab.run(Forgetful, seed=0))[3].problems[0])  # doctest: +ELLIPSIS
b0 misses 20 of 20 values at the read at t=... s; the first it misses was broadcast at \
t=... s to b... — scrub to t=...
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from meshlab.checks import (
    CheckResult,
    all_delivered,
    no_crashes,
    no_unexplained_drops,
    within_budget,
)
from meshlab.labs import scoring
from meshlab.labs.scoring import Grade, Points
from meshlab.sim import Actor, Mesh, Uniform
from meshlab.trace import Trace

NODES = [f"n{i}" for i in range(5)]
PARTICIPANTS = [f"b{i}" for i in range(5)]
CLIENT_NODE = "nc"
VALUES = 20
BUDGET_PER_VALUE = 30  # messages among the nodes, per value broadcast
LATENCY = Uniform(0.005, 0.03)
SEEDS = range(5)
ANSWER = "Node"

SAFETY = ("no_crashes", "no_unexplained_drops", "within_budget")
SCORING = {
    "no_crashes": Points(1),
    "no_unexplained_drops": Points(1),
    "within_budget": Points(2),
    "all_delivered": Points(6, needs=SAFETY),
}
"""Points per check: delivery counts only for a node that stays within the budget."""


def schedule(seed: int) -> dict[str, Any]:
    """The seed's timeline: the values and when and to whom they go, loss, partition, end.

    >>> s = schedule(0)
    >>> len(s["values"]), s["partition_at"] < s["heal_at"] < s["read_at"] < s["until"]
    (20, True)
    """
    rng = random.Random(f"meshlab-broadcast-{seed}")
    partition_at = round(rng.uniform(2.0, 4.0), 3)
    heal_at = round(partition_at + rng.uniform(2.0, 4.0), 3)
    minority = sorted(rng.sample(NODES, 2))
    loss = round(rng.uniform(0.05, 0.15), 4)
    last = heal_at + 0.5
    values = sorted(rng.sample(range(1, 10**6), VALUES))
    sends = sorted((round(rng.uniform(0.2, last), 3), v, rng.choice(PARTICIPANTS)) for v in values)
    read_at = round(heal_at + 4.0, 3)
    return {
        "partition_at": partition_at,
        "heal_at": heal_at,
        "minority": minority,
        "loss": loss,
        "values": [(t, v, to) for t, v, to in sends],
        "read_at": read_at,
        "until": round(read_at + 1.0, 3),
        "budget": BUDGET_PER_VALUE * VALUES,
    }


class Client(Actor):
    """The lab's client: broadcasts the schedule's values (again until answered), then reads
    every node three times and publishes what each one missed."""

    RETRY = 0.5

    def __init__(self, plan: dict[str, Any]):
        self.plan = plan
        self.sent: dict[int, tuple[float, str]] = {}  # value -> (when, to whom)
        self.unanswered: set[int] = set()
        self.best: dict[str, int] = {}  # node -> fewest values missed in a read

    def started(self, ctx):
        for t, value, to in self.plan["values"]:
            ctx.after(t, "send", (value, to))
        for i in range(3):
            ctx.after(self.plan["read_at"] + 0.3 * i, "read_all")

    def on_send(self, ctx, arg):
        value, to = arg
        self.sent.setdefault(value, (ctx.now, to))
        self.unanswered.add(value)
        ctx.send(to, "broadcast", value)
        ctx.after(self.RETRY, "retry", arg)

    def on_retry(self, ctx, arg):
        if arg[0] in self.unanswered and ctx.now < self.plan["read_at"]:
            self.on_send(ctx, arg)

    def on_broadcast_ok(self, ctx, value):
        if isinstance(value, int):  # whatever else a node answers, the client sends again
            self.unanswered.discard(value)

    def on_read_all(self, ctx, _):
        for p in PARTICIPANTS:
            ctx.send(p, "read")

    def on_read_ok(self, ctx, values):
        try:
            known = set(values)
        except TypeError:
            known = set()
        missing = sorted((t, v, to) for v, (t, to) in self.sent.items() if v not in known)
        node = ctx.sender
        if node in self.best and self.best[node] <= len(missing):
            return
        self.best[node] = len(missing)
        first_t, _, first_to = missing[0] if missing else (None, None, None)
        ctx.publish(**{
            f"missing.{node}": len(missing),
            f"of.{node}": len(self.sent),
            f"first_missing_at.{node}": first_t,
            f"first_missing_to.{node}": first_to,
        })  # fmt: skip


def build(node_cls: type[Actor], *, seed: int = 0) -> Mesh:
    """The mesh: a node of ``node_cls`` on each of n0 … n4, the client on nc, the partition
    and its heal scheduled; not run yet (``ml.Run(lambda seed: lab.build(Node, seed=seed))``
    forks it)."""
    if not (isinstance(node_cls, type) and issubclass(node_cls, Actor)):
        raise TypeError(f"the lab needs a subclass of meshlab.Actor, got {node_cls!r}")
    plan = schedule(seed)
    mesh = Mesh(seed=seed, nodes=[*NODES, CLIENT_NODE], latency=LATENCY, loss=plan["loss"],
                scenario="broadcast")  # fmt: skip
    for n in NODES:
        mesh.set_link(CLIENT_NODE, n, loss=0.0)  # the client's requests and reads get through
    for me, node in zip(PARTICIPANTS, NODES, strict=True):
        mesh.spawn(node_cls, [p for p in PARTICIPANTS if p != me], name=me, node=node)
    mesh.spawn(Client, plan, name="client", node=CLIENT_NODE)
    mesh.params.update({k: v for k, v in plan.items() if k != "values"})
    mesh.partition([plan["minority"]], at=plan["partition_at"])
    mesh.heal(at=plan["heal_at"])
    return mesh


def run(node_cls: type[Actor], *, seed: int = 0, until: float | None = None) -> Trace:
    """Run the lab with ``node_cls`` and return its trace."""
    mesh = build(node_cls, seed=seed)
    mesh.run(until=schedule(seed)["until"] if until is None else until)
    return mesh.trace


def checks(trace: Trace) -> list[CheckResult]:
    """Every check of the lab, in the order a student should fix them.

    The safety checks pass vacuously when the nodes sent each other nothing: a node that
    answers the client and tells nobody did none of the lab's work, so it had nothing to
    crash on or to lose, and its passes earn nothing (:mod:`meshlab.labs.scoring`).
    """
    params = trace.meta.params
    budget = within_budget(trace, budget=params["budget"], participants=PARTICIPANTS)
    idle = budget.vacuous  # "the participants sent each other nothing"
    return [
        _unless_idle(no_crashes(trace), idle),
        _unless_idle(no_unexplained_drops(trace), idle),
        budget,
        all_delivered(trace, reader="client", participants=PARTICIPANTS, after=params["read_at"]),
    ]


def _unless_idle(result: CheckResult, idle: str | None) -> CheckResult:
    """A pass of ``result`` that proves nothing when the nodes did no work together."""
    if idle is None or not result or result.vacuous:
        return result
    return replace(result, vacuous=f"{idle}: nothing was done that could fail")


def grade(node_cls: type[Actor], *, seeds: Iterable[int] = SEEDS) -> Grade:
    """Run every seed twice and check it; the score follows :data:`SCORING`."""
    return scoring.grade(
        run=run,
        checks=checks,
        scheme=SCORING,
        actor_cls=node_cls,
        seeds=seeds,
        title=f"broadcast, {getattr(node_cls, '__name__', node_cls)}",
    )
