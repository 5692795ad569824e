"""Checks a teacher can autograde: assertions over a trace's events, with messages to act on.

Each check reads only the event frame, so it grades a simulated run, a live recording or a
saved file alike. It returns a :class:`CheckResult` that is truthy when the check passed and
whose ``problems`` say *when* and *who*, so that a student can move the canvas there
(``canvas.time = result.problems[0].t``). A protocol's decisions must show as messages for a
check to see them: bodies are not recorded, so a leader sends ``lead``, a follower sends
``ack`` to the leader it follows.

>>> import meshlab as ml
>>> from meshlab import checks
>>> class Boss(ml.Actor):
...     def started(self, ctx):
...         ctx.after(0.1, "tick")
...     def on_tick(self, ctx, _):
...         ctx.send("worker", "lead")
...         ctx.after(0.1, "tick")
...     def on_ack(self, ctx, _):
...         pass
>>> class Worker(ml.Actor):
...     def on_lead(self, ctx, _):
...         ctx.reply("ack")
>>> mesh = ml.Mesh(seed=1, nodes=3, latency=0.01)
>>> for name, node in [("boss", "n0"), ("rival", "n1"), ("worker", "n2")]:
...     _ = mesh.spawn(Worker if name == "worker" else Boss, name=name, node=node)
>>> mesh.run(until=1.0)
>>> one = checks.at_most_one(mesh.trace, msg_type="lead", window=0.5, role="leader")
>>> bool(one)
False
>>> print(one.problems[0])
two leaders from t=0.100 s to t=1.000 s: boss and rival both kept sending 'lead' within 0.5 s \
of each other — scrub to t=0.100
>>> print(checks.report(one, checks.no_crashes(mesh.trace), limit=1))
1 of 2 checks passed
  FAIL  at_most_one(msg_type='lead', window=0.5)
        - two leaders from t=0.100 s to t=1.000 s: boss and rival both kept sending 'lead' \
within 0.5 s of each other — scrub to t=0.100
  PASS  no_crashes(allowed=('node_down', 'InjectedFault'))
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from meshlab.trace import Trace
from meshlab.trace.scalars import number

__all__ = [
    "CheckResult",
    "Problem",
    "Report",
    "all_delivered",
    "answered",
    "at_most_one",
    "bounded_restarts",
    "deterministic",
    "eventually_agree",
    "no_crashes",
    "no_escalation",
    "no_gap",
    "no_unexplained_drops",
    "report",
    "within_budget",
]

DROP_HINTS = {
    "dead_letter": "no live actor had that id when it arrived: a wrong name, or it had died",
    "mailbox_full": "the receiver's mailbox was full",
    "discarded": "it was waiting in the receiver's mailbox when the receiver crashed or stopped",
    "loss": "the network lost it",
    "partition": "the link was cut",
    "node_down": "the receiver's node was down",
}


class Problem(str):
    """One problem, as a message for a student; also knows when (``t``, and ``until`` when it
    lasted), who (``actors``) and which message types it is about (``msg_types``), so that
    ``ml.Canvas(trace, problem=p)`` can mark its time range and filter to them.

    >>> p = Problem("c2 crashed at t=1.000 s", t=1.0, actors=("c2",))
    >>> p, p.t, p.actors, p.until, p.msg_types
    ('c2 crashed at t=1.000 s', 1.0, ('c2',), 1.0, ())
    >>> import pickle  # results travel between processes (a sweep, a grader)
    >>> pickle.loads(pickle.dumps(p)).t
    1.0
    """

    t: float
    until: float
    actors: tuple[str, ...]
    msg_types: tuple[str, ...]

    def __new__(
        cls,
        message: str,
        *,
        t: float,
        actors: Iterable[str] = (),
        until: float | None = None,
        msg_types: Iterable[str] = (),
    ) -> Problem:
        self = super().__new__(cls, message)
        self.t = float(t)
        self.until = self.t if until is None else max(self.t, float(until))
        self.actors = tuple(actors)
        self.msg_types = tuple(msg_types)
        return self

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # str's own reduction would call __new__ with the text alone, without t
        return (_problem, (str(self), self.t, self.actors, self.until, self.msg_types))


def _problem(
    message: str, t: float, actors: tuple[str, ...], until: float, msg_types: tuple[str, ...]
) -> Problem:
    return Problem(message, t=t, actors=actors, until=until, msg_types=msg_types)


@dataclass(frozen=True)
class CheckResult:
    """What one check found: truthy when it passed; ``problems`` are in time order.

    ``vacuous`` says why a pass proves nothing, when it does not: a safety check passes
    trivially on a run in which nothing happened ("nobody sent 'lead'"). A grader gives such
    a pass no credit (see :mod:`meshlab.labs.scoring`).
    """

    name: str
    problems: list[Problem] = field(default_factory=list)
    vacuous: str | None = None

    @property
    def passed(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.passed

    @property
    def times(self) -> list[float]:
        """The time of each problem: where to scrub the canvas."""
        return [p.t for p in self.problems]

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` listing the problems, if there are any."""
        if self.problems:
            raise AssertionError(_describe(self, limit=20))

    def __str__(self) -> str:
        return _describe(self, limit=None)

    def __repr__(self) -> str:
        state = "passed" if self.passed else f"failed with {len(self.problems)} problem(s)"
        return f"<CheckResult {self.name}: {state}>"


