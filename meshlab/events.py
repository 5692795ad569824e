"""The event contract: the one schema every source produces and every view consumes.

A trace is a table with one row per event, in ``seq`` order. This module owns the column
names and types, the event kinds, the schema version and the validator. Nothing else in
meshlab may invent a column or a kind; ``docs/contract.md`` describes each of them.
"""

from __future__ import annotations

import json
from typing import Any, Final

import polars as pl

SCHEMA_VERSION: Final = 2
"""Bumped whenever a column or kind changes meaning; loaders refuse versions they do not know."""

READABLE_VERSIONS: Final[tuple[int, ...]] = (1, 2)
"""Schema versions this meshlab reads. Version 2 only added kinds, so a v1 trace is a v2 trace
that happens to use none of them."""

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
    # version 2: appended, so the codes above never change
    "handler_start",
    "handler_end",
    "attrs",
    # also version 2: the MeshOS engine's actions, replicas, admin actions and RTT samples
    "action_start",
    "action_end",
    "action_queued",
    "replica_add",
    "replica_drop",
    "admin",
    "rtt_sample",
)
"""Event kinds, in the order of their physical codes (the recorder stores the index).

New kinds are only ever appended: a kind's code is its position, and codes are on disk."""

KINDS_SINCE: Final[dict[int, tuple[str, ...]]] = {
    1: KINDS[:15],
    2: KINDS[15:],
}
"""The kinds each schema version introduced; a reader of version v knows ``kinds_of(v)``."""


def kinds_of(version: int) -> tuple[str, ...]:
    """Every kind a reader of schema ``version`` knows, in code order.

    Examples
    --------
    >>> kinds_of(1)[-1], "attrs" in kinds_of(2), "attrs" in kinds_of(1)
    ('link_up', True, False)
    """
    if version not in KINDS_SINCE:
        raise ContractError(
            f"unknown schema version {version!r}; this meshlab knows {sorted(KINDS_SINCE)}"
        )
    return tuple(k for v, ks in sorted(KINDS_SINCE.items()) if v <= version for k in ks)


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
HANDLER_KINDS: Final = frozenset({"handler_start", "handler_end"})
"""A handler in two rows: started (duration unknown), then ended with duration and outcome."""
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

OUTCOME_KINDS: Final = frozenset({"msg_handle", "handler_end"})
"""Kinds whose ``reason`` is a handler outcome: null or ``ok`` (it returned) or
``error: <text>`` (it raised and the actor lived on)."""

ATTRS_MAX_KEYS: Final = 32
ATTRS_MAX_KEY_LEN: Final = 64
ATTRS_MAX_BYTES: Final = 4096
"""Bounds on one ``attrs`` event: keys per event, characters per key, bytes of its JSON."""


class ContractError(ValueError):
    """A frame or trace does not follow the event contract; the message says where and how."""


def outcome_error(reason: str | None) -> str | None:
    """What is wrong with a handler outcome, or None if it is well formed.

    Examples
    --------
    >>> outcome_error("ok") is None, outcome_error("error: boom") is None
    (True, True)
    >>> outcome_error("error:")
    "an error outcome needs text after 'error: ', got 'error:'"
    """
    if reason is None or reason == "ok":
        return None
    if reason.startswith("error: ") and reason[len("error: ") :].strip():
        return None
    if reason.startswith("error"):
        return f"an error outcome needs text after 'error: ', got {reason!r}"
    return f"an outcome is null, 'ok' or 'error: <text>', got {reason!r}"


