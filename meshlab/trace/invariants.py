"""The event contract's invariants, checked over a whole trace with vectorised polars.

Every source must produce traces that pass these checks; the test suite runs them over random
scenarios, seeds and injected faults, and a live recording can be checked the same way.

>>> import meshlab as ml
>>> from meshlab.trace.invariants import violations
>>> violations(ml.scenarios.run("supervision-tree", seed=2, until=6.0))
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from meshlab.events import OUTCOME_KINDS, ContractError, outcome_error, parse_attrs
from meshlab.trace.core import Trace

LIFE_STARTS = ("actor_spawn", "actor_restart")
LIFE_ENDS = ("actor_stop", "actor_fail")
CLEAN_STOPS = ("normal", "node_leave")
# Who may bring an actor back after a clean stop: a supervisor (OTP restarts a permanent child
# after any exit, and a transient one when a sibling's group restart takes it along; a trace
# does not say which type a child is) or an explicit respawn of the same id.
RESTARTS_AFTER_CLEAN = (
    "one_for_one",
    "one_for_all",
    "rest_for_one",
    "supervisor_restart",
    "respawn",
)


@dataclass(frozen=True)
class Violation:
    """One broken invariant, at the first event (by ``seq``) that shows it."""

    invariant: str
    seq: int
    message: str

    def __str__(self) -> str:
        return f"[{self.invariant}] at seq {self.seq}: {self.message}"


def violations(trace: Trace | pl.DataFrame, *, limit: int = 20) -> list[Violation]:
    """Every invariant violation found (at most ``limit`` of each kind), in invariant order."""
    ev = trace.events if isinstance(trace, Trace) else trace
    ev = ev.with_columns(kind=pl.col("kind").cast(pl.String))
    found: list[Violation] = []
    for check in (_messages, _lives, _root_causes, _clean_stops, _handlers, _well_formed):
        found.extend(check(ev)[:limit])
    return found


def assert_valid(trace: Trace | pl.DataFrame) -> None:
    """Raise ``AssertionError`` listing every violation, if there is any."""
    found = violations(trace)
    if found:
        raise AssertionError("trace breaks the event contract:\n" + "\n".join(map(str, found)))


def _messages(ev: pl.DataFrame) -> list[Violation]:
    """1. Each recv/handle/drop follows exactly one send of its msg_id; one recv at most."""
    out = []
    sends = ev.filter(pl.col("kind") == "msg_send").select("msg_id", send_seq="seq")
    dup = sends.filter(pl.col("msg_id").is_duplicated()).sort("send_seq")
    for mid, seq in dup.select("msg_id", "send_seq").unique("msg_id", keep="last").iter_rows():
        out.append(Violation("one-send", seq, f"msg_id {mid} is sent more than once"))
    later = ev.filter(pl.col("kind").is_in(["msg_recv", "msg_handle", "msg_drop"]))
    joined = later.join(sends.unique("msg_id", keep="first"), on="msg_id", how="left")
    orphan = joined.filter(pl.col("send_seq").is_null() | (pl.col("send_seq") > pl.col("seq")))
    for seq, kind, mid in orphan.select("seq", "kind", "msg_id").iter_rows():
        out.append(Violation("send-first", seq, f"{kind} of msg_id {mid} has no earlier msg_send"))
    recvs = ev.filter(pl.col("kind") == "msg_recv")
    twice = recvs.filter(pl.col("msg_id").is_duplicated()).unique("msg_id", keep="last")
    for seq, mid in twice.select("seq", "msg_id").iter_rows():
        out.append(Violation("at-most-once", seq, f"msg_id {mid} is received more than once"))
    return out


def _actor_events(ev: pl.DataFrame) -> pl.DataFrame:
    """Events that happen *in* an actor's life, with the lifecycle event before each."""
    mine = ev.filter(
        pl.col("actor").is_not_null()
        # A drop to a dead actor is about the message, and an engine's action on an actor
        # (MeshOS starting a daemon) happens to it from outside, often before its life.
        & ~pl.col("kind").is_in(["msg_drop", "action_start", "action_end", "action_queued"])
    ).sort("seq")
    is_life = pl.col("kind").is_in([*LIFE_STARTS, *LIFE_ENDS])
    return mine.with_columns(
        life_kind=pl.when(is_life).then(pl.col("kind")),
        life_inc=pl.when(is_life).then(pl.col("incarnation")),
        life_reason=pl.when(is_life).then(pl.col("reason")),
    ).with_columns(
        prev_kind=pl.col("life_kind").shift(1).forward_fill().over("actor"),
        prev_inc=pl.col("life_inc").shift(1).forward_fill().over("actor"),
        prev_reason=pl.col("life_reason").shift(1).forward_fill().over("actor"),
    )


