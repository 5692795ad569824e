"""Grade a folder of submissions: each in its own process, with time and memory limits.

A submission is a handed-in notebook (``alice.ipynb``) or a Python file (``bob.py``); the
student is the file's stem. Each runs in a fresh ``python -m meshlab.labs.grading`` process:

- its memory is capped (``resource.RLIMIT_DATA``, the heap and anonymous mappings; a cap on
  the address space would stop polars, which reserves far more than it uses), and so is its
  CPU time (``RLIMIT_CPU``); the wall clock is capped by the parent, which kills the
  process's whole session when time is up — student code that hangs at the top level of the
  notebook, or in a handler, stops the one submission, never the batch;
- a submission that does not load (a syntax error, a wrong ``__init__``, no ``Candidate``)
  scores 0 with the reason in its feedback;
- ``PYTHONHASHSEED`` is fixed, every seed runs twice (:mod:`meshlab.labs.scoring`), and the
  outputs hold no times or paths of the machine, so grading the same folder again writes the
  same files, byte for byte.

Outputs, in ``out``: ``scores.csv`` and ``scores.json`` (one row per student: the weighted
score in percent, the status, and the points each check earned over all seeds), and
``feedback/<student>.txt``, the report a student reads.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshlab.labs import LABS, lab_module

SUFFIXES = (".ipynb", ".py")
TAIL = 2000  # characters of a failed submission's stderr kept in its feedback


@dataclass
class Outcome:
    """What grading one submission gave."""

    student: str
    status: str  # graded, no answer, unreadable notebook, timeout, memory, crashed
    score: float = 0.0  # percent
    points: dict[str, float] = field(default_factory=dict)  # check -> earned over all seeds
    feedback: str = ""

    def row(self) -> dict[str, Any]:
        return {"student": self.student, "score": round(self.score, 2), "status": self.status,
                **{k: round(v, 3) for k, v in self.points.items()}}  # fmt: skip


def submissions(folder: str | Path) -> list[Path]:
    """The submissions in ``folder``, in name order (hidden files and checkpoints skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder of submissions: {folder}")
    found = sorted(
        p
        for p in folder.iterdir()
        if p.suffix in SUFFIXES and p.is_file() and not p.name.startswith(".")
    )
    stems = [p.stem for p in found]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise ValueError(
            f"two submissions for {', '.join(twice)} (a .py and an .ipynb): keep one per student"
        )
    return found


def grade_folder(
    folder: str | Path,
    *,
    lab: str,
    seeds: Sequence[int],
    out: str | Path,
    timeout: float = 300.0,
    memory_mb: int = 2048,
) -> list[Outcome]:
    """Grade every submission in ``folder`` with ``lab`` and write the scores and feedback."""
    lab_module(lab)  # an unknown lab is an error before anything runs
    if timeout <= 0 or memory_mb <= 0:
        raise ValueError("timeout and memory must be positive (seconds, megabytes)")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("grade with at least one seed")
    outcomes = [
        grade_submission(p, lab=lab, seeds=seeds, timeout=timeout, memory_mb=memory_mb)
        for p in submissions(folder)
    ]
    write_outputs(outcomes, lab=lab, seeds=seeds, out=Path(out))
    return outcomes


def grade_submission(
    path: Path, *, lab: str, seeds: Sequence[int], timeout: float, memory_mb: int
) -> Outcome:
    """Grade one submission in a child process with the limits; never raises for its code."""
    student = path.stem
    with tempfile.TemporaryDirectory(prefix="meshlab-grade-") as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "meshlab.labs.grading", lab, str(path.resolve()),
               str(result), ",".join(map(str, seeds))]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        proc = subprocess.Popen(
            cmd,
            cwd=tmp,  # the submission's relative writes land in a folder that goes away
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so that a kill takes whatever it spawned with it
            preexec_fn=_limits(timeout, memory_mb),
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return Outcome(student, "timeout", feedback=(
                f"{student}: not graded — it ran for more than {timeout:g} s and was stopped. "
                "Look for a loop that never ends: at the top level of your code, in a handler "
                "(while True), or a message or timer that re-arms itself at the same instant."
            ))  # fmt: skip
        text = err.decode(errors="replace")
        if result.exists():
            data = json.loads(result.read_text())
            return Outcome(student, data["status"], data["score"], data["points"],
                           data["feedback"])  # fmt: skip
        return _died(student, proc.returncode, text, memory_mb)


def _limits(timeout: float, memory_mb: int):
    cap = memory_mb * 2**20
    cpu = int(timeout) + 5

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _died(student: str, code: int, stderr: str, memory_mb: int) -> Outcome:
    tail = stderr[-TAIL:].strip()
    out_of_memory = (
        "MemoryError" in stderr
        or "memory allocation of" in stderr
        or (code in (-signal.SIGABRT, -signal.SIGSEGV) and not tail)
    )
    if out_of_memory:
        why = f"it used more than {memory_mb} MB of memory and was stopped"
        status = "memory"
    elif code == -signal.SIGXCPU:
        why, status = "it used more CPU time than allowed and was stopped", "timeout"
    else:
        why, status = f"the grading process ended with exit code {code}", "crashed"
    return Outcome(student, status, feedback=f"{student}: not graded — {why}.\n{tail}".strip())


def write_outputs(outcomes: list[Outcome], *, lab: str, seeds: Sequence[int], out: Path) -> None:
    """``scores.csv``, ``scores.json`` and ``feedback/<student>.txt`` under ``out``."""
    module = lab_module(lab)
    checks = list(module.SCORING)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    rows = []
    for o in outcomes:
        row = {"student": o.student, "score": round(o.score, 2), "status": o.status}
        row.update({c: round(o.points.get(c, 0.0), 3) for c in checks})
        rows.append(row)
        (out / "feedback" / f"{o.student}.txt").write_text(o.feedback.rstrip() + "\n")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ["student", "score", "status", *checks], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out / "scores.csv").write_text(buf.getvalue())
    weights = {c: p.weight for c, p in module.SCORING.items()}
    doc = {"lab": lab, "seeds": list(seeds), "weights": weights, "students": rows}
    (out / "scores.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


# the child process -------------------------------------------------------------------------
def _grade_here(lab: str, path: str, seeds: list[int]) -> dict[str, Any]:
    from meshlab.labs.loading import UnreadableNotebook, load_answer

    module = lab_module(lab)
    student = Path(path).stem
    try:
        answer = load_answer(Path(path), name=module.ANSWER)
    except MemoryError:
        raise  # the parent reports the limit
    except UnreadableNotebook as exc:  # the file, not the code in it: say so, not "no answer"
        return {"status": "unreadable notebook", "score": 0.0, "points": {},
                "feedback": f"{student}: not graded — {exc}"}  # fmt: skip
    except Exception as exc:  # the student's code did not load: a score of 0, and why
        return {"status": "no answer", "score": 0.0, "points": {},
                "feedback": f"{student}: not graded — {type(exc).__name__}: {exc}"}  # fmt: skip
    grade = module.grade(answer, seeds=seeds)
    points: dict[str, float] = {}
    for s in grade.seeds:
        for line in s.lines:
            points[line.check] = points.get(line.check, 0.0) + line.earned
    return {"status": "graded", "score": 100.0 * grade.score, "points": points,
            "feedback": f"{student}: {100 * grade.score:.1f} %\n\n{grade}"}  # fmt: skip


def _main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meshlab.labs.grading")
    parser.add_argument("lab", choices=sorted(LABS))
    parser.add_argument("submission")
    parser.add_argument("result")
    parser.add_argument("seeds")
    args = parser.parse_args(list(argv) if argv is not None else None)
    seeds = [int(s) for s in args.seeds.split(",")]
    data = _grade_here(args.lab, args.submission, seeds)
    Path(args.result).write_text(json.dumps(data))
    return 0


if __name__ == "__main__":
    importlib.import_module("meshlab")  # warm the package before the student's code runs
    sys.exit(_main())
