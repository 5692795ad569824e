"""The tree view scrubbed with 100,000 actors (20,000 with quick), for `meshlab bench widget`.

One supervisor with every worker under it, on 200 nodes, 300 crash-and-restart pairs: the view
folds the tree to what fits (a few dozen glyphs and a "+N more" stub with the counts of the
rest), so a scrub step costs the actors whose status changed since the last step (the lifecycle
rows between the two times, and the busy candidates, each O(log n) in the counts' Fenwick tree)
plus, when the set of failed or present actors changed, a new layout of the shown items only."""

from __future__ import annotations

import statistics
from pathlib import Path

from widget_harness import _mount, _p95, _prepare, _state, frame_figure  # beside this file

from meshlab.canvas.synthetic import synthetic_trace

SCRUB = """() => {
  const v = window.mounted.view, s = v.store, out = [];
  const root = document.querySelector('.meshlab-canvas');
  let x = 24680;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const before = Number(root.dataset.treeLayouts || 0);
  const own = [], fold = [], counts = [];
  for (let i = 0; i < 300; i++) {
    const t = s.t0 + rnd() * (s.t1 - s.t0);
    out.push(v.setTime(t));
    own.push(Number(root.dataset.treeMs));
    fold.push(Number(root.dataset.treeFoldMs));
    counts.push(root.dataset.treeCounts || '');
  }
  return [out, own, fold, Number(root.dataset.treeLayouts || 0) - before, counts];
}"""


def tree_figure(browser, folder: Path, url: str, *, quick: bool) -> dict:
    n_actors = 20_000 if quick else 100_000
    crowd = synthetic_trace(
        actors=n_actors, nodes=200, messages=100_000, span=30.0, failures=300, seed=6
    )
    _prepare(folder, crowd)
    page, *_ = _mount(browser, url, _state(crowd, view="tree"))
    page.wait_for_selector(".meshlab-canvas[data-tree-shown]")
    steps, own, fold, layouts, counts = page.evaluate(SCRUB)
    ds = page.evaluate("() => Object.assign({}, document.querySelector('.meshlab-canvas').dataset)")
    page.close()
    # how the counts followed each step: one pass over every actor, or the lifecycle rows between
    full = sum(c == "full" for c in counts)
    rows = sorted(int(c) for c in counts if c not in ("", "full"))
    looked = f"median {rows[len(rows) // 2]}, max {rows[-1]}" if rows else "none"
    return frame_figure(
        f"canvas: tree view scrub step p95, {n_actors:,} actors",
        steps,
        f"median {statistics.median(steps):.1f} ms; the tree's own part (counts, layout, "
        f"paint) p95 {_p95(own):.1f} ms, median {statistics.median(own):.1f} ms; the fold to t "
        f"(shared by every view) p95 {_p95(fold):.1f} ms; {ds.get('treeShown')} items drawn, "
        f"{int(ds.get('treeHidden', 0)):,} folded into counts; new layouts on {layouts} of "
        f"{len(steps)} steps; counts in one pass over every actor on {full} steps, else from "
        f"the lifecycle rows in between ({looked})",
    )
