"""Trace: a recorded run as a polars frame in the event contract, plus its metadata.

The frame is the truth; every query and view is derived from it. Storage lives in
:mod:`meshlab.trace.storage`, the state fold in :mod:`meshlab.trace.fold`, the other queries
in :mod:`meshlab.trace.queries`; this class is the one place a user meets them. Storage knows
frames and metadata only, so it never imports this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import polars as pl

from meshlab.events import validate
from meshlab.trace import storage
from meshlab.trace.meta import TraceMeta

if TYPE_CHECKING:
    from meshlab.trace.fold import State

_T = TypeVar("_T")


class Trace:
    """A recorded run: ``events`` (a polars DataFrame in the event contract) and ``meta``.

    Examples
    --------
    >>> import meshlab as ml
    >>> trace = ml.scenarios.run("ping-pong", seed=1, until=1.0)
    >>> trace.meta.scenario
    'ping-pong'
    >>> trace.events.columns[:4]
    ['seq', 't', 'kind', 'node']
    """

    __slots__ = ("_derived", "_events", "meta")

    def __init__(
        self, events: pl.DataFrame, meta: TraceMeta | None = None, *, check: bool = True
    ) -> None:
        self._events = validate(events) if check else events
        self.meta = meta or TraceMeta()
        self._derived: dict[str, Any] = {}  # see cached()

    @property
    def events(self) -> pl.DataFrame:
        """The events, one row per event, ordered by ``seq``."""
        return self._events

    def __len__(self) -> int:
        return self._events.height

    def __repr__(self) -> str:
        m = self.meta
        what = m.scenario or m.source
        span = ""
        if self._events.height:
            t = self._events["t"]
            span = f", t={t.min():.3f}..{t.max():.3f}"  # type: ignore[str-bytes-safe]
        return f"<Trace {what!r} seed={m.seed} events={len(self)}{span}>"

    def cached(self, key: str, build: Callable[[pl.DataFrame], _T]) -> _T:
        """``build(self.events)``, computed once per trace and kept under ``key``.

        The one place derived tables (the fold's keyframes, the per-message table) live, so
        the modules that build them never reach into a trace's private state.
        """
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build(self._events)
            return value

    def digest(self) -> str:
        """SHA-256 of the events and metadata: equal digests mean byte-identical traces."""
        h = hashlib.sha256()
        for chunk in storage.log_chunks(self._events, self.meta, storage.DIGEST_FRAME_ROWS):
            h.update(chunk)
        return h.hexdigest()

    # storage ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write to ``.parquet`` (columnar, compact) or ``.mlog`` (append-only msgpack log)."""
        return storage.save(self._events, self.meta, path)

    @staticmethod
    def load(path: str | Path, *, recover: bool = False) -> Trace:
        """Read a trace written by :meth:`save` (or by a live recorder); see ``meshlab.load``."""
        return load(path, recover=recover)

    # queries (meshlab.trace.fold, meshlab.trace.queries) ------------------------------
    def state_at(self, t: float, *, hung_after: float = 5.0) -> State:
        """Every node and actor at time ``t``; see :func:`meshlab.trace.fold.state_at`."""
        from meshlab.trace.fold import state_at

        return state_at(self, t, hung_after=hung_after)

    def behaviour_at(self, t: float, *, window: float = 30.0) -> Any:
        """What a MeshOS engine is doing at ``t``; see :func:`meshlab.meshos.behaviour_at`."""
        from meshlab.meshos.behaviour import behaviour_at

        return behaviour_at(self, t, window=window)

    def in_flight(self, t: float) -> pl.DataFrame:
        """Messages travelling at ``t``; see :func:`meshlab.trace.queries.in_flight`."""
        from meshlab.trace.queries import in_flight

        return in_flight(self, t)

    def flows(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        by: Literal["node", "actor"] = "node",
    ) -> pl.DataFrame:
        """Messages and bytes between pairs in a window; see :func:`meshlab.trace.queries.flows`."""
        from meshlab.trace.queries import flows

        return flows(self, start=start, end=end, by=by)

    def failures(self) -> pl.DataFrame:
        """Every crash with its root cause; see :func:`meshlab.trace.queries.failures`."""
        from meshlab.trace.queries import failures

        return failures(self)

    def restarts(self) -> pl.DataFrame:
        """Restart chains per actor; see :func:`meshlab.trace.queries.restarts`."""
        from meshlab.trace.queries import restarts

        return restarts(self)

    def latency(self, *, by: Literal["msg_type"] | None = None) -> pl.DataFrame:
        """Delivery, queueing and handling percentiles; see
        :func:`meshlab.trace.queries.latency`."""
        from meshlab.trace.queries import latency

        return latency(self, by=by)

    def handlers(self) -> pl.DataFrame:
        """One row per handler run, either form; see :func:`meshlab.trace.queries.handlers`."""
        from meshlab.trace.queries import handlers

        return handlers(self)

    def attrs(self) -> pl.DataFrame:
        """Every published key/value (long table); see :func:`meshlab.trace.queries.attrs`."""
        from meshlab.trace.queries import attrs

        return attrs(self)

    def flight_recorder(self, actor: str, *, t: float | None = None, n: int = 20) -> pl.DataFrame:
        """About ``n`` rows of the events touching ``actor`` up to ``t``, fan-outs folded and
        spread over time; see :func:`meshlab.trace.queries.flight_recorder`."""
        from meshlab.trace.queries import flight_recorder

        return flight_recorder(self, actor, t=t, n=n)

    # exports (meshlab.export) ----------------------------------------------------------
    def to_perfetto(self, path: str | Path) -> Path:
        """Perfetto's native protobuf trace; see :mod:`meshlab.export.perfetto_proto`."""
        from meshlab.export import export

        return export(self, "perfetto", path)

    def to_chrome_json(self, path: str | Path) -> Path:
        """Chrome / Perfetto trace-event JSON; see :mod:`meshlab.export.chrome_json`."""
        from meshlab.export import export

        return export(self, "chrome-json", path)

    def to_otlp(self, path: str | Path | None = None, *, endpoint: str | None = None) -> int:
        """OpenTelemetry spans to an OTLP/JSON lines file or an OTLP/HTTP ``endpoint``;
        returns the span count. See :mod:`meshlab.export.otel`."""
        from meshlab.export import otel

        if (path is None) == (endpoint is None):
            raise ValueError("give exactly one of a path or endpoint=")
        if path is not None:
            return otel.write(self, path)
        assert endpoint is not None
        return otel.send(self, endpoint)

    def to_mermaid(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        actors: list[str] | None = None,
        limit: int = 200,
    ) -> str:
        """A Mermaid sequence diagram; see :func:`meshlab.export.mermaid.diagram`."""
        from meshlab.export.mermaid import diagram

        return diagram(self, start=start, end=end, actors=actors, limit=limit)

    def to_shiviz(self, path: str | Path, **options: Any) -> Path:
        """A ShiViz log with vector clocks; see :mod:`meshlab.export.shiviz`."""
        from meshlab.export import export

        return export(self, "shiviz", path, **options)


def load(path: str | Path, *, recover: bool = False) -> Trace:
    """Read a trace written by :meth:`Trace.save` or by a :class:`~meshlab.trace.LogWriter`.

    A log whose last frame was cut off (a recorder that was killed) loads everything before
    that frame and warns with :class:`~meshlab.trace.TraceDamageWarning`. A frame damaged in
    the middle raises :class:`~meshlab.trace.TraceCorruptError`, whose ``partial`` holds the
    events before it; ``recover=True`` returns that partial trace with a warning instead.

    Examples
    --------
    >>> import tempfile, pathlib, meshlab as ml
    >>> from meshlab.events import empty_frame
    >>> t = ml.Trace(empty_frame(), ml.TraceMeta(scenario="empty"))
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> ml.load(t.save(d / "run.parquet")).meta.scenario
    'empty'
    """
    try:
        loaded = storage.read(path, recover=recover)
    except storage.TraceCorruptError as exc:
        if exc.partial_events is not None and exc.partial is None:
            exc.partial = Trace(exc.partial_events, exc.meta, check=False)
        raise
    return Trace(loaded.events, loaded.meta, check=loaded.check)
