"""Helpers for driving a notebook page of JupyterLab 4 or Notebook 7 from a test.

Both apps, started with ``expose_app_in_browser``, expose ``window.jupyterapp``; its shell's
current widget is the open notebook panel, whose kernel the helpers talk to directly.
"""

from __future__ import annotations

import json
import urllib.request

import nbformat

# Runs Python in the notebook's kernel and resolves with what it printed (or the error).
KERNEL_EXEC = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    const c = msg.content;
    if (msg.header.msg_type === "error") out += "ERROR " + c.ename + ": " + c.evalue;
  };
  await future.done;
  return out;
}"""

KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const s = w && w.sessionContext && w.sessionContext.session;
  const k = s && s.kernel;
  return k && k.status === 'idle';
}"""

# How many pixels of the canvas's main drawing are (nearly) each of the given colours.
PIXELS = """(colors) => {
  const c = document.querySelector('.meshlab-canvas canvas.ml-main');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = {};
  for (const k of Object.keys(colors)) out[k] = 0;
  for (let i = 0; i < d.length; i += 4) {
    for (const [k, [r, g, b]] of Object.entries(colors)) {
      if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 24) out[k]++;
    }
  }
  return out;
}"""


# The share of the n-th canvas's main drawing that is (nearly) the colour rgb.
SHARE = """([n, rgb]) => {
  const c = document.querySelectorAll('.meshlab-canvas canvas.ml-main')[n];
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let k = 0;
  for (let i = 0; i < d.length; i += 4) {
    const off = Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]);
    if (off + Math.abs(d[i + 2] - rgb[2]) < 12) k++;
  }
  return k / (d.length / 4);
}"""


def colour_share(page, rgb: tuple[int, int, int], n: int = 0) -> float:
    """How much of the n-th canvas's drawing is (nearly) the colour ``rgb``, from 0 to 1."""
    return page.evaluate(SHARE, [n, list(rgb)])


def put_notebook(server: str, name: str, cells: list[str]) -> None:
    """Save a notebook of code cells into the server's root through its contents API."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    req = urllib.request.Request(
        f"{server}/api/contents/{name}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 201), r.status


def open_notebook(browser, server: str, name: str, cells: list[str], *, width: int, height: int):
    """Save notebook ``name`` of ``cells`` on the JupyterLab at ``server``, open it in a new page
    of that size and run every cell; the page, and the list the page's uncaught errors go to."""
    put_notebook(server, name, cells)
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/lab/tree/{name}")
    run_all(page, timeout=90_000)
    return page, errors


def run_all(page, timeout: int = 60_000) -> None:
    """Wait for the open notebook's kernel to be idle, then run every cell."""
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def kernel(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel; what it printed. Fails on an error."""
    out = page.evaluate(KERNEL_EXEC, code)
    assert "ERROR" not in out, out
    return out


def wait_kernel(page, code: str, predicate_js: str, timeout: int = 15_000) -> None:
    """Run ``code`` in the kernel until ``predicate_js`` (over its trimmed output ``out``)
    holds; for values that reach the kernel asynchronously."""
    page.wait_for_function(
        f"""async (code) => {{
      const out = (await ({KERNEL_EXEC})(code)).trim();
      return {predicate_js};
    }}""",
        arg=code,
        timeout=timeout,
        polling=200,
    )
