"""A live node's source that follows a Ray cluster (``meshlab serve --ray ADDRESS``).

Push mode (the default): Ray's Event Export POSTs to a :class:`Receiver`; each batch is
mapped and published at once. On attach (and when the cluster comes back after being
unreachable) the state API's present is read first: alive nodes and actors.

Polling mode (``poll=True``, or a Ray without the Event Export): the state API is read every
``poll_interval`` seconds with two cheap calls (``list_nodes``, ``list_actors``; never a full
task list) and each change of state becomes its event, stamped when it was seen. What this
mode cannot see is said on stderr and in the hello (``ray.cannot_see``).

Either way the GCS port is probed every couple of seconds; when it stops answering, every node
still up is marked down with a ``client_observed`` reason (the recording is kept), and when
it answers again the cluster is read afresh and followed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import sys
import time
from dataclasses import asdict, is_dataclass
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from meshlab.live.feed import Feed
from meshlab.live.observations import OBSERVED
from meshlab.live.protocol import E_NOT_SUPPORTED, ProtocolError
from meshlab.ray.env import export_env
from meshlab.ray.ids import node_name
from meshlab.ray.mapping import RayMapper, Row, to_frame
from meshlab.ray.receiver import Receiver

POLL_CANNOT_SEE = (
    "calls between actors (no messages, no handler start/end)",
    "exact transition times (events are stamped when a poll saw them)",
    "transitions shorter than the poll interval",
    "which actor created an actor (no parents)",
)
HEALTH_INTERVAL = 2.0
HEALTH_MISSES = 3  # consecutive unanswered probes before the cluster counts as gone
PUBLISH_INTERVAL = 0.02  # mapped rows are published as one frame per tick (frames are costly)
SWEEP_INTERVAL = 0.5
STATE_TIMEOUT = 30


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot be found; the message says what to do."""


class RaySource:
    """Follow the Ray cluster at ``address`` (``auto`` or the GCS ``host:port``)."""

    kind = "ray"
    id_scope = "cluster"
    clock_kind = "wall"

    def __init__(
        self,
        address: str,
        *,
        receiver_host: str = "127.0.0.1",
        receiver_port: int = 0,
        poll: bool = False,
        poll_interval: float = 2.0,
        grace: float = 2.0,
        log=None,
    ) -> None:
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be a positive number, got {poll_interval}")
        self.address = address
        self.gcs = resolve_address(address)
        self.log = log or (lambda text: print(f"meshlab serve: {text}", file=sys.stderr))
        self.feed = Feed()
        self.mapper = RayMapper(grace=grace)
        self.poll_interval = poll_interval
        missing = export_missing()
        if missing and not poll:
            self.log(f"{missing}; following the cluster by polling its state API instead")
            poll = True
        self.polling = poll
        self.receiver = Receiver(self._on_post, host=receiver_host, port=receiver_port)
        self.state = "running"
        self.cluster_up = False
        self.misses = 0
        self.backfilled = 0
        self.started = time.time()
        self._pending: list[Row] = []
        if self.polling:
            self.log("polling mode cannot see: " + "; ".join(POLL_CANNOT_SEE))

    # what a live node asks of its source ---------------------------------------------------
    def describe(self) -> dict[str, Any]:
        ident = f"ray:{self.gcs}:{self.started}"
        return {
            "source": self.kind,
            "scenario": None,
            "seed": None,
            "nodes": self.mapper.node_names(),
            "stream_id": hashlib.sha256(ident.encode()).hexdigest()[:16],
            "ray": {
                "address": self.gcs,
                "mode": "poll" if self.polling else "export",
                "receiver": None if self.polling else self.receiver.url,
                "cannot_see": list(POLL_CANNOT_SEE) if self.polling else [],
                "cluster_up": self.cluster_up,
            },
        }

    def ready_info(self) -> dict[str, Any]:
        """Extra fields for ``meshlab serve``'s listening line."""
        return {
            "ray_address": self.gcs,
            "ray_mode": "poll" if self.polling else "export",
            "ray_receiver": None if self.polling else self.receiver.url,
            "ray_env": {} if self.polling else export_env(self.receiver.url),
        }

    def title(self) -> str:
        how = "polling" if self.polling else f"receiving Ray events on {self.receiver.url}"
        return f"Ray cluster {self.gcs} ({how})"

    def now(self) -> float:
        return time.time()

    def control(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        raise ProtocolError(E_NOT_SUPPORTED, f"a Ray source does not support {action!r}")

    def collector(self) -> Collector:
        return _RayCollector(self)

    # running -------------------------------------------------------------------------------
    async def run(self) -> None:
        if not self.polling:
            await self.receiver.start()
        publisher = asyncio.create_task(self._publish_loop())
        try:
            await self._follow()
        finally:
            publisher.cancel()
            await self.receiver.stop()

    async def _publish_loop(self) -> None:
        while True:
            await asyncio.sleep(PUBLISH_INTERVAL)
            self.flush()

    def flush(self) -> None:
        """Publish the rows mapped since the last tick as one frame."""
        if self._pending:
            rows, self._pending = self._pending, []
            self.feed.append(to_frame(rows, first_seq=self.feed.head))

    async def _follow(self) -> None:
        next_health = next_poll = 0.0
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if now >= next_health:
                next_health = now + HEALTH_INTERVAL
                up = await asyncio.to_thread(gcs_reachable, self.gcs)
                # a loaded machine can miss one probe: only several in a row mean gone
                self.misses = 0 if up else self.misses + 1
                if up and not self.cluster_up:
                    if await self._read_present():
                        self.cluster_up = True
                        self.log(f"following the Ray cluster at {self.gcs}")
                elif self.misses >= HEALTH_MISSES and self.cluster_up:
                    self.cluster_up = False
                    self._cluster_lost()
            if self.polling and self.cluster_up and now >= next_poll:
                next_poll = now + self.poll_interval
                if not await self._read_present():
                    next_health = 0.0  # look again at once
            self.publish(self.mapper.sweep(now=time.time()))
            await asyncio.sleep(SWEEP_INTERVAL)

    async def _read_present(self) -> bool:
        try:
            nodes, actors = await asyncio.to_thread(read_state, self.gcs)
        except Exception as exc:  # the state API failed: say so once, try again later
            self.log(f"cannot read the Ray state API at {self.gcs}: {_one_line(exc)}")
            return False
        rows = self.mapper.reconcile(nodes, actors, now=time.time())
        self.backfilled += len(rows)
        self.publish(rows)
        return True

    def _on_post(self, events: list[dict[str, Any]]) -> None:
        self.publish(self.mapper.feed(events, now=time.time()))

    def _cluster_lost(self) -> None:
        t = time.time()
        reason = f"{OBSERVED}: the Ray GCS at {self.gcs} does not answer"
        rows: list[Row] = []
        down = []
        for h, state in self.mapper.nodes.items():
            if state in ("up", "draining"):
                self.mapper.nodes[h] = "down"
                down.append(node_name(h))
                rows.append(_row(t, "node_down", node_name(h), reason=reason))
        for a in self.mapper.actors.values():
            if a.state in ("alive", "restarting") and a.node in down:
                if a.state == "alive":
                    rows.append(_row(t, "actor_fail", a.node, a.name, a.inc, reason="node_down"))
                a.state = "dead"  # seen alive again later: a restart
        self.log(f"the Ray cluster at {self.gcs} is unreachable; its nodes are marked down")
        self.publish(rows)

    def publish(self, rows: list[Row]) -> None:
        self._pending += rows


def _row(t, kind, node, actor=None, inc=0, *, reason=None) -> Row:
    return (t, kind, node, actor, inc, None, None, None, None, None, reason, None)


class _RayCollector(Collector):
    """The Ray source's own metrics, beside the node's (``/metrics``)."""

    def __init__(self, source: RaySource) -> None:
        self.source = source

    def collect(self):
        src, m = self.source, self.source.mapper
        posts = CounterMetricFamily(
            "meshlab_ray_posts", "Event Export POSTs by outcome.", labels=["outcome"]
        )
        posts.add_metric(["accepted"], src.receiver.accepted)
        for why, n in sorted(src.receiver.rejected.items()):
            posts.add_metric([f"rejected_{why}"], n)
        yield posts
        events = CounterMetricFamily(
            "meshlab_ray_events", "Ray events mapped, by type.", labels=["type"]
        )
        for kind, n in sorted(m.counts.items()):
            events.add_metric([kind], n)
        yield events
        unknown = CounterMetricFamily(
            "meshlab_ray_unknown_events", "Ray events of a type meshlab skips.", labels=["type"]
        )
        for kind, n in sorted(m.unknown.items()):
            unknown.add_metric([kind], n)
        yield unknown
        unmatched = CounterMetricFamily(
            "meshlab_ray_unmatched_calls", "Call reports whose definition never arrived."
        )
        unmatched.add_metric([], m.unmatched)
        yield unmatched
        for name, help_text, value in (
            ("meshlab_ray_cluster_up", "1 while the Ray GCS answers.", src.cluster_up),
            ("meshlab_ray_polling", "1 in polling mode (no Event Export).", src.polling),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], float(value))
            yield gauge


