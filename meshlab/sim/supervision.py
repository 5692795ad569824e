"""Supervision with OTP semantics, plus exponential backoff between restarts.

A :class:`Supervisor` starts its children from :class:`ChildSpec` s in order. When a child
crashes it applies its strategy — ``one_for_one`` (restart that child), ``one_for_all``
(shut down and restart every child) or ``rest_for_one`` (the child and those started after
it) — unless more than ``intensity`` restarts happened within ``period`` seconds: then it shuts
its children down and fails itself with ``escalated: ...``, naming the original root cause,
so its own supervisor can act. Restarts wait ``Backoff`` delays that grow with each restart in
the window, so a crash loop shows as widening gaps.

Supervision signals are out of band: a supervisor hears of a child's crash at the instant it
happens, wherever the child runs (as with Erlang monitors on a healthy network).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshlab.sim.actor import Actor, Cell, Context

if TYPE_CHECKING:
    from meshlab.sim.mesh import Mesh

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")
RESTART_TYPES = ("transient", "temporary")


@dataclass(frozen=True)
class Backoff:
    """Delay before restart ``k`` (0-based within the window): ``min(cap, base * factor**k)``,
    spread by ``±jitter`` (a fraction) drawn from the mesh's seeded RNG.

    >>> Backoff(base=0.1, factor=2.0, cap=1.0, jitter=0.0).delay(3, random.Random(0))
    0.8
    """

    base: float = 0.1
    factor: float = 2.0
    cap: float = 5.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0 or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError(
                f"Backoff needs base >= 0, cap >= 0, factor >= 1 and 0 <= jitter < 1; got {self}"
            )

    def delay(self, attempt: int, rng: random.Random) -> float:
        d = min(self.cap, self.base * self.factor**attempt)
        if self.jitter:
            d *= 1.0 + self.jitter * (2.0 * rng.random() - 1.0)
        return round(d, 9)


@dataclass(frozen=True)
class ChildSpec:
    """How a supervisor starts one child: ``cls(*args, **kwargs)`` named ``name``.

    ``node`` pins the child to a node while that node is up (elsewhere by the mesh's placement
    otherwise). ``restart`` is ``"transient"`` (restart after a crash, not after a clean stop)
    or ``"temporary"`` (never restart).
    """

    name: str
    cls: type[Actor]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    node: str | None = None
    restart: str = "transient"

    def __post_init__(self) -> None:
        if self.restart not in RESTART_TYPES:
            raise ValueError(f"restart must be one of {RESTART_TYPES}, got {self.restart!r}")
        if "/" in self.name:
            raise ValueError(f"a child name may not contain '/', got {self.name!r}")


class Supervisor(Actor):
    """An actor whose job is to start, watch and restart its children."""

    system = True

    def __init__(
        self,
        children: list[ChildSpec],
        *,
        strategy: str = "one_for_one",
        intensity: int = 3,
        period: float = 5.0,
        backoff: Backoff | None = None,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        if intensity < 0 or period <= 0:
            raise ValueError(f"need intensity >= 0 and period > 0, got {intensity}, {period}")
        names = [c.name for c in children]
        if len(set(names)) != len(names):
            raise ValueError(f"child names must be unique, got {names}")
        self.children = list(children)
        self.strategy = strategy
        self.intensity = intensity
        self.period = period
        self.backoff = backoff if backoff is not None else Backoff()
        self._restarts: list[tuple[float, str]] = []  # (time, child name) in the window

    def started(self, ctx: Context) -> None:
        mesh, me = ctx._mesh, ctx._cell
        for spec in self.children:
            node = spec.node if spec.node in mesh.nodes_up() else None
            mesh._spawn(spec.cls, spec.args, spec.kwargs, spec.name, me, node, None, spec)

    def child_failed(
        self, mesh: Mesh, me: Cell, child: Cell, reason: str, root: str | None
    ) -> None:
        spec = child.spec
        if spec.restart == "temporary":
            return
        now = mesh.now
        self._restarts = [(t, n) for t, n in self._restarts if t > now - self.period]
        self._restarts.append((now, spec.name))
        if len(self._restarts) > self.intensity:
            self._escalate(mesh, me, reason, root)
            return
        attempt = sum(1 for _, n in self._restarts if n == spec.name) - 1
        delay = self.backoff.delay(attempt, mesh.rng)
        group = self._group(mesh, me, child)
        for cell in group:
            if cell.alive:
                mesh._stop(cell, "shutdown")
        for cell in group:
            mesh.schedule(now + delay, self._restart_child, (mesh, me, me.inc, cell, delay))

    def _group(self, mesh: Mesh, me: Cell, failed: Cell) -> list[Cell]:
        cells = [mesh._cells[f"{me.id}/{s.name}"] for s in self.children]
        if self.strategy == "one_for_all":
            return cells
        if self.strategy == "rest_for_one":
            return cells[cells.index(failed) :]
        return [failed]

    def _restart_child(self, arg: tuple[Mesh, Cell, int, Cell, float]) -> None:
        mesh, me, inc, cell, delay = arg
        if not me.alive or me.inc != inc or cell.alive:
            return  # the supervisor itself died or restarted meanwhile, or the child is back
        spec = cell.spec
        up = mesh.nodes_up()
        if not up:
            return
        node = spec.node if spec.node in up else mesh._place(None, None, me)
        mesh._restart(cell, node, delay, self.strategy)

    def _escalate(self, mesh: Mesh, me: Cell, reason: str, root: str | None) -> None:
        detail = (
            f"escalated: more than {self.intensity} restarts in {self.period:g}s; last: {reason}"
        )
        mesh._fail(me, detail, root)
