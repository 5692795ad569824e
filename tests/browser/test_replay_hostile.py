"""The HTML replay with hostile strings in the data, opened in Chromium with its own CSP in
force: no string can change how the page parses, and only the page's one script runs."""

from __future__ import annotations

import subprocess
import sys

import polars as pl

import meshlab as ml

CANVAS = ".meshlab-canvas"
NASTY = "<!--<script>"


def test_an_actor_named_like_markup_cannot_blank_the_replay(browser, tmp_path, artifacts):
    trace = ml.scenarios.run("supervision-tree", seed=1)
    victim = trace.events.filter(pl.col("kind") == "actor_spawn")["actor"][1]
    names = {victim: NASTY, "</script><script>alert(1)</script>": "x"}
    events = trace.events.with_columns(
        [pl.col(c).replace(names) for c in ("actor", "peer", "parent")]
    )
    src = ml.Trace(events, trace.meta).save(tmp_path / "nasty.parquet")
    out = tmp_path / "nasty.html"
    subprocess.run(
        [sys.executable, "-m", "meshlab", "replay", str(src), "--html", str(out)], check=True
    )
    page_text = out.read_text()
    assert NASTY not in page_text and "'unsafe-inline' blob" not in page_text
    assert "script-src 'sha256-" in page_text

    context = browser.new_context(viewport={"width": 1300, "height": 800}, offline=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" or "Refused" in m.text else None,
    )
    page.goto(out.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-loaded='1']", timeout=20_000)
    assert int(page.get_attribute(CANVAS, "data-rows")) == len(trace)
    # the name arrived as data, intact
    found = page.evaluate(
        "() => JSON.parse(document.getElementById('meshlab-data').textContent) && "
        "document.getElementById('meshlab-data').textContent.includes('\\\\u003c!--')"
    )
    assert found
    page.screenshot(path=str(artifacts / "replay-hostile.png"))
    assert not problems, problems
    # an inline script that the page did not bring is refused by its CSP
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation', () => resolve(true));
            const s = document.createElement('script');
            s.textContent = 'window.injected = 1';
            document.body.append(s);
            setTimeout(() => resolve(window.injected === 1 ? false : 'no event'), 1000);
        })"""
    )
    assert blocked is True
    context.close()
