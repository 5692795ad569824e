"""OpenTelemetry spans through the OpenTelemetry SDK's own exporters.

Every message is a span from its send to the end of its handler (or to its drop, or to its
delivery when no handler ran), child of its sender's span: the span of the message whose
handler was running on the sender when it sent. A message sent outside any handler starts a
trace of its own. Mailbox arrival, handler start and end, and a drop are span events; a drop
or a handler that raised sets the span's status to error.

Lifecycle has spans of its own in one more trace: a root span for the run, a span per node
(node and partition events are its span events) and a span per actor life (spawn or restart to
stop, failure or the end of the trace; failures, restarts and attribute changes are span events).

IDs are derived from the trace, so the same trace exports the same spans: a message's span id
is ``msg_id + 1``. Spans go to an SDK ``SpanExporter`` in batches: the OTLP/JSON file exporter
(``opentelemetry-exporter-otlp-json-file``: one JSON line per batch, the format the
Collector's ``otlpjsonfile`` receiver reads), the OTLP/HTTP exporter (``endpoint=``), or any
exporter you pass (the SDK's ``InMemorySpanExporter`` in tests).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from meshlab.export.timeline import KS, K, handler_slices, ns

_BATCH = 2048
_LIFE = 1 << 62  # span ids of actor lives: this + index; nodes: _NODE + index; run: _NODE - 1
_NODE = 3 << 61
_RUN_TRACE = (1 << 127) | 1  # the lifecycle trace; message traces are root msg_id + 1


def _sdk():
    try:
        from opentelemetry import trace as api
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import Event, ReadableSpan
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    except ImportError:
        raise ImportError(
            "the OpenTelemetry export needs the SDK: pip install opentelemetry-sdk "
            "opentelemetry-exporter-otlp-json-file opentelemetry-exporter-otlp-proto-http"
        ) from None
    return api, Resource, Event, ReadableSpan, InstrumentationScope


def _first(rows: pl.DataFrame) -> pl.DataFrame:
    """The first row of each message, in the order given."""
    return rows.unique("msg_id", keep="first", maintain_order=True)


def messages(events: pl.DataFrame) -> pl.DataFrame:
    """One row per sent message with its delivery, handler, drop and parent message."""
    sends = events.filter(K == "msg_send").select(
        "seq", "msg_id", "msg_type", "size", sender="actor", sender_node="node",
        receiver="peer", t_send="t",
    )  # fmt: skip
    recv = events.filter(K == "msg_recv").select("msg_id", t_recv="t", receiver_node="node")
    drop = events.filter(K == "msg_drop").select("msg_id", t_drop="t", drop_reason="reason")
    slices = handler_slices(events)
    handled = slices.select(
        "msg_id", "actor", h_start="start", h_end="end", outcome="outcome",
        unfinished="unfinished",
    )  # fmt: skip
    msgs = (
        sends.join(_first(recv), on="msg_id", how="left")
        .join(_first(drop), on="msg_id", how="left")
        .join(_first(handled).drop("actor"), on="msg_id", how="left")
    )
    # the sender's running handler: the last handler on the sender that started at or
    # before the send and had not ended
    running = slices.filter(pl.col("actor").is_not_null()).select(
        sender="actor", start="start", end="end", parent="msg_id"
    )
    msgs = (
        msgs.with_columns(t_ns=ns("t_send"))
        .sort("t_ns")
        .join_asof(
            running.sort("start"),
            left_on="t_ns",
            right_on="start",
            by="sender",
            strategy="backward",
            check_sortedness=False,  # both sides are sorted by time, so within each sender too
        )
        .with_columns(
            parent=pl.when(pl.col("t_ns") <= pl.col("end")).then(pl.col("parent")),
        )
        .sort("seq")
    )
    return msgs


def _ids(msgs: pl.DataFrame) -> dict[int, int]:
    """msg_id -> trace id: a message inherits its parent message's trace."""
    trace_of: dict[int, int] = {}
    for mid, parent in msgs.select("msg_id", "parent").iter_rows():
        if mid is None:
            continue
        root = trace_of.get(parent) if parent is not None else None
        trace_of[mid] = root if root is not None else (1 << 64) | (mid + 1)
    return trace_of


