// Messages in flight as flows when there are too many to draw one by one: one band per pair of
// anchors (two nodes, or zones when nodes are drawn in zones), as wide as its share of the
// traffic and in its commonest message type's colour; between zones only the busiest few.
import type { MeshState } from "./fold";
import { center, type Rect } from "./layout";
import { flowWidth } from "./lod";
import type { SceneFlow } from "./scene_types";
import type { EventStore } from "./store";

/** Flow anchors: node indexes below ZONE_ANCHOR, zones above; a pair key is a * ANCHORS + b. */
export const ZONE_ANCHOR = 1 << 20;
const ANCHORS = 1 << 22;
/** At most this many flows between zones are drawn (the busiest). */
const ZONE_FLOWS = 12;

/**
 * The flows of the messages `shown`, between the anchors their nodes have (`anchorId` by node
 * index, where each is drawn in `anchorBox`); `colorOf` gives a message type's colour.
 */
export function flowsBetween(
  store: EventStore,
  s: MeshState,
  shown: number[],
  nNodes: number,
  anchorId: Int32Array,
  anchorBox: Map<number, Rect>,
  colorOf: (type: number) => string,
): SceneFlow[] {
  const flows: SceneFlow[] = [];
  const byPair = new Map<number, { count: number; types: Map<number, number> }>();
  for (const m of shown) {
    const na = store.mSrcNode.data[m];
    const dst = store.mDst.data[m];
    const nb = store.mDstNode.data[m] >= 0 ? store.mDstNode.data[m] : dst >= 0 ? s.node[dst] : -1;
    if (nb < 0 || na < 0 || na >= nNodes || nb >= nNodes) continue;
    const a = anchorId[na];
    const b = anchorId[nb];
    if (a === b || a < 0 || b < 0) continue;
    const key = a * ANCHORS + b;
    let agg = byPair.get(key);
    if (!agg) byPair.set(key, (agg = { count: 0, types: new Map() }));
    agg.count++;
    const ty = store.mType.data[m];
    agg.types.set(ty, (agg.types.get(ty) ?? 0) + 1);
  }
  let max = 0;
  for (const v of byPair.values()) max = Math.max(max, v.count);
  // Little's law: arrivals per second = messages in flight / mean time in flight.
  const meanLatency = store.latencyCount ? store.latencySum / store.latencyCount : 0;
  for (const [key, v] of byPair) {
    const a = Math.floor(key / ANCHORS);
    const b = key % ANCHORS;
    const ra = anchorBox.get(a);
    const rb = anchorBox.get(b);
    if (!ra || !rb) continue;
    let best = -1;
    let bestN = -1;
    for (const [ty, c] of v.types) if (c > bestN) [best, bestN] = [ty, c];
    const [x0, y0] = center(ra);
    const [x1, y1] = center(rb);
    flows.push({
      from: a < ZONE_ANCHOR ? a : -1,
      to: b < ZONE_ANCHOR ? b : -1,
      fromBox: ra,
      toBox: rb,
      count: v.count,
      rate: meanLatency > 0 ? v.count / meanLatency : 0,
      width: flowWidth(v.count, max),
      color: colorOf(best),
      x0,
      y0,
      x1,
      y1,
    });
  }
  return flows;
}

/**
 * Between zones, traffic from everyone to everyone is hundreds of bands over the cells' names:
 * the busiest few are kept (in place), their widths scaled among themselves.
 */
export function busiestZoneFlows(flows: SceneFlow[]): void {
  if (flows.length <= ZONE_FLOWS) return;
  flows.sort((a, b) => b.count - a.count || a.fromBox.x - b.fromBox.x || a.fromBox.y - b.fromBox.y);
  flows.length = ZONE_FLOWS;
  const max = flows[0].count;
  for (const fl of flows) fl.width = flowWidth(fl.count, max, 10);
}
