"""Prometheus metrics of a live node, computed at scrape time from its :class:`StateTracker`.

A custom collector (rather than ``Counter.inc()`` per event) keeps a 50,000 events/s stream
cheap: the tracker already aggregates each batch, and a scrape only reads the totals.
``docs/metrics.md`` lists every metric with an example scrape job and PromQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from meshlab.live.latency import LatencyTracker
from meshlab.live.state import HANDLER_BUCKETS, StateTracker

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class NodeCollector(Collector):
    """Yields meshlab's metric families; ``stream_info`` adds the server's own gauges."""

    def __init__(
        self,
        tracker: StateTracker,
        stream_info: Callable[[], dict[str, Any]],
        latency: LatencyTracker | None = None,
    ) -> None:
        self.tracker = tracker
        self.stream_info = stream_info
        self.latency = latency

    def collect(self) -> Iterator[Any]:
        tr = self.tracker
        yield _family(
            CounterMetricFamily,
            "meshlab_events",
            "Events published by this node, by kind.",
            ["kind"],
            tr.events_by_kind,
        )
        yield _family(
            CounterMetricFamily,
            "meshlab_messages",
            "Messages by outcome: sent, received (into a mailbox), handled, dropped.",
            ["node", "outcome"],
            tr.messages,
        )
        yield _family(
            CounterMetricFamily,
            "meshlab_message_drops",
            "Dropped messages by reason.",
            ["node", "reason"],
            tr.drops,
        )
        yield _family(
            CounterMetricFamily,
            "meshlab_actor_restarts",
            "Actor restarts by a supervisor.",
            ["node"],
            tr.restarts,
        )
        yield _family(
            CounterMetricFamily,
            "meshlab_actor_failures",
            "Actor failures (crashes).",
            ["node"],
            tr.failures,
        )
        yield _family(
            GaugeMetricFamily,
            "meshlab_actors",
            "Actors by status: idle, busy, failed, stopped.",
            ["node", "status"],
            tr.actors_by_status(),
        )
        yield _family(
            GaugeMetricFamily,
            "meshlab_nodes",
            "Nodes by state.",
            ["state"],
            Counter(tr.nodes.values()),
        )

        queued = GaugeMetricFamily(
            "meshlab_mailbox_messages",
            "Messages waiting in the mailboxes of a node's live actors.",
            labels=["node"],
        )
        deepest = GaugeMetricFamily(
            "meshlab_mailbox_depth_max", "The deepest mailbox on a node.", labels=["node"]
        )
        for node, (total, most) in sorted(tr.mailboxes().items()):
            queued.add_metric([node], total)
            deepest.add_metric([node], most)
        yield queued
        yield deepest

        handler = HistogramMetricFamily(
            "meshlab_handler_duration_seconds",
            "Time a message handler ran, by message type.",
            labels=["msg_type"],
        )
        bounds = [*map(_bound, HANDLER_BUCKETS), "+Inf"]
        for msg_type, counts in sorted(tr.handler_buckets.items()):
            cumulative = np.cumsum(counts)
            handler.add_metric(
                [msg_type],
                buckets=list(zip(bounds, map(int, cumulative), strict=True)),
                sum_value=tr.handler_sum[msg_type],
            )
        yield handler
        if self.latency is not None:
            yield from self.latency.families()

        info = self.stream_info()
        for name, help_text in (
            ("meshlab_stream_head_seq", "The seq the next published event will carry."),
            ("meshlab_stream_subscribers", "Clients subscribed to the event stream."),
            ("meshlab_source_time_seconds", "The source's clock (virtual or wall seconds)."),
            ("meshlab_source_paused", "1 while the source is paused by a control action."),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], float(info[name]))
            yield gauge


def _family(cls, name: str, help_text: str, labels: list[str], values: dict) -> Any:
    """A metric family with one sample per key of ``values`` (a label value or a tuple of
    them), in sorted order so that scrapes are stable."""
    family = cls(name, help_text, labels=labels)
    for key, n in sorted(values.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], n)
    return family


def _bound(x: float) -> str:
    return repr(float(x))


def registry_for(
    tracker: StateTracker,
    stream_info: Callable[[], dict[str, Any]],
    latency: LatencyTracker | None = None,
):
    """A registry holding only this node's metrics (no process metrics of the host)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(tracker, stream_info, latency))
    return registry


def exposition(registry) -> bytes:
    """The text exposition format of everything in ``registry``."""
    return generate_latest(registry)
