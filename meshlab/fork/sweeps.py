"""Many seeds at once: which seeds break my protocol?

``sweep(source, seeds=..., check=...)`` runs one simulation per seed, in local processes by
default (or on a Ray cluster, ``ray=``), checks each trace, and returns a :class:`Sweep`: a
polars frame of per-seed outcomes, any row of which opens again as a trace (a re-run: the
simulator is deterministic, so no trace travels between processes).

The job (source, check, until) goes to each worker once, pickled with ``cloudpickle`` when it
is installed (it carries functions and classes defined in a notebook by value), else with
``pickle`` (then they must be importable). Workers are forked from a fork server that only
imported meshlab (a fork of a process whose polars thread pool runs can deadlock), and stay
for the next sweep of the session: the first sweep pays for starting them, the next do not.
"""

from __future__ import annotations

import atexit
import hashlib
import math
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from meshlab.fork.run import _NO_RECIPE, CannotReplay, Run
from meshlab.trace import Trace
from meshlab.trace.scalars import number

SCHEMA = pl.Schema(
    {
        "seed": pl.Int64(),
        "ok": pl.Boolean(),
        "passed": pl.Int32(),
        "failed": pl.List(pl.String),
        "problem": pl.String(),
        "error": pl.String(),
        "failures": pl.Int64(),
        "restarts": pl.Int64(),
        "drops": pl.Int64(),
        "events": pl.Int64(),
        "t_end": pl.Float64(),
        "digest": pl.String(),
        "seconds": pl.Float64(),
    }
)


@dataclass(frozen=True)
class Job:
    """What one seed's run needs: the source, how long, and the check."""

    source: Any
    until: float | None
    check: Callable[[Trace], Any] | None
    digest: bool = True

    def trace(self, seed: int) -> tuple[Trace | None, str | None]:
        """The seed's trace and the error that stopped it early (None when it ran through)."""
        src = self.source
        if isinstance(src, Run):
            run = src.with_seed(seed)
        elif isinstance(src, str):
            run = Run(src, seed=seed, until=self.until)
        else:
            try:
                made = src(seed=seed)
            except Exception as exc:
                return None, _error_text(exc)
            if isinstance(made, Trace):
                return made, None
            run = Run(lambda *, seed, _m=made: _m, seed=seed, until=self.until)
        try:
            return run.trace, None
        except Exception as exc:  # a LimitError or CostError keeps the trace up to it
            mesh = run.mesh
            trace = mesh.trace if mesh is not None and mesh.recording else None
            return trace, _error_text(exc)

    def outcome(self, seed: int) -> dict[str, Any]:
        started = time.perf_counter()
        trace, error = self.trace(seed)
        row: dict[str, Any] = {"seed": seed, "error": error}
        failed: list[str] = []
        problem = None
        passed = 0
        if trace is not None:
            ev = trace.events
            kinds = ev["kind"].cast(pl.String)
            row.update(
                failures=int((kinds == "actor_fail").sum()),
                restarts=int((kinds == "actor_restart").sum()),
                drops=int((kinds == "msg_drop").sum()),
                events=ev.height,
                t_end=number(ev["t"].max()) if ev.height else 0.0,
                digest=trace.digest() if self.digest else None,
            )
            if self.check is not None:
                try:
                    for name, ok, text in _results(self.check(trace)):
                        if ok:
                            passed += 1
                        else:
                            failed.append(name)
                            problem = problem or text
                except Exception as exc:
                    failed.append("check")
                    problem = f"the check raised {_error_text(exc)}"
        row.update(
            ok=error is None and not failed,
            passed=passed,
            failed=failed,
            problem=problem,
            seconds=time.perf_counter() - started,
        )
        return row


def _results(value: Any) -> list[tuple[str, bool, str | None]]:
    """(name, passed, first problem) from what a check returned: a bool, a CheckResult, a
    Report, or a list of those."""
    if isinstance(value, bool):
        return [("check", value, None if value else "the check returned False")]
    if hasattr(value, "results") and not isinstance(value, list | tuple):
        value = value.results  # a meshlab.checks Report
    if not isinstance(value, list | tuple):
        value = [value]
    out = []
    for i, r in enumerate(value):
        if isinstance(r, bool):
            out.append((f"check {i}", r, None if r else "returned False"))
            continue
        problems = list(getattr(r, "problems", []) or [])
        name = getattr(r, "name", f"check {i}")
        out.append((name, not problems, f"{name}: {problems[0]}" if problems else None))
    return out


