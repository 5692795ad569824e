"""What the engine and the mesh agree on: the mesh methods the engine calls back, and the node
states in which a node is down.

The engine (compiled ``_core.c`` or its twin ``_core_py.py``) runs the message path and calls
back into the mesh, by name, for everything rarer than a message. :class:`MeshHooks` declares
those callbacks in one place; ``tests/test_sim_hooks.py`` checks that the mesh implements them
and that both engines call exactly these and no others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from meshlab.sim.actor import Cell
    from meshlab.sim.net import Latency

# A node in one of these states runs nothing: messages to it are dropped as ``node_down`` and
# nothing is placed on it. The compiled core reads this tuple when it is imported.
DOWN_STATES: tuple[str, ...] = ("down", "left")

# A node in one of these states is up (it runs what it has, messages reach it) but takes no
# new actors: no placement policy chooses it, a supervisor restarts a child elsewhere, and an
# explicit ``node=`` onto it is refused. The plain mesh's operational states (``cordon``,
# ``drain``, ``maintenance``) and those MeshOS's maintenance machine sets
# (meshlab.meshos.maintenance), which only MeshOS itself may still run daemons on.
CLOSED_STATES: tuple[str, ...] = (
    "cordon",
    "drain",
    "maintenance",
    "entering_maintenance",
    "exiting_maintenance",
    "recovery",
    "drain_failed",
)

# Entering one of these states moves the node's supervised actors off it: each is stopped with
# reason ``drain`` and its supervisor starts it again on a node that takes new actors.
DRAIN_STATES: tuple[str, ...] = ("drain", "maintenance", "entering_maintenance")


@runtime_checkable
class MeshHooks(Protocol):
    """The callbacks the engine makes into the mesh (see :class:`~meshlab.sim.Mesh`)."""

    def _drop(self, node: str, dst: str, src: str, mid: int, msg_type: str, reason: str) -> None:
        """A message was dropped at ``node``: record a ``msg_drop`` with ``reason``."""

    def _route(self, a: str, b: str) -> tuple[float | None, Latency, float]:
        """The link from node ``a`` to ``b``: (constant latency or None, distribution, loss)."""
        ...

    def _lose(self, arg: tuple[str, str, str, int, str]) -> None:
        """A lost message's arrival time came: ``(dst_node, dst, src, msg_id, msg_type)``."""

    def _crashed(self, cell: Cell, exc: Exception) -> None:
        """A handler raised ``exc``: the actor fails."""

    def _cost(self, cell: Cell, mid: int, src: str, msg_type: str, body: Any) -> float:
        """Seconds of processing for a message, when the actor's cost is not a constant;
        raises :class:`~meshlab.sim.CostError` for a cost that is not usable."""
        ...


HOOKS: tuple[str, ...] = tuple(
    name for name, value in vars(MeshHooks).items() if name[:1] == "_" and callable(value)
    and not name.startswith("__")
)  # fmt: skip
