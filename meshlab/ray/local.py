"""A small Ray cluster on this machine that pushes its events to meshlab (notebooks, tests).

``start_local_cluster()`` starts a head and ``nodes`` worker nodes with
``ray.cluster_utils.Cluster``, with the Event Export pointed at a receiver port chosen first, so
that ``cluster.serve()`` (``meshlab serve --ray`` on that port) sees everything from the start.
It carries the start-up workarounds measured on a loaded 2-core machine: a private
``RAY_TMPDIR`` (short, Ray's socket paths are long), Ray's memory monitor off, the dashboard
agent's imports warmed, a higher priority for Ray's processes when allowed, and retries; and
the GCS checks its nodes' health every second, so that a killed node is declared dead in
about 5 s rather than 15.
``shutdown()`` (also run at interpreter exit) stops the servers it started, the cluster and
the driver, and puts the environment back.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from meshlab.live.process import ServerProcess, launch
from meshlab.ray.env import export_env
from meshlab.ray.ids import node_name

# modules the dashboard agent imports at start; see _warm_imports
_AGENT_MODULES = (
    "ray.dashboard.agent",
    "ray.dashboard.modules.reporter.reporter_agent",
    "ray.dashboard.modules.aggregator.aggregator_agent",
)


class LocalCluster:
    """A running local Ray cluster with the export on; see :func:`start_local_cluster`.

    ``address`` is the GCS ``host:port``; ``receiver_url`` where its nodes POST their events;
    ``workers`` the worker nodes (Ray ``Node`` objects) in start order; ``tmp_dir`` its
    private ``RAY_TMPDIR`` (removed at shutdown).
    """

    def __init__(self, cluster: Any, workers: list[Any], receiver_port: int, undo: _Undo) -> None:
        self.cluster = cluster
        self.workers = workers
        self.receiver_port = receiver_port
        self.receiver_url = f"http://127.0.0.1:{receiver_port}"
        self.address: str = cluster.address
        self.tmp_dir: str = undo.tmp  # RAY_TMPDIR: its sessions, logs and sockets
        self._undo = undo
        self._servers: list[ServerProcess] = []
        self._closed = False
        atexit.register(self.shutdown)

    def serve(self, *, port: int = 0, heartbeat: float | None = 1.0) -> ServerProcess:
        """Start ``meshlab serve --ray`` on this cluster and its receiver port; returns the
        running server (``.url`` for ``ml.connect``). Stopped by :meth:`shutdown` if still up."""
        if any(s.alive for s in self._servers):
            raise RuntimeError("this cluster already has a meshlab serve --ray on its receiver")
        args = [sys.executable, "-m", "meshlab", "serve", "--ray", self.address]
        args += ["--receiver-port", str(self.receiver_port), "--port", str(port)]
        if heartbeat is not None:
            args += ["--heartbeat", str(heartbeat)]
        # reading the cluster's state at start-up takes Ray's imports: seconds on a busy machine
        server = launch(args, dict(os.environ), startup_timeout=120.0)
        self._servers.append(server)
        return server

    @staticmethod
    def node_name(node: Any) -> str:
        """The name meshlab gives a Ray node (``node-`` + 8 hex digits of its id)."""
        return node_name(node.node_id)

    def remove_node(self, node: Any, *, graceful: bool = False) -> str:
        """Kill a worker node (without grace by default: Ray declares it dead ~13 s later);
        returns its meshlab name."""
        name = self.node_name(node)
        self.cluster.remove_node(node, allow_graceful=graceful)
        self.workers = [w for w in self.workers if w is not node]
        return name

    def shutdown(self) -> None:
        """Stop the servers started by :meth:`serve`, this process's Ray driver and the
        cluster; restore the environment and priority. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.shutdown)
        for server in self._servers:
            with contextlib.suppress(Exception):
                server.stop()
        with contextlib.suppress(Exception):
            import ray

            ray.shutdown()
        with contextlib.suppress(Exception):
            self.cluster.shutdown()
        _kill_processes_of(self.tmp_dir)  # whatever Ray's shutdown left running
        self._undo()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        state = "shut down" if self._closed else f"head + {len(self.workers)} worker nodes"
        return f"<LocalCluster {self.address} ({state}), export to {self.receiver_url}>"


