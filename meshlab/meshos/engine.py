"""The MeshOS engine: one event loop that reconciles a simulated mesh with its desired state.

Every input — node health, daemon lifecycle signals and heartbeats, replica transfers that
land or fail, RTT samples, admin actions, blob announcements and placement intent — enters
one inbox. Each round (every ``interval`` seconds of virtual time) takes the inbox in one
canonical order, ``(time, input class, arrival)``, folds it into the engine's view of the
actual state, moves each node's maintenance state machine, asks :func:`~meshlab.meshos.plan`
for the minimal actions and starts them, under backpressure. Every action is recorded with
its cause, start, end and outcome, so drift and repair can be scrubbed and queried.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from meshlab.meshos import watch
from meshlab.meshos.actual import ActualState, NodeView, Transfer
from meshlab.meshos.daemons import DaemonActor, InstanceActor
from meshlab.meshos.desired import DesiredState
from meshlab.meshos.maintenance import EDGES, check_transition
from meshlab.meshos.plan import Action, plan

if TYPE_CHECKING:
    from meshlab.sim.mesh import Mesh

# The canonical order of inputs that arrive at the same instant.
INPUT_ORDER: Final = (
    "node",
    "daemon_exit",
    "beat",
    "transfer",
    "rtt",
    "admin",
    "blob",
    "intent",
    "inventory",
    "timeout",
    "caps",
)
_RANK: Final = {name: i for i, name in enumerate(INPUT_ORDER)}

_MESH_STATE: Final = {
    "active": "up",
    "cordoned": "cordon",
}


@dataclass(frozen=True)
class Policy:
    """The engine's knobs, each with the default it runs with.

    Daemon restarts back off exponentially (``backoff_base`` × 2^(n−1), at most
    ``backoff_max``); more than ``crash_loop`` crashes within ``crash_window`` seconds gates the
    daemon for ``cooldown`` seconds; a daemon healthy for ``stabilise`` seconds has its crash
    count forgotten. At most ``max_transfers`` copies are in flight at once (global
    backpressure); a node whose pull failed takes no new pull for ``pull_cooldown`` seconds.
    At most ``throttle`` daemon starts happen within any ``throttle_window`` seconds (0: no
    throttle); the rest wait, recorded as queued. A node's heat is the copies it holds over
    ``capacity`` (0: heat is not measured); above ``hot`` the engine moves one copy at a time
    off it (``reduce_heat``), and placement prefers cool nodes. A daemon reporting a load of
    ``saturated`` or more makes its node hot (``reduce_heat``), and avoided once it stays so for
    ``saturation_for`` seconds (0 for ``saturated``: not watched). Every ``audit_every``
    seconds the nodes report what they really hold (anti-entropy; 0: never). A probe with no
    reply within ``probe_timeout`` is a timeout; ``suspect_after`` in a row mark its link
    suspect.
    """

    interval: float = 1.0
    heartbeat: float = 1.0
    missed_beats: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    crash_loop: int = 4
    crash_window: float = 60.0
    cooldown: float = 30.0
    stabilise: float = 10.0
    drain_timeout: float = 60.0
    warmup: float = 10.0
    avoid_for: float = 60.0
    bandwidth: float = 125e6
    max_transfers: int = 16
    pull_cooldown: float = 5.0
    rtt_every: float = 5.0
    rtt_fanout: int = 3
    throttle: int = 0
    throttle_window: float = 10.0
    capacity: int = 0
    hot: float = 0.9
    saturated: float = 1.0
    saturation_for: float = 5.0
    audit_every: float = 10.0
    probe_timeout: float = 1.0
    suspect_after: int = 2

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, float) and (not math.isfinite(value) or value < 0):
                raise ValueError(f"Policy.{name} must be a finite number >= 0, got {value}")
        if self.interval <= 0 or self.heartbeat <= 0 or self.bandwidth <= 0:
            raise ValueError("Policy.interval, heartbeat and bandwidth must be > 0")


@dataclass
class _Running:
    """An action that has started and not ended."""

    action: Action
    id: int
    started: float


class MeshOS:
    """Run a desired state on a :class:`~meshlab.Mesh`.

    Examples
    --------
    >>> import meshlab as ml
    >>> from meshlab.meshos import Blob, Daemon, DesiredState, MeshOS
    >>> mesh = ml.Mesh(seed=1, nodes=4)
    >>> os_ = MeshOS(mesh, DesiredState(daemons=(Daemon("agent"),), blobs=(Blob("b", replicas=2),)))
    >>> os_.announce_blob("b", node="n0")
    >>> mesh.run(until=5.0)
    >>> sorted(os_.actual.replicas["b"])
    ['n0', 'n1']
    """

    def __init__(
        self,
        mesh: Mesh,
        desired: DesiredState,
        *,
        policy: Policy | None = None,
        faults: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.mesh = mesh
        self.desired = desired
        self.policy = policy or Policy()
        self.heartbeat = self.policy.heartbeat
        self.faults = dict(faults or {})  # (node, daemon) -> DaemonActor fault, for scenarios
        self.actual = ActualState(now=mesh.now)
        for node in mesh._nodes:
            self.actual.nodes[node] = NodeView(
                role=desired.role_of(node),
                zone=desired.zones.get(node, ""),
                labels=frozenset(desired.labels.get(node, ())),
            )
        self._inbox: list[tuple[float, int, int, str, tuple[Any, ...]]] = []
        self._drain_pending = False
        self._arrivals = 0
        self._action_ids = 0
        self._running: dict[int, _Running] = {}
        self._queued: set[tuple[str, str | None]] = set()
        self._queued_now: set[tuple[str, str | None]] = set()
        self._recent_starts: deque[float] = deque()  # daemon starts within the throttle window
        self._beats: dict[tuple[str, str], float] = {}
        self._healthy_since: dict[tuple[str, str], float] = {}
        self._crash_times: dict[tuple[str, str], list[float]] = {}
        self._next_start: dict[tuple[str, str], float] = {}
        self._pull_block: dict[str, float] = {}
        self._drain_deadline: dict[str, float] = {}
        self._stale: dict[str, set[str]] = {}  # node -> blobs it held when it went down
        self._probe_round = 0
        self._rtt_fresh = False  # a sample arrived since the last round looked at the RTT map
        self._disk: dict[str, set[str]] = {}  # node -> blobs it really holds (anti-entropy)
        self._loads: dict[tuple[str, str], float] = {}  # (node, daemon) -> load last reported
        self._load_model: dict[tuple[str, str], float] = {}  # what set_load says it is
        self._saturated_since: dict[str, float] = {}
        self._timeouts: dict[tuple[str, str], int] = {}  # probes in a row with no reply
        self._cut_actions: dict[str, int] = {}  # node -> its running suspect_partition
        self._heard: set[str] = set()  # nodes a probe reply came from since they were cut off
        self._caps: dict[str, tuple[frozenset[str], str]] = {}  # reported, not yet re-read
        # The trace carries what was desired, so behaviour_at can show drift from it alone;
        # the mesh knows its engine, so a live server can hand it admin actions.
        mesh.params["meshos"] = desired.to_dict()
        mesh.meshos = self
        mesh.schedule(mesh.now, self._round, None)
        if self.policy.rtt_every > 0:
            mesh.schedule(mesh.now, self._probe_rtt, None)
        if self.policy.audit_every > 0:
            mesh.schedule(mesh.now + self.policy.audit_every, self._audit, None)

    # inputs --------------------------------------------------------------------------------
    def signal(self, kind: str, *args: Any) -> None:
        """Put an input in the inbox. The loop takes the inbox at the same instant, after
        everything else happening then, in canonical order; planning waits for the round."""
        self._arrivals += 1
        self._inbox.append((self.mesh.now, _RANK[kind], self._arrivals, kind, args))
        if not self._drain_pending:
            self._drain_pending = True
            self.mesh.schedule(self.mesh.now, self._drain, None)

    def _drain(self, _: Any = None) -> None:
        self._drain_pending = False
        self.actual.now = self.mesh.now
        inbox, self._inbox = sorted(self._inbox), []
        for _t, _rank, _n, kind, args in inbox:
            getattr(self, f"_on_{kind}")(*args)

    def announce_blob(self, name: str, *, node: str, at: float | None = None) -> None:
        """A blob's first copy exists on ``node`` (it was written there)."""
        self.desired.blob(name)
        self.mesh._known_node(node)
        self._when(at, lambda: self.signal("blob", name, node))

    def admin(self, op: str, node: str | None = None, *, at: float | None = None) -> None:
        """An operator's action, now or at ``at``: ``enter_maintenance``, ``exit_maintenance``,
        ``cordon``, ``uncordon``, ``restart_daemons``, ``clear_avoid``, ``drop_replicas``,
        ``invalidate_placement``. Idempotent: repeating one that is in effect is recorded as
        ignored and changes nothing."""
        if op not in ADMIN_OPS:
            raise ValueError(f"unknown admin action {op!r}; use one of {', '.join(ADMIN_OPS)}")
        if node is not None:
            self.mesh._known_node(node)
        elif op not in ("clear_avoid", "invalidate_placement", "restart_daemons"):
            raise ValueError(f"admin action {op!r} needs a node")
        self._when(at, lambda: self.signal("admin", op, node))

    def set_load(self, node: str, daemon: str, load: float, *, at: float | None = None) -> None:
        """From now (or ``at``) the daemon ``daemon`` on ``node`` is this loaded (1.0: at
        capacity); it reports the load with its heartbeats and publishes it as an attribute."""
        if not isinstance(load, int | float) or not math.isfinite(load) or load < 0:
            raise ValueError(f"set_load needs a load >= 0 (1.0 is at capacity), got {load!r}")
        if daemon not in {d.name for d in self.desired.daemons}:
            raise ValueError(f"no daemon {daemon!r} in the desired state")
        self.mesh._known_node(node)
        self._when(at, lambda: self._load_model.__setitem__((node, daemon), float(load)))

    def load_of(self, key: tuple[str, str]) -> float:
        """The load a daemon measures on itself (what :meth:`set_load` made it)."""
        return self._load_model.get(key, 0.0)

    def lose_replica(self, blob: str, node: str, *, at: float | None = None) -> None:
        """A fault: ``node``'s disk loses its copy of ``blob`` silently (no event, the engine
        still counts it until anti-entropy finds out)."""
        self.desired.blob(blob)
        self.mesh._known_node(node)
        self._when(at, lambda: self._disk.get(node, set()).discard(blob))

    def report_capabilities(
        self,
        node: str,
        *,
        labels: tuple[str, ...] = (),
        zone: str | None = None,
        at: float | None = None,
    ) -> None:
        """``node`` reports new capabilities (labels, zone), as after a hardware change. The
        engine re-reads them when the node leaves maintenance, or at once if it is in service."""
        if isinstance(labels, str):
            raise ValueError(f"labels must be a tuple of names, like ('ssd',), got {labels!r}")
        self.mesh._known_node(node)
        caps = (frozenset(labels), zone if zone is not None else self.desired.zones.get(node, ""))
        self._when(at, lambda: self.signal("caps", node, caps))

    def _when(self, at: float | None, fn: Callable[[], None]) -> None:
        if at is None:
            fn()
        else:
            self.mesh.schedule(at, lambda _: fn(), None)

    # the loop ------------------------------------------------------------------------------
    def _round(self, _: Any) -> None:
        mesh, actual = self.mesh, self.actual
        actual.now = mesh.now
        self._observe_mesh()
        self._drain()
        self._check_health()
        self._progress_maintenance()
        self._progress_stops()
        watch.watch_partitions(self)
        watch.watch_saturation(self)
        self._measure_heat()
        room = max(0, self.policy.max_transfers - len(actual.transfers))
        self._start(plan(self.desired, actual, copies=room, locality=self._rtt_fresh))
        self._rtt_fresh = False
        mesh.schedule(mesh.now + self.policy.interval, self._round, None)

    def _measure_heat(self) -> None:
        """Heat is storage pressure: copies held (and arriving) over capacity. A hot node sheds
        one copy per round to the coolest node that can take it."""
        capacity = self.policy.capacity
        actual = self.actual
        if capacity <= 0:
            if self._loads:
                for view in actual.nodes.values():
                    view.heat = view.saturation  # a saturated daemon makes its node hot
            return
        held = dict.fromkeys(actual.nodes, 0)
        for holders in actual.replicas.values():
            for n in holders:
                held[n] = held.get(n, 0) + 1
        for tr in actual.transfers.values():
            held[tr.dst] = held.get(tr.dst, 0) + 1
        for node, view in actual.nodes.items():
            view.heat = max(held.get(node, 0) / capacity, view.saturation)
        moving = {tr.src for tr in actual.transfers.values() if tr.move}
        for node in sorted(actual.nodes):
            view = actual.nodes[node]
            if not view.up or held.get(node, 0) / capacity <= self.policy.hot or node in moving:
                continue
            self._shed(node, held[node])

    def _shed(self, node: str, held: int) -> None:
        actual = self.actual
        busy_blobs = {tr.blob for tr in actual.transfers.values()}
        for blob in sorted(b for b, h in actual.replicas.items() if node in h):
            if blob in busy_blobs:
                continue
            holders = actual.replicas[blob]
            spec = self.desired.blob(blob)
            targets = sorted(
                (v.heat, n)
                for n, v in actual.nodes.items()
                if n not in holders
                and v.placeable(actual.now)
                and v.heat + 1 / self.policy.capacity <= self.policy.hot
                and spec.may_live_on(self.desired.role_of(n))
            )
            if not targets:
                return  # nowhere cooler to go: the heat stays visible
            cause = (
                f"{node} holds {held} copies for a capacity of {self.policy.capacity} "
                f"(heat {actual.nodes[node].heat:.2f} > {self.policy.hot:g})"
            )
            self._instant(Action("reduce_heat", node, blob, cause=cause), target=blob)
            dst = targets[0][1]
            self._copy(Action("migrate_blob", dst, blob, node, cause=f"{blob}: {cause}"))
            actual.nodes[dst].heat += 1 / self.policy.capacity
            return

    def _observe_mesh(self) -> None:
        """Node health and daemon exits, as the runtime reports them."""
        for node, view in self.actual.nodes.items():
            up = self.mesh._nodes.get(node) not in ("down", "left")
            if up != view.up:
                self.signal("node", node, up)
        for (node, name), dv in self.actual.daemons.items():
            if dv.status in ("starting", "running") and not self.mesh.is_alive(
                _daemon_id(node, name)
            ):
                self.signal("daemon_exit", (node, name))

    # input handlers --------------------------------------------------------------------------
    def _on_node(self, node: str, up: bool) -> None:
        view = self.actual.nodes[node]
        view.up = up
        if not up:
            view.cut_off = False
            self._cut_actions.pop(node, None)
            watch.forget_node_links(self, node)
            lost = {b for b, holders in self.actual.replicas.items() if node in holders}
            self._stale[node] = lost
            for blob in sorted(lost):
                self.actual.replicas[blob].discard(node)
                self._emit("replica_drop", node, msg_type=blob, reason="node_down")
            for (n, _name), dv in self.actual.daemons.items():
                if n == node and dv.status != "stopped":
                    dv.status = "stopped"
            for svc in self.actual.instances.values():
                svc.discard(node)
            for run in list(self._running.values()):
                a = run.action
                if a.node == node or a.src == node:
                    self._end(run.id, f"failed: {node} went down")
        else:
            # A rejoining node brings back what its disk held: stale duplicates that the
            # reconciler removes once no repair of that blob is in flight.
            for blob in sorted(self._stale.pop(node, set())):
                self.actual.replicas.setdefault(blob, set()).add(node)
                self._emit("replica_add", node, msg_type=blob, reason="rejoin")
            if view.state != "active":
                # The mesh brings a node back "up"; it is still closed until its machine says.
                self.mesh.set_node_state(node, _MESH_STATE.get(view.state, view.state))
            if node in self._caps and view.state in ("active", "cordoned", "recovery"):
                watch.refresh_capabilities(self, node, "rejoined with new capabilities")

    def _on_daemon_exit(self, key: tuple[str, str]) -> None:
        dv = self.actual.daemon(*key)
        if dv.status not in ("starting", "running"):
            return  # stopped on purpose, or gone with its node: not a crash
        p = self.policy
        now = self.mesh.now
        crashes = [t for t in self._crash_times.get(key, []) if now - t <= p.crash_window]
        crashes.append(now)
        self._crash_times[key] = crashes
        dv.crashes = len(crashes)
        dv.status = "crashed"
        node, name = key
        for run in list(self._running.values()):
            if run.action.kind == "start_daemon" and (run.action.node, run.action.target) == key:
                self._end(run.id, "failed: exited before reporting healthy")
        if len(crashes) > p.crash_loop:
            dv.status = "gated"
            dv.gated_until = now + p.cooldown
            self._instant(
                Action(
                    "apply_backoff",
                    node,
                    name,
                    cause=f"{name} on {node}: crash loop ({len(crashes)} crashes in "
                    f"{p.crash_window:g} s), held down for {p.cooldown:g} s",
                ),
                target=_daemon_id(node, name),
                duration=p.cooldown,
            )
            self._next_start[key] = now + p.cooldown
        else:
            delay = min(p.backoff_base * 2 ** (len(crashes) - 1), p.backoff_max)
            self._next_start[key] = now + delay
            self._instant(
                Action(
                    "apply_backoff",
                    node,
                    name,
                    cause=f"{name} on {node}: crash {len(crashes)}, restart in {delay:g} s",
                ),
                target=_daemon_id(node, name),
                duration=delay,
            )

    def _on_beat(self, key: tuple[str, str], incarnation: int, load: float = 0.0) -> None:
        now = self.mesh.now
        self._beats[key] = now
        if load or key in self._loads:
            self._loads[key] = load
        dv = self.actual.daemon(*key)
        if dv.status == "starting":
            dv.status = "running"
            self._healthy_since[key] = now
            for run in list(self._running.values()):
                a = run.action
                if a.kind == "start_daemon" and (a.node, a.target) == key:
                    self._end(run.id, "ok")
        elif dv.status == "running" and now - self._healthy_since.get(key, now) >= (
            self.policy.stabilise
        ):
            dv.crashes = 0
            self._crash_times.pop(key, None)

    def _on_transfer(self, action_id: int) -> None:
        run = self._running.get(action_id)
        if run is None:
            return  # it already failed (a node went down)
        a = run.action
        assert a.src is not None and a.target is not None
        nodes = self.actual.nodes
        why = None
        if not nodes[a.src].up:
            why = f"source {a.src} is down"
        elif not nodes[a.node].up:
            why = f"{a.node} is down"
        elif self.mesh.net.is_cut(a.src, a.node):
            why = f"{a.src} and {a.node} are partitioned"
        elif a.target not in self._disk.get(a.src, ()):
            why = f"source {a.src} no longer holds {a.target}"  # lost while being copied
        self.actual.transfers.pop(action_id, None)
        if why is not None:
            self._pull_block[a.node] = self.mesh.now + self.policy.pull_cooldown
            self._end(action_id, f"failed: {why}")
            return
        holders = self.actual.replicas.setdefault(a.target, set())
        holders.add(a.node)
        self._disk.setdefault(a.node, set()).add(a.target)
        self._emit(
            "replica_add",
            a.node,
            msg_type=a.target,
            size=self.desired.blob(a.target).size,
            reason="migrate" if a.kind == "migrate_blob" else "pull",
        )
        if a.kind == "migrate_blob" and a.src in holders:
            holders.discard(a.src)
            self._disk.get(a.src, set()).discard(a.target)
            self._emit("replica_drop", a.src, msg_type=a.target, reason="migrate")
        self._end(action_id, "ok")

    def _on_rtt(self, a: str, b: str, value: float) -> None:
        self.actual.rtt[(a, b) if a < b else (b, a)] = value
        self._rtt_fresh = True
        watch.on_reply(self, a, b, value)

    def _on_timeout(self, a: str, b: str) -> None:
        watch.on_timeout(self, a, b)

    def _on_inventory(self, reports: tuple[tuple[str, frozenset[str]], ...]) -> None:
        watch.on_inventory(self, reports)

    def _audit(self, _: Any) -> None:
        watch.audit(self)

    def _on_caps(self, node: str, caps: tuple[frozenset[str], str]) -> None:
        self._caps[node] = caps
        view = self.actual.nodes[node]
        if view.up and view.state in ("active", "cordoned", "recovery"):
            watch.refresh_capabilities(self, node, "reported new capabilities")

    def _on_admin(self, op: str, node: str | None) -> None:
        if op in _STATE_OPS and self.mesh.node_state(node or "") in ("down", "left"):
            # A node that is down has no state machine to move: its state waits for its return.
            outcome = f"ignored: {node} is {self.mesh.node_state(node or '')}"
        else:
            outcome = ADMIN_OPS[op](self, node)
        self._emit("admin", node or "", msg_type=op, reason=outcome)

    def _on_blob(self, name: str, node: str) -> None:
        holders = self.actual.replicas.setdefault(name, set())
        if node not in holders and self.actual.nodes[node].up:
            holders.add(node)
            self._disk.setdefault(node, set()).add(name)
            self._emit(
                "replica_add", node, msg_type=name, size=self.desired.blob(name).size, reason="seed"
            )

    def _on_intent(self, service: str, node: str) -> None:
        self.actual.instances.setdefault(service, set())

    # health, maintenance, stops ----------------------------------------------------------------
    def _check_health(self) -> None:
        """A running daemon that missed ``missed_beats`` heartbeats is restarted."""
        now, p = self.mesh.now, self.policy
        limit = p.heartbeat * p.missed_beats
        for key, dv in sorted(self.actual.daemons.items()):
            if dv.status != "running":
                continue
            last = self._beats.get(key, now)
            if now - last > limit:
                node, name = key
                self.mesh.crash(
                    _daemon_id(node, name), reason=f"missed {p.missed_beats} heartbeats"
                )
                self._on_daemon_exit(key)

    def _progress_maintenance(self) -> None:
        now, actual = self.mesh.now, self.actual
        for node in sorted(actual.nodes):
            view = actual.nodes[node]
            if not view.up:
                continue
            if view.state == "entering_maintenance":
                if self._drained(node):
                    self._move(node, "maintenance")
                elif now >= self._drain_deadline.get(node, math.inf):
                    self._move(node, "drain_failed")
            elif view.state == "exiting_maintenance":
                if self._daemons_healthy(node):
                    watch.refresh_capabilities(self, node, "leaving maintenance, daemons healthy")
                    view.warm_at = now + self.policy.warmup
                    self._move(node, "recovery")
            elif view.state == "recovery" and view.warm_at is not None and now >= view.warm_at:
                view.warm_at = None
                self._move(node, "active")

    def _drained(self, node: str) -> bool:
        actual = self.actual
        if any(a.node == node or a.src == node for a in (r.action for r in self._running.values())):
            return False
        for blob in self.desired.blobs:
            holders = actual.replicas.get(blob.name, set())
            if node in holders:
                elsewhere = [n for n in holders if n != node and actual.nodes[n].present()]
                if len(elsewhere) < blob.replicas:
                    return False
        if any(node in on for on in actual.instances.values()):
            return False
        return all(
            dv.status in ("stopped", "crashed", "gated") or d.essential
            for d in self.desired.daemons
            for (n, name), dv in actual.daemons.items()
            if n == node and name == d.name
        )

    def _daemons_healthy(self, node: str) -> bool:
        role = self.desired.role_of(node)
        return all(
            self.actual.daemon(node, d.name).status == "running"
            for d in self.desired.daemons
            if d.wanted_on(role)
        )

    def _progress_stops(self) -> None:
        """Graceful stops: wait for the current work, then stop; kill at the drain timeout."""
        now = self.mesh.now
        for run in sorted(self._running.values(), key=lambda r: r.id):
            a = run.action
            if a.kind not in ("stop_daemon", "stop_instance"):
                continue
            target = a.target or ""
            aid = _daemon_id(a.node, target) if a.kind == "stop_daemon" else _instance_id(a)
            cell = self.mesh._cells.get(aid)
            if cell is None or not cell.alive:
                self._stopped(a)
                self._end(run.id, "ok")
            elif not cell.busy and not cell.mailbox:
                self._stopped(a)
                self.mesh.stop(aid)
                self._end(run.id, "ok")
            elif now - run.started >= self.policy.drain_timeout:
                self._stopped(a)
                self.mesh.crash(aid, reason="killed: drain timeout")
                self._end(
                    run.id, f"failed: still busy after {self.policy.drain_timeout:g} s, killed"
                )

    def _stopped(self, a: Action) -> None:
        if a.kind == "stop_daemon":
            self.actual.daemon(a.node, a.target or "").status = "stopped"
        else:
            self.actual.instances.get(a.target or "", set()).discard(a.node)

    # acting ----------------------------------------------------------------------------------
    def _start(self, actions: list[Action]) -> None:
        now = self.mesh.now
        in_flight = {
            (r.action.kind, r.action.node, r.action.target) for r in self._running.values()
        }
        wanted = self._queued_now = set()
        for a in actions:
            if (a.kind, a.node, a.target) in in_flight:
                continue
            if a.kind == "start_daemon":
                if now < self._next_start.get((a.node, a.target or ""), 0.0):
                    continue  # backing off; the apply_backoff action already says so
                if self._throttled(a):
                    continue
            if a.kind in ("pull_replica", "migrate_blob") and (
                not a.node or now < self._pull_block.get(a.node, 0.0)
            ):
                # Held back: past the round's room for copies (unplaced) or a cooling node.
                held = (a.kind, a.target)
                wanted.add(held)
                if held not in self._queued:
                    where = a.node or min(self.actual.replicas.get(a.target or "", ()), default="")
                    self._emit(
                        "action_queued", where, msg_type=a.kind, parent=a.target, reason=a.cause
                    )
                continue
            getattr(self, f"_do_{a.kind}")(a)
        self._queued = wanted

    def _throttled(self, a: Action) -> bool:
        """A start past the throttle window's budget waits (recorded once as queued)."""
        p = self.policy
        if p.throttle <= 0:
            return False
        now = self.mesh.now
        starts = self._recent_starts
        while starts and starts[0] <= now - p.throttle_window:
            starts.popleft()
        if len(starts) < p.throttle:
            starts.append(now)
            return False
        key = (a.kind, f"{a.target}@{a.node}")
        self._queued_now.add(key)
        if key not in self._queued:
            self._emit(
                "action_queued",
                a.node,
                msg_type=a.kind,
                parent=key[1],
                reason=f"throttled: {p.throttle} daemon starts in {p.throttle_window:g} s",
            )
        return True

    def _begin(self, a: Action, *, target: str | None = None, size: int | None = None) -> int:
        self._action_ids += 1
        aid = self._action_ids
        self._running[aid] = _Running(a, aid, self.mesh.now)
        self._emit(
            "action_start",
            a.node,
            parent=target,
            peer=a.src,
            msg_id=aid,
            msg_type=a.kind,
            size=size,
            reason=a.cause,
        )
        return aid

    def _end(self, aid: int, outcome: str) -> None:
        run = self._running.pop(aid)
        self._emit(
            "action_end",
            run.action.node,
            msg_id=aid,
            msg_type=run.action.kind,
            reason=outcome,
            duration=self.mesh.now - run.started,
        )

    def _instant(self, a: Action, *, target: str | None = None, duration: float = 0.0) -> None:
        """An action that takes effect at once; ``duration`` is how long its effect lasts."""
        aid = self._begin(a, target=target)
        run = self._running.pop(aid)
        self._emit(
            "action_end",
            a.node,
            msg_id=aid,
            msg_type=a.kind,
            reason="ok",
            duration=duration if duration else self.mesh.now - run.started,
        )

    def _do_start_daemon(self, a: Action) -> None:
        node, name = a.node, a.target or ""
        dv = self.actual.daemon(node, name)
        dv.status = "starting"
        dv.gated_until = None
        aid = _daemon_id(node, name)
        self._begin(a, target=aid)
        # Daemons run where MeshOS puts them whatever the node's state (an essential daemon in
        # maintenance, a restart while exiting it); nothing else may be placed there.
        args = (self, node, name, self.faults.get((node, name)))
        self.mesh._spawn(DaemonActor, args, {}, aid, None, node, None, anywhere=True)

    def _do_stop_daemon(self, a: Action) -> None:
        self.actual.daemon(a.node, a.target or "").status = "stopping"
        self._begin(a, target=_daemon_id(a.node, a.target or ""))

    def _do_start_instance(self, a: Action) -> None:
        aid = _instance_id(a)
        self.actual.instances.setdefault(a.target or "", set()).add(a.node)
        self._instant(a, target=aid)
        self.mesh.spawn(InstanceActor, name=aid, node=a.node)

    def _do_stop_instance(self, a: Action) -> None:
        self._begin(a, target=_instance_id(a))

    def _do_pull_replica(self, a: Action) -> None:
        self._copy(a)

    def _do_migrate_blob(self, a: Action) -> None:
        self._copy(a)

    def _copy(self, a: Action) -> None:
        assert a.src is not None and a.target is not None
        size = self.desired.blob(a.target).size
        aid = self._begin(a, target=a.target, size=size)
        self.actual.transfers[aid] = Transfer(
            aid, a.target, a.src, a.node, a.kind == "migrate_blob"
        )
        link = self.mesh.net.link(a.src, a.node)
        took = size / self.policy.bandwidth + link.latency.sample(self.mesh.rng)
        self.mesh.schedule(self.mesh.now + took, self._landed, aid)

    def _landed(self, action_id: int) -> None:
        self.signal("transfer", action_id)

    def _do_drop_replica(self, a: Action) -> None:
        self.actual.replicas.get(a.target or "", set()).discard(a.node)
        self._disk.get(a.node, set()).discard(a.target or "")
        self._instant(a, target=a.target)
        self._emit("replica_drop", a.node, msg_type=a.target, reason="drop")

    def _do_mark_avoid(self, a: Action) -> None:
        self.actual.nodes[a.node].avoid_until = self.mesh.now + self.policy.avoid_for
        self.actual.nodes[a.node].avoid_why = "slow"
        self._instant(a, duration=self.policy.avoid_for)

    # RTT probes ------------------------------------------------------------------------------
    def _probe_rtt(self, _: Any) -> None:
        """Each live node probes ``rtt_fanout`` peers, a different few each time (rotating
        through the ring of nodes), so every pair is sampled now and then at a cost that
        grows with the nodes, not with their square."""
        mesh = self.mesh
        up = sorted(n for n, v in self.actual.nodes.items() if v.up)
        n = len(up)
        fanout = min(self.policy.rtt_fanout, n - 1)
        self._probe_round += 1
        for i, a in enumerate(up):
            for j in range(fanout):
                step = 1 + (self._probe_round * fanout + j) % (n - 1)
                b = up[(i + step) % n]
                if mesh.net.is_cut(a, b):
                    # a probe across a cut never returns: at its timeout it counts as one
                    mesh.schedule(mesh.now + self.policy.probe_timeout, self._probe_lost, (a, b))
                    continue
                link = mesh.net.link(a, b)
                rtt = link.latency.sample(mesh.rng) + link.latency.sample(mesh.rng)
                self._emit("rtt_sample", a, peer=b, duration=rtt)
                self.signal("rtt", a, b, rtt)
        mesh.schedule(mesh.now + self.policy.rtt_every, self._probe_rtt, None)

    def _probe_lost(self, probe: tuple[str, str]) -> None:
        watch.probe_lost(self, probe)

    # maintenance transitions -----------------------------------------------------------------
    def _move(self, node: str, state: str) -> None:
        view = self.actual.nodes[node]
        check_transition(node, view.state, state)
        view.state = state  # type: ignore[assignment]
        if state == "entering_maintenance":
            self._drain_deadline[node] = self.mesh.now + self.policy.drain_timeout
        self.mesh.set_node_state(node, _MESH_STATE.get(state, state))

    # recording -------------------------------------------------------------------------------
    def _emit(self, kind: str, node: str, **fields: Any) -> None:
        self.mesh._record(kind, node=node, **fields)


