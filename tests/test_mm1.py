"""The M/M/1 example of docs/simulator.md, run for a shorter time: random service times drawn
from ``ctx.rng`` give the queue that theory describes."""

import math
import re
from pathlib import Path

import polars as pl
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "simulator.md"
LONG, SHORT = "until=500_000", "until=60_000"  # ~400,000 jobs in the docs, ~48,000 here


def doc_example() -> str:
    section = DOC.read_text().split("### Random service times: an M/M/1 queue", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert LONG in code
    return code.replace(LONG, SHORT)


def test_the_docs_m_m_1_queue_matches_theory_loosely(capsys):
    ns: dict = {}
    exec(compile(doc_example(), str(DOC), "exec"), ns)
    lam, mu, mesh, sojourn = ns["LAM"], ns["MU"], ns["mesh"], ns["sojourn"]
    until = mesh.now
    assert lam / mu == pytest.approx(0.8)

    handled = mesh.trace.events.filter(
        (pl.col("actor") == "server") & (pl.col("kind") == "msg_handle")
    )
    service = handled["duration"]
    # the inputs: a Poisson stream at rate λ, exponential service at rate μ
    assert handled.height == pytest.approx(lam * until, rel=0.03)
    assert service.mean() == pytest.approx(1 / mu, rel=0.03)
    assert service.std() == pytest.approx(1 / mu, rel=0.05)  # exponential: std = mean
    assert service.sum() / until == pytest.approx(lam / mu, rel=0.03)  # utilisation ρ
    # the output: sojourn ~ Exp(μ − λ), mean 1/(μ − λ) = 5 s. Loose: the sample mean of
    # ~48,000 correlated sojourns is a few per cent off; constant service times would give
    # 3 s (M/D/1), no queueing 1 s.
    assert sojourn.len() == pytest.approx(handled.height, abs=2)
    assert sojourn.mean() == pytest.approx(1 / (mu - lam), rel=0.10)
    tail = (sojourn > 2 / (mu - lam)).mean()
    assert tail == pytest.approx(math.exp(-2), rel=0.2)
    assert "s measured, 5.000 s in theory" in capsys.readouterr().out
