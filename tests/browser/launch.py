"""How the browser tests and the canvas benchmarks start their programs: the headless Chromium
flags, and a Jupyter server (JupyterLab 4 or Notebook 7) on 127.0.0.1 in an isolated config.

Plain Python (no pytest, no Playwright), so that ``bench/`` can import it from a source
checkout; the fixtures in ``conftest.py`` wrap it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

APPS = {
    # JupyterLab 4: window.jupyterapp exposed, no news, no update checks
    "lab": [
        "jupyterlab",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ],
    # Notebook 7 (built on JupyterLab components): the same window.jupyterapp when exposed
    "notebook": ["notebook", "--JupyterNotebookApp.expose_app_in_browser=True"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(cfg: Path) -> dict[str, str]:
    """This process's environment with Jupyter's config, data, runtime, settings and workspaces
    under ``cfg``: a server started with it reads nothing of the user's own Jupyter setup."""
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
    ):
        (cfg / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(cfg / sub)
    return env


def _quiet_settings(cfg: Path) -> None:
    """The user settings a test server starts with: no news, no update checks."""
    notif = cfg / "settings" / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True, exist_ok=True)
    (notif / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def reset_jupyter(url: str, cfg: Path) -> None:
    """Put a running server of :func:`jupyter_server` back to what a fresh one shows: its
    sessions and kernels shut down, its saved workspaces (the open tabs a page restores) and
    the user settings written since its start (a theme) removed."""

    def call(path: str, method: str = "GET") -> list:
        req = urllib.request.Request(f"{url}{path}", method=method)
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
        return json.loads(body) if body else []

    for session in call("/api/sessions"):
        call(f"/api/sessions/{session['id']}", "DELETE")  # shuts its kernel down too
    for kernel in call("/api/kernels"):
        call(f"/api/kernels/{kernel['id']}", "DELETE")
    for sub in ("workspaces", "settings"):
        shutil.rmtree(cfg / sub, ignore_errors=True)
        (cfg / sub).mkdir()
    _quiet_settings(cfg)


def _raise(message: str) -> NoReturn:
    raise RuntimeError(message)


@contextlib.contextmanager
def jupyter_server(
    root: Path,
    cfg: Path,
    app: str = "lab",
    *,
    timeout: float = 60,
    fail: Callable[[str], NoReturn] = _raise,
) -> Iterator[str]:
    """A Jupyter server (``lab`` or ``notebook``) on 127.0.0.1 serving ``root``, its config,
    data, runtime and settings under ``cfg`` (its log in ``cfg/server.log``); yields its URL
    and stops it afterwards. If it has not answered within ``timeout`` seconds, or it exited,
    ``fail`` is called with the log (a test passes ``pytest.fail``)."""
    env = isolated_env(cfg)
    # The kernel must find this checkout's meshlab and the real ipykernel: use this Python.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    _quiet_settings(cfg)
    port = free_port()
    log_path = cfg / "server.log"
    module, *app_args = APPS[app]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--ServerApp.root_dir={root}",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True",
                "--ServerApp.allow_root=True",
                *app_args,
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        fail(f"Jupyter ({app}) did not start:\n{log_path.read_text()}")
                    time.sleep(0.2)  # a starting server gives no signal to wait on
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