def _daemon_id(node: str, name: str) -> str:
    return f"{name}@{node}"


def _instance_id(a: Action) -> str:
    return f"{a.target}@{a.node}"


# admin actions: each returns its outcome ------------------------------------------------------


def _enter_maintenance(os_: MeshOS, node: str | None) -> str:
    assert node is not None
    state = os_.actual.nodes[node].state
    if state in ("entering_maintenance", "maintenance"):
        return f"ignored: {node} is already {state}"
    if "entering_maintenance" not in EDGES[state]:
        return f"ignored: {node} is {state}; it may enter maintenance once it is active again"
    os_._move(node, "entering_maintenance")
    return "applied"


def _exit_maintenance(os_: MeshOS, node: str | None) -> str:
    assert node is not None
    state = os_.actual.nodes[node].state
    if state not in ("maintenance", "drain_failed", "entering_maintenance"):
        return f"ignored: {node} is {state}, not in maintenance"
    if state == "entering_maintenance":
        os_._move(node, "drain_failed")
    os_._move(node, "exiting_maintenance")
    os_.actual.nodes[node].avoid_until = os_.mesh.now + os_.policy.avoid_for
    os_.actual.nodes[node].avoid_why = "leaving maintenance"
    return "applied"


def _cordon(os_: MeshOS, node: str | None) -> str:
    assert node is not None
    state = os_.actual.nodes[node].state
    if state != "active":
        return f"ignored: {node} is {state}"
    os_._move(node, "cordoned")
    return "applied"


