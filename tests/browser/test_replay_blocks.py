"""The HTML replay with its chunks in several script blocks (the split that keeps every string
under a browser's maximum length, crossed here with a small threshold), and a page whose data
cannot load: it says so instead of staying blank."""

from __future__ import annotations

import re

import meshlab as ml
from meshlab.canvas.encode import ChunkEncoder
from meshlab.canvas.html import render_html

CANVAS = ".meshlab-canvas"


def _page(trace, *, block_chars: int) -> str:
    chunks = ChunkEncoder(rows_per_chunk=64).encode(trace.events)
    state = {"time": 0.0, "meta": {"nodes": list(trace.meta.nodes), "source": "sim"}}
    return render_html(state, chunks, title="blocks", block_chars=block_chars)


def test_a_replay_split_into_blocks_draws_every_event(browser, tmp_path, artifacts):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    text = _page(trace, block_chars=20_000)
    blocks = re.findall(r'id="meshlab-data-(\d+)"', text)
    assert len(blocks) >= 2, "the threshold was not crossed"
    out = tmp_path / "blocks.html"
    out.write_text(text, "utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-loaded='1']", timeout=30_000)
    assert int(page.get_attribute(CANVAS, "data-rows")) == len(trace)
    # every block but the first was read and dropped from the page
    assert page.evaluate("() => document.querySelectorAll('[id^=meshlab-data-]').length") == 0
    # and the page let go of each chunk's text once the store had read it
    assert page.evaluate("() => window.meshlabReplay.model.chunks.every((c) => c.data === '')")
    page.screenshot(path=str(artifacts / "replay-blocks.png"))
    page.close()
    assert not problems, problems


def test_a_replay_whose_data_cannot_load_says_so(browser, tmp_path):
    trace = ml.scenarios.run("ring", seed=1)
    text = _page(trace, block_chars=10_000)
    assert 'id="meshlab-data-2"' in text
    # a file cut short: its second block lost
    cut = re.sub(r'<script type="application/json" id="meshlab-data-2">.*?</script>', "", text)
    out = tmp_path / "cut.html"
    out.write_text(cut, "utf-8")
    page = browser.new_page()
    page.goto(out.as_uri())
    page.wait_for_selector(".meshlab-error", timeout=30_000)
    said = page.inner_text(".meshlab-error")
    assert "could not load its data" in said and "data block 2 of" in said, said
    assert page.query_selector(CANVAS) is None
    # a block that is not JSON: the parser's own complaint, on the page
    bad = text.replace('id="meshlab-data-1">[', 'id="meshlab-data-1">[{', 1)
    out.write_text(bad, "utf-8")
    page.goto(out.as_uri())
    page.wait_for_selector(".meshlab-error", timeout=30_000)
    assert "could not load its data" in page.inner_text(".meshlab-error")
    page.close()
