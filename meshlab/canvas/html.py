"""One self-contained HTML file that replays a trace: the bundle and the data inlined, nothing
loaded from the network, so it can be mailed or attached to a bug report.

The chunks are embedded as several script blocks of at most ``BLOCK_CHARS`` characters each: a
browser cannot hold one string much longer than 2**29 characters (about 512 MB, so one block of
a 6M-event trace left a blank page), and the page reads and drops one block at a time. The
page's script comes right after the first block: it draws the start of the trace while the
browser still parses the blocks after it, each read once the parser is past it. If anything
cannot load, the page says so in place of the canvas. A forked canvas's branch chunks
(headers of type ``branch_chunk``) follow the main run's in the same blocks; the page's model
hands them out when the view asks for a branch (widgets/src/standalone.ts).
"""

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
<div id="meshlab-app"><noscript>This replay needs JavaScript to draw the trace.</noscript></div>
<script type="application/octet-stream" id="meshlab-bundle">{bundle}</script>
<script type="application/json" id="meshlab-data">{data}</script>
<script>{boot}</script>
{more}</body>
</html>
"""

# The one script the page runs; the CSP allows exactly it (by hash) and the blob it imports.
_BOOT = """(async () => {
const app = document.getElementById("meshlab-app");
// Never a blank page: whatever fails is said where the canvas would be.
const fail = (what, err) => {
  const p = document.createElement("p");
  p.className = "meshlab-error";
  p.style.cssText = "color:#b00020;font-weight:bold";
  p.textContent = `This replay could not ${what}: ${err && err.message ? err.message : err}. ` +
    "Open it in a current browser with enough free memory, or replay the trace in a notebook.";
  app.replaceChildren(p);
  document.body.dataset.meshlabError = String(p.textContent);
};
let mod;
try {
  // The bundle is an ES module; importing it from a blob keeps the page free of any URL.
  const b64 = document.getElementById("meshlab-bundle").textContent.trim();
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
  mod = await import(url);
} catch (err) {
  fail("start its viewer", err);
  throw err;
}
try {
  const payload = JSON.parse(document.getElementById("meshlab-data").textContent);
  // The other blocks of chunks are read one at a time when the page has handed over the
  // chunks before them (so the first frame waits for the first block only), and each is
  // dropped from the page once read.
  // This script runs while the browser still parses the blocks after it: a block is read
  // once the parser is past it (the next block has begun, or the page is parsed); until then
  // the page is asked again later (undefined).
  let block = 0;
  payload.readMore = () => {
    if (block >= payload.more) return null;
    const parsing = document.readyState === "loading";
    const next = block + 2 <= payload.more && document.getElementById(`meshlab-data-${block + 2}`);
    if (parsing && !next) return undefined;
    block++;
    try {
      const el = document.getElementById(`meshlab-data-${block}`);
      const of = payload.more + 1;
      const cut = "(the file may be cut short)";
      if (!el) throw new Error(`data block ${block} of ${of} is missing ${cut}`);
      const chunks = JSON.parse(el.textContent);
      el.remove();
      return chunks;
    } catch (err) {
      fail("load its data", err);
      throw err;
    }
  };
  payload.release = true; // the page's one store keeps the columns: no second copy
  window.meshlabReplay = mod.mountStandalone(app, payload);
} catch (err) {
  fail("load its data", err);
  throw err;
}
})();
"""
_BOOT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_BOOT.encode()).digest()).decode()

# JSON inside a script element: with every <, > and & escaped, no string in it (an actor
# named "<!--<script>", say) can end the element or switch the HTML parser's state.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


# Characters of chunk text per script block: well under a browser's longest string (2**29 - 24
# characters in V8), small enough that one JSON.parse never holds much more than a block.
BLOCK_CHARS = 64_000_000


def render_html(
    state: dict[str, Any],
    chunks: list[Chunk],
    *,
    title: str,
    subtitle: str = "",
    block_chars: int = BLOCK_CHARS,
) -> str:
    """The page as text. ``state`` holds the synced traits the view starts from; the chunks go
    into script blocks of about ``block_chars`` characters (a chunk is never split)."""
    if not BUNDLE.exists():
        raise FileNotFoundError(
            f"the canvas bundle {BUNDLE} is missing; run `cd widgets && npm ci && npm run build`"
        )
    bundle = base64.b64encode(BUNDLE.read_bytes()).decode("ascii")
    blocks: list[list[str]] = [[]]
    size = 0
    for c in chunks:
        text = json.dumps(
            {"header": c.header, "data": base64.b64encode(c.data).decode("ascii")},
            separators=(",", ":"),
        ).translate(_SCRIPT_SAFE)
        if size and size + len(text) > block_chars:
            blocks.append([])
            size = 0
        blocks[-1].append(text)
        size += len(text) + 1
    state_text = json.dumps(state, separators=(",", ":")).translate(_SCRIPT_SAFE)
    data = f'{{"state":{state_text},"more":{len(blocks) - 1},"chunks":[{",".join(blocks[0])}]}}'
    more = "".join(
        f'<script type="application/json" id="meshlab-data-{i}">[{",".join(b)}]</script>\n'
        for i, b in enumerate(blocks[1:], start=1)
    )
    return _PAGE.format(
        title=html.escape(title),
        heading=html.escape(title),
        sub=html.escape(subtitle),
        bundle=bundle,
        data=data,
        more=more,
        boot=_BOOT,
        boot_hash=_BOOT_HASH,
    )
