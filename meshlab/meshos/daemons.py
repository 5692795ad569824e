"""The actors MeshOS runs on the simulator: daemons that report health, and service instances.

A daemon heartbeats to the engine every ``heartbeat`` seconds through its own timer, each beat
carrying the load it measures on itself (its saturation signal), so a
daemon that is wedged in a long handler misses beats and is seen as unhealthy, exactly as a
real health check sees it. Asked to drain, it stops itself once its current work is done;
the engine kills it if that takes longer than the drain timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meshlab.sim.actor import Actor, Context

if TYPE_CHECKING:
    from meshlab.meshos.engine import MeshOS


class DaemonActor(Actor):
    """One daemon on one node. ``fault`` makes it misbehave for a scenario: ``"crash"``
        crashes at every start (a crash loop), ``"wedge"`` stops answering heartbeats after its
        first one (a hung process). Stopping is the engine's: it waits for the daemon's current
    work to finish, up to the drain timeout, then stops it (or kills it when the time is up)."""

    system = True

    def __init__(self, engine: MeshOS, node: str, name: str, fault: str | None = None) -> None:
        self.engine = engine
        self.key = (node, name)
        self.fault = fault
        self.reported = 0.0  # the load last published

    def started(self, ctx: Context) -> None:
        if self.fault == "crash":
            raise RuntimeError(f"{self.key[1]} failed to start on {self.key[0]}")
        ctx.after(0.0, "beat")

    def on_beat(self, ctx: Context, body: Any) -> None:
        # Each heartbeat carries the daemon's load (its saturation signal); a change is also
        # published, so the trace and the inspector show it.
        load = self.engine.load_of(self.key)
        if load != self.reported:
            self.reported = load
            ctx.publish(load=round(load, 3))
        self.engine.signal("beat", self.key, ctx.incarnation, load)
        if self.fault == "wedge":
            return  # alive, but never reports again
        ctx.after(self.engine.heartbeat, "beat")


class InstanceActor(Actor):
    """One instance of a service: it only has to exist where the reconciler put it."""
