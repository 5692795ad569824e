"""HDR latency: handler time and delivery latency, by message type and actor class, checked
against the trace's own numbers, in /metrics (through histogram_quantile), heartbeats and
introspection of a real `meshlab serve`."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import meshlab as ml
from meshlab import prometheus
from meshlab.live.latency import BUCKETS, LatencyTracker

from .conftest import healthz


def _true(events: pl.DataFrame):
    kind = pl.col("kind")
    handled = events.filter(kind == "msg_handle")
    sends = events.filter(kind == "msg_send").select("msg_id", t_send="t")
    recvs = events.filter(kind == "msg_recv").select("msg_id", "msg_type", "t")
    delivery = recvs.join(sends, on="msg_id").with_columns(latency=pl.col("t") - pl.col("t_send"))
    return handled, delivery


def test_hdr_percentiles_match_the_trace_and_do_not_depend_on_batching():
    events = ml.scenarios.run("node-failure", seed=4).events
    handled, delivery = _true(events)
    whole = LatencyTracker()
    whole.update(events)
    pieces = LatencyTracker()
    for part in events.iter_slices(97):  # sends and their deliveries in different batches
        pieces.update(part)
    assert whole.summary() == pieces.summary()
    summary = whole.summary()
    for (msg_type,), part in delivery.group_by("msg_type"):
        got = summary["delivery"]["msg_type"][msg_type]
        assert got["count"] == part.height
        for p in (50, 95, 99):
            want = float(np.percentile(part["latency"].to_numpy(), p, method="inverted_cdf"))
            # HdrHistogram with 2 significant digits: within 1%, plus the 1 µs resolution
            assert got[f"p{p}"] == pytest.approx(want, rel=0.01, abs=1e-6)
    for (msg_type,), part in handled.group_by("msg_type"):
        got = summary["handler"]["msg_type"][msg_type]
        want = float(np.percentile(part["duration"].to_numpy(), 99, method="inverted_cdf"))
        assert got["p99"] == pytest.approx(max(want, 1e-6), rel=0.01, abs=1e-6)
    spawned = events.filter(pl.col("kind") == "actor_spawn")
    classes = set(spawned["msg_type"].to_list())
    assert set(summary["handler"]["class"]) <= classes | {"unknown"}


def test_buckets_are_ten_per_decade():
    ratios = np.diff(np.log10(BUCKETS))
    assert len(BUCKETS) == 71 and BUCKETS[0] == 1e-05 and BUCKETS[-1] == 100.0
    assert np.allclose(ratios, 0.1, atol=0.003)  # bounds rounded to 3 significant digits


@pytest.fixture(scope="module")
def served():
    from meshlab.live import serve_subprocess

    srv = serve_subprocess("node-failure", seed=4, speed=20.0, heartbeat=0.2)
    live = ml.connect(srv.url, record=False)
    live.wait_for(lambda lv: healthz(srv)["state"] == "finished", timeout=60)
    yield srv, live, ml.scenarios.run("node-failure", seed=4).events
    live.close()
    srv.kill()


def test_metrics_histograms_give_p99_through_histogram_quantile(served):
    srv, _, events = served
    handled, delivery = _true(events)
    samples = prometheus.scrape(srv.metrics_url)
    p99 = prometheus.histogram_quantile(0.99, samples, name="meshlab_delivery_seconds")
    got = dict(p99.select("msg_type", "value").iter_rows())
    for (msg_type,), part in delivery.group_by("msg_type"):
        want = float(np.percentile(part["latency"].to_numpy(), 99, method="inverted_cdf"))
        # linear interpolation inside a bucket at most 1.27x wide: within 27% at worst
        # (a zero latency, a timer, lands in the first bucket, 0 .. 10 µs)
        assert got[msg_type] == pytest.approx(want, rel=0.27, abs=1e-5), msg_type
    counts = samples.filter(pl.col("name") == "meshlab_handler_seconds_count")
    assert counts["value"].sum() == handled.height
    by_class = prometheus.histogram_quantile(0.5, samples, name="meshlab_handler_by_class_seconds")
    assert set(by_class["class"]) <= set(events["msg_type"].drop_nulls()) | {"unknown"}
    assert not any(math.isnan(v) for v in by_class["value"])


def test_heartbeats_and_introspection_carry_p50_p95_p99(served):
    _, live, events = served
    conn = live.connections[0]
    live.wait_for(lambda lv: conn.latency is not None, timeout=10)
    beat = conn.latency
    assert set(beat) == {"handler", "delivery"}
    some = next(iter(beat["delivery"]["msg_type"].values()))
    assert set(some) == {"p50", "p95", "p99", "count"}
    assert some["p50"] <= some["p95"] <= some["p99"]
    actor = events.filter(pl.col("kind") == "actor_spawn").row(0, named=True)
    state = live.introspect(actor=actor["actor"])
    assert state["latency"]["class"] == actor["msg_type"]
    assert set(state["latency"]) == {"class", "handler", "delivery"}


def test_the_grafana_dashboard_queries_metrics_a_node_serves(served):
    """docs/grafana/meshlab-dashboard.json: a dashboard model Grafana imports (panels with
    ids, positions, targets; a Prometheus datasource variable), every query naming only
    metrics a real node exposes. (No Grafana runs here: the model is checked, not rendered.)"""
    import json
    import re
    from pathlib import Path

    srv, _, _ = served
    path = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "meshlab-dashboard.json"
    dash = json.loads(path.read_text())
    assert dash["title"] and dash["uid"] and isinstance(dash["schemaVersion"], int)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    served_names = set(prometheus.scrape(srv.metrics_url)["name"])
    ids, cells = set(), set()
    kinds = set()
    for panel in dash["panels"]:
        assert panel["id"] not in ids
        ids.add(panel["id"])
        kinds.add(panel["type"])
        g = panel["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24
        cover = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cover & cells, f"panel {panel['title']!r} overlaps another"
        cells |= cover
        for target in panel["targets"]:
            expr = target["expr"]
            assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}")
            for metric in re.findall(r"\b(meshlab_[a-z_]+)", expr):
                assert metric in served_names, f"{metric} is not served"
    assert {"timeseries", "heatmap"} <= kinds
    titles = " ".join(p["title"] for p in dash["panels"]).lower()
    for words in ("dispatch outcomes", "heatmap", "queue depths"):
        assert words in titles
