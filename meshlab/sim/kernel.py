"""The discrete-event kernel: virtual time and a heap of pending callbacks.

Like SimPy's core, an entry is keyed by ``(time, sequence)`` so that events at the same
instant run in the order they were scheduled; with one seeded RNG per mesh this makes a run
a pure function of its scenario and seed. The kernel knows nothing about actors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any


class Kernel:
    """Virtual clock plus a deterministic agenda of ``(t, seq, fn, arg)`` entries."""

    def __init__(self) -> None:
        self.now: float = 0.0
        self._heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._ticket = 0  # tie-breaker: scheduling order

    def schedule(self, at: float, fn: Callable[[Any], None], arg: Any = None) -> None:
        """Run ``fn(arg)`` at virtual time ``at`` (never in the past)."""
        if at < self.now:
            raise ValueError(f"cannot schedule at t={at}, which is before now (t={self.now})")
        self._ticket += 1
        heappush(self._heap, (at, self._ticket, fn, arg))

    def peek(self) -> float:
        """Time of the next pending entry, or infinity when there is none."""
        return self._heap[0][0] if self._heap else math.inf

    def step(self) -> bool:
        """Run the next pending entry; return False when there was none."""
        if not self._heap:
            return False
        at, _, fn, arg = heappop(self._heap)
        self.now = at
        fn(arg)
        return True

    def run_kernel(self, until: float) -> None:
        """Run every entry with time ``<= until``, then set the clock to ``until``."""
        heap = self._heap
        pop = heappop
        while heap and heap[0][0] <= until:
            at, _, fn, arg = pop(heap)
            self.now = at
            fn(arg)
        if until != math.inf and until > self.now:
            self.now = until
