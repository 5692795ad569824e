"""Events the client records itself: what it observed about a server's nodes.

They are ordinary ``node_down`` / ``node_up`` rows whose ``reason`` starts with
``client_observed:``, so they never pass for the node's own events.
"""

from __future__ import annotations

import polars as pl

from meshlab.events import SCHEMA

OBSERVED = "client_observed"


def node_rows(kind: str, nodes: list[str], *, t: float, reason: str) -> pl.DataFrame:
    """One ``kind`` row per node at time ``t`` (``seq`` is set when the row is merged).

    Examples
    --------
    >>> df = node_rows("node_down", ["n1"], t=2.5, reason="heartbeat timeout")
    >>> df.select("kind", "node", "reason").row(0)
    ('node_down', 'n1', 'client_observed: heartbeat timeout')
    """
    n = len(nodes)
    return pl.DataFrame(
        {
            "seq": [0] * n,
            "t": [t] * n,
            "kind": [kind] * n,
            "node": nodes,
            "actor": [None] * n,
            "incarnation": [0] * n,
            "parent": [None] * n,
            "peer": [None] * n,
            "msg_id": [None] * n,
            "msg_type": [None] * n,
            "size": [None] * n,
            "reason": [f"{OBSERVED}: {reason}"] * n,
            "duration": [None] * n,
        },
        schema=SCHEMA,
    )


def is_observation(df: pl.DataFrame) -> pl.Series:
    """A boolean mask of the rows a client recorded rather than received."""
    return df["reason"].str.starts_with(f"{OBSERVED}:").fill_null(False)
