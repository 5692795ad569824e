// The flows view's picture, with no drawing: actors (or, past a few hundred, nodes) on a circle in
// the order their traffic runs, so a ring of messages comes out as a ring and a ping-pong pair
// as two neighbours; edges between them from a FlowWindow. Pure, so it is tested in node.
import { arcPoint } from "./interp";
import { dominantType, pairKey, type FlowEdge } from "./flows";

/** Above this many actors the view draws nodes and the traffic between nodes. */
export const FLOW_ACTOR_LIMIT = 120;
/** Actor names are written beside their glyphs up to this many. */
export const FLOW_LABEL_LIMIT = 48;
/** How far an edge bows to the left of its direction (a fraction of its length). */
export const FLOW_BEND = 0.16;

export interface FlowDot {
  idx: number; // actor index (byNode false) or node index
  x: number;
  y: number;
  r: number;
  /** Where its label goes: outside the circle, aligned away from the centre. */
  lx: number;
  ly: number;
  align: "left" | "right" | "center";
}

export interface FlowLine {
  from: number;
  to: number;
  count: number;
  rate: number;
  width: number;
  type: number; // dominant type code
  /** The link between the two ends' nodes is cut at the playhead: what is sent is dropped. */
  cut: boolean;
  /** Opacity by strength: a weak edge is thin and faint, so the busiest stand out. */
  alpha: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface FlowScene {
  byNode: boolean;
  cx: number;
  cy: number;
  radius: number;
  dots: FlowDot[];
  lines: FlowLine[];
  /** Messages between actors of one node, per node index (node mode only). */
  within: Map<number, number>;
  maxRate: number;
  /** Edges with messages in the window that are not drawn (weaker than the FLOW_KEEP busiest), and
   * their messages: the caption says so. */
  hidden: { edges: number; messages: number; aside: number };
  /** Messages on all edges between distinct dots in the window. */
  total: number;
  /** Cut links, one straight dashed chord per pair of dots, drawn as the topology draws a cut. */
  cuts: CutChord[];
  /** Partition side of each dot's index while the cut splits the mesh (empty otherwise). */
  sideOf: Map<number, number>;
}

/** A cut link between two dots, from rim to rim. */
export interface CutChord {
  a: number;
  b: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The chords of the cut links among `dots`: one per unordered pair that `cut` says is cut, rim to
 * rim. Between nodes every pair of dots is asked (a cut link shows with or without traffic);
 * between actors only the pairs with a flow line across the cut, so the cost stays with the lines.
 */
export function cutChords(dots: FlowDot[], lines: FlowLine[], everyPair: boolean, cut: (a: number, b: number) => boolean): CutChord[] {
  const at = new Map(dots.map((d) => [d.idx, d]));
  const pairs = new Map<number, [number, number]>();
  const add = (x: number, y: number) => pairs.set(pairKey(Math.min(x, y), Math.max(x, y)), [Math.min(x, y), Math.max(x, y)]);
  if (everyPair) {
    for (let i = 0; i < dots.length; i++) for (let j = i + 1; j < dots.length; j++) if (cut(dots[i].idx, dots[j].idx)) add(dots[i].idx, dots[j].idx);
  } else for (const l of lines) if (l.cut) add(l.from, l.to);
  const out: CutChord[] = [];
  for (const [a, b] of pairs.values()) {
    const p = at.get(a);
    const q = at.get(b);
    if (!p || !q) continue;
    const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    const ux = (q.x - p.x) / len;
    const uy = (q.y - p.y) / len;
    // from just outside each dot, past its status and selection rings
    out.push({ a, b, x0: p.x + ux * (p.r + 6), y0: p.y + uy * (p.r + 6), x1: q.x - ux * (q.r + 6), y1: q.y - uy * (q.r + 6) });
  }
  return out.sort((u, v) => u.a - v.a || u.b - v.b);
}

/**
 * Chains of `items` (ids in their given order) that follow heavy traffic: from the first, walk to
 * the unvisited item it sends most to (else receives most from), else start a new chain at the
 * next unvisited one. Items with no traffic at all come last, as one chain. `weight` maps
 * pairKey(from, to) -> messages.
 */
export function trafficChains(items: number[], weight: Map<number, number>): number[][] {
  const out = new Map<number, [number, number][]>();
  const inn = new Map<number, [number, number][]>();
  const inSet = new Set(items);
  for (const [key, w] of weight) {
    const a = Math.floor(key / 16777216);
    const b = key - a * 16777216;
    if (a === b || !inSet.has(a) || !inSet.has(b)) continue;
    (out.get(a) ?? out.set(a, []).get(a)!).push([b, w]);
    (inn.get(b) ?? inn.set(b, []).get(b)!).push([a, w]);
  }
  const rank = new Map(items.map((v, i) => [v, i]));
  const best = (list: [number, number][] | undefined, seen: Set<number>): number => {
    let pick = -1;
    let pw = -1;
    for (const [v, w] of list ?? []) {
      if (seen.has(v)) continue;
      if (w > pw || (w === pw && rank.get(v)! < rank.get(pick)!)) [pick, pw] = [v, w];
    }
    return pick;
  };
  const seen = new Set<number>();
  const chains: number[][] = [];
  const quiet: number[] = [];
  for (const first of items) {
    if (seen.has(first)) continue;
    if (!out.has(first) && !inn.has(first)) {
      seen.add(first);
      quiet.push(first);
      continue;
    }
    const chain: number[] = [];
    for (let cur = first; cur >= 0; ) {
      seen.add(cur);
      chain.push(cur);
      const o = best(out.get(cur), seen);
      cur = o >= 0 ? o : best(inn.get(cur), seen);
    }
    chains.push(chain);
  }
  if (quiet.length) chains.push(quiet);
  return chains;
}

/** The chains of trafficChains, end to end: the order of the actors on the circle. */
export function trafficOrder(items: number[], weight: Map<number, number>): number[] {
  return trafficChains(items, weight).flat();
}

/**
 * Points on a circle, the first at the top, clockwise; labels outside. With `group` (a group id
 * per item), an empty slot separates consecutive groups, so a busy pair reads as a pair.
 */
export function circleDots(order: number[], cx: number, cy: number, radius: number, r: number | ((idx: number) => number), group?: (idx: number) => number): FlowDot[] {
  const n = order.length;
  const slotOf: number[] = [];
  let slot = 0;
  let groups = 1;
  order.forEach((idx, i) => {
    if (group && i > 0 && group(idx) !== group(order[i - 1])) {
      slot++;
      groups++;
    }
    slotOf.push(slot++);
  });
  const slots = groups > 1 ? slot + 1 : slot; // and a gap where the last group meets the first
  return order.map((idx, i) => {
    const ang = -Math.PI / 2 + (2 * Math.PI * slotOf[i]) / Math.max(1, slots);
    const c = Math.cos(ang);
    const s = Math.sin(ang);
    const rr = typeof r === "number" ? r : r(idx);
    const x = n === 1 ? cx : cx + radius * c;
    const y = n === 1 ? cy : cy + radius * s;
    const off = rr + 8;
    // centred only straight above or below the circle: elsewhere a label runs away from it,
    // so neighbours near the top and bottom do not write over each other
    return { idx, x, y, r: rr, lx: x + c * off, ly: y + s * off, align: Math.abs(c) < 0.08 ? "center" : c > 0 ? "left" : "right" };
  });
}

/** Band width for a rate, when the busiest edge has `max`: area-true (square root), 1.5..maxW px. */
export function rateWidth(rate: number, max: number, maxW = 14): number {
  if (!(rate > 0) || !(max > 0)) return 0;
  return Math.max(1.5, (maxW * Math.sqrt(rate)) / Math.sqrt(max));
}

/** At most this many edges are drawn for n dots: all of a ring or a sparse mesh, the busiest of a
 * dense one (every ordered pair of 16 nodes is 240 bands, a solid mass). */
export const flowKeep = (n: number): number => Math.min(150, Math.max(60, 2 * n));

/** Opacity of an edge with `count` messages when the busiest has `max`: 0.2 (faint) .. 0.8. */
export const edgeAlpha = (count: number, max: number): number => (max > 0 ? 0.2 + 0.6 * Math.sqrt(count / max) : 0.8);

/**
 * Edges between placed dots; an edge whose end is not placed (filtered out) is left out. Only the
 * `keep` busiest are drawn; the rest are counted in `hidden`, never dropped silently. Edges
 * `aside` (between zones other than the one zoomed into) are counted in `hidden.aside` alone.
 */
export function flowLines(
  dots: FlowDot[],
  edges: { values(): Iterable<FlowEdge> },
  w: number,
  maxW = 14,
  cut: (from: number, to: number) => boolean = () => false,
  keep = Infinity,
  aside: (from: number, to: number) => boolean = () => false,
): { lines: FlowLine[]; within: Map<number, number>; maxRate: number; hidden: { edges: number; messages: number; aside: number }; total: number } {
  const at = new Map(dots.map((d) => [d.idx, d]));
  const within = new Map<number, number>();
  let max = 0;
  let total = 0;
  const between: FlowEdge[] = [];
  let asideN = 0;
  for (const e of edges.values()) {
    if (!e.count) continue;
    if (e.from === e.to) {
      within.set(e.from, (within.get(e.from) ?? 0) + e.count);
      continue;
    }
    if (!at.has(e.from) || !at.has(e.to)) continue;
    if (aside(e.from, e.to)) {
      asideN++;
      continue;
    }
    max = Math.max(max, e.count);
    total += e.count;
    between.push(e);
  }
  const hidden = { edges: 0, messages: 0, aside: asideN };
  if (between.length > keep) {
    between.sort((p, q) => q.count - p.count || p.from - q.from || p.to - q.to);
    for (let i = keep; i < between.length; i++) hidden.messages += between[i].count;
    hidden.edges = between.length - keep;
    between.length = keep;
  }
  const lines: FlowLine[] = [];
  for (const e of between) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    // from the rim of one glyph to the rim of the other, so arrowheads stay visible
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    lines.push({
      from: e.from,
      to: e.to,
      count: e.count,
      rate: e.count / w,
      width: rateWidth(e.count, max, maxW),
      type: dominantType(e),
      cut: cut(e.from, e.to),
      alpha: edgeAlpha(e.count, max),
      x0: a.x + ux * (a.r + 2),
      y0: a.y + uy * (a.r + 2),
      x1: b.x - ux * (b.r + 3),
      y1: b.y - uy * (b.r + 3),
    });
  }
  // thin over thick, so a quiet edge is never hidden under a busy one
  lines.sort((p, q) => q.width - p.width || p.from - q.from || p.to - q.to);
  return { lines, within, maxRate: max / w, hidden, total };
}

/** Distance from (x, y) to an edge's curve, sampled: the hover test. */
export function lineDistance(l: FlowLine, x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i <= 24; i++) {
    const [px, py] = arcPoint(l.x0, l.y0, l.x1, l.y1, i / 24, FLOW_BEND);
    best = Math.min(best, Math.hypot(px - x, py - y));
  }
  return best;
}

/** The edge under (x, y), the thinnest first (it is drawn on top), or null. */
export function hitLine(sc: FlowScene, x: number, y: number): FlowLine | null {
  for (let i = sc.lines.length - 1; i >= 0; i--) {
    const l = sc.lines[i];
    if (lineDistance(l, x, y) <= l.width / 2 + 4) return l;
  }
  return null;
}
