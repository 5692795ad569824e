"""Record real Ray Event Export payloads and state API rows as fixtures for the mapping tests.

Run by hand (``.venv/bin/python tests/data/ray/record.py``): starts a 2-node local Ray cluster
with the export pointed at an in-process collector, runs the scenarios the mapping tests use
(driver -> supervisor -> workers fan-out, a method that raises, an actor that dies with
``max_restarts=2``, a node removed without grace) and writes every POSTed body, in arrival
order, to ``export_posts.json``, and ``list_nodes`` / ``list_actors`` rows taken mid-run to
``state_api.json``. The fixtures are real payloads; nothing here is edited by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    posts: list[dict] = []
    marks: dict[str, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            posts.append({"received": time.time(), "body": json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    os.environ["RAY_DASHBOARD_AGGREGATOR_AGENT_EVENTS_EXPORT_ADDR"] = (
        f"http://127.0.0.1:{srv.server_address[1]}"
    )
    # Ray reads these names exactly as spelled, lower case included.
    os.environ.update(
        {
            "RAY_enable_core_worker_ray_event_to_aggregator": "true",
            "RAY_enable_ray_event": "true",
            "RAY_memory_monitor_refresh_ms": "0",
        }
    )
    os.environ.setdefault("RAY_TMPDIR", tempfile.mkdtemp(prefix="rayfx"))

    import ray
    from ray.cluster_utils import Cluster
    from ray.util import state

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": True}
    )
    worker_node = cluster.add_node(num_cpus=1, resources={"n1": 10})
    ray.init(address=cluster.address)
    cluster.wait_for_nodes()

    @ray.remote(num_cpus=0)
    class Worker:
        def work(self, x):
            time.sleep(0.05)
            return x * 2

        def boom(self):
            raise ValueError("bad input")

    @ray.remote(num_cpus=0)
    class Supervisor:
        def __init__(self, n):
            self.workers = [Worker.remote() for _ in range(n)]

        def fan_out(self):
            return sum(ray.get([w.work.remote(i) for i, w in enumerate(self.workers)]))

    @ray.remote(num_cpus=0, max_restarts=2)
    class Fragile:
        def ping(self):
            return os.getpid()

        def die(self):
            os._exit(1)

    sup = Supervisor.options(name="supervisor").remote(3)
    marks["fan_out"] = time.time()
    assert ray.get(sup.fan_out.remote()) == 6
    plain = Worker.remote()
    marks["raise"] = time.time()
    with contextlib.suppress(ray.exceptions.RayTaskError):
        ray.get(plain.boom.remote())
    fragile = Fragile.options(name="fragile", resources={"n1": 1}).remote()
    ray.get(fragile.ping.remote())
    for i in range(3):
        marks[f"die{i}"] = time.time()
        with contextlib.suppress(ray.exceptions.RayActorError):
            ray.get(fragile.die.remote())
        if i < 2:
            # the restarted actor answers again (ray retries the ping until it is ALIVE)
            for _ in range(50):
                try:
                    ray.get(fragile.ping.remote())
                    break
                except ray.exceptions.RayActorError:
                    time.sleep(0.2)
    pinned = Worker.options(name="pinned", resources={"n1": 1}, max_restarts=1).remote()
    ray.get(pinned.work.remote(1))
    time.sleep(2)
    snapshot = {
        "nodes": [asdict(n) for n in state.list_nodes(detail=True)],
        "actors": [asdict(a) for a in state.list_actors(detail=True)],
    }
    marks["remove_node"] = time.time()
    cluster.remove_node(worker_node, allow_graceful=False)
    deadline = time.time() + 40
    while time.time() < deadline:
        nodes = state.list_nodes(detail=True)
        if any(n["state"] == "DEAD" for n in nodes):
            break
        time.sleep(1)
    time.sleep(4)
    ray.shutdown()
    cluster.shutdown()
    srv.shutdown()
    (HERE / "export_posts.json").write_text(
        json.dumps({"marks": marks, "posts": posts}, indent=1, default=str) + "\n"
    )
    (HERE / "state_api.json").write_text(json.dumps(snapshot, indent=1, default=str) + "\n")
    n = sum(len(p["body"]) for p in posts)
    print(f"{len(posts)} posts, {n} events")


if __name__ == "__main__":
    main()
