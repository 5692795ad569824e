"""Contract v2 on the canvas, in Chromium: a hung actor is drawn as hung (its own outline and a
legend entry), a handler error that the actor lived through is visible, and the attributes an
actor and a node published are in the inspector."""

from __future__ import annotations

import json

from framekit import FrameKit

import meshlab as ml

CANVAS = ".meshlab-canvas"
HUNG_RGB = (0xC2, 0x25, 0x5C)


def v2_trace() -> ml.Trace:
    fk = FrameKit()
    for n in ("n0", "n1"):
        fk.node_join(0.0, n)
    fk.event("attrs", 0.0, "n1", reason=json.dumps({"zone": "eu-west", "cores": 8}))
    fk.spawn(0.0, "sup", node="n0", cls="Supervisor")
    for i, node in enumerate(("n0", "n1", "n1")):
        fk.spawn(0.0, f"sup/worker-{i}", node=node, parent="sup")
    fk.event("attrs", 0.5, "n1", actor="sup/worker-1", reason=json.dumps({"role": "leader"}))
    m = fk.send(1.0, "sup", "sup/worker-1", node="n0", latency=0.1, msg_type="job")
    fk.recv(1.1, "sup/worker-1", "sup", m, node="n1", msg_type="job")
    common = {"actor": "sup/worker-1", "peer": "sup", "msg_id": m, "msg_type": "job"}
    fk.event("handler_start", 1.1, "n1", **common)
    fk.event("handler_end", 1.3, "n1", duration=0.2, reason="error: KeyError: 'row 7'", **common)
    m = fk.send(2.0, "sup", "sup/worker-2", node="n0", latency=0.1, msg_type="scan")
    fk.recv(2.1, "sup/worker-2", "sup", m, node="n1", msg_type="scan")
    common = {"actor": "sup/worker-2", "peer": "sup", "msg_id": m, "msg_type": "scan"}
    fk.event("handler_start", 2.1, "n1", **common)
    fk.event("handler_end", 12.1, "n1", duration=10.0, reason="ok", **common)
    fk.event("attrs", 12.5, "n0", actor="sup", reason=json.dumps({"children": 3}))
    return fk.trace()


def colour_pixels(page, rgb) -> int:
    return page.evaluate(
        """(rgb) => {
      const c = document.querySelector('.meshlab-canvas canvas.ml-main');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - rgb[0]) < 8 && Math.abs(d[i + 1] - rgb[1]) < 8
            && Math.abs(d[i + 2] - rgb[2]) < 8) n++;
      }
      return n;
    }""",
        list(rgb),
    )


def test_hung_handler_errors_and_attrs(browser, tmp_path, artifacts):
    trace = v2_trace()
    path = ml.Canvas(trace).save_html(tmp_path / "v2.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']")
    model = "window.meshlabReplay.model"

    # at 4 s worker-2 has been busy in one handler for 1.9 s: busy, not hung
    page.evaluate(f"{model}.set('time', 4.0); {model}.set('selected', 'sup/worker-2')")
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title")
    text = page.inner_text(f"{CANVAS} .ml-inspector")
    assert "busy since" in text and "hung" not in text
    assert colour_pixels(page, HUNG_RGB) == 0

    # at 8 s it is hung: said in the inspector and drawn in the hung colour
    page.evaluate(f"{model}.set('time', 8.0)")
    page.wait_for_function(
        f"document.querySelector('{CANVAS} .ml-inspector').innerText.includes('hung')"
    )
    assert colour_pixels(page, HUNG_RGB) > 30
    assert page.evaluate("window.meshlabReplay.view.statusAt(8.0)['sup/worker-2'][0]") == "busy"
    assert "hung" in page.inner_text(f"{CANVAS} .ml-legend")
    page.screenshot(path=str(artifacts / "canvas-v2-hung-1280.png"))

    # worker-1's handler raised and it lived on; its attributes are in the inspector
    page.evaluate(f"{model}.set('selected', 'sup/worker-1')")
    page.wait_for_function(
        f"document.querySelector('{CANVAS} .ml-inspector').innerText.includes('handler errors')"
    )
    text = page.inner_text(f"{CANVAS} .ml-inspector")
    assert "KeyError: 'row 7'" in text and "idle" in text
    assert "role" in text and "leader" in text
    page.screenshot(path=str(artifacts / "canvas-v2-error-attrs-1280.png"))

    # a node's own attributes
    page.evaluate(f"{model}.set('selected', 'node:n1')")
    page.wait_for_function(
        f"document.querySelector('{CANVAS} .ml-inspector').innerText.includes('eu-west')"
    )
    # after the handler ended at 12.1 s nothing is hung any more
    page.evaluate(f"{model}.set('time', 12.6)")
    page.wait_for_timeout(200)
    assert colour_pixels(page, HUNG_RGB) == 0
    assert not errors, errors
    page.close()
