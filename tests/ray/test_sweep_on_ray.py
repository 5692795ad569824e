"""A seed sweep run as Ray tasks on a real local cluster gives the rows local processes give."""

from __future__ import annotations

import pytest

import meshlab as ml

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(600)]

COLUMNS = ["seed", "ok", "failed", "failures", "restarts", "drops", "events", "digest"]


def few_drops(trace):
    return int((trace.events["kind"].cast(str) == "msg_drop").sum()) < 1000


def test_a_sweep_on_ray_gives_the_rows_of_a_local_sweep(ray_cluster):
    on_ray = ml.sweep("partition", seeds=range(4), check=few_drops, ray=True, progress=False)
    here = ml.sweep("partition", seeds=range(4), check=few_drops, workers=1, progress=False)
    assert on_ray.engine == "ray"
    assert on_ray.frame.select(COLUMNS).equals(here.frame.select(COLUMNS))
    assert on_ray.trace(2).digest() == on_ray.frame["digest"][2]
