"""The canvas in a real JupyterLab following a real Ray cluster.

A notebook starts a local Ray cluster (head + one worker node, the export on) with
``meshlab.ray.start_local_cluster``, runs ``meshlab serve --ray`` on it, runs a supervisor
that fans calls out to three workers, and shows ``ml.Canvas(live)``. Chromium checks that the
two Ray nodes and the actors are drawn (the kernel selects each, the browser finds it in the
scene and names it in the inspector), then a node removed in the kernel is drawn down.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

import pytest
from raykit import require_ray

from .jupyter_page import PIXELS, put_notebook, run_all

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(900)]

CANVAS = ".meshlab-canvas"
NOTEBOOK = "ray_canvas.ipynb"
NODE_UP = (0xEE, 0xF4, 0xFB)  # the fill of a node region that is up
IDLE = (0x40, 0x9E, 0x6B)  # an idle actor's glyph (light theme)
DOWN = (0x3A, 0x3D, 0x42)  # the fill of a node region that is down

CELLS = [
    # Ray's start takes 15-60 s on a busy 2-core machine; the helper retries a failed start
    "import os\n"
    "import ray\n"
    "import meshlab as ml\n"
    "from meshlab.ray import start_local_cluster\n"
    "cluster = start_local_cluster(nodes=1)\n"
    "server = cluster.serve()\n"
    "ray.init(address=cluster.address, logging_level='ERROR', log_to_driver=False)\n"
    "\n"
    "@ray.remote(num_cpus=0)\n"
    "class Worker:\n"
    "    def work(self, x):\n"
    "        return x + 1\n"
    "\n"
    "@ray.remote(num_cpus=0)\n"
    "class Supervisor:\n"
    "    def __init__(self):\n"
    "        self.workers = [Worker.options(resources={'head': 1}).remote() for _ in range(2)]\n"
    "        self.workers.append(Worker.options(resources={'n1': 1}).remote())\n"
    "\n"
    "    def fan_out(self, rounds):\n"
    "        return sum(sum(ray.get([w.work.remote(r) for w in self.workers]))\n"
    "                   for r in range(rounds))\n"
    "\n"
    "sup = Supervisor.options(name='supervisor', resources={'head': 1}).remote()\n"
    "print('fan_out', ray.get(sup.fan_out.remote(2)))",
    "live = ml.connect(server.url, record=False)\ncanvas = ml.Canvas(live, height=480)\ncanvas",
]

# Runs Python in the notebook's kernel; what it printed on stdout, or the error. (Ray's own
# notices go to stderr and may contain words like SYSTEM_ERROR: they are not our output.)
KERNEL_STDOUT = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    const c = msg.content;
    if (msg.header.msg_type === "stream" && c.name === "stdout") out += c.text;
    if (msg.header.msg_type === "error") out += "KERNEL-ERROR " + c.ename + ": " + c.evalue;
  };
  await future.done;
  return out;
}"""

# What the kernel's live source holds of the cluster: nodes, actors and the fan-out calls
SUMMARY = """
import json as _json
import polars as _pl
_ev = live.events.with_columns(kind=_pl.col("kind").cast(_pl.String))
print(_json.dumps({
    "nodes": sorted(_ev.filter(_pl.col("kind") == "node_join")["node"].to_list()),
    "actors": sorted(_ev.filter(_pl.col("kind") == "actor_spawn")["actor"].to_list()),
    "work": _ev.filter((_pl.col("kind") == "msg_send") & (_pl.col("msg_type") == "work")).height,
    "rows": canvas.rows,
}))
"""


def kernel(page, code: str) -> str:
    out = page.evaluate(KERNEL_STDOUT, code)
    assert "KERNEL-ERROR" not in out, out
    return out


def summary(page) -> dict:
    return json.loads(kernel(page, SUMMARY).strip().splitlines()[-1])


def ray_processes(tmp: str) -> list[int]:
    """Processes whose command line names this cluster's private Ray directory."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if tmp.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def ray_page(browser, jupyter, artifacts):
    require_ray()
    put_notebook(jupyter, NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{jupyter}/lab/tree/{NOTEBOOK}")
    run_all(page)
    tmp = None
    try:
        # queued behind the cells just started: answers once the cluster is up and used
        tmp = kernel(page, "print(cluster.tmp_dir)").strip()
        page.wait_for_selector(f"{CANVAS}[data-ready='1']", timeout=120_000)
        page.locator(CANVAS).scroll_into_view_if_needed()
        yield page
    finally:
        with contextlib.suppress(Exception):
            kernel(page, "live.close()\ncluster.shutdown()\nprint(cluster)")
        page.close()
        # whatever happened in the kernel, no Ray process of this cluster outlives the test
        left = ray_processes(tmp) if tmp else []
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"Ray processes left after cluster.shutdown(): {left}"
    assert not [e for e in errors if "meshlab" in e.lower()], errors


def wait_summary(page, predicate, what: str, timeout: float = 60.0):
    import time

    deadline = time.monotonic() + timeout
    while True:
        s = summary(page)
        if predicate(s):
            return s
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {s}")
        page.wait_for_timeout(500)


def select_in_kernel(page, name: str) -> str:
    """The kernel selects ``name``; the browser's inspector title once it shows it."""
    kernel(page, f"canvas.selected = {name!r}")
    page.wait_for_function(
        f"document.querySelector('{CANVAS}').dataset.selected === {json.dumps(name)}",
        timeout=15_000,
    )
    page.wait_for_selector(f"{CANVAS} .ml-inspector .ml-title", timeout=15_000)
    return page.inner_text(f"{CANVAS} .ml-inspector .ml-title")


