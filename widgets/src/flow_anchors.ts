// Above ZONE_MIN nodes the flows view draws the topology's zones (zones.ts), not nodes: each node
// maps to an anchor, its own index, or ZONE_DOT + its zone when its zone is drawn as one dot
// (every zone in the overview; every zone but the one zoomed into otherwise). The node edges of
// the window are summed per pair of anchors, per message type, so a band between two zones
// carries exactly the messages between their nodes and a zone's own traffic is its "within".
import type { FlowEdge } from "./flows";
import { pairKey } from "./flows";
import type { Zoning } from "./zones";

/** Anchor ids at and above this are zones (ZONE_DOT + zone index); below, nodes. */
export const ZONE_DOT = 1 << 20;

/** Anchor of each node index: the node itself when drawn alone, else its zone. */
export function anchorsOf(nNodes: number, zoning: Zoning | null, focus: number): Int32Array {
  const out = new Int32Array(nNodes);
  for (let n = 0; n < nNodes; n++) {
    const z = zoning ? zoning.zoneOf[n] : -1;
    out[n] = z < 0 || z === focus ? n : ZONE_DOT + z;
  }
  return out;
}

/** A summed edge between two anchors. */
export interface AnchorEdge extends FlowEdge {
  /** Node edges summed into it (from, to node index pairs), for the hover's detail. */
  parts: number;
}

/**
 * The node edges summed per pair of anchors (an edge inside one anchor comes out as from === to,
 * which the lines count as traffic within). Cost: one pass over the node edges.
 */
export function anchorEdges(edges: Iterable<FlowEdge>, anchor: Int32Array): Map<number, AnchorEdge> {
  const out = new Map<number, AnchorEdge>();
  for (const e of edges) {
    if (!e.count) continue;
    const a = e.from < anchor.length ? anchor[e.from] : -1;
    const b = e.to < anchor.length ? anchor[e.to] : -1;
    if (a < 0 || b < 0) continue;
    const k = pairKey(a, b);
    let s = out.get(k);
    if (!s) out.set(k, (s = { from: a, to: b, count: 0, types: new Map(), parts: 0 }));
    s.count += e.count;
    s.parts++;
    for (const [ty, n] of e.types) if (n > 0) s.types.set(ty, (s.types.get(ty) ?? 0) + n);
  }
  return out;
}

/** The node pairs whose edges make up the anchor edge a -> b (a node edge's from/to). */
export function edgeParts(edges: Iterable<FlowEdge>, anchor: Int32Array, a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  for (const e of edges) if (e.count && anchor[e.from] === a && anchor[e.to] === b) out.push([e.from, e.to]);
  return out;
}
