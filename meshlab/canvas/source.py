"""Adapting what a Canvas is given to one appending feed of event frames.

A :class:`~meshlab.Trace` is a feed that never grows. Anything with ``.meta``,
``.events_since(seq)`` and ``.add_listener(fn) -> unsubscribe`` (a running ``Mesh``, a live
client) is a feed that grows; ``fn`` may be called from another thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import polars as pl

from meshlab.trace import Trace, TraceMeta


@runtime_checkable
class EventSource(Protocol):
    """The event source protocol shared by the simulator and live clients."""

    @property
    def meta(self) -> TraceMeta: ...

    def events_since(self, seq: int) -> pl.DataFrame: ...

    def add_listener(self, fn: Callable[[], None]) -> Callable[[], None]: ...


class Feed:
    """Pulls new events from a source; ``appending`` tells if more can arrive later."""

    def __init__(self, source: Any) -> None:
        if isinstance(source, pl.DataFrame):
            source = Trace(source)
        if isinstance(source, Trace):
            self.meta = source.meta
            self._trace: Trace | None = source
            self._source: EventSource | None = None
        elif all(hasattr(source, a) for a in ("events_since", "add_listener")):
            self.meta = source.meta
            self._trace = None
            self._source = source
        else:
            raise TypeError(
                f"Canvas needs a Trace, an event frame, or an event source with .meta, "
                f".events_since(seq) and .add_listener(fn) (a Mesh, a live client); "
                f"got {type(source).__name__}"
            )
        self.next_seq = 0

    @property
    def appending(self) -> bool:
        return self._source is not None

    @property
    def live(self) -> bool:
        """A live stream in wall time: the view follows its newest events by default."""
        return self.appending and self.meta.source == "live"

    def pull(self) -> pl.DataFrame:
        """Events not pulled before (all of a trace, on the first call)."""
        if self._trace is not None:
            if self.next_seq:
                return self._trace.events.clear()
            events = self._trace.events
        else:
            assert self._source is not None  # __init__ keeps a trace or a source
            events = self._source.events_since(self.next_seq)
        if events.height:
            self.next_seq = int(events["seq"][-1]) + 1
        return events

    def subscribe(self, fn: Callable[[], None]) -> Callable[[], None]:
        if self._source is None:
            return lambda: None
        return self._source.add_listener(fn)
