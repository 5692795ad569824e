"""Processing time: every form ``cost`` may take, and a clear stop on a cost that is unusable."""

import math
import statistics

import polars as pl
import pytest
from simkit import Sender, Sink, rows

import meshlab as ml
from meshlab.sim import CostError, Message
from meshlab.trace.invariants import assert_valid


def durations(mesh, actor: str) -> list[float]:
    return [h["duration"] for h in rows(mesh.trace, "msg_handle") if h["actor"] == actor]


def run_one(cls, count: int = 3, *, seed: int = 0, until: float = 1000.0) -> ml.Mesh:
    mesh = ml.Mesh(seed=seed, nodes=1)
    mesh.spawn(cls, name="server")
    mesh.spawn(Sender, "server", count, name="client")
    mesh.run(until=until)
    return mesh


class Exp(Sink):
    cost = lambda msg, ctx: ctx.rng.expovariate(10.0)  # noqa: E731  (the one-line M/M/1 form)


def test_a_one_line_random_cost_draws_from_the_mesh_rng():
    a = durations(run_one(Exp, 2000), "server")
    assert len(set(a)) == 2000  # every message drew its own time
    assert statistics.fmean(a) == pytest.approx(0.1, rel=0.1)
    assert durations(run_one(Exp, 2000), "server") == a  # same seed, same draws
    assert durations(run_one(Exp, 2000, seed=1), "server") != a


def test_a_cost_method_sees_the_actor_and_the_message():
    seen: list[Message] = []

    class Scaled(Sink):
        def __init__(self) -> None:
            self.per_unit = 0.25

        def cost(self, msg, ctx):
            seen.append(msg)
            assert ctx.self == "server" and ctx.sender == msg.sender
            return self.per_unit * (msg.body + 1)

    mesh = run_one(Scaled)
    assert durations(mesh, "server") == [0.25, 0.5, 0.75]
    handles = [h for h in rows(mesh.trace, "msg_handle") if h["actor"] == "server"]
    assert [(m.type, m.body, m.sender, m.id) for m in seen] == [
        ("job", i, "client", h["msg_id"]) for i, h in enumerate(handles)
    ]


def test_other_forms_a_staticmethod_an_instance_cost_a_distribution_and_a_dict():
    class Static(Sink):
        cost = staticmethod(lambda msg, ctx: 0.5)

    class PerInstance(Sink):
        def __init__(self) -> None:
            self.cost = lambda msg, ctx: 0.75

    class Drawn(Sink):
        cost = ml.sim.Exponential(0.1)

    class ByType(Sink):
        cost = {"job": 0.2, "*": 0.0}

    assert durations(run_one(Static), "server") == [0.5] * 3
    assert durations(run_one(PerInstance), "server") == [0.75] * 3
    drawn = durations(run_one(Drawn), "server")
    assert len(set(drawn)) == 3 and all(d > 0 for d in drawn)
    assert durations(run_one(ByType), "server") == [0.2] * 3


def test_reassigning_a_class_cost_takes_effect_at_the_next_spawn():
    class Tunable(Sink):
        cost = 0.1

    assert durations(run_one(Tunable), "server") == [0.1] * 3
    Tunable.cost = 0.3
    assert durations(run_one(Tunable), "server") == [0.3] * 3


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (-0.5, "is -0.5 seconds"),
        (math.nan, "is nan seconds"),
        (math.inf, "is inf seconds"),
        (None, "is None (NoneType), not a number"),
        ("0.1", "is '0.1' (str), not a number"),
    ],
)
def test_an_unusable_cost_stops_the_run_naming_actor_message_type_and_value(value, shown):
    class Bad(Sink):
        def cost(self, msg, ctx):
            return value if msg.body == 2 else 0.1

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Bad, name="server")
    mesh.spawn(Sender, "server", 4, name="client")
    with pytest.raises(CostError) as err:
        mesh.run(until=10.0)
    text = str(err.value)
    assert text.startswith("actor 'server' (Bad) at t=0.2: the cost of a 'job' message ")
    assert shown in text and "a cost must be a finite number of seconds >= 0" in text
    assert (err.value.actor, err.value.msg_type, err.value.t) == ("server", "job", 0.2)
    # the run stopped there, and everything up to then is kept and valid
    trace = mesh.trace
    assert durations(mesh, "server") == [0.1, 0.1]
    last = trace.events.row(-1, named=True)
    assert (last["kind"], last["t"]) == ("msg_handle", 0.1)  # message 1 started at t=0.1
    assert trace.events.filter(pl.col("kind") == "msg_recv").height == 4
    assert_valid(trace)
    with pytest.raises(RuntimeError, match=r"stopped at t=0\.2 on an error \(CostError: actor"):
        mesh.run(until=20.0)
    with pytest.raises(RuntimeError, match="build a new mesh to run again"):
        mesh.step()


