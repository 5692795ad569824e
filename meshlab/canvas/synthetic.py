"""Synthetic traces of a chosen size, in the event contract, for benchmarks and tests.

The simulator makes realistic traces; this makes *big* ones fast and with exact shapes (so
many actors, so many messages in flight) so the canvas can be measured at the sizes its
targets name.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from meshlab.events import SCHEMA
from meshlab.trace import Trace, TraceMeta


def synthetic_trace(
    *,
    actors: int = 100,
    nodes: int = 4,
    messages: int = 1_000,
    span: float = 10.0,
    latency: float = 0.01,
    handle: float = 0.001,
    failures: int = 0,
    seed: int = 0,
) -> Trace:
    """A trace with ``actors`` workers under one supervisor, ``messages`` sent uniformly over
    ``span`` seconds with a constant ``latency`` (so about ``messages * latency / span`` are in
    flight at any time), and ``failures`` crash-and-restart pairs of actors that send nothing.

    Examples
    --------
    >>> tr = synthetic_trace(actors=10, nodes=2, messages=100)
    >>> tr.events.height
    313
    """
    rng = np.random.default_rng(seed)
    node_names = [f"n{i}" for i in range(nodes)]
    actor_ids = [f"w{i}" for i in range(actors)]
    actor_node = [node_names[i % nodes] for i in range(actors)]
    parts: list[pl.DataFrame] = []

    def frame(n: int, **cols) -> pl.DataFrame:
        full = {}
        for name, dtype in SCHEMA.items():
            v = cols.get(name)
            if v is None:
                full[name] = pl.Series(name, [None] * n, dtype=dtype)
            elif isinstance(v, list | np.ndarray):
                full[name] = pl.Series(name, v).cast(dtype)
            else:
                full[name] = pl.Series(name, [v] * n).cast(dtype)
        return pl.DataFrame(full)

    # node joins and spawns at t = 0, in a fixed order (rank breaks time ties)
    parts.append(frame(nodes, t=0.0, kind="node_join", node=node_names, incarnation=0))
    parts.append(
        frame(
            1,
            t=0.0,
            kind="actor_spawn",
            node=node_names[0],
            actor="sup",
            incarnation=0,
            msg_type="Supervisor",
            reason="system",
        )
    )
    parts.append(
        frame(
            actors,
            t=0.0,
            kind="actor_spawn",
            node=actor_node,
            actor=actor_ids,
            incarnation=0,
            parent="sup",
            msg_type="Worker",
        )
    )
    senders = max(1, actors - failures)
    send_t = np.sort(rng.uniform(0.0, span, messages))
    src = rng.integers(0, senders, messages)
    dst = (src + rng.integers(1, max(2, senders), messages)) % senders
    ids = np.arange(messages, dtype=np.uint64)
    types = np.array(["ping", "pong", "work", "ack"])[rng.integers(0, 4, messages)]
    src_ids = np.array(actor_ids, dtype=object)[src].tolist()
    dst_ids = np.array(actor_ids, dtype=object)[dst].tolist()
    src_nodes = np.array(actor_node, dtype=object)[src].tolist()
    dst_nodes = np.array(actor_node, dtype=object)[dst].tolist()
    common = dict(incarnation=0, msg_id=ids, msg_type=types.tolist(), size=64)
    parts.append(
        frame(
            messages,
            t=send_t,
            kind="msg_send",
            node=src_nodes,
            actor=src_ids,
            peer=dst_ids,
            duration=latency,
            **common,
        )
    )
    parts.append(
        frame(
            messages,
            t=send_t + latency,
            kind="msg_recv",
            node=dst_nodes,
            actor=dst_ids,
            peer=src_ids,
            **common,
        )
    )
    parts.append(
        frame(
            messages,
            t=send_t + latency,
            kind="msg_handle",
            node=dst_nodes,
            actor=dst_ids,
            peer=src_ids,
            duration=handle,
            **common,
        )
    )
    for i in range(failures):
        a = actors - 1 - i
        ft = span * (i + 1) / (failures + 1)
        parts.append(
            frame(
                1,
                t=ft,
                kind="actor_fail",
                node=actor_node[a],
                actor=actor_ids[a],
                incarnation=0,
                peer=actor_ids[a],
                reason="RuntimeError: synthetic crash",
            )
        )
        parts.append(
            frame(
                1,
                t=ft + latency,
                kind="actor_restart",
                node=actor_node[a],
                actor=actor_ids[a],
                incarnation=1,
                parent="sup",
                msg_type="Worker",
                reason="one_for_one",
                duration=latency,
            )
        )
    events = (
        pl.concat(parts)
        .with_row_index("_order")
        .sort(["t", "_order"])
        .drop("_order")
        .with_columns(seq=pl.int_range(pl.len(), dtype=pl.UInt64))
        .select(list(SCHEMA))
    )
    meta = TraceMeta(source="sim", scenario="synthetic", seed=seed, nodes=tuple(node_names))
    return Trace(events, meta)
