"""MeshOS: a cluster-behaviour engine on the simulator.

One event loop reconciles the desired state of a mesh (daemons per node role, services with a
replica count, blobs with a replica count and size) with its actual state and turns the
difference into actions. This package holds the engine's parts, each testable alone:
:mod:`~meshlab.meshos.desired` (what should be), :mod:`~meshlab.meshos.actual` (what is, as
the engine sees it), :mod:`~meshlab.meshos.plan` (the minimal actions between the two) and
:mod:`~meshlab.meshos.maintenance` (a node's maintenance state machine).
"""

from __future__ import annotations

from meshlab.meshos.actual import ActualState, DaemonView, NodeView, Transfer
from meshlab.meshos.behaviour import Behaviour, behaviour_at
from meshlab.meshos.desired import Blob, Daemon, DesiredState, Service
from meshlab.meshos.engine import MeshOS, Policy
from meshlab.meshos.maintenance import EDGES, IllegalTransition, check_transition
from meshlab.meshos.plan import Action, plan

__all__ = [
    "EDGES",
    "Action",
    "ActualState",
    "Behaviour",
    "Blob",
    "Daemon",
    "DaemonView",
    "DesiredState",
    "IllegalTransition",
    "MeshOS",
    "NodeView",
    "Policy",
    "Service",
    "Transfer",
    "behaviour_at",
    "check_transition",
    "plan",
]
