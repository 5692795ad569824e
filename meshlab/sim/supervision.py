"""Supervision as Erlang/OTP's ``supervisor`` does it, plus backoff between restarts.

A :class:`Supervisor` starts its children from :class:`ChildSpec` s in order. When a child
exits it looks at the child's restart type — ``permanent`` (always restarted), ``transient``
(restarted after a crash, not after a clean stop) or ``temporary`` (never restarted, and
removed) — and, if the child is to be restarted, applies its strategy: ``one_for_one`` (that
child), ``one_for_all`` (every child) or ``rest_for_one`` (the child and those started after
it). The other children of the group are shut down in reverse start order, then the group is
restarted in start order. More than ``intensity`` restarts within ``period`` seconds and the
supervisor gives up: it shuts its children down (reverse start order) and exits with reason
``shutdown``, recorded as an ``actor_fail`` whose reason starts ``escalated: shutdown`` and
whose ``peer`` names the original root cause; its own supervisor then treats it as a clean
``shutdown`` exit (restarted if ``permanent``, not if ``transient``).

Restarts wait a :class:`Backoff` delay that grows with each restart of the child within the
window, so a crash loop shows as widening gaps: meshlab's addition. ``backoff=None`` restarts at
once, and such a supervisor behaves exactly as OTP's (``tests/test_otp_differential.py`` runs
the same cases on a real Erlang/OTP and compares event by event).

Supervision signals are out of band: a supervisor hears of a child's exit at the instant it
happens, wherever the child runs (as with Erlang links on a healthy network).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshlab.sim.actor import Actor, Cell, Context

if TYPE_CHECKING:
    from meshlab.sim.mesh import Mesh

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")
RESTART_TYPES = ("permanent", "transient", "temporary")
_STARTING = -2  # in Supervisor._running: the child is being started right now
_GONE = -3  # not a child (any more): a temporary child that exited is removed


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

    ``node`` pins the child to a node while that node takes new actors (elsewhere by the
    mesh's placement otherwise: see ``Mesh.set_node_state``). ``restart`` is OTP's restart
    type: ``"permanent"`` (the default, as in OTP: restarted whenever it exits),
    ``"transient"`` (restarted after a crash, not after a clean stop) or ``"temporary"``
    (never restarted; removed from its supervisor when it exits).
    """

    name: str
    cls: type[Actor]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    node: str | None = None
    restart: str = "permanent"

    def __post_init__(self) -> None:
        if self.restart not in RESTART_TYPES:
            raise ValueError(f"restart must be one of {RESTART_TYPES}, got {self.restart!r}")
        if "/" in self.name:
            raise ValueError(f"a child name may not contain '/', got {self.name!r}")


DEFAULT_BACKOFF = Backoff()


