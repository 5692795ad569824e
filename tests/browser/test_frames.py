"""The canvas in Chromium asks for animation frames only while something changes or plays, and
leaves no listener behind when destroyed (the standalone replay, the network off)."""

from __future__ import annotations

import pytest

import meshlab as ml

CANVAS = ".meshlab-canvas"

# Counts the frames the page's own code requests, and every listener added or removed; the
# test's own frame counting uses the original requestAnimationFrame.
_INIT = """
window.__raf = 0;
window.__frame = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (cb) => { window.__raf++; return window.__frame(cb); };
window.__ls = [];
const add = EventTarget.prototype.addEventListener, rem = EventTarget.prototype.removeEventListener;
EventTarget.prototype.addEventListener = function (type, cb, opts) {
  const signal = opts && typeof opts === 'object' ? opts.signal : undefined;
  if (!(this instanceof AbortSignal)) {
    window.__ls.push({ t: this, type, cb, signal, removed: false });
  }
  return add.call(this, type, cb, opts);
};
EventTarget.prototype.removeEventListener = function (type, cb, opts) {
  for (const e of window.__ls) if (e.t === this && e.type === type && e.cb === cb) e.removed = true;
  return rem.call(this, type, cb, opts);
};
"""

# Frames the view requested while the page drew `n` frames of its own.
_REQUESTED_OVER = """async (n) => {
  const start = window.__raf;
  for (let i = 0; i < n; i++) await new Promise((r) => window.__frame(r));
  return window.__raf - start;
}"""

_IDLE = "() => !window.meshlabReplay.view.framePending()"


@pytest.fixture(scope="module")
def replay_html(tmp_path_factory):
    d = tmp_path_factory.mktemp("frames")
    return ml.Canvas(ml.scenarios.run("supervision-tree", seed=1)).save_html(d / "st.html")


def test_frames_only_while_something_changes_or_plays(browser, replay_html):
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, offline=True, bypass_csp=True
    )
    context.add_init_script(_INIT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(replay_html.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=20_000)

    # drawn and idle: over 30 frames of the page, the canvas asks for none
    page.wait_for_function(_IDLE)
    assert page.evaluate(_REQUESTED_OVER, 30) == 0

    # a key: the playhead moves, one redraw, idle again
    frame = int(page.get_attribute(CANVAS, "data-frame"))
    page.keyboard.press("End")
    page.wait_for_function(f"Number(document.querySelector('{CANVAS}').dataset.frame) > {frame}")
    page.wait_for_function(_IDLE)
    assert page.evaluate(_REQUESTED_OVER, 30) == 0

    # playing: a frame each time the page draws one, the playhead advancing
    page.keyboard.press("Home")
    page.wait_for_function(_IDLE)
    t0 = float(page.get_attribute(CANVAS, "data-time"))
    page.keyboard.press(" ")
    asked = page.evaluate(_REQUESTED_OVER, 30)
    assert asked >= 25, asked
    assert float(page.get_attribute(CANVAS, "data-time")) > t0
    page.keyboard.press(" ")
    page.wait_for_function(_IDLE)
    assert page.evaluate(_REQUESTED_OVER, 30) == 0

    # destroyed: every listener it put on the page and its own elements is gone (the scrubber's
    # marker buttons and the inspector's links go with the elements they are on)
    left = page.evaluate(
        """() => {
      const root = window.meshlabReplay.view.root;
      const mine = (e) => e.t === document || (e.t instanceof Node && root.contains(e.t));
      const ours = window.__ls.filter(mine);
      window.meshlabReplay.view.destroy();
      const rebuilt = (e) => e.t instanceof Element && e.t.closest('.ml-markers, .ml-inspector');
      return {
        counted: ours.length,
        left: ours
          .filter((e) => !e.removed && !(e.signal && e.signal.aborted) && !rebuilt(e))
          .map((e) => (e.t === document ? 'doc' : e.t.className || e.t.tagName) + ':' + e.type),
        connected: root.isConnected,
      };
    }"""
    )
    assert left["counted"] > 20, left
    assert left["left"] == [], left
    assert not left["connected"]
    assert page.evaluate(_REQUESTED_OVER, 10) == 0
    assert not errors, errors
    context.close()
