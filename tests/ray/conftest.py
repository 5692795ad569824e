"""A real local Ray cluster for the Ray tests (see tests/raykit.py for the gate).

The cluster follows the notes measured on a 2-core machine: a private ``RAY_TMPDIR``, Ray's
memory monitor off, one CPU per node, ``num_cpus=0`` actors, and it is shut down after.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import pytest
from raykit import Serve, free_port, require_ray

from meshlab.ray.env import export_env


@pytest.fixture(scope="package")
def ray_cluster():
    """A 2-node Ray cluster pushing its events to a ``meshlab serve --ray`` on loopback."""
    require_ray()
    import ray
    from ray.cluster_utils import Cluster

    receiver_port = free_port()
    saved = dict(os.environ)
    tmp = tempfile.mkdtemp(prefix="mlray", dir="/tmp")  # short: Ray's socket paths are long
    os.environ.update(export_env(f"http://127.0.0.1:{receiver_port}"))
    os.environ["RAY_TMPDIR"] = tmp
    os.environ["RAY_raylet_start_wait_time_s"] = "120"  # noqa: SIM112 (a loaded machine)
    os.environ["RAY_memory_monitor_refresh_ms"] = "0"  # noqa: SIM112 (Ray spells it so)
    _raise_priority()
    _warm_imports()
    cluster, worker = _start_cluster(Cluster)
    serve = None
    try:
        serve = Serve(cluster.address, "--receiver-port", str(receiver_port))
        ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
        yield {"cluster": cluster, "worker": worker, "serve": serve, "ray": ray}
    finally:
        with contextlib.suppress(Exception):
            ray.shutdown()
        with contextlib.suppress(Exception):
            cluster.shutdown()
        if serve is not None:
            serve.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)


def _start_cluster(Cluster):
    """Head + one worker node. Ray gives a raylet a fixed 30 s to register, which a loaded
    2-core machine can miss: one more try then."""
    for attempt in range(4):
        cluster = Cluster()
        try:
            cluster.add_node(num_cpus=1, include_dashboard=True, dashboard_port=free_port())
            worker = cluster.add_node(num_cpus=1, resources={"n1": 10})
            cluster.wait_for_nodes()
            return cluster, worker
        except Exception:
            cluster.shutdown()
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _raise_priority() -> None:
    """Ray's raylet gives its dashboard agent ~15 s to start (not configurable in 2.60); on
    a loaded 2-core machine the agent's imports take longer and the node dies. Ray's
    processes inherit this priority from the test process, which is all it needs."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, min(os.getpriority(os.PRIO_PROCESS, 0), -10))


def _warm_imports() -> None:
    """Import the dashboard agent's modules once in a child process, so that the agents Ray
    starts find them in the page cache and bind their ports within the raylet's window."""
    import subprocess
    import sys

    mods = [
        "ray.dashboard.agent",
        "ray.dashboard.modules.reporter.reporter_agent",
        "ray.dashboard.modules.aggregator.aggregator_agent",
    ]
    code = f"import {', '.join(mods)}"
    subprocess.run([sys.executable, "-c", code], check=False, timeout=300)
