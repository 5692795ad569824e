"""The toolbar's rows in the HTML replay, in headless Chromium: one row at a 1280 px window, and
at notebook width (~900 px) the filters moved whole to a second row with no separator left at
the start of it, light and dark."""

from __future__ import annotations

import pytest

import meshlab as ml

CANVAS = ".meshlab-canvas"
GROUPS = """() => [...document.querySelectorAll('.meshlab-canvas .ml-tb-group')].map((g) => {
  const r = g.getBoundingClientRect(), sep = g.querySelector('.ml-sep');
  const shown = !!sep && getComputedStyle(sep).display !== 'none';
  return { top: r.top, bottom: r.bottom, right: r.right, sep: shown };
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 900])
def test_toolbar_keeps_its_groups_whole(browser, tmp_path, artifacts, width, scheme):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    path = ml.Canvas(trace, height=420).save_html(tmp_path / "tb.html")
    context = browser.new_context(
        viewport={"width": width, "height": 700}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    bar = page.locator(f"{CANVAS} .ml-toolbar").bounding_box()
    # the filter selects are filled with the trace's classes and types before the rows settle
    page.wait_for_function(
        "() => document.querySelector('.meshlab-canvas .ml-type-filter').options.length > 1"
    )
    rows = 1 if width == 1280 else 2
    page.wait_for_function(
        f"() => {{ const g = ({GROUPS})(); "
        "const starts = g.map((x, i) => i === 0 || x.top >= g[i - 1].bottom - 1); "
        f"return starts.filter(Boolean).length === {rows} "
        "&& g.every((x, i) => i === 0 || x.sep === !starts[i]); }"
    )
    groups = page.evaluate(GROUPS)
    assert len(groups) == 3
    for g in groups:
        assert g["right"] <= bar["x"] + bar["width"] + 0.5, (g, bar)
    if width == 1280:
        # one row: playback, views and filters side by side, each after a separator
        assert [g["sep"] for g in groups[1:]] == [True, True]
    else:
        # the filters start the second row, whole, without a separator in front
        assert groups[2]["top"] >= groups[1]["bottom"] - 1
        assert groups[2]["sep"] is False and groups[1]["sep"] is True
    page.locator(CANVAS).screenshot(path=str(artifacts / f"toolbar-{width}-{scheme}.png"))
    context.close()