def spans(trace) -> Iterator[Any]:
    """The trace as OpenTelemetry SDK ``ReadableSpan`` objects (messages, then lifecycle)."""
    api, Resource, Event, ReadableSpan, Scope = _sdk()
    from meshlab import __version__

    ev = trace.events
    # Resource(...), not Resource.create: no random service.instance.id, so exports repeat
    resource = Resource(
        {
            "service.name": f"meshlab:{trace.meta.scenario or trace.meta.source}",
            "meshlab.seed": -1 if trace.meta.seed is None else int(trace.meta.seed),
        }
    )
    scope = Scope("meshlab.export.otel", __version__)
    flags = api.TraceFlags(api.TraceFlags.SAMPLED)

    def ctx(trace_id: int, span_id: int):
        return api.SpanContext(trace_id, span_id, is_remote=False, trace_flags=flags)

    def span(name, context, parent, start, end, attrs, events, status=None, kind=None):
        return ReadableSpan(
            name=name,
            context=context,
            parent=parent,
            resource=resource,
            attributes={k: v for k, v in attrs.items() if v is not None},
            events=events,
            kind=kind or api.SpanKind.INTERNAL,
            status=status or api.Status(api.StatusCode.UNSET),
            start_time=start,
            end_time=max(start, end),
            instrumentation_scope=scope,
        )

    end_ns = round(float(ev["t"].max()) * 1e9) if ev.height else 0
    msgs = messages(ev)
    trace_of = _ids(msgs)
    for part in msgs.iter_slices(50_000):
        for m in part.iter_rows(named=True):
            mid = m["msg_id"]
            if mid is None:
                continue
            tid = trace_of[mid]
            parent = m["parent"]
            start = m["t_ns"]
            stop = m["h_end"] or (m["t_drop"] and round(m["t_drop"] * 1e9))
            stop = stop or (m["t_recv"] and round(m["t_recv"] * 1e9)) or start
            events = []
            if m["t_recv"] is not None:
                events.append(Event("mailbox", {}, round(m["t_recv"] * 1e9)))
            if m["h_start"] is not None:
                events.append(Event("handler_start", {}, m["h_start"]))
                if not m["unfinished"]:
                    outcome = {"outcome": m["outcome"]} if m["outcome"] else {}
                    events.append(Event("handler_end", outcome, m["h_end"]))
            status = None
            if m["t_drop"] is not None:
                events.append(
                    Event("drop", {"reason": m["drop_reason"] or ""}, round(m["t_drop"] * 1e9))
                )
                status = api.Status(api.StatusCode.ERROR, f"dropped: {m['drop_reason']}")
            elif (m["outcome"] or "").startswith("error"):
                status = api.Status(api.StatusCode.ERROR, m["outcome"])
            yield span(
                m["msg_type"] or "message",
                ctx(tid, mid + 1),
                ctx(tid, parent + 1) if parent is not None and tid != (1 << 64) | (mid + 1)
                else None,
                start,
                stop,
                {
                    "meshlab.msg_id": mid,
                    "meshlab.sender": m["sender"],
                    "meshlab.sender_node": m["sender_node"],
                    "meshlab.receiver": m["receiver"],
                    "meshlab.receiver_node": m["receiver_node"],
                    "meshlab.size": m["size"],
                    "meshlab.unfinished": m["unfinished"] or None,
                },
                events,
                status,
                api.SpanKind.CONSUMER if m["h_start"] is not None else api.SpanKind.PRODUCER,
            )  # fmt: skip
    yield from _lifecycle(trace, ctx, span, Event, api, end_ns)


