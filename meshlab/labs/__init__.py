"""Course labs: a scenario, a fault schedule and the checks that grade a student's answer.

Each lab is a module with ``run(answer, seed=)`` returning a trace, ``checks(trace)``
returning :mod:`meshlab.checks` results, ``grade(answer, seeds=)`` returning a scored report,
``SCORING`` (points per check, :mod:`meshlab.labs.scoring`) and ``ANSWER``, the name of what
the student writes (the ``Candidate`` class). The notebooks under ``notebooks/labs/`` hand the
labs out; ``meshlab lab export NAME`` writes a student's copy, ``meshlab grade FOLDER`` grades
what comes back.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from meshlab.labs.loading import load_actor, load_answer

# lab name -> (module, notebook under notebooks/labs/)
LABS = {
    "leader-election": ("meshlab.labs.leader_election", "leader-election.ipynb"),
    "broadcast": ("meshlab.labs.broadcast", "broadcast.ipynb"),
    "supervision": ("meshlab.labs.supervision", "supervision.ipynb"),
}


def lab_module(name: str) -> ModuleType:
    """The module of the lab called ``name`` (``"leader-election"``)."""
    if name not in LABS:
        raise ValueError(f"no lab called {name!r}; the labs are: {', '.join(sorted(LABS))}")
    return importlib.import_module(LABS[name][0])


__all__ = ["LABS", "lab_module", "load_actor", "load_answer"]
