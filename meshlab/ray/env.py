"""The environment that makes a Ray cluster push its events to meshlab."""

from __future__ import annotations

from urllib.parse import urlsplit

EXPORT_ADDR = "RAY_DASHBOARD_AGGREGATOR_AGENT_EVENTS_EXPORT_ADDR"


def export_env(url: str) -> dict[str, str]:
    """Environment variables to start every Ray process with (``ray start``, the driver, or
    ``ray.init`` of a local cluster) so that each node's aggregator agent POSTs Ray's events
    (nodes, actors, actor tasks, jobs, workers) to meshlab's receiver at ``url``.

    Examples
    --------
    >>> env = export_env("http://127.0.0.1:8766")
    >>> env["RAY_DASHBOARD_AGGREGATOR_AGENT_EVENTS_EXPORT_ADDR"]
    'http://127.0.0.1:8766'
    >>> sorted(env)[1:]
    ['RAY_enable_core_worker_ray_event_to_aggregator', 'RAY_enable_ray_event']
    >>> export_env("127.0.0.1:8766")
    Traceback (most recent call last):
    ...
    ValueError: the receiver URL must look like http://HOST:PORT, got '127.0.0.1:8766'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port is None:
        raise ValueError(f"the receiver URL must look like http://HOST:PORT, got {url!r}")
    return {
        EXPORT_ADDR: url.rstrip("/"),
        # task and actor-task events come from every core worker
        "RAY_enable_core_worker_ray_event_to_aggregator": "true",
        # node and actor lifecycle events come from the GCS
        "RAY_enable_ray_event": "true",
    }


def shell_lines(url: str) -> str:
    """``export NAME=value`` lines for a shell, one per variable."""
    return "\n".join(f"export {k}={v}" for k, v in export_env(url).items())
