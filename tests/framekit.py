"""Build small event frames in the contract by hand, for tests with known answers.

    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0", cls="Pinger")
    m = fk.send(1.0, "a", "b", node="n0", latency=0.5)
    fk.recv(1.5, "b", "a", m, node="n1")
    trace = fk.trace()

Each method appends one event with the next ``seq`` and returns what joins events together
(the ``msg_id`` for a send). Unset fields are null (``incarnation`` 0).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from meshlab.events import COLUMNS, validate
from meshlab.trace import Trace, TraceMeta


class FrameKit:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._next_msg = 0
        self._incarnation: dict[str, int] = {}

    def event(self, kind: str, t: float, node: str, **fields: Any) -> dict[str, Any]:
        row = {c: None for c in COLUMNS}
        row.update(seq=len(self.rows), t=float(t), kind=kind, node=node, incarnation=0)
        row.update(fields)
        self.rows.append(row)
        return row

    # nodes and links
    def node_join(self, t: float, node: str) -> None:
        self.event("node_join", t, node)

    def node_down(self, t: float, node: str, reason: str = "killed") -> None:
        self.event("node_down", t, node, reason=reason)

    def node_up(self, t: float, node: str) -> None:
        self.event("node_up", t, node)

    def node_leave(self, t: float, node: str) -> None:
        self.event("node_leave", t, node)

    def node_state(self, t: float, node: str, state: str) -> None:
        self.event("node_state", t, node, reason=state)

    def link(self, t: float, node: str, other: str, *, up: bool, reason: str = "partition") -> None:
        self.event("link_up" if up else "link_down", t, node, peer=other, reason=reason)

    # actor lifecycle
    def spawn(
        self, t: float, actor: str, *, node: str, cls: str = "Worker", parent: str | None = None
    ) -> None:
        self._incarnation[actor] = 0
        self.event("actor_spawn", t, node, actor=actor, parent=parent, msg_type=cls)

    def stop(self, t: float, actor: str, *, node: str, reason: str = "normal") -> None:
        inc = self._incarnation[actor]
        self.event("actor_stop", t, node, actor=actor, incarnation=inc, reason=reason)

    def fail(
        self,
        t: float,
        actor: str,
        *,
        node: str,
        error: str = "RuntimeError: boom",
        root: str | None = "self",
    ) -> None:
        peer = actor if root == "self" else root
        inc = self._incarnation[actor]
        self.event("actor_fail", t, node, actor=actor, incarnation=inc, reason=error, peer=peer)

    def restart(
        self,
        t: float,
        actor: str,
        *,
        node: str,
        cls: str = "Worker",
        parent: str | None = "sup",
        backoff: float = 0.0,
        strategy: str = "one_for_one",
    ) -> None:
        self._incarnation[actor] += 1
        self.event(
            "actor_restart",
            t,
            node,
            actor=actor,
            incarnation=self._incarnation[actor],
            parent=parent,
            msg_type=cls,
            duration=backoff,
            reason=strategy,
        )

    # messages
    def send(
        self,
        t: float,
        src: str,
        dst: str,
        *,
        node: str,
        latency: float = 0.1,
        msg_type: str = "ping",
        size: int | None = 16,
        timer: bool = False,
    ) -> int:
        msg = self._next_msg
        self._next_msg += 1
        self.event(
            "msg_send",
            t,
            node,
            actor=src,
            incarnation=self._incarnation.get(src, 0),
            peer=dst,
            msg_id=msg,
            msg_type=msg_type,
            size=size,
            duration=latency,
            reason="timer" if timer else None,
        )
        return msg

    def recv(
        self, t: float, dst: str, src: str, msg: int, *, node: str, msg_type: str = "ping"
    ) -> None:
        inc = self._incarnation.get(dst, 0)
        self.event(
            "msg_recv", t, node, actor=dst, incarnation=inc, peer=src, msg_id=msg, msg_type=msg_type
        )

    def handle(
        self,
        t: float,
        dst: str,
        src: str,
        msg: int,
        *,
        node: str,
        took: float = 0.01,
        msg_type: str = "ping",
    ) -> None:
        inc = self._incarnation.get(dst, 0)
        self.event(
            "msg_handle",
            t,
            node,
            actor=dst,
            incarnation=inc,
            peer=src,
            msg_id=msg,
            msg_type=msg_type,
            duration=took,
        )

    def handler_start(
        self, t: float, dst: str, src: str, msg: int, *, node: str, msg_type: str = "ping"
    ) -> None:
        inc = self._incarnation.get(dst, 0)
        self.event(
            "handler_start",
            t,
            node,
            actor=dst,
            incarnation=inc,
            peer=src,
            msg_id=msg,
            msg_type=msg_type,
        )

    def handler_end(
        self,
        t: float,
        dst: str,
        src: str,
        msg: int,
        *,
        node: str,
        took: float,
        outcome: str | None = "ok",
        msg_type: str = "ping",
    ) -> None:
        inc = self._incarnation.get(dst, 0)
        self.event(
            "handler_end",
            t,
            node,
            actor=dst,
            incarnation=inc,
            peer=src,
            msg_id=msg,
            msg_type=msg_type,
            duration=took,
            reason=outcome,
        )

    def attrs(self, t: float, *, node: str, actor: str | None = None, **values: Any) -> None:
        import json

        inc = self._incarnation.get(actor, 0) if actor else 0
        text = json.dumps(values, separators=(",", ":"))
        self.event("attrs", t, node, actor=actor, incarnation=inc, reason=text)

    def drop(
        self,
        t: float,
        dst: str,
        src: str,
        msg: int,
        *,
        node: str,
        reason: str = "loss",
        msg_type: str = "ping",
    ) -> None:
        self.event(
            "msg_drop", t, node, actor=dst, peer=src, msg_id=msg, msg_type=msg_type, reason=reason
        )

    def deliver(
        self,
        t: float,
        src: str,
        dst: str,
        *,
        src_node: str,
        dst_node: str,
        latency: float = 0.1,
        took: float = 0.01,
        msg_type: str = "ping",
        size: int | None = 16,
    ) -> int:
        """A send, its receive after ``latency`` and its handling right away."""
        m = self.send(t, src, dst, node=src_node, latency=latency, msg_type=msg_type, size=size)
        self.recv(t + latency, dst, src, m, node=dst_node, msg_type=msg_type)
        self.handle(t + latency, dst, src, m, node=dst_node, took=took, msg_type=msg_type)
        return m

    # results
    def frame(self) -> pl.DataFrame:
        return validate(pl.DataFrame(self.rows, schema_overrides=None, infer_schema_length=None))

    def trace(self, **meta: Any) -> Trace:
        meta.setdefault("scenario", "handmade")
        return Trace(self.frame(), TraceMeta(**meta))


def two_node_story() -> Trace:
    """A small trace with a bit of everything, used by several test modules.

    n0 hosts sup and a; n1 hosts b. a pings b; b crashes at 3.0, is restarted at 3.5 on n1;
    a message sent during b's downtime is a dead letter; n1 goes into maintenance at 5.0.
    """
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.node_join(0.0, "n1")
    fk.spawn(0.0, "sup", node="n0", cls="Supervisor")
    fk.spawn(0.1, "a", node="n0", cls="Pinger", parent="sup")
    fk.spawn(0.1, "b", node="n1", cls="Ponger", parent="sup")
    fk.deliver(1.0, "a", "b", src_node="n0", dst_node="n1", latency=0.5, took=0.25)
    fk.deliver(2.0, "a", "b", src_node="n0", dst_node="n1", latency=0.25, took=0.5, size=32)
    fk.fail(3.0, "b", node="n1", error="ZeroDivisionError: division by zero")
    m = fk.send(3.1, "a", "b", node="n0", latency=0.2)
    fk.drop(3.3, "b", "a", m, node="n1", reason="dead_letter")
    fk.restart(3.5, "b", node="n1", cls="Ponger", parent="sup", backoff=0.5)
    fk.deliver(4.0, "a", "b", src_node="n0", dst_node="n1", latency=0.5, took=0.125)
    fk.node_state(5.0, "n1", "maintenance")
    return fk.trace(seed=7, nodes=("n0", "n1"))
