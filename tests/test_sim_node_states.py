"""Cordon, drain and maintenance have real effect on every placement path of the simulator."""

from __future__ import annotations

import polars as pl
import pytest

import meshlab as ml
from meshlab.sim import Actor, ChildSpec, Supervisor
from meshlab.sim.hooks import CLOSED_STATES
from meshlab.trace.invariants import violations


class Idle(Actor):
    pass


class Parent(Actor):
    def __init__(self, n: int) -> None:
        self.n = n

    def started(self, ctx):
        for i in range(self.n):
            ctx.spawn(Idle, name=f"kid-{i}")


class Flaky(Actor):
    def on_boom(self, ctx, _):
        raise RuntimeError("boom")


def where(mesh, ids):
    return [mesh._cells[i].node for i in ids]


@pytest.mark.parametrize("placement", ["round_robin", "random", "least_loaded", "local"])
@pytest.mark.parametrize("state", ["cordon", "drain", "maintenance", "entering_maintenance"])
def test_no_placement_policy_chooses_a_closed_node(placement, state):
    mesh = ml.Mesh(seed=1, nodes=3, placement=placement)
    mesh.set_node_state("n1", state)
    ids = [mesh.spawn(Idle) for _ in range(6)]
    assert "n1" not in where(mesh, ids)
    assert mesh.nodes_placeable() == ["n0", "n2"]
    assert mesh.nodes_up() == ["n0", "n1", "n2"]  # still up: it runs what it has


def test_ctx_spawn_with_local_placement_leaves_a_cordoned_parent_node():
    mesh = ml.Mesh(seed=1, nodes=3, placement="local")
    mesh.spawn(Parent, 0, name="p", node="n1")
    mesh.set_node_state("n1", "cordon")
    mesh.run(until=0.1)
    mesh._cells["p"].behaviour.n = 4
    mesh._cells["p"].behaviour.started(mesh._cells["p"].ctx)
    kids = [f"p/kid-{i}" for i in range(4)]
    assert "n1" not in where(mesh, kids)


def test_a_callable_policy_is_offered_only_nodes_that_take_new_actors():
    seen = []
    mesh = ml.Mesh(seed=1, nodes=3, placement=lambda up: seen.append(list(up)) or up[-1])
    mesh.set_node_state("n2", "cordon")
    assert where(mesh, [mesh.spawn(Idle)]) == ["n1"]
    assert seen == [["n0", "n1"]]


def test_an_explicit_node_that_takes_no_new_actors_is_refused_with_what_to_do():
    mesh = ml.Mesh(seed=1, nodes=2)
    mesh.set_node_state("n1", "cordon")
    with pytest.raises(ValueError, match=r"node 'n1' is cordon and takes no new actors; spawn"):
        mesh.spawn(Idle, node="n1")
    mesh.set_node_state("n1", "up")
    assert where(mesh, [mesh.spawn(Idle, node="n1")]) == ["n1"]


def test_when_no_node_takes_new_actors_the_error_lists_their_states():
    mesh = ml.Mesh(seed=1, nodes=2)
    mesh.set_node_state("n0", "cordon")
    mesh.set_node_state("n1", "maintenance")
    with pytest.raises(RuntimeError, match=r"no node takes new actors \(n0 is cordon, n1 is ma"):
        mesh.spawn(Idle)


def test_a_supervisor_restarts_a_crashed_child_off_its_cordoned_pinned_node():
    mesh = ml.Mesh(seed=1, nodes=3)
    mesh.spawn(Supervisor, [ChildSpec("w", Flaky, node="n1")], intensity=5, name="sup", node="n0")
    mesh.run(until=0.5)
    assert where(mesh, ["sup/w"]) == ["n1"]
    mesh.set_node_state("n1", "cordon")
    mesh.crash("sup/w")
    mesh.run(until=2.0)
    assert mesh.is_alive("sup/w") and where(mesh, ["sup/w"]) != ["n1"]
    mesh.set_node_state("n1", "up")  # open again: a later restart goes home
    mesh.crash("sup/w", at=5.0)
    mesh.run(until=8.0)
    assert where(mesh, ["sup/w"]) == ["n1"]


def test_a_supervisor_starting_its_children_skips_a_closed_pinned_node():
    mesh = ml.Mesh(seed=1, nodes=3)
    mesh.set_node_state("n1", "maintenance")
    mesh.spawn(Supervisor, [ChildSpec("w", Idle, node="n1")], name="sup", node="n0")
    assert mesh.is_alive("sup/w") and where(mesh, ["sup/w"]) != ["n1"]


