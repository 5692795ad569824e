"""A fast, vectorised generator of large contract-valid traces, for storage and fold benchmarks.

The trace looks like a busy mesh: nodes with supervisors, thousands of workers sending
messages to nearby workers (send, receive after a lognormal latency, handle after a short
wait), about 1% of messages lost, some workers crashing and being restarted after a backoff
(messages arriving meanwhile are dead letters, messages waiting in the mailbox are discarded),
a maintenance window and a short partition. It obeys the contract's invariants 1 to 4; times
are full-precision floats, like a simulator's.

    from synthetic import synthetic_trace
    trace = synthetic_trace(1_000_000, seed=0)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from meshlab.events import KIND_CODE, SCHEMA
from meshlab.trace import Trace, TraceMeta

CLASSES = ("Worker", "Cache", "Router", "Store", "Client")
MSG_TYPES = ("get", "put", "ack", "ping", "pong", "tick", "query", "reply")


def synthetic_trace(
    n_events: int, *, seed: int = 0, nodes: int = 8, actors: int = 4000, span: float = 100.0
) -> Trace:
    """About ``n_events`` events (exactly, unless the generator falls short) over ``span`` s."""
    rng = np.random.default_rng(seed)
    node_names = [f"n{i}" for i in range(nodes)]
    sups = [f"sup-{n}" for n in node_names]
    workers = [f"{CLASSES[i % len(CLASSES)].lower()}-{i}" for i in range(actors)]
    names = [*sups, *workers]  # actor code = index here
    worker_node = np.arange(actors) % nodes
    cols = _Columns()

    # nodes, supervisors and workers appear at the start
    for i in range(nodes):
        cols.add(t=[0.0], kind="node_join", node=[i])
    cols.add(
        t=np.full(nodes, 0.001),
        kind="actor_spawn",
        node=np.arange(nodes),
        actor=np.arange(nodes),
        cls=np.full(nodes, -1),
        reason_str="system",
    )
    cols.add(
        t=np.full(actors, 0.002),
        kind="actor_spawn",
        node=worker_node,
        actor=nodes + np.arange(actors),
        parent=worker_node,
        cls=np.arange(actors) % len(CLASSES),
    )

    # failures: (worker, fail time, back after); one per ~25 workers, never overlapping
    n_fail = max(1, actors // 25)
    f_actor = rng.choice(actors, size=n_fail, replace=False)
    f_time = rng.uniform(0.05 * span, 0.95 * span, n_fail)
    f_back = rng.uniform(0.05, 0.5, n_fail)
    f_up = f_time + f_back
    cols.add(
        t=f_time,
        kind="actor_fail",
        node=worker_node[f_actor],
        actor=nodes + f_actor,
        peer=nodes + f_actor,
        reason_str="RuntimeError: injected crash",
    )
    cols.add(
        t=f_up,
        kind="actor_restart",
        node=worker_node[f_actor],
        actor=nodes + f_actor,
        incarnation=np.ones(n_fail),
        parent=worker_node[f_actor],
        cls=f_actor % len(CLASSES),
        duration=f_back,
        reason_str="one_for_one",
    )

    # messages between nearby workers
    m = int(n_events / 2.9)
    sent = np.sort(rng.uniform(0.01, span, m))
    src = rng.integers(0, actors, m)
    dst = (src + rng.integers(1, 64, m)) % actors
    latency = rng.lognormal(np.log(0.002), 0.6, m)
    latency[worker_node[src] == worker_node[dst]] *= 0.05
    arrive = sent + latency
    wait = rng.exponential(0.0005, m)
    took = rng.lognormal(np.log(0.0002), 0.8, m)
    mtype = (src % len(CLASSES)) + rng.integers(0, 4, m)
    size = rng.lognormal(np.log(200), 1.0, m).astype(np.uint32) + 8

    down_src = _down_at(f_actor, f_time, f_up, src, sent, span)
    keep = ~down_src  # a down actor sends nothing
    lost = keep & (rng.random(m) < 0.01)
    dead = keep & ~lost & _down_at(f_actor, f_time, f_up, dst, arrive, span)
    delivered = keep & ~lost & ~dead
    fail_during = _fail_between(f_actor, f_time, dst, arrive, arrive + wait + took, span)
    discarded = delivered & ~np.isnan(fail_during)
    handled = delivered & ~discarded

    ids = np.arange(m)
    order = ids * 4
    msg = {"msg_id": ids, "mtype": mtype}
    s = keep
    cols.add(
        t=sent[s],
        kind="msg_send",
        node=worker_node[src[s]],
        actor=nodes + src[s],
        peer=nodes + dst[s],
        msg_id=ids[s],
        mtype=mtype[s],
        size=size[s],
        duration=latency[s],
        order=order[s],
    )
    for mask, kind, when, reason, phase in (
        (lost, "msg_drop", arrive, "loss", 1),
        (dead, "msg_drop", arrive, "dead_letter", 1),
        (delivered, "msg_recv", arrive, None, 1),
        (handled, "msg_handle", arrive + wait, None, 2),
        (discarded, "msg_drop", fail_during, "discarded", 3),
    ):
        cols.add(
            t=when[mask],
            kind=kind,
            node=worker_node[dst[mask]],
            actor=nodes + dst[mask],
            peer=nodes + src[mask],
            msg_id=msg["msg_id"][mask],
            mtype=msg["mtype"][mask],
            duration=took[mask] if kind == "msg_handle" else None,
            reason_str=reason,
            order=order[mask] + phase,
        )
    # the restarted incarnation receives and handles with incarnation 1
    cols.fix_incarnations(f_actor + nodes, f_up, span)

    # a maintenance window on n1 and a short partition between n0 and n2
    cols.add(t=[0.5 * span], kind="node_state", node=[1 % nodes], reason_str="maintenance")
    cols.add(t=[0.6 * span], kind="node_state", node=[1 % nodes], reason_str="up")
    cols.add(
        t=[0.3 * span], kind="link_down", node=[0], peer_node=[2 % nodes], reason_str="partition"
    )
    cols.add(t=[0.31 * span], kind="link_up", node=[0], peer_node=[2 % nodes], reason_str="heal")

    frame = cols.frame(node_names, names, n_events)
    meta = TraceMeta(
        source="sim",
        scenario="synthetic",
        seed=seed,
        nodes=tuple(node_names),
        params={"actors": actors, "span": span},
    )
    return Trace(frame, meta, check=False)


def _key(actor: np.ndarray, t: np.ndarray, span: float) -> np.ndarray:
    # one sorted float axis for "(actor, time)": actor blocks of width span + 10
    return actor.astype(np.float64) * (span + 10.0) + t


def _down_at(f_actor, f_time, f_up, who, when, span) -> np.ndarray:
    """Is ``who`` between a failure and its restart at ``when``?"""
    order = np.argsort(_key(f_actor, f_time, span))
    keys = _key(f_actor, f_time, span)[order]
    i = np.searchsorted(keys, _key(who, when, span), side="right") - 1
    ok = i >= 0
    i = np.clip(i, 0, None)
    same = f_actor[order][i] == who
    return ok & same & (when < f_up[order][i])


def _fail_between(f_actor, f_time, who, start, end, span) -> np.ndarray:
    """The time of a failure of ``who`` in (start, end], else NaN."""
    order = np.argsort(_key(f_actor, f_time, span))
    keys = _key(f_actor, f_time, span)[order]
    i = np.searchsorted(keys, _key(who, start, span), side="right")
    i = np.clip(i, 0, len(keys) - 1)
    hit = (f_actor[order][i] == who) & (f_time[order][i] > start) & (f_time[order][i] <= end)
    return np.where(hit, f_time[order][i], np.nan)


class _Columns:
    """Accumulates event columns as integer codes, then turns them into a contract frame."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        *,
        t,
        kind,
        node,
        actor=None,
        parent=None,
        peer=None,
        peer_node=None,
        msg_id=None,
        mtype=None,
        cls=None,
        size=None,
        duration=None,
        incarnation=None,
        reason_str=None,
        order=None,
    ) -> None:
        t = np.asarray(t, dtype=np.float64)
        n = t.size

        def arr(x, fill, dtype):
            return np.full(n, fill, dtype) if x is None else np.asarray(x).astype(dtype)

        self.parts.append(
            {
                "t": t,
                "kind": np.full(n, KIND_CODE[kind], np.uint8),
                "node": arr(node, -1, np.int32),
                "actor": arr(actor, -1, np.int32),
                "parent": arr(parent, -1, np.int32),  # parent = supervisor of that node
                "peer": arr(peer, -1, np.int32),
                "peer_node": arr(peer_node, -1, np.int32),
                "msg_id": arr(msg_id, -1, np.int64),
                "mtype": arr(mtype, -1, np.int32),
                "cls": arr(cls, -2, np.int32),  # -2: none, -1: Supervisor, else CLASSES index
                "size": arr(size, 0, np.int64) if size is not None else np.full(n, -1, np.int64),
                "duration": arr(duration, np.nan, np.float64),
                "incarnation": arr(incarnation, 0, np.uint32),
                "reason": np.full(n, _REASONS.index(reason_str) if reason_str else -1, np.int8),
                "order": arr(order, -1, np.int64),
            }
        )

    def fix_incarnations(self, actors, up_at, span) -> None:
        """Actor events after a restart belong to incarnation 1."""
        order = np.argsort(_key(actors, up_at, span))
        keys = _key(actors, up_at, span)[order]
        for p in self.parts:
            if p["kind"].size == 0 or p["kind"][0] not in (
                KIND_CODE["msg_send"],
                KIND_CODE["msg_recv"],
                KIND_CODE["msg_handle"],
                KIND_CODE["msg_drop"],
            ):
                continue
            if p["kind"][0] == KIND_CODE["msg_drop"]:
                continue  # a drop is addressed to the receiver, not to one of its lives
            i = np.searchsorted(keys, _key(p["actor"], p["t"], span), side="right") - 1
            ok = (i >= 0) & (actors[order][np.clip(i, 0, None)] == p["actor"])
            p["incarnation"] = ok.astype(np.uint32)

    def frame(self, node_names, names, n_events) -> pl.DataFrame:
        cat = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        rank = np.lexsort((cat["order"], cat["t"]))[:n_events]
        c = {k: v[rank] for k, v in cat.items()}
        node_s = pl.Series(node_names, dtype=pl.String)
        name_s = pl.Series(names, dtype=pl.String)

        def pick(values: pl.Series, codes: np.ndarray) -> pl.Series:
            idx = pl.Series(codes).cast(pl.Int64)
            return values.gather(idx.set(idx < 0, None).cast(pl.UInt32))

        kinds = pl.Series(c["kind"]).cat.to(SCHEMA["kind"])
        is_restart_or_spawn = (c["kind"] == KIND_CODE["actor_spawn"]) | (
            c["kind"] == KIND_CODE["actor_restart"]
        )
        parent_codes = np.where(is_restart_or_spawn & (c["parent"] >= 0), c["parent"], -1)
        class_names = pl.Series([*CLASSES, "Supervisor"], dtype=pl.String)
        cls_codes = np.where(c["cls"] == -1, len(CLASSES), c["cls"])
        cls_codes = np.where(c["cls"] == -2, -1, cls_codes)
        mtype = np.where(c["mtype"] >= 0, c["mtype"], -1)
        peers = pick(name_s, c["peer"])
        peer_nodes = pick(node_s, c["peer_node"])
        msg_id = pl.Series(c["msg_id"])
        size = pl.Series(c["size"])
        return pl.DataFrame(
            {
                "seq": pl.Series(np.arange(rank.size, dtype=np.uint64)),
                "t": pl.Series(c["t"]),
                "kind": kinds,
                "node": pick(node_s, c["node"]),
                "actor": pick(name_s, c["actor"]),
                "incarnation": pl.Series(c["incarnation"]),
                "parent": pick(name_s, parent_codes),
                "peer": peers.fill_null(peer_nodes),
                "msg_id": msg_id.set(msg_id < 0, None).cast(pl.UInt64),
                "msg_type": pick(pl.Series(MSG_TYPES), mtype).fill_null(
                    pick(class_names, cls_codes)
                ),
                "size": size.set(size < 0, None).cast(pl.UInt32),
                "reason": pick(pl.Series(_REASONS, dtype=pl.String), c["reason"].astype(np.int32)),
                "duration": pl.Series(c["duration"]).fill_nan(None),
            }
        )


_REASONS = [
    "system",
    "RuntimeError: injected crash",
    "one_for_one",
    "loss",
    "dead_letter",
    "discarded",
    "maintenance",
    "up",
    "partition",
    "heal",
]


_CACHE: dict[int, Trace] = {}


def bench_trace(n_events: int) -> Trace:
    """The benchmark trace of ``n_events``, generated once per process and shared."""
    if n_events not in _CACHE:
        _CACHE.clear()  # keep one large trace in memory at a time
        _CACHE[n_events] = synthetic_trace(n_events, seed=0)
    return _CACHE[n_events]
