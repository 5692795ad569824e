"""crash-loop: a daemon crashes at every start, backs off exponentially, is gated for a
cooldown, and starts healthy once the gate releases it after the bug is fixed.

The MeshOS engine is left on ``mesh.meshos``, so a live server can take admin actions for it.
"""

from __future__ import annotations

from meshlab.meshos import Daemon, DesiredState, MeshOS, Policy
from meshlab.scenarios.spec import Scenario
from meshlab.sim import Mesh, Uniform


def _mesh(name: str, seed: int, nodes: int) -> Mesh:
    # latencies from the seeded RNG: RTT samples and copy times differ from seed to seed
    return Mesh(seed=seed, nodes=nodes, latency=Uniform(0.001, 0.004), scenario=name)


def build(*, seed: int, nodes: int) -> Mesh:
    mesh = _mesh("crash-loop", seed, nodes)
    names = mesh.nodes_up()
    victim = names[1 % len(names)]
    engine = MeshOS(
        mesh,
        DesiredState(daemons=(Daemon("agent", essential=True), Daemon("flaky"))),
        policy=Policy(crash_loop=3, cooldown=20.0),
        faults={(victim, "flaky"): "crash"},
    )

    # The bug is fixed (a new build is rolled out) while the daemon is held down: the gate
    # releases it after its cooldown and it starts healthy.
    def fixed(_: object) -> None:
        engine.faults.pop((victim, "flaky"), None)

    mesh.schedule(15.0, fixed, None)
    mesh.params.update(victim=victim, fixed_at=15.0)
    return mesh


SCENARIO = Scenario(
    "crash-loop",
    summary="a daemon crash-loops, backs off, is gated for a cooldown and released once fixed",
    until=60.0,
    nodes=3,
    build=build,
)
