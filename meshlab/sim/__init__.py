"""The deterministic actor simulator: a small discrete-event kernel with actors on top."""

from meshlab.sim.actor import Actor, Context, UnhandledMessage
from meshlab.sim.cost import CostError, Message
from meshlab.sim.limits import HandlerTimeout, LimitError
from meshlab.sim.mesh import Mesh
from meshlab.sim.net import Constant, Exponential, LogNormal, Uniform
from meshlab.sim.supervision import Backoff, ChildSpec, Supervisor

__all__ = [
    "Actor",
    "Backoff",
    "ChildSpec",
    "Constant",
    "Context",
    "CostError",
    "Exponential",
    "HandlerTimeout",
    "LimitError",
    "LogNormal",
    "Mesh",
    "Message",
    "Supervisor",
    "UnhandledMessage",
    "Uniform",
]
