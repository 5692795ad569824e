"""The contract's validator: canonical types, and errors that name the column and the row."""

import polars as pl
import pytest
from framekit import FrameKit

from meshlab.events import COLUMNS, KINDS, SCHEMA, ContractError, conform, empty_frame, validate


def small() -> pl.DataFrame:
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.deliver(0.1, "a", "a", src_node="n0", dst_node="n0")
    return fk.trace().events


def test_a_valid_frame_comes_back_with_the_exact_contract_types():
    df = validate(small())
    assert df.columns == list(COLUMNS)
    assert dict(df.schema) == SCHEMA


def test_loose_types_are_cast_to_the_contract():
    loose = small().with_columns(
        pl.col("kind").cast(pl.String), pl.col("seq").cast(pl.Int64), pl.col("size").cast(pl.Int64)
    )
    assert dict(conform(loose).schema) == SCHEMA


def test_a_missing_column_is_named():
    with pytest.raises(ContractError, match=r"missing column\(s\) reason"):
        validate(small().drop("reason"))


def test_an_extra_column_is_named_rather_than_dropped():
    with pytest.raises(ContractError, match=r"unknown column\(s\) colour"):
        validate(small().with_columns(colour=pl.lit("red")))


def test_an_unknown_kind_is_named_with_the_known_ones():
    bad = small().with_columns(
        pl.col("kind").cast(pl.String).str.replace("msg_recv", "msg_teleport")
    )
    with pytest.raises(ContractError, match=r"unknown kind\(s\) \['msg_teleport'\]"):
        validate(bad)


def test_a_mistyped_column_is_named():
    bad = small().with_columns(pl.lit("soon").alias("t"))
    with pytest.raises(ContractError, match=r"column 't' has type String"):
        validate(bad)


def test_a_null_in_a_required_column_names_the_row():
    bad = small().with_columns(
        node=pl.when(pl.col("seq") == 2).then(None).otherwise(pl.col("node"))
    )
    with pytest.raises(ContractError, match=r"column 'node' must not be null.*seq=2"):
        validate(bad)


def test_seq_must_strictly_increase_and_the_row_is_named():
    df = small()
    bad = df.with_columns(seq=pl.Series([0, 1, 2, 2, 4], dtype=pl.UInt64))
    with pytest.raises(ContractError, match=r"row 3 has seq 2 after 2"):
        validate(bad)


def test_a_message_event_without_msg_id_is_refused():
    bad = small().with_columns(
        msg_id=pl.when(pl.col("kind") == "msg_recv").then(None).otherwise(pl.col("msg_id"))
    )
    with pytest.raises(ContractError, match=r"'msg_id' must be set on msg_recv events.*seq=3"):
        validate(bad)


def test_every_kind_is_in_the_docs():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "contract.md").read_text()
    for kind in KINDS:
        assert f"`{kind}`" in doc
    for column in COLUMNS:
        assert f"`{column}`" in doc
    assert empty_frame().height == 0
