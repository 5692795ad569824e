"""docs/grafana/*.json against what a real `meshlab serve` exports: every query's metrics,
grouping labels and functions checked on a scrape of a node that ran a scenario with drops,
failures and restarts. No Grafana runs here and no maintained validator of its dashboard JSON
is installable from PyPI (docs/metrics.md says why): the model's import rules that matter are
checked by hand below."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

import meshlab as ml
from meshlab import prometheus

from .conftest import healthz

DASHBOARDS = sorted((Path(__file__).resolve().parents[2] / "docs" / "grafana").glob("*.json"))
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
FUNCTIONS = {"sum", "max", "min", "avg", "rate", "increase", "histogram_quantile", "label_values"}
COUNTING = {"rate", "increase"}  # only meaningful on counters (and histogram buckets)
SELECTOR = re.compile(r"\b(meshlab_[a-z_]+)\s*(\{[^}]*\})?\s*(\[[^\]]*\])?")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
CALL = re.compile(r"\b([a-z_]+)\s*\(")
DURATION = re.compile(r"^\[(\$__rate_interval|\$__interval|\d+[smhd])\]$")


@pytest.fixture(scope="module")
def scraped() -> pl.DataFrame:
    """/metrics of a node that served node-failure to the end (drops, failures, restarts)."""
    from meshlab.live import serve_subprocess

    srv = serve_subprocess("node-failure", seed=4, speed=20.0, heartbeat=0.2)
    try:
        live = ml.connect(srv.url, record=False)
        live.wait_for(lambda lv: healthz(srv)["state"] == "finished", timeout=90)
        live.close()
        return prometheus.scrape(srv.metrics_url)
    finally:
        srv.kill()


def _queries(dash: dict) -> list[tuple[str, dict, str]]:
    """(panel title, target, expr) of every panel target, and the templating queries."""
    out = [(p["title"], t, t["expr"]) for p in dash["panels"] for t in p["targets"]]
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            out.append((f"variable {var['name']}", var, var["definition"]))
    return out


def _labels_of(scraped: pl.DataFrame, metric: str) -> set[str]:
    rows = scraped.filter(pl.col("name") == metric)
    fixed = {"time", "family", "type", "name", "labels", "value"}
    return {c for c in rows.columns if c not in fixed and rows[c].null_count() < rows.height}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_names_metrics_labels_and_functions_a_node_serves(path, scraped):
    dash = json.loads(path.read_text())
    served = set(scraped["name"])
    types = dict(scraped.select("name", "type").unique("name").iter_rows())
    assert _queries(dash), "no queries"
    for where, _, expr in _queries(dash):
        assert expr.count("(") == expr.count(")"), (where, expr)
        for fn in CALL.findall(expr):
            assert fn in FUNCTIONS | {"by", "without"}, f"{where}: unknown function {fn}"
        metrics = SELECTOR.findall(expr)
        assert metrics, f"{where}: no meshlab metric in {expr!r}"
        labels: set[str] = set()
        for name, matchers, window in metrics:
            assert name in served, f"{where}: {name} is not served by a node"
            labels |= _labels_of(scraped, name)
            if window:
                assert DURATION.match(window), f"{where}: range {window}"
            for matcher in re.findall(r"(\w+)\s*=~?", matchers):
                assert matcher == "job", f"{where}: matcher on {matcher} (only job is added)"
        for group in GROUPING.findall(expr):
            for label in filter(None, (s.strip() for s in group.split(","))):
                assert label in labels, f"{where}: groups by {label!r}, which {metrics} lack"
        # rate/increase over counters or buckets only; histogram_quantile over buckets by le
        for fn in COUNTING & set(CALL.findall(expr)):
            for name, _, window in metrics:
                assert window, f"{where}: {fn} needs a range"
                assert types[name] in ("counter", "histogram"), f"{where}: {fn} of a {types[name]}"
        if "histogram_quantile" in expr:
            assert all(name.endswith("_bucket") for name, _, _ in metrics), where
            by_le = any("le" in g.replace(" ", "").split(",") for g in GROUPING.findall(expr))
            assert by_le, f"{where}: histogram_quantile needs the buckets summed by (le, ...)"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_the_model_keeps_the_rules_an_import_relies_on(path):
    dash = json.loads(path.read_text())
    assert isinstance(dash["schemaVersion"], int) and dash["schemaVersion"] >= 36
    assert dash["uid"] and len(dash["uid"]) <= 40 and dash["title"]
    assert "id" not in dash or dash["id"] is None  # an import must not overwrite a dashboard
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for var in variables.values():
        if var["type"] == "query":
            assert var["datasource"] == DATASOURCE
    ids: set[int] = set()
    for panel in dash["panels"]:
        assert isinstance(panel["id"], int) and panel["id"] not in ids
        ids.add(panel["id"])
        assert panel["datasource"] == DATASOURCE, panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(refs), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
            for var in re.findall(r"\$(\w+)", target["expr"]):
                assert var in variables or var.startswith("__"), f"unknown variable ${var}"
        if panel["type"] == "heatmap":  # Prometheus buckets drawn as they are
            assert all(t.get("format") == "heatmap" for t in panel["targets"]), panel["title"]
            assert panel["options"]["calculate"] is False