@dataclass(frozen=True)
class Report:
    """A pass/fail summary of several results; truthy when every one passed."""

    results: tuple[CheckResult, ...]
    title: str | None = None
    limit: int = 5

    @property
    def passed(self) -> bool:
        return all(self.results)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.results for p in r.problems]

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` with the summary (up to 20 problems per check)."""
        if not self.passed:
            raise AssertionError(str(replace(self, limit=max(self.limit, 20))))

    def __str__(self) -> str:
        ok = sum(1 for r in self.results if r)
        head = f"{ok} of {len(self.results)} checks passed"
        lines = [f"{self.title}: {head}" if self.title else head]
        for r in self.results:
            empty = f"  (vacuous: {r.vacuous})" if r and r.vacuous else ""
            lines.append(f"  {'PASS' if r else 'FAIL'}  {r.name}{empty}")
            shown = r.problems if self.limit is None else r.problems[: self.limit]
            lines.extend(f"        - {p}" for p in shown)
            if len(shown) < len(r.problems):
                lines.append(f"        … and {len(r.problems) - len(shown)} more")
        return "\n".join(lines)

    __repr__ = __str__


def report(
    *results: CheckResult | Iterable[CheckResult], title: str | None = None, limit: int = 5
) -> Report:
    """Gather results (or lists of them) into a :class:`Report` that prints a short summary.

    ``limit`` caps the problems shown per check (all of them stay in ``Report.problems``).

    >>> print(report(CheckResult("no_crashes()"), title="seed 0"))
    seed 0: 1 of 1 checks passed
      PASS  no_crashes()
    """
    flat: list[CheckResult] = []
    for r in results:
        if isinstance(r, CheckResult):
            flat.append(r)
        elif isinstance(r, Iterable):
            flat.extend(_expect_result(x) for x in r)
        else:
            _expect_result(r)
    return Report(tuple(flat), title=title, limit=limit)


# the checks ------------------------------------------------------------------------------
def no_crashes(
    trace: Trace | pl.DataFrame, *, allowed: Sequence[str] = ("node_down", "InjectedFault")
) -> CheckResult:
    """No actor crashed by itself: every ``actor_fail`` was caused by an injected fault.

    A failure whose reason starts with one of ``allowed`` (a node that died, a crash the
    scenario injected) is the scenario's doing; any other is a bug in a handler. Propagated
    failures (a supervisor giving up) are reported at their root cause only.
    """
    ev = _events(trace)
    allowed = _strings("allowed", allowed)
    fails = ev.filter(
        (pl.col("kind") == "actor_fail")
        & (pl.col("peer") == pl.col("actor"))
        & ~pl.any_horizontal(False, *(pl.col("reason").str.starts_with(a) for a in allowed))
    )
    problems = [
        Problem(
            f"{actor} crashed at {_at(t)} with {reason} — scrub to t={t:.3f}; "
            f"trace.flight_recorder({actor!r}, t={t:.3f}) shows what it handled last",
            t=t,
            actors=(actor,),
        )
        for t, actor, reason in fails.select("t", "actor", "reason").iter_rows()
    ]
    handled = ev.filter(pl.col("kind").is_in(["msg_handle", "handler_start"])).height
    empty = None if handled or problems else "no actor handled a single message"
    return CheckResult(f"no_crashes(allowed={tuple(allowed)!r})", problems, vacuous=empty)


def no_unexplained_drops(
    trace: Trace | pl.DataFrame, *, allowed: Sequence[str] = ("loss", "partition", "node_down")
) -> CheckResult:
    """No message was lost except by an injected fault: every drop's reason is ``allowed``.

    A ``discarded`` drop (a message left in the mailbox of an actor that died) counts as
    ``node_down`` when its actor died with its node; otherwise the actor crashed or stopped with
    work queued, which the protocol has to answer for. Drops are reported grouped by reason,
    sender, receiver and message type, at the first of each group.
    """
    ev = _events(trace)
    allowed = _strings("allowed", allowed)
    drops = ev.filter(pl.col("kind") == "msg_drop").select(
        "seq", "t", "actor", "peer", "msg_type", "reason"
    )
    ends = (
        ev.filter(pl.col("kind").is_in(["actor_fail", "actor_stop"]))
        .select("seq", "actor", end_reason="reason")
        .sort("seq")
    )
    # Discards are recorded just before the end of the life that held them: join forward.
    drops = drops.sort("seq").join_asof(
        ends, on="seq", by="actor", strategy="forward", check_sortedness=False
    )
    why = (
        pl.when((pl.col("reason") == "discarded") & (pl.col("end_reason") == "node_down"))
        .then(pl.lit("node_down"))
        .otherwise(pl.col("reason"))
    )
    bad = (
        drops.with_columns(why=why)
        .filter(~pl.col("why").is_in(allowed))
        .group_by("why", "peer", "actor", "msg_type")
        .agg(pl.len().alias("n"), pl.col("t").min().alias("t"))
        .sort("t", "peer", "actor")
    )
    problems = []
    for why, src, dst, mtype, n, t in bad.select(
        "why", "peer", "actor", "msg_type", "n", "t"
    ).iter_rows():
        what = f"a {mtype!r} message" if n == 1 else f"{n} {mtype!r} messages"
        first = "at" if n == 1 else "the first at"
        hint = DROP_HINTS.get(why, "not an injected fault")
        problems.append(
            Problem(
                f"{what} from {src} to {dst} dropped as {why} ({hint}), {first} {_at(t)} — "
                f"scrub to t={t:.3f}",
                t=t,
                actors=(src, dst),
                msg_types=(mtype,) if mtype else (),
            )
        )
    sent = _sends(ev, None).height
    empty = None if sent or problems else "no actor sent a message"
    return CheckResult(f"no_unexplained_drops(allowed={tuple(allowed)!r})", problems, vacuous=empty)


def at_most_one(
    trace: Trace | pl.DataFrame, *, msg_type: str, window: float, role: str | None = None
) -> CheckResult:
    """At most one actor sends ``msg_type`` at any time: no two within ``window`` seconds.

    With ``msg_type="lead"`` this is "one leader at a time" for a protocol whose leader
    heartbeats ``lead``. Timers (messages to self) do not count. ``role`` names the holder in
    the messages ("two leaders at …"). A stretch of time in which the same two actors keep
    sending is one problem, from its first clash to its last.
    """
    ev = _events(trace)
    _positive("window", window)
    s = (
        _sends(ev, [msg_type])
        .select("t", "seq", "actor")
        .sort("t", "seq")
        .with_columns(prev=pl.col("actor").shift(), prev_t=pl.col("t").shift())
    )
    # Two different senders within the window always have an adjacent pair (in time order)
    # of different senders within it, so looking at neighbours finds every clash.
    clash = s.filter(
        (pl.col("actor") != pl.col("prev")) & (pl.col("t") - pl.col("prev_t") < window)
    )
    earlier = pl.col("actor") < pl.col("prev")
    clash = clash.with_columns(
        a=pl.when(earlier).then(pl.col("actor")).otherwise(pl.col("prev")),
        b=pl.when(earlier).then(pl.col("prev")).otherwise(pl.col("actor")),
    )
    clash = clash.with_columns(
        new=(pl.col("t") - pl.col("t").shift().over("a", "b") > window).fill_null(True)
    ).with_columns(episode=pl.col("new").cast(pl.UInt32).cum_sum().over("a", "b"))
    episodes = (
        clash.group_by("a", "b", "episode")
        .agg(start=pl.col("t").min(), end=pl.col("t").max())
        .sort("start", "a", "b")
    )
    two = f"two {role}s" if role else f"two actors sending {msg_type!r}"
    problems = []
    for a, b, start, end in episodes.select("a", "b", "start", "end").iter_rows():
        if end == start:
            text = f"{two} at {_at(start)}: {a} and {b} both sent {msg_type!r} within {window} s"
        else:
            text = (
                f"{two} from {_at(start)} to {_at(end)}: {a} and {b} both kept sending "
                f"{msg_type!r} within {window} s of each other"
            )
        problems.append(
            Problem(
                f"{text} — scrub to t={start:.3f}",
                t=start,
                actors=(a, b),
                until=end,
                msg_types=(msg_type,),
            )
        )
    name = f"at_most_one(msg_type={msg_type!r}, window={window})"
    empty = None if s.height else f"nobody sent {msg_type!r}"
    return CheckResult(name, problems, vacuous=empty)


def no_gap(
    trace: Trace | pl.DataFrame,
    *,
    msg_type: str,
    longer_than: float,
    start: float | None = None,
    end: float | None = None,
    role: str | None = None,
    participants: Iterable[str] | None = None,
) -> CheckResult:
    """Somebody sends ``msg_type`` at least every ``longer_than`` seconds from ``start`` to ``end``.

    The liveness half of "one leader": without it, a protocol that never elects anybody would
    pass :func:`at_most_one`. ``start`` and ``end`` default to the first and last event. A gap
    is named by both ends (who sent last before it, who first after it) and by the
    ``participants`` alive inside it (default: every actor that ever sent ``msg_type``), who
    are the ones that should have filled it.
    """
    ev = _events(trace)
    _positive("longer_than", longer_than)
    first, last = _span(ev)
    lo = first if start is None else float(start)
    hi = last if end is None else float(end)
    s = _sends(ev, [msg_type]).filter(pl.col("t").is_between(lo, hi)).sort("t", "seq")
    marks = pl.concat(
        [
            pl.DataFrame(
                {"t": [lo], "actor": [None]}, schema={"t": pl.Float64, "actor": pl.String}
            ),
            s.select("t", "actor"),
            pl.DataFrame(
                {"t": [hi], "actor": [None]}, schema={"t": pl.Float64, "actor": pl.String}
            ),
        ]
    )
    gaps = marks.with_columns(until=pl.col("t").shift(-1), nxt=pl.col("actor").shift(-1)).filter(
        pl.col("until") - pl.col("t") > longer_than
    )
    names = (
        _sends(ev, [msg_type])["actor"].unique(maintain_order=True).to_list()
        if participants is None
        else _strings("participants", participants)
    )
    nobody = f"no {role}" if role else f"nobody sent {msg_type!r}"
    problems = []
    for t, last, until, nxt in gaps.select("t", "actor", "until", "nxt").iter_rows():
        if last and nxt:
            ends = f"{last} last sent {msg_type!r} at {_at(t)}, {nxt} next at {_at(until)}"
        elif last:
            ends = f"{last} last sent {msg_type!r} at {_at(t)}, nobody after it"
        elif nxt:
            ends = f"nobody before {nxt}'s first {msg_type!r} at {_at(until)}"
        else:
            ends = f"nobody sent {msg_type!r} at all"
        inside = _alive_between(ev, names, t, until)
        meanwhile = (
            f"; alive meanwhile: {_names(inside)}" if inside else "; none alive" if names else ""
        )
        who = list(dict.fromkeys(a for a in (last, nxt, *inside) if a))
        problems.append(
            Problem(
                f"{nobody} for {until - t:.3f} s, from {_at(t)} to {_at(until)} "
                f"(allowed: {longer_than} s): {ends}{meanwhile} — scrub to t={t:.3f}",
                t=t,
                actors=who,
                until=until,
                msg_types=(msg_type,),
            )
        )
    return CheckResult(f"no_gap(msg_type={msg_type!r}, longer_than={longer_than})", problems)


def eventually_agree(
    trace: Trace | pl.DataFrame,
    *,
    vote: str,
    claim: str | None = None,
    after: float | None = None,
    participants: Iterable[str] | None = None,
) -> CheckResult:
    """Every surviving participant's last decision, after ``after``, names the same live actor.

    A participant decides for actor X by sending ``vote`` to X (a follower's ``ack``), or for
    itself by sending ``claim`` (a leader's ``lead``). Participants default to every actor that
    ever sent either; survivors are those alive at the end of the trace, and only decisions
    made in their current life count (a restarted actor must decide again).
    """
    ev = _events(trace)
    types = [vote] if claim is None else [vote, claim]
    sends = _sends(ev, types)
    names = (
        sends["actor"].unique(maintain_order=True).to_list()
        if participants is None
        else _strings("participants", participants)
    )
    lives = _lives(ev)
    alive = lives.filter(pl.col("alive"))
    # An actor with no lifecycle events (a live source that joined late) counts as alive.
    living, known = set(alive["actor"]), set(lives["actor"])
    survivors = [a for a in names if a in living or a not in known]
    first, end_t = _span(ev)
    since = first if after is None else float(after)
    name = f"eventually_agree(vote={vote!r}, claim={claim!r}, after={after})"
    if not survivors:
        if not names:
            said = f"{vote!r}" + (f" or {claim!r}" if claim else "")
            text = (
                f"nobody sent {said} at all, so there is no participant to agree; pass "
                f"participants= to name who should have"
            )
        else:
            text = f"none of the participants ({_names(names)}) is alive at {_at(end_t)}"
        return CheckResult(name, [Problem(text, t=end_t, actors=names)])
    choice = pl.when(pl.col("msg_type") == vote).then(pl.col("peer")).otherwise(pl.col("actor"))
    d = (
        sends.filter(pl.col("actor").is_in(survivors) & (pl.col("t") >= since))
        .join(lives.select("actor", "born"), on="actor", how="left")
        .filter(pl.col("born").is_null() | (pl.col("t") >= pl.col("born")))
        .sort("actor", "t", "seq")
        .with_columns(choice=choice)
        .with_columns(run=(pl.col("choice") != pl.col("choice").shift()).fill_null(True))
        .with_columns(run=pl.col("run").cast(pl.UInt32).cum_sum().over("actor"))
    )
    # The final decision of each survivor, and since when it has held it.
    final = (
        d.filter(pl.col("run") == pl.col("run").max().over("actor"))
        .group_by("actor")
        .agg(choice=pl.col("choice").first(), since=pl.col("t").min())
    )
    chosen = dict(final.select("actor", "choice").iter_rows())
    held = dict(final.select("actor", "since").iter_rows())
    problems = []
    said = f"{vote!r}" + (f" or {claim!r}" if claim else "")
    for a in survivors:
        if a not in chosen:
            problems.append(
                Problem(
                    f"{a} made no decision after {_at(since)}: it sent no {said} — "
                    f"scrub to t={since:.3f}",
                    t=since,
                    actors=(a,),
                    until=end_t,
                    msg_types=types,
                )
            )
    groups: dict[str, list[str]] = {}
    for a in survivors:
        if a in chosen:
            groups.setdefault(chosen[a], []).append(a)
    if len(groups) > 1:
        t = max(held.values())
        sides = "; ".join(
            f"{_names(who)} follow{'s' * (len(who) == 1)} {x}" for x, who in groups.items()
        )
        problems.append(
            Problem(
                f"no agreement at the end ({_at(end_t)}): {sides}; they have disagreed "
                f"since {_at(t)} — scrub to t={t:.3f}",
                t=t,
                actors=sorted(chosen),
                until=end_t,
                msg_types=types,
            )
        )
    elif len(groups) == 1:
        ((x, who),) = groups.items()
        ended = lives.filter((pl.col("actor") == x) & ~pl.col("alive"))
        if ended.height:
            t = float(ended["died"][0])
            problems.append(
                Problem(
                    f"{_names(who)} all follow {x}, which is not alive at the end: it died at "
                    f"{_at(t)} — scrub to t={t:.3f}",
                    t=t,
                    actors=(x, *who),
                )
            )
    return CheckResult(name, sorted(problems, key=lambda p: p.t))


def within_budget(
    trace: Trace | pl.DataFrame,
    *,
    budget: int,
    participants: Iterable[str],
    msg_types: Sequence[str] | None = None,
) -> CheckResult:
    """The ``participants`` sent each other at most ``budget`` messages (timers excluded).

    Messages to or from anybody else (a client) do not count; ``msg_types`` narrows the count
    to those types. The problem names the send that went over, its time, and the biggest
    senders. Vacuous when the participants sent each other nothing at all.
    """
    ev = _events(trace)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise ValueError(f"budget must be a whole number of messages >= 0, got {budget!r}")
    names = _strings("participants", participants)
    types = None if msg_types is None else _strings("msg_types", msg_types)
    s = (
        _sends(ev, types)
        .filter(pl.col("actor").is_in(names) & pl.col("peer").is_in(names))
        .sort("t", "seq")
    )
    name = f"within_budget(budget={budget})"
    if s.height <= budget:
        empty = None if s.height else "the participants sent each other nothing"
        return CheckResult(name, vacuous=empty)
    over = s.row(budget, named=True)
    t = float(over["t"])
    top = s.group_by("actor").len().sort(["len", "actor"], descending=[True, False]).head(3)
    most = ", ".join(f"{a} ({n})" for a, n in top.iter_rows())
    text = (
        f"{s.height} messages among {_names(names)}, over the budget of {budget}: message "
        f"{budget + 1} was {over['actor']}'s {over['msg_type']!r} to {over['peer']} at {_at(t)}; "
        f"most sent by {most} — scrub to t={t:.3f}"
    )
    who = list(dict.fromkeys([over["actor"], over["peer"], *top["actor"].to_list()]))
    return CheckResult(name, [Problem(text, t=t, actors=who, msg_types=(over["msg_type"],))])


def all_delivered(
    trace: Trace | pl.DataFrame,
    *,
    reader: str,
    participants: Iterable[str],
    after: float | None = None,
) -> CheckResult:
    """Every participant, when ``reader`` last read it, knew every value: nothing missing.

    Bodies are not recorded, so the reader (a lab's client, trusted code) publishes what it
    found (``attrs``): ``missing.<p>`` (how many values ``p`` lacked), ``of.<p>`` (how many
    there were), ``first_missing_at.<p>`` and ``first_missing_to.<p>`` (when the first value
    ``p`` lacks was broadcast, and to whom: where to scrub). Only reads after ``after`` count.
    """
    ev = _events(trace)
    names = _strings("participants", participants)
    since = -math.inf if after is None else float(after)
    pubs = ev.filter(
        (pl.col("kind") == "attrs") & (pl.col("actor") == reader) & (pl.col("t") >= since)
    ).sort("seq")
    last: dict[str, dict] = {}
    when: dict[str, float] = {}
    for t, reason in pubs.select("t", "reason").iter_rows():
        values = json.loads(reason)
        for p in names:
            if f"missing.{p}" in values:
                last[p] = values
                when[p] = t
    end = _span(ev)[1]
    problems = []
    for p in names:
        if p not in last:
            problems.append(
                Problem(
                    f"{p} never answered {reader}'s read after {_at(max(since, 0.0))} — "
                    f"scrub to t={end:.3f}",
                    t=end,
                    actors=(p, reader),
                )
            )
            continue
        v = last[p]
        n = v[f"missing.{p}"]
        if not n:
            continue
        t0, to = v.get(f"first_missing_at.{p}"), v.get(f"first_missing_to.{p}")
        t_read = when[p]
        scrub = t_read if t0 is None else float(t0)
        where = f"; the first it misses was broadcast at {_at(scrub)} to {to}" if to else ""
        problems.append(
            Problem(
                f"{p} misses {n} of {v.get(f'of.{p}', '?')} values at the read at "
                f"{_at(t_read)}{where} — scrub to t={scrub:.3f}",
                t=scrub,
                actors=tuple(dict.fromkeys(a for a in (p, to) if a)),
            )
        )
    return CheckResult(f"all_delivered(reader={reader!r})", sorted(problems, key=lambda p: p.t))


def no_escalation(trace: Trace | pl.DataFrame) -> CheckResult:
    """No supervisor gave up: no failure escalated past more restarts than its intensity.

    Each problem names the supervisor, when it gave up, its reason (the intensity it exceeded
    and the last exit) and the root cause the failure carries.
    """
    ev = _events(trace)
    gave_up = ev.filter(
        (pl.col("kind") == "actor_fail") & pl.col("reason").str.starts_with("escalated")
    ).sort("seq")
    problems = [
        Problem(
            f"{actor} gave up at {_at(t)} ({reason}), root cause {root} — scrub to t={t:.3f}",
            t=t,
            actors=tuple(dict.fromkeys(a for a in (actor, root) if a)),
        )
        for t, actor, reason, root in gave_up.select("t", "actor", "reason", "peer").iter_rows()
    ]
    started = ev.filter(pl.col("kind") == "actor_spawn").height
    return CheckResult(
        "no_escalation()", problems, vacuous=None if started else "no actor ever started"
    )


def bounded_restarts(trace: Trace | pl.DataFrame, *, actor: str, at_most: int) -> CheckResult:
    """The actor named ``actor`` (its id, or the last part of it: ``"repo"`` matches
    ``svc/storage/repo``) was restarted at most ``at_most`` times: a crash loop is contained.

    An actor of that name that never started is a problem too: the tree must start it.
    """
    ev = _events(trace)
    if isinstance(at_most, bool) or not isinstance(at_most, int) or at_most < 0:
        raise ValueError(f"at_most must be a whole number >= 0, got {at_most!r}")
    named = pl.col("actor").eq(actor) | pl.col("actor").str.ends_with(f"/{actor}")
    mine = ev.filter(named)
    name = f"bounded_restarts(actor={actor!r}, at_most={at_most})"
    if not mine.filter(pl.col("kind") == "actor_spawn").height:
        end = _span(ev)[1]
        text = f"no actor named {actor!r} ever started: the tree must start it"
        return CheckResult(name, [Problem(text, t=end, actors=(actor,))])
    restarts = mine.filter(pl.col("kind") == "actor_restart").sort("seq")
    if restarts.height <= at_most:
        return CheckResult(name)
    ids = restarts["actor"].unique(maintain_order=True).to_list()
    first, over, last = (float(restarts["t"][i]) for i in (0, at_most, -1))
    crashes = mine.filter(pl.col("kind") == "actor_fail")["reason"]
    why = f"; it kept failing with {crashes[-1]}" if crashes.len() else ""
    text = (
        f"{_names(ids)} restarted {restarts.height} times from {_at(first)} to {_at(last)} "
        f"(allowed: {at_most}); restart {at_most + 1} came at {_at(over)}{why} — "
        f"scrub to t={over:.3f}"
    )
    return CheckResult(name, [Problem(text, t=over, actors=ids)])


def answered(
    trace: Trace | pl.DataFrame,
    *,
    requester: str,
    request: str,
    reply: str,
    within: float,
    at_least: float,
    start: float | None = None,
    end: float | None = None,
    exclude: Iterable[tuple[float, float]] = (),
) -> CheckResult:
    """At least a share ``at_least`` of the ``request`` messages ``requester`` sent were
    answered within ``within`` seconds: the one it asked sent ``reply`` back in that time.

    Requests sent in an ``exclude`` interval (an outage the service is allowed), or later than
    ``within`` before the end, do not count. The problem gives the share and the longest run
    of unanswered requests: from when to when, and to whom.
    """
    ev = _events(trace)
    _positive("within", within)
    if not 0 < at_least <= 1:
        raise ValueError(f"at_least must be a share in (0, 1], got {at_least!r}")
    first, last = _span(ev)
    lo = first if start is None else float(start)
    hi = (last if end is None else float(end)) - within
    windows = [(float(a), float(b)) for a, b in exclude]
    outside = pl.lit(True)
    for a, b in windows:
        outside = outside & ~pl.col("t").is_between(a, b)
    reqs = (
        _sends(ev, [request])
        .filter((pl.col("actor") == requester) & pl.col("t").is_between(lo, hi) & outside)
        .select("t", "seq", to="peer")
        .sort("t")
    )
    name = f"answered(request={request!r}, reply={reply!r}, within={within}, at_least={at_least})"
    if reqs.height == 0:
        return CheckResult(name, vacuous=f"{requester} sent no {request!r} to count")
    reps = (
        _sends(ev, [reply])
        .filter(pl.col("peer") == requester)
        .select(pl.col("t").alias("t_reply"), to="actor")
        .sort("t_reply")
    )
    matched = reqs.join_asof(
        reps,
        left_on="t",
        right_on="t_reply",
        by="to",
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,  # sorted by time; polars cannot verify it per group
    ).with_columns(ok=(pl.col("t_reply") - pl.col("t") <= within).fill_null(False))
    share = number(matched["ok"].mean())  # reqs is not empty: a share, never null
    if share >= at_least:
        return CheckResult(name)
    runs = (
        matched.with_columns(run=(pl.col("ok") != pl.col("ok").shift()).fill_null(True).cum_sum())
        .filter(~pl.col("ok"))
        .group_by("run")
        .agg(n=pl.len(), a=pl.col("t").min(), b=pl.col("t").max(), to=pl.col("to").unique())
        .sort(["n", "a"], descending=[True, False])
    )
    n, a, b, to = runs.select("n", "a", "b", "to").row(0)
    to = sorted(to)
    text = (
        f"only {share:.1%} of {reqs.height} {request!r} from {requester} answered with {reply!r} "
        f"within {within} s (at least {at_least:.0%} needed); the longest run unanswered: {n} "
        f"from {_at(a)} to {_at(b)}, sent to {_names(to)} — scrub to t={a:.3f}"
    )
    return CheckResult(name, [Problem(text, t=a, actors=(requester, *to))])


def deterministic(first: Trace | pl.DataFrame, second: Trace | pl.DataFrame) -> CheckResult:
    """Two runs of the same scenario and seed recorded the same events, row for row.

    A protocol that draws from Python's ``random`` (or reads the clock, or iterates a set of
    strings) instead of ``ctx.rng`` runs differently every time, and a grade of it means
    nothing. The problem names the first event where the runs part: its time and actor.
    """
    a, b = _events(first), _events(second)
    n = min(a.height, b.height)
    differs = (
        pl.concat(
            [
                a.head(n).select(pl.all().name.prefix("a_")),
                b.head(n).select(pl.all().name.prefix("b_")),
            ],
            how="horizontal",
        )
        .with_row_index("i")
        .filter(
            ~pl.all_horizontal(pl.col(f"a_{c}").eq_missing(pl.col(f"b_{c}")) for c in a.columns)
        )
    )
    if differs.height == 0 and a.height == b.height:
        return CheckResult("deterministic()")
    if differs.height:
        row = differs.row(0, named=True)
        i = row["i"]
    else:
        i = n
        row = {f"{x}_{c}": None for x in "ab" for c in a.columns}
        longer = a if a.height > b.height else b
        row.update({f"a_{c}": v for c, v in longer.row(n, named=True).items()})
    t = min(x for x in (row["a_t"], row["b_t"]) if x is not None)
    who = [x for x in dict.fromkeys((row["a_actor"], row["b_actor"])) if x]
    one = _event_text(row, "a")
    other = _event_text(row, "b")
    text = (
        f"two runs of the same seed differ from event {i} at {_at(t)}: {one} in one, {other} "
        f"in the other; draw random numbers from ctx.rng, not the random module "
        f"— scrub to t={t:.3f}"
    )
    return CheckResult("deterministic()", [Problem(text, t=t, actors=who)])


def _event_text(row: dict, side: str) -> str:
    if row[f"{side}_kind"] is None:
        return "the end of the run"
    parts = [row[f"{side}_kind"], row[f"{side}_actor"] or row[f"{side}_node"]]
    if row[f"{side}_msg_type"]:
        parts.append(repr(row[f"{side}_msg_type"]))
    if row[f"{side}_peer"]:
        parts.append(f"peer {row[f'{side}_peer']}")
    return f"{' '.join(str(x) for x in parts)} at t={row[f'{side}_t']:.3f}"


# helpers ---------------------------------------------------------------------------------
def _events(trace: Trace | pl.DataFrame) -> pl.DataFrame:
    if isinstance(trace, Trace):
        ev = trace.events
    elif isinstance(trace, pl.DataFrame):
        ev = trace
    else:
        raise TypeError(f"a check needs a meshlab.Trace or its events frame, got {type(trace)}")
    return ev.with_columns(kind=pl.col("kind").cast(pl.String))


def _span(ev: pl.DataFrame) -> tuple[float, float]:
    """The first and last event times (0, 0 for an empty trace)."""
    if ev.height == 0:
        return 0.0, 0.0
    return number(ev["t"].min()), number(ev["t"].max())


def _sends(ev: pl.DataFrame, types: list[str] | None) -> pl.DataFrame:
    """Messages sent between actors (timers excluded), of ``types`` (None: of any type)."""
    for t in types or ():
        if not isinstance(t, str) or not t:
            raise TypeError(f"msg_type must be a message type name (a string), got {t!r}")
    of_type = pl.lit(True) if types is None else pl.col("msg_type").is_in(types)
    return ev.filter(
        (pl.col("kind") == "msg_send")
        & of_type
        & (pl.col("reason").is_null() | (pl.col("reason") != "timer"))
    )


def _lives(ev: pl.DataFrame) -> pl.DataFrame:
    """Per actor: whether it is alive at the end, when its current life began, when it died."""
    life = ev.filter(
        pl.col("kind").is_in(["actor_spawn", "actor_restart", "actor_stop", "actor_fail"])
    ).sort("seq")
    return life.group_by("actor", maintain_order=True).agg(
        alive=pl.col("kind").last().is_in(["actor_spawn", "actor_restart"]),
        born=pl.col("t").filter(pl.col("kind").is_in(["actor_spawn", "actor_restart"])).last(),
        died=pl.col("t").filter(pl.col("kind").is_in(["actor_stop", "actor_fail"])).last(),
    )


def _alive_between(ev: pl.DataFrame, names: list[str], lo: float, hi: float) -> list[str]:
    """Those of ``names`` alive at some moment strictly between ``lo`` and ``hi``, in order.

    An actor with no lifecycle event at all (a live source's) counts as alive throughout."""
    life = (
        ev.filter(
            pl.col("actor").is_in(names)
            & pl.col("kind").is_in(["actor_spawn", "actor_restart", "actor_stop", "actor_fail"])
        )
        .sort("seq")
        .select("actor", "t", "kind")
    )
    born: dict[str, float] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for actor, t, kind in life.iter_rows():
        if kind in ("actor_spawn", "actor_restart"):
            born.setdefault(actor, t)
        elif actor in born:
            spans.setdefault(actor, []).append((born.pop(actor), t))
    for actor, t in born.items():
        spans.setdefault(actor, []).append((t, float("inf")))
    seen = set(life["actor"])
    return [
        a for a in names if a not in seen or any(b < hi and d > lo for b, d in spans.get(a, ()))
    ]


def _strings(what: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of strings such as ({values!r},), not a str")
    out = list(values)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{what} must contain strings only, got {out!r}")
    return out


def _positive(what: str, value: float) -> None:
    if not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, got {value!r}")


def _expect_result(x: object) -> CheckResult:
    if not isinstance(x, CheckResult):
        raise TypeError(f"report() takes check results (or lists of them), got {x!r}")
    return x


def _at(t: float) -> str:
    return f"t={t:.3f} s"


def _names(who: list[str]) -> str:
    return who[0] if len(who) == 1 else ", ".join(who[:-1]) + f" and {who[-1]}"


def _describe(result: CheckResult, *, limit: int | None) -> str:
    if result.passed:
        return f"{result.name}: passed"
    shown = result.problems if limit is None else result.problems[:limit]
    lines = [f"{result.name} failed:", *(f"  - {p}" for p in shown)]
    if len(shown) < len(result.problems):
        lines.append(f"  … and {len(result.problems) - len(shown)} more")
    return "\n".join(lines)
