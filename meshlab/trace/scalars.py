"""One value out of a column: polars aggregates as the Python numbers meshlab computes with.

polars types a column's ``max()``, ``min()``, ``mean()`` or ``sum()`` as any Python literal
(a date, a string, a list...) or None, whatever the column holds; meshlab asks them of numeric
columns (times, counts, shares) only. :func:`number` says so once, where the type checker can
see it, instead of a bare ``float(...)`` that would also turn a string column into a number.

>>> import polars as pl
>>> number(pl.Series([0.5, 2.0]).max())
2.0
>>> number(pl.Series([], dtype=pl.Float64).max(), 0.0)
0.0
"""

from __future__ import annotations


def number(value: object, default: float | None = None) -> float:
    """``value`` (an aggregate of a numeric column) as a float; a null (an empty or all-null
    column) gives ``default``, and is an error when there is none."""
    if value is None and default is not None:
        return default
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"expected a number from a numeric column, got {value!r}")