def _uncordon(os_: MeshOS, node: str | None) -> str:
    assert node is not None
    state = os_.actual.nodes[node].state
    if state != "cordoned":
        return f"ignored: {node} is {state}, not cordoned"
    os_._move(node, "active")
    return "applied"


def _restart_daemons(os_: MeshOS, node: str | None) -> str:
    n = 0
    for (where, name), dv in sorted(os_.actual.daemons.items()):
        if (node is None or where == node) and dv.status == "running":
            os_.mesh.stop(_daemon_id(where, name))
            dv.status = "stopped"
            n += 1
    return f"applied: {n} daemons" if n else "ignored: no daemon running"


def _clear_avoid(os_: MeshOS, node: str | None) -> str:
    n = 0
    for name, view in os_.actual.nodes.items():
        if (node is None or name == node) and view.avoid_until is not None:
            view.avoid_until = None
            n += 1
    return f"applied: {n} nodes" if n else "ignored: nothing avoided"


def _drop_replicas(os_: MeshOS, node: str | None) -> str:
    assert node is not None
    held = sorted(b for b, holders in os_.actual.replicas.items() if node in holders)
    for blob in held:
        os_.actual.replicas[blob].discard(node)
        os_._disk.get(node, set()).discard(blob)
        os_._emit("replica_drop", node, msg_type=blob, reason="drop")
    return f"applied: {len(held)} replicas" if held else f"ignored: {node} holds none"


def _invalidate_placement(os_: MeshOS, node: str | None) -> str:
    os_.actual.rtt.clear()
    return _clear_avoid(os_, node)


_STATE_OPS: Final = frozenset({"enter_maintenance", "exit_maintenance", "cordon", "uncordon"})

ADMIN_OPS: Final[dict[str, Callable[[MeshOS, str | None], str]]] = {
    "enter_maintenance": _enter_maintenance,
    "exit_maintenance": _exit_maintenance,
    "cordon": _cordon,
    "uncordon": _uncordon,
    "restart_daemons": _restart_daemons,
    "clear_avoid": _clear_avoid,
    "drop_replicas": _drop_replicas,
    "invalidate_placement": _invalidate_placement,
}
