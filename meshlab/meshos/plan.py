"""Reconciliation: the minimal list of actions that moves the actual state towards the desired.

:func:`plan` is a pure function of the desired and the actual state, so a round can be tested,
replayed and explained on its own. It is deterministic (nodes, daemons and blobs are visited
in sorted order, and ties in placement are broken by name) and minimal: an action already in
flight is counted as done, nothing healthy is touched, and it never plans more copies than a
blob lacks. Every action carries its cause, the sentence an operator reads in the deck.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Final, Literal

from meshlab.meshos.actual import ActualState, Transfer
from meshlab.meshos.desired import Blob, DesiredState

ActionKind = Literal[
    "start_daemon",
    "stop_daemon",
    "pull_replica",
    "migrate_blob",
    "drop_replica",
    "start_instance",
    "stop_instance",
    "mark_avoid",
]

ACTION_KINDS: Final[tuple[str, ...]] = (
    "start_daemon",
    "stop_daemon",
    "pull_replica",
    "migrate_blob",
    "drop_replica",
    "start_instance",
    "stop_instance",
    "mark_avoid",
    "reduce_heat",
    "apply_backoff",
)
"""Every action the engine can take. ``reduce_heat`` and ``apply_backoff`` come from the
engine's own signals (saturation, a crashing daemon), not from the desired-state diff."""

SLOW_RTT: Final = 0.05
"""An RTT sample above this many seconds marks a node as slow (placement avoids it)."""


@dataclass(frozen=True)
class Action:
    """One step of a round: ``kind`` on ``node`` (and ``target``: a daemon, blob or service;
    ``src`` for a copy), because of ``cause``."""

    kind: str
    node: str
    target: str | None = None
    src: str | None = None
    cause: str = ""


def plan(
    desired: DesiredState,
    actual: ActualState,
    *,
    copies: int | None = None,
    locality: bool = True,
) -> list[Action]:
    """The actions of one reconcile round, in the order they should start.

    ``copies`` caps the blob copies the round places (the engine passes the room left under
    its backpressure limit); a copy past the cap is still listed, unplaced (``node`` empty),
    so the engine can show it as pending without the round paying to place it. ``locality``
    says whether to look at the RTT map for slow nodes (the engine skips it in rounds that
    brought no new sample).

    >>> from meshlab.meshos.actual import NodeView
    >>> from meshlab.meshos.desired import Blob, Daemon
    >>> want = DesiredState(daemons=(Daemon("agent"),), blobs=(Blob("b", replicas=2),))
    >>> have = ActualState(nodes={"n0": NodeView(), "n1": NodeView()}, replicas={"b": {"n0"}})
    >>> [(a.kind, a.node, a.target) for a in plan(want, have)]
    [('start_daemon', 'n0', 'agent'), ('start_daemon', 'n1', 'agent'), ('pull_replica', 'n1', 'b')]
    """
    actions: list[Action] = []
    actions += _daemons(desired, actual)
    flights: dict[str, list[Transfer]] = {}
    for tr in actual.transfers.values():
        flights.setdefault(tr.blob, []).append(tr)
    placer = _Placer(desired, actual, copies)
    for blob in sorted(desired.blobs, key=lambda b: b.name):
        holders = actual.replicas.get(blob.name, ())
        in_flight = flights.get(blob.name, [])
        if (
            not in_flight
            and len(holders) == blob.replicas
            and all(
                actual.nodes[n].state == "active" and actual.nodes[n].up and not _avoided(actual, n)
                for n in holders
                if n in actual.nodes
            )
        ):
            continue  # settled: the common case, kept cheap for large meshes
        actions += _blob(blob, actual, in_flight, placer)
    actions += _services(desired, actual)
    if locality:
        actions += _slow_nodes(actual)
    return actions


# daemons --------------------------------------------------------------------------------------


