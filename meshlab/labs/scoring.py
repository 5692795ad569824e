"""Scores that measure the work: safety gates liveness; a pass that proves nothing earns none.

A lab declares, per check (by the name before its options, ``"no_gap"``), how many points it
is worth and which checks must pass first (:class:`Points`). For each seed:

- the run happens twice; if the two traces differ (:func:`meshlab.checks.deterministic`),
  the seed earns nothing: a grade of a run nobody can reproduce means nothing;
- a check earns its points only when it passed, its pass was not vacuous (a safety check on a
  run where nothing happened), and every check it ``needs`` passed too: liveness counts only
  for a protocol that is safe;
- a run that stopped (a livelock, a hung handler, a crash of the harness) earns nothing, and
  the reason is the seed's one problem.

The score is the mean of the seeds' fractions; :class:`Grade` prints the report (the same
text is a student's feedback) and, under it, where each seed lost its points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from meshlab.checks import CheckResult, Problem, Report, deterministic, report
from meshlab.trace import Trace


@dataclass(frozen=True)
class Points:
    """A check's weight, and the checks that must pass before it earns anything."""

    weight: float
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    """One check of one seed: what it earned of its weight, and why not all."""

    check: str
    earned: float
    weight: float
    why: str | None = None


@dataclass(frozen=True)
class SeedScore:
    seed: int
    lines: tuple[Line, ...]

    @property
    def earned(self) -> float:
        return sum(x.earned for x in self.lines)

    @property
    def total(self) -> float:
        return sum(x.weight for x in self.lines)

    @property
    def fraction(self) -> float:
        return self.earned / self.total if self.total else 0.0


@dataclass(frozen=True, repr=False)
class Grade(Report):
    """A :class:`~meshlab.checks.Report` over every seed, with the score it earns (0 … 1)."""

    seeds: tuple[SeedScore, ...] = ()

    @property
    def score(self) -> float:
        return sum(s.fraction for s in self.seeds) / len(self.seeds) if self.seeds else 0.0

    def __str__(self) -> str:
        lines = [super().__str__(), f"score: {self.score:.1%}"]
        for s in self.seeds:
            whys = {x.why for x in s.lines}
            if len(whys) == 1 and None not in whys:  # the run stopped: one reason for all
                lost = [str(whys.pop())]
            else:
                lost = [f"{x.check} {x.why}" for x in s.lines if x.earned < x.weight and x.why]
            tail = f" — {'; '.join(lost)}" if lost else ""
            lines.append(f"  seed {s.seed}: {s.earned:g}/{s.total:g}{tail}")
        return "\n".join(lines)

    __repr__ = __str__


def check_name(result: CheckResult) -> str:
    """``"no_gap"`` for ``"no_gap(msg_type='lead', …)"``, ``seed 3: `` prefixes stripped."""
    return result.name.split(": ", 1)[-1].split("(", 1)[0]


def score_seed(seed: int, results: Sequence[CheckResult], scheme: dict[str, Points]) -> SeedScore:
    """What each check of one seed earns under ``scheme`` (checks not in it earn nothing)."""
    by_name = {check_name(r): r for r in results}
    stopped = [r for r in results if check_name(r) in ("run", "deterministic") and not r]
    if stopped:
        nothing = f"earns nothing: {check_name(stopped[0])} failed"
        return SeedScore(seed, tuple(Line(n, 0.0, p.weight, nothing) for n, p in scheme.items()))
    missing = [n for n in scheme if n not in by_name]
    if missing:
        raise ValueError(f"the scoring scheme names checks the lab did not run: {missing}")
    lines = []
    why: str | None
    for name, pts in scheme.items():
        r = by_name[name]
        blocked = [n for n in pts.needs if not by_name[n]]
        if not r:
            why = "failed"
        elif r.vacuous:
            why = f"passed vacuously ({r.vacuous})"
        elif blocked:
            why = f"passed, but counts only once {', '.join(blocked)} passes"
        else:
            why = None
        lines.append(Line(name, 0.0 if why else pts.weight, pts.weight, why))
    return SeedScore(seed, tuple(lines))


def grade(
    *,
    run: Callable[..., Trace],
    checks: Callable[[Trace], list[CheckResult]],
    scheme: dict[str, Points],
    actor_cls: Any,
    seeds: Iterable[int],
    title: str,
    repeat: bool = True,
) -> Grade:
    """Run and check every seed (twice when ``repeat``, to catch nondeterminism); one grade."""
    results: list[CheckResult] = []
    scored: list[SeedScore] = []
    for seed in seeds:
        seed_results = _run_and_check(run, checks, actor_cls, seed, repeat=repeat)
        scored.append(score_seed(seed, seed_results, scheme))
        results.extend(CheckResult(f"seed {seed}: {r.name}", r.problems, r.vacuous)
                       for r in seed_results)  # fmt: skip
    base = report(results, title=title, limit=3)
    return Grade(base.results, title=base.title, limit=base.limit, seeds=tuple(scored))


def _run_and_check(
    run: Callable[..., Trace],
    checks: Callable[[Trace], list[CheckResult]],
    actor_cls: Any,
    seed: int,
    *,
    repeat: bool,
) -> list[CheckResult]:
    try:
        first = run(actor_cls, seed=seed)
        again = run(actor_cls, seed=seed) if repeat else first
    except MemoryError:
        raise  # a grader's memory limit: the whole submission stops, not one seed
    except Exception as exc:  # a limit hit, or the student's class unusable: the seed fails
        t = float(getattr(exc, "t", 0.0) or 0.0)
        actor = getattr(exc, "actor", None)
        text = f"the run stopped at t={t:.3f}: {type(exc).__name__}: {exc} — scrub to t={t:.3f}"
        return [CheckResult("run()", [Problem(text, t=t, actors=(actor,) if actor else ())])]
    return [deterministic(first, again), *checks(first)]
