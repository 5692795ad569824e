"""``meshlab ray-env``: the environment to start Ray with so it pushes events to meshlab."""

from __future__ import annotations

from meshlab.cli import CliError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "ray-env",
        help="print the environment that makes Ray push its events to `meshlab serve --ray`",
        description="Print `export NAME=value` lines: source them before `ray start` (every "
        "node) and before your driver, so that Ray's Event Export posts to meshlab.",
    )
    p.add_argument(
        "--url",
        default="http://127.0.0.1:8766",
        help="the receiver of `meshlab serve --ray` (default http://127.0.0.1:8766)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab.ray.env import shell_lines

    try:
        print(shell_lines(args.url))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return 0
