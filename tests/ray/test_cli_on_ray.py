"""``meshlab record`` and ``meshlab attach`` against ``meshlab serve --ray`` on a real cluster.

The commands run as a user runs them (subprocesses; ``attach`` in a tmux terminal) on the
package's cluster, before any test there removes its worker node. The waits are on signals:
the node's subscriber count (the recorder attached), a client of the test's own holding the
calls (then the recorder is stopped as by Ctrl-C), the text on the terminal's screen.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

import polars as pl
import pytest
from raykit import Terminal, wait_for

import meshlab as ml
from meshlab.live.observations import is_observation

# the first test here also waits for the package's cluster to start (pytest-timeout counts it)
pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(600)]


def subscribers(serve) -> int:
    """How many clients stream from the node now (its /metrics)."""
    text = urllib.request.urlopen(serve.ready["metrics"], timeout=10).read().decode()
    line = next(ln for ln in text.splitlines() if ln.startswith("meshlab_stream_subscribers "))
    return int(float(line.split()[1]))


def of(df: pl.DataFrame, **eq) -> pl.DataFrame:
    for col, value in eq.items():
        df = df.filter(pl.col(col) == value)
    return df


def ray_events(client) -> pl.DataFrame:
    """A client's events from the node (not its own observations), without its numbering."""
    events = client.trace().events
    return (
        events.filter(~is_observation(events))
        .drop("seq")
        .with_columns(kind=pl.col("kind").cast(pl.String))
    )


def node_names(ray) -> list[str]:
    return sorted(f"node-{n['NodeID'][:8]}" for n in ray.nodes() if n["Alive"])


def test_record_writes_what_the_ray_node_streams(ray_cluster, tmp_path):
    ray = ray_cluster["ray"]
    serve = ray_cluster["serve"]
    out = tmp_path / "ray.mlog"
    # a client of our own sees what the node streams; the recorder gets the same frames
    client = ml.connect(serve.url, record=False)
    before = subscribers(serve)
    args = [sys.executable, "-m", "meshlab", "record", serve.url, "--seconds", "600"]
    rec = subprocess.Popen(
        [*args, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: subscribers(serve) > before, timeout=120, what="the recorder to attach")

        @ray.remote(num_cpus=0)
        class Echo:
            def echo(self, x):
                return x

        echo = Echo.options(name="recorded").remote()
        assert ray.get([echo.echo.remote(i) for i in range(3)]) == [0, 1, 2]
        wait_for(
            lambda: of(ray_events(client), kind="handler_end", actor="recorded").height >= 3,
            timeout=60,
            what="the three calls streamed",
        )
        rec.send_signal(signal.SIGINT)  # as Ctrl-C: the recorder stops and closes its file
        _, err = rec.communicate(timeout=60)
        streamed = ray_events(client)
    finally:
        client.close()
        if rec.poll() is None:
            rec.kill()
            rec.wait()
    assert rec.returncode == 0, err
    assert "recorded" in err and "from 1 node server(s)" in err, err
    trace = ml.load(out)
    assert trace.meta.source == "live"
    got = trace.events.filter(~is_observation(trace.events)).drop("seq")
    got = got.with_columns(kind=pl.col("kind").cast(pl.String))
    # the node's stream as it is: the same events (Ray's; observations are each client's
    # own) in the same order as our client got them, up to where the recorder stopped
    assert got.height > 0 and got.equals(streamed.head(got.height))
    assert sorted(set(of(got, kind="node_join")["node"])) == node_names(ray)
    spawn = of(got, kind="actor_spawn", actor="recorded")
    assert spawn["msg_type"].to_list() == ["Echo"] and spawn["parent"].to_list() == ["driver"]
    sends = of(got, kind="msg_send", actor="driver", peer="recorded")
    ends = of(got, kind="handler_end", actor="recorded")
    assert sends.height == 3 and ends["reason"].to_list() == ["ok"] * 3
    assert set(ends["msg_id"]) == set(sends["msg_id"])
    ray.kill(echo)


def test_attach_shows_the_ray_cluster_live(ray_cluster):
    ray = ray_cluster["ray"]
    names = node_names(ray)
    term = Terminal(f"{sys.executable} -m meshlab attach {ray_cluster['serve'].url}")
    try:
        term.wait_for(
            lambda s: all(f"{n} up" in s for n in names) and "ACTOR▲" in s,
            timeout=60,
            what=f"the cluster's nodes {names} up",
        )

        @ray.remote(num_cpus=0)
        class Echo:
            def echo(self, x):
                return x

        echo = Echo.options(name="attached").remote()
        assert ray.get([echo.echo.remote(i) for i in range(4)]) == [0, 1, 2, 3]

        def row(screen: str) -> list[str] | None:
            """ACTOR NODE STATUS MAILBOX PROCESSED of 'attached' (RESTARTS may be past the
            terminal's width; a line caught mid-redraw is not taken)."""
            lines = screen.splitlines()
            r = next((ln.split() for ln in lines if ln.startswith("attached ")), None)
            return r if r is not None and len(r) >= 5 else None

        # the four calls handled (PROCESSED counts handlers started: idle once all ended)
        screen = term.wait_for(
            lambda s: (r := row(s)) is not None and r[4] == "4" and r[2] == "idle",
            timeout=60,
            what="the actor 'attached' with its four calls processed",
        )
        r = row(screen)
        shown = {n if len(n) < 10 else "…" + n[-7:] for n in names}  # the table's width 10
        assert r[1] in shown and r[3] == "0", r
        ray.kill(echo)  # stopped on purpose: Ray's death cause RAY_KILL
        term.wait_for(
            lambda s: (r := row(s)) is not None and r[2] == "stopped",
            timeout=60,
            what="the actor 'attached' stopped",
        )
        term.keys("q")
        wait_for(lambda: not term.alive(), timeout=15, what="attach to leave on q")
    finally:
        term.close()
