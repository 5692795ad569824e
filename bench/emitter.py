"""The emitter's cost: per event on the hot path, amortised with the batching, and on a real
actor workload with emission on versus off.

- emit: ``N`` events emitted in a loop, wall time per event seen by the emitting thread;
- amortised: the same, plus handing every event to the server (rows to columns, feed
  append) until ``flush()`` returns, divided by ``N``: the whole cost an instrumented program
  pays, the server's thread sharing the GIL with it;
- workload: a Pykka program (a real actor library: one thread per actor, mailboxes as queues):
  ``PAIRS`` pinger/ponger pairs exchange ``rounds`` messages; each handler does what a typical
  service handler does with a request, decoding a JSON body of about 1 kB and encoding the
  reply (about 20 µs of work on an idle core).
  Instrumented, every ``tell`` emits ``msg_send`` and every handler ``handler_start`` and
  ``handler_end`` (three events per message) into an :class:`~meshlab.live.Emitter` with a
  client attached and streaming. Plain and instrumented runs alternate, ``REPEATS`` rounds,
  and each keeps its best, so a burst of load on a shared machine hits both alike. The ratio
  is instrumented / plain.
"""

from __future__ import annotations

import gc
import json
import statistics
import threading
import time

import pykka

import meshlab as ml
from meshlab.live import Emitter

PAIRS = 4
REPEATS = 5
BODY = json.dumps(
    {
        "order": 1234,
        "items": [{"sku": f"item-{i}", "qty": i, "price": 9.5 * i} for i in range(16)],
        "note": "x" * 200,
    }
)


def _noop(
    kind, *, node, t=None, actor=None, incarnation=0, parent=None, peer=None, msg_id=None,
    msg_type=None, size=None, reason=None, duration=None, **unknown,
):  # fmt: skip
    return 0