def _error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---- the result ------------------------------------------------------------------------------
@dataclass(repr=False)
class Sweep:
    """Per-seed outcomes (:attr:`frame`), and the way back to any seed's trace."""

    frame: pl.DataFrame
    job: Job = field(repr=False)
    engine: str = "processes"
    workers: int = 1
    seconds: float = 0.0

    def __repr__(self) -> str:
        f = self.frame
        bad = f.filter(~pl.col("ok"))
        rate = f.height / self.seconds if self.seconds else math.inf
        head = (
            f"<Sweep {f.height} seeds on {self.workers} {self.engine} worker(s) in "
            f"{self.seconds:.2f} s ({rate:.1f} seeds/s): {f.height - bad.height} ok, "
            f"{bad.height} not ok>"
        )
        return head + "\n" + repr(f)

    def failing(self) -> pl.DataFrame:
        """The rows of seeds whose run raised or whose check failed."""
        return self.frame.filter(~pl.col("ok"))

    def trace(self, seed: int) -> Trace:
        """The trace of ``seed``, run again here (deterministic: the same digest)."""
        if seed not in set(self.frame["seed"].to_list()):
            raise ValueError(f"seed {seed} was not part of this sweep")
        trace, _ = self.job.trace(seed)
        if trace is None:
            raise RuntimeError(f"seed {seed} produced no trace; see its error in the frame")
        return trace

    def canvas(self, seed: int, **options: Any):
        """The canvas of ``seed``'s trace."""
        from meshlab.canvas import Canvas

        return Canvas(self.trace(seed), **options)


