"""Seed sweeps: one row per seed, the same in worker processes as here, errors kept as rows,
and any row opens again as the same trace."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import pytest

import meshlab as ml
from meshlab.labs import leader_election as lab
from meshlab.labs import load_actor

STARTER = Path(__file__).resolve().parents[1] / "notebooks" / "labs" / "leader-election.ipynb"


def few_drops(trace):
    return int((trace.events["kind"].cast(pl.String) == "msg_drop").sum()) < 3


def test_processes_and_here_give_the_same_rows():
    here = ml.sweep("partition", seeds=range(4), check=few_drops, workers=1, progress=False)
    there = ml.sweep("partition", seeds=range(4), check=few_drops, workers=2, progress=False)
    assert here.frame.columns[:3] == ["seed", "ok", "passed"]
    assert here.frame["seed"].to_list() == [0, 1, 2, 3]
    cols = ["seed", "ok", "failed", "failures", "restarts", "drops", "events", "digest"]
    assert here.frame.select(cols).equals(there.frame.select(cols))
    assert len(set(here.frame["digest"])) == 4  # every seed is another run
    assert "4 seeds on 2 processes worker(s)" in repr(there)


def test_a_row_opens_as_the_same_trace():
    s = ml.sweep("ring", seeds=[3, 5], workers=2, progress=False)
    row = s.frame.filter(pl.col("seed") == 5).row(0, named=True)
    assert s.trace(5).digest() == row["digest"]
    with pytest.raises(ValueError, match="seed 7 was not part of this sweep"):
        s.trace(7)


def test_a_lab_with_a_notebook_actor_and_its_checks():
    starter = load_actor(STARTER)  # defined in a notebook: sent to the workers by value
    s = ml.sweep(functools.partial(lab.run, starter), seeds=range(3), check=lab.checks,
                 workers=2, progress=False)  # fmt: skip
    assert s.frame["passed"].to_list() and not s.frame["ok"].any()  # the starter fails
    assert all(isinstance(p, str) and p for p in s.frame["problem"])
    assert s.failing().height == 3


def test_a_fork_swept_over_seeds_keeps_its_change():
    base = ml.Run("node-failure", seed=0)
    fork = base.fork(ml.fork.prevent("node_down", node="n2"), at=2.0)
    s = ml.sweep(fork, seeds=range(2), workers=1, progress=False)
    assert s.frame["failures"].to_list() == [0, 0]


class Spin(ml.Actor):
    def started(self, ctx):
        ctx.after(0, "spin")

    def on_spin(self, ctx, _):
        ctx.after(0, "spin")


def livelocks(*, seed):
    mesh = ml.Mesh(seed=seed, nodes=1, max_events_per_instant=500)
    if seed % 2:
        mesh.spawn(Spin, name="c2")
    return mesh


def test_a_run_that_raises_is_a_row_with_its_error():
    s = ml.sweep(livelocks, seeds=range(4), until=1.0, workers=2, progress=False)
    errors = dict(zip(s.frame["seed"], s.frame["error"], strict=True))
    assert errors[0] is None and errors[2] is None
    assert errors[1].startswith("LimitError: livelock at t=0.000 in c2.on_spin")
    assert s.frame.filter(pl.col("seed") == 1)["events"][0] > 0  # the trace up to it counts
    assert s.frame["ok"].to_list() == [True, False, True, False]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(source="no-such", seeds=[1]), "unknown scenario 'no-such'"),
        (dict(source="ring", seeds=[]), "seeds is empty"),
        (dict(source="ring", seeds=[1, 1]), "seeds has repeats"),
        (dict(source="ring", seeds=[1], workers=0), "workers must be a whole number >= 1"),
        (dict(source=42, seeds=[1]), "sweep needs a scenario name, a Run, or a function"),
        (dict(source="ring", seeds=[1], check="yes"), "check must be a function"),
    ],
)
def test_bad_sweeps_say_what_is_wrong(kwargs, message):
    source = kwargs.pop("source")
    with pytest.raises((ValueError, TypeError), match=message):
        ml.sweep(source, progress=False, **kwargs)


def test_a_script_without_a_main_guard_can_sweep(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "hunt.py"
    script.write_text(
        "import meshlab as ml\n"
        "def quiet(trace):\n"
        "    return trace.events.height < 10**9\n"
        "s = ml.sweep('ring', seeds=range(3), check=quiet, workers=2, progress=False)\n"
        "print(s.frame['ok'].to_list())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[True, True, True]"


def test_the_workers_stay_for_the_next_sweep_of_the_session():
    from meshlab.fork import sweeps

    first = ml.sweep("ring", seeds=range(2), workers=2, progress=False)
    pool = sweeps._POOL[0]
    second = ml.sweep("ping-pong", seeds=range(2), workers=2, progress=False)  # another job
    assert sweeps._POOL[0] is pool
    assert second.frame["digest"].to_list() == [
        ml.Run("ping-pong", seed=s).trace.digest() for s in range(2)
    ]
    assert first.frame["digest"].to_list() != second.frame["digest"].to_list()


def test_a_recorded_trace_cannot_be_swept_and_says_why(tmp_path):
    from meshlab.fork import CannotReplay

    path = ml.scenarios.run("ring", seed=0, until=0.5).save(tmp_path / "ring.parquet")
    with pytest.raises(CannotReplay, match=r"recorded trace .* cannot be forked"):
        ml.sweep(ml.Run(ml.load(path)), seeds=[0, 1])
