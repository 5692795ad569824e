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
    assert len(defined) == 11
    assert sorted(sc.name for sc in defined.values()) == sorted(ml.scenarios.names())
    assert all(sc in SCENARIOS for sc in defined.values())
    assert len(set(ml.scenarios.names())) == len(SCENARIOS)


def test_the_list_is_in_teaching_order_and_every_entry_is_complete():
    assert ml.scenarios.names() == [
        "ping-pong", "ring", "spawn-storm", "supervision-tree", "node-failure", "partition",
        "partial-partition", "maintenance-drain", "replica-repair", "crash-loop", "slow-node",
    ]  # fmt: skip
    for sc in SCENARIOS:
        assert ml.scenarios.get(sc.name) is sc
        assert sc.summary and sc.until > 0 and sc.nodes >= 2
        mesh, until = ml.scenarios.build(sc.name, seed=0)
        assert until == sc.until and mesh.scenario == sc.name and len(mesh.nodes_up()) == sc.nodes


def test_partial_partition_detours_through_the_bridge_only_while_cut():
    """partial-partition: direct updates from n0 to n2 and n3 are dropped between the cut at
    t=2 and the heal at t=5, the relay on n4 carries them meanwhile, and direct acks resume."""
    import polars as pl

    ev = ml.scenarios.run("partial-partition", seed=1).events
    cut = pl.col("t").is_between(2.0, 5.0, closed="left")
    links = ev.filter(pl.col("kind").cast(pl.String).str.starts_with("link_"))
    assert sorted(links.select("kind", "node", "peer").rows()) == [
        (k, a, b) for k in ("link_down", "link_up") for a in ("n0", "n1") for b in ("n2", "n3")
    ]
    drops = ev.filter(pl.col("kind") == "msg_drop")
    assert drops.height > 0 and set(drops["reason"]) == {"partition"}
    assert drops["t"].min() >= 2.0 and drops["t"].max() < 5.0
    via = ev.filter((pl.col("kind") == "msg_recv") & (pl.col("msg_type") == "via"))
    assert set(via["actor"]) == {"relay@n4"} and via.filter(cut).height > 0
    # the detour starts once the direct path is silent for 0.2 s and stops at the first direct
    # ack after the heal (a tick and a round trip later)
    assert via["t"].min() > 2.2 and via["t"].max() < 5.1
    # the relay delivers to both far replicas during the cut; the writer hears direct acks after
    relayed = ev.filter(
        (pl.col("kind") == "msg_recv")
        & (pl.col("msg_type") == "update")
        & (pl.col("peer") == "relay@n4")
    )
    assert set(relayed["actor"]) == {"replica@n2", "replica@n3"}
    direct_acks = ev.filter(
        (pl.col("kind") == "msg_recv")
        & (pl.col("actor") == "writer")
        & (pl.col("msg_type") == "ack")
    )
    for r in ("replica@n2", "replica@n3"):
        assert direct_acks.filter((pl.col("peer") == r) & (pl.col("t") > 5.0)).height > 0
