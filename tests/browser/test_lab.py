"""The canvas in a real JupyterLab, driven through Chromium, as a person would use it."""

from __future__ import annotations

import pytest

from .jupyter_page import KERNEL_EXEC, KERNEL_IDLE, PIXELS

CANVAS = ".meshlab-canvas"


def pixel_counts(page, colors: dict[str, tuple[int, int, int]]) -> dict[str, int]:
    """How many pixels of the main canvas are (nearly) each colour."""
    return page.evaluate(PIXELS, colors)


def pixel_at(page, x: float, y: float) -> tuple[int, int, int]:
    return tuple(
        page.evaluate(
            """([x, y]) => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const k = c.width / c.clientWidth;
      const d = c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data;
      return [d[0], d[1], d[2]];
    }""",
            [x, y],
        )
    )


def data_time(page) -> float:
    return float(page.get_attribute(CANVAS, "data-time"))


@pytest.fixture(scope="module")
def lab_page(browser, jupyter, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{jupyter}/lab/tree/canvas_supervision.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=90_000)
    page.locator(CANVAS).scroll_into_view_if_needed()
    yield page
    assert not [e for e in errors if "meshlab" in e.lower()], errors
    page.close()


def test_nodes_and_actors_are_drawn(lab_page, artifacts):
    page = lab_page
    counts = pixel_counts(
        page,
        {"node_up": (0xEE, 0xF4, 0xFB), "idle": (0x40, 0x9E, 0x6B)},
    )
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-01-start.png"))
    assert counts["node_up"] > 20_000, counts  # three node regions
    assert counts["idle"] > 300, counts  # a dozen actor glyphs
    assert int(page.get_attribute(CANVAS, "data-rows")) > 1000


def test_jump_to_first_failure_marker(lab_page, artifacts):
    page = lab_page
    marker = page.locator(f"{CANVAS} .ml-marker-fail").first
    t = float(marker.get_attribute("data-t"))
    marker.click()
    page.wait_for_function(
        f"""() => {{
      const el = document.querySelector('{CANVAS}');
      return Math.abs(parseFloat(el.dataset.time) - {t}) < 1e-9 && el.dataset.selectedXy;
    }}"""
    )
    page.wait_for_selector(f"{CANVAS} .ml-failure")
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-02-first-failure.png"))
    text = page.inner_text(f"{CANVAS} .ml-inspector")
    assert "failure:" in text and "root cause:" in text, text
    actor = page.get_attribute(CANVAS, "data-selected")
    assert actor and actor in text
    # the glyph of the failed actor is red (failed, or restarting: failed with a restart pending)
    x, y, r = (float(v) for v in page.get_attribute(CANVAS, "data-selected-xy").split(","))
    red = pixel_at(page, x + 0.7 * r, y)
    assert red[0] > 180 and red[1] < 90 and red[2] < 90, red
    # the root cause is a link that selects the root-cause actor
    root = page.locator(f"{CANVAS} .ml-rootcause-link")
    root_id = root.inner_text()
    root.click()
    page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.selected === {root_id!r}")


def test_kernel_sets_time_and_playhead_moves(lab_page, artifacts):
    page = lab_page
    before = page.eval_on_selector(f"{CANVAS} .ml-playhead", "e => e.getBoundingClientRect().left")
    out = page.evaluate(KERNEL_EXEC, "canvas.time = 9.0\nprint(canvas.time)")
    assert out.strip() == "9.0", out
    page.wait_for_function(f"parseFloat(document.querySelector('{CANVAS}').dataset.time) === 9")
    after = page.eval_on_selector(f"{CANVAS} .ml-playhead", "e => e.getBoundingClientRect().left")
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-03-kernel-time.png"))
    assert after > before + 20, (before, after)


def test_scrub_in_browser_updates_kernel(lab_page, artifacts):
    page = lab_page
    box = page.locator(f"{CANVAS} .ml-density").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=8)
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=8)
    page.mouse.up()
    shown = data_time(page)
    assert 1.5 < shown < 4.5, shown  # about 30 % of a 10 s trace
    # the kernel learns the playhead (throttled, so poll the kernel until it agrees)
    page.wait_for_function(
        """async ([code, want]) => {
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      let out = "";
      const f = kernel.requestExecute({ code });
      f.onIOPub = (m) => { if (m.header.msg_type === "stream") out += m.content.text; };
      await f.done;
      return Math.abs(parseFloat(out) - want) < 1e-9;
    }""",
        arg=["print(repr(canvas.time))", shown],
        timeout=15_000,
        polling=250,
    )
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-04-scrubbed.png"))


def test_play_advances_and_space_time_view(lab_page, artifacts):
    page = lab_page
    start = data_time(page)
    page.click(f"{CANVAS} .ml-play")
    page.wait_for_function(
        f"parseFloat(document.querySelector('{CANVAS}').dataset.time) > {start} + 0.2"
    )
    page.click(f"{CANVAS} .ml-play")
    page.click(f"{CANVAS} .ml-view-spacetime")
    # the trait change travels to the kernel asynchronously: ask until the kernel agrees
    page.wait_for_function(
        f"async () => (await ({KERNEL_EXEC})('print(canvas.view, canvas.playing)')).trim()"
        " === 'spacetime False'",
        timeout=15_000,
        polling=250,
    )
    page.locator(CANVAS).screenshot(path=str(artifacts / "lab-05-spacetime.png"))
    page.evaluate(KERNEL_EXEC, "canvas.view = 'topology'")
