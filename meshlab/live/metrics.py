"""Prometheus metrics of a live node, computed at scrape time from its :class:`StateTracker`.

A custom collector (rather than ``Counter.inc()`` per event) keeps a 50,000 events/s stream
cheap: the tracker already aggregates each batch, and a scrape only reads the totals.
``docs/metrics.md`` lists every metric with an example scrape job and PromQL.
"""

from __future__ import annotations

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

from meshlab.live.state import HANDLER_BUCKETS, StateTracker

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class NodeCollector(Collector):
    """Yields meshlab's metric families; ``stream_info`` adds the server's own gauges."""

    def __init__(self, tracker: StateTracker, stream_info: Callable[[], dict[str, Any]]) -> None:
        self.tracker = tracker
        self.stream_info = stream_info

    def collect(self) -> Iterator[Any]:
        tr = self.tracker
        events = CounterMetricFamily(
            "meshlab_events", "Events published by this node, by kind.", labels=["kind"]
        )
        for kind, n in sorted(tr.events_by_kind.items()):
            events.add_metric([kind], n)
        yield events

        messages = CounterMetricFamily(
            "meshlab_messages",
            "Messages by outcome: sent, received (into a mailbox), handled, dropped.",
            labels=["node", "outcome"],
        )
        for (node, outcome), n in sorted(tr.messages.items()):
            messages.add_metric([node, outcome], n)
        yield messages

        drops = CounterMetricFamily(
            "meshlab_message_drops", "Dropped messages by reason.", labels=["node", "reason"]
        )
        for (node, reason), n in sorted(tr.drops.items()):
            drops.add_metric([node, reason], n)
        yield drops

        restarts = CounterMetricFamily(
            "meshlab_actor_restarts", "Actor restarts by a supervisor.", labels=["node"]
        )
        for node, n in sorted(tr.restarts.items()):
            restarts.add_metric([node], n)
        yield restarts

        failures = CounterMetricFamily(
            "meshlab_actor_failures", "Actor failures (crashes).", labels=["node"]
        )
        for node, n in sorted(tr.failures.items()):
            failures.add_metric([node], n)
        yield failures

        actors = GaugeMetricFamily(
            "meshlab_actors",
            "Actors by status: idle, busy, failed, stopped.",
            labels=["node", "status"],
        )
        for (node, status), n in sorted(tr.actors_by_status().items()):
            actors.add_metric([node, status], n)
        yield actors

        nodes = GaugeMetricFamily("meshlab_nodes", "Nodes by state.", labels=["state"])
        by_state: dict[str, int] = {}
        for state in tr.nodes.values():
            by_state[state] = by_state.get(state, 0) + 1
        for state, n in sorted(by_state.items()):
            nodes.add_metric([state], n)
        yield nodes

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


def _bound(x: float) -> str:
    return repr(float(x))


def registry_for(tracker: StateTracker, stream_info: Callable[[], dict[str, Any]]):
    """A registry holding only this node's metrics (no process metrics of the host)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(tracker, stream_info))
    return registry


def exposition(registry) -> bytes:
    """The text exposition format of everything in ``registry``."""
    return generate_latest(registry)
