"""Every view of the HTML replay follows the system's colour scheme, at notebook width (900 px):
with a dark preference the topology, tree, space-time and flows views are drawn on the dark
palette and the table sits on a dark background; with a light one, the light palette."""

from __future__ import annotations

import pytest

import meshlab as ml

from .jupyter_page import colour_share

CANVAS = ".meshlab-canvas"
MODEL = "window.meshlabReplay.model"
T_FAIL = 6.95  # supervision-tree, seed 1: a failed and a restarting subtree on the picture
BG = {"dark": (0x1B, 0x1D, 0x20), "light": (0xFF, 0xFF, 0xFF)}  # palette.ts's backgrounds
NODE = {"dark": (0x1C, 0x27, 0x33), "light": (0xEE, 0xF4, 0xFB)}  # a node region that is up
# what each canvas view must mostly be drawn in: the background, or node regions on it
MOSTLY = {"topology": (BG, NODE), "tree": (BG,), "spacetime": (BG,), "flows": (BG,)}


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    canvas = ml.Canvas(trace, time=T_FAIL, selected="root/api")
    return canvas.save_html(tmp_path_factory.mktemp("views") / "sup.html")


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_view_follows_the_colour_scheme(open_page, replay, artifacts, scheme):
    other = "light" if scheme == "dark" else "dark"
    page = open_page(replay.as_uri(), width=900, bypass_csp=True, color_scheme=scheme)
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    for view in ("topology", "tree", "spacetime", "flows", "table"):
        page.evaluate(f"(v) => {{ {MODEL}.set('view', v); }}", view)
        # the toolbar marks the view shown as a frame of it is drawn
        page.wait_for_selector(f"{CANVAS} .ml-view-{view}.ml-on")
        assert page.get_attribute(CANVAS, "data-theme") == scheme
        if view == "table":
            page.wait_for_selector(f"{CANVAS} .ml-table[data-ready='1']")
            # the table's rows sit on the canvas's background, whatever the page's
            rgb = page.evaluate(
                f"""() => {{
              let el = document.querySelector('{CANVAS} .ml-table');
              let bg = getComputedStyle(el).backgroundColor;
              while (el && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {{
                el = el.parentElement;
                bg = el ? getComputedStyle(el).backgroundColor : bg;
              }}
              return bg.match(/\\d+/g).slice(0, 3).map(Number);
            }}"""
            )
            light = sum(rgb) / 3 > 128
            assert light == (scheme == "light"), rgb
            # at notebook width the id column comes first: inc. and busy since give way, and no
            # id in sight is clipped (root/api/worker-0 and the like whole, the full id on hover)
            cells = page.evaluate(
                f"""() => [...document.querySelectorAll('{CANVAS} .ml-table-row')]
                .filter((r) => r.style.display !== 'none').map((r) => {{
                  const c = r.querySelector('.ml-id');
                  const clipped = [...c.children].some((p) => p.scrollWidth > p.clientWidth)
                    || c.scrollWidth > c.clientWidth;
                  return [c.textContent, c.title, clipped];
                }})"""
            )
            ids = [text for text, _, _ in cells]
            assert "root/api/worker-0" in ids and len(ids) >= 8, ids
            assert all(title == text for text, title, _ in cells), cells
            assert not [text for text, _, clipped in cells if clipped], cells
            hidden = page.evaluate(
                f"""() => [...document.querySelectorAll('{CANVAS} .ml-table-head span')]
                .filter((s) => getComputedStyle(s).display === 'none').map((s) => s.dataset.col)"""
            )
            assert hidden == ["incarnation", "busy"], hidden
        else:
            share = sum(colour_share(page, colours[scheme]) for colours in MOSTLY[view])
            assert share > 0.5, (view, share)
            assert colour_share(page, BG[other]) < 0.01, view
        page.locator(CANVAS).screenshot(path=str(artifacts / f"replay-{view}-900-{scheme}.png"))
