"""What-if forks: run again from any instant with one thing changed, and compare.

>>> import meshlab as ml
>>> a = ml.Run("node-failure", seed=1)            # a built-in scenario (or your build function)
>>> b = a.fork(ml.fork.crash("dispatcher"), at=1.0)
>>> a.diff(b).first.t                              # where they part
1.0

Changes: :func:`kill_node`, :func:`node_up`, :func:`crash`, :func:`partition`, :func:`heal`,
:func:`lose` (a message), :func:`prevent` (a fault that happened does not),
:func:`set_link` (latency, loss), :func:`set_supervisor` (intensity). Many seeds at once:
:func:`meshlab.sweep`.
"""

from meshlab.fork.changes import (
    Change,
    crash,
    heal,
    kill_node,
    lose,
    node_up,
    partition,
    prevent,
    set_link,
    set_supervisor,
)
from meshlab.fork.diff import Comparison, Divergence, compare
from meshlab.fork.run import CannotReplay, Run
from meshlab.fork.sweeps import Sweep, sweep

__all__ = [
    "CannotReplay",
    "Change",
    "Comparison",
    "Divergence",
    "Run",
    "Sweep",
    "compare",
    "crash",
    "heal",
    "kill_node",
    "lose",
    "node_up",
    "partition",
    "prevent",
    "set_link",
    "set_supervisor",
    "sweep",
]
