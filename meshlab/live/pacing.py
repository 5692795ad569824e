"""A source clock paced to wall time: virtual seconds advance at ``speed`` per wall second.

Pausing freezes it and a speed change rebases it, so virtual time never jumps.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class PacedClock:
    """Virtual time driven by a wall clock.

    Examples
    --------
    >>> wall = [100.0]
    >>> clock = PacedClock(speed=2.0, start=0.0, wall=lambda: wall[0])
    >>> wall[0] = 101.0; clock.now()
    2.0
    >>> clock.pause(); wall[0] = 105.0; clock.now()
    2.0
    >>> clock.resume(); clock.set_speed(0.5); wall[0] = 107.0; clock.now()
    3.0
    """

    def __init__(
        self,
        *,
        speed: float = 1.0,
        start: float = 0.0,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        self._wall = wall
        self._speed = float(speed)
        self._anchor_virtual = float(start)
        self._anchor_wall = wall()
        self._paused = False

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def now(self) -> float:
        if self._paused:
            return self._anchor_virtual
        return self._anchor_virtual + (self._wall() - self._anchor_wall) * self._speed

    def _rebase(self) -> None:
        self._anchor_virtual = self.now()
        self._anchor_wall = self._wall()

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._rebase()
        self._paused = False

    def set_speed(self, speed: float) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        self._rebase()
        self._speed = float(speed)

    def hold(self, virtual_t: float) -> None:
        """Set the clock back to ``virtual_t`` if it is past it: the source could not keep
        up, so virtual time runs slower than ``speed`` rather than leaving the events behind."""
        if self.now() > virtual_t:
            self._anchor_virtual = float(virtual_t)
            self._anchor_wall = self._wall()

    def wall_delay(self, virtual_t: float) -> float:
        """Wall seconds until virtual time reaches ``virtual_t`` (inf while paused)."""
        ahead = virtual_t - self.now()
        if ahead <= 0:
            return 0.0
        return float("inf") if self._paused else ahead / self._speed
