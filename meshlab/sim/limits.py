"""Limits that stop a run of runaway code: a livelock, an endless run, a handler that hangs.

Student code can hang a grader: ``ctx.after(0, ...)`` or ``ctx.send(ctx.self, ...)`` forever
keeps virtual time at one instant while memory grows; ``while True: pass`` in a handler never
returns. A :class:`~meshlab.sim.Mesh` therefore caps

- the kernel entries run at one instant of virtual time (``max_events_per_instant``): a
  message delivered, a timer fired, a handler's processing time over, a scheduled fault;
- the entries run in all (``max_events``, no cap unless given);
- the wall time of one handler (``handler_timeout``, seconds).

Hitting one stops the run with a :class:`LimitError` naming the time and the handler
("livelock at t=0.000 in c2.on_spin"); :attr:`Mesh.trace` keeps what was recorded up to then,
as after a :class:`~meshlab.sim.CostError`. The entry counts are two compares per entry in
the engine. The handler watchdog costs nothing per message: one shared thread wakes a few
times per timeout while a run is going on, looks at the running thread's stack, and when the
same handler call is still there after ``handler_timeout`` seconds, raises
:class:`HandlerTimeout` inside it (``PyThreadState_SetAsyncExc``, so it works in any thread,
and leaves ``SIGALRM`` to whoever owns it). The exception derives from ``BaseException``, so
a handler's ``except Exception`` does not swallow it and the actor does not merely crash.
A handler blocked inside one long C call (``time.sleep``, a big numpy operation) is stopped
when that call returns.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshlab.sim.mesh import Mesh

DEFAULT_PER_INSTANT = 1_000_000
DEFAULT_HANDLER_TIMEOUT = 30.0
NO_LIMIT = 2**63 - 1  # what the engines hold for "no cap"

_SIM_DIR = str(Path(__file__).resolve().parent) + os.sep
_HERE = str(Path(__file__).resolve())


class LimitError(RuntimeError):
    """A run hit one of its mesh's limits and stopped; ``mesh.trace`` keeps the run so far.

    ``limit`` is ``"max_events_per_instant"``, ``"max_events"`` or ``"handler_timeout"``;
    ``t`` the virtual time; ``actor`` and ``handler`` the code blamed (None when unknown)."""

    def __init__(
        self, message: str, *, limit: str, t: float, actor: str | None, handler: str | None
    ) -> None:
        super().__init__(message)
        self.limit, self.t, self.actor, self.handler = limit, t, actor, handler


class HandlerTimeout(BaseException):
    """Raised inside a handler that ran past ``handler_timeout``; the mesh turns it into a
    :class:`LimitError`. A ``BaseException``, so that ``except Exception`` lets it through."""


def check_options(
    max_events: int | None, max_events_per_instant: int | None, handler_timeout: float | None
) -> tuple[int, int, float | None]:
    """The engine's caps for the Mesh options, or a ValueError saying what is wrong."""
    caps = []
    for name, value in (("max_events", max_events),
                        ("max_events_per_instant", max_events_per_instant)):  # fmt: skip
        if value is None:
            caps.append(NO_LIMIT)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1 or None, got {value!r}")
        else:
            caps.append(min(value, NO_LIMIT))
    if handler_timeout is not None and (
        isinstance(handler_timeout, bool)
        or not isinstance(handler_timeout, int | float)
        or not 0 < handler_timeout < float("inf")
    ):
        raise ValueError(
            f"handler_timeout must be a number of seconds > 0 or None, got {handler_timeout!r}"
        )
    return caps[0], caps[1], None if handler_timeout is None else float(handler_timeout)


# ---- the entry caps ------------------------------------------------------------------------
def entry_limit_error(mesh: Mesh, hit: int) -> LimitError:
    """The error for an entry cap the engine stopped at (``hit`` 1: per instant, 2: total)."""
    actor, handler, handler_name = busiest_handler(mesh)
    where = f" in {handler_name}" if handler_name else ""
    t = mesh.now
    if hit == 1:
        limit, cap = "max_events_per_instant", mesh._max_same
        message = (
            f"livelock at t={t:.3f}{where}: {cap:,} events at this one instant of virtual "
            f"time (max_events_per_instant={cap}); something schedules work with no delay "
            "forever, such as ctx.after(0, ...) or a send to itself on one node"
        )
    else:
        limit, cap = "max_events", mesh._max_steps
        message = f"event limit at t={t:.3f}{where}: the run reached max_events={cap:,}"
    message += "; the trace up to here is in mesh.trace"
    return LimitError(message, limit=limit, t=t, actor=actor, handler=handler)


