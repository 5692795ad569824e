"""The committed bundle in meshlab/static is exactly what the sources in widgets/ build."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = ROOT / "widgets"
COMMITTED = ROOT / "meshlab" / "static" / "canvas.js"


def _node_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed to rebuild the canvas bundle in CI")
        pytest.skip("node is not installed, so the canvas bundle cannot be rebuilt here")
    if not (WIDGETS / "node_modules" / "esbuild").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WIDGETS, check=True
        )


def test_committed_bundle_matches_sources(tmp_path):
    _node_ready()
    subprocess.run(["node", "build.mjs", "--outdir", str(tmp_path)], cwd=WIDGETS, check=True)
    built = (tmp_path / "canvas.js").read_bytes()
    assert COMMITTED.exists(), (
        "meshlab/static/canvas.js is missing; run `cd widgets && npm run build`"
    )
    assert built == COMMITTED.read_bytes(), (
        "meshlab/static/canvas.js differs from what widgets/src builds; "
        "run `cd widgets && npm run build` and commit the result"
    )


def test_bundle_is_self_contained():
    # The HTML replay inlines this file and must load nothing: no imports of other files or URLs.
    text = COMMITTED.read_text("utf-8")
    assert "export{" in text.replace(" ", "") or "export default" in text
    for needle in (
        'from"http',
        "from 'http",
        'import("http',
        "https://cdn",
        "unpkg.com",
        "jsdelivr",
    ):
        assert needle not in text, f"the bundle refers to the network: {needle}"
