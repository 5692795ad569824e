"""The Python side of the canvas: chunk encoding, the appending data path, traits, replay."""

from __future__ import annotations

import base64
import io
import json

import polars as pl
import pyarrow.ipc as ipc
import pytest
import traitlets

import meshlab as ml
from meshlab.canvas.encode import MAX_CHUNK_BYTES, ChunkEncoder
from meshlab.canvas.synthetic import synthetic_trace
from meshlab.canvas.widget import default_speed
from meshlab.cli import main as cli
from meshlab.events import KINDS


def decode(chunks, strings):
    """Read chunks back the way the browser does: Arrow columns plus the string table."""
    frames = []
    for c in chunks:
        f = pl.from_arrow(ipc.open_stream(io.BytesIO(c.data)).read_all())
        assert isinstance(f, pl.DataFrame)
        if "seq" not in f.columns:  # seq runs seq_base, seq_base + 1, ...
            base = c.header["seq_base"]
            f = f.with_columns(seq=pl.int_range(base, base + f.height, dtype=pl.Int64))
        for name, value in c.header.get("constant", {}).items():  # one value in every row
            f = f.with_columns(pl.lit(float("nan") if value is None else value).alias(name))
        frames.append(f.with_columns(pl.col(pl.Int8, pl.Int16).cast(pl.Int32)))
    out = pl.concat(frames, how="diagonal_relaxed")

    def text(col):
        return pl.col(col).map_elements(
            lambda i: strings[i] if i >= 0 else None, return_dtype=pl.String
        )

    return out.select(
        pl.col("seq").cast(pl.UInt64),
        "t",
        pl.col("kind").map_elements(lambda k: KINDS[k], return_dtype=pl.String),
        *(text(c) for c in ("node", "actor", "parent", "peer", "msg_type", "reason")),
        pl.col("incarnation").cast(pl.UInt32),
        pl.col("msg_id").cast(pl.Float64).fill_nan(None).replace(-1, None).cast(pl.UInt64),
        pl.col("size").replace(-1, None).cast(pl.UInt32),
        pl.col("duration").cast(pl.Float64).fill_nan(None),
    )


