"""Course labs: a scenario, a fault schedule and the checks that grade a student's actor.

Each lab is a module with ``run(actor_cls, seed=)`` returning a trace, ``checks(trace)``
returning :mod:`meshlab.checks` results, and ``grade(actor_cls, seeds=)`` returning a report.
The student writes only the actor; the notebooks under ``notebooks/labs/`` hand it out.
"""

from meshlab.labs.loading import load_actor

__all__ = ["load_actor"]