def test_stepping_stops_on_an_unusable_cost_as_running_does():
    class Negative(Sink):
        cost = lambda msg, ctx: -1.0  # noqa: E731

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Negative, name="server")
    mesh.spawn(Sender, "server", 1, name="client")
    with pytest.raises(CostError, match=r"is -1\.0 seconds"):
        while mesh.step():
            pass
    with pytest.raises(RuntimeError, match="stopped at t=0 on an error"):
        mesh.step()


def test_a_cost_that_raises_stops_the_run_with_the_error_in_one_line():
    class Raises(Sink):
        cost = lambda msg, ctx: {"small": 0.1}[msg.type]  # noqa: E731

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Raises, name="server")
    mesh.spawn(Sender, "server", 1, "big", name="client")
    with pytest.raises(CostError) as err:
        mesh.run(until=1.0)
    assert str(err.value) == (
        "actor 'server' (Raises) at t=0: the cost of a 'big' message raised KeyError: 'big'"
    )
    assert isinstance(err.value.__cause__, KeyError)
    assert mesh.trace.events["kind"].cast(pl.String).to_list()[-2:] == ["msg_send", "msg_recv"]


def test_listeners_still_hear_of_the_events_recorded_before_the_error():
    class Negative(Sink):
        cost = lambda msg, ctx: -1.0  # noqa: E731

    mesh = ml.Mesh(seed=0, nodes=1)
    heard = []
    mesh.add_listener(lambda: heard.append(len(mesh.trace)))
    mesh.spawn(Negative, name="server")
    mesh.spawn(Sender, "server", 1, name="client")
    with pytest.raises(CostError):
        mesh.run(until=1.0)
    assert heard == [len(mesh.trace)] and heard[0] > 0


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        (-1, "Bad.cost is -1.0; a cost must be a finite number of seconds >= 0"),
        (math.nan, "Bad.cost is nan; a cost must be"),
        (math.inf, "Bad.cost is inf; a cost must be"),
        ({"job": -0.1}, "Bad.cost['job'] is -0.1; a cost must be"),
        ({"*": "slow"}, "Bad.cost['*'] must be seconds (a number); got 'slow'"),
        ("fast", "Bad.cost must be seconds, a dict by message type, a distribution"),
        (True, "Bad.cost must be seconds, a dict by message type, a distribution"),
        (staticmethod(lambda msg: 0.1), "Bad.cost must accept (msg, ctx)"),
        (staticmethod(lambda msg_type, body: 0.1), "a cost callable now takes (msg, ctx)"),
    ],
)
def test_a_bad_cost_on_the_class_fails_at_spawn_naming_the_class(cost, message):
    bad = type("Bad", (Sink,), {"cost": cost})
    mesh = ml.Mesh(seed=0, nodes=1)
    with pytest.raises((TypeError, ValueError)) as err:
        mesh.spawn(bad, name="server")
    assert message in str(err.value)
    assert mesh.actors_alive() == [] and len(mesh.trace) == 1  # only the node joined
