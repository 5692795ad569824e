"""Built-in scenarios: small, deterministic meshes that show one idea each.

>>> import meshlab as ml
>>> ml.scenarios.names()
['ping-pong', 'ring', 'spawn-storm', 'supervision-tree', 'node-failure', 'partition']
>>> trace = ml.scenarios.run("ring", seed=3, until=0.5)
>>> trace.meta.scenario, trace.meta.seed
('ring', 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meshlab.sim import Mesh
from meshlab.trace import Trace


@dataclass(frozen=True)
class Scenario:
    """A named recipe: ``build(seed=, nodes=)`` returns a mesh ready to run until ``until``."""

    name: str
    summary: str
    until: float
    nodes: int
    build: Callable[..., Mesh]


_REGISTRY: dict[str, Scenario] = {}


def register(name: str, *, summary: str, until: float, nodes: int):
    """Decorator for a scenario builder ``fn(*, seed, nodes) -> Mesh``."""

    def wrap(fn: Callable[..., Mesh]) -> Callable[..., Mesh]:
        _REGISTRY[name] = Scenario(name, summary, until, nodes, fn)
        return fn

    return wrap


def names() -> list[str]:
    """The built-in scenario names, in a teaching order."""
    return list(_REGISTRY)


def get(name: str) -> Scenario:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of: {', '.join(_REGISTRY)}"
        ) from None


def build(name: str, *, seed: int = 0, nodes: int | None = None) -> tuple[Mesh, float]:
    """A mesh set up for scenario ``name`` (not yet run), and its default ``until``."""
    sc = get(name)
    n = sc.nodes if nodes is None else nodes
    if n < 2:
        raise ValueError(f"scenario {name!r} needs at least 2 nodes, got {n}")
    return sc.build(seed=seed, nodes=n), sc.until


def run(name: str, *, seed: int = 0, until: float | None = None, nodes: int | None = None) -> Trace:
    """Build scenario ``name``, run it to ``until`` (its default if None), return the trace."""
    mesh, default_until = build(name, seed=seed, nodes=nodes)
    mesh.run(until=default_until if until is None else until)
    return mesh.trace


# Registration happens on import; the order here is the order of names().
from meshlab.scenarios import (  # noqa: E402
    node_failure,  # noqa: F401
    partition,  # noqa: F401
    ping_pong,  # noqa: F401
    ring,  # noqa: F401
    spawn_storm,  # noqa: F401
    supervision_tree,  # noqa: F401
)

_ORDER = ["ping-pong", "ring", "spawn-storm", "supervision-tree", "node-failure", "partition"]
_REGISTRY = {k: _REGISTRY[k] for k in _ORDER}
