// The curves of a partial partition: one per cut link inside a side (or per block of many),
// between the two regions' headers, where they end, bow and how near a point is to one.
import { HEADER, type Rect } from "./layout";
import type { PartialCut } from "./partition";

/** A block of more cut links than this is drawn as one curve between its two groups. */
const BUNDLE = 4;

/** A cut link inside a side, drawn as a quadratic curve from one region's header to the other's. */
export interface CutArc {
  a: number;
  b: number;
  x0: number;
  y0: number;
  cx: number;
  cy: number;
  x1: number;
  y1: number;
  group: PartialCut;
  /** Cut links the curve stands for: 1, or a whole block (a bundle, from a to b as its ends). */
  count: number;
}

/**
 * One curve per cut link, or per block of more than BUNDLE links (between the region of each
 * group nearest its group's middle), between points on the line under each region's header:
 * a region with several curves spreads their ends along it (ordered by where the other end is,
 * so curves do not cross at the ends). A curve bows off the straight line: down into the
 * regions' upper bodies between two regions of one row (so it never runs over their headers),
 * else up or to the left, by a fifth of its length.
 */
export function cutArcs(partial: PartialCut[], boxOf: Map<number, Rect>): CutArc[] {
  const ends = new Map<number, { other: number; arc: number; end: 0 | 1 }[]>();
  const raw: { a: number; b: number; group: PartialCut; count: number }[] = [];
  const middle = (ns: number[]) => {
    const bs = ns.map((n) => boxOf.get(n)).filter((b): b is Rect => !!b);
    const mx = bs.reduce((s, b) => s + b.x + b.w / 2, 0) / bs.length;
    const my = bs.reduce((s, b) => s + b.y + b.h / 2, 0) / bs.length;
    return ns.filter((n) => boxOf.has(n)).sort((p, q) => dist(boxOf.get(p)!, mx, my) - dist(boxOf.get(q)!, mx, my) || p - q)[0];
  };
  const add = (a: number, b: number, group: PartialCut, count: number) => {
    const arc = raw.push({ a, b, group, count }) - 1;
    (ends.get(a) ?? ends.set(a, []).get(a)!).push({ other: b, arc, end: 0 });
    (ends.get(b) ?? ends.set(b, []).get(b)!).push({ other: a, arc, end: 1 });
  };
  for (const g of partial) {
    const drawn = g.pairs.filter(([a, b]) => boxOf.has(a) && boxOf.has(b));
    if (drawn.length > BUNDLE) add(middle(g.x), middle(g.y), g, g.pairs.length);
    else for (const [a, b] of drawn) add(a, b, g, 1);
  }
  const at: [number, number][][] = raw.map(() => [[0, 0], [0, 0]]);
  for (const [n, list] of ends) {
    const box = boxOf.get(n)!;
    const cx = (m: number) => boxOf.get(m)!.x + boxOf.get(m)!.w / 2;
    const cy = (m: number) => boxOf.get(m)!.y;
    list.sort((p, q) => cx(p.other) - cx(q.other) || cy(p.other) - cy(q.other) || p.other - q.other);
    list.forEach((e, k) => {
      at[e.arc][e.end] = [box.x + (box.w * (k + 1)) / (list.length + 1), box.y + HEADER + 3];
    });
  }
  return raw.map(({ a, b, group, count }, i) => {
    const [[x0, y0], [x1, y1]] = at[i];
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len = Math.hypot(dx, dy) || 1;
    let [nx, ny] = [-dy / len, dx / len];
    const row = Math.abs(dy) < 1;
    // one row: downwards; otherwise the normal pointing up (or left, for a vertical link)
    if (row ? ny < 0 : ny > 0 || (ny === 0 && nx > 0)) [nx, ny] = [-nx, -ny];
    const bow = row ? Math.min(60, Math.max(20, len * 0.2)) : Math.max(24, len * 0.2);
    return { a, b, x0, y0, x1, y1, cx: (x0 + x1) / 2 + nx * bow, cy: Math.max(0, (y0 + y1) / 2 + ny * bow), group, count };
  });
}

const dist = (b: Rect, x: number, y: number) => Math.hypot(b.x + b.w / 2 - x, b.y + b.h / 2 - y);

/** The point half way along a cut curve. */
export function arcMiddle(c: CutArc): [number, number] {
  return [0.25 * c.x0 + 0.5 * c.cx + 0.25 * c.x1, 0.25 * c.y0 + 0.5 * c.cy + 0.25 * c.y1];
}

/** Distance from (x, y) to a cut curve, sampled. */
export function nearCurve(c: CutArc, x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i <= 24; i++) {
    const t = i / 24;
    const u = 1 - t;
    const px = u * u * c.x0 + 2 * u * t * c.cx + t * t * c.x1;
    const py = u * u * c.y0 + 2 * u * t * c.cy + t * t * c.y1;
    best = Math.min(best, Math.hypot(px - x, py - y));
  }
  return best;
}
