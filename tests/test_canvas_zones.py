"""MeshOS's desired failure zones reach the canvas with the deck's meta, so its topology view
groups more than 50 nodes by them (the drawing is tested in tests/browser/test_topology_zones.py
and widgets/test/zones.test.ts)."""

from __future__ import annotations

import meshlab as ml
from meshlab.meshos import Blob, DesiredState, MeshOS


def test_meshos_zones_travel_in_the_canvas_meta():
    mesh = ml.Mesh(seed=1, nodes=60, latency=0.001)
    zones = {f"n{i}": f"rack-{i // 20}" for i in range(60)}
    MeshOS(mesh, DesiredState(blobs=(Blob("b0", replicas=3, spread="zone"),), zones=zones))
    mesh.run(until=2.0)
    canvas = ml.Canvas(mesh.trace)
    assert canvas.meta["meshos"]["zones"] == zones
    # a desired state without zones sends none
    plain = ml.Mesh(seed=1, nodes=4, latency=0.001)
    MeshOS(plain, DesiredState(blobs=(Blob("b0"),)))
    plain.run(until=1.0)
    assert "zones" not in ml.Canvas(plain.trace).meta["meshos"]
