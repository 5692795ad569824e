"""`make lab` on a machine with no web browser: the URL Jupyter prints opens the getting-started
notebook, as the README promises (it used to open the Launcher).

The test runs the `lab` target's own command (read with `make -n lab`), headless on a free port
with a token Jupyter generates, takes the URL it prints for 127.0.0.1 and opens it in Chromium.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from . import launch

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "01-getting-started.ipynb"


def lab_command() -> list[str]:
    """The command `make lab` runs to start JupyterLab (its prerequisites left out)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = dry.replace("\\\n", " ").splitlines()
    found = [c for c in commands if re.search(r"\bjupyter lab\b", c)]
    assert len(found) == 1, f"`make -n lab` shows no single `jupyter lab` command:\n{dry}"
    return shlex.split(found[0])


def test_the_url_make_lab_prints_opens_the_getting_started_notebook(browser, tmp_path):
    port = launch.free_port()
    env = launch.isolated_env(tmp_path)
    env["BROWSER"] = "false"  # as on a machine with no browser, should --no-browser be ignored
    command = [
        *lab_command(),
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.allow_root=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # the URLs Jupyter prints once it listens, the generated token in them
        printed = re.compile(rf"http://127\.0\.0\.1:{port}/\S*\?token=[0-9a-f]+")
        deadline = time.monotonic() + 90
        while not (urls := printed.findall(log_path.read_text())):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab printed no URL:\n{log_path.read_text()}")
            time.sleep(0.2)
        url = urls[-1]
        assert f"/lab/tree/{NOTEBOOK}?" in url, url

        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            page.goto(url)
            # the notebook is open: its tab is the current one, its first heading rendered
            page.wait_for_selector(
                f".lm-TabBar-tab.lm-mod-current:has-text('{NOTEBOOK}')", timeout=90_000
            )
            heading = page.wait_for_selector(
                ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1", timeout=90_000
            )
            assert heading.inner_text().startswith("Getting started with meshlab")
            assert page.url.split("?")[0].endswith(f"/lab/tree/{NOTEBOOK}")
        finally:
            page.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
