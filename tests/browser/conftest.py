"""Real-browser fixtures: Debian's Chromium driven by Playwright, and a real JupyterLab on
127.0.0.1 in an isolated config. Without Chromium the tests skip, unless CI is set."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from . import launch
from .launch import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
# MESHLAB_CHROMIUM names another browser binary (or a missing one, to see the skip notice)
CHROMIUM = os.environ.get("MESHLAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# the root conftest.py counts the skips that say this (it runs where pytest-xdist reports)
NO_CHROMIUM = "Chromium is not installed (apt-get install -y chromium fonts-liberation)"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="package")
def browser():
    # Package scope, not session: Playwright's sync API keeps an asyncio loop running in this
    # thread while it is open, which would break later tests that call asyncio.run().
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: apt-get install -y chromium fonts-liberation")
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """Opens pages for one test (``open_page(url, width=..., height=..., **new_page_options)``)
    and closes them after it; the test errs if any of them raised an uncaught error."""
    opened: list[tuple[Any, list[str]]] = []

    def open_(url: str, *, width: int = 1280, height: int = 800, **options):
        page = browser.new_page(viewport={"width": width, "height": height}, **options)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        opened.append((page, errors))
        page.goto(url)
        return page

    yield open_
    for page, _ in opened:
        page.close()
    raised = [e for _, errors in opened for e in errors]
    assert not raised, f"the page raised: {raised}"


@contextlib.contextmanager
def jupyter_server(tmp_path_factory, app: str = "lab"):
    """A Jupyter server (``lab`` or ``notebook``) on 127.0.0.1 in an isolated config, serving a
    folder with the test notebooks; yields its URL and config folder and stops it afterwards."""
    root = tmp_path_factory.mktemp(app)
    for nb in HERE.glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    cfg = tmp_path_factory.mktemp(f"{app}-config")
    with launch.jupyter_server(root, cfg, app, fail=pytest.fail) as url:
        yield url, cfg


@pytest.fixture(scope="session")
def jupyter_lab_server(tmp_path_factory):
    """The session's one JupyterLab server (a start costs seconds of CPU); see ``jupyter``."""
    with jupyter_server(tmp_path_factory, "lab") as server:
        yield server


@pytest.fixture(scope="module")
def jupyter(jupyter_lab_server):
    """A JupyterLab server on 127.0.0.1 serving a folder with the test notebooks. The session
    shares one server; after each module it is put back to what a fresh one shows: no
    kernels, no saved workspace (open tabs), no changed user settings (a theme)."""
    url, cfg = jupyter_lab_server
    yield url
    launch.reset_jupyter(url, cfg)


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory):
    """A Jupyter Notebook 7 server on 127.0.0.1 serving a folder with the test notebooks."""
    with jupyter_server(tmp_path_factory, "notebook") as (url, _):
        yield url
