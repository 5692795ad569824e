"""``meshlab scenarios``: list the built-in scenarios with a sentence each."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("scenarios", help="list the built-in scenarios")
    p.set_defaults(func=run)


def run(args) -> int:
    from meshlab import scenarios

    for name in scenarios.names():
        sc = scenarios.get(name)
        print(f"{name:<18} {sc.summary}  (nodes={sc.nodes}, until={sc.until:g}s)")
    return 0
