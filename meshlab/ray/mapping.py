"""Ray events -> contract events: a pure, stateful translation (no Ray import, no I/O).

:class:`RayMapper` takes the JSON events Ray's Event Export POSTs (``feed``) and the rows of
Ray's state API (``reconcile``, for backfill on attach and for the polling fallback) and
returns contract rows. Everything it emits comes from a field Ray sent; ``docs/ray.md`` has
the table. Ray reports one thing from several processes (the GCS, the caller's core worker,
the callee's core worker), each batching about once a second, so the pieces of one actor call
or one actor's life arrive in any order: the mapper holds what it cannot place yet and emits
each message's phases in their real order (sent, queued, started, ended), and an actor's life
only once its definition (name, class) is known. What stays unplaceable for ``grace`` seconds
is emitted with what is known, or counted as unmatched.

Rows are tuples in contract column order without ``seq`` (see :data:`ROW_COLUMNS`); the
server numbers them as they are published.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from meshlab.events import COLUMNS, SCHEMA
from meshlab.ray.ids import actor_of_task, is_driver_task, job_number, node_name, to_hex

ROW_COLUMNS = COLUMNS[1:]
"""The columns of a mapped row, in order (the contract's, without ``seq``)."""

Row = tuple

KNOWN_TYPES = frozenset(
    {
        "NODE_DEFINITION_EVENT",
        "NODE_LIFECYCLE_EVENT",
        "ACTOR_DEFINITION_EVENT",
        "ACTOR_LIFECYCLE_EVENT",
        "ACTOR_TASK_DEFINITION_EVENT",
        "TASK_DEFINITION_EVENT",
        "TASK_LIFECYCLE_EVENT",
        "DRIVER_JOB_DEFINITION_EVENT",
        "DRIVER_JOB_LIFECYCLE_EVENT",
        "WORKER_DEFINITION_EVENT",
        "WORKER_LIFECYCLE_EVENT",
        # Ray sends these too; nothing on the canvas comes from them
        "TASK_PROFILE_EVENT",
        "PLACEMENT_GROUP_DEFINITION_EVENT",
        "PLACEMENT_GROUP_LIFECYCLE_EVENT",
        "SUBMISSION_JOB_DEFINITION_EVENT",
        "SUBMISSION_JOB_LIFECYCLE_EVENT",
        "PLATFORM_EVENT",
    }
)
"""Event types this mapper knows; any other type is counted as unknown and skipped."""

# within one POST, definitions first, then nodes, actors, and calls last, so that a call's
# actors exist before it (the rows keep Ray's own timestamps whatever the order)
_PRIORITY = {
    "NODE_DEFINITION_EVENT": 0,
    "ACTOR_DEFINITION_EVENT": 0,
    "TASK_DEFINITION_EVENT": 0,
    "DRIVER_JOB_DEFINITION_EVENT": 0,
    "WORKER_DEFINITION_EVENT": 0,
    "WORKER_LIFECYCLE_EVENT": 0,
    "ACTOR_TASK_DEFINITION_EVENT": 1,
    "NODE_LIFECYCLE_EVENT": 1,
    "ACTOR_LIFECYCLE_EVENT": 2,
    "DRIVER_JOB_LIFECYCLE_EVENT": 2,
    "TASK_LIFECYCLE_EVENT": 3,
}

QUEUED = "SUBMITTED_TO_WORKER"
RUNNING = "RUNNING"
TERMINAL = ("FINISHED", "FAILED")
# a node or actor that left on purpose: Ray's words for it
NODE_LEAVE_REASONS = frozenset({"EXPECTED_TERMINATION", "AUTOSCALER_DRAIN_IDLE"})
ACTOR_STOP_REASONS = frozenset({"OUT_OF_SCOPE", "REF_DELETED", "RAY_KILL"})
DROP_NODE_ERRORS = frozenset({"NODE_DIED", "LOCAL_RAYLET_DIED"})
TEXT_LIMIT = 200


@dataclass(slots=True)
class _Actor:
    hex: str
    name: str | None = None  # readable id, fixed once given
    cls: str | None = None
    parent: str | None = None
    node: str | None = None  # meshlab node name
    state: str = "pending"  # pending, alive, restarting, dead
    inc: int = 0
    worker: str = ""
    pid: int = 0
    defined: bool = False
    root: str | None = None  # root-cause actor of its latest failure
    lives: list = field(default_factory=list)  # (start time, incarnation) of each life
    parked: list = field(default_factory=list)  # (arrival clock, transition) awaiting a name


@dataclass(slots=True)
class _Call:
    key: tuple[str, int]
    callee: str | None = None  # actor hex
    parent_task: str = ""
    method: str | None = None
    send_t: float | None = None
    send_node: str | None = None
    job: str = ""
    phases: dict = field(default_factory=dict)  # ray state -> first timestamp
    error: dict | None = None
    emitted: int = 0  # 0 none, 1 sent, 2 queued, 3 started, 4 ended or dropped
    msg_id: int = 0
    caller: str | None = None
    since: float = 0.0  # clock when it last made progress


class RayMapper:
    """Translate Ray's events and state into contract rows.

    ``grace`` is how long (seconds of the ``now`` passed in) a piece waits for its partner
    from another Ray process before it is emitted with what is known.

    Examples
    --------
    >>> m = RayMapper()
    >>> rows = m.feed([{"eventType": "NODE_LIFECYCLE_EVENT",
    ...     "timestamp": "2026-11-29T14:44:49.65Z",
    ...     "nodeLifecycleEvent": {"nodeId": "iiokLQ==", "stateTransitions": [
    ...         {"state": "ALIVE", "timestamp": "2026-11-29T14:44:49.650684045Z"}]}}])
    >>> rows[0][:3]
    (1795963489.650684, 'node_join', 'node-8a2a242d')
    """

    def __init__(self, *, grace: float = 2.0, attrs: bool = True) -> None:
        self.grace = grace
        self.attrs = attrs
        self.counts: Counter[str] = Counter()  # Ray event types received
        self.unknown: Counter[str] = Counter()  # types skipped
        self.unmatched = 0  # call pieces that never found their definition
        self.clock = 0.0
        self.nodes: dict[str, str] = {}  # node hex -> state: up, draining, down, left
        self.node_info: dict[str, dict[str, Any]] = {}
        self.actors: dict[str, _Actor] = {}
        self.names: dict[str, str] = {}  # readable name -> actor hex
        self.creators: dict[str, str] = {}  # actor hex -> hex of the task that created it
        self.worker_deaths: dict[str, str] = {}
        self.drivers: dict[str, str] = {}  # job hex -> pseudo-actor name
        self.driver_nodes: dict[str, str] = {}
        self.pseudo: dict[str, str] = {}  # pseudo-actor name -> node (spawned)
        self.calls: dict[tuple[str, int], _Call] = {}
        self.plain_tasks: set[str] = set()  # task hex of tasks on no actor
        self.done: dict[tuple[str, int], None] = {}
        # actors with transitions waiting for their name; calls to look at after this batch;
        # calls waiting on an actor (by hex); and when to look at every call for staleness:
        # a batch costs what it touches, not all calls. Dicts used as ordered sets, so that
        # the same batches give the same rows in the same order (a set's order follows the
        # process's string hashing)
        self._parked: dict[str, None] = {}
        self._dirty: dict[tuple[str, int], None] = {}
        self._waits: dict[str, dict[tuple[str, int], None]] = {}
        self._next_full = 0.0
        self._rows: list[Row] = []

    # entry points ------------------------------------------------------------------------
    def feed(self, events: list[dict[str, Any]], *, now: float | None = None) -> list[Row]:
        """Map one POSTed batch of Ray events; returns the contract rows it completes."""
        rows: list[Row] = []
        self._rows = rows
        if now is not None:
            self.clock = max(self.clock, now)
        # grouped by type, arrival order kept within a type, and handled in _ORDER: types of
        # one priority touch separate state, so this is the order of _PRIORITY
        groups: dict[str, list] = {}
        for event in events:
            kind = event.get("eventType") if type(event) is dict else None
            group = groups.get(kind) if type(kind) is str else None
            if group is None:
                if type(kind) is not str or kind not in KNOWN_TYPES:
                    self.unknown[str(kind)] += 1
                    continue
                group = groups[kind] = []
            group.append(event)
        counts = self.counts
        for kind, group in groups.items():
            counts[kind] += len(group)
        for kind in _ORDER:
            group = groups.get(kind)
            if group:
                handler = _HANDLERS[kind]
                for event in group:
                    handler(self, event)
        self._advance(full=self.clock >= self._next_full)
        self._rows = []
        return _in_time_order(rows)

    def sweep(self, *, now: float) -> list[Row]:
        """Emit what has waited longer than ``grace`` (call this when no batch arrives)."""
        rows: list[Row] = []
        self._rows = rows
        self.clock = max(self.clock, now)
        self._advance()
        self._rows = []
        return _in_time_order(rows)

    def reconcile(
        self, nodes: list[dict[str, Any]], actors: list[dict[str, Any]], *, now: float
    ) -> list[Row]:
        """Bring the picture in line with Ray's state API (``list_nodes(detail=True)`` and
        ``list_actors(detail=True)`` rows, as dicts).

        On attach this is the backfill: what is alive now appears, at Ray's node start time
        and at ``now`` for actors (the state API keeps no actor timestamps). In polling mode
        it is called every poll and turns each change of state into the event it means, at
        ``now`` (when it was seen), or Ray's end time for a node.
        """
        rows: list[Row] = []
        self._rows = rows
        self.clock = max(self.clock, now)
        for n in nodes:
            self._reconcile_node(n, now)
        for a in actors:
            self._reconcile_actor(a, now)
        self._advance()
        self._rows = []
        return _in_time_order(rows)

    def node_names(self) -> list[str]:
        return [node_name(h) for h in self.nodes]

    # helpers -----------------------------------------------------------------------------
    def _emit(
        self,
        t: float,
        kind: str,
        node: str,
        actor: str | None = None,
        inc: int = 0,
        parent: str | None = None,
        peer: str | None = None,
        msg_id: int | None = None,
        msg_type: str | None = None,
        reason: str | None = None,
        duration: float | None = None,
    ) -> None:
        self._rows.append(
            (t, kind, node, actor, inc, parent, peer, msg_id, msg_type, None, reason, duration)
        )

    def _attrs(self, t: float, node: str, actor: str | None, values: dict[str, Any]) -> None:
        if self.attrs:
            self._emit(t, "attrs", node, actor, reason=_ATTRS_JSON.encode(values))

    # nodes -------------------------------------------------------------------------------
    def _node_definition(self, event: dict[str, Any]) -> None:
        body = event.get("nodeDefinitionEvent") or {}
        h = to_hex(body.get("nodeId", ""))
        info = self.node_info.setdefault(h, {})
        info["ip"] = body.get("nodeIpAddress") or info.get("ip")
        info["hostname"] = body.get("hostname") or info.get("hostname")

    def _node_lifecycle(self, event: dict[str, Any]) -> None:
        body = event.get("nodeLifecycleEvent") or {}
        h = to_hex(body.get("nodeId", ""))
        for tr in body.get("stateTransitions") or ():
            t = ts(tr.get("timestamp"))
            state = tr.get("state")
            if state == "ALIVE":
                res = tr.get("resources") or {}
                if res:
                    info = self.node_info.setdefault(h, {})
                    info["head"] = "node:__internal_head__" in res
                    info["cpus"] = res.get("CPU")
                self._node_alive(h, t, draining=tr.get("aliveSubState") == "DRAINING")
            elif state == "DEAD":
                death = tr.get("deathInfo") or {}
                self._node_dead(h, t, death.get("reason"), death.get("reasonMessage"))

    def _node_alive(self, h: str, t: float, *, draining: bool) -> None:
        name = node_name(h)
        before = self.nodes.get(h)
        if before in (None, "down", "left"):
            self._emit(t, "node_join" if before is None else "node_up", name)
            info = self.node_info.get(h, {})
            values = {"ray_node_id": h, **{k: v for k, v in info.items() if v is not None}}
            self._attrs(t, name, None, values)
            self.nodes[h] = "up"
        if draining and self.nodes[h] != "draining":
            self._emit(t, "node_state", name, reason="draining")
            self.nodes[h] = "draining"
        elif not draining and self.nodes[h] == "draining":
            self._emit(t, "node_state", name, reason="up")
            self.nodes[h] = "up"

    def _node_dead(self, h: str, t: float, reason: str | None, message: str | None) -> None:
        before = self.nodes.get(h)
        if before in ("down", "left"):
            return
        if before is None:
            # first seen dead (attached late): it never was on the canvas
            self.nodes[h] = "down"
            return
        reason = reason or "UNSPECIFIED"
        if reason in NODE_LEAVE_REASONS:
            self._emit(t, "node_leave", node_name(h), reason=_join(reason, message))
            self.nodes[h] = "left"
        else:
            self._emit(t, "node_down", node_name(h), reason=_join(reason, message))
            self.nodes[h] = "down"

    # jobs and workers --------------------------------------------------------------------
    def _driver_definition(self, event: dict[str, Any]) -> None:
        body = event.get("driverJobDefinitionEvent") or {}
        job = to_hex(body.get("jobId", ""))
        node = to_hex(body.get("driverNodeId", "")) or to_hex(event.get("nodeId", ""))
        self.driver_nodes[job] = node
        self._driver(job, node, ts(event.get("timestamp")))

    def _driver(self, job: str, node_hex: str, t: float) -> str:
        name = self.drivers.get(job)
        if name is None:
            name = "driver" if not self.drivers else f"driver-{job_number(job)}"
            self.drivers[job] = name
            node = node_name(self.driver_nodes.get(job) or node_hex)
            self.pseudo[name] = node
            self._emit(t, "actor_spawn", node, name, msg_type="driver")
        return name

    def _driver_lifecycle(self, event: dict[str, Any]) -> None:
        body = event.get("driverJobLifecycleEvent") or {}
        job = to_hex(body.get("jobId", ""))
        for tr in body.get("stateTransitions") or ():
            if tr.get("state") == "FINISHED" and job in self.drivers:
                name = self.drivers[job]
                if self.pseudo.pop(name, None) is not None:
                    node = node_name(self.driver_nodes.get(job, ""))
                    self._emit(ts(tr.get("timestamp")), "actor_stop", node, name, reason="normal")

    def _worker_lifecycle(self, event: dict[str, Any]) -> None:
        body = event.get("workerLifecycleEvent") or {}
        for tr in body.get("stateTransitions") or ():
            if tr.get("state") == "DEAD":
                death = tr.get("deathInfo") or {}
                text = _join(death.get("exitType"), _short(death.get("exitDetail")))
                self.worker_deaths[body.get("workerId", "")] = text
                if len(self.worker_deaths) > 50_000:
                    self.worker_deaths.clear()

    # actors ------------------------------------------------------------------------------
    def _actor(self, h: str) -> _Actor:
        a = self.actors.get(h)
        if a is None:
            a = self.actors[h] = _Actor(h)
        return a

    def _actor_definition(self, event: dict[str, Any]) -> None:
        body = event.get("actorDefinitionEvent") or {}
        self._define(to_hex(body.get("actorId", "")), body.get("className"), body.get("name"))

    def _define(self, h: str, cls: str | None, name: str | None) -> _Actor:
        a = self._actor(h)
        if not a.defined:
            a.defined = True
            a.cls = cls or None
            self._name(a, name or None)
        return a

    def _name(self, a: _Actor, name: str | None) -> None:
        if a.name is not None:
            return
        short = (a.cls or "actor").rsplit(".", 1)[-1]
        candidates = [name] if name else []
        # the unique bytes, then the whole id (with the job): never left without a name
        candidates += [f"{short}#{a.hex[:6]}", f"{short}#{a.hex[:24]}", f"{short}#{a.hex}"]
        for c in candidates:
            if self.names.get(c, a.hex) == a.hex:
                a.name = c
                self.names[c] = a.hex
                self._wake(a.hex)
                return

    def _task_definition(self, event: dict[str, Any]) -> None:
        body = event.get("taskDefinitionEvent") or {}
        task = to_hex(body.get("taskId", ""))
        if body.get("taskType") == "ACTOR_CREATION_TASK":
            actor = actor_of_task(task)
            if actor:
                self.creators[actor] = to_hex(body.get("parentTaskId", ""))
        self.plain_tasks.add(task)
        if len(self.plain_tasks) > 200_000:
            self.plain_tasks.clear()

    def _actor_lifecycle(self, event: dict[str, Any]) -> None:
        body = event.get("actorLifecycleEvent") or {}
        a = self._actor(to_hex(body.get("actorId", "")))
        for tr in body.get("stateTransitions") or ():
            if tr.get("state") in ("ALIVE", "RESTARTING", "DEAD"):
                a.parked.append((self.clock, tr))
        self._parked[a.hex] = None

    def _actor_drain(self, a: _Actor, *, force: bool = False) -> None:
        """Apply an actor's parked transitions once it has a name (or ``force``)."""
        if not a.parked:
            return
        if not a.defined:
            if not force:
                return
            self._name(a, None)
        while a.parked:
            _, tr = a.parked[0]
            if not force and self._awaits_worker_death(a, tr):
                return  # Ray sends why the worker died as a separate event, usually with it
            if not force and a.state == "pending" and a.hex not in self.creators:
                # who created it (the creation task's parent) comes in the creator's own
                # batch, which may arrive after the GCS reports the actor alive
                return
            a.parked.pop(0)
            self._actor_transition(a, tr)
            force = force and bool(a.parked) and a.parked[0][0] < self.clock - self.grace
        self._parked.pop(a.hex, None)

    def _awaits_worker_death(self, a: _Actor, tr: dict[str, Any]) -> bool:
        if a.state != "alive" or tr.get("state") not in ("RESTARTING", "DEAD"):
            return False
        if tr.get("deathCause") or a.worker in self.worker_deaths:
            return False
        node_hex = next((h for h in self.nodes if node_name(h) == a.node), None)
        return self.nodes.get(node_hex or "") not in ("down", "left")

    def _wake(self, h: str) -> None:
        """Look again at the calls that wait on this actor (its name, its first life)."""
        waiting = self._waits.get(h)
        if waiting:
            self._dirty.update(dict.fromkeys(waiting))

    def _parent(self, a: _Actor) -> str | None:
        creator = self.creators.get(a.hex)
        if creator is None:
            return None
        return self._caller_name(creator, node_hex="", t=None)

    def _actor_transition(self, a: _Actor, tr: dict[str, Any]) -> None:
        state = tr.get("state")
        t = ts(tr.get("timestamp"))
        if state == "ALIVE":
            node_hex = tr.get("node_hex") or to_hex(tr.get("nodeId", ""))
            # never null (the contract needs a node), though Ray may leave nodeId empty
            a.node = node_name(node_hex) if node_hex else a.node or node_name("")
            a.worker = tr.get("workerId", "")
            a.pid = int(tr.get("pid") or 0)
            if a.state == "pending":
                a.parent = self._parent(a)
                a.lives.append((t, 0))
                self._emit(t, "actor_spawn", a.node, a.name, 0, a.parent, msg_type=_cls(a))
            elif a.state in ("restarting", "dead"):
                a.inc += 1
                a.lives.append((t, a.inc))
                reason = tr.get("restartReason") or None
                self._emit(
                    t, "actor_restart", a.node, a.name, a.inc, a.parent, None, None, _cls(a), reason
                )
            else:
                return
            a.state = "alive"
            self._wake(a.hex)
            self._attrs(t, a.node, a.name, {"ray_actor_id": a.hex, "pid": a.pid, "class": a.cls})
        elif state == "RESTARTING":
            if a.state != "alive":
                return
            self._fail(a, t, None, restarting=True)
            a.state = "restarting"
        elif state == "DEAD":
            if a.state != "alive":
                a.state = "dead"  # never started, or already failed while restarting
                return
            self._fail(a, t, tr.get("deathCause"), restarting=False)
            a.state = "dead"

    def _fail(self, a: _Actor, t: float, cause: dict | None, *, restarting: bool) -> None:
        node = a.node or "node-unknown"
        ctx = _death_context(cause) or {}
        why = ctx.get("reason") if ctx else None
        node_hex = next((h for h in self.nodes if node_name(h) == node), None)
        node_gone = node_hex is not None and self.nodes.get(node_hex) in ("down", "left")
        if why == "NODE_DIED" or (why is None and node_gone):
            expected = (ctx or {}).get("nodeDeathInfo", {}).get("reason") in NODE_LEAVE_REASONS
            if expected or (node_hex is not None and self.nodes.get(node_hex) == "left"):
                self._emit(t, "actor_stop", node, a.name, a.inc, reason="node_leave")
            else:
                a.root = None
                self._emit(t, "actor_fail", node, a.name, a.inc, reason="node_down")
            return
        if not restarting and why in ACTOR_STOP_REASONS:
            self._emit(t, "actor_stop", node, a.name, a.inc, reason="normal")
            return
        if why == "OWNER_DIED":
            owner = self.actors.get(actor_of_task(self.creators.get(a.hex, "")) or "")
            if owner is None or owner.state == "alive":
                self._emit(t, "actor_stop", node, a.name, a.inc, reason="normal")
                return
            a.root = owner.root or owner.name
            text = _join(why, _short(ctx.get("errorMessage")))
            self._emit(t, "actor_fail", node, a.name, a.inc, peer=a.root, reason=text)
            return
        if ctx:
            text = _join(why or "DIED", _short(ctx.get("errorMessage")))
        elif a.worker in self.worker_deaths:
            text = _join("WORKER_DIED", self.worker_deaths[a.worker])
        else:
            text = "RESTARTING" if restarting else "DEAD"
        a.root = a.name
        self._emit(t, "actor_fail", node, a.name, a.inc, peer=a.name, reason=text)

    # calls -------------------------------------------------------------------------------
    def _call(self, key: tuple[str, int]) -> _Call | None:
        if key in self.done:
            return None
        c = self.calls.get(key)
        if c is None:
            c = self.calls[key] = _Call(key, since=self.clock)
            c.msg_id = _msg_id(key)
        return c

    def _actor_task_definition(self, event: dict[str, Any]) -> None:
        body = event.get("actorTaskDefinitionEvent") or {}
        key = (to_hex(body.get("taskId", "")), int(body.get("taskAttempt") or 0))
        c = self._call(key)
        if c is None:
            return
        c.callee = to_hex(body.get("actorId", ""))
        c.parent_task = to_hex(body.get("parentTaskId", ""))
        func = (body.get("actorFunc") or {}).get("pythonFunctionDescriptor") or {}
        name = func.get("functionName") or (body.get("actorTaskName") or "").rsplit(".", 1)[-1]
        c.method = name or None
        c.send_t = ts(event.get("timestamp"))
        c.send_node = to_hex(event.get("nodeId", ""))
        c.job = to_hex(body.get("jobId", ""))
        c.since = self.clock
        self._dirty[key] = None

    def _task_lifecycle(self, event: dict[str, Any]) -> None:
        body = event.get("taskLifecycleEvent") or {}
        task = to_hex(body.get("taskId", ""))
        if task in self.plain_tasks:
            return
        key = (task, int(body.get("taskAttempt") or 0))
        c = self._call(key)
        if c is None:
            return
        for tr in body.get("stateTransitions") or ():
            state = tr.get("state")
            if state not in c.phases:
                c.phases[state] = ts(tr.get("timestamp"))
        if body.get("rayErrorInfo"):
            c.error = body["rayErrorInfo"]
        c.since = self.clock
        self._dirty[key] = None

    def _caller_name(self, parent_task: str, *, node_hex: str, t: float | None) -> str | None:
        """The actor (or pseudo-actor) that was running ``parent_task``; None while that
        actor's name is not known yet."""
        actor = actor_of_task(parent_task)
        if actor is not None:
            a = self.actors.get(actor)
            return a.name if a is not None else None
        if is_driver_task(parent_task):
            job = parent_task[40:]
            if t is None:
                return self.drivers.get(job, "driver")
            return self._driver(job, node_hex, t)
        name = "tasks"  # a call made from a plain remote function
        if t is not None and name not in self.pseudo:
            self.pseudo[name] = node_name(node_hex)
            self._emit(t, "actor_spawn", self.pseudo[name], name, msg_type="tasks")
        return name if t is not None else None

    def _advance(self, *, full: bool = True) -> None:
        force_before = self.clock - self.grace
        if self._parked:
            for parked in list(self._parked):
                a = self.actors[parked]
                if a.parked:
                    self._actor_drain(a, force=a.parked[0][0] < force_before)
        calls, waits = self.calls, self._waits
        if full:
            self._next_full = self.clock + self.grace / 2
            keys = list(calls)
        else:
            keys = [k for k in self._dirty if k in calls]
        self._dirty.clear()
        for key in keys:
            c = calls[key]
            if self._advance_call(c, stale=c.since < force_before):
                del calls[key]
                self.done[key] = None
                for h in (c.callee, actor_of_task(c.parent_task)):
                    if h in waits:
                        waits[h].pop(key, None)
            else:
                for h in (c.callee, actor_of_task(c.parent_task)):
                    if h:
                        w = waits.get(h)
                        if w is None:
                            w = waits[h] = {}
                        w[key] = None
        if len(self.done) > 200_000:
            for key in list(self.done)[:100_000]:
                del self.done[key]

    def _advance_call(self, c: _Call, *, stale: bool) -> bool:
        """Emit the phases of one call that can be placed; True once it is complete.

        ``stale``: no piece of this call arrived for ``grace`` seconds, so what is missing
        is taken as never coming (a process that died before its batch left, say).
        """
        if c.emitted == 0 and not self._send(c, stale=stale):
            if stale and c.callee is None:
                self.unmatched += 1  # lifecycle pieces whose definition never came
                return True
            return False
        callee = self.actors[c.callee]  # type: ignore[index]
        node = callee.node or "node-unknown"
        phases = c.phases
        end = "FINISHED" if "FINISHED" in phases else "FAILED" if "FAILED" in phases else None
        placed = callee.state != "pending" or stale  # the callee has been seen alive
        first = min(c.phases.values(), default=c.send_t or 0.0)
        # the callee's life when the call reached it (a late report may follow a restart)
        row = (node, callee.name, _inc_at(callee, first), None, c.caller, c.msg_id, c.method)
        if c.emitted == 1 and QUEUED in c.phases and placed:
            self._emit(c.phases[QUEUED], "msg_recv", *row)
            c.emitted = 2
        if c.emitted in (1, 2) and RUNNING in c.phases and placed:
            if c.emitted == 1 and not (end or stale):
                return False  # queued (reported by the caller) is still on its way
            self._emit(c.phases[RUNNING], "handler_start", *row)
            c.emitted = 3
        if end is None or c.emitted == 4:
            return False
        if c.emitted < 3 and not stale:
            return False  # the callee's RUNNING (another process) may still be on its way
        t_end = c.phases[end]
        if c.emitted == 3:
            reason = "ok" if end == "FINISHED" else _error_outcome(c.error)
            duration = max(0.0, t_end - c.phases[RUNNING])
            self._emit(t_end, "handler_end", *row, reason, duration)
        elif end == "FINISHED":
            # it ran, but the callee's report of its start was lost (its process died before
            # the batch left): handled, at its end, for an unknown time (duration 0)
            self._emit(t_end, "msg_handle", *row, "ok", 0.0)
        else:
            self._emit(t_end, "msg_drop", *row, self._drop_reason(c))
        c.emitted = 4
        return True

    def _send(self, c: _Call, *, stale: bool) -> bool:
        """Emit a call's ``msg_send`` once its callee and caller have names."""
        if c.callee is None:
            return False  # no definition yet
        callee = self.actors.get(c.callee)
        if callee is None or callee.name is None:
            if not stale:
                return False
            callee = self._actor(c.callee)
            self._name(callee, None)
        c.caller = self._caller_name(c.parent_task, node_hex=c.send_node or "", t=c.send_t)
        caller = self.actors.get(actor_of_task(c.parent_task) or "")
        if c.caller is None:
            if not stale or caller is None:
                return False
            self._name(caller, None)
            c.caller = caller.name
        node = caller.node if caller is not None and caller.node else None
        node = node or self.pseudo.get(c.caller or "") or node_name(c.send_node or "")
        t = c.send_t if c.send_t is not None else min(c.phases.values(), default=self.clock)
        inc = _inc_at(caller, t) if caller is not None else 0
        self._emit(t, "msg_send", node, c.caller, inc, None, callee.name, c.msg_id, c.method)
        c.emitted = 1
        return True

    def _drop_reason(self, c: _Call) -> str:
        kind = (c.error or {}).get("errorType")
        if c.emitted == 2:
            return "discarded"  # it was waiting in the callee's queue
        if kind in DROP_NODE_ERRORS:
            return "node_down"
        if kind == "TASK_CANCELLED":
            return "discarded"
        return "dead_letter"

    # state API -----------------------------------------------------------------------------
    def _reconcile_node(self, n: dict[str, Any], now: float) -> None:
        h = str(n.get("node_id") or "")
        if not h:
            return
        info = self.node_info.setdefault(h, {})
        info.setdefault("ip", n.get("node_ip"))
        info.setdefault("head", bool(n.get("is_head_node")))
        cpus = (n.get("resources_total") or {}).get("CPU")
        info.setdefault("cpus", cpus)
        if n.get("state") == "ALIVE":
            start = (n.get("start_time_ms") or 0) / 1000 or now
            self._node_alive(h, start if h not in self.nodes else now, draining=False)
        elif n.get("state") == "DEAD":
            end = (n.get("end_time_ms") or 0) / 1000 or now
            msg = n.get("state_message")
            reason = n.get("death_reason") or (
                "EXPECTED_TERMINATION" if msg and "expected" in msg.lower() else None
            )
            self._node_dead(h, end, reason or "UNEXPECTED_TERMINATION", msg)

    def _reconcile_actor(self, row: dict[str, Any], now: float) -> None:
        h = str(row.get("actor_id") or "")
        if not h:
            return
        a = self._define(h, row.get("class_name"), row.get("name"))
        state = row.get("state")
        restarts = int(row.get("num_restarts") or 0)
        node_hex = str(row.get("node_id") or "")
        t = _stamp(now)  # the transitions below take Ray's timestamp format
        if a.state == "pending" and state in ("ALIVE", "RESTARTING"):
            # first sight: it is there now, in its current incarnation
            a.inc = restarts
            a.node = node_name(node_hex)
            a.pid = int(row.get("pid") or 0)
            a.parent = self._parent(a)
            a.lives.append((now, a.inc))
            self._emit(now, "actor_spawn", a.node, a.name, a.inc, a.parent, msg_type=_cls(a))
            a.state = "alive"
            self._attrs(now, a.node, a.name, {"ray_actor_id": h, "pid": a.pid, "class": a.cls})
            if state == "RESTARTING":
                self._fail(a, now, None, restarting=True)
                a.state = "restarting"
            return
        if a.state == "pending":
            a.state = "dead" if state == "DEAD" else "pending"
            return
        if state == "ALIVE" and (a.state != "alive" or restarts > a.inc):
            if a.state == "alive":  # it failed and came back between two polls
                self._actor_transition(a, {"state": "RESTARTING", "timestamp": t})
            a.inc = max(a.inc, restarts - 1)
            alive = {"state": "ALIVE", "timestamp": t, "node_hex": node_hex, "pid": row.get("pid")}
            self._actor_transition(a, alive)
        elif state == "RESTARTING" and a.state == "alive":
            self._actor_transition(a, {"state": "RESTARTING", "timestamp": t})
        elif state == "DEAD" and a.state == "alive":
            self._actor_transition(
                a, {"state": "DEAD", "timestamp": t, "deathCause": row.get("death_cause")}
            )


# json.dumps with options builds an encoder per call: one, made once
_ATTRS_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True)

