"""The event kinds MeshOS adds to the contract (appended after the v2 kinds, additively).

=================  =========================================================================
kind               fields
=================  =========================================================================
``action_start``   an action begins: ``msg_id`` = action id, ``msg_type`` = the action
                   (``start_daemon``, ``pull_replica``, ...), ``node`` = where it acts,
                   ``parent`` = what it acts on (a daemon or instance id, or a blob),
                   ``peer`` = the source node of a copy, ``size`` = bytes to copy,
                   ``reason`` = its cause; ``actor`` stays null (the action is the engine's)
``action_end``     it ends: same ``msg_id`` and ``msg_type``, ``duration`` since its start,
                   ``reason`` = ``ok``, ``failed: <why>`` or ``cancelled: <why>``
``action_queued``  the reconciler wants it but backpressure holds it (``reason`` = cause)
``replica_add``    a copy of a blob settles on ``node`` (``msg_type`` = blob, ``size``,
                   ``reason`` = ``seed``, ``pull``, ``migrate``, ``rejoin`` or ``found``)
``replica_drop``   a copy goes (``reason`` = ``migrate``, ``drop``, ``node_down``, ``lost``)
``admin``          an operator's action (``msg_type`` = the action, ``node``; ``reason`` =
                   its outcome: ``applied`` or ``ignored: <why>`` when already in effect)
``rtt_sample``     a round-trip time measured from ``node`` to ``peer`` (``duration``);
                   ``reason`` = ``timeout`` when no reply came within ``duration``
=================  =========================================================================

A node's maintenance state travels as the contract's ``node_state`` (``reason`` = the state).
"""

from __future__ import annotations

from typing import Final

MESHOS_KINDS: Final[tuple[str, ...]] = (
    "action_start",
    "action_end",
    "action_queued",
    "replica_add",
    "replica_drop",
    "admin",
    "rtt_sample",
)