def drained_mesh():
    mesh = ml.Mesh(seed=3, nodes=3)
    specs = [
        ChildSpec("perm", Idle, node="n1"),
        ChildSpec("trans", Idle, node="n1", restart="transient"),
        ChildSpec("temp", Idle, node="n1", restart="temporary"),
        ChildSpec("inner", Supervisor, ([ChildSpec("leaf", Idle, node="n1")],), node="n1"),
    ]
    # intensity 0: any counted restart would make the supervisor give up
    mesh.spawn(Supervisor, specs, intensity=0, name="sup", node="n0")
    mesh.spawn(Idle, name="loner", node="n1")
    mesh.run(until=1.0)
    return mesh


def test_drain_moves_supervised_actors_off_and_leaves_unsupervised_ones():
    mesh = drained_mesh()
    mesh.set_node_state("n1", "drain", at=2.0)
    mesh.run(until=3.0)
    assert mesh.is_alive("sup")  # moves are not restarts: the intensity is untouched
    for aid in ("sup/perm", "sup/trans", "sup/inner", "sup/inner/leaf"):
        assert mesh.is_alive(aid) and where(mesh, [aid]) != ["n1"], aid
    assert not mesh.is_alive("sup/temp")  # temporary: never restarted, as always
    assert where(mesh, ["loner"]) == ["n1"] and mesh.is_alive("loner")
    ev = mesh.trace.events.filter(pl.col("t") == 2.0)
    stops = ev.filter(pl.col("kind") == "actor_stop")
    # outermost first, by name; the inner supervisor takes its leaf along (a shutdown, not a move)
    assert stops.select("actor", "reason").rows() == [
        ("sup/inner/leaf", "shutdown"),
        ("sup/inner", "drain"),
        ("sup/perm", "drain"),
        ("sup/temp", "drain"),
        ("sup/trans", "drain"),
    ]
    restarts = ev.filter(pl.col("kind") == "actor_restart")
    reasons = dict(restarts.select("actor", "reason").rows())
    # the leaf comes back with its supervisor, which starts its children afresh
    assert reasons == {
        "sup/inner": "drain",
        "sup/inner/leaf": "supervisor_restart",
        "sup/perm": "drain",
        "sup/trans": "drain",
    }
    assert "n1" not in restarts["node"].to_list()
    assert violations(mesh.trace) == []


@pytest.mark.parametrize("state", ["maintenance", "entering_maintenance"])
def test_maintenance_drains_like_drain(state):
    mesh = drained_mesh()
    mesh.set_node_state("n1", state)
    assert not {c.id for c in mesh._cells.values() if c.alive and c.node == "n1"} - {"loner"}


def test_cordon_moves_nothing():
    mesh = drained_mesh()
    mesh.set_node_state("n1", "cordon")
    assert where(mesh, ["sup/perm", "sup/temp"]) == ["n1", "n1"]
    assert mesh.is_alive("sup/temp")


def test_a_drain_with_nowhere_to_go_moves_nothing():
    mesh = drained_mesh()
    mesh.set_node_state("n0", "cordon")
    mesh.set_node_state("n2", "cordon")
    mesh.set_node_state("n1", "drain")
    assert mesh.is_alive("sup/perm") and where(mesh, ["sup/perm"]) == ["n1"]


def test_every_meshos_maintenance_state_but_active_and_cordoned_is_closed():
    from meshlab.meshos.maintenance import STATES

    # MeshOS's cordoned travels as the mesh's cordon; active as up
    assert set(STATES) - {"active", "cordoned"} <= set(CLOSED_STATES)


def test_meshos_maintenance_closes_the_node_to_every_placement_path():
    from meshlab.meshos import Daemon, DesiredState, MeshOS

    mesh = ml.Mesh(seed=2, nodes=3)
    engine = MeshOS(mesh, DesiredState(daemons=(Daemon("agent", essential=True), Daemon("c"))))
    mesh.spawn(Supervisor, [ChildSpec("w", Idle, node="n1")], name="sup", node="n0")
    engine.admin("enter_maintenance", "n1", at=5.0)
    engine.admin("exit_maintenance", "n1", at=20.0)
    mesh.run(until=6.0)
    assert where(mesh, ["sup/w"]) != ["n1"]  # moved off when the drain began
    assert "n1" not in where(mesh, [mesh.spawn(Idle) for _ in range(4)])
    with pytest.raises(ValueError, match=r"is (entering_)?maintenance and takes no new actors"):
        mesh.spawn(Idle, node="n1")
    assert mesh.is_alive("agent@n1") and not mesh.is_alive("c@n1")
    mesh.run(until=45.0)  # exits: its daemons start again there, then it warms up
    assert engine.actual.nodes["n1"].state == "active" and mesh.node_state("n1") == "up"
    assert mesh.is_alive("c@n1")
    assert where(mesh, [mesh.spawn(Idle, node="n1")]) == ["n1"]
