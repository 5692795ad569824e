"""Settings for every test process and everything it starts (kernels, servers, Ray).

The Ray clusters the tests start run on this machine only, so Ray must not advertise the
machine's network address: with this variable unset, Ray's processes pick the address of the
interface that routes outwards and talk to each other through it. Set before anything imports
Ray, and inherited by every kernel, server and Ray process the tests start.
"""

from __future__ import annotations

import os

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # Ray then uses 127.0.0.1 throughout


def pytest_terminal_summary(terminalreporter):
    """A green run that skipped the browser tests must say so, loudly, at the end. (Here,
    not in tests/browser/conftest.py: with pytest-xdist only this file is loaded where the
    summary is written.)"""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "Chromium is not installed" in str(r.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} browser tests were SKIPPED because Chromium is not "
            "installed; nothing was checked in a browser. Install it with "
            "`apt-get install -y chromium fonts-liberation` and run again (with CI set, "
            "they fail instead of skipping).",
            yellow=True,
            bold=True,
        )
