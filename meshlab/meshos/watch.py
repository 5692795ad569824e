"""The engine's watchers: signals beyond liveness that change what the reconciler sees.

- **Saturation.** Daemons report their load with each heartbeat (1.0: at capacity). A node
  whose daemons report ``Policy.saturated`` or more is hot at once (``reduce_heat``: placement
  prefers other nodes) and avoided once it stays so for ``saturation_for`` seconds
  (``mark_avoid``, its copies moved off).
- **Anti-entropy.** Every ``audit_every`` seconds each live node reports what its disk really
  holds; a copy the engine counted and the node no longer has (lost silently), or one the node
  has and the engine did not count, is corrected by an ``anti_entropy`` action that says which,
  and the reconciler repairs the count.
- **Partition suspicion.** A probe that gets no reply within ``probe_timeout`` is recorded as
  an ``rtt_sample`` with reason ``timeout``; ``suspect_after`` of them in a row mark the link
  suspect (``mark_suspect``; a reply clears it: ``clear_suspect``). A node whose links to most
  of its live peers are suspect is cut off (a ``suspect_partition`` action that runs until its
  probes get through): its copies neither count nor serve, and nothing is placed on it, before
  node health says anything.
- **Capability refresh.** A node leaving maintenance re-reads its capabilities (labels, zone)
  and forgets its RTT samples once its daemons report healthy (``refresh_capabilities``), so a
  node that came back with different hardware is placed on by what it is now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meshlab.meshos.plan import Action

if TYPE_CHECKING:
    from meshlab.meshos.engine import MeshOS


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# saturation ------------------------------------------------------------------------------------


def watch_saturation(os_: MeshOS) -> None:
    """Each node's saturation is the highest load its running daemons last reported."""
    p, actual, now = os_.policy, os_.actual, os_.mesh.now
    if p.saturated <= 0 or not os_._loads:
        return
    worst: dict[str, tuple[float, str]] = {}
    for (node, name), load in os_._loads.items():
        dv = actual.daemons.get((node, name))
        if dv is None or dv.status != "running":
            continue
        if load > worst.get(node, (0.0, ""))[0]:
            worst[node] = (load, name)
    for node in sorted(actual.nodes):
        view = actual.nodes[node]
        load, daemon = worst.get(node, (0.0, ""))
        view.saturation = load
        if not view.up or load < p.saturated:
            os_._saturated_since.pop(node, None)
            continue
        since = os_._saturated_since.get(node)
        if since is None:
            os_._saturated_since[node] = now
            os_._instant(
                Action(
                    "reduce_heat",
                    node,
                    daemon,
                    cause=f"{node} saturated: {daemon} reports load {load:.2f} "
                    f"(>= {p.saturated:g}); placement prefers other nodes",
                ),
                target=f"{daemon}@{node}",
            )
        elif now - since >= p.saturation_for and not _avoided(os_, node):
            os_._saturated_since[node] = now
            view.avoid_until = now + p.avoid_for
            view.avoid_why = "saturated"
            os_._instant(
                Action(
                    "mark_avoid",
                    node,
                    cause=f"{node}: {daemon} saturated for {now - since:g} s "
                    f"(load {load:.2f}); avoided for {p.avoid_for:g} s",
                ),
                duration=p.avoid_for,
            )


def _avoided(os_: MeshOS, node: str) -> bool:
    until = os_.actual.nodes[node].avoid_until
    return until is not None and os_.mesh.now < until


# anti-entropy ------------------------------------------------------------------------------------


def audit(os_: MeshOS, _: Any = None) -> None:
    """Ask every live node for its inventory; the answers enter the loop as one input."""
    reports = tuple(
        (node, frozenset(os_._disk.get(node, ())))
        for node in sorted(n for n, v in os_.actual.nodes.items() if v.up)
    )
    os_.signal("inventory", reports)
    os_.mesh.schedule(os_.mesh.now + os_.policy.audit_every, os_._audit, None)


def on_inventory(os_: MeshOS, reports: tuple[tuple[str, frozenset[str]], ...]) -> None:
    """Compare each node's report with what the engine counts on it (one pass over the
    engine's replicas for all the reports)."""
    believed: dict[str, set[str]] = {}
    for blob, holders in os_.actual.replicas.items():
        for node in holders:
            believed.setdefault(node, set()).add(blob)
    for node, held in reports:
        if os_.actual.nodes[node].up:
            _compare(os_, node, held, believed.get(node, set()))


