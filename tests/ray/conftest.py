"""A real local Ray cluster for the Ray tests (see tests/raykit.py for the gate).

The cluster follows the notes measured on a 2-core machine: a private ``RAY_TMPDIR``, Ray's
memory monitor off, one CPU per node, ``num_cpus=0`` actors, and it is shut down after.
"""

from __future__ import annotations

import pytest
from raykit import Serve, free_port, require_ray


@pytest.fixture(scope="package")
def ray_cluster():
    """A 2-node Ray cluster pushing its events to a ``meshlab serve --ray`` on loopback.

    ``meshlab.ray.start_local_cluster`` carries the start-up workarounds for a loaded 2-core
    machine (private ``RAY_TMPDIR``, memory monitor off, warmed agent imports, priority,
    retries); the server here is raykit's ``Serve``, which keeps its stderr for the tests."""
    require_ray()
    import ray

    from meshlab.ray.local import start_local_cluster

    local = start_local_cluster(nodes=1, receiver_port=free_port())
    serve = None
    try:
        serve = Serve(local.address, "--receiver-port", str(local.receiver_port))
        ray.init(address=local.address, logging_level="ERROR", log_to_driver=False)
        yield {"cluster": local.cluster, "worker": local.workers[0], "serve": serve, "ray": ray}
    finally:
        if serve is not None:
            serve.stop()
        local.shutdown()  # the driver, the cluster, the environment
