"""Determinism is a feature: same scenario and seed, same bytes; another seed, another run."""

import pytest

import meshlab as ml


@pytest.mark.parametrize("name", ml.scenarios.names())
def test_same_scenario_and_seed_give_the_same_trace_hash(name):
    a = ml.scenarios.run(name, seed=11, until=1.5)
    b = ml.scenarios.run(name, seed=11, until=1.5)
    assert a.digest() == b.digest()
    assert a.events.equals(b.events)


@pytest.mark.parametrize("name", ml.scenarios.names())
def test_every_scenario_s_seed_matters(name):
    # every built-in draws latencies or jitter from its seeded RNG: seeds 0 and 1 differ
    until = 6.0 if name == "supervision-tree" else 1.5
    a = ml.scenarios.run(name, seed=0, until=until)
    b = ml.scenarios.run(name, seed=1, until=until)
    assert a.digest() != b.digest()
    assert not a.events.equals(b.events)


def test_saved_files_are_byte_identical_across_runs(tmp_path):
    for i in range(2):
        ml.scenarios.run("supervision-tree", seed=5, until=5.0).save(tmp_path / f"{i}.parquet")
        ml.scenarios.run("supervision-tree", seed=5, until=5.0).save(tmp_path / f"{i}.mlog")
    assert (tmp_path / "0.parquet").read_bytes() == (tmp_path / "1.parquet").read_bytes()
    assert (tmp_path / "0.mlog").read_bytes() == (tmp_path / "1.mlog").read_bytes()


def test_random_faults_are_reproducible_from_the_seed():
    def chaos(seed):
        mesh, _ = ml.scenarios.build("node-failure", seed=seed)
        mesh.set_link("n0", "n1", latency=ml.sim.Exponential(0.01), loss=0.2)
        mesh.run(until=4.0)
        return mesh.trace.digest()

    assert chaos(3) == chaos(3) != chaos(4)
