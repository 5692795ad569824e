"""The actor table while playing, for `meshlab bench widget`: 100,000 actors on 200 nodes
(20,000 with quick), 300 crash-and-restart pairs, the table view open and the playhead moving
at 1x, sorted by id (the default: the order changes only when actors appear) and by status
(the order changes with the playhead and is redone a few times a second). A frame brings the
rows in sight (and the count of actors) to the playhead; the figure is the p95 of whole frames
as the animation loop times them, with the table's own part apart (data-table-ms: redoing the
rows' order when it is due, and writing the rows in sight)."""

from __future__ import annotations

import statistics
from pathlib import Path
from tempfile import TemporaryDirectory

from widget import (  # beside this file
    ARGS,
    CHROMIUM,
    _mount,
    _p95,
    _prepare,
    _serve,
    _state,
    frame_figure,
)

from meshlab.canvas.synthetic import synthetic_trace

FRAMES = 240

COLLECT = """(n) => new Promise((resolve) => {
  const el = document.querySelector('.meshlab-canvas');
  const v = window.mounted.view;
  v.frameTimes.length = 0;
  const own = [];
  const obs = new MutationObserver(() => {
    own.push(parseFloat(el.dataset.tableMs));
    if (own.length >= n) {
      obs.disconnect();
      resolve([v.frameTimes.slice(), own, Number(el.dataset.tableRefolds || 0)]);
    }
  });
  obs.observe(el, { attributes: true, attributeFilter: ['data-frame'] });
})"""


def run(*, quick: bool) -> list[dict]:
    if not Path(CHROMIUM).exists():
        return []  # widget.py says why
    from playwright.sync_api import sync_playwright

    with TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        server, url = _serve(folder)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            return [
                table_figure(browser, folder, url, quick=quick, sort=sort)
                for sort in ("id", "status")
            ]
        finally:
            browser.close()
            server.shutdown()


def table_figure(browser, folder: Path, url: str, *, quick: bool, sort: str = "id") -> dict:
    n_actors = 20_000 if quick else 100_000
    crowd = synthetic_trace(
        actors=n_actors, nodes=200, messages=100_000, span=30.0, failures=300, seed=7
    )
    _prepare(folder, crowd)
    page, *_ = _mount(browser, url, _state(crowd, time=1.0, view="table"))
    page.wait_for_function(
        f"() => parseInt(document.querySelector('.meshlab-canvas').dataset.rows) "
        f">= {crowd.events.height} && document.querySelector('.meshlab-canvas').dataset.tableMs",
        timeout=120_000,
    )
    if sort != "id":
        page.click(f".ml-table-head span[data-col='{sort}']")
        page.wait_for_function(
            f"() => document.querySelector(\".ml-table-head span[data-col='{sort}']\")"
            ".textContent.includes('▲')"
        )
    # play once every chunk is in, from near the start: 29 s of trace outlast the frames taken
    page.evaluate(
        "() => { const m = window.mounted.model; m.set('time', 1.0); m.set('playing', true); }"
    )
    refolds0 = int(page.get_attribute(".meshlab-canvas", "data-table-refolds") or 0)
    frames, own, refolds = page.evaluate(COLLECT, FRAMES)
    rows = page.get_attribute(".meshlab-canvas", "data-table-rows")
    page.close()
    return frame_figure(
        f"canvas: actor table playing, sorted by {sort}, frame p95, {n_actors:,} actors",
        frames,
        f"median {statistics.median(frames):.1f} ms over {len(frames)} frames; the "
        f"table's own part p95 {_p95(own):.2f} ms (median {statistics.median(own):.2f}); "
        f"the rows' order redone on {refolds - refolds0} of {len(own)} frames; "
        f"{int(rows or 0):,} rows",
    )
