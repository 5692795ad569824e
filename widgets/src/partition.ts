// Partition sides: while links are cut, which nodes can still reach which. Nodes joined by an
// uncut link are on one side (connected components); a clean split has every link between
// sides cut and none inside a side. Also the dropped messages per directed node link, so the
// canvas shows one count per link instead of a cross per message. Pure functions of the fold.
import { GAP, type Rect } from "./layout";
import type { MsgColumns } from "./flows";
import { pairKey } from "./flows";
import { K } from "./kinds";

export interface Sides {
  /** Node indexes per side, each sorted, sides ordered by their smallest node index. */
  groups: number[][];
  /** Side of each node index (-1: not on any side: down, left or not joined). */
  sideOf: Map<number, number>;
  /** Every link between two sides is cut, and no link inside one. */
  clean: boolean;
  /** Cut links inside one side (a partial partition: A cannot reach B, both reach C). */
  inside: [number, number][];
}

const linkKey = (a: number, b: number) => Math.min(a, b) * 65536 + Math.max(a, b);

/** The sides of the nodes in `present` (node indexes) given the fold's cut links. */
export function partitionSides(present: number[], links: Map<number, number>): Sides {
  const parent = new Map(present.map((n) => [n, n]));
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      if (links.has(linkKey(present[i], present[j]))) continue;
      const [a, b] = [find(present[i]), find(present[j])];
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const byRoot = new Map<number, number[]>();
  for (const n of present) {
    const r = find(n);
    (byRoot.get(r) ?? byRoot.set(r, []).get(r)!).push(n);
  }
  const groups = [...byRoot.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);
  const sideOf = new Map<number, number>();
  groups.forEach((g, i) => g.forEach((n) => sideOf.set(n, i)));
  const inside: [number, number][] = [];
  for (const key of links.keys()) {
    const a = Math.floor(key / 65536);
    const b = key % 65536;
    if (sideOf.has(a) && sideOf.get(a) === sideOf.get(b)) inside.push([a, b]);
  }
  return { groups, sideOf, clean: groups.length > 1 && inside.length === 0, inside };
}

/**
 * A partial partition's cut links, grouped: every link between a node of `x` and a node of `y`
 * is cut (a whole block when there are several), both ends still in one side, and `via` are the
 * nodes that still reach both ends of every one of these links directly: the bridges through
 * which the two ends reach each other. When the ends share no such node, `route` is the inner
 * nodes of a shortest detour of the group's first link (and `via` is empty).
 */
export interface PartialCut {
  x: number[];
  y: number[];
  /** The cut links, [lower index, higher index], sorted. */
  pairs: [number, number][];
  via: number[];
  route: number[];
}

/**
 * The cut links inside a side (`sides.inside`), grouped for the picture: links with the same
 * bridges, and among those the ones forming a complete block X x Y, become one group (a split
 * of {n0, n1} from {n2, n3} that n4 bridges is one group of four links); any other link is a
 * group of its own. Groups are sorted by their first link.
 */
export function partialCuts(present: number[], links: Map<number, number>, sides: Sides): PartialCut[] {
  if (!sides.inside.length) return [];
  const cut = (a: number, b: number) => links.has(linkKey(a, b));
  const bySide = new Map<number, number[]>();
  for (const n of present) {
    const i = sides.sideOf.get(n);
    if (i !== undefined) (bySide.get(i) ?? bySide.set(i, []).get(i)!).push(n);
  }
  // the bridges of each link, and the links grouped by them
  const byVia = new Map<string, { via: number[]; pairs: [number, number][] }>();
  for (const [p, q] of sides.inside) {
    const [a, b] = p < q ? [p, q] : [q, p];
    const peers = bySide.get(sides.sideOf.get(a)!) ?? [];
    const via = peers.filter((c) => c !== a && c !== b && !cut(a, c) && !cut(b, c));
    const key = via.join(",");
    (byVia.get(key) ?? byVia.set(key, { via, pairs: [] }).get(key)!).pairs.push([a, b]);
  }
  const out: PartialCut[] = [];
  for (const { via, pairs } of byVia.values()) {
    for (const block of blocks(pairs)) {
      const first = block.pairs[0];
      const route = via.length ? [] : detour(first[0], first[1], bySide.get(sides.sideOf.get(first[0])!) ?? [], cut);
      out.push({ ...block, via, route });
    }
  }
  return out.sort((g, h) => g.pairs[0][0] - h.pairs[0][0] || g.pairs[0][1] - h.pairs[0][1]);
}