class Supervisor(Actor):
    """An actor whose job is to start, watch and restart its children, as OTP's supervisor.

    Options are keyword-only and mean what OTP's supervisor flags mean, with OTP's defaults:
    ``strategy="one_for_one"``, ``intensity=1``, ``period=5`` (whole seconds: as OTP does, the
    supervisor counts restarts by the whole second of the clock in which they happen, and one
    ``period`` seconds before the current one still counts). ``backoff`` is meshlab's addition:
    the delay before each restart, ``Backoff()`` by default (0.1 s, doubling per restart of
    the same child in the window, at most 5 s, ±10 % seeded jitter); ``backoff=None`` restarts
    at once, which makes the supervisor behave exactly as OTP's.
    """

    system = True

    def __init__(
        self,
        children: list[ChildSpec],
        *,
        strategy: str = "one_for_one",
        intensity: int = 1,
        period: float = 5,
        backoff: Backoff | None = DEFAULT_BACKOFF,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        if isinstance(intensity, bool) or not isinstance(intensity, int) or intensity < 0:
            raise ValueError(f"intensity must be a whole number >= 0, got {intensity!r}")
        if (
            isinstance(period, bool)
            or not isinstance(period, int | float)
            or not (period >= 1 and float(period).is_integer())
        ):
            raise ValueError(
                f"period must be a whole number of seconds >= 1 (as in OTP, restarts are "
                f"counted by the whole second), got {period!r}"
            )
        if backoff is not None and not isinstance(backoff, Backoff):
            raise TypeError(f"backoff must be a meshlab.Backoff or None, got {backoff!r}")
        names = [c.name for c in children]
        if len(set(names)) != len(names):
            raise ValueError(f"child names must be unique, got {names}")
        self.children = list(children)
        self.strategy = strategy
        self.intensity = intensity
        self.period = int(period)
        self.backoff = backoff
        # What OTP's supervisor keeps per child: the incarnation it started and believes
        # alive, None while the child is not running, _GONE once a temporary child has gone.
        self._running: dict[str, int | None] = {}
        self._restarts: list[tuple[int, str]] = []  # (whole second, child), newest first
        self._rounds = 0  # restart decisions taken; a group restart stops if one happens

    def started(self, ctx: Context) -> None:
        mesh, me = ctx._mesh, ctx._cell
        for spec in self.children:
            if not me.alive:
                return  # a child's start made this supervisor give up
            node = spec.node if spec.node in mesh.nodes_placeable() else None
            self._running[spec.name] = _STARTING
            aid = mesh._spawn(spec.cls, spec.args, spec.kwargs, spec.name, me, node, None, spec)
            self._started(spec.name, mesh._cells[aid])

    def _started(self, name: str, cell: Cell) -> None:
        if self._running.get(name) == _STARTING:  # unless it already exited while starting
            self._running[name] = cell.inc

    def child_exited(
        self, mesh: Mesh, me: Cell, child: Cell, reason: str, root: str | None, clean: bool
    ) -> None:
        """A child exited: ``clean`` for OTP's ``normal`` or ``shutdown`` exit reasons."""
        spec = child.spec
        name = spec.name
        if child.alive or self._running.get(name, _GONE) not in (child.inc, _STARTING):
            return  # not the life this supervisor runs: one it shut down itself, or stale
        if spec.restart == "temporary":
            self._running[name] = _GONE
            return
        self._running[name] = None
        if reason == "drain":
            # Moved off a draining node, not a failure: started again elsewhere at once, alone
            # (not its group) and not counted against the restart intensity.
            mesh.schedule(mesh.now, self._move, (mesh, me, me.inc, name))
            return
        if spec.restart == "transient" and clean:
            return  # not restarted, but still a child: a group restart brings it back
        self._rounds += 1
        now = math.floor(mesh.now)
        window = [(t, n) for t, n in self._restarts if t >= now - self.period]
        self._restarts = [(now, name), *window]
        if len(self._restarts) > self.intensity:
            self._give_up(mesh, me, reason, root or child.id)
            return
        group = self._group(name)
        for other in reversed(group):  # shut the rest of the group down, last started first
            if other != name:
                self._shut_down(mesh, me, other)
        delay = 0.0
        if self.backoff is not None:
            attempt = sum(1 for _, n in self._restarts if n == name) - 1
            delay = self.backoff.delay(attempt, mesh.rng)
        todo = [n for n in group if self._running.get(n) is None]
        mesh.schedule(mesh.now + delay, self._restart_group, (mesh, me, me.inc, todo, delay))

    def _group(self, name: str) -> list[str]:
        present = [s.name for s in self.children if self._running.get(s.name, _GONE) != _GONE]
        if self.strategy == "one_for_all":
            return present
        if self.strategy == "rest_for_one":
            return present[present.index(name) :]
        return [name]

    def _shut_down(self, mesh: Mesh, me: Cell, name: str) -> None:
        if self._running.get(name, _GONE) == _GONE:
            return
        cell = mesh._cells[f"{me.id}/{name}"]
        # A temporary child shut down for a group restart is removed, not restarted.
        self._running[name] = _GONE if cell.spec.restart == "temporary" else None
        if cell.alive:
            mesh._stop(cell, "shutdown")

    def _restart_group(self, arg: tuple[Mesh, Cell, int, list[str], float]) -> None:
        mesh, me, inc, names, delay = arg
        rounds = self._rounds
        for name in names:
            if not me.alive or me.inc != inc or self._rounds != rounds:
                return  # the supervisor died or restarted, or a restarted child exited again
            if self._running.get(name, _GONE) is not None:
                continue  # removed meanwhile, or already back
            if not self._restart_child(mesh, me, name, delay, self.strategy):
                return

    def _move(self, arg: tuple[Mesh, Cell, int, str]) -> None:
        mesh, me, inc, name = arg
        if me.alive and me.inc == inc and self._running.get(name, _GONE) is None:
            self._restart_child(mesh, me, name, 0.0, "drain")

    def _restart_child(self, mesh: Mesh, me: Cell, name: str, delay: float, why: str) -> bool:
        """Start ``name`` again on its own node if that takes new actors, else where the
        mesh's placement puts it; False when no node takes new actors."""
        ok = mesh.nodes_placeable()
        if not ok:
            return False
        cell = mesh._cells[f"{me.id}/{name}"]
        spec = cell.spec
        node = spec.node if spec.node in ok else mesh._place(None, None, me)
        self._running[name] = _STARTING
        mesh._restart(cell, node, delay, why)
        self._started(name, cell)
        return True

    def _give_up(self, mesh: Mesh, me: Cell, reason: str, root: str) -> None:
        """OTP's reached_max_restart_intensity: the children are shut down (reverse start
        order, by the mesh) and the supervisor exits with reason ``shutdown``."""
        many = "restart" if self.intensity == 1 else "restarts"
        detail = (
            f"escalated: shutdown, more than {self.intensity} {many} in {self.period}s; "
            f"last: {reason}"
        )
        mesh._fail(me, detail, root, clean=True)
