"""Actors that several scenarios share."""

from __future__ import annotations

from meshlab.sim import Actor


class RoundRobin(Actor):
    """Every ``period`` seconds, sends ``msg_type`` (numbered 1, 2, ...) to the next of
    ``targets`` in turn, and accepts whatever comes back. Subclasses set the message type and
    size and name the reply type they expect."""

    msg_type = "job"
    size = 1024
    reply_type = "done"

    def __init__(self, targets: list[str], period: float) -> None:
        self.targets, self.period, self.n = targets, period, 0

    def started(self, ctx):
        ctx.after(self.period, "tick")

    def on_tick(self, ctx, _):
        self.n += 1
        ctx.send(self.targets[self.n % len(self.targets)], self.msg_type, self.n, size=self.size)
        ctx.after(self.period, "tick")

    def receive(self, ctx, msg_type, body):
        if msg_type != self.reply_type:
            super().receive(ctx, msg_type, body)  # anything else is a bug: crash, loudly