def _lifecycle(trace, ctx, span, Event, api, end_ns: int) -> Iterator[Any]:
    ev = trace.events
    start_ns = round(float(ev["t"].min()) * 1e9) if ev.height else 0
    run = ctx(_RUN_TRACE, _NODE - 1)
    yield span(
        f"run {trace.meta.scenario or trace.meta.source}", run, None, start_ns, end_ns,
        {"meshlab.events": ev.height}, [],
    )  # fmt: skip
    nodes = sorted(set(ev["node"].unique().to_list()))
    node_ctx = {n: ctx(_RUN_TRACE, _NODE + i) for i, n in enumerate(nodes)}
    node_rows = ev.filter(
        (K.is_in(["node_join", "node_leave", "node_down", "node_up", "node_state", "attrs"])
         & pl.col("actor").is_null()) | K.is_in(["link_down", "link_up"])
    )  # fmt: skip
    for node in nodes:
        rows = node_rows.filter(pl.col("node") == node)
        events = [
            Event(k, {"reason": r or "", "peer": p or ""}, round(t * 1e9))
            for k, r, p, t in rows.select(KS, "reason", "peer", "t").iter_rows()
        ]
        yield span(f"node {node}", node_ctx[node], run, start_ns, end_ns, {"meshlab.node": node},
                   events)  # fmt: skip

    life = ev.filter(
        K.is_in(["actor_spawn", "actor_restart", "actor_stop", "actor_fail", "attrs"])
        & pl.col("actor").is_not_null()
    ).select("actor", "node", "incarnation", "t", "reason", "peer", "msg_type", kind=KS)
    opened: dict[str, dict[str, Any]] = {}
    count = 0

    def close(actor: str, t_end: int):
        nonlocal count
        life = opened.pop(actor)
        count += 1
        return span(
            f"actor {actor}",
            ctx(_RUN_TRACE, _LIFE + count),
            node_ctx.get(life["node"], run),
            life["start"],
            t_end,
            {"meshlab.actor": actor, "meshlab.node": life["node"],
             "meshlab.incarnation": life["incarnation"], "meshlab.class": life["cls"]},
            life["events"],
            api.Status(api.StatusCode.ERROR, life["error"]) if life["error"] else None,
        )  # fmt: skip

    for actor, node, inc, t, reason, peer, cls, kind in life.iter_rows():
        t_ns = round(t * 1e9)
        if kind in ("actor_spawn", "actor_restart"):
            if actor in opened:
                yield close(actor, t_ns)
            opened[actor] = dict(node=node, incarnation=inc, start=t_ns, cls=cls, events=[],
                                 error=None)  # fmt: skip
            opened[actor]["events"].append(Event(kind, {"reason": reason or ""}, t_ns))
            continue
        if actor not in opened:  # a trace cut after the spawn: the life starts at its start
            opened[actor] = dict(node=node, incarnation=inc, start=start_ns, cls=None, events=[],
                                 error=None)  # fmt: skip
        attrs = {"reason": reason or ""}
        if kind == "actor_fail":
            attrs["root_cause"] = peer or actor
            opened[actor]["error"] = reason or "failed"
        opened[actor]["events"].append(Event(kind, attrs, t_ns))
        if kind in ("actor_stop", "actor_fail"):
            yield close(actor, t_ns)
    for actor in list(opened):
        yield close(actor, end_ns)


def export(trace, exporter, *, batch: int = _BATCH) -> int:
    """Send every span of ``trace`` to an SDK ``SpanExporter`` in batches; returns the count.

    Raises ``ConnectionError`` when the exporter reports a failed batch (an OTLP endpoint that
    is down or refuses them)."""
    from opentelemetry.sdk.trace.export import SpanExportResult

    n, chunk = 0, []
    for s in spans(trace):
        chunk.append(s)
        if len(chunk) >= batch:
            n += _send(exporter, chunk, SpanExportResult)
            chunk = []
    if chunk:
        n += _send(exporter, chunk, SpanExportResult)
    return n


def _send(exporter, chunk: list, ok) -> int:
    if exporter.export(chunk) != ok.SUCCESS:
        raise ConnectionError(
            f"the OpenTelemetry exporter {type(exporter).__name__} refused a batch of "
            f"{len(chunk)} spans; check the endpoint is up and accepts OTLP"
        )
    return len(chunk)


def write(trace, out: str | Path) -> int:
    """Write the spans as OTLP/JSON lines (one ``ExportTraceServiceRequest`` per line)."""
    try:
        from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
    except ImportError:
        raise ImportError(
            "the OTLP file export needs: pip install opentelemetry-exporter-otlp-json-file"
        ) from None
    with open(out, "w", encoding="utf-8") as f:
        exporter = FileSpanExporter(stream=f)
        n = export(trace, exporter)
        exporter.shutdown()
    return n


def send(trace, endpoint: str, *, timeout: float = 10.0) -> int:
    """Send the spans to an OTLP/HTTP endpoint (``http://host:4318/v1/traces``).

    Raises ``ConnectionError`` with one line when the endpoint cannot be reached (checked with
    one TCP connect first, so a refused port fails at once instead of after the exporter's
    retries) or refuses a batch; the exporter's own retry and failure log lines are kept quiet
    while it sends, since the error says the same once."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ImportError(
            "sending to an OTLP endpoint needs: pip install opentelemetry-exporter-otlp-proto-http"
        ) from None
    _check_reachable(endpoint, timeout)
    exporter = OTLPSpanExporter(endpoint=endpoint, timeout=timeout)
    with _quiet("opentelemetry"):
        try:
            return export(trace, exporter)
        finally:
            exporter.shutdown()


def _check_reachable(endpoint: str, timeout: float) -> None:
    """One TCP connect to the endpoint's host and port; ``ConnectionError`` if it fails."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"the OTLP endpoint must be an http:// or https:// URL, got {endpoint!r} "
            "(for example http://localhost:4318/v1/traces)"
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=min(timeout, 5.0)).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ConnectionError(
            f"cannot reach the OTLP endpoint {endpoint} ({reason}); start a collector "
            "there or check the URL"
        ) from None


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence a logger tree for the duration (its child loggers inherit the level)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_json_lines(path: str | Path) -> list[dict]:
    """The ``ExportTraceServiceRequest`` objects of an OTLP/JSON lines file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
