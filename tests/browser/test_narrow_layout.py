"""The canvas's frame at narrow widths, in Chromium (the HTML replay, the canvas as wide as a
notebook cell gives it): below 640 px of its own width the inspector stacks under the plot and
shows its text in full; the topology notes have their own room under the regions; the table
shows whole rows only, none under the scrubber's markers; the space-time view draws whole rows
only and its caption counts them; the legend lists only the kinds of mark the trace has."""

from __future__ import annotations

import re

import pytest

import meshlab as ml
from meshlab.canvas.synthetic import synthetic_trace

from .jupyter_page import open_notebook

CANVAS = ".meshlab-canvas"
MODEL = "window.meshlabReplay.model"
T_FAIL = 6.95  # supervision-tree, seed 1: root/api restarting, its failure in the inspector
# viewport widths and the canvas widths they give the replay page's canvas (16 px margins)
WIDTHS = {502: (460, 480), 632: (590, 610), 932: (890, 910), 1280: (1230, 1260)}


@pytest.fixture(scope="module")
def sup():
    return ml.scenarios.run("supervision-tree", seed=1)


@pytest.fixture(scope="module")
def mesh2k():
    return synthetic_trace(actors=2_000, nodes=16, messages=20_000, failures=20, seed=1)


@pytest.fixture(scope="module")
def mesh100k():
    return synthetic_trace(actors=100_000, nodes=200, messages=20_000, failures=20, seed=1)


# the drawn text area is the stage's size (the frame after a layout change was drawn)
DRAWN_AT_SIZE = """() => {
  const c = document.querySelector('.meshlab-canvas');
  const s = c.querySelector('.ml-stage');
  return c.dataset.textArea === `${Math.round(s.clientWidth)}x${Math.round(s.clientHeight)}`;
}"""
TABLE_ROWS = """() => {
  const c = document.querySelector('.meshlab-canvas');
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const sc = box(c.querySelector('.ml-table-scroll'));
  const rows = [...c.querySelectorAll('.ml-table-row')]
    .filter((r) => r.style.display !== 'none')
    .map((r) => [r.textContent, box(r)])
    .filter(([, b]) => b[3] > sc[1] && b[1] < sc[3]);
  return { sc, rows, markers: [...c.querySelectorAll('.ml-marker')].map(box) };
}"""
# the scroller rests on a row's top and that row is drawn
TABLE_ON_A_ROW = """() => {
  const c = document.querySelector('.meshlab-canvas');
  const s = c.querySelector('.ml-table-scroll');
  return s.scrollTop > 0 && s.scrollTop % 22 === 0 && [...c.querySelectorAll('.ml-table-row')]
    .some((r) => r.style.display !== 'none' && parseFloat(r.style.top) === s.scrollTop);
}"""
LEGEND_ROWS = """() => new Set([...document.querySelector('.meshlab-canvas .ml-legend').children]
  .map((e) => Math.round(e.getBoundingClientRect().top))).size"""


def _open(open_page, tmp_path, trace, name, width, scheme="light", **state):
    path = ml.Canvas(trace, height=620, **state).save_html(tmp_path / f"{name}.html")
    page = open_page(path.as_uri(), width=width, bypass_csp=True, color_scheme=scheme)
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=120_000)
    lo, hi = WIDTHS[width]
    w = page.evaluate(f"() => document.querySelector('{CANVAS}').getBoundingClientRect().width")
    assert lo <= w <= hi, w
    return page


def _view(page, view):
    page.evaluate(f"(v) => {{ {MODEL}.set('view', v); {MODEL}.save_changes(); }}", view)
    page.wait_for_selector(f"{CANVAS} .ml-view-{view}.ml-on")


def _rect(page, selector):
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }",
        selector,
    )


