"""ctx.publish: an actor's published properties become attrs events that state_at merges."""

import json

import pytest

import meshlab as ml


class Candidate(ml.Actor):
    def started(self, ctx):
        ctx.publish(term=1, role="follower", note="hello")
        ctx.after(1.0, "win")

    def on_win(self, ctx, _):
        ctx.publish(role="leader", term=2, note=None)


def test_published_values_merge_in_state_at():
    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Candidate, name="c0")
    mesh.run(until=2.0)
    trace = mesh.trace
    rows = trace.events.filter(trace.events["kind"].cast(str) == "attrs")
    assert rows.select("t", "actor", "node").rows() == [(0.0, "c0", "n0"), (1.0, "c0", "n0")]
    before = trace.state_at(0.5).actors.row(0, named=True)["attrs"]
    after = trace.state_at(1.5).actors.row(0, named=True)["attrs"]
    assert json.loads(before) == {"term": 1, "role": "follower", "note": "hello"}
    assert json.loads(after) == {"term": 2, "role": "leader"}


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({}, TypeError, "at least one key=value"),
        ({"x": [1]}, ValueError, "ctx.publish: attrs value of 'x' must be"),
        ({f"k{i}": i for i in range(33)}, ValueError, "over the limit of 32"),
        ({"k" * 65: 1}, ValueError, "over the limit of 64"),
        ({"big": "x" * 5000}, ValueError, "over the limit of 4096"),
    ],
)
def test_publish_refuses_what_the_contract_does_not_allow(values, error, match):
    seen = []

    class Probe(ml.Actor):
        def started(self, ctx):
            try:
                ctx.publish(**values)
            except (TypeError, ValueError) as exc:
                seen.append(exc)

    mesh = ml.Mesh(seed=0, nodes=1)
    mesh.spawn(Probe, name="p")
    mesh.run(until=0.1)
    assert len(seen) == 1 and isinstance(seen[0], error)
    assert match in str(seen[0])