def test_chunks_round_trip_every_column():
    trace = ml.scenarios.run("supervision-tree", seed=3)
    enc = ChunkEncoder(rows_per_chunk=500)
    chunks = enc.encode(trace.events)
    assert len(chunks) == -(-len(trace) // 500)
    assert [c.header["index"] for c in chunks] == list(range(len(chunks)))
    # each chunk carries exactly the strings it added, in order
    bases = [c.header["strings_base"] for c in chunks]
    sizes = [len(c.header["strings"]) for c in chunks]
    assert bases == [sum(sizes[:i]) for i in range(len(chunks))]
    back = decode(chunks, enc.strings)
    want = trace.events.with_columns(pl.col("kind").cast(pl.String)).select(back.columns)
    assert back.equals(want)


def test_chunks_stay_under_five_megabytes():
    chunks = ChunkEncoder().encode(synthetic_trace(actors=50, messages=60_000).events)
    assert len(chunks) >= 2
    assert all(len(c.data) <= MAX_CHUNK_BYTES for c in chunks)


def test_canvas_on_a_running_mesh_appends_only_new_events():
    mesh = ml.Mesh(seed=0, nodes=3)
    from meshlab.scenarios.ping_pong import Pinger, Ponger

    mesh.spawn(Ponger, name="pong", node="n1")
    canvas = ml.Canvas(mesh)
    first = canvas.rows
    sent: list[dict] = []
    canvas.send = lambda content, buffers=None: sent.append(content)  # capture the comm
    canvas._on_msg(canvas, {"type": "sync", "have": len(canvas.chunks)}, [])  # the page is up
    assert not sent
    mesh.spawn(Pinger, "pong", name="ping", node="n0")
    mesh.run(until=0.05)
    canvas.refresh()
    assert canvas.rows == len(mesh.trace) > first
    assert sent and sent[0]["index"] == 1  # chunk 0 was not resent
    # a front end that reconnects with nothing gets everything again, in order
    sent.clear()
    canvas._on_msg(canvas, {"type": "sync", "have": 0}, [])
    assert [c["index"] for c in sent] == list(range(len(canvas.chunks)))
    canvas.close()


def test_traits_and_validation():
    trace = ml.scenarios.run("node-failure", seed=1)
    canvas = ml.Canvas(trace)
    assert canvas.meta["nodes"] == ["n0", "n1", "n2", "n3"]
    assert canvas.meta["live"] is False
    assert canvas.time == 0.0
    assert canvas.speed == default_speed(8.0)
    with pytest.raises(traitlets.TraitError, match="speed"):
        canvas.speed = 1000
    with pytest.raises(traitlets.TraitError, match="view"):
        canvas.view = "3d"
    canvas.time = 3.0
    canvas.selected = "pool/worker-1"
    with pytest.raises(TypeError, match="Trace"):
        ml.Canvas([1, 2, 3])


def test_view_from_python_reaches_every_display_a_tab_only_its_own():
    """canvas.view is the view last chosen, from Python or by a display's tab (docs/canvas.md,
    "Two displays of one canvas"). A change syncs to every display as a trait; assigning the
    value the trait already holds syncs nothing, so Python sends every display a "view"
    message instead; what a page sets is never sent back out."""
    canvas = ml.Canvas(ml.scenarios.run("node-failure", seed=1), view="tree")
    sent: list[dict] = []
    canvas.send = lambda content, buffers=None: sent.append(content)
    assert sent == []  # the initial view is the trait's value, no message
    canvas.view = "spacetime"  # a change: the trait sync carries it
    assert canvas.view == "spacetime" and sent == []
    canvas.set_state({"view": "table"})  # a tab clicked in one display
    assert canvas.view == "table" and sent == []
    canvas.set_state({"view": "table"})  # the same from another page: still its own choice
    assert sent == []
    canvas.view = "table"  # Python asks for the view the trait already holds
    assert sent == [{"type": "view", "view": "table"}]
    with pytest.raises(traitlets.TraitError, match="view"):
        canvas.view = "3d"
    assert len(sent) == 1
    canvas.close()


def test_save_html_is_self_contained(tmp_path):
    trace = ml.scenarios.run("partition", seed=1)
    canvas = ml.Canvas(trace, time=2.0)
    html = canvas.save_html(tmp_path / "p.html").read_text()
    assert "meshlab-bundle" in html and "meshlab-data" in html
    for needle in ("http://", "https://", 'src="', 'href="'):
        assert needle not in html.split('<script type="application/octet-stream"')[0], needle
    assert '"time":2.0' in html


def test_cli_replay(tmp_path, capsys):
    trace = ml.scenarios.run("ring", seed=1)
    trace.save(tmp_path / "r.parquet")
    assert cli(["replay", str(tmp_path / "r.parquet"), "--html", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 100_000
    assert cli(["replay", str(tmp_path / "missing.parquet"), "--html", "x.html"]) == 2
    assert "no trace file at" in capsys.readouterr().err


def test_cli_replay_refuses_a_start_time_outside_the_trace(tmp_path, capsys):
    ml.scenarios.run("ring", seed=1, until=1.0).save(tmp_path / "r.parquet")
    args = ["replay", str(tmp_path / "r.parquet"), "--html", str(tmp_path / "r.html")]
    assert cli([*args, "--time", "99"]) == 2
    assert "--time 99.0 is outside the trace" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_html_blocks_hold_every_chunk_once_in_order():
    import re

    from meshlab.canvas.html import render_html

    trace = ml.scenarios.run("ring", seed=1)
    chunks = ChunkEncoder(rows_per_chunk=64).encode(trace.events)
    text = render_html({}, chunks, title="t", block_chars=10_000)
    first = json.loads(re.search(r'id="meshlab-data">(.*?)</script>', text, re.S)[1])
    rest = [json.loads(b) for b in re.findall(r'id="meshlab-data-\d+">(.*?)</script>', text, re.S)]
    assert first["more"] == len(rest) >= 2
    got = first["chunks"] + [c for b in rest for c in b]
    assert [c["header"]["index"] for c in got] == list(range(len(chunks)))
    assert [base64.b64decode(c["data"]) for c in got] == [c.data for c in chunks]
    # a block holds one chunk, or no more than the threshold's characters
    for b in rest:
        assert len(b) == 1 or len(json.dumps(b, separators=(",", ":"))) <= 10_000
    # under the threshold, one block as before
    whole = render_html({}, chunks, title="t")
    assert 'id="meshlab-data-1"' not in whole and '"more":0' in whole


def _round_trip(events: pl.DataFrame, rows_per_chunk: int):
    enc = ChunkEncoder(rows_per_chunk=rows_per_chunk)
    chunks = enc.encode(events)
    back = decode(chunks, enc.strings)
    want = events.with_columns(pl.col("kind").cast(pl.String)).select(back.columns)
    assert back.equals(want)
    return chunks


def test_columns_with_one_value_in_a_chunk_are_left_out_and_named_in_the_header():
    events = synthetic_trace(actors=50, nodes=2, messages=2_000, seed=2).events
    chunks = _round_trip(events, 1_000)  # the first chunk holds the spawns, the rest messages
    first, later = _schemas(chunks)[0].names, _schemas(chunks)[-1].names
    assert "parent" in first and "parent" not in later
    constant = chunks[-1].header["constant"]
    assert constant["parent"] == -1 and constant["reason"] == -1 and constant["incarnation"] == 0
    assert not set(constant) & set(later)
    # a chunk of rows without durations sends none: NaN throughout (null in the header)
    spawns = events.filter(pl.col("kind").cast(pl.String) == "actor_spawn")
    c = _round_trip(spawns, 10_000)[0]
    assert c.header["constant"]["duration"] is None and c.header["constant"]["msg_id"] == -1
    # a null duration among others travels as NaN, not as a null with a value behind it
    mixed = _round_trip(events.head(200), 200)[0]
    dur = ipc.open_stream(io.BytesIO(mixed.data)).read_all()["duration"]
    assert dur.null_count == 0 and dur.to_pylist().count(None) == 0


def _schemas(chunks):
    return [ipc.open_stream(io.BytesIO(c.data)).schema for c in chunks]


def test_narrow_wire_format_round_trips_seq_gaps_and_chunk_boundaries():
    events = synthetic_trace(actors=60, nodes=3, messages=3_000, seed=4).events
    # a gap in seq in the middle of the second chunk, none in the others
    gapped = events.filter(pl.col("seq") != 700)
    chunks = _round_trip(gapped, 500)
    has_seq = ["seq" in s.names for s in _schemas(chunks)]
    assert has_seq[1] and not has_seq[0] and not any(has_seq[2:])
    assert chunks[0].header["seq_base"] == 0 and "seq_base" not in chunks[1].header
    assert chunks[2].header["seq_base"] == 1_001
    # every chunk size, including chunks of one row
    for rows in (1, 7, 499):
        _round_trip(events.head(1_500), rows)


def test_code_table_over_65536_strings_widens_codes_to_int32():
    events = synthetic_trace(actors=70_000, nodes=2, messages=100, seed=1).events
    enc = ChunkEncoder(rows_per_chunk=20_000)
    chunks = enc.encode(events)
    assert len(enc.strings) > 65_536
    types = [str(s.field("actor").type) for s in _schemas(chunks)]
    assert types[0] in ("int8", "int16") and types[-1] == "int32", types
    back = decode(chunks, enc.strings)
    want = events.with_columns(pl.col("kind").cast(pl.String)).select(back.columns)
    assert back.equals(want)


def test_wire_format_is_narrow():
    events = synthetic_trace(actors=1_000, nodes=8, messages=33_000, seed=1).events
    chunks = ChunkEncoder().encode(events)
    per_event = sum(len(c.data) for c in chunks) / events.height
    # 65 bytes an event with every column at its widest, 32.3 before constant columns were left
    # out (the first of these two chunks holds the spawns, so it sends them all)
    assert per_event <= 31.5, per_event
    schema = _schemas(chunks)[0]
    assert str(schema.field("t").type) == "double"  # the fold compares times exactly
    assert str(schema.field("msg_id").type) == "int32"
    # durations exact in float32 travel as float32, others as float64
    exact = events.with_columns(pl.col("duration") * 0 + 0.25)
    assert str(_schemas(_round_trip(exact, 65_536))[0].field("duration").type) == "float"
    assert str(schema.field("duration").type) == "double"
