"""A canvas on a live client attached to a real `meshlab serve` (no browser)."""

from __future__ import annotations

import meshlab as ml


def test_live_canvas_plays_back_at_real_time_by_default(servers, live_clients):
    srv = servers.start("node-failure", seed=1, speed=4.0, until=60.0)
    live = ml.connect(srv.url, record=False)
    live_clients.append(live)
    live.wait_for(lambda lv: lv.head > 0, timeout=10)
    canvas = ml.Canvas(live)
    try:
        assert canvas.meta["live"] is True
        # the span received so far is tiny; the default speed must not follow from it
        assert canvas.speed == 1.0
        other = ml.Canvas(live, speed=5.0)
        assert other.speed == 5.0
        other.close()
        head = canvas.rows
        live.wait_for(lambda lv: lv.head > head + 100, timeout=10)
        canvas.refresh()
        assert canvas.rows > head
    finally:
        canvas.close()
