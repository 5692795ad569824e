"""Small actors and helpers shared by the simulator tests."""

from __future__ import annotations

import polars as pl

import meshlab as ml


class Echo(ml.Actor):
    def on_ping(self, ctx, n):
        ctx.reply("pong", n)


class Sink(ml.Actor):
    def receive(self, ctx, msg_type, body):
        pass


class Slow(ml.Actor):
    cost = 0.1

    def on_job(self, ctx, n):
        pass


class Bounded(Slow):
    mailbox_limit = 2


class Boom(ml.Actor):
    def on_go(self, ctx, _):
        raise ZeroDivisionError("division by zero")


class Sender(ml.Actor):
    """Sends ``count`` messages of ``msg_type`` to ``dst`` when started."""

    def __init__(self, dst: str, count: int = 1, msg_type: str = "job") -> None:
        self.dst, self.count, self.msg_type = dst, count, msg_type

    def started(self, ctx):
        for i in range(self.count):
            ctx.send(self.dst, self.msg_type, i)


def kinds(trace, *, actor: str | None = None) -> list[str]:
    ev = trace.events
    if actor is not None:
        ev = ev.filter(pl.col("actor") == actor)
    return ev["kind"].cast(pl.String).to_list()


def rows(trace, kind: str) -> list[dict]:
    return trace.events.filter(pl.col("kind") == kind).to_dicts()