/** Links split into complete bipartite blocks (connected, two-coloured, every X-Y link present); the rest one by one. */
function blocks(pairs: [number, number][]): { x: number[]; y: number[]; pairs: [number, number][] }[] {
  const adj = new Map<number, number[]>();
  for (const [a, b] of pairs) {
    (adj.get(a) ?? adj.set(a, []).get(a)!).push(b);
    (adj.get(b) ?? adj.set(b, []).get(b)!).push(a);
  }
  const colour = new Map<number, number>();
  const out: { x: number[]; y: number[]; pairs: [number, number][] }[] = [];
  for (const start of [...adj.keys()].sort((a, b) => a - b)) {
    if (colour.has(start)) continue;
    colour.set(start, 0);
    const seen = [start];
    let bipartite = true;
    for (let i = 0; i < seen.length; i++) {
      const u = seen[i];
      for (const v of adj.get(u)!) {
        if (!colour.has(v)) {
          colour.set(v, 1 - colour.get(u)!);
          seen.push(v);
        } else if (colour.get(v) === colour.get(u)) bipartite = false;
      }
    }
    const inBlock = new Set(seen);
    const mine = pairs.filter(([a]) => inBlock.has(a)).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const x = seen.filter((n) => colour.get(n) === colour.get(mine[0][0])).sort((a, b) => a - b);
    const y = seen.filter((n) => colour.get(n) !== colour.get(mine[0][0])).sort((a, b) => a - b);
    if (bipartite && mine.length === x.length * y.length) out.push({ x, y, pairs: mine });
    else for (const p of mine) out.push({ x: [p[0]], y: [p[1]], pairs: [p] });
  }
  return out;
}

/** Inner nodes of a shortest path from a to b over uncut links among `nodes` (breadth first). */
function detour(a: number, b: number, nodes: number[], cut: (a: number, b: number) => boolean): number[] {
  const prev = new Map<number, number>([[a, -1]]);
  const queue = [a];
  for (let i = 0; i < queue.length && !prev.has(b); i++) {
    const u = queue[i];
    for (const v of nodes) {
      if (prev.has(v) || v === u || cut(u, v)) continue;
      prev.set(v, u);
      queue.push(v);
    }
  }
  if (!prev.has(b)) return [];
  const path: number[] = [];
  for (let v = prev.get(b)!; v !== a && v >= 0; v = prev.get(v)!) path.unshift(v);
  return path;
}

export interface CutSegment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The cut line: a segment in the gap between every two regions that share an edge and lie on
 * different sides. Together they run between the groups like a border on a map.
 */
export function cutSegments(boxes: { idx: number; box: Rect }[], sideOf: Map<number, number>): CutSegment[] {
  const out: CutSegment[] = [];
  const near = (x: number, y: number) => Math.abs(x - y) <= GAP + 1;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const sa = sideOf.get(a.idx);
      const sb = sideOf.get(b.idx);
      if (sa === undefined || sb === undefined || sa === sb) continue;
      const A = a.box;
      const B = b.box;
      const yLo = Math.max(A.y, B.y);
      const yHi = Math.min(A.y + A.h, B.y + B.h);
      const xLo = Math.max(A.x, B.x);
      const xHi = Math.min(A.x + A.w, B.x + B.w);
      if (yHi > yLo && (near(B.x, A.x + A.w) || near(A.x, B.x + B.w))) {
        // side by side: a vertical segment in the middle of the gap, over the shared height,
        // stretched by half a gap at each end so segments meet at the corners
        const x = B.x >= A.x + A.w - 1 ? (A.x + A.w + B.x) / 2 : (B.x + B.w + A.x) / 2;
        out.push({ x0: x, y0: yLo - GAP / 2, x1: x, y1: yHi + GAP / 2 });
      } else if (xHi > xLo && (near(B.y, A.y + A.h) || near(A.y, B.y + B.h))) {
        const y = B.y >= A.y + A.h - 1 ? (A.y + A.h + B.y) / 2 : (B.y + B.h + A.y) / 2;
        out.push({ x0: xLo - GAP / 2, y0: y, x1: xHi + GAP / 2, y1: y });
      }
    }
  }
  return out;
}

/** What LinkDrops reads of the EventStore: its messages, and the moment rows that hold drops. */
export interface DropSource extends MsgColumns {
  moments: { length: number; data: Int32Array };
  kind: { data: Uint8Array };
  msgId: { data: ArrayLike<number> };
  messageOf(id: number): number;
}

