"""What a built-in scenario is: a name, a sentence, defaults, and a builder of the mesh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meshlab.sim import Mesh


@dataclass(frozen=True)
class Scenario:
    """A named recipe: ``build(seed=, nodes=)`` returns a mesh ready to run until ``until``.

    Every built-in scenario draws from its mesh's seeded RNG (latencies, jitter), so another
    seed gives another run; ``tests/test_determinism.py`` checks it for each."""

    name: str
    summary: str
    until: float
    nodes: int
    build: Callable[..., Mesh]
