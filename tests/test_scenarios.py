"""The built-in scenarios: one explicit, ordered list, and nothing left out of it."""

import importlib
import pkgutil

import meshlab as ml
import meshlab.scenarios
from meshlab.scenarios import SCENARIOS, Scenario


def scenario_modules() -> dict[str, Scenario]:
    """Every module of the scenarios package that defines a SCENARIO."""
    found = {}
    for info in pkgutil.iter_modules(meshlab.scenarios.__path__):
        module = importlib.import_module(f"meshlab.scenarios.{info.name}")
        if isinstance(getattr(module, "SCENARIO", None), Scenario):
            found[info.name] = module.SCENARIO
    return found


def test_every_scenario_module_is_in_the_list_once():
    defined = scenario_modules()
    assert len(defined) == 10
    assert sorted(sc.name for sc in defined.values()) == sorted(ml.scenarios.names())
    assert all(sc in SCENARIOS for sc in defined.values())
    assert len(set(ml.scenarios.names())) == len(SCENARIOS)


def test_the_list_is_in_teaching_order_and_every_entry_is_complete():
    assert ml.scenarios.names() == [
        "ping-pong", "ring", "spawn-storm", "supervision-tree", "node-failure", "partition",
        "maintenance-drain", "replica-repair", "crash-loop", "slow-node",
    ]  # fmt: skip
    for sc in SCENARIOS:
        assert ml.scenarios.get(sc.name) is sc
        assert sc.summary and sc.until > 0 and sc.nodes >= 2
        mesh, until = ml.scenarios.build(sc.name, seed=0)
        assert until == sc.until and mesh.scenario == sc.name and len(mesh.nodes_up()) == sc.nodes
