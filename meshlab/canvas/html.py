"""One self-contained HTML file that replays a trace: the bundle and the data inlined, nothing
loaded from the network, so it can be mailed or attached to a bug report."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path
from typing import Any

from meshlab.canvas.encode import Chunk

BUNDLE = Path(__file__).resolve().parent.parent / "static" / "canvas.js"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src '{boot_hash}' blob:; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body{{margin:0;padding:16px;font:14px system-ui,'Liberation Sans',sans-serif;color:#222}}
h1{{font-size:16px;margin:0 0 10px}} .sub{{color:#666;font-weight:normal}}</style>
</head>
<body>
<h1>{heading} <span class="sub">{sub}</span></h1>
<div id="meshlab-app"></div>
<script type="application/octet-stream" id="meshlab-bundle">{bundle}</script>
<script type="application/json" id="meshlab-data">{data}</script>
<script type="module">{boot}</script>
</body>
</html>
"""

# The one script the page runs; the CSP allows exactly it (by hash) and the blob it imports.
_BOOT = """
// The bundle is an ES module; importing it from a blob keeps the page free of any URL.
const b64 = document.getElementById("meshlab-bundle").textContent.trim();
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
const mod = await import(url);
const payload = JSON.parse(document.getElementById("meshlab-data").textContent);
window.meshlabReplay = mod.mountStandalone(document.getElementById("meshlab-app"), payload);
"""
_BOOT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_BOOT.encode()).digest()).decode()

# JSON inside a script element: with every <, > and & escaped, no string in it (an actor
# named "<!--<script>", say) can end the element or switch the HTML parser's state.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def render_html(
    state: dict[str, Any], chunks: list[Chunk], *, title: str, subtitle: str = ""
) -> str:
    """The page as text. ``state`` holds the synced traits the view starts from."""
    if not BUNDLE.exists():
        raise FileNotFoundError(
            f"the canvas bundle {BUNDLE} is missing; run `cd widgets && npm ci && npm run build`"
        )
    bundle = base64.b64encode(BUNDLE.read_bytes()).decode("ascii")
    payload = {
        "state": state,
        "chunks": [
            {"header": c.header, "data": base64.b64encode(c.data).decode("ascii")} for c in chunks
        ],
    }
    data = json.dumps(payload, separators=(",", ":")).translate(_SCRIPT_SAFE)
    return _PAGE.format(
        title=html.escape(title),
        heading=html.escape(title),
        sub=html.escape(subtitle),
        bundle=bundle,
        data=data,
        boot=_BOOT,
        boot_hash=_BOOT_HASH,
    )
