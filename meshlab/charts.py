"""Altair charts over a Trace, linkable to a Canvas playhead.

Each function returns a plain ``alt.Chart`` (a ``alt.LayerChart`` for the lifecycle) — or, given
``canvas=``, an ``alt.JupyterChart``
that draws the canvas playhead as a vertical rule and moves the playhead to the time you click.
Data is aggregated (or sampled) before it reaches the chart, so a million-event trace still
makes a chart of a few thousand rows.

>>> import meshlab as ml
>>> trace = ml.scenarios.run("supervision-tree", seed=1, until=3.0)
>>> chart = throughput(trace, every=0.5)
>>> sorted(chart.to_dict()["datasets"])[:1] != []
True
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import altair as alt
import polars as pl

from meshlab.trace import Trace
from meshlab.trace.scalars import number

if TYPE_CHECKING:
    from meshlab.canvas import Canvas

PLAYHEAD = "playhead"
PICK = "pick"
MAX_POINTS = 4000
WIDTH, HEIGHT = 640, 220

Plain = alt.Chart | alt.LayerChart  # a chart not linked to a canvas


def throughput(
    trace: Trace, *, every: float | None = None, by: str = "msg_type", canvas: Canvas | None = None
) -> Plain | alt.JupyterChart:
    """Messages delivered per second over time, one line per ``by`` value.

    ``every`` is the bucket width in seconds (default: the span / 60).
    """
    if by not in ("msg_type", "node", "actor"):
        raise ValueError(f"by must be 'msg_type', 'node' or 'actor', got {by!r}")
    ev = trace.events
    recv = ev.filter(pl.col("kind") == "msg_recv")
    width = every or _default_bucket(ev)
    if width <= 0:
        raise ValueError(f"every must be a positive number of seconds, got {every}")
    counted = (
        recv.with_columns(t=(pl.col("t") / width).floor() * width)
        .group_by("t", by)
        .agg(rate=pl.len() / width)
    )
    # Zero-fill: a bucket with no deliveries is a real zero, not a gap to interpolate over.
    grid = pl.DataFrame({"t": [i * width for i in range(_buckets(ev, width))]}).join(
        counted.select(by).unique(), how="cross"
    )
    data = (
        grid.join(counted, on=["t", by], how="left")
        .with_columns(pl.col("rate").fill_null(0.0))
        .sort(by, "t")
    )
    chart = (
        alt.Chart(data)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("t:Q", title="time (s)"),
            y=alt.Y("rate:Q", title="delivered / s"),
            color=alt.Color(f"{by}:N", title=by.replace("_", " ")),
            tooltip=["t:Q", f"{by}:N", alt.Tooltip("rate:Q", format=",.0f")],
        )
    )
    return _finish(chart, data, canvas, title="Throughput")


def lifecycle(trace: Trace, *, canvas: Canvas | None = None) -> Plain | alt.JupyterChart:
    """One lane per actor, coloured by its status over time (as ``state_at`` calls it): alive
    while a life runs, then failed, restarting or stopped until the next life or the end."""
    end = number(trace.events["t"].max(), 0.0)
    data = _status_spans(_lives(trace.events), end)
    bars = (
        alt.Chart(data)
        .mark_bar(height=8)
        .encode(
            x=alt.X("start:Q", title="time (s)"),
            x2="end:Q",
            y=alt.Y("actor:N", sort=None, title=None),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
            ),
            tooltip=["actor:N", "incarnation:Q", "node:N", "start:Q", "end:Q", "status:N", "why:N"],
        )
    )
    # A life that fails as it starts has no length; a tick makes every failure visible.
    fails = _lives(trace.events).filter(pl.col("outcome") == "failed")
    ticks = (
        alt.Chart(fails)
        .mark_tick(color="#d64545", thickness=2, size=12)
        .encode(x="end:Q", y=alt.Y("actor:N", sort=None), tooltip=["actor:N", "end:Q", "why:N"])
    )
    height = max(120, 14 * data["actor"].n_unique())
    # LayerChart itself, not alt.layer: that one may hoist facets and return a FacetChart.
    chart = alt.LayerChart(layer=[bars, ticks])
    return _finish(chart, data.rename({"start": "t"}), canvas, title="Lifecycle", height=height)


def latency(
    trace: Trace, *, by: str = "msg_type", canvas: Canvas | None = None, sample: int = MAX_POINTS
) -> Plain | alt.JupyterChart:
    """Delivery latency of each message (receive − send) against its send time."""
    ev = trace.events
    sends = ev.filter(pl.col("kind") == "msg_send").select("msg_id", "t", "msg_type", "node")
    recvs = ev.filter(pl.col("kind") == "msg_recv").select("msg_id", t_recv="t")
    data = sends.join(recvs, on="msg_id").with_columns(latency=pl.col("t_recv") - pl.col("t"))
    if data.height > sample:
        data = data.sample(sample, seed=0).sort("t")
    chart = (
        alt.Chart(data)
        .mark_circle(size=14, opacity=0.6)
        .encode(
            x=alt.X("t:Q", title="sent at (s)"),
            y=alt.Y("latency:Q", title="delivery latency (s)"),
            color=alt.Color(f"{by}:N"),
            tooltip=["msg_id:Q", "msg_type:N", alt.Tooltip("latency:Q", format=".4f")],
        )
    )
    return _finish(chart, data, canvas, title="Delivery latency")


def link(chart: Plain, canvas: Canvas) -> alt.JupyterChart:
    """Wrap a chart that has the playhead and pick params so that it follows ``canvas``."""
    _offline()
    jchart = alt.JupyterChart(chart)
    # Params gets a trait per chart param at run time, so setattr: the class declares none.
    setattr(jchart.params, PLAYHEAD, float(canvas.time))

    def follow(change: dict[str, Any]) -> None:
        setattr(jchart.params, PLAYHEAD, float(change["new"]))

    def jump(change: dict[str, Any]) -> None:
        points = getattr(change["new"], "value", None) or []
        if points and points[0].get("t") is not None:
            canvas.time = float(points[0]["t"])

    canvas.observe(follow, names="time")
    jchart.selections.observe(jump, names=PICK)
    return jchart


def _finish(
    chart: Plain,
    data: pl.DataFrame,
    canvas: Canvas | None,
    *,
    title: str,
    height: int = HEIGHT,
) -> Plain | alt.JupyterChart:
    sized = chart.properties(width=WIDTH, height=height, title=title)
    if canvas is None:
        return sized
    playhead = alt.param(name=PLAYHEAD, value=float(canvas.time))
    pick = alt.selection_point(name=PICK, on="click", nearest=True, fields=["t"], empty=False)
    # An invisible layer of points makes "click anywhere near a time" select that time.
    targets = (
        alt.Chart(data.select("t").unique().sort("t"))
        .mark_point(opacity=0, size=400)
        .encode(x="t:Q")
        .add_params(pick)
    )
    rule = (
        alt.Chart(pl.DataFrame({"k": [0]}))
        .transform_calculate(t=PLAYHEAD)
        .mark_rule(color="#222", strokeWidth=2)
        .encode(x="t:Q")
    )
    layered = (
        alt.LayerChart(layer=[sized, targets, rule]).add_params(playhead).properties(title=title)
    )
    return link(layered, canvas)


def _offline() -> None:
    """Serve the chart widget's JavaScript from vl-convert when it is installed, as the canvas
    does with its own bundle, so that linked charts draw without network access; without
    vl-convert, altair loads it from a CDN."""
    with contextlib.suppress(ImportError):
        alt.JupyterChart.enable_offline()


def _default_bucket(ev: pl.DataFrame) -> float:
    if ev.height == 0:
        return 1.0
    span = number(ev["t"].max()) - number(ev["t"].min())
    return span / 60 if span > 0 else 1.0


def _buckets(ev: pl.DataFrame, width: float) -> int:
    end = number(ev["t"].max(), 0.0)
    return min(int(end / width) + 1, 20_000)


STATUS_COLORS = {
    "alive": "#4c9f70",
    "restarting": "#f08c00",
    "failed": "#d64545",
    "stopped": "#9aa5b1",
}


def _status_spans(lives: pl.DataFrame, end: float) -> pl.DataFrame:
    """Each life as an ``alive`` span, and the time from its end to the next life (or to the
    end of the trace) as ``restarting`` (a crash or a supervisor's shutdown that a restart
    follows), ``failed`` or ``stopped`` (docs/contract.md, "State at a time")."""
    lives = lives.with_columns(next_start=pl.col("start").shift(-1).over("actor"))
    alive = lives.select(
        "actor",
        "incarnation",
        "node",
        "start",
        end=pl.col("end").fill_null(end),
        status=pl.lit("alive"),
        why=pl.lit(None, pl.String),
    )
    restart = pl.col("next_start").is_not_null() & (
        (pl.col("outcome") == "failed") | (pl.col("why") == "shutdown")
    )
    after = lives.filter(pl.col("end").is_not_null()).select(
        "actor",
        "incarnation",
        "node",
        start="end",
        end=pl.col("next_start").fill_null(end),
        status=pl.when(restart).then(pl.lit("restarting")).otherwise("outcome"),
        why="why",
    )
    order = pl.col("actor").cast(pl.Enum(lives["actor"].unique(maintain_order=True).to_list()))
    return pl.concat([alive, after]).sort(order, "start", "end")


def _lives(ev: pl.DataFrame) -> pl.DataFrame:
    """One row per actor life: where, from when to when, and how it ended."""
    life = ev.filter(
        pl.col("kind").is_in(["actor_spawn", "actor_restart", "actor_stop", "actor_fail"])
    ).with_columns(kind=pl.col("kind").cast(pl.String))
    starts = life.filter(pl.col("kind").is_in(["actor_spawn", "actor_restart"])).select(
        "actor", "incarnation", "node", start="t"
    )
    ends = life.filter(pl.col("kind").is_in(["actor_stop", "actor_fail"])).select(
        "actor",
        "incarnation",
        end="t",
        outcome=pl.when(pl.col("kind") == "actor_fail")
        .then(pl.lit("failed"))
        .otherwise(pl.lit("stopped")),
        why="reason",
    )
    return (
        starts.join(ends, on=["actor", "incarnation"], how="left")
        .with_columns(pl.col("outcome").fill_null("running"))
        .sort("actor", "incarnation")
    )
