"""A run that can be re-run, and forked: a recipe (what builds the mesh, the seed, the end) plus
the changes made at given times, and the trace it gives.

Replay is exact because a run is a pure function of its recipe: a fork at ``t`` builds the mesh
again, runs it to ``t`` (every event up to then is the parent's, byte for byte), applies its
change, and runs on to the end. A fork keeps its parent's changes at their times, so forks of
forks work. A recorded trace (a live stream) has no recipe: it can be compared, not re-run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from meshlab.fork.changes import Change
from meshlab.sim import Mesh
from meshlab.trace import Trace

if TYPE_CHECKING:
    from meshlab.fork.diff import Comparison

Build = Callable[..., Mesh]


class CannotReplay(ValueError):
    """A fork of a run that has no recipe to run again (a recorded trace)."""


class Run:
    """A reproducible run: ``Run("node-failure", seed=1)`` (a built-in scenario) or
    ``Run(build, seed=1, until=10.0)`` (``build(seed=...)`` returns your mesh, set up but not
    run), or ``Run(trace)`` for a recorded trace that can only be looked at.

    The trace is computed on first use (:attr:`trace`). :meth:`fork` makes another run that
    shares everything before its time and changes something there; :meth:`diff` compares.

    Examples
    --------
    >>> import meshlab as ml
    >>> a = ml.Run("node-failure", seed=1)
    >>> b = a.fork(ml.fork.prevent("node_down", node="n2"), at=2.0)
    >>> d = a.diff(b)
    >>> d.first.t
    3.0
    >>> int(d.counts.filter(d.counts["what"] == "failures")["a"][0]) > 0
    True
    """

    def __init__(
        self,
        source: str | Build | Trace,
        *,
        seed: int = 0,
        until: float | None = None,
        nodes: int | None = None,
        changes: tuple[tuple[float, Change], ...] = (),
        label: str | None = None,
        mesh_options: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.seed = seed
        self.nodes = nodes
        self.changes = tuple(changes)
        self.mesh_options = dict(mesh_options or {})
        self._trace: Trace | None = None
        self.mesh: Mesh | None = None
        if isinstance(source, Trace):
            self._trace = source
            self.until = until
            self.label = label or "recorded"
            return
        if isinstance(source, str):
            from meshlab import scenarios

            sc = scenarios.get(source)  # an unknown name fails here, listing the known ones
            self.until = sc.until if until is None else until
        elif callable(source):
            self.until = until
        else:
            raise TypeError(
                "a Run needs a scenario name, a function build(seed=...) -> Mesh, or a Trace; "
                f"got {source!r}"
            )
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {seed!r}")
        self.label = label or ("base" if not self.changes else _label(self.changes))

    # what it is ---------------------------------------------------------------------------
    @property
    def replayable(self) -> bool:
        return not isinstance(self.source, Trace)

    @property
    def trace(self) -> Trace:
        """The run's trace (run on first use)."""
        if self._trace is None:
            self._trace = self._execute()
        return self._trace

    def __repr__(self) -> str:
        name = (
            self.source
            if isinstance(self.source, str)
            else getattr(
                self.source, "__name__", "recorded trace" if not self.replayable else "build"
            )
        )
        steps = "; ".join(f"t={at:g}: {c.describe()}" for at, c in self.changes)
        return f"<Run {name!r} seed={self.seed} until={self.until}" + (
            f" changes=[{steps}]>" if steps else ">"
        )

    # running -------------------------------------------------------------------------------
    def build(self) -> Mesh:
        """A fresh mesh for this run's recipe, not yet run."""
        source = self.source
        if isinstance(source, Trace):  # not replayable: a recording has no recipe
            raise CannotReplay(_NO_RECIPE)
        if isinstance(source, str):
            from meshlab import scenarios

            sc = scenarios.get(source)
            n = sc.nodes if self.nodes is None else self.nodes
            mesh = sc.build(seed=self.seed, nodes=n)
        else:
            kwargs: dict[str, Any] = {"seed": self.seed}
            if self.nodes is not None:
                kwargs["nodes"] = self.nodes
            mesh = source(**kwargs)
            if not isinstance(mesh, Mesh):
                raise TypeError(
                    f"the build function must return a meshlab Mesh (set up, not run); "
                    f"{getattr(source, '__name__', source)!r} returned {mesh!r}"
                )
        for name, value in self.mesh_options.items():
            setattr(mesh, name, value)
        return mesh

    def _execute(self) -> Trace:
        mesh = self.build()
        self.mesh = mesh
        for at, change in sorted(self.changes, key=lambda ac: ac[0]):  # stable: fork order
            if at < mesh.now:
                raise ValueError(f"a change at t={at} is before the mesh's start t={mesh.now}")
            mesh.run(until=at)
            change.apply(mesh)
        mesh.run(until=self.until)
        return mesh.trace

    # forking -------------------------------------------------------------------------------
    def fork(self, *changes: Change, at: float, label: str | None = None) -> Run:
        """A run that is this one up to ``at`` and then makes ``changes`` (made with the
        functions of :mod:`meshlab.fork`: ``kill_node``, ``crash``, ``partition``, ``heal``,
        ``lose``, ``prevent``, ``set_link``, ``set_supervisor``)."""
        if not self.replayable:
            raise CannotReplay(_NO_RECIPE)
        if not changes:
            raise ValueError("fork needs at least one change, e.g. ml.fork.kill_node('n1')")
        for c in changes:
            if not isinstance(c, Change):
                raise TypeError(
                    f"{c!r} is not a change; make one with ml.fork.kill_node, crash, partition, "
                    "heal, lose, prevent, set_link or set_supervisor"
                )
        if isinstance(at, bool) or not isinstance(at, int | float) or not at >= 0:
            raise ValueError(f"at must be a time >= 0 in seconds, got {at!r}")
        if self.until is not None and at > self.until:
            raise ValueError(f"at={at} is after the run's end (until={self.until})")
        return Run(
            self.source,
            seed=self.seed,
            until=self.until,
            nodes=self.nodes,
            changes=self.changes + tuple((float(at), c) for c in changes),
            label=label,
            mesh_options=self.mesh_options,
        )

    def with_seed(self, seed: int) -> Run:
        """The same recipe and changes with another seed."""
        if not self.replayable:
            raise CannotReplay(_NO_RECIPE)
        return Run(
            self.source, seed=seed, until=self.until, nodes=self.nodes, changes=self.changes,
            label=self.label, mesh_options=self.mesh_options,
        )  # fmt: skip

    def diff(self, other: Run | Trace) -> Comparison:
        """What differs between this run and ``other``; see :func:`meshlab.compare`."""
        from meshlab.fork.diff import compare

        return compare(self, other)


_NO_RECIPE = (
    "this run is a recorded trace (a live stream or a loaded file): there is no scenario or "
    "build function to run again, so it cannot be forked; fork a simulated run instead, "
    "ml.Run('scenario-name', seed=...) or ml.Run(build, seed=..., until=...)"
)


def _label(changes: tuple[tuple[float, Change], ...]) -> str:
    return "; ".join(f"{c.describe()} at t={at:g}" for at, c in changes)
