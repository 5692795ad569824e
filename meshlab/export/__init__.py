"""Exports of a trace to the tools people already use.

=============== ========================================= =================================
format          what                                      open it with
=============== ========================================= =================================
``perfetto``    Perfetto's native protobuf (``.pftrace``)  https://ui.perfetto.dev, trace_processor
``chrome-json`` trace-event JSON (``.json``)              ui.perfetto.dev, ``chrome://tracing``
``otlp``        OpenTelemetry spans, OTLP/JSON lines      an OTel Collector (``otlpjsonfile``)
``mermaid``     a sequence diagram (``.mmd`` / ``.md``)   JupyterLab, GitHub, mermaid.live
``shiviz``      a log with vector clocks (``.log``)       ShiViz
=============== ========================================= =================================

``export(trace, format, out)`` writes one; ``meshlab export TRACE --format F --out PATH`` is the
same from the shell, and ``Trace.to_perfetto()`` and friends from Python. One module per format;
the timeline they share (tracks, slices, flows) is :mod:`meshlab.export.timeline`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

FORMATS: dict[str, tuple[str, str]] = {
    "perfetto": ("meshlab.export.perfetto_proto", ".pftrace"),
    "chrome-json": ("meshlab.export.chrome_json", ".json"),
    "otlp": ("meshlab.export.otel", ".jsonl"),
    "mermaid": ("meshlab.export.mermaid", ".mmd"),
    "shiviz": ("meshlab.export.shiviz", ".log"),
}
"""format name -> (module with ``write(trace, out, **options)``, usual file suffix)."""

WINDOWED = ("mermaid", "shiviz")
"""Formats that take ``start=``, ``end=``, ``actors=`` and ``limit=``."""


def format_for(path: str | Path) -> str:
    """The format a file name asks for by its suffix (``.pftrace`` -> ``perfetto``)."""
    suffix = Path(path).suffix.lower()
    for name, (_, ext) in FORMATS.items():
        if suffix == ext or (name == "mermaid" and suffix == ".md"):
            return name
    raise ValueError(
        f"cannot tell the export format from the suffix {suffix or '(none)'!r} of {path}; "
        f"give --format, one of {', '.join(FORMATS)}"
    )


def export(trace, format: str, out: str | Path, **options: Any) -> Path:
    """Write ``trace`` to ``out`` in ``format`` (see the table above); returns the path.

    Examples
    --------
    >>> import json, tempfile, pathlib, meshlab as ml
    >>> from meshlab.export import export
    >>> t = ml.scenarios.run("ping-pong", seed=1, until=0.01)
    >>> p = export(t, "chrome-json", pathlib.Path(tempfile.mkdtemp()) / "t.json")
    >>> "traceEvents" in json.loads(p.read_text())
    True
    """
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; one of {', '.join(FORMATS)}")
    if options and format not in WINDOWED:
        raise ValueError(
            f"the {format} export takes no options ({', '.join(options)}); only "
            f"{' and '.join(WINDOWED)} take start, end, actors and limit"
        )
    module = importlib.import_module(FORMATS[format][0])
    module.write(trace, out, **options)
    return Path(out)


__all__ = ["FORMATS", "export", "format_for"]
