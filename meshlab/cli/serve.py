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
    what.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="follow a running Ray cluster: 'auto' or its GCS HOST:PORT (see docs/ray.md)",
    )
    p.add_argument("--seed", type=int, default=0, help="scenario seed (default 0)")
    p.add_argument("--nodes", type=int, default=None, help="number of scenario nodes")
    p.add_argument(
        "--until", type=float, default=None, help="virtual time to stop at (scenario default)"
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="virtual seconds per wall second (default 1)"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1); any other address needs a stream token "
        "or --public",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="allow binding a non-loopback --host without a stream token (anyone who can "
        "reach the port can read the stream)",
    )
    p.add_argument(
        "--retain",
        type=int,
        default=None,
        metavar="EVENTS",
        help="events a served scenario keeps for late subscribers (default 1,000,000, about "
        "150 MB); older ones are answered with seq_gone",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks one)")
    p.add_argument("--name", default=None, help="this node's name in hellos (default: scenario)")
    p.add_argument(
        "--token",
        default=None,
        help="token that control actions need (default: $MESHLAB_TOKEN; none disables "
        "control). Visible in `ps`: prefer $MESHLAB_TOKEN or --token-file",
    )
    p.add_argument(
        "--token-file", metavar="FILE", default=None, help="read the control token from FILE"
    )
    p.add_argument(
        "--stream-token",
        default=None,
        help="also require a token to stream and to read /metrics (default: "
        "$MESHLAB_STREAM_TOKEN; none leaves streaming open). Visible in `ps`: prefer "
        "$MESHLAB_STREAM_TOKEN or --stream-token-file",
    )
    p.add_argument(
        "--stream-token-file",
        metavar="FILE",
        default=None,
        help="read the stream token from FILE",
    )
    p.add_argument("--heartbeat", type=float, default=1.0, help="heartbeat seconds (default 1)")
    p.add_argument(
        "--max-connections-per-address",
        type=int,
        default=None,
        metavar="N",
        help="open connections one client address may hold (default 128); a request past it "
        "gets HTTP 429, a connection past twice it is dropped",
    )
    from meshlab.ray.cli import add_arguments as ray_arguments

    ray_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.live.protocol import MAX_SPEED

    if not 0 < args.speed <= MAX_SPEED or not math.isfinite(args.speed):
        raise CliError(f"--speed must be a number in (0, {MAX_SPEED:g}], got {args.speed}")
    if args.retain is not None and args.retain < 1:
        raise CliError(f"--retain must be a positive number of events, got {args.retain}")
    if args.retain is not None and args.trace:
        raise CliError("--retain applies to --scenario; a served trace is held whole")
    if not args.heartbeat > 0:
        raise CliError(f"--heartbeat must be a positive number of seconds, got {args.heartbeat}")
    limit = args.max_connections_per_address
    if limit is not None and limit < 1:
        raise CliError(f"--max-connections-per-address must be at least 1, got {limit}")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, got {args.port}")
    token = _token(args.token, args.token_file, "MESHLAB_TOKEN", "--token")
    stream_token = _token(
        args.stream_token, args.stream_token_file, "MESHLAB_STREAM_TOKEN", "--stream-token"
    )
    if not _loopback(args.host):
        if stream_token is None and not args.public:
            raise CliError(
                f"--host {args.host} would let anyone who can reach this machine read the "
                "stream; set a stream token ($MESHLAB_STREAM_TOKEN or --stream-token-file) "
                "or pass --public to allow it"
            )
        if stream_token is None:
            print(
                f"meshlab serve: WARNING: serving on {args.host} with no stream token: anyone "
                "who can reach this port can read the stream and /metrics",
                file=sys.stderr,
                flush=True,
            )
    source, name = _source(args)
    try:
        asyncio.run(_serve(source, name, args, token, stream_token))
    except OSError as exc:
        raise CliError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "pick another --port, or --port 0 for a free one"
        ) from None
    return 0


def _token(given: str | None, file: str | None, env: str, flag: str) -> str | None:
    """A token from its flag, its file or its environment variable, in that order."""
    if given:
        print(
            f"meshlab serve: warning: {flag} on the command line is visible to every user in "
            f"`ps`; prefer ${env} or {flag}-file",
            file=sys.stderr,
            flush=True,
        )
        return given
    if file:
        try:
            text = Path(file).read_text().strip()
        except OSError as exc:
            raise CliError(f"cannot read {flag}-file {file} ({exc.strerror or exc})") from None
        if not text:
            raise CliError(f"{flag}-file {file} is empty")
        return text
    return os.environ.get(env) or None


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _source(args):
    if args.ray:
        from meshlab.ray.cli import source

        return source(args)
    from meshlab.live.sources import DEFAULT_RETAIN, SimSource, TraceSource

    if args.scenario:
        from meshlab import scenarios

        try:
            mesh, default_until = scenarios.build(args.scenario, seed=args.seed, nodes=args.nodes)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        until = default_until if args.until is None else args.until
        retain = DEFAULT_RETAIN if args.retain is None else args.retain
        sim = SimSource(
            mesh,
            scenario=args.scenario,
            seed=args.seed,
            until=until,
            speed=args.speed,
            retain=retain,
        )
        return sim, args.name or args.scenario
    from meshlab.cli.traces import open_trace

    path = Path(args.trace)
    trace = open_trace(path)
    return TraceSource(trace, speed=args.speed, path=str(path)), args.name or path.stem


async def _serve(source, name: str, args, token: str | None, stream_token: str | None) -> None:
    from meshlab.live.server import NodeServer

    server = NodeServer(
        source,
        name=name,
        host=args.host,
        port=args.port,
        token=token,
        stream_token=stream_token,
        heartbeat=args.heartbeat,
        clock=getattr(source, "clock_kind", "virtual"),
        **_limits(args),
    )
    if hasattr(source, "collector"):
        server.registry.register(source.collector())
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
        **(source.ready_info() if hasattr(source, "ready_info") else {}),
    }
    # Ctrl-C and SIGTERM stop the node cleanly from the moment it says it listens
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(json.dumps(ready), flush=True)
    what = f"scenario {args.scenario} (seed {args.seed})" if args.scenario else args.trace
    what = source.title() if hasattr(source, "title") else what
    print(
        f"meshlab serve: {what} as {name!r} on {server.url}  metrics {ready['metrics']}  "
        f"control {'on (token)' if token else 'off'}  — Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    await stop.wait()
    await server.stop()


def _limits(args) -> dict:
    limit = getattr(args, "max_connections_per_address", None)
    return {} if limit is None else {"max_connections_per_address": limit}
