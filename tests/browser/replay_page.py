"""A canvas saved as an HTML replay and opened in its own browser context, the way the view
tests in this folder look at it (a viewport of a chosen width and colour scheme)."""

from __future__ import annotations

import meshlab as ml

CANVAS = ".meshlab-canvas"


def open_replay(
    browser,
    tmp_path,
    trace,
    name,
    *,
    width=1280,
    scheme="light",
    ready_timeout=30_000,
    **state,
):
    """Save ``trace``'s canvas (620 px high, ``state`` as its traits) as ``name``.html, open it
    at ``width`` x 800 in ``scheme`` and wait for data-ready; (context, page, errors), the page's
    uncaught errors collected in ``errors``."""
    path = ml.Canvas(trace, height=620, **state).save_html(tmp_path / f"{name}.html")
    return open_html(browser, path, width=width, scheme=scheme, ready_timeout=ready_timeout)


def open_html(browser, path, *, width=1280, scheme="light", ready_timeout=30_000):
    """Open the HTML replay at ``path`` at ``width`` x 800 in ``scheme`` and wait for
    data-ready; (context, page, errors), as open_replay."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=ready_timeout)
    return context, page, errors
