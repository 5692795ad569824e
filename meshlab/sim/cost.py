"""Processing time: what an actor's ``cost`` may be, and the check of every value it gives.

``cost`` (on the class, or set on the instance in ``__init__``) is one of:

- seconds per message, a constant;
- a dict of seconds by message type, ``"*"`` for the rest;
- a distribution from :mod:`meshlab.sim.net` (``Exponential(mean)``, ...), drawn per message
  from the mesh's seeded RNG;
- a callable ``(msg, ctx) -> seconds``: ``msg`` is the :class:`Message` about to be handled
  and ``ctx`` the actor's context, so ``ctx.rng`` draws random service times. On the class it
  may be a plain function of ``(msg, ctx)`` (``cost = lambda msg, ctx: ...``), a method
  ``def cost(self, msg, ctx)`` (it sees the actor's state), or a staticmethod.

Constants and dict entries are checked when the actor is spawned. A value given while the
mesh runs that is negative, NaN or infinite, or a callable that raises, stops the run with a
:class:`CostError` naming the actor, the message type and the value; the trace up to that
moment is kept.
"""

from __future__ import annotations

import inspect
import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from meshlab.sim.actor import Actor, Context

RULE = "a cost must be a finite number of seconds >= 0"


class Message(NamedTuple):
    """The message a cost is asked about: its type, body, sender id and message id."""

    type: str
    body: Any
    sender: str | None
    id: int


class CostError(ValueError):
    """An actor's cost gave an unusable processing time, or raised; the run stops here."""

    def __init__(self, actor: str, cls: str, msg_type: str, t: float, problem: str) -> None:
        super().__init__(
            f"actor {actor!r} ({cls}) at t={t:.9g}: the cost of a {msg_type!r} message {problem}"
        )
        self.actor, self.msg_type, self.t = actor, msg_type, t


class ByType:
    """A dict cost, checked once: seconds by message type, ``"*"`` for the rest."""

    __slots__ = ("default", "table")

    def __init__(self, owner: str, table: dict[str, Any]) -> None:
        table = dict(table)
        self.default = constant(f"{owner}['*']", table.pop("*", 0.0))
        self.table = {k: constant(f"{owner}[{k!r}]", v) for k, v in table.items()}

    def get(self, msg_type: str) -> float:
        return self.table.get(msg_type, self.default)


def constant(owner: str, value: Any) -> float:
    """A constant cost, checked: ``owner`` names it in the error."""
    seconds = _number(value)
    if seconds is None:
        raise ValueError(f"{owner} must be seconds (a number); got {value!r}")
    if not 0.0 <= seconds < math.inf:
        raise ValueError(f"{owner} is {seconds!r}; {RULE}")
    return seconds


def check(value: Any) -> tuple[float, str | None]:
    """``(seconds, None)`` for a usable value, or ``(nan, what is wrong with it)``."""
    seconds = _number(value)
    if seconds is None:
        return math.nan, f"is {value!r} ({type(value).__name__}), not a number; {RULE}"
    if not 0.0 <= seconds < math.inf:
        return math.nan, f"is {seconds!r} seconds; {RULE}"
    return seconds, None


def _number(value: Any) -> float | None:
    if isinstance(value, bool | str | bytes):  # float() would accept these; they are bugs
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- resolving an actor's cost ----------------------------------------------------------------

Resolved = float | ByType | Callable[["Message", "Context"], Any]
_METHOD = object()  # the class defines ``def cost(self, msg, ctx)``: bind it to each instance
_by_class: weakref.WeakKeyDictionary[type, tuple[Any, Any]] = weakref.WeakKeyDictionary()


def class_cost(cls: type[Actor]) -> Any:
    """The class's cost, checked and cached (``_METHOD`` when it must be bound per instance).

    Raises ``TypeError`` / ``ValueError`` naming the class when the cost is not usable."""
    raw = inspect.getattr_static(cls, "cost")
    cached = _by_class.get(cls)
    if cached is not None and cached[0] is raw:  # unless the class's cost was reassigned
        return cached[1]
    owner = f"{cls.__name__}.cost"
    resolved: Resolved | object  # object: _METHOD
    if isinstance(raw, staticmethod):
        resolved = _callable(owner, raw.__func__)
    elif inspect.isfunction(raw):
        # A function in the class body: ``def cost(self, msg, ctx)`` is a method;
        # ``cost = lambda msg, ctx: ...`` is a plain function of the message and context.
        resolved = _METHOD if _accepts(raw, 3) else _callable(owner, raw)
    else:
        resolved = _value(owner, cls.cost)
    _by_class[cls] = (raw, resolved)
    return resolved


def cost_of(actor: Actor) -> Resolved:
    """The cost an actor instance runs with: its own ``cost`` if ``__init__`` set one, else its
    class's."""
    own = getattr(actor, "__dict__", {})
    if "cost" in own:
        return _value(f"{type(actor).__name__}.cost", own["cost"])
    resolved = class_cost(type(actor))
    return actor.cost if resolved is _METHOD else resolved  # type: ignore[misc, return-value]


def _value(owner: str, cost: Any) -> Resolved:
    if isinstance(cost, dict):
        return ByType(owner, cost)
    if callable(cost):
        return _callable(owner, cost)
    if hasattr(cost, "sample"):  # a latency distribution: drawn from the mesh's RNG
        sample = cost.sample
        return lambda msg, ctx: sample(ctx.rng)
    if _number(cost) is None:
        raise TypeError(
            f"{owner} must be seconds, a dict by message type, a distribution from "
            f"meshlab.sim.net, or a callable (msg, ctx) -> seconds; got {cost!r}"
        )
    return constant(owner, cost)


def _callable(owner: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    names = _parameter_names(fn)
    if names[:2] == ["msg_type", "body"]:
        raise TypeError(
            f"{owner} takes (msg_type, body); a cost callable now takes (msg, ctx): "
            "use msg.type and msg.body, and ctx.rng for random service times"
        )
    if not _accepts(fn, 2):
        raise TypeError(f"{owner} must accept (msg, ctx), but its signature is {names}")
    return fn


def _accepts(fn: Callable[..., Any], n: int) -> bool:
    try:
        inspect.signature(fn).bind(*range(n))
    except TypeError:
        return False
    except ValueError:  # no signature to inspect (some builtins): assume it fits
        return True
    return True


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []
