"""Exports checked against each format's rules, on every built-in scenario.

Perfetto's protobuf is parsed back with the Perfetto project's own generated protos, OTLP
goes through the OpenTelemetry SDK's exporters (in memory, to a JSON lines file, and over
real HTTP on loopback), and the trace-event JSON is loaded and checked rule by rule.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, HTTPServer

import polars as pl
import pytest
from framekit import FrameKit

import meshlab as ml
from meshlab.export import export, format_for, mermaid, otel, shiviz
from meshlab.export.timeline import build

SCENARIOS = ml.scenarios.names()


@pytest.fixture(scope="module", params=SCENARIOS)
def trace(request):
    return ml.scenarios.run(request.param, seed=3)


def _handled(trace) -> int:
    return trace.events.filter(pl.col("kind") == "msg_handle").height


def _nest(intervals: list[tuple[int, int]]) -> None:
    """Slices on one track must nest: sorted by start (longest first), none overlaps the
    enclosing one partially."""
    stack: list[int] = []
    for start, end in sorted(intervals, key=lambda se: (se[0], -se[1])):
        while stack and stack[-1] <= start:
            stack.pop()
        assert not stack or end <= stack[-1], f"slice [{start}, {end}] overlaps its parent"
        stack.append(end)


# Chrome / Perfetto trace-event JSON ------------------------------------------------------------
def check_trace_event_json(doc: dict) -> Counter:
    events = doc["traceEvents"]
    named_pids = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    named_tids = {
        (e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"
    }
    tracks: dict[tuple[int, int], list] = defaultdict(list)
    flows_out: dict[str, float] = {}
    flows_in: dict[str, float] = {}
    for e in events:
        assert e["ph"] in {"M", "X", "i", "C"}, e
        if e["ph"] == "M":
            continue
        assert isinstance(e["ts"], int | float) and e["ts"] >= 0
        assert e["pid"] in named_pids
        if e["ph"] == "X":
            assert (e["pid"], e["tid"]) in named_tids
            assert e["dur"] >= 0
            # exact nanoseconds: µs with at most three decimals
            tracks[(e["pid"], e["tid"])].append(
                (round(e["ts"] * 1000), round((e["ts"] + e["dur"]) * 1000))
            )
            if e.get("flow_out"):
                assert e["bind_id"] not in flows_out, "a flow starts twice"
                flows_out[e["bind_id"]] = e["ts"]
            if e.get("flow_in"):
                assert e["bind_id"] not in flows_in, "a flow ends twice"
                flows_in[e["bind_id"]] = e["ts"]
        elif e["ph"] == "i":
            assert e["s"] in ("t", "p")
            if e["s"] == "t":
                assert (e["pid"], e["tid"]) in named_tids
        elif e["ph"] == "C":
            assert all(isinstance(v, int | float) for v in e["args"].values())
    assert flows_out.keys() == flows_in.keys(), "every flow has both ends"
    for bind_id, ts in flows_out.items():
        assert ts <= flows_in[bind_id], "a message is handled after it was sent"
    for intervals in tracks.values():
        _nest(intervals)
    return Counter("flow" if e.get("flow_in") else e["ph"] for e in events if e["ph"] != "M")


def test_trace_event_json_follows_the_format_on_every_scenario(trace, tmp_path):
    path = trace.to_chrome_json(tmp_path / "t.json")
    counts = check_trace_event_json(json.loads(path.read_text()))
    sends = trace.events.filter(pl.col("kind") == "msg_send").height
    assert counts["X"] + counts["flow"] == _handled(trace) + sends  # handlers + send markers
    assert counts["flow"] > 0 and counts["C"] > 0


def test_json_times_are_microseconds_and_slices_are_named_by_message_type(tmp_path):
    trace = ml.scenarios.run("ping-pong", seed=1, until=0.01)
    doc = json.loads(trace.to_chrome_json(tmp_path / "t.json").read_text())
    first = trace.events.filter(pl.col("kind") == "msg_handle").row(0, named=True)
    slices = [e for e in doc["traceEvents"] if e["ph"] == "X" and e.get("cat") == "handler"]
    match = [e for e in slices if e["args"]["msg_id"] == first["msg_id"]]
    assert len(match) == 1
    assert match[0]["ts"] == pytest.approx(first["t"] * 1e6)
    assert match[0]["dur"] == pytest.approx(first["duration"] * 1e6)
    assert match[0]["name"] == first["msg_type"]


def test_failures_restarts_node_deaths_and_partitions_are_instants(tmp_path):
    for name, kinds in (
        ("supervision-tree", {"actor_fail", "actor_restart"}),
        ("node-failure", {"node_down"}),
        ("partition", {"link_down", "link_up"}),
    ):
        trace = ml.scenarios.run(name, seed=3)
        doc = json.loads(trace.to_chrome_json(tmp_path / f"{name}.json").read_text())
        cats = {e["cat"] for e in doc["traceEvents"] if e["ph"] == "i"}
        assert kinds <= cats, (name, cats)


# Perfetto protobuf -----------------------------------------------------------------------------
def check_perfetto_proto(data: bytes) -> Counter:
    from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

    trace = pb.Trace()
    trace.ParseFromString(data)
    te = pb.TrackEvent
    described: dict[int, object] = {}
    open_slices: dict[int, list[int]] = defaultdict(list)
    flows_out: set[int] = set()
    flows_in: set[int] = set()
    counts: Counter = Counter()
    last_ts = 0
    for p in trace.packet:
        if p.HasField("track_descriptor"):
            d = p.track_descriptor
            assert d.uuid not in described, "a track is described twice"
            if d.HasField("parent_uuid"):
                assert d.parent_uuid in described, "a track's parent is described first"
            described[d.uuid] = d
            continue
        if not p.HasField("track_event"):
            continue
        e = p.track_event
        assert p.trusted_packet_sequence_id == 1
        assert e.track_uuid in described, "an event on a track nobody described"
        assert p.timestamp >= last_ts, "packets are written in time order"
        last_ts = p.timestamp
        if e.type == te.TYPE_SLICE_BEGIN:
            assert e.name
            open_slices[e.track_uuid].append(p.timestamp)
            flows_in.update(e.terminating_flow_ids)
            counts["slice"] += 1
        elif e.type == te.TYPE_SLICE_END:
            assert open_slices[e.track_uuid], "a slice ends that never began"
            open_slices[e.track_uuid].pop()
        elif e.type == te.TYPE_INSTANT:
            flows_out.update(e.flow_ids)
            counts["instant"] += 1
        elif e.type == te.TYPE_COUNTER:
            assert described[e.track_uuid].HasField("counter")
            counts["counter"] += 1
    assert not any(open_slices.values()), "every slice ends"
    assert flows_out == flows_in and 0 not in flows_out, "every flow has both ends"
    counts["flow"] = len(flows_out)
    return counts


def test_perfetto_protobuf_follows_the_format_on_every_scenario(trace, tmp_path):
    path = trace.to_perfetto(tmp_path / "t.pftrace")
    counts = check_perfetto_proto(path.read_bytes())
    assert counts["slice"] == _handled(trace)
    assert counts["flow"] > 0 and counts["counter"] > 0


# the v2 kinds: a handler_start / handler_end pair is one slice --------------------------------
def _v2_trace():
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.event("actor_spawn", 0.0, "n0", actor="a", msg_type="A")
    fk.event("actor_spawn", 0.0, "n0", actor="b", msg_type="B")
    fk.event("attrs", 0.1, "n0", actor="a", reason='{"role":"leader"}')
    for i, (t0, t1) in enumerate([(1.0, 1.5), (1.2, 1.4), (2.0, None)]):
        fk.event("msg_send", t0 - 0.5, "n0", actor="b", peer="a", msg_id=i, msg_type="job")
        fk.event("msg_recv", t0 - 0.4, "n0", actor="a", peer="b", msg_id=i, msg_type="job")
        fk.event("handler_start", t0, "n0", actor="a", peer="b", msg_id=i, msg_type="job")
        if t1 is not None:
            reason = "error: boom" if i == 1 else "ok"
            fk.event("handler_end", t1, "n0", actor="a", msg_id=i, msg_type="job",
                     duration=t1 - t0, reason=reason)  # fmt: skip
    fk.event("node_state", 3.0, "n0", reason="drain")
    return fk.trace()


def test_handler_start_end_pairs_are_slices_overlapping_ones_on_their_own_lane(tmp_path):
    trace = _v2_trace()
    tl = build(trace.events)
    sl = tl.slices.sort("msg_id")
    assert sl["start"].to_list() == [1_000_000_000, 1_200_000_000, 2_000_000_000]
    assert sl["end"].to_list() == [1_500_000_000, 1_400_000_000, 3_000_000_000]
    assert sl["unfinished"].to_list() == [False, False, True]  # still running at the end
    assert sl["outcome"].to_list() == ["ok", "error: boom", None]
    # msg 1 ran while msg 0 was running: a second lane, so slices on a track nest
    assert sl["lane"].to_list() == [0, 1, 0]
    doc = json.loads(trace.to_chrome_json(tmp_path / "v2.json").read_text())
    counts = check_trace_event_json(doc)
    assert counts["flow"] == 3
    names = {e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "thread_name"}
    assert {"a", "a [1]", "b"} <= names
    attrs = [e for e in doc["traceEvents"] if e.get("cat") == "attrs"]
    assert attrs and "leader" in attrs[0]["name"]
    assert (
        check_perfetto_proto(trace.to_perfetto(tmp_path / "v2.pftrace").read_bytes())["slice"] == 3
    )


def test_mailbox_counter_follows_the_fold(tmp_path):
    trace = ml.scenarios.run("spawn-storm", seed=2)
    tl = build(trace.events)
    for t in (0.50037, 1.00037, 2.00037):  # between events: no rounding to nanoseconds at play
        state = trace.state_at(t).actors.filter(pl.col("status") != "stopped")
        last = (
            tl.counters.filter(pl.col("t") <= round(t * 1e9))
            .group_by("actor")
            .agg(pl.col("depth").last())
        )
        joined = state.join(last, on="actor", how="left").with_columns(pl.col("depth").fill_null(0))
        assert joined["depth"].to_list() == joined["mailbox_depth"].to_list()


@pytest.mark.parametrize("make", ["v2", "spawn-storm", "synthetic"])
def test_chunked_export_equals_the_one_shot_export(make, tmp_path):
    """Time chunks of a few events (lanes, open handlers, mailbox depths and slice ends carried
    across many boundaries) write the same bytes as the timeline derived in one piece."""
    import io
    import sys
    from pathlib import Path

    from meshlab.export import chrome_json, perfetto_proto

    if make == "v2":
        trace = _v2_trace()
    elif make == "synthetic":
        sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
        from synthetic import synthetic_trace

        trace = synthetic_trace(20_000, seed=1, actors=60)
    else:
        trace = ml.scenarios.run(make, seed=2)
    n = len(trace)
    sizes = (1, 3) if n < 100 else (n // 40, n // 7 + 3)
    outputs = {}
    for size in (n, *sizes):
        js, pf = io.StringIO(), io.BytesIO()
        chrome_json.write(trace, js, chunk_events=size)
        perfetto_proto.write(trace, pf, chunk_events=size)
        outputs[size] = (js.getvalue(), pf.getvalue())
    assert outputs[n][0] and outputs[n][1]
    for size in sizes:
        assert outputs[size][0] == outputs[n][0], f"JSON differs with chunks of {size} events"
        assert outputs[size][1] == outputs[n][1], f"protobuf differs with chunks of {size}"
    check_trace_event_json(json.loads(outputs[sizes[0]][0]))
    check_perfetto_proto(outputs[sizes[0]][1])


def test_a_chunk_size_below_one_is_refused():
    from meshlab.export import chrome_json

    with pytest.raises(ValueError, match="chunk_events must be at least 1"):
        chrome_json.write(_v2_trace(), "/dev/null", chunk_events=0)


# OpenTelemetry ---------------------------------------------------------------------------------
def test_otel_spans_through_the_sdk_in_memory_exporter():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    trace = ml.scenarios.run("supervision-tree", seed=3)
    exporter = InMemorySpanExporter()
    n = otel.export(trace, exporter)
    spans = exporter.get_finished_spans()
    assert n == len(spans)
    sends = trace.events.filter(pl.col("kind") == "msg_send")
    msg_spans = [s for s in spans if "meshlab.msg_id" in s.attributes]
    assert len(msg_spans) == sends.height
    by_id = {s.context.span_id: s for s in spans}
    children = [s for s in msg_spans if s.parent is not None]
    assert children, "messages sent by a handler are children of that handler's message"
    for s in children:
        parent = by_id[s.parent.span_id]
        assert parent.context.trace_id == s.context.trace_id
        assert parent.attributes["meshlab.receiver"] == s.attributes["meshlab.sender"]
        assert parent.start_time <= s.start_time
    for s in spans:
        assert s.start_time <= s.end_time
    fails = [e for s in spans for e in s.events if e.name == "actor_fail"]
    assert len(fails) == trace.events.filter(pl.col("kind") == "actor_fail").height
    dropped = [s for s in msg_spans if any(e.name == "drop" for e in s.events)]
    assert all(s.status.status_code.name == "ERROR" for s in dropped)
    # same trace, same spans: ids are derived, not random
    again = InMemorySpanExporter()
    otel.export(trace, again)
    assert [s.to_json() for s in again.get_finished_spans()] == [s.to_json() for s in spans]


def test_otlp_json_lines_file(tmp_path):
    trace = ml.scenarios.run("ring", seed=1)
    path = export(trace, "otlp", tmp_path / "spans.jsonl")
    requests = otel.read_json_lines(path)
    spans = [s for r in requests for rs in r["resourceSpans"] for ss in rs["scopeSpans"]
             for s in ss["spans"]]  # fmt: skip
    assert len(spans) == len(list(otel.spans(trace)))
    for s in spans:
        assert len(s["traceId"]) == 32 and len(s["spanId"]) == 16  # OTLP/JSON: hex ids
        # proto3 JSON leaves out zero values: a span starting at virtual time 0 has no start
        assert int(s.get("endTimeUnixNano", 0)) >= int(s.get("startTimeUnixNano", 0))


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts

        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        req = ts.ExportTraceServiceRequest()
        req.ParseFromString(body)
        self.received.append((self.path, req))
        out = ts.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def test_spans_reach_a_real_otlp_http_endpoint_on_loopback():
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        trace = ml.scenarios.run("node-failure", seed=2, until=3)
        url = f"http://127.0.0.1:{server.server_port}/v1/traces"
        n = trace.to_otlp(endpoint=url)
    finally:
        server.shutdown()
        server.server_close()
    spans = [s for _, r in _Collector.received for rs in r.resource_spans
             for ss in rs.scope_spans for s in ss.spans]  # fmt: skip
    assert {p for p, _ in _Collector.received} == {"/v1/traces"}
    assert len(spans) == n > 0
    names = Counter(s.name for s in spans)
    assert names["node n0"] == 1
    sends = trace.events.filter(pl.col("kind") == "msg_send")
    assert sum(1 for s in spans if any(a.key == "meshlab.msg_id" for a in s.attributes)) == (
        sends.height
    )


def _closed_port() -> int:
    """A loopback port nobody listens on: bound once to learn a free number, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_endpoint_that_is_down_is_one_clear_error_at_once(tmp_path):
    trace = ml.scenarios.run("node-failure", seed=2)
    path = trace.save(tmp_path / "st.parquet")
    url = f"http://127.0.0.1:{_closed_port()}/v1/traces"
    started = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"cannot reach the OTLP endpoint .*refused"):
        otel.send(trace, url, timeout=10)
    # one refused connect, not the exporter's retries with back-off up to the 10 s timeout
    assert time.perf_counter() - started < 5
    out = subprocess.run(
        [sys.executable, "-m", "meshlab", "export", str(path), "--format", "otlp",
         "--endpoint", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        f"meshlab: error: cannot reach the OTLP endpoint {url} (Connection refused); "
        "start a collector there or check the URL"
    ]


class _Refuser(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that answers every batch 400 (a malformed request, no retry)."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_endpoint_that_refuses_the_spans_is_one_line_without_the_exporters_log(capfd):
    server = HTTPServer(("127.0.0.1", 0), _Refuser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        trace = ml.scenarios.run("ring", seed=1, until=0.2)
        with pytest.raises(ConnectionError, match="refused a batch"):
            otel.send(trace, f"http://127.0.0.1:{server.server_port}/v1/traces", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert capfd.readouterr().err == ""  # the SDK's "Failed to export span batch" kept quiet


# Mermaid and ShiViz ----------------------------------------------------------------------------
def test_mermaid_draws_the_window_and_actors_asked_for():
    trace = ml.scenarios.run("partition", seed=3)
    text = trace.to_mermaid(start=0.0, end=2.0, limit=10_000)
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    participants = [ln.split(" as ")[1] for ln in lines if ln.strip().startswith("participant")]
    window = trace.events.filter(pl.col("t") <= 2.0, pl.col("kind") == "msg_send")
    assert set(participants) == set(window["actor"].to_list()) | set(window["peer"].to_list())
    arrows = [ln for ln in lines if "->>" in ln or "-x" in ln]
    assert len(arrows) == window.height
    dropped = trace.events.filter(pl.col("kind") == "msg_drop", pl.col("t") <= 2.0)
    assert any("(dropped: partition)" in a for a in arrows) == (
        "partition" in dropped["reason"].to_list()
    )
    two = participants[:2]
    small = trace.to_mermaid(actors=two, limit=3)
    assert len([ln for ln in small.splitlines() if "participant" in ln]) == 2
    assert "more message(s) left out (limit=3" in small


def test_mermaid_names_unknown_actors():
    trace = ml.scenarios.run("ring", seed=1, until=0.2)
    with pytest.raises(ValueError, match="actor\\(s\\) nobody are not in this trace"):
        mermaid.diagram(trace, actors=["nobody"])


def test_shiviz_vector_clocks_follow_happens_before(tmp_path):
    trace = ml.scenarios.run("supervision-tree", seed=3)
    path = tmp_path / "t.log"
    n = shiviz.write(trace, path, end=3.0)
    text = path.read_text().split("\n")
    assert text[0] == shiviz.REGEX and text[1] == ""
    body = text[2:-1]
    assert len(body) == 2 * n
    last: dict[str, int] = {}
    sends: dict[str, dict] = {}
    for host_line, what in zip(body[::2], body[1::2], strict=True):
        host, clock_text = host_line.split(" ", 1)
        clock = json.loads(clock_text)
        # a host's own entry counts its events one by one
        assert clock[host] == last.get(host, 0) + 1
        last[host] = clock[host]
        msg = what.rsplit("(msg ", 1)[-1].rstrip(")") if "(msg " in what else None
        if " send " in what:
            sends[msg] = clock
        elif " receive " in what and msg in sends:
            sent = sends[msg]
            assert all(clock.get(h, 0) >= c for h, c in sent.items()), "receive after send"
    with pytest.raises(ValueError, match="more than ShiViz can show"):
        shiviz.write(trace, path, limit=10)


# the command line ------------------------------------------------------------------------------
def test_format_is_taken_from_the_suffix():
    assert format_for("a.pftrace") == "perfetto"
    assert format_for("a.json") == "chrome-json"
    assert format_for("a.md") == "mermaid"
    with pytest.raises(ValueError, match="give --format"):
        format_for("a.txt")


def test_the_export_command_writes_each_format_and_says_what_is_wrong(tmp_path):
    import subprocess
    import sys

    def meshlab(*args):
        return subprocess.run([sys.executable, "-m", "meshlab", *args], capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    src = ml.scenarios.run("ring", seed=1, until=1.0).save(tmp_path / "ring.parquet")
    out = meshlab("export", str(src), "--out", str(tmp_path / "ring.pftrace"))
    assert out.returncode == 0, out.stderr
    assert "wrote perfetto" in out.stdout
    check_perfetto_proto((tmp_path / "ring.pftrace").read_bytes())
    out = meshlab("export", str(src), "--format", "mermaid", "--out", str(tmp_path / "r.md"),
                  "--end", "0.2")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r.md").read_text().startswith("```mermaid\nsequenceDiagram\n")
    for args, message in (
        (["--out", str(tmp_path / "x.txt")], "cannot tell the export format"),
        (["--out", str(tmp_path / "x.json"), "--end", "0.3"],
         "--end only applies to --format mermaid or shiviz, not chrome-json"),
        (["--out", str(tmp_path / "x.json"), "--start", "0", "--end", "1"],
         "--start and --end only apply to --format mermaid or shiviz"),
        (["--out", str(tmp_path / "nope" / "x.json")], "does not exist"),
        (["--format", "mermaid", "--out", str(tmp_path / "m.mmd"), "--actors", "zz"],
         "actor(s) zz are not in this trace"),
    ):  # fmt: skip
        out = meshlab("export", str(src), *args)
        assert out.returncode != 0
        assert message in out.stderr and "Traceback" not in out.stderr