def _daemons(desired: DesiredState, actual: ActualState) -> list[Action]:
    out: list[Action] = []
    wanted_names = {d.name for d in desired.daemons}
    daemons = sorted(desired.daemons, key=lambda d: d.name)
    unwanted: dict[str, list[str]] = {}
    for (n, name), dv in sorted(actual.daemons.items()):
        if name not in wanted_names and dv.status in ("starting", "running"):
            unwanted.setdefault(n, []).append(name)
    for node in sorted(actual.nodes):
        view = actual.nodes[node]
        if not view.up:
            continue
        role = desired.role_of(node)
        draining = view.state in ("entering_maintenance", "maintenance", "drain_failed")
        for d in daemons:
            have = actual.daemons.get((node, d.name))
            status = have.status if have else "stopped"
            should_run = d.wanted_on(role) and (d.essential or not draining)
            if should_run and status in ("stopped", "crashed", "gated"):
                gate = have.gated_until if have is not None else None
                if gate is not None and actual.now < gate:
                    continue  # crash-loop gate: held down until its cooldown ends
                why = {
                    "crashed": "it crashed",
                    "gated": "its crash-loop cooldown is over",
                }.get(status, f"role {role} wants it")
                out.append(Action("start_daemon", node, d.name, cause=f"{d.name} on {node}: {why}"))
            elif not should_run and status in ("starting", "running"):
                why = f"{node} is {view.state}" if draining else f"role {role} does not want it"
                out.append(Action("stop_daemon", node, d.name, cause=f"{d.name} on {node}: {why}"))
        for name in unwanted.get(node, ()):
            out.append(
                Action("stop_daemon", node, name, cause=f"{name} is not in the desired state")
            )
    return out


# blobs ----------------------------------------------------------------------------------------


def _blob(
    blob: Blob, actual: ActualState, in_flight: list[Transfer], placer: _Placer
) -> list[Action]:
    holders = actual.replicas.get(blob.name, set())
    present = sorted(n for n in holders if n in actual.nodes and actual.nodes[n].present())
    arriving = {tr.dst for tr in in_flight}
    leaving = {tr.src for tr in in_flight if tr.move}
    have = len([n for n in present if n not in leaving]) + len(arriving)
    out: list[Action] = []

    # Copies on draining nodes, then on avoided (slow) ones, are moved off first, one
    # migration per blob at a time (two concurrent moves of one blob could leave it with no
    # settled copy). A draining node's copy no longer counts, so its move is a copy to come;
    # an avoided node's copy still counts until it has moved (a correction, not a repair).
    draining = sorted(
        (actual.nodes[n].state != "entering_maintenance", n)
        for n in holders
        if n in actual.nodes
        and actual.nodes[n].up
        and (actual.nodes[n].state == "entering_maintenance" or _avoided(actual, n))
        and n not in leaving
    )
    busy = set(holders) | arriving
    for avoided, src in [] if leaving else draining[:1]:
        counted = int(src in present)
        if have - counted >= blob.replicas:
            break  # enough copies elsewhere: the node's copy is simply left behind
        cause = f"{blob.name}: {src} is " + ("avoided (slow)" if avoided else "draining")
        if placer.spent():
            return [Action("migrate_blob", "", blob.name, src, cause=cause)]
        dst = placer.best(blob, src, busy)
        if dst is None:
            break
        busy.add(dst)
        have += 1 - counted
        out.append(Action("migrate_blob", dst, blob.name, src, cause=cause))

    sources = [n for n in present if n not in leaving] or [n for _, n in draining]
    while have < blob.replicas and sources:
        cause = f"{blob.name} has {have} of {blob.replicas} replicas"
        if placer.spent():
            out.append(Action("pull_replica", "", blob.name, cause=cause))
            break
        dst = placer.best(blob, None, busy)
        if dst is None:
            break
        src = min(sources, key=lambda s: (actual.rtt_between(s, dst), s))
        busy.add(dst)
        out.append(Action("pull_replica", dst, blob.name, src, cause=cause))
        have += 1

    # Extra copies (a node that rejoined with a stale duplicate) go only when nothing for this
    # blob is in flight, so a repair and a drop never race each other below the count.
    if not in_flight and not out and len(present) > blob.replicas:
        extra = sorted(present, key=lambda n: _keep_score(actual, n), reverse=True)
        for node in extra[: len(present) - blob.replicas]:
            out.append(
                Action(
                    "drop_replica",
                    node,
                    blob.name,
                    cause=f"{blob.name} has {len(present)} replicas, wants {blob.replicas}",
                )
            )
    return out


