"""The event contract: the one schema every source produces and every view consumes.

A trace is a table with one row per event, in ``seq`` order. This module owns the column
names and types, the event kinds, the schema version and the validator. Nothing else in
meshlab may invent a column or a kind; ``docs/contract.md`` describes each of them.
"""

from __future__ import annotations

from typing import Final

import polars as pl

SCHEMA_VERSION: Final = 1
"""Bumped whenever a column or kind changes meaning; loaders refuse versions they do not know."""

KINDS: Final[tuple[str, ...]] = (
    "node_join",
    "node_leave",
    "node_down",
    "node_up",
    "node_state",
    "actor_spawn",
    "actor_stop",
    "actor_fail",
    "actor_restart",
    "msg_send",
    "msg_recv",
    "msg_handle",
    "msg_drop",
    "link_down",
    "link_up",
)
"""Event kinds, in the order of their physical codes (the recorder stores the index)."""

KIND_CODE: Final[dict[str, int]] = {k: i for i, k in enumerate(KINDS)}

Kind = pl.Enum(list(KINDS))

SCHEMA: Final[dict[str, pl.DataType]] = {
    "seq": pl.UInt64(),
    "t": pl.Float64(),
    "kind": Kind,
    "node": pl.String(),
    "actor": pl.String(),
    "incarnation": pl.UInt32(),
    "parent": pl.String(),
    "peer": pl.String(),
    "msg_id": pl.UInt64(),
    "msg_type": pl.String(),
    "size": pl.UInt32(),
    "reason": pl.String(),
    "duration": pl.Float64(),
}
"""Column name -> polars type, in canonical column order."""

COLUMNS: Final[tuple[str, ...]] = tuple(SCHEMA)

REQUIRED_NON_NULL: Final[tuple[str, ...]] = ("seq", "t", "kind", "node", "incarnation")

MESSAGE_KINDS: Final = frozenset({"msg_send", "msg_recv", "msg_handle", "msg_drop"})
ACTOR_KINDS: Final = frozenset({"actor_spawn", "actor_stop", "actor_fail", "actor_restart"})
NODE_KINDS: Final = frozenset({"node_join", "node_leave", "node_down", "node_up", "node_state"})
LINK_KINDS: Final = frozenset({"link_down", "link_up"})

DROP_REASONS: Final = (
    "partition",
    "loss",
    "dead_letter",
    "node_down",
    "mailbox_full",
    "discarded",
)
"""The reasons a ``msg_drop`` may carry."""


class ContractError(ValueError):
    """A frame or trace does not follow the event contract; the message says where and how."""


def empty_frame() -> pl.DataFrame:
    """A frame with the contract's columns and no rows.

    Examples
    --------
    >>> empty_frame().columns[:3]
    ['seq', 't', 'kind']
    """
    return pl.DataFrame(schema=SCHEMA)


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Cast a frame that has every contract column to the exact contract types and order.

    Extra columns are refused rather than dropped, so that nothing recorded disappears
    silently. Raises :class:`ContractError` naming the missing, extra or uncastable column.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ContractError(
            f"event frame is missing column(s) {', '.join(missing)}; "
            f"a frame needs all of: {', '.join(COLUMNS)}"
        )
    extra = [c for c in df.columns if c not in SCHEMA]
    if extra:
        raise ContractError(
            f"event frame has unknown column(s) {', '.join(extra)}; "
            "drop them or upgrade meshlab if they come from a newer schema"
        )
    casts = []
    for name, dtype in SCHEMA.items():
        col = df[name]
        if col.dtype == dtype:
            casts.append(pl.col(name))
            continue
        if name == "kind" and col.dtype in (pl.String, pl.Categorical):
            unknown = set(col.cast(pl.String).drop_nulls().unique().to_list()) - set(KINDS)
            if unknown:
                raise ContractError(
                    f"column 'kind' has unknown kind(s) {sorted(unknown)}; "
                    f"known kinds are {', '.join(KINDS)}"
                )
        try:
            df.select(pl.col(name).cast(dtype, strict=True))
        except Exception as exc:  # polars raises several error types for bad casts
            raise ContractError(
                f"column '{name}' has type {col.dtype} that cannot be read as {dtype}: {exc}"
            ) from None
        casts.append(pl.col(name).cast(dtype, strict=True))
    return df.select(casts)


def validate(df: pl.DataFrame) -> pl.DataFrame:
    """Check a frame against the contract and return it with canonical types.

    Checks the columns and their types, that required columns have no nulls, that ``seq``
    strictly increases, and that message events carry a ``msg_id`` and actor events an
    ``actor``. The first problem found is raised as :class:`ContractError` naming the
    column and the row (by ``seq``).

    Examples
    --------
    >>> import polars as pl
    >>> bad = empty_frame().drop("msg_id")
    >>> try:
    ...     validate(bad)
    ... except ContractError as e:
    ...     print(e)  # doctest: +ELLIPSIS
    event frame is missing column(s) msg_id; a frame needs all of: seq, t, kind, ...
    """
    df = conform(df)
    if df.height == 0:
        return df
    for name in REQUIRED_NON_NULL:
        nulls = df.filter(pl.col(name).is_null())
        if nulls.height:
            raise ContractError(
                f"column '{name}' must not be null, but row {_where(df, nulls)} has a null there"
            )
    steps = df.select(bad=pl.col("seq").diff() <= 0).to_series()
    if steps.any():
        i = int(steps.arg_max())  # type: ignore[arg-type]
        raise ContractError(
            f"column 'seq' must strictly increase, but row {i} has seq {df['seq'][i]} "
            f"after {df['seq'][i - 1]}; sort the frame by seq or renumber it"
        )
    for kinds, col in ((MESSAGE_KINDS, "msg_id"), (ACTOR_KINDS, "actor")):
        bad = df.filter(pl.col("kind").cast(pl.String).is_in(list(kinds)) & pl.col(col).is_null())
        if bad.height:
            raise ContractError(
                f"column '{col}' must be set on {bad['kind'][0]} events, "
                f"but it is null at {_where(df, bad)}"
            )
    return df


def _where(df: pl.DataFrame, rows: pl.DataFrame) -> str:
    seq = rows["seq"][0] if "seq" in rows.columns else None
    return f"seq={seq}" if seq is not None else "(seq unknown)"
