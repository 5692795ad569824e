"""Altair charts over a trace, and their link to a canvas playhead."""

import altair as alt
import polars as pl
import pytest

import meshlab as ml
from meshlab import charts


@pytest.fixture(scope="module")
def trace():
    return ml.scenarios.run("supervision-tree", seed=1, until=6.0)


def data_of(chart) -> list[dict]:
    spec = chart.to_dict()
    (rows,) = [v for v in spec["datasets"].values() if v and "rate" in v[0]]
    return rows


def test_throughput_counts_deliveries_per_second_and_fills_empty_buckets(trace):
    rows = data_of(charts.throughput(trace, every=0.5))
    delivered = trace.events.filter(pl.col("kind") == "msg_recv").height
    assert sum(r["rate"] * 0.5 for r in rows) == pytest.approx(delivered)
    per_type = {r["msg_type"] for r in rows}
    buckets = {r["t"] for r in rows}
    assert len(rows) == len(per_type) * len(buckets)  # every type has every bucket


def test_lifecycle_colours_each_actor_by_its_status_over_time(trace):
    """Not a whole life by how it ended: the status a span shows is state_at's in that span."""
    spec = charts.lifecycle(trace).to_dict()
    spans = max(spec["datasets"].values(), key=len)
    starts = trace.events.filter(pl.col("kind").is_in(["actor_spawn", "actor_restart"])).height
    assert sum(1 for r in spans if r["status"] == "alive") == starts
    name = {"idle": "alive", "busy": "alive"}
    checked = 0
    for r in spans:
        if r["end"] - r["start"] < 1e-6:
            continue
        mid = (r["start"] + r["end"]) / 2
        got = name.get(s := trace.state_at(mid).actor(r["actor"])["status"], s)
        assert got == r["status"], (r, mid)
        checked += 1
    assert checked > 20
    # root/api escalates at ~7 s in the full run: before that it is alive, not red
    api = [r for r in spans if r["actor"] == "root/api"]
    assert api[0]["status"] == "alive" and api[0]["end"] >= 5.9


def test_lifecycle_marks_every_failure_with_a_tick(trace):
    spec = charts.lifecycle(trace).to_dict()
    ticks = min((v for v in spec["datasets"].values() if v and "why" in v[0]), key=len)
    fails = trace.events.filter(pl.col("kind") == "actor_fail").height
    assert len(ticks) == fails


def test_latency_is_receive_minus_send_and_is_sampled():
    tr = ml.scenarios.run("ping-pong", seed=0, until=0.5)
    spec = charts.latency(tr, sample=100).to_dict()
    rows = max(spec["datasets"].values(), key=len)
    assert len(rows) == 100
    sent = dict(tr.events.filter(pl.col("kind") == "msg_send").select("msg_id", "duration").rows())
    for r in rows:  # receive - send is the latency each message was given (1 ms ± 20 %)
        assert r["latency"] == pytest.approx(r["t_recv"] - r["t"])
        assert r["latency"] == pytest.approx(sent[r["msg_id"]])
        assert 0.0008 <= r["latency"] <= 0.0012


def test_a_linked_chart_follows_the_canvas_and_a_click_moves_the_playhead(trace):
    canvas = ml.Canvas(trace)
    jchart = charts.throughput(trace, canvas=canvas)
    assert isinstance(jchart, alt.JupyterChart)
    canvas.time = 4.25
    assert jchart.params.playhead == 4.25
    # what the browser sends when a point near t=2.5 is clicked
    jchart._vl_selections = {"pick": {"value": {"vlPoint": {"or": [{"t": 2.5}]}}, "store": []}}
    assert canvas.time == 2.5


def test_bad_options_say_what_is_allowed(trace):
    with pytest.raises(ValueError, match="by must be"):
        charts.throughput(trace, by="colour")
    with pytest.raises(ValueError, match="every must be a positive"):
        charts.throughput(trace, every=-1)