# Ray access (imports Ray) ------------------------------------------------------------------
def _ray():
    try:
        import ray  # noqa: F401
        from ray.util import state
    except ImportError:
        raise RayUnavailable(
            "following a Ray cluster needs Ray: pip install 'meshlab[ray]' (ray[default])"
        ) from None
    return state


def export_missing() -> str | None:
    """Why this Ray cannot push events to meshlab, or None if it can."""
    _ray()
    try:
        import ray.core.generated.events_base_event_pb2
    except ImportError:
        import ray

        return f"Ray {ray.__version__} has no Event Export (it came in Ray 2.49)"
    return None


def resolve_address(address: str) -> str:
    """The GCS ``host:port`` of ``auto`` (the cluster started on this machine) or as given."""
    _ray()
    if address != "auto":
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise RayUnavailable(
                f"--ray wants 'auto' or the GCS address HOST:PORT (as `ray start` prints), "
                f"got {address!r}"
            )
        return address
    from ray._private import services

    found = services.find_bootstrap_address(None)
    if not found:
        raise RayUnavailable(
            "--ray auto found no Ray cluster started on this machine; start one with "
            "`ray start --head`, or give the GCS address HOST:PORT"
        )
    return found


def gcs_reachable(address: str, timeout: float = 2.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def read_state(address: str) -> tuple[list[dict], list[dict]]:
    """``list_nodes`` and ``list_actors`` (detail, up to 10,000 rows) as plain dicts."""
    state = _ray()
    kw = {"address": address, "detail": True, "limit": 10_000, "timeout": STATE_TIMEOUT}
    with contextlib.redirect_stdout(sys.stderr):  # Ray may print warnings to stdout
        nodes = state.list_nodes(raise_on_missing_output=False, **kw)
        actors = state.list_actors(raise_on_missing_output=False, **kw)
    return [_plain(n) for n in nodes], [_plain(a) for a in actors]


def _plain(row: Any) -> dict:
    return asdict(row) if is_dataclass(row) else dict(row)  # type: ignore[arg-type]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
