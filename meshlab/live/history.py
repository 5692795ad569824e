"""Frames of history, encoded once and shared, off the event loop.

A subscriber far behind the head (a client that subscribes from seq 0) reads the feed in
aligned blocks of ``HISTORY_BLOCK`` rows. Each block is encoded in a worker thread, one block
at a time for the whole server, and kept in a small cache, so eight readers from seq 0 cost
about one encoding of the history and the event loop stays free for ``/healthz``, heartbeats
and the live tail.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

import polars as pl

from meshlab.live.protocol import HISTORY_BLOCK

CACHE_BYTES = 32 * 1024 * 1024
"""Most bytes of encoded history kept for sharing between subscribers."""


class History:
    """Encoded history blocks of one feed (``encode`` turns a frame into wire frames)."""

    def __init__(self, encode: Callable[[pl.DataFrame], list[bytes]]) -> None:
        self._encode = encode
        self._cache: OrderedDict[int, list[bytes]] = OrderedDict()
        self._size = 0
        self._pending: dict[int, asyncio.Task[list[bytes]]] = {}
        self._worker = asyncio.Semaphore(1)  # one encoding thread: history never hogs the GIL

    def behind(self, pos: int, head: int) -> bool:
        """Whether ``pos`` is a whole block or more behind ``head`` (the history path)."""
        return head - pos >= HISTORY_BLOCK

    async def read(self, feed, pos: int) -> tuple[list[bytes], int]:
        """Wire frames from ``pos`` to the end of its block, and the position after them."""
        block = pos // HISTORY_BLOCK
        start, end = block * HISTORY_BLOCK, (block + 1) * HISTORY_BLOCK
        if pos != start or start < feed.oldest:
            # a reader off the block grid reads up to the next boundary, uncached
            rows = feed.slice(pos, end - pos)
            async with self._worker:
                frames = await asyncio.to_thread(self._encode, rows)
            return frames, pos + rows.height
        cached = self._cache.get(block)
        if cached is not None:
            self._cache.move_to_end(block)
            return cached, end
        task = self._pending.get(block)
        if task is None:
            # a task of its own, so that a reader who leaves does not cancel the others' wait
            task = asyncio.ensure_future(self._build(feed, block))
            self._pending[block] = task
        return await asyncio.shield(task), end

    async def _build(self, feed, block: int) -> list[bytes]:
        try:
            rows = feed.slice(block * HISTORY_BLOCK, HISTORY_BLOCK)
            async with self._worker:
                frames = await asyncio.to_thread(self._encode, rows)
            self._keep(block, frames)
            return frames
        finally:
            del self._pending[block]

    def _keep(self, block: int, frames: list[bytes]) -> None:
        self._cache[block] = frames
        self._size += sum(len(f) for f in frames)
        while self._size > CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._size -= sum(len(f) for f in old)