export interface LinkDrop {
  from: number; // sender's node
  to: number; // receiver's node
  count: number;
  /** Time of the first drop counted. */
  first: number;
  /** The drop reasons seen, most frequent first. */
  reasons: string[];
}

/**
 * Dropped messages between two different nodes, per directed link, with drop time in
 * (since(from, to), t]: the caller says since when (the start of the cut on that link, or a
 * trailing window). `dstNode` places a message's receiver (the fold's node of its actor).
 */
export class LinkDrops {
  private dropT: number[] = [];
  private dropM: number[] = [];
  private seenMsgs = 0;
  private seenMoments = 0;

  constructor(private readonly src: DropSource) {}

  get n(): number {
    return this.dropM.length;
  }

  /**
   * Index the dropped messages by drop time, incrementally: the new messages already dropped,
   * and the drops (new moment rows) that ended messages indexed before. Sorted once more only
   * when a drop arrives out of time order.
   */
  private index(): void {
    const c = this.src;
    const total = c.mSendRow.length;
    const moments = c.moments.length;
    if (total === this.seenMsgs && moments === this.seenMoments) return;
    const fresh: number[] = [];
    for (let m = this.seenMsgs; m < total; m++) if (c.mDropped.data[m]) fresh.push(m);
    for (let i = this.seenMoments; i < moments; i++) {
      const row = c.moments.data[i];
      if (c.kind.data[row] !== K.msg_drop) continue;
      const m = c.messageOf(c.msgId.data[row]);
      // a message seen before, ended by this drop (not a discarded drop after its receive)
      if (m >= 0 && m < this.seenMsgs && c.mDropped.data[m] && c.mEndRow.data[m] === row) fresh.push(m);
    }
    this.seenMsgs = total;
    this.seenMoments = moments;
    if (!fresh.length) return;
    const end = c.mEnd.data;
    fresh.sort((a, b) => end[a] - end[b] || a - b);
    const last = this.dropT.length ? this.dropT[this.dropT.length - 1] : -Infinity;
    for (const m of fresh) {
      this.dropM.push(m);
      this.dropT.push(end[m]);
    }
    if (end[fresh[0]] < last) {
      const order = this.dropM.map((m, i) => [end[m], m, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      this.dropM = order.map((o) => o[1]);
      this.dropT = order.map((o) => o[0]);
    }
  }

  count(t: number, earliest: number, since: (from: number, to: number) => number, dstNode: (m: number) => number, reason: (m: number) => string): Map<number, LinkDrop> {
    this.index();
    const c = this.src;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dropT[mid] <= earliest) lo = mid + 1;
      else hi = mid;
    }
    const out = new Map<number, LinkDrop>();
    const why = new Map<number, Map<string, number>>();
    for (let i = lo; i < this.n && this.dropT[i] <= t; i++) {
      const m = this.dropM[i];
      const a = c.mSrcNode.data[m];
      const b = dstNode(m);
      if (a < 0 || b < 0 || a === b) continue;
      if (!(this.dropT[i] > since(a, b))) continue;
      const key = pairKey(a, b);
      let d = out.get(key);
      if (!d) out.set(key, (d = { from: a, to: b, count: 0, first: this.dropT[i], reasons: [] }));
      d.count++;
      const r = reason(m);
      const w = why.get(key) ?? why.set(key, new Map()).get(key)!;
      w.set(r, (w.get(r) ?? 0) + 1);
    }
    for (const [key, d] of out) d.reasons = [...why.get(key)!].sort((x, y) => y[1] - x[1]).map(([r]) => r);
    return out;
  }
}

/** Where a link's drop badge goes: inside the sender's region, on its edge facing the receiver. */
export function badgeSpot(from: Rect, to: Rect, inset = 14): [number, number] {
  const cx = from.x + from.w / 2;
  const cy = from.y + from.h / 2;
  const dx = to.x + to.w / 2 - cx;
  const dy = to.y + to.h / 2 - cy;
  if (!dx && !dy) return [cx, cy];
  const sx = dx ? (from.w / 2 - inset * 2.2) / Math.abs(dx) : Infinity;
  const sy = dy ? (from.h / 2 - inset) / Math.abs(dy) : Infinity;
  const s = Math.max(0, Math.min(sx, sy));
  return [cx + dx * s, cy + dy * s];
}

/** Side letters: A, B, C, … */
export const sideName = (i: number) => String.fromCharCode(65 + (i % 26));