_HANDLERS = {
    "NODE_DEFINITION_EVENT": RayMapper._node_definition,
    "NODE_LIFECYCLE_EVENT": RayMapper._node_lifecycle,
    "ACTOR_DEFINITION_EVENT": RayMapper._actor_definition,
    "ACTOR_LIFECYCLE_EVENT": RayMapper._actor_lifecycle,
    "ACTOR_TASK_DEFINITION_EVENT": RayMapper._actor_task_definition,
    "TASK_DEFINITION_EVENT": RayMapper._task_definition,
    "TASK_LIFECYCLE_EVENT": RayMapper._task_lifecycle,
    "DRIVER_JOB_DEFINITION_EVENT": RayMapper._driver_definition,
    "DRIVER_JOB_LIFECYCLE_EVENT": RayMapper._driver_lifecycle,
    "WORKER_LIFECYCLE_EVENT": RayMapper._worker_lifecycle,
}
_ORDER = sorted(_HANDLERS, key=_PRIORITY.__getitem__)  # the types handled, by priority


def to_frame(rows: list[Row], *, first_seq: int) -> pl.DataFrame:
    """Mapped rows as a contract frame numbered from ``first_seq``.

    Examples
    --------
    >>> to_frame([(1.0, "node_join", "node-1", None, 0, None, None, None, None, None, None,
    ...            None)], first_seq=7).select("seq", "kind").row(0)
    (7, 'node_join')
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(ROW_COLUMNS)
    data: dict[str, range | list[Any]] = {"seq": range(first_seq, first_seq + len(rows))}
    data.update({name: list(col) for name, col in zip(ROW_COLUMNS, columns, strict=True)})
    # polars builds an Enum column from Python strings slowly: build text, then cast
    return pl.DataFrame(data, schema=_BUILD_SCHEMA).cast({"kind": SCHEMA["kind"]})


_BUILD_SCHEMA = {**SCHEMA, "kind": pl.String()}


# values ------------------------------------------------------------------------------------
_EPOCH: dict[str, int] = {}


def ts(text: Any) -> float:
    """Ray's ISO-8601 UTC timestamp (nanosecond digits, ``Z``) as epoch seconds.

    Examples
    --------
    >>> ts("2026-11-29T14:44:52.780169689Z")
    1795963492.7801697
    >>> ts("2026-11-29T14:44:49Z")
    1795963489.0
    """
    try:
        base = _EPOCH[text[:19]]  # the whole seconds, parsed once per second of Ray's time
    except (KeyError, TypeError):
        if not isinstance(text, str) or len(text) < 19:
            return 0.0
        try:
            base = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            return 0.0
        if len(_EPOCH) > 100_000:
            _EPOCH.clear()
        _EPOCH[text[:19]] = base
    if len(text) > 20 and text[19] == ".":
        frac = text[20:].rstrip("Z")
        if frac.isdigit() and frac.isascii():
            n = len(frac)
            return base + int(frac) / (_POW10[n] if n < 20 else 10**n)
    return base + 0.0


_POW10 = [10**k for k in range(20)]


def _stamp(now: float) -> str:
    whole = int(now)
    head = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{head}.{round((now - whole) * 1e9):09d}Z"


def _in_time_order(rows: list[Row]) -> list[Row]:
    """A batch's rows by Ray's time (stable), so that what Ray reported together is
    published in the order it happened."""
    return sorted(rows, key=_by_time) if len(rows) > 1 else rows


def _by_time(row: Row) -> float:
    return row[0]


def _inc_at(a: _Actor, t: float) -> int:
    """The incarnation an actor had at time ``t`` (its latest life started by then)."""
    inc = a.lives[0][1] if a.lives else a.inc
    for start, n in a.lives:
        if start > t:
            break
        inc = n
    return inc


def _cls(a: _Actor) -> str | None:
    return a.cls.rsplit(".", 1)[-1] if a.cls else None


def _msg_id(key: tuple[str, int]) -> int:
    # 53 bits: exact in the browser's doubles; the same Ray task gets the same id every time
    digest = hashlib.blake2b(f"{key[0]}:{key[1]}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 53) - 1)


def _short(text: Any, limit: int = TEXT_LIMIT) -> str:
    """Ray's message cut to its first line and about ``limit`` characters, at a sentence."""
    if not isinstance(text, str):
        return ""
    text = text.strip().split("\n", 1)[0].strip()
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > 40 else text[:limit] + "…"


