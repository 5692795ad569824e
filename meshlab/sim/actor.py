"""The actor API: plain Python classes with handlers, and the context they act through.

An actor handles a message of type ``"ping"`` with a method ``on_ping(self, ctx, body)``, or
with ``receive(self, ctx, msg_type, body)`` for anything without such a method. A handler
that raises crashes the actor; its supervisor decides what happens next. ``started`` runs at
every (re)start and ``stopped`` at a clean stop.

Processing time is simulated: ``cost`` is seconds per message, a dict by message type (key
``"*"`` for the rest), a distribution from :mod:`meshlab.sim.net`, or a callable
``(msg, ctx) -> seconds`` (a method ``cost(self, msg, ctx)`` works too; see
:mod:`meshlab.sim.cost`). A handler's effects (sends, spawns, a crash) happen when its
processing time has elapsed, and the mailbox queues meanwhile. ``mailbox_limit`` bounds the
mailbox; an arrival beyond it is dropped as ``mailbox_full``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from meshlab.events import ContractError, attrs_json
from meshlab.sim._speedups import CellBase, ContextBase
from meshlab.sim.cost import Message, cost_of

if TYPE_CHECKING:
    import random

    from meshlab.sim.mesh import Mesh

Cost = float | dict[str, float] | Callable[[Message, "Context"], float]


class UnhandledMessage(Exception):
    """An actor received a message type it has no handler for."""


class Actor:
    """Base class for simulated actors. Subclass it and add ``on_<msg_type>`` handlers.

    >>> class Echo(Actor):
    ...     def on_ping(self, ctx, body):
    ...         ctx.reply("pong", body)
    """

    cost: ClassVar[Cost] = 0.0
    mailbox_limit: ClassVar[int | None] = None
    system: ClassVar[bool] = False  # infrastructure (supervisors, detectors); views may hide it

    def started(self, ctx: Context) -> None:
        """Called when the actor starts, and again after every restart."""

    def stopped(self, ctx: Context) -> None:
        """Called when the actor stops cleanly (not when it crashes)."""

    def receive(self, ctx: Context, msg_type: str, body: Any) -> None:
        raise UnhandledMessage(
            f"{type(self).__name__} has no handler for {msg_type!r}: "
            f"define on_{msg_type}(self, ctx, body) or receive(self, ctx, msg_type, body)"
        )


class Cell(CellBase):
    """The runtime record of one actor id: where it lives, its mailbox, its current life.

    Its fields live in ``CellBase`` (compiled, or slots in the pure-Python core), where the
    message path reads them without attribute lookups.
    """

    __slots__ = ()

    def __init__(self, mesh: Mesh, aid: str, cls: type[Actor], args, kwargs, parent, node) -> None:
        self.id = aid
        self.cls = cls
        self.args = args
        self.kwargs = kwargs
        self.parent: str | None = parent
        self.node: str = node
        self.inc = -1  # becomes 0 at the first start
        self.alive = False
        self.busy = False
        self.mailbox: deque = deque()
        self.children: list[str] = []
        self.spec: Any = None  # the ChildSpec when a supervisor owns this actor
        self.ctx = Context(mesh, self)
        self.behaviour: Actor = None  # type: ignore[assignment]
        self.handlers: dict[str, Callable] = {}
        self.cost: Any = 0.0  # resolved for each life: the cost may be per instance
        self.limit = cls.mailbox_limit

    def begin_life(self, node: str) -> None:
        """A fresh instance for a new incarnation: OTP restarts from the initial arguments."""
        self.node = node
        self.inc += 1
        self.alive = True
        self.busy = False
        self.behaviour = self.cls(*self.args, **self.kwargs)
        self.handlers = {}
        self.cost = cost_of(self.behaviour)
        self.limit = self.cls.mailbox_limit

    def handler(self, msg_type: str) -> Callable[[Context, Any], None]:
        method = getattr(self.behaviour, f"on_{msg_type}", None)
        if method is None:
            receive = self.behaviour.receive

            def method(ctx, body, _t=msg_type):
                receive(ctx, _t, body)

        self.handlers[msg_type] = method
        return method


class Context(ContextBase):
    """What a handler can do: send, reply, spawn, stop, set timers; and who it is.

    ``send(dst, msg_type, body=None, *, size=None)`` sends ``msg_type`` with ``body`` to actor
    ``dst`` over the network; ``reply(msg_type, body=None, *, size=None)`` sends to the sender
    of the message being handled. Both come from ``ContextBase``, compiled where possible,
    because every message goes through them.
    """

    __slots__ = ()

    def __init__(self, mesh: Mesh, cell: Cell) -> None:
        self._mesh = mesh
        self._cell = cell
        self.sender: str | None = None  # the sender of the message being handled

    @property
    def self(self) -> str:
        """This actor's id (stable across restarts)."""
        return self._cell.id

    @property
    def node(self) -> str:
        return self._cell.node

    @property
    def incarnation(self) -> int:
        return self._cell.inc

    @property
    def now(self) -> float:
        return self._mesh.now

    @property
    def rng(self) -> random.Random:
        """The mesh's seeded RNG: use it (not ``random``) so runs stay deterministic."""
        return self._mesh.rng

    def spawn(
        self,
        cls: type[Actor],
        *args: Any,
        name: str | None = None,
        node: str | None = None,
        placement: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Start a child actor; returns its id ``"<self>/<name>"``."""
        return self._mesh._spawn(cls, args, kwargs, name, self._cell, node, placement)

    def stop(self, actor: str | None = None) -> None:
        """Stop this actor (default) or one of its children, cleanly."""
        self._mesh._stop_id(actor or self._cell.id)

    def after(self, delay: float, msg_type: str, body: Any = None) -> int:
        """Deliver ``msg_type`` to this actor after ``delay`` seconds; returns a timer id."""
        return self._mesh._set_timer(self._cell, delay, msg_type, body)

    def cancel(self, timer: int) -> None:
        """Cancel a timer set with :meth:`after` that has not fired yet."""
        self._mesh._timers.pop(timer, None)

    def publish(self, **values: str | int | float | bool | None) -> None:
        """Publish properties of this actor (``ctx.publish(term=3, role="leader")``).

        Records an ``attrs`` event: ``Trace.state_at`` merges them into the actor's ``attrs``
        and the canvas inspector shows them. A value of ``None`` removes its key. Values are
        scalars (str, int, float, bool); at most 32 keys of up to 64 characters, 4096 bytes of
        JSON, as the contract bounds them (a ``ValueError`` says which bound was crossed).
        """
        if not values:
            raise TypeError("publish needs at least one key=value, e.g. ctx.publish(role='leader')")
        try:
            reason = attrs_json(values)
        except ContractError as exc:
            raise ValueError(f"ctx.publish: {exc}") from None
        cell = self._cell
        self._mesh._record("attrs", node=cell.node, actor=cell.id, inc=cell.inc, reason=reason)

    def nodes(self) -> list[str]:
        """Nodes that are up now, in mesh order."""
        return self._mesh.nodes_up()

    def actors(self, *, node: str | None = None) -> list[str]:
        """Ids of live actors, optionally only those on ``node``."""
        return self._mesh.actors_alive(node=node)
