"""``meshlab serve --ray ADDRESS``: the options and the source (the rest is ``serve``'s)."""

from __future__ import annotations

from meshlab.cli import CliError


def add_arguments(p) -> None:
    g = p.add_argument_group("following a Ray cluster (--ray)")
    g.add_argument(
        "--receiver-host",
        default="127.0.0.1",
        help="address the Ray event receiver binds (default 127.0.0.1)",
    )
    g.add_argument(
        "--receiver-port",
        type=int,
        default=8766,
        help="port of the Ray event receiver (default 8766; 0 picks one); start Ray with "
        "`meshlab ray-env` or meshlab.ray.export_env(url) pointing at it",
    )
    g.add_argument(
        "--ray-poll",
        action="store_true",
        help="follow by polling Ray's state API (for a cluster started without the export)",
    )
    g.add_argument(
        "--poll-interval", type=float, default=2.0, help="seconds between polls (default 2)"
    )


def source(args):
    """The Ray source for ``serve`` and its name."""
    if not 0 <= args.receiver_port <= 65535:
        raise CliError(f"--receiver-port must be between 0 and 65535, got {args.receiver_port}")
    from meshlab.ray.source import RaySource, RayUnavailable

    try:
        src = RaySource(
            args.ray,
            receiver_host=args.receiver_host,
            receiver_port=args.receiver_port,
            poll=args.ray_poll,
            poll_interval=args.poll_interval,
        )
    except RayUnavailable as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(
            f"cannot listen for Ray events on {args.receiver_host}:{args.receiver_port} "
            f"({exc.strerror or exc}); pick another --receiver-port, or 0 for a free one"
        ) from None
    return src, args.name or "ray"
