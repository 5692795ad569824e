"""Reconciliation: the minimal list of actions that moves the actual state towards the desired.

:func:`plan` is a pure function of the desired and the actual state, so a round can be tested,
replayed and explained on its own. It is deterministic (nodes, daemons and blobs are visited
in sorted order, and ties in placement are broken by name) and minimal: an action already in
flight is counted as done, nothing healthy is touched, and it never plans more copies than a
blob lacks. Every action carries its cause, the sentence an operator reads in the deck.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, Literal

from meshlab.meshos.actual import ActualState, Transfer
from meshlab.meshos.desired import Blob, DesiredState, Service

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
    "anti_entropy",
    "mark_suspect",
    "clear_suspect",
    "suspect_partition",
    "refresh_capabilities",
)
"""Every action the engine can take. The last seven come from the engine's own signals
(storage heat and saturation, a crashing daemon, the nodes' inventories, probe timeouts, a
node leaving maintenance), not from the desired-state diff (see :mod:`meshlab.meshos.watch`)."""

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
    # nodes where a copy may simply stay: the settled check is then one subset test per blob
    steady = {
        n
        for n, v in actual.nodes.items()
        if v.state == "active"
        and v.up
        and not v.cut_off
        and (v.avoid_until is None or actual.now >= v.avoid_until)
    }
    for blob in sorted(desired.blobs, key=lambda b: b.name):
        holders = actual.replicas.get(blob.name, ())
        in_flight = flights.get(blob.name, [])
        if (
            not in_flight
            and len(holders) == blob.replicas
            and (
                steady.issuperset(holders)
                or all(n in steady or n not in actual.nodes for n in holders)
            )
            and (
                not (blob.needs or blob.spread != "node") or _constrained_ok(blob, actual, holders)
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
    zones = _zone_counts(actual, [n for n in present if n not in leaving], arriving, blob)
    out: list[Action] = []

    # Copies on draining nodes, then on avoided (slow) ones, then on nodes that break the
    # blob's constraints (a missing label, a zone shared with another copy), are moved off
    # first, one migration per blob at a time (two concurrent moves of one blob could leave it
    # with no settled copy). A draining node's copy no longer counts, so its move is a copy to
    # come; the others still count until they have moved (a correction, not a repair).
    constrained = bool(blob.needs) or zones is not None
    draining = []
    for n in holders:
        view = actual.nodes.get(n)
        if view is None or not view.up or n in leaving:
            continue
        if not constrained and view.state == "active" and not _avoided(actual, n):
            continue  # the common case, without a call
        prio, why = _misplaced(blob, actual, n, zones, not in_flight)
        if prio >= 0:
            draining.append((prio, n, why))
    draining.sort()
    busy = set(holders) | arriving
    for prio, src, why in [] if leaving else draining[:1]:
        counted = int(src in present)
        if have - counted >= blob.replicas:
            break  # enough copies elsewhere: the node's copy is simply left behind
        cause = f"{blob.name}: {src} {why}"
        if placer.spent():
            return [Action("migrate_blob", "", blob.name, src, cause=cause)]
        # a zone shared by two copies: move only to a zone that holds none
        dst = placer.best(blob, src, busy, zones, empty_zone=prio == 3)
        if dst is None:
            break
        busy.add(dst)
        have += 1 - counted
        if zones is not None:
            _count_zone(zones, _zone(actual, dst), 1)
            if counted:
                _count_zone(zones, _zone(actual, src), -1)
        out.append(Action("migrate_blob", dst, blob.name, src, cause=cause))

    sources = [n for n in present if n not in leaving] or [n for _, n, _ in draining]
    while have < blob.replicas and sources:
        cause = f"{blob.name} has {have} of {blob.replicas} replicas"
        if placer.spent():
            out.append(Action("pull_replica", "", blob.name, cause=cause))
            break
        dst = placer.best(blob, None, busy, zones)
        if dst is None:
            break
        src = min(sources, key=lambda s: (actual.rtt_between(s, dst), s))
        busy.add(dst)
        if zones is not None:
            _count_zone(zones, _zone(actual, dst), 1)
        out.append(Action("pull_replica", dst, blob.name, src, cause=cause))
        have += 1

    # Extra copies (a node that rejoined with a stale duplicate) go only when nothing for this
    # blob is in flight, so a repair and a drop never race each other below the count.
    if not in_flight and not out and len(present) > blob.replicas:
        extra = sorted(present, key=lambda n: _keep_score(actual, n, blob), reverse=True)
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


def _zone(actual: ActualState, node: str) -> str:
    return actual.nodes[node].zone or node


def _count_zone(zones: dict[str, int], zone: str, by: int) -> None:
    zones[zone] = zones.get(zone, 0) + by


def _zone_counts(
    actual: ActualState, settled: list[str], arriving: set[str], blob: Blob
) -> dict[str, int] | None:
    """Copies per zone of a blob that spreads over zones (None for one that does not)."""
    if blob.spread != "zone":
        return None
    out: dict[str, int] = {}
    for n in [*settled, *sorted(arriving)]:
        z = _zone(actual, n)
        out[z] = out.get(z, 0) + 1
    return out


def _misplaced(
    blob: Blob, actual: ActualState, node: str, zones: dict[str, int] | None, quiet: bool
) -> tuple[int, str]:
    """Why a copy should move, with its priority (-1: it may stay). A shared zone is looked at
    only when nothing of the blob is in flight (``quiet``), and the first copy by name stays."""
    view = actual.nodes[node]
    if view.state == "entering_maintenance":
        return 0, "is draining"
    if _avoided(actual, node):
        return 1, f"is avoided ({view.avoid_why})"
    if not view.present():
        return -1, ""
    missing = [x for x in blob.needs if x not in view.labels]
    if missing:
        return 2, f"lacks label{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    if quiet and zones is not None and zones.get(_zone(actual, node), 0) > 1:
        holders = actual.replicas.get(blob.name, set())
        z = _zone(actual, node)
        mates = sorted(n for n in holders if n in actual.nodes and _zone(actual, n) == z)
        if node != mates[0]:
            return 3, f"shares zone {z} with {mates[0]}; {blob.name} spreads over zones"
    return -1, ""


def _constrained_ok(blob: Blob, actual: ActualState, holders: Collection[str]) -> bool:
    """A settled blob's copies meet its labels and, when it spreads over zones, sit in
    distinct zones."""
    zones: set[str] = set()
    for n in holders:
        view = actual.nodes.get(n)
        if view is None:
            continue
        if any(x not in view.labels for x in blob.needs):
            return False
        zones.add(view.zone or n)
    return blob.spread != "zone" or len(zones) == len(holders)


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

    def best(
        self,
        blob: Blob | Service,
        near: str | None,
        busy: set[str],
        zones: dict[str, int] | None = None,
        *,
        empty_zone: bool = False,
    ) -> str | None:
        """The node for a new copy, or None. ``zones`` (copies per zone, for a blob that
        spreads over zones) puts the zone with the fewest copies first; ``empty_zone`` takes
        only a zone with none."""
        order = self._ordered()
        nodes = self.actual.nodes
        if near is None and zones is None and not blob.needs:
            # Without a source to be near, the order is the score: the first fit wins.
            pick = next(
                (i for i, e in enumerate(order) if e[2] not in busy and blob.may_live_on(e[3])),
                None,
            )
        else:
            scored = []
            for i, e in enumerate(order):
                if e[2] in busy or not blob.fits(e[3], nodes[e[2]].labels):
                    continue
                spread = zones.get(nodes[e[2]].zone or e[2], 0) if zones is not None else 0
                if empty_zone and spread:
                    continue
                distance = self.actual.rtt_between(near, e[2]) if near is not None else 0.0
                scored.append(((spread, e[0], distance, e[1], e[2]), i))
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


def _keep_score(
    actual: ActualState, node: str, spec: Blob | Service | None = None
) -> tuple[bool, bool, float, str]:
    """Higher is dropped first: avoided nodes, then ones lacking a needed label, then hot
    ones; names break ties."""
    view = actual.nodes[node]
    avoided = view.avoid_until is not None and actual.now < view.avoid_until
    lacks = spec is not None and any(x not in view.labels for x in spec.needs)
    return (avoided, lacks, round(view.heat, 3), node)


# services -------------------------------------------------------------------------------------


def _services(desired: DesiredState, actual: ActualState) -> list[Action]:
    out: list[Action] = []
    for svc in sorted(desired.services, key=lambda s: s.name):
        on = sorted(
            n
            for n in actual.instances.get(svc.name, set())
            if n in actual.nodes and actual.nodes[n].up
        )
        draining = [
            n
            for n in on
            if actual.nodes[n].state != "active"
            or not svc.fits(desired.role_of(n), actual.nodes[n].labels)
        ]
        for node in draining:
            view = actual.nodes[node]
            why = f"{node} is {view.state}" if view.state != "active" else f"{node} lacks a label"
            out.append(
                Action("stop_instance", node, svc.name, cause=f"{svc.name} on {node}: {why}")
            )
        keep = [n for n in on if n not in draining]
        busy = set(on)
        zones: dict[str, int] = {}
        for n in keep:
            zones[_zone(actual, n)] = zones.get(_zone(actual, n), 0) + 1
        while len(keep) < svc.replicas:
            candidates = [
                n
                for n in sorted(actual.nodes)
                if n not in busy
                and actual.nodes[n].placeable(actual.now)
                and svc.fits(desired.role_of(n), actual.nodes[n].labels)
            ]
            if not candidates:
                break
            node = min(
                candidates,
                key=lambda n: (
                    zones.get(_zone(actual, n), 0) if svc.spread == "zone" else 0,
                    *_place_score(actual, n, None),
                ),
            )
            busy.add(node)
            keep.append(node)
            zones[_zone(actual, node)] = zones.get(_zone(actual, node), 0) + 1
            out.append(
                Action(
                    "start_instance",
                    node,
                    svc.name,
                    cause=f"{svc.name} has {len(keep) - 1} of {svc.replicas} instances",
                )
            )
        for node in sorted(keep, key=lambda n: _keep_score(actual, n, svc), reverse=True)[
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
