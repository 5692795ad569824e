"""Opening the trace a command was given, with the same checks and words in every command.

Exit codes (docs/cli.md): 2 when the command line is wrong (a missing file, a folder, a bad
option), 1 when the file is there but holds no usable trace (damaged, not a trace, no event
that could be read).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from meshlab.cli import CliError


class UnusableTrace(ValueError):
    """The file exists but no trace can be used from it (exit code 1)."""


def open_trace(path: Path) -> Any:
    """The trace at ``path``; damage warnings are printed as one line each by the CLI."""
    from meshlab.trace import load
    from meshlab.trace.storage import TraceDamageWarning

    if not path.exists():
        raise CliError(f"no trace file at {path}; record one with `meshlab run ... --out FILE`")
    if path.is_dir():
        raise CliError(f"{path} is a folder; give a trace file (.parquet or .mlog)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = load(path)
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    damaged = any(issubclass(w.category, TraceDamageWarning) for w in caught)
    if len(trace) == 0 and damaged:
        # a damaged file from which nothing could be kept is an error, not an empty trace
        raise UnusableTrace(f"{path}: no events could be read from it (see the warning above)")
    return trace