def busiest_handler(mesh: Mesh, *, window: int = 5000) -> tuple[str | None, str | None, str]:
    """The (actor, handler method) that handled the most messages among the last ``window``
    recorded events at the current instant, and its ``actor.method`` name ('' if none)."""
    import polars as pl

    if not mesh.recording:
        return None, None, ""
    tail = mesh.events_since(max(0, len(mesh._rec) - window))
    top = (
        tail.filter(
            (pl.col("t") == mesh.now)
            & pl.col("kind").cast(pl.String).is_in(["msg_handle", "handler_start"])
        )
        .group_by("actor", "msg_type")
        .len()
        .sort("len", "actor", "msg_type", descending=[True, False, False])
        .head(1)
    )
    if top.height == 0:
        return None, None, ""
    actor, mtype = top["actor"][0], top["msg_type"][0]
    cell = mesh._cells.get(actor)
    handler = f"on_{mtype}"
    if cell is not None and getattr(cell.behaviour, handler, None) is None:
        handler = "receive"
    return actor, handler, f"{actor}.{handler}"


# ---- the handler watchdog --------------------------------------------------------------------
class _Watch:
    __slots__ = ("anchors", "fired", "last", "since", "tid", "timeout")

    def __init__(self, tid: int, timeout: float, anchors: frozenset) -> None:
        self.tid, self.timeout, self.anchors = tid, timeout, anchors
        self.last: FrameType | None = None  # the user frame seen last, and since when
        self.since = 0.0
        self.fired = False


class Watchdog:
    """One thread for the process, asleep unless some run is being watched."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._watches: dict[int, _Watch] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def watching(self, timeout: float | None, anchors: frozenset):
        """Watch the calling thread while the body runs: raise :class:`HandlerTimeout` in it
        when one user-code call under a frame of ``anchors`` lasts ``timeout`` seconds."""
        if timeout is None:
            yield None
            return
        watch = _Watch(threading.get_ident(), timeout, anchors)
        with self._cond:
            self._watches[id(watch)] = watch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="meshlab-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        try:
            yield watch
        finally:
            with self._cond:
                self._watches.pop(id(watch), None)
                if watch.fired:  # fired just as the run ended: do not raise it elsewhere
                    _async_raise(watch.tid, None)
                watch.last = None

    def _loop(self) -> None:
        with self._cond:
            while True:
                if not self._watches:
                    self._cond.wait()
                    continue
                tick = min(min(w.timeout for w in self._watches.values()) / 4, 0.5)
                self._cond.wait(tick)
                now = time.monotonic()
                frames = sys._current_frames()
                for watch in list(self._watches.values()):
                    self._look(watch, frames.get(watch.tid), now)

    def _look(self, watch: _Watch, frame: FrameType | None, now: float) -> None:
        current = _user_frame(frame, watch.anchors)
        if current is None or current is not watch.last:
            watch.last, watch.since = current, now
            return
        if not watch.fired and now - watch.since >= watch.timeout:
            watch.fired = True
            _async_raise(watch.tid, HandlerTimeout)

    def _reset_after_fork(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._watches = {}
        self._thread = None


WATCHDOG = Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG._reset_after_fork)


def _user_frame(frame: FrameType | None, anchors: frozenset) -> FrameType | None:
    """The outermost frame of code outside ``meshlab.sim`` that runs under the innermost
    frame whose code is one of ``anchors`` (Mesh.run, Mesh.step); None when there is none."""
    found = None
    while frame is not None:
        if frame.f_code in anchors:
            return found
        if not frame.f_code.co_filename.startswith(_SIM_DIR):
            found = frame
        frame = frame.f_back
    return None


def _async_raise(tid: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(tid), ctypes.py_object(exc) if exc is not None else ctypes.c_void_p(0)
    )


def timeout_error(mesh: Mesh, exc: HandlerTimeout, timeout: float) -> LimitError:
    """The error for a handler stopped by the watchdog, blamed on the frame it ran in."""
    actor = handler = None
    frame = _first_user_frame(exc.__traceback__)
    if frame is not None:
        handler = frame.f_code.co_name
        actor = _actor_of(mesh, frame.f_locals)
    where = f" in {actor or '?'}.{handler}" if handler else ""
    message = (
        f"hung handler at t={mesh.now:.3f}{where}: still running after {timeout:g} s of wall "
        f"time (handler_timeout={timeout:g}); the trace up to here is in mesh.trace"
    )
    return LimitError(message, limit="handler_timeout", t=mesh.now, actor=actor, handler=handler)


def _first_user_frame(tb: TracebackType | None) -> FrameType | None:
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not name.startswith(_SIM_DIR) and "contextlib" not in name:
            return tb.tb_frame
        tb = tb.tb_next
    return None


def _actor_of(mesh: Mesh, local: dict[str, Any]) -> str | None:
    from meshlab.sim.actor import Context

    ctx = local.get("ctx")
    if isinstance(ctx, Context):
        return ctx.self
    me = local.get("self")
    for cell in mesh._cells.values():
        if cell.behaviour is me:
            return cell.id
    return None