class _Placer:
    """Chooses where copies go in one round: the placeable node with the least heat, then
    nearest the source, then holding the fewest copies (counting those placed this round, so a
    round spreads its copies), then by name. Built once per round; its first use counts the
    copies per node and orders the candidates, so each later choice is a short scan."""

    def __init__(self, desired: DesiredState, actual: ActualState, budget: int | None) -> None:
        self.desired, self.actual = desired, actual
        self.budget = budget
        self._order: list[tuple[float, int, str, str]] | None = None  # heat, load, node, role

    def spent(self) -> bool:
        return self.budget is not None and self.budget <= 0

    def _ordered(self) -> list[tuple[float, int, str, str]]:
        if self._order is None:
            actual = self.actual
            load = dict.fromkeys(actual.nodes, 0)
            for holders in actual.replicas.values():
                for n in holders:
                    load[n] = load.get(n, 0) + 1
            for tr in actual.transfers.values():
                load[tr.dst] = load.get(tr.dst, 0) + 1
            self._order = sorted(
                (round(actual.nodes[n].heat, 3), load[n], n, self.desired.role_of(n))
                for n in actual.nodes
                if actual.nodes[n].placeable(actual.now)
            )
        return self._order

    def best(self, blob: Blob, near: str | None, busy: set[str]) -> str | None:
        order = self._ordered()
        if near is None:
            # Without a source to be near, the order is the score: the first fit wins.
            pick = next(
                (i for i, e in enumerate(order) if e[2] not in busy and blob.may_live_on(e[3])),
                None,
            )
        else:
            scored = [
                ((e[0], self.actual.rtt_between(near, e[2]), e[1], e[2]), i)
                for i, e in enumerate(order)
                if e[2] not in busy and blob.may_live_on(e[3])
            ]
            pick = min(scored)[1] if scored else None
        if pick is None:
            return None
        heat, load, node, role = order.pop(pick)
        bisect.insort(order, (heat, load + 1, node, role))
        if self.budget is not None:
            self.budget -= 1
        return node


def _avoided(actual: ActualState, node: str) -> bool:
    view = actual.nodes[node]
    return view.avoid_until is not None and actual.now < view.avoid_until


def _place_score(actual: ActualState, node: str, near: str | None) -> tuple[float, float, str]:
    view = actual.nodes[node]
    distance = actual.rtt_between(near, node) if near is not None else 0.0
    return (round(view.heat, 3), distance, node)


def _keep_score(actual: ActualState, node: str) -> tuple[bool, float, str]:
    """Higher is dropped first: avoided nodes, then hot ones; names break ties."""
    view = actual.nodes[node]
    avoided = view.avoid_until is not None and actual.now < view.avoid_until
    return (avoided, round(view.heat, 3), node)


# services -------------------------------------------------------------------------------------


def _services(desired: DesiredState, actual: ActualState) -> list[Action]:
    out: list[Action] = []
    for svc in sorted(desired.services, key=lambda s: s.name):
        on = sorted(
            n
            for n in actual.instances.get(svc.name, set())
            if n in actual.nodes and actual.nodes[n].up
        )
        draining = [n for n in on if actual.nodes[n].state != "active"]
        for node in draining:
            out.append(
                Action(
                    "stop_instance",
                    node,
                    svc.name,
                    cause=f"{svc.name} on {node}: {node} is {actual.nodes[node].state}",
                )
            )
        keep = [n for n in on if n not in draining]
        busy = set(on)
        while len(keep) < svc.replicas:
            candidates = [
                n
                for n in sorted(actual.nodes)
                if n not in busy
                and actual.nodes[n].placeable(actual.now)
                and svc.may_live_on(desired.role_of(n))
            ]
            if not candidates:
                break
            node = min(candidates, key=lambda n: _place_score(actual, n, None))
            busy.add(node)
            keep.append(node)
            out.append(
                Action(
                    "start_instance",
                    node,
                    svc.name,
                    cause=f"{svc.name} has {len(keep) - 1} of {svc.replicas} instances",
                )
            )
        for node in sorted(keep, key=lambda n: _keep_score(actual, n), reverse=True)[
            : max(0, len(keep) - svc.replicas)
        ]:
            out.append(
                Action(
                    "stop_instance",
                    node,
                    svc.name,
                    cause=f"{svc.name} has {len(keep)} instances, wants {svc.replicas}",
                )
            )
    return out


# locality -------------------------------------------------------------------------------------


def _slow_nodes(actual: ActualState) -> list[Action]:
    """A node whose every known RTT is slow is avoided (it is the slow end, not its peers)."""
    best: dict[str, float] = {}
    count: dict[str, int] = {}
    for (a, b), v in actual.rtt.items():
        for n in (a, b):
            best[n] = min(best.get(n, v), v)
            count[n] = count.get(n, 0) + 1
    out: list[Action] = []
    for node in sorted(best):
        view = actual.nodes.get(node)
        if view is None or not view.up:
            continue
        if view.avoid_until is not None and actual.now < view.avoid_until:
            continue
        if count[node] >= 2 and best[node] > SLOW_RTT:
            out.append(
                Action(
                    "mark_avoid",
                    node,
                    cause=f"{node}: every RTT sample is over {SLOW_RTT * 1000:.0f} ms "
                    f"(best {best[node] * 1000:.0f} ms)",
                )
            )
    return out