# ---- running -----------------------------------------------------------------------------------
def sweep(
    source: str | Run | Callable[..., Any],
    *,
    seeds: Iterable[int],
    check: Callable[[Trace], Any] | None = None,
    until: float | None = None,
    workers: int | None = None,
    ray: Any = None,
    chunk: int | None = None,
    progress: bool = True,
    digest: bool = True,
) -> Sweep:
    """Run ``source`` once per seed and check each trace.

    ``source`` is a built-in scenario name, a :class:`~meshlab.fork.Run` (its changes too), a
    function ``build(seed=...)`` returning a mesh (run to ``until``), or a function
    ``f(seed=...)`` returning a trace (a lab's ``run``, with its actor bound by
    ``functools.partial``). ``check(trace)`` returns a bool, a check result, a report or a
    list of results. ``workers``: local processes (default: every CPU; 1 runs here, in this
    process). ``ray``: True for the Ray cluster ``ray.init()`` finds, or an address, to run
    the seeds as Ray tasks instead. A run that raises (a limit, a bad cost) is a row with its
    error, not the end of the sweep.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty; pass e.g. seeds=range(100)")
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds has repeats; each seed runs once")
    if isinstance(source, str):
        Run(source)  # an unknown scenario fails here, before any worker starts
    elif not (isinstance(source, Run) or callable(source)):
        raise TypeError(
            f"sweep needs a scenario name, a Run, or a function of seed=; got {source!r}"
        )
    if isinstance(source, Run) and not source.replayable:
        raise CannotReplay(_NO_RECIPE)
    if check is not None and not callable(check):
        raise TypeError(f"check must be a function of the trace, got {check!r}")
    if isinstance(source, Run):
        source = source.with_seed(source.seed)  # the recipe alone, not a trace or a mesh
    job = Job(source, until, check, digest)
    started = time.perf_counter()
    if ray is not None and ray is not False:
        rows, n, engine = _on_ray(job, seeds, ray, chunk, progress), None, "ray"
    else:
        n = (os.cpu_count() or 1) if workers is None else workers
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
        engine = "processes"
        rows = _here(job, seeds, progress) if n == 1 else _local(job, seeds, n, chunk, progress)
    frame = pl.DataFrame(rows, schema=SCHEMA).sort("seed")
    return Sweep(frame, job, engine, n or 0, time.perf_counter() - started)


def _chunks(seeds: Sequence[int], size: int) -> list[list[int]]:
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def _here(job: Job, seeds: list[int], progress: bool) -> list[dict[str, Any]]:
    bar = _Progress(len(seeds), progress)
    rows = []
    for seed in seeds:
        rows.append(job.outcome(seed))
        bar.add(1)
    bar.close()
    return rows


_JOBS: dict[str, Job] = {}  # a worker's jobs by key: the payload is unpickled once


def _run_chunk(key: str, payload: bytes, seeds: list[int]) -> list[dict[str, Any]]:
    job = _JOBS.get(key)
    if job is None:
        _JOBS.clear()  # one sweep at a time: keep only the current job
        job = _JOBS[key] = pickle.loads(payload)
    return [job.outcome(s) for s in seeds]


def _dumps(job: Job) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    try:
        return cloudpickle.dumps(job) if cloudpickle else pickle.dumps(job)
    except Exception as exc:
        raise TypeError(
            f"the sweep's source or check cannot be sent to worker processes ({exc}); define "
            "them in a module, install cloudpickle, or pass workers=1 to run here"
        ) from exc


def _local(
    job: Job, seeds: list[int], n: int, chunk: int | None, progress: bool
) -> list[dict[str, Any]]:
    payload = _dumps(job)
    key = hashlib.sha256(payload).hexdigest()
    size = chunk or max(1, min(16, math.ceil(len(seeds) / (n * 4))))
    rows: list[dict[str, Any]] = []
    bar = _Progress(len(seeds), progress)
    pool = _pool(n)
    try:
        with _main_not_rerun():  # the workers start during these submits
            futures = [pool.submit(_run_chunk, key, payload, c) for c in _chunks(seeds, size)]
        for fut in as_completed(futures):
            got = fut.result()
            rows.extend(got)
            bar.add(len(got))
    except BaseException:
        _close_pool()  # a broken or interrupted pool is not reused
        raise
    finally:
        bar.close()
    return rows


# The worker processes outlive one sweep, so that the next sweep of the session starts at
# once; they are shut down when the process exits (or the worker count changes).
_POOL: tuple[ProcessPoolExecutor, int] | None = None


def _pool(n: int) -> ProcessPoolExecutor:
    global _POOL
    if _POOL is not None and _POOL[1] == n and not getattr(_POOL[0], "_broken", False):
        return _POOL[0]
    _close_pool()
    import multiprocessing

    # A fork server: started fresh once per session (never a fork of a process whose polars
    # thread pool runs), it imports meshlab and polars once, then forks each worker from that.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["meshlab.fork.sweeps", "meshlab.checks"])
    _POOL = (ProcessPoolExecutor(max_workers=n, mp_context=ctx), n)
    return _POOL[0]


def _close_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[0].shutdown(wait=True, cancel_futures=True)
        _POOL = None


def _forget_pool_in_child() -> None:
    global _POOL
    _POOL = None


atexit.register(_close_pool)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


@contextmanager
def _main_not_rerun():
    """Start workers without running the main script again in each (what multiprocessing does
    to find its functions): the job travels pickled by value, so a script that calls sweep at
    its top level, with no ``if __name__ == "__main__"`` guard, works."""
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__
    }
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _on_ray(
    job: Job, seeds: list[int], address: Any, chunk: int | None, progress: bool
) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError as exc:
        raise ImportError(
            "ray= needs Ray: pip install 'meshlab[ray]' (or leave ray= out to use local processes)"
        ) from exc
    if not ray.is_initialized():
        ray.init(address=None if address is True else address, ignore_reinit_error=True,
                 log_to_driver=False)  # fmt: skip
    payload = ray.put(_dumps(job))
    remote = ray.remote(_ray_chunk)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    size = chunk or max(1, min(16, math.ceil(len(seeds) / (cpus * 4))))
    pending = [remote.remote(payload, c) for c in _chunks(seeds, size)]
    rows: list[dict[str, Any]] = []
    bar = _Progress(len(seeds), progress)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        got = ray.get(done[0])
        rows.extend(got)
        bar.add(len(got))
    bar.close()
    return rows


def _ray_chunk(payload: bytes, seeds: list[int]) -> list[dict[str, Any]]:
    job = pickle.loads(payload)
    return [job.outcome(s) for s in seeds]


class _Progress:
    """One line on stderr, rewritten in place: seeds done of all, and the rate."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done = total, 0
        self.enabled = enabled and (sys.stderr.isatty() or "ipykernel" in sys.modules)
        self.started = time.perf_counter()
        self.last = 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self.last > 0.2 or self.done == self.total):
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            width = 30
            full = int(width * self.done / self.total)
            bar = "█" * full + "·" * (width - full)
            print(
                f"\rsweep {bar} {self.done}/{self.total} seeds  {rate:.1f}/s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr, flush=True)