def parse_attrs(reason: str | None) -> dict[str, str | int | float | bool | None]:
    """The key/value object an ``attrs`` event carries, checked against the contract's bounds.

    Raises :class:`ContractError` saying what is wrong (not JSON, not an object, a value that
    is not a scalar, too many keys, a key too long, too many bytes).

    Examples
    --------
    >>> parse_attrs('{"role":"leader","term":3}')
    {'role': 'leader', 'term': 3}
    """
    if reason is None:
        raise ContractError("an attrs event needs a JSON object in 'reason', got null")
    if len(reason.encode()) > ATTRS_MAX_BYTES:
        raise ContractError(
            f"attrs JSON is {len(reason.encode())} bytes, over the limit of {ATTRS_MAX_BYTES}; "
            "publish fewer or shorter values"
        )
    try:
        obj = json.loads(reason, parse_constant=_no_constant)
    except ValueError as exc:
        raise ContractError(f"attrs 'reason' is not JSON ({exc}): {reason[:60]!r}") from None
    if not isinstance(obj, dict):
        raise ContractError(f"attrs 'reason' must be a JSON object, got {type(obj).__name__}")
    if len(obj) > ATTRS_MAX_KEYS:
        raise ContractError(
            f"attrs has {len(obj)} keys, over the limit of {ATTRS_MAX_KEYS} per event; "
            "split it over several events"
        )
    for key, value in obj.items():
        if len(key) > ATTRS_MAX_KEY_LEN:
            raise ContractError(
                f"attrs key {key[:20]!r}... is {len(key)} characters, "
                f"over the limit of {ATTRS_MAX_KEY_LEN}"
            )
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ContractError(
                f"attrs value of {key!r} must be a string, number, bool or null, "
                f"got {type(value).__name__}"
            )
    return obj


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def attrs_json(values: dict[str, Any]) -> str:
    """The compact JSON an ``attrs`` event carries in ``reason``, checked against the bounds.

    Examples
    --------
    >>> attrs_json({"role": "leader", "term": 3})
    '{"role":"leader","term":3}'
    """
    bad = [k for k in values if not isinstance(k, str)]
    if bad:
        raise ContractError(f"attrs keys must be strings, got {bad[0]!r}")
    try:
        text = json.dumps(values, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ContractError(
            f"attrs values must be strings, numbers, bools or null: {exc}"
        ) from None
    parse_attrs(text)
    return text


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
    _validate_v2(df)
    return df


def _validate_v2(df: pl.DataFrame) -> None:
    """The version 2 rules: handler pairs, outcomes, attrs. Cheap when none of it is present."""
    kind = pl.col("kind").cast(pl.String)
    rows = df.filter(kind.is_in([*HANDLER_KINDS, *OUTCOME_KINDS, "attrs"]))
    if rows.height == 0:
        return
    handlers = rows.filter(kind.is_in(list(HANDLER_KINDS)))
    for col in ("actor", "msg_id"):
        bad = handlers.filter(pl.col(col).is_null())
        if bad.height:
            raise ContractError(
                f"column '{col}' must be set on {bad['kind'][0]} events, "
                f"but it is null at {_where(df, bad)}"
            )
    ends = handlers.filter(kind == "handler_end")
    bad = ends.filter(pl.col("duration").is_null() | (pl.col("duration") < 0))
    if bad.height:
        raise ContractError(
            f"column 'duration' must be a number >= 0 on handler_end events (seconds since the "
            f"handler started), but it is {bad['duration'][0]} at {_where(df, bad)}"
        )
    outcomes = rows.filter(kind.is_in(list(OUTCOME_KINDS)) & pl.col("reason").is_not_null())
    for seq, k, reason in outcomes.select("seq", kind, "reason").iter_rows():
        problem = outcome_error(reason)
        if problem:
            raise ContractError(f"column 'reason' of {k} at seq={seq}: {problem}")
    for seq, reason in rows.filter(kind == "attrs").select("seq", "reason").iter_rows():
        try:
            parse_attrs(reason)
        except ContractError as exc:
            raise ContractError(f"column 'reason' of attrs at seq={seq}: {exc}") from None
    if ends.height:
        _check_handler_pairs(handlers)


def _check_handler_pairs(handlers: pl.DataFrame) -> None:
    """Every handler_end has exactly one handler_start before it (same actor and msg_id), and
    nothing ends twice."""
    ranked = handlers.select(
        "seq",
        "actor",
        "msg_id",
        end=pl.col("kind").cast(pl.String) == "handler_end",
    ).with_columns(
        starts=(~pl.col("end")).cast(pl.UInt32).cum_sum().over("actor", "msg_id"),
        ends=pl.col("end").cast(pl.UInt32).cum_sum().over("actor", "msg_id"),
    )
    ends = ranked.filter(pl.col("end"))
    for what, cond in (
        ("has no handler_start before it", pl.col("starts") == 0),
        ("ends a handler that already ended", pl.col("ends") > 1),
    ):
        bad = ends.filter(cond)
        if bad.height:
            seq, actor, mid = bad.row(0)[:3]
            raise ContractError(
                f"column 'msg_id': handler_end at seq={seq} (actor {actor!r}, msg_id {mid}) "
                f"{what}; a handler ends once, after its one start"
            )
    starts = ranked.filter(~pl.col("end") & (pl.col("starts") > 1))
    total_ends = ranked.group_by("actor", "msg_id").agg(n=pl.col("end").sum())
    bad = starts.join(total_ends.filter(pl.col("n") > 0), on=["actor", "msg_id"])
    if bad.height:
        seq, actor, mid = bad.row(0)[:3]
        raise ContractError(
            f"column 'msg_id': handler_start at seq={seq} (actor {actor!r}, msg_id {mid}) "
            "starts a handler that already started; an ended handler has exactly one start"
        )


def _where(df: pl.DataFrame, rows: pl.DataFrame) -> str:
    seq = rows["seq"][0] if "seq" in rows.columns else None
    return f"seq={seq}" if seq is not None else "(seq unknown)"
