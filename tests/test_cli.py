"""The command line, run as a user runs it: a real subprocess."""

import json
import subprocess
import sys

import pytest

import meshlab as ml


def meshlab(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "meshlab", *args], capture_output=True, text=True, cwd=cwd,
        timeout=120,
    )  # fmt: skip


def test_scenarios_lists_every_builtin_with_a_sentence():
    out = meshlab("scenarios")
    assert out.returncode == 0
    for name in ml.scenarios.names():
        assert name in out.stdout


def test_run_prints_a_summary_and_saves_a_trace_that_loads_back(tmp_path):
    path = tmp_path / "nf.parquet"
    out = meshlab("run", "node-failure", "--seed", "2", "--until", "5", "--out", str(path))
    assert out.returncode == 0, out.stderr
    for word in ("events", "nodes", "actors", "failures", "restarts", "drops"):
        assert word in out.stdout
    # n2 goes down at 3 s and comes back at 6 s: down at 5 s, up at the end of the whole run
    assert "4: 1 down, 3 up at the end (during the run: 1 went down, 0 came back up" in out.stdout
    whole = meshlab("run", "node-failure", "--seed", "2")
    assert "4: 4 up at the end (during the run: 1 went down, 1 came back up" in whole.stdout
    loaded = ml.load(path)
    assert loaded.digest() == ml.scenarios.run("node-failure", seed=2, until=5).digest()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope"], "unknown scenario 'nope'; choose one of"),
        (["run", "ring", "--until", "0"], "--until must be a positive, finite number"),
        (["run", "ring", "--until", "inf"], "--until must be a positive, finite number"),
        (["run", "ring", "--out", "no/such/dir/x.parquet"], "does not exist; create it first"),
        (["run", "ring", "--nodes", "1"], "--nodes must be at least 2"),
        (["run", "ring", "--out", "x.csv"], "--out must end in .parquet or .mlog"),
        (["info", "does-not-exist.parquet"], "does-not-exist.parquet"),
        (["info", "."], "is a folder"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(args, message, tmp_path):
    out = meshlab(*args, cwd=tmp_path)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_info_on_a_log_cut_before_any_event_warns_in_one_line_and_fails(tmp_path):
    log = tmp_path / "r.mlog"
    assert meshlab("run", "ring", "--until", "0.5", "--out", str(log)).returncode == 0
    cut = tmp_path / "cut.mlog"
    cut.write_bytes(log.read_bytes()[:300])
    out = meshlab("info", str(cut))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("meshlab: warning:") and "cut.mlog ends inside frame" in lines[0]
    assert lines[1].startswith("meshlab: error:") and "no events could be read" in lines[1]


def test_info_counts_nodes_by_their_state_at_the_end(tmp_path):
    """node-failure: n2 goes down at 3 s and comes back at 6 s, so all four are up at the end."""
    path = tmp_path / "nf.parquet"
    assert meshlab("run", "node-failure", "--seed", "2", "--out", str(path)).returncode == 0
    out = meshlab("info", str(path))
    assert "at end    4 up" in out.stdout, out.stdout
    assert "down" not in out.stdout.split("at end")[1].splitlines()[0]
    facts = json.loads(meshlab("info", str(path), "--json").stdout)
    assert facts["nodes_at_end"] == {"up": 4}


def test_info_on_a_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"this is not a trace")
    out = meshlab("info", str(bad))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "bad.parquet" in out.stderr


BAD_COST_RUN = """
import sys
import meshlab as ml
from meshlab import scenarios
from meshlab.cli import main

class Server(ml.Actor):
    cost = lambda msg, ctx: -1.0 if msg.body == 3 else 0.01

    def on_job(self, ctx, n):
        pass

def build(*, seed, nodes):
    mesh = ml.Mesh(seed=seed, nodes=nodes, scenario="bad-cost")
    mesh.spawn(Server, name="server", node="n1")
    mesh.spawn(scenarios.common.RoundRobin, ["server"], 0.1, name="client", node="n0")
    return mesh

# a scenario of the user's, run through the real command line
scenarios.SCENARIOS += (scenarios.Scenario("bad-cost", "a cost that goes negative", 5.0, 2, build),)
sys.exit(main(["run", "bad-cost"]))
"""


def test_an_unusable_cost_is_one_error_line_through_the_cli(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", BAD_COST_RUN], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "meshlab: error: actor 'server' (Server) at t=0.301: the cost of a 'job' message is "
        "-1.0 seconds; a cost must be a finite number of seconds >= 0"
    ]


LIVELOCK_RUN = """
import sys
import meshlab as ml
from meshlab import scenarios
from meshlab.cli import main

class Spin(ml.Actor):
    def started(self, ctx):
        ctx.after(1.0, "spin")

    def on_spin(self, ctx, _):
        ctx.after(0, "spin")

def build(*, seed, nodes):
    mesh = ml.Mesh(seed=seed, nodes=nodes, scenario="livelock", max_events_per_instant=1000)
    mesh.spawn(Spin, name="c2")
    return mesh

scenarios.SCENARIOS += (scenarios.Scenario("livelock", "a timer at 0 forever", 5.0, 2, build),)
sys.exit(main(["run", "livelock"]))
"""


def test_a_run_that_hits_a_limit_is_one_error_line_through_the_cli():
    out = subprocess.run(
        [sys.executable, "-c", LIVELOCK_RUN], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("meshlab: error: livelock at t=1.000 in c2.on_spin: 1,000 events")
