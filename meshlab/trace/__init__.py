"""The trace core: a recorded run, its storage, the state fold, queries and invariants.

Every source (the simulator, a live node, Ray, MeshOS) produces a :class:`Trace`; every view
reads one. The modules, from the bottom up: :mod:`~meshlab.trace.meta` (what a trace is a
recording of), :mod:`~meshlab.trace.storage` (Parquet and ``.mlog`` files),
:mod:`~meshlab.trace.core` (the :class:`Trace` itself), :mod:`~meshlab.trace.fold`
(``state_at``), :mod:`~meshlab.trace.queries` and :mod:`~meshlab.trace.invariants`; and
:mod:`~meshlab.trace.scalars`, a column's aggregate (its last time, a share) as a number.
"""

from __future__ import annotations

from meshlab.trace.core import Trace, load
from meshlab.trace.meta import SchemaVersionError, TraceMeta
from meshlab.trace.storage import LogWriter, TraceCorruptError, TraceDamageWarning

__all__ = [
    "LogWriter",
    "SchemaVersionError",
    "Trace",
    "TraceCorruptError",
    "TraceDamageWarning",
    "TraceMeta",
    "load",
]
