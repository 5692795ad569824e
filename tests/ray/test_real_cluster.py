"""``meshlab serve --ray`` against a real local 2-node Ray cluster (no mocks of Ray).

One cluster for the package (starting Ray costs 15-40 s on a 2-core machine); the tests run
in file order and each looks only at the events of its own actors. Every picture in the
client's frame comes from what Ray pushed or what its state API said.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request

import polars as pl
import pytest
from raykit import Serve, wait_for

import meshlab as ml
from meshlab.live.observations import is_observation

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def live(ray_cluster, tmp_path_factory):
    client = ml.connect(
        ray_cluster["serve"].url, record=tmp_path_factory.mktemp("rec") / "ray.mlog"
    )
    yield client
    client.close()


def frame(live) -> pl.DataFrame:
    return live.trace().events.with_columns(kind=pl.col("kind").cast(pl.String))


def rows(live, **eq) -> pl.DataFrame:
    df = frame(live)
    for col, value in eq.items():
        df = df.filter(pl.col(col) == value)
    return df


def ray_rows(live, **eq) -> pl.DataFrame:
    df = rows(live, **eq)
    return df.filter(~is_observation(df))


def test_hello_says_ray_and_export_mode(ray_cluster, live):
    hello = live.connections[0].hello
    assert hello["source"] == "ray" and hello["ray"]["mode"] == "export"
    assert hello["ray"]["cannot_see"] == []
    assert ray_cluster["serve"].ready["ray_env"]["RAY_enable_ray_event"] == "true"


def test_attaching_backfills_the_nodes_that_are_there(live):
    joins = wait_for(
        lambda: rows(live, kind="node_join").height >= 2 and rows(live, kind="node_join"),
        timeout=30,
        what="two node_join events",
    )
    assert all(n.startswith("node-") for n in joins["node"])
    attrs = rows(live, kind="attrs").filter(pl.col("actor").is_null())
    heads = [json.loads(r).get("head") for r in attrs["reason"]]
    assert heads.count(True) == 1


def test_fan_out_edges_equal_the_calls_made(ray_cluster, live):
    ray = ray_cluster["ray"]

    @ray.remote(num_cpus=0)
    class Worker:
        def work(self, x):
            return x * 2

        def boom(self):
            raise ValueError("bad input")

    @ray.remote(num_cpus=0)
    class Supervisor:
        def __init__(self, n):
            self.workers = [Worker.remote() for _ in range(n)]

        def fan_out(self, rounds):
            total = 0
            for r in range(rounds):
                total += sum(ray.get([w.work.remote(r) for w in self.workers]))
            return total

        def poke(self):
            return ray.get(self.workers[0].boom.remote())

    sup = Supervisor.options(name="supervisor").remote(3)
    assert ray.get(sup.fan_out.remote(2)) == 6  # round 0: 0 * 3, round 1: 2 * 3
    sends = wait_for(
        lambda: (
            (s := rows(live, kind="msg_send", actor="supervisor", msg_type="work")).height >= 6
            and s
        ),
        timeout=40,
        what="the supervisor's 6 calls",
    )
    assert sends.height == 6  # exactly the calls the application made
    workers = set(sends["peer"])
    assert len(workers) == 3 and all(w.startswith("Worker#") for w in workers)

    # A worker's spawn can trail the calls to it: Ray may report the calls before the batch
    # that says who created the worker, and the mapping holds the spawn for up to its grace.
    def spawned():
        s = rows(live, kind="actor_spawn")
        return s.filter(pl.col("actor").is_in(list(workers))).height == 3 and s

    spawns = wait_for(spawned, timeout=20, what="the workers' spawns")
    parents = dict(zip(spawns["actor"], spawns["parent"], strict=True))
    assert {parents[w] for w in workers} == {"supervisor"} and parents["supervisor"] == "driver"
    ends = wait_for(
        lambda: (e := rows(live, kind="handler_end", msg_type="work")).height >= 6 and e,
        timeout=30,
        what="6 handler_end",
    )
    assert set(ends["reason"]) == {"ok"} and set(ends["msg_id"]) == set(sends["msg_id"])
    assert rows(live, kind="msg_send", actor="driver", peer="supervisor").height == 1

    # a method that raises: a handler error, and the worker lives on
    with pytest.raises(ray.exceptions.RayTaskError):
        ray.get(sup.poke.remote())
    end = wait_for(
        lambda: (e := rows(live, kind="handler_end", msg_type="boom")).height and e,
        timeout=30,
        what="the raising handler's end",
    )
    assert end["reason"][0] == "error: ValueError: bad input"
    assert rows(live, kind="actor_fail", actor=end["actor"][0]).height == 0
    ray_cluster["keep"] = sup  # alive for the late-attach test


def test_max_restarts_two_fail_restart_restart_final_death(ray_cluster, live):
    ray = ray_cluster["ray"]

    @ray.remote(num_cpus=0, max_restarts=2)
    class Fragile:
        def ping(self):
            return os.getpid()

        def die(self):
            os._exit(1)

    fragile = Fragile.options(name="fragile").remote()
    ray.get(fragile.ping.remote())
    for i in range(3):
        with pytest.raises(ray.exceptions.RayActorError):
            ray.get(fragile.die.remote())
        if i < 2:
            wait_for(lambda: _answers(ray, fragile), timeout=60, what="the restarted actor")
    life = wait_for(
        lambda: (
            (
                f := rows(live, actor="fragile").filter(pl.col("kind").str.starts_with("actor_"))
            ).height
            >= 6
            and f
        ),
        timeout=40,
        what="fragile's six life events",
    )
    assert life["kind"].to_list() == [
        "actor_spawn", "actor_fail", "actor_restart", "actor_fail", "actor_restart", "actor_fail",
    ]  # fmt: skip
    assert life["incarnation"].to_list() == [0, 0, 1, 1, 2, 2]
    assert "worker process has died" in life["reason"][-1]


def _answers(ray, actor) -> bool:
    try:
        ray.get(actor.ping.remote(), timeout=5)
        return True
    except Exception:
        return False


def test_receiver_refuses_bad_posts_and_counts_them(ray_cluster, live):
    receiver = ray_cluster["serve"].ready["ray_receiver"]
    for body in (b"{not json", b"[1, 2]"):
        req = urllib.request.Request(receiver, data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 400
    base = ray_cluster["serve"].ready["metrics"]
    text = urllib.request.urlopen(base, timeout=5).read().decode()
    assert 'meshlab_ray_posts_total{outcome="rejected_malformed"} 2.0' in text
    assert 'meshlab_ray_posts_total{outcome="accepted"}' in text


def test_attaching_late_shows_the_present(ray_cluster):
    late = Serve(ray_cluster["cluster"].address, "--receiver-port", "0")
    try:
        client = ml.connect(late.url, record=False)
        try:
            spawned = wait_for(
                lambda: (
                    set(rows(client, kind="actor_spawn")["actor"]) >= {"supervisor"}
                    and set(rows(client, kind="actor_spawn")["actor"])
                ),
                timeout=30,
                what="the backfilled supervisor",
            )
            assert "fragile" not in spawned  # dead by now: not part of the present
            assert rows(client, kind="node_join").height == 2
        finally:
            client.close()
    finally:
        late.stop()


def test_polling_mode_says_what_it_cannot_see_and_still_shows_lifecycle(ray_cluster):
    ray = ray_cluster["ray"]
    poll = Serve(ray_cluster["cluster"].address, "--ray-poll", "--poll-interval", "1")
    try:
        client = ml.connect(poll.url, record=False)
        try:
            hello = client.connections[0].hello
            assert hello["ray"]["mode"] == "poll"
            assert any("calls between actors" in s for s in hello["ray"]["cannot_see"])
            wait_for(lambda: rows(client, kind="node_join").height >= 2, timeout=30,
                     what="polled nodes")  # fmt: skip

            @ray.remote(num_cpus=0)
            class Short:
                def ping(self):
                    return 1

            short = Short.options(name="short-lived").remote()
            ray.get(short.ping.remote())
            wait_for(lambda: rows(client, kind="actor_spawn", actor="short-lived").height,
                     timeout=30, what="the polled spawn")  # fmt: skip
            ray.kill(short)
            stop = wait_for(
                lambda: (s := rows(client, kind="actor_stop", actor="short-lived")).height and s,
                timeout=30,
                what="the polled stop",
            )
            assert stop["reason"][0] == "normal"  # ray.kill: stopped on purpose
            assert rows(client, kind="msg_send").height == 0  # no calls in this mode
        finally:
            client.close()
    finally:
        poll.stop()
    assert any("polling mode cannot see" in line for line in poll.err)


def test_node_removed_without_grace(ray_cluster, live):
    ray = ray_cluster["ray"]

    @ray.remote(num_cpus=0, max_restarts=1)
    class Pinned:
        def where(self):
            return ray.get_runtime_context().get_node_id()

    pinned = Pinned.options(name="pinned", resources={"n1": 1}).remote()
    node_hex = ray.get(pinned.where.remote())
    wait_for(lambda: rows(live, kind="actor_spawn", actor="pinned").height, timeout=30,
             what="pinned spawned")  # fmt: skip
    removed_at = time.time()
    ray_cluster["cluster"].remove_node(ray_cluster["worker"], allow_graceful=False)
    name = f"node-{node_hex[:8]}"
    # Ray's own node_down, not one the client recorded when heartbeats were late
    down = wait_for(
        lambda: (d := ray_rows(live, kind="node_down", node=name)).height and d,
        timeout=60,
        what="node_down",
    )
    assert down["reason"][-1].startswith("UNEXPECTED_TERMINATION")
    assert down["t"][-1] > removed_at
    fail = wait_for(
        lambda: (f := rows(live, kind="actor_fail", actor="pinned")).height and f,
        timeout=30,
        what="pinned failing with its node",
    )
    assert fail["reason"][0] == "node_down"
