"""A live canvas in a real JupyterLab: a notebook starts ``meshlab serve``, attaches to it and
shows ``ml.Canvas(live)``; Chromium watches events arrive, a node killed from the kernel drawn
down, and live following paused to scrub back while the stream goes on."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from .jupyter_page import kernel, put_notebook, run_all, wait_kernel

CANVAS = ".meshlab-canvas"
NOTEBOOK = "live_canvas.ipynb"
TOKEN = "browser-test-token"
VICTIM = "n3"  # node-failure itself kills n2 from t=3 to t=6; this one is ours

CELLS = [
    "import meshlab as ml\n"
    f"TOKEN = {TOKEN!r}\n"
    "# until: keep the scenario running (at 4x) for as long as the test may need it\n"
    "server = ml.live.serve_subprocess('node-failure', seed=1, speed=4, until=400, token=TOKEN)\n"
    "print('server pid', server.pid)",
    "live = ml.connect(server.url)\ncanvas = ml.Canvas(live, height=440)\ncanvas",
]

# JS: how many pixels have exactly the fill of a node region that is down
DOWN_PIXELS = """(() => {
  const c = document.querySelector('.meshlab-canvas canvas.ml-main');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] === 0x3a && d[i + 1] === 0x3d && d[i + 2] === 0x42) n++;
  }
  return n;
})()"""


def attr(page, name: str) -> float:
    return float(page.get_attribute(CANVAS, f"data-{name}"))


@pytest.fixture(scope="module")
def live_page(browser, jupyter, artifacts):
    put_notebook(jupyter, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{jupyter}/lab/tree/{NOTEBOOK}")
    run_all(page)
    pid = stopped = None
    try:
        # queued behind the cells just started, so it answers once they have run
        pid = int(kernel(page, "print(server.pid)"))
        page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=60_000)
        page.locator(CANVAS).scroll_into_view_if_needed()
        yield page
    finally:
        # stop the client and the server from the notebook, as a user would ...
        with contextlib.suppress(Exception):
            out = kernel(page, "live.close()\nprint(server.stop(), server.alive)")
            stopped = out.split()[-1] == "False"
        # ... and whatever happened in the kernel, no server outlives the test
        if pid is not None and not stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        page.close()
    assert stopped, "the notebook could not stop its server; it was killed"
    assert not [e for e in errors if "meshlab" in e.lower()], errors


def test_live_canvas_receives_and_grows(live_page, artifacts):
    page = live_page
    assert page.get_attribute(f"{CANVAS} .ml-live", "class").split().count("ml-on") == 1
    rows = attr(page, "rows")
    t = attr(page, "time")
    # more events arrive, and the playhead follows the newest of them
    page.wait_for_function(
        f"""() => {{
      const d = document.querySelector('{CANVAS}').dataset;
      return parseInt(d.rows) > {rows} + 200 && parseFloat(d.time) > {t} + 0.5;
    }}""",
        timeout=15_000,
    )
    # what the browser holds the kernel's canvas sent: never more (browser read first)
    held = int(attr(page, "rows"))
    sent = int(kernel(page, "print(canvas.rows)"))
    assert 0 < held <= sent, (held, sent)
    # scrubbed back, a live canvas plays at real time (not at a speed fitted to its first batch)
    assert page.input_value(f"{CANVAS} .ml-speed") == "1"
    page.locator(CANVAS).screenshot(path=str(artifacts / "live-01-following.png"))


def test_kill_node_from_kernel_is_drawn_down(live_page, artifacts):
    page = live_page
    # past the scenario's own outage of n2 (t=3..6): no node is drawn down any more
    page.wait_for_function(
        f"parseFloat(document.querySelector('{CANVAS}').dataset.time) > 6.5", timeout=15_000
    )
    page.wait_for_function(f"() => {DOWN_PIXELS} === 0", timeout=15_000)
    out = kernel(page, f"print(live.control('kill_node', node={VICTIM!r}, token=TOKEN)['type'])")
    assert out.strip(), out
    page.wait_for_function(f"() => {DOWN_PIXELS} > 5000", timeout=15_000)
    page.locator(CANVAS).screenshot(path=str(artifacts / "live-02-node-killed.png"))
    # the dark region is the victim: click its middle and the inspector names it, down
    xy = page.evaluate(
        """() => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let sx = 0, sy = 0, n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === 0x3a && d[i + 1] === 0x3d && d[i + 2] === 0x42) {
          const p = i / 4;
          sx += p % c.width; sy += Math.floor(p / c.width); n++;
        }
      }
      const r = c.getBoundingClientRect(), k = c.width / c.clientWidth;
      return [r.left + sx / n / k, r.top + sy / n / k];
    }"""
    )
    page.mouse.click(*xy)
    page.wait_for_function(
        f"document.querySelector('{CANVAS}').dataset.selected === 'node:{VICTIM}'"
    )
    title = page.inner_text(f"{CANVAS} .ml-inspector .ml-title")
    assert VICTIM in title and "down" in title.lower(), title
    wait_kernel(page, "print(canvas.selected)", f"out === 'node:{VICTIM}'")


def test_pause_following_and_scrub_back(live_page, artifacts):
    page = live_page
    now = attr(page, "time")
    box = page.locator(f"{CANVAS} .ml-density").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.9, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=6)
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=6)
    page.mouse.up()
    # following is off; the playhead stays where it was put
    assert "ml-on" not in page.get_attribute(f"{CANVAS} .ml-live", "class").split()
    held = attr(page, "time")
    assert held < now * 0.5, (held, now)
    # the kernel learns that the playhead went back (throttled: ask until it agrees)
    wait_kernel(page, "print(repr(canvas.time))", f"Math.abs(parseFloat(out) - {held}) < 1e-9")
    # events keep arriving while the playhead stays put
    rows = attr(page, "rows")
    page.wait_for_function(
        f"parseInt(document.querySelector('{CANVAS}').dataset.rows) > {rows} + 200",
        timeout=15_000,
    )
    assert attr(page, "time") == held
    page.locator(CANVAS).screenshot(path=str(artifacts / "live-03-scrubbed-back.png"))
    # back to live: the playhead jumps to the newest events and follows them again
    page.click(f"{CANVAS} .ml-live")
    page.wait_for_function(
        f"parseFloat(document.querySelector('{CANVAS}').dataset.time) > {now}", timeout=15_000
    )
    wait_kernel(page, "print(repr(canvas.time))", f"parseFloat(out) > {now}")


def test_kernel_time_pauses_following(live_page, artifacts):
    page = live_page
    # following again (the previous test went back to live): the kernel moves the playhead back
    page.wait_for_selector(f"{CANVAS} .ml-live.ml-on")
    kernel(page, "canvas.time = 1.5")
    page.wait_for_function(f"parseFloat(document.querySelector('{CANVAS}').dataset.time) === 1.5")
    assert "ml-on" not in page.get_attribute(f"{CANVAS} .ml-live", "class").split()
    # more events arrive; browser and kernel both keep the playhead where the kernel put it
    rows = attr(page, "rows")
    page.wait_for_function(
        f"parseInt(document.querySelector('{CANVAS}').dataset.rows) > {rows} + 200",
        timeout=15_000,
    )
    assert attr(page, "time") == 1.5
    assert kernel(page, "print(repr(canvas.time))").strip() == "1.5"