def _join(head: Any, tail: Any) -> str:
    head, tail = str(head or "").strip(), str(tail or "").strip()
    return f"{head}: {tail}" if head and tail else head or tail


def _death_context(cause: Any) -> dict[str, Any] | None:
    """The context of a ``deathCause`` (export: camelCase) or ``death_cause`` (state API:
    snake_case), with the keys this module reads in camelCase."""
    if not isinstance(cause, dict) or not cause:
        return None
    ctx = cause.get("actorDiedErrorContext") or cause.get("actor_died_error_context")
    if not isinstance(ctx, dict):
        # another kind of cause (creation task failed, runtime env failed): its message
        inner = next((v for v in cause.values() if isinstance(v, dict)), {})
        message = inner.get("errorMessage") or inner.get("error_message") or ""
        return {"reason": None, "errorMessage": message or json.dumps(cause)[:TEXT_LIMIT]}
    reason = ctx.get("reason")
    return {
        "reason": reason if isinstance(reason, str) else None,
        "errorMessage": ctx.get("errorMessage") or ctx.get("error_message"),
        "nodeDeathInfo": ctx.get("nodeDeathInfo") or ctx.get("node_death_info") or {},
    }


def _error_outcome(error: dict | None) -> str:
    """``error: <text>`` for a handler that raised: the exception line of Ray's traceback."""
    if not error:
        return "error: FAILED"
    kind = error.get("errorType") or "FAILED"
    message = str(error.get("errorMessage") or "")
    if kind == "TASK_EXECUTION_EXCEPTION":
        lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
        return f"error: {_short(lines[-1]) if lines else kind}"
    return f"error: {_join(kind, _short(message))}"