def _compare(os_: MeshOS, node: str, held: frozenset[str], believed: set[str]) -> None:
    actual = os_.actual
    if held == believed:
        return
    for blob in sorted(believed - held):
        os_._instant(
            Action(
                "anti_entropy",
                node,
                blob,
                cause=f"anti-entropy: {node} reports no copy of {blob}, the engine counted "
                "one (lost silently); the count is corrected and the reconciler repairs it",
            ),
            target=blob,
        )
        actual.replicas[blob].discard(node)
        os_._emit("replica_drop", node, msg_type=blob, reason="lost")
    for blob in sorted(held - believed):
        os_._instant(
            Action(
                "anti_entropy",
                node,
                blob,
                cause=f"anti-entropy: {node} holds a copy of {blob} the engine did not count; "
                "it counts again (an extra copy is dropped)",
            ),
            target=blob,
        )
        actual.replicas.setdefault(blob, set()).add(node)
        os_._emit(
            "replica_add", node, msg_type=blob, size=os_.desired.blob(blob).size, reason="found"
        )


# partition suspicion ---------------------------------------------------------------------------


def probe_lost(os_: MeshOS, probe: tuple[str, str]) -> None:
    """A probe across a cut never returns: at its timeout it is recorded as one."""
    a, b = probe
    if not os_.actual.nodes[a].up:
        return
    os_._emit("rtt_sample", a, peer=b, duration=os_.policy.probe_timeout, reason="timeout")
    os_.signal("timeout", a, b)


def on_timeout(os_: MeshOS, a: str, b: str) -> None:
    key = pair(a, b)
    n = os_._timeouts.get(key, 0) + 1
    os_._timeouts[key] = n
    if n >= os_.policy.suspect_after and key not in os_.actual.suspect:
        os_.actual.suspect.add(key)
        os_._instant(
            Action(
                "mark_suspect",
                a,
                src=b,
                cause=f"{a}-{b}: {n} probes in a row timed out "
                f"(after {os_.policy.probe_timeout:g} s); the link is suspected cut",
            )
        )


def on_reply(os_: MeshOS, a: str, b: str, rtt: float) -> None:
    key = pair(a, b)
    os_._timeouts.pop(key, None)
    os_._heard.update((a, b))
    if key in os_.actual.suspect:
        os_.actual.suspect.discard(key)
        os_._instant(
            Action(
                "clear_suspect",
                a,
                src=b,
                cause=f"{a}-{b}: a probe returned in {rtt * 1000:.1f} ms; "
                "the link is trusted again",
            )
        )


def watch_partitions(os_: MeshOS) -> None:
    """A node whose links to most of its live peers are suspect is cut off, until they are
    not and a probe of it has got through since (a peer coming back up changes the count, not
    the link: without the reply the node would flap). The majority side of a cut keeps
    working; the minority stops counting."""
    actual = os_.actual
    up = {n for n, v in actual.nodes.items() if v.up}
    degree = dict.fromkeys(up, 0)
    for a, b in actual.suspect:
        if a in up and b in up:
            degree[a] += 1
            degree[b] += 1
    peers = len(up) - 1
    for node in sorted(actual.nodes):
        view = actual.nodes[node]
        cut = node in up and peers > 0 and 2 * degree.get(node, 0) > peers
        if cut and not view.cut_off:
            view.cut_off = True
            os_._heard.discard(node)
            os_._cut_actions[node] = os_._begin(
                Action(
                    "suspect_partition",
                    node,
                    cause=f"{node}: probes to {degree[node]} of its {peers} peers time out; "
                    "a partition is suspected (node health says nothing yet), so its copies "
                    "do not count and nothing is placed on it",
                )
            )
        elif view.cut_off and not cut and node in os_._heard:
            view.cut_off = False
            aid = os_._cut_actions.pop(node, None)
            if aid is not None and aid in os_._running:
                os_._end(aid, "ok")


def forget_node_links(os_: MeshOS, node: str) -> None:
    """Drop what the probes knew about a node (it went down, or left maintenance)."""
    actual = os_.actual
    for key in [k for k in actual.rtt if node in k]:
        del actual.rtt[key]
    for key in [k for k in actual.suspect if node in k]:
        actual.suspect.discard(key)
    for key in [k for k in os_._timeouts if node in k]:
        del os_._timeouts[key]


# capabilities ----------------------------------------------------------------------------------


def refresh_capabilities(os_: MeshOS, node: str, why: str) -> None:
    """Re-read a node's capabilities: the labels and zone it last reported, and fresh RTT."""
    view = os_.actual.nodes[node]
    labels, zone = os_._caps.pop(node, (view.labels, view.zone))
    changes = []
    if labels != view.labels:
        changes.append(f"labels {_labels(view.labels)} -> {_labels(labels)}")
    if zone != view.zone:
        changes.append(f"zone {view.zone or node} -> {zone or node}")
    view.labels, view.zone = labels, zone
    forget_node_links(os_, node)
    what = "; ".join(changes) if changes else f"labels {_labels(labels)}, zone {zone or node}"
    os_._instant(
        Action(
            "refresh_capabilities",
            node,
            cause=f"{node} {why}: capabilities re-read ({what}); its RTT samples are "
            "forgotten until probed again",
        )
    )


def _labels(labels: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(labels)) + "}"
