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

_NO_LIMIT = 2**63 - 1  # LLONG_MAX, what the compiled core holds for "no limit"


class Kernel:
    """Virtual clock plus a deterministic agenda of ``(t, seq, fn, arg)`` entries."""

    def __init__(self) -> None:
        self.now: float = 0.0
        self._heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._ticket = 0  # tie-breaker: scheduling order
        # Limits against runaway code (see ``limits.py``): entries run in all and at the
        # current instant, their caps, and which cap stopped the last run (0: none, 1: the
        # per-instant cap, 2: the total). The compiled core keeps the same counters.
        self._steps = self._same = 0
        self._max_steps = self._max_same = _NO_LIMIT
        self._limit_hit = 0

    def schedule(self, at: float, fn: Callable[[Any], None], arg: Any = None) -> None:
        """Run ``fn(arg)`` at virtual time ``at`` (never in the past)."""
        if at < self.now:
            raise ValueError(f"cannot schedule at t={at}, which is before now (t={self.now})")
        self._ticket += 1
        heappush(self._heap, (at, self._ticket, fn, arg))

    def peek(self) -> float:
        """Time of the next pending entry, or infinity when there is none."""
        return self._heap[0][0] if self._heap else math.inf

    def _over_limit(self, at: float) -> int:
        """0 when an entry at ``at`` may run (and count it), else the limit it would break."""
        if at == self.now:
            if self._same >= self._max_same:
                return 1
            self._same += 1
        else:
            self._same = 1
        if self._steps >= self._max_steps:
            return 2
        self._steps += 1
        return 0

    def step(self) -> bool:
        """Run the next pending entry; return False when there was none (or a limit hit)."""
        if not self._heap:
            return False
        self._limit_hit = self._over_limit(self._heap[0][0])
        if self._limit_hit:
            return False
        at, _, fn, arg = heappop(self._heap)
        self.now = at
        fn(arg)
        return True

    def run_kernel(self, until: float) -> None:
        """Run every entry with time ``<= until``, then set the clock to ``until``."""
        heap = self._heap
        pop = heappop
        self._limit_hit = 0
        # The counters live in locals while entries run (an attribute write per entry would
        # cost); they are stored back when the loop ends, by a limit, an error or the end.
        steps, same, now = self._steps, self._same, self.now
        max_steps, max_same = self._max_steps, self._max_same
        try:
            while heap and heap[0][0] <= until:
                at = heap[0][0]
                if at == now:
                    if same >= max_same:
                        self._limit_hit = 1
                        return
                    same += 1
                else:
                    same = 1
                if steps >= max_steps:
                    self._limit_hit = 2
                    return
                steps += 1
                at, _, fn, arg = pop(heap)
                self.now = now = at
                fn(arg)
        finally:
            self._steps, self._same = steps, same
        if until != math.inf and until > self.now:
            self.now = until
