"""Trace: a recorded run as a polars frame in the event contract, plus its metadata.

The frame is the truth; every query and view is derived from it. Storage lives in
:mod:`meshlab.io`, the state fold in :mod:`meshlab.fold`, the other queries in
:mod:`meshlab.queries`; this class is the one place a user meets them.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meshlab.events import SCHEMA_VERSION, ContractError, validate

if TYPE_CHECKING:
    from meshlab.fold import State


class SchemaVersionError(ContractError):
    """A trace was written with a schema version this meshlab does not know."""


@dataclass(frozen=True)
class TraceMeta:
    """What a trace is a recording of. Kept inside every saved file.

    ``source`` is ``"sim"`` for the simulator, ``"live"`` for a recorded live stream.
    ``params`` holds scenario parameters (JSON-compatible values only).
    """

    schema_version: int = SCHEMA_VERSION
    source: str = "sim"
    scenario: str | None = None
    seed: int | None = None
    nodes: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["nodes"] = list(self.nodes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TraceMeta:
        """Read metadata written by :meth:`to_dict`, refusing unknown schema versions."""
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"trace has schema_version {version!r}, but this meshlab reads version "
                f"{SCHEMA_VERSION}; open it with the meshlab release that wrote it"
            )
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["nodes"] = tuple(kwargs.get("nodes") or ())
        kwargs["params"] = dict(kwargs.get("params") or {})
        return cls(**kwargs)


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

    __slots__ = ("_derived", "_events", "_fold", "meta")

    def __init__(
        self, events: pl.DataFrame, meta: TraceMeta | None = None, *, check: bool = True
    ) -> None:
        self._events = validate(events) if check else events
        self.meta = meta or TraceMeta()
        self._fold: Any = None  # keyframe index, built on first state_at
        self._derived: dict[str, Any] = {}  # tables the queries build once (meshlab.queries)

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
            span = f", t={self._events['t'].min():.3f}..{self._events['t'].max():.3f}"
        return f"<Trace {what!r} seed={m.seed} events={len(self)}{span}>"

    def digest(self) -> str:
        """SHA-256 of the events and metadata: equal digests mean byte-identical traces."""
        from meshlab.io import to_log_bytes

        return hashlib.sha256(to_log_bytes(self)).hexdigest()

    # storage ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write to ``.parquet`` (columnar, compact) or ``.mlog`` (append-only msgpack log)."""
        from meshlab.io import save

        return save(self, path)

    @staticmethod
    def load(path: str | Path, *, recover: bool = False) -> Trace:
        """Read a trace written by :meth:`save` (or by a live recorder); see ``meshlab.load``."""
        from meshlab.io import load

        return load(path, recover=recover)

    # queries (meshlab.fold, meshlab.queries) -------------------------------------------
    def state_at(self, t: float) -> State:
        """Every node and actor at time ``t``; see :func:`meshlab.fold.state_at`."""
        from meshlab.fold import state_at

        return state_at(self, t)

    def in_flight(self, t: float) -> pl.DataFrame:
        """Messages travelling at ``t``; see :func:`meshlab.queries.in_flight`."""
        from meshlab.queries import in_flight

        return in_flight(self, t)

    def flows(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        by: Literal["node", "actor"] = "node",
    ) -> pl.DataFrame:
        """Messages and bytes between pairs in a window; see :func:`meshlab.queries.flows`."""
        from meshlab.queries import flows

        return flows(self, start=start, end=end, by=by)

    def failures(self) -> pl.DataFrame:
        """Every crash with its root cause; see :func:`meshlab.queries.failures`."""
        from meshlab.queries import failures

        return failures(self)

    def restarts(self) -> pl.DataFrame:
        """Restart chains per actor; see :func:`meshlab.queries.restarts`."""
        from meshlab.queries import restarts

        return restarts(self)

    def latency(self, *, by: Literal["msg_type"] | None = None) -> pl.DataFrame:
        """Delivery, queueing and handling percentiles; see :func:`meshlab.queries.latency`."""
        from meshlab.queries import latency

        return latency(self, by=by)

    def flight_recorder(self, actor: str, *, t: float | None = None, n: int = 20) -> pl.DataFrame:
        """The last ``n`` events touching ``actor`` up to ``t``; see
        :func:`meshlab.queries.flight_recorder`."""
        from meshlab.queries import flight_recorder

        return flight_recorder(self, actor, t=t, n=n)