def call_cost(n: int) -> float:
    """Seconds per call of a Python function that does nothing, called as emit() is: the
    yardstick of this machine's speed at this moment (a loaded machine inflates everything)."""
    start = time.perf_counter()
    for i in range(n):
        _noop("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
    return (time.perf_counter() - start) / n


def emit_cost(n: int) -> tuple[float, float]:
    """Seconds per event: the emitting thread's, and amortised including the drain."""
    with Emitter(name="bench", nodes=["n0"]) as em:
        emit = em.emit
        gc.collect()
        start = time.perf_counter()
        for i in range(n):
            emit("msg_send", node="n0", actor="a", peer="b", msg_id=i, msg_type="ping")
        emitted = time.perf_counter()
        em.flush()
        drained = time.perf_counter()
        assert em.server.source.feed.head == n, "every event reached the feed"
    return (emitted - start) / n, (drained - start) / n


def _handle(message) -> str:
    request = json.loads(message["body"])
    request["total"] = sum(i["qty"] * i["price"] for i in request["items"])
    return json.dumps(request)


class _Ponger(pykka.ThreadingActor):
    def __init__(self, em: Emitter | None, name: str) -> None:
        super().__init__()
        self.em, self.name = em, name

    def on_receive(self, message):
        em = self.em
        if em is not None:
            em.emit("handler_start", node="n1", actor=self.name, peer=message["from"],
                    msg_id=message["id"], msg_type="ping")  # fmt: skip
        _handle(message)
        reply_to, n = message["reply_to"], message["n"]
        if em is not None:
            em.emit("handler_end", node="n1", actor=self.name, msg_id=message["id"],
                    msg_type="ping", reason="ok")  # fmt: skip
        reply_to.tell({"n": n, "from": self.name, "id": message["id"] + 1, "body": BODY})


class _Pinger(pykka.ThreadingActor):
    def __init__(self, em, name, rounds, done: threading.Event) -> None:
        super().__init__()
        self.em, self.name, self.rounds, self.done = em, name, rounds, done
        self.peer = None

    def on_receive(self, message):
        em = self.em
        if "peer" in message:  # the start message
            self.peer = message["peer"]
            self._send(0, message["id0"])
            return
        if em is not None:
            em.emit("handler_start", node="n0", actor=self.name, peer=message["from"],
                    msg_id=message["id"], msg_type="pong")  # fmt: skip
        _handle(message)
        if em is not None:
            em.emit("handler_end", node="n0", actor=self.name, msg_id=message["id"],
                    msg_type="pong", reason="ok")  # fmt: skip
        if message["n"] + 1 >= self.rounds:
            self.done.set()
        else:
            self._send(message["n"] + 1, message["id"] + 1)

    def _send(self, n: int, msg_id: int) -> None:
        if self.em is not None:
            self.em.emit("msg_send", node="n0", actor=self.name, peer="pong", msg_id=msg_id,
                         msg_type="ping")  # fmt: skip
        self.peer.tell(
            {"n": n, "reply_to": self.actor_ref, "from": self.name, "id": msg_id, "body": BODY}
        )


def workload(rounds: int, em: Emitter | None) -> float:
    """Wall seconds for PAIRS pairs to exchange ``rounds`` ping/pong round trips each."""
    dones = [threading.Event() for _ in range(PAIRS)]
    pongs = [_Ponger.start(em, f"pong-{i}") for i in range(PAIRS)]
    pings = [_Pinger.start(em, f"ping-{i}", rounds, dones[i]) for i in range(PAIRS)]
    gc.collect()
    start = time.perf_counter()
    for i, (ping, pong) in enumerate(zip(pings, pongs, strict=True)):
        ping.tell({"peer": pong, "id0": i * 10 * rounds})
    for d in dones:
        d.wait(300)
    took = time.perf_counter() - start
    pykka.ActorRegistry.stop_all()
    return took


def run(*, quick: bool) -> list[dict]:
    n = 100_000 if quick else 1_000_000
    rounds = 500 if quick else 3_000
    noop_s = call_cost(n)
    emit_s, amortised_s = emit_cost(n)
    noop_s = min(noop_s, call_cost(n))

    plain, instrumented = [], []
    with Emitter(name="pykka", nodes=["n0", "n1"]) as em:
        live = ml.connect(em.url, record=False)  # a client streaming everything, as in use
        workload(rounds // 10, None)  # warm up both
        workload(rounds // 10, em)
        for _ in range(REPEATS if not quick else 2):
            plain.append(workload(rounds, None))
            instrumented.append(workload(rounds, em))
        em.flush()
        emitted = em.server.source.feed.head
        live.wait_for(lambda lv: lv.head >= emitted, timeout=60)
        received = live.head
        live.close()
    ratio = min(instrumented) / min(plain)
    messages = 2 * PAIRS * rounds
    return [
        {
            "name": "emitter: emit() per event, emitting thread",
            "value": emit_s * 1e6,
            "unit": "µs",
            "note": f"{n:,} events; {emit_s / noop_s:.1f}x a no-op call with the same "
            f"arguments ({noop_s * 1e9:.0f} ns here)",
        },
        {
            "name": "emitter: per event amortised, columns built and fed",
            "value": amortised_s * 1e6,
            "unit": "µs",
            "target": "<= 2 µs",
            "met": bool(amortised_s <= 2e-6),
            "note": f"{1 / amortised_s:,.0f} events/s; {amortised_s / noop_s:.1f}x a no-op call",
        },
        {
            "name": "emitter: Pykka ping-pong, emission on / off",
            "value": ratio,
            "unit": "x",
            "target": "<= 1.1x",
            "met": bool(ratio <= 1.1),
            "note": (
                f"{messages:,} messages x3 events; off {min(plain):.2f} s, on "
                f"{min(instrumented):.2f} s (medians {statistics.median(plain):.2f} / "
                f"{statistics.median(instrumented):.2f}); client got {received:,} of "
                f"{emitted:,} events"
            ),
        },
    ]


if __name__ == "__main__":
    from meshlab.cli.bench import format_figure

    for fig in run(quick=False):
        print(format_figure(fig))
