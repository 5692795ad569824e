"""Prometheus in: scrape any text-exposition endpoint into a polars frame of samples over time.

Parsing uses ``prometheus_client``'s own parser (the reference Python implementation of the
format), so meshlab's ``/metrics`` and any other exporter read the same way.

Examples
--------
>>> text = '''# TYPE jobs_total counter
... jobs_total{queue="a"} 3
... jobs_total{queue="b"} 5
... '''
>>> df = parse(text, time=0.0)
>>> df.select("name", "queue", "value").rows()
[('jobs_total', 'a', 3.0), ('jobs_total', 'b', 5.0)]
"""

from __future__ import annotations

import time as _time
import urllib.error
import urllib.request
from typing import Any

import polars as pl
from prometheus_client.parser import text_string_to_metric_families

FIXED = ("time", "family", "type", "name", "labels", "value")
"""The columns every sample frame has; each label becomes a column of its own besides."""


def parse(text: str, *, time: float | None = None) -> pl.DataFrame:
    """Parse the Prometheus text exposition format into one row per sample.

    Columns: ``time`` (epoch seconds of the scrape), ``family`` (metric family), ``type``
    (counter, gauge, histogram, ...), ``name`` (the sample name, e.g. ``x_bucket``),
    ``labels`` (canonical ``k="v",...`` text), ``value``, and one string column per label
    name (``label_<name>`` where a label name clashes with a fixed column).
    """
    stamp = _time.time() if time is None else float(time)
    rows: list[dict[str, Any]] = []
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as exc:  # the parser raises ValueError and friends on bad input
        raise ValueError(f"not in the Prometheus text exposition format: {exc}") from None
    for family in families:
        for sample in family.samples:
            row: dict[str, Any] = {
                "time": stamp,
                "family": family.name,
                "type": family.type,
                "name": sample.name,
                "labels": ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items())),
                "value": float(sample.value),
            }
            for key, value in sample.labels.items():
                row[f"label_{key}" if key in FIXED else key] = value
            rows.append(row)
    if not rows:
        return pl.DataFrame(
            schema={c: pl.Float64 if c in ("time", "value") else pl.String for c in FIXED}
        )
    label_cols = sorted({k for r in rows for k in r} - set(FIXED))
    schema = {c: pl.Float64 if c in ("time", "value") else pl.String for c in FIXED}
    schema.update({c: pl.String for c in label_cols})
    return pl.DataFrame(rows, schema=schema, infer_schema_length=None)


def scrape(url: str, *, timeout: float = 5.0) -> pl.DataFrame:
    """Fetch ``url`` (a ``/metrics`` endpoint) once and parse it (see :func:`parse`)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r} is not an http(s) URL of a metrics endpoint")
    request = urllib.request.Request(url, headers={"Accept": "text/plain;version=0.0.4"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as exc:
        raise ConnectionError(f"could not scrape {url}: {exc}") from None
    return parse(text)


def scrape_series(url: str, *, every: float = 1.0, count: int = 10) -> pl.DataFrame:
    """Scrape ``count`` times, ``every`` seconds apart: samples over time in one frame."""
    if count < 1 or not every >= 0:
        raise ValueError("count must be >= 1 and every >= 0")
    frames = []
    for i in range(count):
        if i:
            _time.sleep(every)
        frames.append(scrape(url))
    return pl.concat(frames, how="diagonal_relaxed")


def rates(samples: pl.DataFrame) -> pl.DataFrame:
    """Per-second rate of every counter series between consecutive scrapes (like PromQL's
    ``rate``, without extrapolation); a counter reset counts from zero."""
    counters = samples.filter(pl.col("type") == "counter").sort("name", "labels", "time")
    by = ["name", "labels"]
    return counters.with_columns(
        rate=(
            pl.when(pl.col("value").diff().over(by) >= 0)
            .then(pl.col("value").diff().over(by))
            .otherwise(pl.col("value"))
            / pl.col("time").diff().over(by)
        )
    ).filter(pl.col("rate").is_not_null() & pl.col("rate").is_finite())


def histogram_quantile(q: float, samples: pl.DataFrame, *, name: str) -> pl.DataFrame:
    """PromQL's ``histogram_quantile(q, …)`` over the scraped buckets of histogram ``name``
    (the family, e.g. ``meshlab_handler_seconds``): one row per label set and scrape time,
    with the quantile in ``value``.

    As Prometheus does: find the bucket where the cumulative count reaches ``q`` x total and
    interpolate linearly inside it (from 0 for the first bucket); a quantile that falls in
    the ``+Inf`` bucket is the highest finite bound; no observations give NaN.

    Examples
    --------
    >>> text = '''# TYPE rpc_seconds histogram
    ... rpc_seconds_bucket{le="0.1"} 50
    ... rpc_seconds_bucket{le="0.2"} 90
    ... rpc_seconds_bucket{le="+Inf"} 100
    ... rpc_seconds_count 100
    ... rpc_seconds_sum 12
    ... '''
    >>> p70 = histogram_quantile(0.7, parse(text, time=0.0), name="rpc_seconds")
    >>> p70["value"].round(6).to_list()
    [0.15]
    """
    if not 0 <= q <= 1:
        raise ValueError(f"q must be between 0 and 1, got {q}")
    buckets = samples.filter(pl.col("name") == f"{name}_bucket")
    if buckets.height == 0:
        raise ValueError(f"no buckets of a histogram named {name!r} in these samples")
    labels = [c for c in buckets.columns if c not in (*FIXED, "le")]
    labels = [c for c in labels if buckets[c].null_count() < buckets.height]
    buckets = buckets.with_columns(bound=pl.col("le").cast(pl.Float64)).sort("bound")
    rows = []
    for key, part in buckets.group_by(["time", *labels], maintain_order=True):
        rows.append(
            {
                **dict(zip(["time", *labels], key, strict=True)),
                "value": _quantile(q, part["bound"].to_list(), part["value"].to_list()),
            }
        )
    return pl.DataFrame(rows)


def _quantile(q: float, bounds: list[float], counts: list[float]) -> float:
    total = counts[-1]
    if total <= 0:
        return float("nan")
    rank = q * total
    for i, (bound, count) in enumerate(zip(bounds, counts, strict=True)):
        if count >= rank:
            if bound == float("inf"):
                return bounds[i - 1] if i else float("nan")
            lower, below = (bounds[i - 1], counts[i - 1]) if i else (0.0, 0.0)
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
    return float("nan")


def chart(samples: pl.DataFrame, *, name: str, by: str | None = None, rate: bool = False):
    """An altair line chart of one sample ``name`` over time, one line per ``by`` label.

    ``rate=True`` plots the per-second rate of a counter instead of its total.
    """
    import altair as alt

    data = rates(samples) if rate else samples
    data = data.filter(pl.col("name") == name)
    if data.height == 0:
        raise ValueError(f"no samples named {name!r}; names are {sorted(set(samples['name']))}")
    y = "rate" if rate else "value"
    data = data.with_columns(when=pl.from_epoch(pl.col("time"), time_unit="s"))
    encoding: dict[str, alt.X | alt.Y | alt.Color] = {
        "x": alt.X("when:T", title="time"),
        "y": alt.Y(f"{y}:Q", title=name),
    }
    if by is not None:
        encoding["color"] = alt.Color(f"{by}:N")
    columns = ["when", y, *([by] if by else [])]
    return alt.Chart(data.select(columns)).mark_line(point=True).encode(**encoding)
