"""The supervision lab: design the tree that keeps a service up while its workers crash.

The lab gives the workers; the student writes the tree, as one class ``Service``, a
:class:`meshlab.Supervisor` subclass whose ``__init__`` takes no argument and chooses
children (:class:`meshlab.ChildSpec`: restart type), strategies, intensities, periods and
backoff. The lab spawns it as ``svc`` and sends it traffic. Its workers must be named
``parser0`` … ``parser2``, ``repo`` and ``warmer``, anywhere in the tree (nested supervisors
are welcome):

- a :class:`Parser` answers each ``req`` from the gateway with ``resp``, after asking the
  ``repo`` (``lookup`` / ``found``); a **poison message** (drawn by the seed) makes it raise;
- the :class:`Repo` needs the database: while the database's node ``ndb`` is down (a seed-drawn
  outage of 2–3.5 s) it crashes when it starts or is asked — a **dependency that goes away**;
- the :class:`Warmer` fills a cache at start and always crashes doing it (its configuration is
  missing): a **crash loop**, of a worker the service can live without.

The checks: no supervisor gives up (:func:`meshlab.checks.no_escalation`); the crash loops are
contained (:func:`meshlab.checks.bounded_restarts`: the repo restarts at most 12 times, the
warmer at most 3); and the service stays available (:func:`meshlab.checks.answered`: 95 % of
the requests answered within 0.3 s, outside the outage and the second after it).

>>> import meshlab as ml
>>> from meshlab.labs import supervision as lab
>>> class Flat(ml.Supervisor):  # OTP's defaults: one_for_one, intensity 1, period 5
...     def __init__(self):
...         super().__init__([ml.ChildSpec(n, c) for n, c in lab.WORKERS], backoff=None)
>>> print(lab.checks(lab.run(Flat, seed=0))[0].problems[0])  # doctest: +ELLIPSIS
svc gave up at t=0.000 s (escalated: shutdown, more than 1 restart in 5s; last: \
ConfigError: cache.toml not found: nothing to warm), root cause svc/warmer — scrub to t=0.000
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from meshlab.checks import CheckResult, answered, bounded_restarts, no_escalation
from meshlab.labs import scoring
from meshlab.labs.scoring import Grade, Points
from meshlab.sim import Actor, Mesh, Supervisor, Uniform
from meshlab.trace import Trace

NODES = ["n0", "n1", "edge", "ndb"]
DB_NODE = "ndb"
LATENCY = Uniform(0.001, 0.005)
TICK = 0.05  # the gateway sends a request this often
WITHIN = 0.3  # a request answered later than this is a failure
AT_LEAST = 0.95  # share of requests that must be answered in time
GRACE = 1.0  # after the database returns, the service has this long to recover
SEEDS = range(5)
ANSWER = "Service"
PARSERS = [f"parser{i}" for i in range(3)]


class ConfigError(Exception):
    """The warmer's configuration is missing."""


class Parser(Actor):
    """Answers the gateway's ``req`` with ``resp`` once the repo has answered its lookup."""

    def __init__(self):
        self.waiting: list[str] = []  # who to answer, in the order the lookups went out

    def on_req(self, ctx, body):
        if body == "poison":
            raise ValueError("poison message: cannot parse it")
        self.waiting.append(ctx.sender)
        ctx.send(_find(ctx, "repo"), "lookup", body)

    def on_found(self, ctx, _):
        if self.waiting:
            ctx.send(self.waiting.pop(0), "resp")


class Repo(Actor):
    """Looks things up in the database; crashes when the database's node is down."""

    def started(self, ctx):
        self.check(ctx)

    def on_lookup(self, ctx, body):
        self.check(ctx)
        ctx.reply("found", body)

    @staticmethod
    def check(ctx):
        if DB_NODE not in ctx.nodes():
            raise ConnectionError(f"the database on {DB_NODE} does not answer")


class Warmer(Actor):
    """Fills a cache at start; its configuration is missing, so it always crashes."""

    def started(self, ctx):
        raise ConfigError("cache.toml not found: nothing to warm")


WORKERS = [*((p, Parser) for p in PARSERS), ("repo", Repo), ("warmer", Warmer)]
"""The workers, as (name, class), in the order a flat tree would start them."""