class _Undo:
    """Puts back what starting the cluster changed in this process."""

    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.nice = _priority()
        self.tmp = tempfile.mkdtemp(prefix="mlray", dir="/tmp")

    def __call__(self) -> None:
        os.environ.clear()
        os.environ.update(self.env)
        if self.nice is not None:
            with contextlib.suppress(OSError):  # raising a niceness is always allowed
                os.setpriority(os.PRIO_PROCESS, 0, self.nice)
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_local_cluster(
    *,
    nodes: int = 1,
    num_cpus: int = 1,
    receiver_port: int = 0,
    attempts: int = 4,
    nice: int | None = -10,
    export: bool = True,
) -> LocalCluster:
    """Start a head and ``nodes`` worker nodes (``num_cpus`` each; the head has the custom
    resource ``head`` and worker node *i* ``n<i+1>``, so actors can be pinned to a node)
    pushing Ray's events to ``http://127.0.0.1:<receiver_port>`` (0: a free port). It connects
    nothing: ``ray.init(address=cluster.address)`` makes a driver, ``cluster.serve()`` starts
    meshlab on the receiver.

    ``nice``: the niceness asked for while the cluster runs (Ray's processes inherit it; on a
    busy machine the raylet otherwise kills a dashboard agent slower than its fixed ~15 s to
    start); ignored without permission, None leaves it alone. A failed start is retried up to
    ``attempts`` times. ``export=False`` starts the same cluster without the Event Export (to
    compare an application's cost with and without it; ``serve()`` then has nothing to receive).

    Examples
    --------
    >>> start_local_cluster(nodes=-1)
    Traceback (most recent call last):
    ...
    ValueError: nodes must be 0 or more worker nodes, got -1
    """
    if nodes < 0:
        raise ValueError(f"nodes must be 0 or more worker nodes, got {nodes}")
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    try:
        from ray.cluster_utils import Cluster
    except ImportError:
        raise RuntimeError(
            "a local Ray cluster needs Ray: pip install 'meshlab[ray]' (ray[default])"
        ) from None
    port = receiver_port or _free_port()
    undo = _Undo()
    try:
        exported = export_env(f"http://127.0.0.1:{port}")
        for name in exported:  # a cluster started earlier in this process may have set them
            os.environ.pop(name, None)
        if export:
            os.environ.update(exported)
        os.environ["RAY_TMPDIR"] = undo.tmp  # temp_dir= alone crashed Ray 2.60
        os.environ["RAY_raylet_start_wait_time_s"] = "120"  # noqa: SIM112 (Ray spells it so)
        # Ray's memory monitor kills workers when other processes fill a shared machine
        os.environ["RAY_memory_monitor_refresh_ms"] = "0"  # noqa: SIM112
        # the GCS checks each raylet every second instead of every 3 s: a killed node is
        # declared dead after its 5 failed checks, ~5 s instead of ~15 s; a slow but live
        # raylet still has each check's 10 s to answer
        os.environ.setdefault("RAY_health_check_period_ms", "1000")
        if nice is not None and undo.nice is not None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, 0, min(undo.nice, nice))
        _warm_imports()
        cluster, workers = _start(Cluster, nodes, num_cpus, attempts, undo.tmp)
    except BaseException:
        undo()
        raise
    return LocalCluster(cluster, workers, port, undo)


def _start(
    Cluster: Any, nodes: int, num_cpus: int, attempts: int, tmp: str
) -> tuple[Any, list[Any]]:
    """Ray gives a raylet a fixed window to register and its agent to bind ports, which a
    loaded 2-core machine can miss: then the whole start is tried again, after the processes
    of the failed start are gone (``Cluster.shutdown`` does not know a node whose start
    failed: its GCS, dashboard and monitor went on running)."""
    for attempt in range(attempts):
        cluster = Cluster()
        try:
            cluster.add_node(
                num_cpus=num_cpus,
                resources={"head": 10},
                include_dashboard=True,
                dashboard_port=_free_port(),
            )
            workers = [
                cluster.add_node(num_cpus=num_cpus, resources={f"n{i + 1}": 10})
                for i in range(nodes)
            ]
            cluster.wait_for_nodes()
            return cluster, workers
        except Exception:
            with contextlib.suppress(Exception):
                cluster.shutdown()
            _kill_processes_of(tmp)
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _kill_processes_of(tmp: str) -> list[int]:
    """SIGKILL every process whose command line names ``tmp``, the cluster's private
    ``RAY_TMPDIR`` (Ray's GCS, raylets, agents, dashboard and monitor all name their session
    directory in it); returns their ids. Linux's /proc only: elsewhere nothing is found."""
    needle = (tmp.rstrip("/") + "/").encode()
    killed: list[int] = []
    try:
        entries = [e for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return killed
    for entry in entries:
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            if needle not in (entry / "cmdline").read_bytes():
                continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
        killed.append(pid)
    return killed


def _warm_imports() -> None:
    """Import the dashboard agent's modules once in a child process, so that the agents Ray
    starts find them in the page cache and bind their ports within the raylet's window."""
    code = f"import {', '.join(_AGENT_MODULES)}"
    subprocess.run([sys.executable, "-c", code], check=False, timeout=300)


def _priority() -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
