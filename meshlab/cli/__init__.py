"""The ``meshlab`` command. Each subcommand lives in its own module under ``meshlab.cli``.

Errors a user can fix are raised as :class:`CliError` and printed as one line with a
non-zero exit, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

# subcommand -> module; each module defines ``add_parser(subparsers)`` and ``run(args) -> int``
COMMANDS = {
    "scenarios": "meshlab.cli.scenarios",
    "run": "meshlab.cli.run",
    "info": "meshlab.cli.info",
    "bench": "meshlab.cli.bench",
    "replay": "meshlab.cli.replay",
    "serve": "meshlab.cli.serve",
    "record": "meshlab.cli.record",
    "attach": "meshlab.cli.attach",
    "ray-env": "meshlab.cli.ray_env",
    "export": "meshlab.cli.export",
    "grade": "meshlab.cli.grade",
    "lab": "meshlab.cli.lab",
}


class CliError(Exception):
    """A problem with the user's input, printed as ``meshlab: error: <message>``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meshlab", description="See an actor mesh: simulate, record, replay, serve."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for modname in COMMANDS.values():
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue  # a command whose module is not present in this build
        module.add_parser(sub)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a damaged trace, a missing compiled core) as one line, not a source excerpt."""
    print(f"meshlab: warning: {message}", file=sys.stderr)


def _reader_gone() -> int:
    """stdout's reader closed the pipe (``meshlab info x | head``): end quietly, as a Unix tool
    killed by SIGPIPE does, with its exit status 128 + 13. stdout is pointed at /dev/null so the
    interpreter's last flush of what is still buffered cannot fail again (Python's docs on
    SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def main(argv: list[str] | None = None) -> int:
    try:  # Ctrl-C while the commands' modules load is 130 too, not a traceback
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return 130
    warnings.showwarning = _one_line_warning
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that went away shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except CliError as exc:
        print(f"meshlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        # A missing file, a corrupt trace, a bad value: one clear line, not a traceback.
        print(f"meshlab: error: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        from meshlab.sim.limits import LimitError

        if not isinstance(exc, LimitError):
            raise
        # A run that hit a limit (a livelock, a hung handler): the line says where.
        print(f"meshlab: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