def _inside(inner, outer, slack=0.5):
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _meets(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(
    ("width", "scheme"),
    [(502, "light"), (502, "dark"), (632, "light"), (932, "dark"), (1280, "light")],
)
def test_the_inspector_stacks_under_a_narrow_plot(
    open_page, tmp_path, artifacts, sup, width, scheme
):
    page = _open(open_page, tmp_path, sup, "sup", width, scheme, time=T_FAIL, selected="root/api")
    stacked = width < 640
    # the layout follows the canvas's own width (a ResizeObserver on it)
    page.wait_for_selector(f"{CANVAS}[data-layout='{'stacked' if stacked else 'side'}']")
    page.wait_for_function(DRAWN_AT_SIZE)
    canvas = _rect(page, CANVAS)
    stage = _rect(page, f"{CANVAS} .ml-stage")
    insp = _rect(page, f"{CANVAS} .ml-inspector")
    cw = canvas[2] - canvas[0]
    if stacked:
        # the plot keeps the canvas's whole width, the inspector goes under it
        assert stage[2] - stage[0] >= cw - 3
        assert insp[1] >= stage[3] - 0.5
    else:
        assert stage[2] - stage[0] >= cw - 275
        assert stage[2] - stage[0] >= 0.55 * cw
    # the inspector shows its text in full: nothing scrolled out, its failure box whole
    scrolls = page.evaluate(
        f"() => {{ const i = document.querySelector('{CANVAS} .ml-inspector');"
        " return [i.scrollHeight, i.clientHeight, i.scrollWidth, i.clientWidth]; }"
    )
    assert scrolls[0] <= scrolls[1] + 1 and scrolls[2] <= scrolls[3] + 1, scrolls
    failure = _rect(page, f"{CANVAS} .ml-failure")
    assert _inside(failure, insp) and _inside(insp, canvas), (failure, insp, canvas)
    assert "root cause" in page.inner_text(f"{CANVAS} .ml-failure")
    # no scrubber marker over the inspector's text
    markers = page.evaluate(
        f"() => [...document.querySelectorAll('{CANVAS} .ml-marker')].map((m) => {{"
        " const r = m.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    )
    assert not any(_meets(m, failure) for m in markers)
    # every actor's name drawn whole, no drawn text over another
    texts = page.get_attribute(CANVAS, "data-texts").split("\n")
    names = [
        t
        for t in texts
        if t.split("/")[-1]
        in {
            "worker-0",
            "worker-1",
            "worker-2",
            "shard-0",
            "shard-1",
            "shard-2",
            "cruncher",
            "client",
            "store",
            "jobs",
            "api",
            "root",
        }
    ]
    assert not [t for t in texts if t.startswith("…")], texts
    assert len(names) >= 10, texts
    boxes = [
        tuple(map(float, b.split(",")))
        for b in page.get_attribute(CANVAS, "data-text-boxes").split(";")
    ]
    rects = [(x, y, x + w, y + h) for x, y, w, h in boxes]
    over = [
        (texts[i], texts[j])
        for i in range(len(rects))
        for j in range(i)
        if _meets(rects[i], rects[j])
    ]
    assert not over, over
    page.locator(CANVAS).screenshot(path=str(artifacts / f"narrow-inspector-{width}-{scheme}.png"))


@pytest.mark.parametrize(
    ("width", "scheme"), [(502, "light"), (932, "light"), (932, "dark"), (1280, "dark")]
)
def test_the_aggregation_note_has_its_own_room(
    open_page, tmp_path, artifacts, mesh2k, width, scheme
):
    page = _open(open_page, tmp_path, mesh2k, "m2k", width, scheme, time=5.0)
    page.wait_for_function(
        f"() => (document.querySelector('{CANVAS}').dataset.texts || '').includes('aggregated:')"
    )
    texts = page.get_attribute(CANVAS, "data-texts").split("\n")
    boxes = [
        tuple(map(float, b.split(",")))
        for b in page.get_attribute(CANVAS, "data-text-boxes").split(";")
    ]
    notes = [i for i, t in enumerate(texts) if t.startswith("aggregated:")]
    assert notes, texts
    top = min(boxes[i][1] for i in notes)
    # every other text (headers, the per-node counts of n13, n14, n15...) ends above the note
    under = [texts[i] for i, b in enumerate(boxes) if i not in notes and b[1] + b[3] > top]
    assert not under, under
    page.locator(CANVAS).screenshot(path=str(artifacts / f"narrow-note-2k-{width}-{scheme}.png"))


def _table_rows_clear(page):
    """Rows in sight are whole inside the scroller, and none meets a scrubber marker."""
    got = page.evaluate(TABLE_ROWS)
    sc = got["sc"]
    assert got["rows"]
    cut = [t for t, b in got["rows"] if b[1] < sc[1] - 0.5 or b[3] > sc[3] + 0.5]
    assert not cut, (cut, sc)
    under = [t for t, b in got["rows"] if any(_meets(b, m) for m in got["markers"])]
    assert not under, under
    return got


@pytest.mark.parametrize(
    ("trace", "width", "scheme"),
    [
        ("sup", 932, "light"),
        ("sup", 502, "dark"),
        ("mesh2k", 1280, "light"),
        ("mesh2k", 932, "dark"),
        ("mesh100k", 1280, "dark"),
    ],
)
def test_no_table_row_runs_under_the_markers(
    open_page, tmp_path, artifacts, request, trace, width, scheme
):
    page = _open(
        open_page, tmp_path, request.getfixturevalue(trace), trace, width, scheme, time=5.0
    )
    _view(page, "table")
    page.wait_for_selector(f"{CANVAS} .ml-table[data-ready='1']")
    got = _table_rows_clear(page)
    if trace != "sup":
        # a wheel turn scrolls by whole rows: still none cut, none under the markers
        sc = got["sc"]
        page.mouse.move((sc[0] + sc[2]) / 2, (sc[1] + sc[3]) / 2)
        page.mouse.wheel(0, 50)
        page.wait_for_function(TABLE_ON_A_ROW)
        _table_rows_clear(page)
    page.locator(CANVAS).screenshot(
        path=str(artifacts / f"narrow-table-{trace}-{width}-{scheme}.png")
    )


def _sight(page):
    first, last, top, bottom, rows_bottom, after = map(
        float, page.get_attribute(CANVAS, "data-st-sight").split(",")
    )
    return int(first), int(last), top, bottom, rows_bottom, after


@pytest.mark.parametrize(
    ("trace", "width", "scheme"),
    [
        ("mesh100k", 932, "light"),
        ("mesh100k", 1280, "dark"),
        ("partition16", 932, "dark"),
        ("partition16", 502, "light"),
    ],
)
def test_space_time_shows_whole_rows_and_counts_them(
    open_page, tmp_path, artifacts, request, trace, width, scheme
):
    tr = (
        ml.scenarios.run("partition", seed=1, nodes=16)
        if trace == "partition16"
        else request.getfixturevalue(trace)
    )
    page = _open(open_page, tmp_path, tr, trace, width, scheme)
    _view(page, "spacetime")
    page.wait_for_selector(f"{CANVAS}[data-st-sight]")
    n_rows = int(page.get_attribute(CANVAS, "data-st-rows"))

    def check(first_expected=None):
        first, last, top, bottom, rows_bottom, after = _sight(page)
        # the last row drawn ends inside the lanes area, the next would not fit whole
        assert bottom <= rows_bottom + 0.5, (bottom, rows_bottom)
        if last + 1 < n_rows:
            assert after > rows_bottom + 0.5, (after, rows_bottom)
        caption = page.get_attribute(CANVAS, "data-st-caption").replace("\n", " ")
        if last + 1 < n_rows or first > 0:
            m = re.search(r"rows (\d+)–(\d+) of ([\d,]+)", caption)
            assert m, caption
            assert (int(m[1]), int(m[2]), int(m[3].replace(",", ""))) == (
                first + 1,
                last + 1,
                n_rows,
            )
        if first_expected is not None:
            assert first == first_expected
        return first, top

    first, top0 = check(0)
    if int(page.get_attribute(CANVAS, "data-st-max-scroll")) > 0:
        # shift+wheel scrolls by whole rows: the first row drawn starts at the lanes' top
        frame = page.get_attribute(CANVAS, "data-frame")
        box = _rect(page, f"{CANVAS} .ml-stage")
        page.mouse.move((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        page.keyboard.down("Shift")
        page.mouse.wheel(0, 30)
        page.keyboard.up("Shift")
        page.wait_for_function(
            f"() => document.querySelector('{CANVAS}').dataset.frame !== '{frame}'"
        )
        page.wait_for_function(
            f"() => !document.querySelector('{CANVAS}').dataset.stSight.startsWith('0,')"
        )
        first, top = check()
        assert first >= 1 and abs(top - top0) < 0.2
    page.locator(CANVAS).screenshot(
        path=str(artifacts / f"narrow-spacetime-{trace}-{width}-{scheme}.png")
    )


@pytest.mark.parametrize(("trace", "width"), [("sup", 1280), ("mesh2k", 1280), ("sup", 932)])
def test_the_legend_lists_only_what_the_trace_has(
    open_page, tmp_path, artifacts, request, trace, width
):
    page = _open(open_page, tmp_path, request.getfixturevalue(trace), trace, width, time=5.0)
    legend = page.inner_text(f"{CANVAS} .ml-legend")
    for absent in (
        "side A",
        "bridge",
        "admin action",
        "action failed",
        "node death",
        "partition",
        "hung",
        "handler error",
    ):
        assert absent not in legend, (absent, legend)
    for present in ("failure", "restart", "idle"):
        assert present in legend
    rows = page.evaluate(LEGEND_ROWS)
    # a dozen actors' legend is one row at 1280 px (it took four), two at 900
    assert rows <= (1 if width == 1280 else 2), legend
    page.locator(CANVAS).screenshot(path=str(artifacts / f"narrow-legend-{trace}-{width}.png"))


def test_jupyterlab_at_900_px_with_the_file_browser_open(browser, jupyter, artifacts):
    """The case as reported: notebook 01's canvas in JupyterLab at a 900 px window with the file
    browser open is ~470 px wide; its inspector goes under the plot, its failure box whole."""
    cells = [
        "import meshlab as ml\ntrace = ml.scenarios.run('supervision-tree', seed=1)",
        "canvas = ml.Canvas(trace, time=7.0, selected='root/api')\ncanvas",
    ]
    page, errors = open_notebook(
        browser, jupyter, "narrow_layout.ipynb", cells, width=900, height=900
    )
    try:
        page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
        page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=90_000)
        page.locator(CANVAS).scroll_into_view_if_needed()
        w = page.evaluate(f"() => document.querySelector('{CANVAS}').getBoundingClientRect().width")
        assert w < 640, w  # the file browser takes its share of the window
        page.wait_for_selector(f"{CANVAS}[data-layout='stacked']")
        page.wait_for_function(DRAWN_AT_SIZE)
        stage = _rect(page, f"{CANVAS} .ml-stage")
        insp = _rect(page, f"{CANVAS} .ml-inspector")
        assert stage[2] - stage[0] >= w - 3 and insp[1] >= stage[3] - 0.5
        failure = _rect(page, f"{CANVAS} .ml-failure")
        assert _inside(failure, insp), (failure, insp)
        assert "root cause" in page.inner_text(f"{CANVAS} .ml-failure")
        texts = page.get_attribute(CANVAS, "data-texts").split("\n")
        assert not [t for t in texts if t.startswith("…")], texts
        page.locator(CANVAS).screenshot(path=str(artifacts / "narrow-lab-900-filebrowser.png"))
        assert not [e for e in errors if "meshlab" in e.lower()], errors
    finally:
        page.close()


@pytest.mark.parametrize(
    ("scenario", "has", "lacks"),
    [
        ("partition", ("side A", "partition", "healed"), ("bridge", "cut link between nodes")),
        ("partial-partition", ("bridge", "cut link between nodes"), ("side A",)),
        ("node-failure", ("node death",), ("side A", "bridge", "partition")),
    ],
)
def test_the_legend_names_the_partition_the_trace_has(
    open_page, tmp_path, artifacts, scenario, has, lacks
):
    trace = ml.scenarios.run(scenario, seed=1)
    page = _open(open_page, tmp_path, trace, scenario, 932)
    legend = page.inner_text(f"{CANVAS} .ml-legend")
    for s in has:
        assert s in legend, (s, legend)
    for s in lacks:
        assert s not in legend, (s, legend)
    page.locator(CANVAS).screenshot(path=str(artifacts / f"narrow-legend-{scenario}-900.png"))