def test_ray_nodes_and_actors_are_drawn(ray_page, artifacts):
    page = ray_page
    # the kernel's live source: the two Ray nodes, the driver, supervisor and three workers,
    # and the supervisor's six calls (two rounds to three workers)
    s = wait_summary(
        page,
        lambda s: len(s["nodes"]) >= 2 and len(s["actors"]) >= 5 and s["work"] >= 6,
        "the cluster in the live source",
    )
    assert len(s["nodes"]) == 2 and all(n.startswith("node-") for n in s["nodes"]), s
    workers = [a for a in s["actors"] if a.startswith("Worker#")]
    assert len(workers) == 3 and {"driver", "supervisor"} <= set(s["actors"]), s
    assert s["work"] == 6, s
    # the browser holds what the kernel's canvas sent, and draws it
    page.wait_for_function(
        f"parseInt(document.querySelector('{CANVAS}').dataset.rows) >= {s['rows']}",
        timeout=30_000,
    )
    counts = page.evaluate(PIXELS, {"node_up": NODE_UP, "idle": IDLE})
    page.locator(CANVAS).screenshot(path=str(artifacts / "ray-01-cluster.png"))
    assert counts["node_up"] > 20_000, counts  # two node regions
    assert counts["idle"] > 100, counts  # idle actor glyphs
    for node in s["nodes"]:
        assert node in select_in_kernel(page, f"node:{node}")
    for actor in ["supervisor", *workers]:
        title = select_in_kernel(page, actor)
        assert actor in title, title
        # drawn in the scene: the canvas reports where the selected glyph is
        page.wait_for_function(f"document.querySelector('{CANVAS}').dataset.selectedXy")
    page.locator(CANVAS).screenshot(path=str(artifacts / "ray-02-worker-selected.png"))


# the supervisor's first call to a worker, and the middle of its flight (send → queued)
FIRST_CALL = """
import polars as _pl
_ev = live.events.with_columns(kind=_pl.col("kind").cast(_pl.String))
_send = _ev.filter((_pl.col("kind") == "msg_send") & (_pl.col("msg_type") == "work")).sort("t")
_id = _send["msg_id"][0]
_recv = _ev.filter((_pl.col("kind") == "msg_recv") & (_pl.col("msg_id") == _id))
print(repr((_send["t"][0] + _recv["t"][0]) / 2), _send["actor"][0], _send["peer"][0])
"""


def test_ray_call_is_drawn_in_flight(ray_page, artifacts):
    page = ray_page
    t, caller, callee = kernel(page, FIRST_CALL).split()
    assert caller == "supervisor" and callee.startswith("Worker#"), (caller, callee)
    kernel(page, f"canvas.selected = ''\ncanvas.time = {t}")
    page.wait_for_function(
        f"Math.abs(parseFloat(document.querySelector('{CANVAS}').dataset.time) - {t}) < 1e-6",
        timeout=15_000,
    )
    # the call travelling from the supervisor to its worker at that moment
    in_flight = int(page.get_attribute(CANVAS, "data-in-flight"))
    page.locator(CANVAS).screenshot(path=str(artifacts / "ray-03-call-in-flight.png"))
    assert in_flight >= 1, in_flight


def test_removed_ray_node_is_drawn_down(ray_page, artifacts):
    page = ray_page
    kernel(page, "canvas.selected = ''")
    # following live again (the kernel moved the playhead back before)
    page.click(f"{CANVAS} .ml-live")
    page.wait_for_selector(f"{CANVAS} .ml-live.ml-on")
    before = page.evaluate(PIXELS, {"down": DOWN})["down"]  # a few text pixels of that shade
    out = kernel(page, "print('removed', cluster.remove_node(cluster.workers[0]))")
    victim = out.split("removed ")[-1].split()[0]  # Ray may print notices of its own
    assert victim.startswith("node-"), out
    # Ray's GCS declares the node dead after its failed health checks (~5 s with
    # start_local_cluster's check every second)
    page.wait_for_function(
        f"() => ({PIXELS})({json.dumps({'down': DOWN})}).down > {before} + 5000",
        timeout=90_000,
    )
    page.locator(CANVAS).screenshot(path=str(artifacts / "ray-04-node-down.png"))
    title = select_in_kernel(page, f"node:{victim}")
    assert victim in title and "down" in title.lower(), (title, out)