class Gateway(Actor):
    """The lab's client: a request every TICK to the parsers in turn; some are poison."""

    def __init__(self, poison: list[float], until: float):
        self.poison = sorted(poison)
        self.until = until
        self.turn = 0

    def started(self, ctx):
        ctx.after(0.5, "tick")  # let the service start

    def on_tick(self, ctx, _):
        name = PARSERS[self.turn % len(PARSERS)]
        self.turn += 1
        body = "poison" if self.poison and self.poison[0] <= ctx.now else self.turn
        if body == "poison":
            self.poison.pop(0)
        ctx.send(_find(ctx, name), "req", body)
        if ctx.now + TICK < self.until:
            ctx.after(TICK, "tick")

    def on_resp(self, ctx, _):
        pass


def _find(ctx, name: str) -> str:
    """The live actor whose id ends in ``/name`` (the first), else ``svc/<name>``: a message to
    it is then a dead letter, and the request goes unanswered, as it should."""
    for a in ctx.actors():
        if a.rsplit("/", 1)[-1] == name:
            return a
    return f"svc/{name}"


def schedule(seed: int) -> dict[str, Any]:
    """The seed's timeline: poison messages, the database outage, the end.

    >>> s = schedule(0)
    >>> s["db_down"] < s["db_up"] < s["until"]
    True
    """
    rng = random.Random(f"meshlab-supervision-{seed}")
    poison, t = [], 1.0
    while True:
        t = round(t + rng.uniform(1.0, 2.5), 3)
        if t > 11.0:
            break
        poison.append(t)
    db_down = round(rng.uniform(3.0, 5.0), 3)
    db_up = round(db_down + rng.uniform(2.0, 3.5), 3)
    return {"poison": poison, "db_down": db_down, "db_up": db_up, "until": 12.0}


def build(service_cls: type[Supervisor], *, seed: int = 0) -> Mesh:
    """The mesh: the student's ``Service`` as ``svc``, the gateway, the outage scheduled."""
    if not (isinstance(service_cls, type) and issubclass(service_cls, Actor)):
        raise TypeError(f"the lab needs a subclass of meshlab.Supervisor, got {service_cls!r}")
    plan = schedule(seed)
    mesh = Mesh(seed=seed, nodes=NODES, latency=LATENCY, scenario="supervision-lab")
    mesh.params.update(plan)
    mesh.spawn(Gateway, plan["poison"], plan["until"], name="gateway", node="edge")
    # the service's actors live on n0 and n1 only: the gateway's and the database's nodes
    # take no new actors (a worker on ndb would die with the database, another lesson)
    mesh.set_node_state("edge", "cordon")
    mesh.set_node_state(DB_NODE, "cordon")
    mesh.spawn(service_cls, name="svc", node="n0")
    mesh.kill_node(DB_NODE, at=plan["db_down"])
    mesh.node_up(DB_NODE, at=plan["db_up"])
    mesh.set_node_state(DB_NODE, "cordon", at=plan["db_up"])
    return mesh


def run(service_cls: type[Supervisor], *, seed: int = 0, until: float | None = None) -> Trace:
    """Run the lab with ``service_cls`` and return its trace."""
    mesh = build(service_cls, seed=seed)
    mesh.run(until=schedule(seed)["until"] if until is None else until)
    return mesh.trace


def checks(trace: Trace) -> list[CheckResult]:
    """Every check of the lab, in the order a student should fix them."""
    p = trace.meta.params
    return [
        no_escalation(trace),
        bounded_restarts(trace, actor="repo", at_most=12),
        bounded_restarts(trace, actor="warmer", at_most=3),
        answered(
            trace,
            requester="gateway",
            request="req",
            reply="resp",
            within=WITHIN,
            at_least=AT_LEAST,
            exclude=[(p["db_down"], p["db_up"] + GRACE)],
        ),
    ]


SAFETY = ("no_escalation", "bounded_restarts")
SCORING = {
    "no_escalation": Points(3),
    "bounded_restarts": Points(2, needs=("no_escalation",)),
    "answered": Points(5, needs=SAFETY),
}
"""Points per check; availability counts only for a tree that contains its crash loops."""


def grade(service_cls: type[Supervisor], *, seeds: Iterable[int] = SEEDS) -> Grade:
    """Run every seed twice and check it; the score follows :data:`SCORING`."""
    return scoring.grade(
        run=run,
        checks=_checks_merged,
        scheme=SCORING,
        actor_cls=service_cls,
        seeds=seeds,
        title=f"supervision, {getattr(service_cls, '__name__', service_cls)}",
    )


def _checks_merged(trace: Trace) -> list[CheckResult]:
    """The checks with the two bounded_restarts merged into one (one line of the score)."""
    esc, repo, warmer, ans = checks(trace)
    both = CheckResult("bounded_restarts(repo<=12, warmer<=3)", repo.problems + warmer.problems)
    return [esc, both, ans]
