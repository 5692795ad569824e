"""Partial partitions for the canvas tests: simulated meshes where single links are cut
(``Mesh.cut``) so that two nodes cannot talk directly but still reach each other through a
third, and what the canvas must say about them, computed here from the trace alone."""

from __future__ import annotations

import polars as pl

import meshlab as ml
from meshlab.scenarios.partition import Replica, Writer
from meshlab.sim import Uniform

CUT_AT, HEAL_AT, UNTIL = 2.0, 5.0, 7.0


def partial_trace(nodes: int, cuts: list[tuple[str, str]], *, seed: int = 1) -> ml.Trace:
    """A writer on n0 replicating to a replica on every other node every 50 ms; ``cuts`` are cut
    at t=2 and healed at t=5, so updates across a cut link are dropped meanwhile."""
    mesh = ml.Mesh(seed=seed, nodes=nodes, latency=Uniform(0.003, 0.005))
    names = mesh.nodes_up()
    replicas = [f"replica@{n}" for n in names[1:]]
    for r, n in zip(replicas, names[1:], strict=True):
        mesh.spawn(Replica, name=r, node=n)
    mesh.spawn(Writer, replicas, 0.05, name="writer", node=names[0])
    for a, b in cuts:
        mesh.cut(a, b, at=CUT_AT)
    mesh.heal(at=HEAL_AT)
    mesh.run(until=UNTIL)
    return mesh.trace


def bridged_split() -> list[tuple[str, str]]:
    """{n0, n1} cannot reach {n2, n3}; every other node reaches both: the textbook partial
    partition (on 5 nodes n4 alone bridges them)."""
    return [(a, b) for a in ("n0", "n1") for b in ("n2", "n3")]


def _num(name: str) -> int:
    return int(name[1:])


def sides(trace: ml.Trace, t: float) -> str:
    """The canvas's data-sides at ``t``: the nodes that reach each other (``,``), groups
    ``|``-separated in order of their first node, or "" when everyone reaches everyone."""
    up, cut = _network(trace, t)
    groups: list[list[str]] = []
    for n in sorted(up, key=_num):
        if not any(n in g for g in groups):
            groups.append(sorted(_reach(n, up, cut), key=_num))
    return "|".join(",".join(g) for g in groups) if len(groups) > 1 else ""


def _network(trace: ml.Trace, t: float) -> tuple[set[str], set[frozenset[str]]]:
    """The nodes up and the links cut at ``t``."""
    ev = trace.events.filter(pl.col("t") <= t)
    up: set[str] = set()
    cut: set[frozenset[str]] = set()
    for kind, node, peer in ev.select(
        pl.col("kind").cast(pl.String), pl.col("node"), pl.col("peer")
    ).iter_rows():
        if kind in ("node_join", "node_up"):
            up.add(node)
        elif kind in ("node_down", "node_leave"):
            up.discard(node)
        elif kind == "link_down":
            cut.add(frozenset((node, peer)))
        elif kind == "link_up":
            cut.discard(frozenset((node, peer)))
    return up, cut


def _reach(a: str, up: set[str], cut: set[frozenset[str]]) -> set[str]:
    seen, todo = {a}, [a]
    while todo:
        u = todo.pop()
        for v in up - seen:
            if frozenset((u, v)) not in cut:
                seen.add(v)
                todo.append(v)
    return seen


def cut_pairs_and_bridges(trace: ml.Trace, t: float) -> dict[tuple[str, str], list[str]]:
    """The links cut at ``t`` between nodes that still reach each other, each with the nodes
    that reach both ends directly (its bridges), from the trace's events up to ``t``."""
    up, cut = _network(trace, t)
    out: dict[tuple[str, str], list[str]] = {}
    for link in cut:
        a, b = sorted(link, key=_num)
        if a in up and b in up and b in _reach(a, up, cut):
            out[(a, b)] = sorted(
                (
                    c
                    for c in up - {a, b}
                    if frozenset((a, c)) not in cut and frozenset((b, c)) not in cut
                ),
                key=_num,
            )
    return out
