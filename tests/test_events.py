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


# ---- version 2: handlers in two rows, outcomes, attrs ----------------------------------


def handlers() -> FrameKit:
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    m = fk.send(0.0, "a", "a", node="n0")
    fk.recv(0.1, "a", "a", m, node="n0")
    fk.handler_start(0.1, "a", "a", m, node="n0")
    fk.handler_end(0.3, "a", "a", m, node="n0", took=0.2)
    return fk


def test_a_handler_in_two_rows_and_attrs_validate():
    fk = handlers()
    fk.attrs(0.4, node="n0", actor="a", role="leader", term=3, up=True, note=None)
    fk.attrs(0.4, node="n0", version="1.2")
    df = validate(fk.trace().events)
    assert df["kind"].cast(pl.String).to_list()[-4:] == [
        "handler_start",
        "handler_end",
        "attrs",
        "attrs",
    ]


def test_the_v2_kinds_are_appended_so_old_codes_never_change():
    from meshlab.events import KIND_CODE, kinds_of

    assert KINDS[:15] == kinds_of(1) and KIND_CODE["link_up"] == 14
    assert KINDS[15:18] == ("handler_start", "handler_end", "attrs")
    with pytest.raises(ContractError, match="unknown schema version 7"):
        kinds_of(7)


def _with(fk: FrameKit, **change) -> pl.DataFrame:
    """The frame with the last row's fields changed."""
    fk.rows[-1].update(change)
    return pl.DataFrame(fk.rows, schema=SCHEMA)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "fine"}, r"'reason' of handler_end at seq=5: an outcome is null, 'ok' or"),
        ({"reason": "error:"}, r"seq=5: an error outcome needs text after 'error: '"),
        ({"reason": "error: "}, r"seq=5: an error outcome needs text"),
        ({"duration": None}, r"'duration' must be a number >= 0 on handler_end .* seq=5"),
        ({"duration": -1.0}, r"'duration' must be a number >= 0 on handler_end .* seq=5"),
        ({"msg_id": None}, r"'msg_id' must be set on handler_end events, .* seq=5"),
        ({"actor": None}, r"'actor' must be set on handler_end events, .* seq=5"),
        ({"msg_id": 99}, r"handler_end at seq=5 \(actor 'a', msg_id 99\) has no handler_start"),
    ],
)
def test_a_bad_handler_end_is_one_clear_error(change, message):
    with pytest.raises(ContractError, match=message):
        validate(_with(handlers(), **change))


def test_error_outcomes_are_fine_on_handler_end_and_msg_handle():
    fk = handlers()
    fk.rows[-1]["reason"] = "error: ValueError: bad input"
    m = fk.send(0.4, "a", "a", node="n0")
    fk.handle(0.5, "a", "a", m, node="n0")
    validate(_with(fk, reason="error: KeyError: 'x'"))
    with pytest.raises(ContractError, match=r"'reason' of msg_handle at seq=7"):
        validate(_with(fk, reason="crashed"))


def test_nothing_ends_twice():
    fk = handlers()
    fk.handler_end(0.4, "a", "a", 0, node="n0", took=0.3)
    with pytest.raises(ContractError, match=r"handler_end at seq=6 .* already ended"):
        validate(pl.DataFrame(fk.rows, schema=SCHEMA))


def test_an_ended_handler_has_one_start():
    fk = handlers()
    fk.rows.insert(5, {**fk.rows[4], "t": 0.2})
    for i, row in enumerate(fk.rows):
        row["seq"] = i
    with pytest.raises(ContractError, match=r"handler_start at seq=5 .* already started"):
        validate(pl.DataFrame(fk.rows, schema=SCHEMA))


def test_a_handler_still_running_is_valid():
    fk = handlers()
    m = fk.send(0.4, "a", "a", node="n0")
    fk.handler_start(0.5, "a", "a", m, node="n0")
    assert validate(pl.DataFrame(fk.rows, schema=SCHEMA)).height == 8


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, r"seq=2: an attrs event needs a JSON object in 'reason', got null"),
        ("role=leader", r"seq=2: attrs 'reason' is not JSON"),
        ("[1, 2]", r"seq=2: attrs 'reason' must be a JSON object, got list"),
        ('{"a": [1]}', r"seq=2: attrs value of 'a' must be a string, number, bool or null"),
        ('{"a": NaN}', r"seq=2: attrs 'reason' is not JSON"),
        (
            "{" + ",".join(f'"k{i}":{i}' for i in range(33)) + "}",
            r"seq=2: attrs has 33 keys, over the limit of 32",
        ),
        ('{"' + "k" * 65 + '": 1}', r"seq=2: attrs key .* is 65 characters, over the limit of 64"),
        ('{"k": "' + "x" * 4100 + '"}', r"seq=2: attrs JSON is 4\d\d\d bytes, over the limit"),
    ],
)
def test_bad_attrs_are_one_clear_error(reason, message):
    fk = FrameKit()
    fk.node_join(0.0, "n0")
    fk.spawn(0.0, "a", node="n0")
    fk.attrs(0.1, node="n0", actor="a")
    with pytest.raises(ContractError, match=r"column 'reason' of attrs at " + message):
        validate(_with(fk, reason=reason))


def test_attrs_json_is_compact_and_bounded():
    from meshlab.events import attrs_json

    assert attrs_json({"shard": 3, "leader": True}) == '{"shard":3,"leader":true}'
    with pytest.raises(ContractError, match="keys must be strings, got 1"):
        attrs_json({1: "x"})
    with pytest.raises(ContractError, match="must be strings, numbers, bools or null"):
        attrs_json({"x": object()})
    with pytest.raises(ContractError, match="over the limit of 32"):
        attrs_json({f"k{i}": i for i in range(40)})
