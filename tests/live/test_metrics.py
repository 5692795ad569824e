"""/metrics parses with Prometheus' own parser and its counters agree with the trace."""

from __future__ import annotations

import urllib.request

import polars as pl
import pytest
from prometheus_client.parser import text_string_to_metric_families

import meshlab as ml
from meshlab import prometheus
from meshlab.live.state import OUTCOMES

from .conftest import healthz


@pytest.fixture(scope="module")
def finished():
    """A supervision-tree run (failures, restarts, drops) served to its end."""
    from meshlab.live import serve_subprocess

    srv = serve_subprocess("supervision-tree", seed=5, speed=40.0, heartbeat=0.2)

    live = ml.connect(srv.url, record=False)
    live.wait_for(lambda lv: healthz(srv)["state"] == "finished", timeout=30)
    live.close()
    yield srv, ml.scenarios.run("supervision-tree", seed=5).events
    srv.kill()


def _families(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    return {f.name: f for f in text_string_to_metric_families(text)}


def _by(family, *labels):
    return {
        tuple(s.labels[label] for label in labels): s.value
        for s in family.samples
        if s.name.endswith("_total") or family.type != "counter"
    }


def test_counters_agree_with_the_trace(finished):
    srv, events = finished
    fams = _families(srv.metrics_url)
    kind = pl.col("kind").cast(pl.String)

    expected_kinds = dict(events.group_by(kind).len().iter_rows())
    assert _by(fams["meshlab_events"], "kind") == {(k,): n for k, n in expected_kinds.items()}

    msgs = events.filter(kind.is_in(list(OUTCOMES)))
    expected = {
        (node, OUTCOMES[k]): n for node, k, n in msgs.group_by("node", kind).len().iter_rows()
    }
    assert _by(fams["meshlab_messages"], "node", "outcome") == expected

    drops = events.filter(kind == "msg_drop").group_by("node", "reason").len()
    assert drops.height > 0
    assert _by(fams["meshlab_message_drops"], "node", "reason") == {
        (node, reason): n for node, reason, n in drops.iter_rows()
    }
    restarts = events.filter(kind == "actor_restart").group_by("node").len()
    assert _by(fams["meshlab_actor_restarts"], "node") == dict(
        ((node,), n) for node, n in restarts.iter_rows()
    )
    failures = events.filter(kind == "actor_fail").height
    assert (
        sum(s.value for s in fams["meshlab_actor_failures"].samples if s.name.endswith("_total"))
        == failures
    )


def test_gauges_and_histogram(finished):
    srv, events = finished
    fams = _families(srv.metrics_url)
    handled = events.filter(pl.col("kind") == "msg_handle")
    hist = fams["meshlab_handler_duration_seconds"]
    count = sum(s.value for s in hist.samples if s.name.endswith("_count"))
    assert count == handled.height
    total = sum(s.value for s in hist.samples if s.name.endswith("_sum"))
    assert total == pytest.approx(handled["duration"].sum())
    for s in hist.samples:  # cumulative buckets end at the count
        if s.name.endswith("_bucket") and s.labels["le"] == "+Inf":
            per_type = handled.filter(pl.col("msg_type") == s.labels["msg_type"]).height
            assert s.value == per_type
    nodes = {s.labels["state"]: s.value for s in fams["meshlab_nodes"].samples}
    assert nodes == {"up": 3}
    actors = sum(s.value for s in fams["meshlab_actors"].samples)
    spawned = events.filter(pl.col("kind") == "actor_spawn")["actor"].n_unique()
    assert actors == spawned
    head = fams["meshlab_stream_head_seq"].samples[0].value
    assert head == events.height


def test_scrape_into_a_frame_and_chart(finished):
    srv, events = finished
    samples = prometheus.scrape_series(srv.metrics_url, every=0.05, count=2)
    assert samples["time"].n_unique() == 2
    sent = samples.filter(
        (pl.col("name") == "meshlab_messages_total") & (pl.col("outcome") == "sent")
    )
    assert sent["value"].sum() == 2 * events.filter(pl.col("kind") == "msg_send").height
    assert {"node", "outcome", "kind", "msg_type", "le"} <= set(samples.columns)
    rates = prometheus.rates(samples)
    assert (rates.filter(pl.col("name") == "meshlab_events_total")["rate"] == 0).all()
    chart = prometheus.chart(samples, name="meshlab_messages_total", by="outcome")
    assert chart.to_dict()["mark"]["type"] == "line"
    with pytest.raises(ValueError, match="no samples named"):
        prometheus.chart(samples, name="nope")


def test_parse_a_foreign_exporter_and_bad_text():
    text = """# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="get",code="200"} 1027
http_requests_total{method="post",code="500"} 3
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.05
rpc_seconds_sum 17.0
rpc_seconds_count 340
# TYPE value gauge
value{type="odd"} 1
"""
    df = prometheus.parse(text, time=100.0)
    assert df.filter(pl.col("method") == "post")["value"].to_list() == [3.0]
    assert df.filter(pl.col("family") == "rpc_seconds").height == 3
    assert df.filter(pl.col("name") == "value")["label_type"].to_list() == ["odd"]
    with pytest.raises(ValueError, match="exposition format"):
        prometheus.parse('metric{broken="} 1\n')
    with pytest.raises(ConnectionError, match="could not scrape"):
        prometheus.scrape("http://127.0.0.1:9/metrics", timeout=1)
