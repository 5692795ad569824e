"""``meshlab serve``: run a scenario paced to wall time, or replay a trace, as a live node.

On start it prints one JSON line to stdout (``{"event": "listening", "url": ...}``) so that
programs can wait for it, and a human-readable line to stderr.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import sys
from pathlib import Path

from meshlab.cli import CliError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a scenario or a recorded trace as a live node (WebSocket + /metrics)",
        description="Serve a scenario paced to wall time, or replay a trace, as a live node. "
        "The event stream is a WebSocket on ws://HOST:PORT/, Prometheus metrics are on "
        "/metrics and health on /healthz.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--scenario", metavar="NAME", help="a built-in scenario to run")
    what.add_argument("--trace", metavar="FILE", help="a recorded trace to replay")
    p.add_argument("--seed", type=int, default=0, help="scenario seed (default 0)")
    p.add_argument("--nodes", type=int, default=None, help="number of scenario nodes")
    p.add_argument(
        "--until", type=float, default=None, help="virtual time to stop at (scenario default)"
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="virtual seconds per wall second (default 1)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks one)")
    p.add_argument("--name", default=None, help="this node's name in hellos (default: scenario)")
    p.add_argument(
        "--token",
        default=None,
        help="token that control actions need (default: $MESHLAB_TOKEN; none disables control)",
    )
    p.add_argument(
        "--stream-token",
        default=None,
        help="also require a token to stream (default: streaming is open)",
    )
    p.add_argument("--heartbeat", type=float, default=1.0, help="heartbeat seconds (default 1)")
    p.set_defaults(func=run)


def run(args) -> int:
    if not args.speed > 0 or not math.isfinite(args.speed):
        raise CliError(f"--speed must be a positive number, got {args.speed}")
    if not args.heartbeat > 0:
        raise CliError(f"--heartbeat must be a positive number of seconds, got {args.heartbeat}")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, got {args.port}")
    source, name = _source(args)
    token = args.token or os.environ.get("MESHLAB_TOKEN") or None
    try:
        asyncio.run(_serve(source, name, args, token))
    except OSError as exc:
        raise CliError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "pick another --port, or --port 0 for a free one"
        ) from None
    return 0


def _source(args):
    from meshlab.live.sources import SimSource, TraceSource

    if args.scenario:
        from meshlab import scenarios

        try:
            mesh, default_until = scenarios.build(args.scenario, seed=args.seed, nodes=args.nodes)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        until = default_until if args.until is None else args.until
        source = SimSource(
            mesh, scenario=args.scenario, seed=args.seed, until=until, speed=args.speed
        )
        return source, args.name or args.scenario
    path = Path(args.trace)
    if not path.exists():
        raise CliError(f"no trace file at {path}; record one with `meshlab run ... --out FILE`")
    from meshlab.trace import load

    trace = load(path)
    return TraceSource(trace, speed=args.speed, path=str(path)), args.name or path.stem


async def _serve(source, name: str, args, token: str | None) -> None:
    from meshlab.live.server import NodeServer

    server = NodeServer(
        source,
        name=name,
        host=args.host,
        port=args.port,
        token=token,
        stream_token=args.stream_token,
        heartbeat=args.heartbeat,
    )
    await server.start()
    base = f"http://{args.host}:{server.port}"
    ready = {
        "event": "listening",
        "url": server.url,
        "metrics": f"{base}/metrics",
        "healthz": f"{base}/healthz",
        "name": name,
        "port": server.port,
        "pid": os.getpid(),
        "control": token is not None,
    }
    print(json.dumps(ready), flush=True)
    what = f"scenario {args.scenario} (seed {args.seed})" if args.scenario else args.trace
    print(
        f"meshlab serve: {what} as {name!r} on {server.url}  metrics {ready['metrics']}  "
        f"control {'on (token)' if token else 'off'}  — Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
