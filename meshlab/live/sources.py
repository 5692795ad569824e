"""What a live node publishes: a simulation paced to wall time, or a recorded trace replayed.

A source drives a :class:`Feed` from the server's event loop and answers control actions.
Both kinds keep the events' own ``seq`` and ``t`` (virtual seconds), so a client sees exactly
what an offline run with the same seed records; the hello and heartbeats say how that clock
maps to wall time.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
from typing import Any

import polars as pl

from meshlab.live.feed import Feed
from meshlab.live.pacing import PacedClock
from meshlab.live.protocol import (
    E_BAD_REQUEST,
    E_NOT_SUPPORTED,
    MAX_ADMIN_ARG,
    MAX_SPEED,
    ProtocolError,
)

TICK = 0.02
"""Wall seconds between pacing steps: small enough for smooth streams, large enough to batch."""

MAX_STEP_EVENTS = 10_000
"""Most events a simulation step records; a speed the simulator cannot keep up with slows
the virtual clock instead of growing one step (and its memory) without bound."""

DEFAULT_RETAIN = 1_000_000
"""Events a served scenario keeps for late subscribers (about 150 MB); older ones are
answered with ``seq_gone``."""


class PacedSource:
    """Shared pacing and the pause / resume / speed controls."""

    kind = "source"

    def __init__(
        self, *, speed: float, until: float, start: float = 0.0, retain: int | None = None
    ) -> None:
        self.feed = Feed(retain=retain)
        self.clock = PacedClock(speed=speed, start=start)
        self.until = until
        self.finished = False

    @property
    def state(self) -> str:
        if self.finished:
            return "finished"
        return "paused" if self.clock.paused else "running"

    def now(self) -> float:
        return min(self.clock.now(), self.until)

    def control(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        if action == "pause":
            self.clock.pause()
        elif action == "resume":
            self.clock.resume()
        elif action == "speed":
            speed = args.get("speed")
            if (
                not isinstance(speed, int | float)
                or isinstance(speed, bool)
                or not 0 < speed <= MAX_SPEED
            ):
                raise ProtocolError(
                    E_BAD_REQUEST,
                    f"speed needs a number 'speed' with 0 < speed <= {MAX_SPEED:g}, got {speed!r}",
                )
            self.clock.set_speed(float(speed))
        else:
            return self.fault(action, args)
        self.feed.notify()
        return {"state": self.state, "speed": self.clock.speed, "now": self.now()}

    def fault(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        raise ProtocolError(E_NOT_SUPPORTED, f"a {self.kind} source does not support {action!r}")

    def step(self) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        """Advance with the clock until ``until``; then keep serving what was published."""
        while True:
            if not self.finished:
                self.step()
            await asyncio.sleep(TICK)


class SimSource(PacedSource):
    """A scenario run on the simulator, advanced to the virtual time wall time allows."""

    kind = "sim"

    def __init__(
        self,
        mesh: Any,
        *,
        scenario: str | None,
        seed: int,
        until: float,
        speed: float,
        retain: int | None = DEFAULT_RETAIN,
    ) -> None:
        super().__init__(speed=speed, until=until, retain=retain)
        self.mesh = mesh
        self.scenario = scenario
        self.seed = seed
        self._rate = 0.0  # recorded events per virtual second, measured by the last step
        self._reach = TICK  # virtual seconds a step may advance while the rate is unknown
        # steps run in a worker thread (see run); faults from the event loop wait for them
        self._mesh_lock = threading.Lock()
        self._nodes = list(mesh.meta.nodes)

    def _step_reach(self) -> float:
        return MAX_STEP_EVENTS / self._rate if self._rate > 0 else self._reach

    def now(self) -> float:
        # never report a time the next step cannot reach: when the simulator falls behind,
        # the clock is held back to what it ran (see step), and time must not go backwards
        return min(super().now(), self.mesh.now + self._step_reach())

    def describe(self) -> dict[str, Any]:
        nodes = list(self._nodes)
        ident = f"sim:{self.scenario}:{self.seed}:{','.join(nodes)}"
        return {
            "source": self.kind,
            "scenario": self.scenario,
            "seed": self.seed,
            "nodes": nodes,
            "stream_id": hashlib.sha256(ident.encode()).hexdigest()[:16],
        }

    async def run(self) -> None:
        """Like every source, but the simulation itself runs in a worker thread: a step can
        take tens of milliseconds, which the event loop (``/healthz``, heartbeats, the
        streams) must not wait for."""
        while True:
            if not self.finished:
                target = self._target()
                ran = await asyncio.to_thread(self._advance, target, self.feed.head)
                self._after(target, ran)
            await asyncio.sleep(TICK)

    def step(self) -> None:
        """One step on the calling thread (what ``run`` does, without the worker thread)."""
        target = self._target()
        self._after(target, self._advance(target, self.feed.head))

    def _target(self) -> float:
        target = min(self.clock.now(), self.until)
        reach = self._step_reach()
        if target - self.mesh.now > reach:
            # more than one step can hold: run what it can and let the clock wait for us
            target = self.mesh.now + reach
            self.clock.hold(target)
        return target

    def _advance(self, target: float, head: int) -> tuple[pl.DataFrame, float, float] | None:
        """Run the mesh to ``target`` (in the worker thread); the new events and the span."""
        with self._mesh_lock:
            mesh = self.mesh
            if not (target > mesh.now or (target >= self.until and not self.finished)):
                return None
            start = mesh.now
            mesh.run(until=target)
            new = mesh.events_since(head)
            # the feed holds what late subscribers may ask for; the mesh need not keep more
            mesh.forget(self.feed.oldest)
            self._nodes = list(mesh.meta.nodes)
            return new, start, mesh.now

    def _after(self, target: float, ran: tuple[pl.DataFrame, float, float] | None) -> None:
        """Publish what a step recorded (on the event loop, which owns the feed)."""
        if ran is not None:
            new, start, end = ran
            before = self.feed.head
            if new.height:
                skip = before - int(new["seq"][0])  # a fault may have published some already
                if skip < new.height:
                    self.feed.append(new.slice(max(0, skip)))
            if end > start:
                rate = (self.feed.head - before) / (end - start)
                self._rate = max(self._rate * 0.5, rate)
                if self._rate < 1e-9:  # quiet so far: reach further each step
                    self._rate, self._reach = 0.0, self._reach * 2
        if target >= self.until:
            self.finished = True
            self.feed.notify()

    def publish(self) -> None:
        with self._mesh_lock:
            new = self.mesh.events_since(self.feed.head)
            self._nodes = list(self.mesh.meta.nodes)
        if new.height:
            self.feed.append(new)

    def fault(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._mesh_lock:  # waits for a step in the worker thread to end
            self._fault(action, args)
        # a fault "now" is recorded at once; publish it and let the mesh run on after it,
        # since its consequences (restarts, drops) happen later in virtual time
        self.publish()
        self.finished = False
        self.until = max(self.until, self.mesh.now + 1.0)
        return {"state": self.state, "now": self.now()}

    def _fault(self, action: str, args: dict[str, Any]) -> None:
        mesh = self.mesh
        try:
            if action == "kill_node":
                mesh.kill_node(_text(args, "node"))
            elif action == "crash":
                mesh.crash(_text(args, "actor"))
            elif action == "partition":
                groups = args.get("groups")
                if not isinstance(groups, list) or not all(
                    isinstance(g, list) and all(isinstance(n, str) for n in g) for g in groups
                ):
                    raise ProtocolError(
                        E_BAD_REQUEST, "partition needs 'groups', a list of lists of node names"
                    )
                mesh.partition(groups)
            elif action == "heal":
                mesh.heal()
            elif action == "admin":
                self._admin(args)
            else:
                raise ProtocolError(E_NOT_SUPPORTED, f"unknown control action {action!r}")
        except (KeyError, ValueError) as exc:
            raise ProtocolError(E_BAD_REQUEST, f"{action} failed: {exc}") from None

    def _admin(self, args: dict[str, Any]) -> None:
        """A MeshOS operator action, taken by the scenario's engine at the current instant
        (idempotent: repeating one in effect is recorded as ignored)."""
        engine = getattr(self.mesh, "meshos", None)
        if engine is None:
            raise ProtocolError(
                E_NOT_SUPPORTED,
                f"admin actions need a MeshOS scenario (maintenance-drain, replica-repair, "
                f"crash-loop, slow-node); {self.scenario or 'this mesh'} runs no MeshOS",
            )
        extra = sorted(set(args) - {"op", "node"})
        if extra:
            raise ProtocolError(E_BAD_REQUEST, f"admin takes 'op' and 'node' only, not {extra}")
        op = _text(args, "op")
        node = _text(args, "node") if args.get("node") is not None else None
        for value in (op, node or ""):
            if len(value) > MAX_ADMIN_ARG:
                raise ProtocolError(
                    E_BAD_REQUEST, f"admin 'op' and 'node' are at most {MAX_ADMIN_ARG} characters"
                )
        engine.admin(op, node)


class TraceSource(PacedSource):
    """A recorded trace published event by event as its own clock reaches each ``t``."""

    kind = "trace"

    def __init__(self, trace: Any, *, speed: float, path: str | None = None) -> None:
        events: pl.DataFrame = trace.events
        if events.height and not (
            events["seq"][0] == 0 and (events["seq"].diff().drop_nulls() == 1).all()
        ):
            # a stream numbers its events 0, 1, 2, ... so that a client can resume
            events = events.with_columns(seq=pl.int_range(events.height, dtype=pl.UInt64))
        start = float(events["t"].min()) if events.height else 0.0  # type: ignore[arg-type]
        end = float(events["t"].max()) if events.height else 0.0  # type: ignore[arg-type]
        super().__init__(speed=speed, until=end, start=start)
        self.trace = trace
        self.events = events
        # computed once, here: a hello must never cost work proportional to the trace
        self.stream_id = trace.digest()[:16]
        # release in seq order at the running maximum of t, so an out-of-order t never
        # holds back or reorders what follows it
        self._release = events["t"].cum_max().to_numpy() if events.height else None
        self.path = path

    def describe(self) -> dict[str, Any]:
        meta = self.trace.meta
        return {
            "source": self.kind,
            "scenario": meta.scenario,
            "seed": meta.seed,
            "nodes": list(meta.nodes),
            "stream_id": self.stream_id,
        }

    def step(self) -> None:
        if self._release is None:
            self.finished = True
            return
        import numpy as np

        upto = int(np.searchsorted(self._release, self.now(), side="right"))
        if upto > self.feed.head:
            self.feed.append(self.events.slice(self.feed.head, upto - self.feed.head))
        if upto >= self.events.height:
            self.finished = True
            self.feed.notify()


def _text(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(E_BAD_REQUEST, f"this action needs {key!r}, a non-empty string")
    return value


def finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
