"""Merging the streams of several servers into one frame.

Two problems: ids from different servers may collide (the same scenario served twice has the
same node names, actor ids and msg_ids), and the merged frame needs its own ``seq``.
"""

from __future__ import annotations

import polars as pl

from meshlab.events import COLUMNS, SCHEMA

MSG_ID_BITS = 48
"""A namespaced msg_id is ``(server_index + 1) << 48 | msg_id``: a server's own msg_ids must
stay below 2**48, which leaves room for 65,535 servers."""

_ID_COLUMNS = ("node", "actor", "parent", "peer")


def namespace(df: pl.DataFrame, *, prefix: str, index: int) -> pl.DataFrame:
    """Make a server's ids unique in a merged frame: ``prefix`` before every node and actor
    id, and the server's index in the high bits of ``msg_id``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"node": ["n0"], "actor": [None], "parent": [None], "peer": ["n1"],
    ...                    "msg_id": pl.Series([7], dtype=pl.UInt64)})
    >>> out = namespace(df, prefix="a/", index=0)
    >>> out.row(0)
    ('a/n0', None, None, 'a/n1', 281474976710663)
    """
    too_big = df.filter(pl.col("msg_id") >= 2**MSG_ID_BITS)
    if too_big.height:
        raise ValueError(
            f"msg_id {too_big['msg_id'][0]} is too large to namespace (limit 2**{MSG_ID_BITS}); "
            "serve ids that are unique across the cluster (id_scope 'cluster') instead"
        )
    offset = (index + 1) << MSG_ID_BITS
    return df.with_columns(
        *[pl.concat_str(pl.lit(prefix), pl.col(c)).alias(c) for c in _ID_COLUMNS],
        (pl.col("msg_id") + pl.lit(offset, pl.UInt64)).alias("msg_id"),
    )


def merge_batches(
    batches: list[tuple[int, pl.DataFrame]], high_water: dict[int, float], *, first_seq: int
) -> pl.DataFrame:
    """Interleave the batches received since the last flush and number them from ``first_seq``.

    Batches are ``(server_index, frame)`` in arrival order. Rows are ordered by time across
    servers, but never reordered within one server: the sort key is the running maximum of
    ``t`` per server (carried across flushes in ``high_water``), then the server, then the
    arrival order.
    """
    parts = []
    for order, (index, df) in enumerate(batches):
        if df.height == 0:
            continue
        floor = high_water.get(index, float("-inf"))
        key = pl.max_horizontal(pl.col("t").cum_max(), pl.lit(floor))
        part = df.with_columns(
            _key=key,
            _src=pl.lit(index, pl.UInt32),
            _ord=pl.int_range(pl.len(), dtype=pl.UInt64) + order * 2**32,
        )
        high_water[index] = float(part["_key"].max())  # type: ignore[arg-type]
        parts.append(part)
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    merged = pl.concat(parts, how="vertical")
    if len({idx for idx, _ in batches}) > 1:
        merged = merged.sort("_key", "_src", "_ord")
    return merged.with_columns(
        seq=pl.int_range(pl.len(), dtype=pl.UInt64) + pl.lit(first_seq, pl.UInt64)
    ).select(COLUMNS)
