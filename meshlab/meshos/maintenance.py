"""The maintenance state machine of a node, and the only edges it may take.

::

    active ─► entering_maintenance ─► maintenance ─► exiting_maintenance ─► recovery ─► active
                     │
                     └─► drain_failed ─► (entering_maintenance again, or exiting_maintenance)

``entering_maintenance`` drains the node: no new replicas, its replicas migrated off, its
non-essential daemons stopped, no pulls aimed at it, and it counts as absent when placements
are scored. A drain that does not finish within its timeout ends in ``drain_failed``, from
which an operator retries or gives up and exits. ``exiting_maintenance`` restarts the node's
daemons and waits for them to report healthy; ``recovery`` is the warm-up ramp before the node
takes new placements again. ``cordoned`` is the lighter admin state: no new placements, nothing
moved off.
"""

from __future__ import annotations

from typing import Final, Literal

MaintenanceState = Literal[
    "active",
    "cordoned",
    "entering_maintenance",
    "maintenance",
    "exiting_maintenance",
    "recovery",
    "drain_failed",
]

STATES: Final[tuple[MaintenanceState, ...]] = (
    "active",
    "cordoned",
    "entering_maintenance",
    "maintenance",
    "exiting_maintenance",
    "recovery",
    "drain_failed",
)

EDGES: Final[dict[str, frozenset[str]]] = {
    "active": frozenset({"cordoned", "entering_maintenance"}),
    "cordoned": frozenset({"active", "entering_maintenance"}),
    "entering_maintenance": frozenset({"maintenance", "drain_failed"}),
    "maintenance": frozenset({"exiting_maintenance"}),
    "exiting_maintenance": frozenset({"recovery"}),
    "recovery": frozenset({"active", "entering_maintenance"}),
    "drain_failed": frozenset({"entering_maintenance", "exiting_maintenance"}),
}
"""Every legal transition. Anything else is refused with :class:`IllegalTransition`."""

PLACEABLE: Final = frozenset({"active"})
"""States in which a node takes new placements (replicas, daemons, actors)."""

PRESENT: Final = frozenset({"active", "cordoned", "recovery"})
"""States in which a node's replicas count towards a blob's replica count and may be pulled
from. A draining or maintained node is treated as absent so its data is copied elsewhere."""


class IllegalTransition(ValueError):
    """A maintenance transition that is not an edge of the state machine."""


def check_transition(node: str, current: str, target: str) -> None:
    """Refuse an edge the machine does not have, saying which edges there are.

    >>> check_transition("n1", "active", "entering_maintenance")
    >>> check_transition("n1", "active", "recovery")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    meshlab.meshos.maintenance.IllegalTransition: node n1 cannot go from active to recovery; ...
    """
    if target not in EDGES:
        raise IllegalTransition(
            f"unknown maintenance state {target!r}; states are {', '.join(STATES)}"
        )
    if target not in EDGES[current]:
        allowed = ", ".join(sorted(EDGES[current]))
        raise IllegalTransition(
            f"node {node} cannot go from {current} to {target}; "
            f"from {current} it may go to {allowed}"
        )