def _lives(ev: pl.DataFrame) -> list[Violation]:
    """2. Nothing happens to an actor outside a life; restarts raise the incarnation."""
    out = []
    a = _actor_events(ev)
    dead = pl.col("prev_kind").is_in(LIFE_ENDS) | pl.col("prev_kind").is_null()
    bad_inside = a.filter(
        ~pl.col("kind").is_in([*LIFE_STARTS, *LIFE_ENDS])
        & (dead | (pl.col("incarnation") != pl.col("prev_inc")))
    )
    for seq, kind, actor in bad_inside.select("seq", "kind", "actor").iter_rows():
        out.append(Violation("inside-life", seq, f"{kind} of {actor} outside its current life"))
    bad_restart = a.filter(
        (pl.col("kind") == "actor_restart")
        & (~pl.col("prev_kind").is_in(LIFE_ENDS) | (pl.col("incarnation") <= pl.col("prev_inc")))
    )
    for seq, actor in bad_restart.select("seq", "actor").iter_rows():
        out.append(
            Violation("restart", seq, f"{actor} restarts without ending, or without a higher one")
        )
    bad_end = a.filter(pl.col("kind").is_in(LIFE_ENDS) & dead)
    for seq, kind, actor in bad_end.select("seq", "kind", "actor").iter_rows():
        out.append(Violation("inside-life", seq, f"{kind} of {actor}, which is not alive"))
    bad_spawn = a.filter((pl.col("kind") == "actor_spawn") & pl.col("prev_kind").is_not_null())
    for seq, actor in bad_spawn.select("seq", "actor").iter_rows():
        out.append(Violation("spawn-once", seq, f"{actor} is spawned twice; use actor_restart"))
    return out


def _root_causes(ev: pl.DataFrame) -> list[Violation]:
    """3. A failure names its root cause; a propagated one never names itself."""
    out = []
    fails = ev.filter(pl.col("kind") == "actor_fail")
    nameless = fails.filter(pl.col("peer").is_null() & (pl.col("reason") != "node_down"))
    for seq, actor in nameless.select("seq", "actor").iter_rows():
        out.append(Violation("root-cause", seq, f"failure of {actor} names no root cause"))
    selfish = fails.filter(
        pl.col("reason").str.starts_with("escalated") & (pl.col("peer") == pl.col("actor"))
    )
    for seq, actor in selfish.select("seq", "actor").iter_rows():
        out.append(Violation("root-cause", seq, f"propagated failure of {actor} names itself"))
    return out


def _clean_stops(ev: pl.DataFrame) -> list[Violation]:
    """4. After a clean stop: no failure, and a restart only by a supervisor or a respawn."""
    out = []
    a = _actor_events(ev)
    after_clean = (pl.col("prev_kind") == "actor_stop") & pl.col("prev_reason").is_in(CLEAN_STOPS)
    bad = a.filter(
        after_clean
        & (
            (pl.col("kind") == "actor_fail")
            | (
                (pl.col("kind") == "actor_restart")
                & ~pl.col("reason").fill_null("").is_in(RESTARTS_AFTER_CLEAN)
            )
        )
    )
    for seq, kind, actor in bad.select("seq", "kind", "actor").iter_rows():
        out.append(Violation("clean-stop", seq, f"{kind} of {actor} after a clean stop"))
    return out


def _handlers(ev: pl.DataFrame) -> list[Violation]:
    """5. A handler_end follows exactly one handler_start of its (actor, msg_id); nothing ends
    twice."""
    out: list[Violation] = []
    rows = ev.filter(pl.col("kind").is_in(["handler_start", "handler_end"]))
    if rows.height == 0:
        return out
    ranked = rows.sort("seq").with_columns(
        starts=(pl.col("kind") == "handler_start")
        .cast(pl.UInt32)
        .cum_sum()
        .over("actor", "msg_id"),
        ends=(pl.col("kind") == "handler_end").cast(pl.UInt32).cum_sum().over("actor", "msg_id"),
        total_ends=(pl.col("kind") == "handler_end").sum().over("actor", "msg_id"),
    )
    ends = ranked.filter(pl.col("kind") == "handler_end")
    for seq, actor, mid in (
        ends.filter(pl.col("starts") == 0).select("seq", "actor", "msg_id").rows()
    ):
        out.append(
            Violation("handler-start", seq, f"handler_end of {actor} msg_id {mid} has no start")
        )
    for seq, actor, mid in ends.filter(pl.col("ends") > 1).select("seq", "actor", "msg_id").rows():
        out.append(
            Violation("ends-once", seq, f"handler of {actor} msg_id {mid} ends a second time")
        )
    again = ranked.filter(
        (pl.col("kind") == "handler_start") & (pl.col("starts") > 1) & (pl.col("total_ends") > 0)
    )
    for seq, actor, mid in again.select("seq", "actor", "msg_id").rows():
        out.append(
            Violation("one-start", seq, f"ended handler of {actor} msg_id {mid} starts twice")
        )
    return out


def _well_formed(ev: pl.DataFrame) -> list[Violation]:
    """6. Outcomes are null, ``ok`` or ``error: <text>``; attrs are bounded JSON objects."""
    out = []
    outcomes = ev.filter(
        pl.col("kind").is_in(list(OUTCOME_KINDS)) & pl.col("reason").is_not_null()
    ).filter(~pl.col("reason").is_in(["ok"]) & ~pl.col("reason").str.starts_with("error: "))
    outcomes = pl.concat(
        [
            outcomes,
            ev.filter(
                pl.col("kind").is_in(list(OUTCOME_KINDS))
                & pl.col("reason").str.starts_with("error: ")
                & (pl.col("reason").str.slice(7).str.strip_chars() == "")
            ),
        ]
    )
    for seq, kind, reason in outcomes.sort("seq").select("seq", "kind", "reason").rows():
        out.append(Violation("outcome", seq, f"{kind}: {outcome_error(reason)}"))
    for seq, reason in ev.filter(pl.col("kind") == "attrs").select("seq", "reason").rows():
        try:
            parse_attrs(reason)
        except ContractError as exc:
            out.append(Violation("attrs", seq, str(exc)))
    return out
