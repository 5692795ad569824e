"""The network model: per-link latency distributions, loss, and partitions.

A latency distribution is a small object with ``sample(rng) -> seconds``; ``Constant`` also
exposes ``value`` so the mesh can skip the call on its hot path. Links are undirected:
``set_link("a", "b", ...)`` applies both ways.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """Every message takes exactly ``value`` seconds.

    >>> Constant(0.002).sample(random.Random(0))
    0.002
    """

    value: float

    def __post_init__(self) -> None:
        _non_negative("Constant latency", self.value)

    def sample(self, rng: random.Random) -> float:
        return self.value


@dataclass(frozen=True)
class Uniform:
    """Latency drawn uniformly from ``[low, high]`` seconds."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _non_negative("Uniform low", self.low)
        if self.high < self.low:
            raise ValueError(f"Uniform needs low <= high, got low={self.low}, high={self.high}")

    def sample(self, rng: random.Random) -> float:
        return self.low + (self.high - self.low) * rng.random()


@dataclass(frozen=True)
class Exponential:
    """Latency ``base + Exp(mean)`` seconds: a floor plus a long right tail."""

    mean: float
    base: float = 0.0

    def __post_init__(self) -> None:
        if self.mean <= 0:
            raise ValueError(f"Exponential needs mean > 0, got {self.mean}")
        _non_negative("Exponential base", self.base)

    def sample(self, rng: random.Random) -> float:
        return self.base + rng.expovariate(1.0 / self.mean)


@dataclass(frozen=True)
class LogNormal:
    """Latency with median ``median`` seconds and log-space spread ``sigma``."""

    median: float
    sigma: float = 0.5

    def __post_init__(self) -> None:
        if self.median <= 0 or self.sigma < 0:
            raise ValueError(
                f"LogNormal needs median > 0 and sigma >= 0, got {self.median}, {self.sigma}"
            )

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median), self.sigma)


Latency = Constant | Uniform | Exponential | LogNormal


@dataclass(frozen=True)
class Link:
    """How messages travel between two nodes."""

    latency: Latency
    loss: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.loss <= 1.0:
            raise ValueError(f"loss is a probability between 0 and 1, got {self.loss}")


class Network:
    """Links between nodes: a default link, per-pair overrides, and the set of cut pairs."""

    def __init__(
        self,
        *,
        latency: Latency | float = 0.001,
        local_latency: Latency | float = 0.0,
        loss: float = 0.0,
    ) -> None:
        self.default = Link(as_latency(latency), loss)
        self.local = Link(as_latency(local_latency), 0.0)
        self._links: dict[tuple[str, str], Link] = {}
        self.cut: set[tuple[str, str]] = set()  # both orders of every cut pair

    def set_link(
        self, a: str, b: str, *, latency: Latency | float | None = None, loss: float | None = None
    ) -> None:
        """Override the link between nodes ``a`` and ``b`` (both directions)."""
        old = self.link(a, b)
        new = Link(
            as_latency(latency) if latency is not None else old.latency,
            old.loss if loss is None else loss,
        )
        self._links[(a, b)] = self._links[(b, a)] = new

    def link(self, a: str, b: str) -> Link:
        if a == b:
            return self._links.get((a, b), self.local)
        return self._links.get((a, b), self.default)

    def is_cut(self, a: str, b: str) -> bool:
        return (a, b) in self.cut


def as_latency(value: Latency | float) -> Latency:
    """Accept a bare number of seconds as a constant latency."""
    if isinstance(value, int | float):
        return Constant(float(value))
    if not hasattr(value, "sample"):
        raise TypeError(
            f"latency must be seconds or one of Constant, Uniform, Exponential, LogNormal; "
            f"got {value!r}"
        )
    return value


def _non_negative(what: str, value: float) -> None:
    if value < 0:
        raise ValueError(f"{what} must be >= 0 seconds, got {value}")
