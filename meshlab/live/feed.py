"""The server side's store of the events a node has published, addressable by ``seq``.

Sources (a paced simulation, a replayed trace, an emitter) append contract frames whose
``seq`` continues the feed without a gap; each subscriber reads slices from its own
position and waits for more. Everything runs on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Callable

import polars as pl

from meshlab.events import empty_frame


class Feed:
    """Append-only, seq-addressed events, optionally keeping only the newest ``retain`` rows.

    Examples
    --------
    >>> import polars as pl
    >>> from meshlab.events import SCHEMA
    >>> feed = Feed()
    >>> rows = {"seq": [0, 1], "t": [0.0, 0.5], "kind": ["node_join"] * 2, "node": ["a", "b"]}
    >>> feed.append(pl.DataFrame(rows).with_columns(
    ...     [pl.lit(None, SCHEMA[c]).alias(c) for c in SCHEMA if c not in rows]
    ... ).with_columns(incarnation=pl.lit(0, pl.UInt32)).select(list(SCHEMA)).cast(SCHEMA))
    >>> feed.head, feed.slice(1, 10)["node"].to_list()
    (2, ['b'])
    """

    def __init__(self, *, retain: int | None = None) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._starts: list[int] = []
        self.head = 0  # the seq the next appended event will carry
        self.oldest = 0  # the oldest seq still held
        self._retain = retain
        self._listeners: list[Callable[[pl.DataFrame], None]] = []
        self._changed = asyncio.Event() if _has_loop() else None

    def add_listener(self, fn: Callable[[pl.DataFrame], None]) -> None:
        """Call ``fn(new_rows)`` after every append (metrics, state tracking)."""
        self._listeners.append(fn)

    def append(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        first = int(df["seq"][0])
        if first != self.head:
            raise ValueError(
                f"feed expected seq {self.head} next but was given {first}; sources must "
                "number their events without gaps"
            )
        self._chunks.append(df)
        self._starts.append(first)
        self.head = first + df.height
        self._evict()
        for fn in self._listeners:
            fn(df)
        self.notify()

    def notify(self) -> None:
        """Wake subscribers (new rows, or a state change they report in heartbeats)."""
        if self._changed is None:
            return
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Wait until the next append or notify, or ``timeout`` seconds."""
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait()

    def slice(self, from_seq: int, max_rows: int) -> pl.DataFrame:
        """Up to ``max_rows`` events from ``from_seq`` (empty when there are none yet)."""
        if from_seq >= self.head or not self._chunks:
            return empty_frame()
        from_seq = max(from_seq, self.oldest)
        i = bisect.bisect_right(self._starts, from_seq) - 1
        parts: list[pl.DataFrame] = []
        taken = 0
        while i < len(self._chunks) and taken < max_rows:
            chunk = self._chunks[i]
            offset = from_seq - self._starts[i] if not parts else 0
            part = chunk.slice(offset, max_rows - taken)
            parts.append(part)
            taken += part.height
            i += 1
        return parts[0] if len(parts) == 1 else pl.concat(parts, rechunk=False)

    def _evict(self) -> None:
        if self._retain is None:
            return
        while len(self._chunks) > 1 and self.head - self._starts[1] >= self._retain:
            self._chunks.pop(0)
            self._starts.pop(0)
        self.oldest = self._starts[0]


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
