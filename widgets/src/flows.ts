// Who talks to whom: messages sent in a trailing window (t - W, t] aggregated into edges between
// actors and between nodes. The window slides incrementally: a playback frame adds the messages
// that entered it and removes those that left, so its cost is the traffic of one frame, not of
// the window or the trace. A jump far away recounts the window once. The edges live in an
// open-addressing table whose edge records are reused when an edge empties, so a playback frame
// allocates nothing and leaves no garbage for a collection to stop a later frame on.

/** The message columns of the EventStore this reads (typed arrays, message index order). */
export interface MsgColumns {
  mSendRow: { length: number };
  mStart: { data: Float64Array };
  mEnd: { data: Float64Array };
  mEndRow: { data: Int32Array };
  mSrc: { data: Int32Array };
  mDst: { data: Int32Array };
  mSrcNode: { data: Int32Array };
  mDstNode: { data: Int32Array };
  mType: { data: Int32Array };
  mDropped: { data: Uint8Array };
}

export interface FlowEdge {
  /** Actor indexes (actor edges) or node indexes (node edges). */
  from: number;
  to: number;
  /** Messages sent on this edge in the window. */
  count: number;
  /** Message type code -> messages of that type in the window (0 for a type that left it). */
  types: Map<number, number>;
}

/** Edge key of an ordered pair: both sides below 2^24, so the key is an exact double. */
export const pairKey = (a: number, b: number): number => a * 16777216 + b;

/** The edges of a window as the views read them: by key, or all of them. */
export interface FlowEdges {
  readonly size: number;
  get(key: number): FlowEdge | undefined;
  values(): Iterable<FlowEdge>;
  [Symbol.iterator](): Iterator<[number, FlowEdge]>;
}

/**
 * Edges in a linear-probing table of edge ids (deletion shifts the run back, so there are no
 * tombstones and no rehash while the number of edges stays put). An edge is a record with a
 * small integer id that a message keeps to undo its count; an edge that empties goes to a pool
 * and is reused, type map and all, by the next new pair.
 */
export class EdgeTable implements FlowEdges {
  size = 0;
  private mask = 1023;
  /** Slots: an edge id, -1 when empty. */
  private table = new Int32Array(1024).fill(-1);
  private readonly recs: FlowEdge[] = [];
  private from = new Int32Array(256);
  private to = new Int32Array(256);
  private readonly pool: number[] = [];

  private home(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** The slot holding the edge a -> b, or -1. */
  private slotOf(a: number, b: number): number {
    for (let i = this.home(a, b); ; i = (i + 1) & this.mask) {
      const id = this.table[i];
      if (id < 0) return -1;
      if (this.from[id] === a && this.to[id] === b) return i;
    }
  }

  get(key: number): FlowEdge | undefined {
    const a = Math.floor(key / 16777216);
    const i = this.slotOf(a, key - a * 16777216);
    return i < 0 ? undefined : this.recs[this.table[i]];
  }

  /** The id of the edge a -> b, -1 when it has no messages. */
  idOf(a: number, b: number): number {
    const i = this.slotOf(a, b);
    return i < 0 ? -1 : this.table[i];
  }

  /** Count one message of type `ty` from a to b; returns the edge's id. */
  bump(a: number, b: number, ty: number): number {
    let i = this.home(a, b);
    let id = this.table[i];
    while (id >= 0 && !(this.from[id] === a && this.to[id] === b)) {
      i = (i + 1) & this.mask;
      id = this.table[i];
    }
    if (id < 0) {
      if (2 * (this.size + 1) > this.table.length) {
        this.grow();
        return this.bump(a, b, ty);
      }
      id = this.pool.length ? this.pool.pop()! : this.newRecord();
      const e = this.recs[id];
      e.from = a;
      e.to = b;
      e.count = 0;
      this.from[id] = a;
      this.to[id] = b;
      this.table[i] = id;
      this.size++;
    }
    const e = this.recs[id];
    e.count++;
    e.types.set(ty, (e.types.get(ty) ?? 0) + 1);
    return id;
  }

  private newRecord(): number {
    const id = this.recs.length;
    this.recs.push({ from: 0, to: 0, count: 0, types: new Map<number, number>() });
    if (id >= this.from.length) {
      const f = new Int32Array(this.from.length * 2);
      f.set(this.from);
      const t = new Int32Array(this.to.length * 2);
      t.set(this.to);
      this.from = f;
      this.to = t;
    }
    return id;
  }

  /** The record of edge `id` (an id from idOf or bump). */
  rec(id: number): FlowEdge {
    return this.recs[id];
  }

  /** Undo one bump of type `ty` on edge `id`. */
  unbump(id: number, ty: number): void {
    const e = this.recs[id];
    e.count--;
    // a type that reaches 0 keeps its entry: deleting and adding keys makes a Map rebuild its
    // table, which is the garbage this table exists to avoid (readers skip zero counts)
    e.types.set(ty, Math.max(0, (e.types.get(ty) ?? 0) - 1));
    if (e.count > 0) return;
    this.remove(this.slotOf(e.from, e.to));
    this.pool.push(id);
  }

  private remove(at: number): void {
    const { table, mask } = this;
    let i = at;
    table[i] = -1;
    this.size--;
    // shift back the entries of the run after i that may sit in i (their home is not in (i, j])
    for (let j = (i + 1) & mask; table[j] >= 0; j = (j + 1) & mask) {
      const id = table[j];
      const h = this.home(this.from[id], this.to[id]);
      if (i <= j ? h > i && h <= j : h > i || h <= j) continue;
      table[i] = id;
      table[j] = -1;
      i = j;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    for (const id of old) {
      if (id < 0) continue;
      let i = this.home(this.from[id], this.to[id]);
      while (this.table[i] >= 0) i = (i + 1) & this.mask;
      this.table[i] = id;
    }
  }

  /** Forget every edge (a jump recounts the window); the records go back to the pool. */
  clear(): void {
    for (let i = 0; i < this.table.length; i++) {
      const id = this.table[i];
      if (id < 0) continue;
      this.recs[id].types.clear();
      this.pool.push(id);
      this.table[i] = -1;
    }
    this.size = 0;
  }

  *values(): IterableIterator<FlowEdge> {
    for (const id of this.table) if (id >= 0) yield this.recs[id];
  }

  *[Symbol.iterator](): IterableIterator<[number, FlowEdge]> {
    for (const id of this.table) if (id >= 0) yield [pairKey(this.from[id], this.to[id]), this.recs[id]];
  }
}

/** What a frame asks of the window: which messages count, and how to place their ends. */
export interface FlowQuery {
  t: number;
  /** Window width in trace seconds. */
  w: number;
  /** Only this message type (string code; a code no message has matches none), or -1 for all. */
  type: number;
  /** Node of an actor when its message has not ended yet (the fold's placement), or -1. */
  nodeOf: (actor: number) => number;
}

export interface FlowDetail {
  count: number;
  rate: number;
  /** [type code, count], most frequent first. */
  types: [number, number][];
  /** Delivered by the playhead, latency percentiles in seconds (NaN when none delivered). */
  delivered: number;
  dropped: number;
  p50: number;
  p95: number;
  p99: number;
}

export class FlowWindow {
  readonly actorEdges = new EdgeTable();
  readonly nodeEdges = new EdgeTable();
  /** Messages sorted by send time (message indexes), and those times. */
  private byStart = new Int32Array(0);
  private startAt = new Float64Array(0);
  private indexed = 0;
  /** The edges (ids) a message was counted under, -1 for none: removing it undoes its add. */
  private aKey = new Int32Array(0);
  private nKey = new Int32Array(0);
  private lo = 0;
  private hi = 0;
  private fresh = true;
  private type = -2;
  private w = NaN;
  t = NaN;
  /** Messages added or removed by the last update: the work it did (a test reads it). */
  touched = 0;

  constructor(private readonly src: MsgColumns) {}

  /** Forget every count (after the store's messages changed under the window). */
  reset(): void {
    this.fresh = true;
  }

  /** Messages in the window. */
  get size(): number {
    return this.hi - this.lo;
  }

  /**
   * Bring the sorted index up to the store's messages; true if the counts must be redone (a
   * re-sort, or new messages sent inside the window already counted). Messages sent after it,
   * as a growing trace delivers them, are simply counted when the window reaches them.
   */
  private index(): boolean {
    const n = this.src.mSendRow.length;
    if (n === this.indexed) return false;
    const start = this.src.mStart.data;
    if (this.byStart.length < n) {
      const cap = Math.max(n, this.byStart.length * 2, 1024);
      const b = new Int32Array(cap);
      b.set(this.byStart.subarray(0, this.indexed));
      const s = new Float64Array(cap);
      s.set(this.startAt.subarray(0, this.indexed));
      const ak = new Int32Array(cap);
      ak.set(this.aKey.subarray(0, this.indexed));
      const nk = new Int32Array(cap);
      nk.set(this.nKey.subarray(0, this.indexed));
      [this.byStart, this.startAt, this.aKey, this.nKey] = [b, s, ak, nk];
    }
    let sorted = true;
    let inside = false;
    for (let m = this.indexed; m < n; m++) {
      this.byStart[m] = m;
      this.startAt[m] = start[m];
      if (m > 0 && start[m] < this.startAt[m - 1]) sorted = false;
      if (start[m] <= this.t) inside = true;
    }
    this.indexed = n;
    if (!sorted) {
      // a merged live stream can send out of time order: sort once, stable by message index
      const perm = Array.from(this.byStart.subarray(0, n)).sort((a, b) => start[a] - start[b] || a - b);
      this.byStart.set(perm);
      for (let i = 0; i < n; i++) this.startAt[i] = start[perm[i]];
    }
    return !sorted || inside;
  }

  /** First position whose send time is > x. */
  private after(x: number): number {
    let lo = 0;
    let hi = this.indexed;
    const a = this.startAt;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Slide the window to q; returns true if the edges changed. */
  update(q: FlowQuery): boolean {
    this.touched = 0;
    if (this.index()) this.fresh = true;
    if (q.type !== this.type || q.w !== this.w) this.fresh = true;
    const lo1 = this.after(q.t - q.w);
    const hi1 = Math.max(lo1, this.after(q.t));
    const { lo: lo0, hi: hi0 } = this;
    this.t = q.t;
    if (!this.fresh && lo1 === lo0 && hi1 === hi0) return false;
    const overlap = !this.fresh && lo1 < hi0 && lo0 < hi1;
    const delta = Math.abs(lo1 - lo0) + Math.abs(hi1 - hi0);
    if (!overlap || delta > hi1 - lo1) {
      // a jump: count the new window from scratch
      this.actorEdges.clear();
      this.nodeEdges.clear();
      for (let p = lo1; p < hi1; p++) this.add(p, q);
    } else {
      for (let p = lo0; p < lo1; p++) this.remove(p);
      for (let p = lo1; p < lo0; p++) this.add(p, q);
      for (let p = hi1; p < hi0; p++) this.remove(p);
      for (let p = hi0; p < hi1; p++) this.add(p, q);
    }
    this.lo = lo1;
    this.hi = hi1;
    this.type = q.type;
    this.w = q.w;
    this.fresh = false;
    return true;
  }

  private add(p: number, q: FlowQuery): void {
    this.touched++;
    const c = this.src;
    const m = this.byStart[p];
    this.aKey[m] = -1;
    this.nKey[m] = -1;
    const s = c.mSrc.data[m];
    const d = c.mDst.data[m];
    if (s >= 0 && s === d) return; // a timer: an actor's message to itself is not traffic
    const ty = c.mType.data[m];
    if (q.type !== -1 && ty !== q.type) return;
    if (s >= 0 && d >= 0) this.aKey[m] = this.actorEdges.bump(s, d, ty);
    const a = c.mSrcNode.data[m];
    const b = c.mDstNode.data[m] >= 0 ? c.mDstNode.data[m] : d >= 0 ? q.nodeOf(d) : -1;
    if (a >= 0 && b >= 0) this.nKey[m] = this.nodeEdges.bump(a, b, ty);
  }

  private remove(p: number): void {
    this.touched++;
    const m = this.byStart[p];
    const ty = this.src.mType.data[m];
    if (this.aKey[m] >= 0) this.actorEdges.unbump(this.aKey[m], ty);
    if (this.nKey[m] >= 0) this.nodeEdges.unbump(this.nKey[m], ty);
  }

  /** Rate, types and latency of one edge, from the messages in the window (on hover only). */
  detail(from: number, to: number, byNode: boolean): FlowDetail | null {
    const id = (byNode ? this.nodeEdges : this.actorEdges).idOf(from, to);
    return id < 0 ? null : this.detailOf([id], byNode);
  }

  /**
   * Rate, types and latency of several edges taken as one (the node edges between two zones),
   * by their ids; null when none has messages.
   */
  detailOf(ids: number[], byNode: boolean): FlowDetail | null {
    const edges = byNode ? this.nodeEdges : this.actorEdges;
    const want = new Set(ids.filter((id) => id >= 0));
    if (!want.size) return null;
    let count = 0;
    const byType = new Map<number, number>();
    for (const id of want) {
      const e = edges.rec(id);
      count += e.count;
      for (const [ty, n] of e.types) if (n > 0) byType.set(ty, (byType.get(ty) ?? 0) + n);
    }
    if (!count) return null;
    const keys = byNode ? this.nKey : this.aKey;
    const c = this.src;
    const lat: number[] = [];
    let dropped = 0;
    for (let p = this.lo; p < this.hi; p++) {
      const m = this.byStart[p];
      if (!want.has(keys[m]) || c.mEndRow.data[m] < 0 || c.mEnd.data[m] > this.t) continue;
      if (c.mDropped.data[m]) dropped++;
      else lat.push(c.mEnd.data[m] - c.mStart.data[m]);
    }
    lat.sort((a, b) => a - b);
    const types = [...byType].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return {
      count,
      rate: count / this.w,
      types,
      delivered: lat.length,
      dropped,
      p50: quantile(lat, 0.5),
      p95: quantile(lat, 0.95),
      p99: quantile(lat, 0.99),
    };
  }
}

/** Nearest-rank quantile of sorted values (NaN when empty). */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** The type that carries most of an edge's messages (ties: the lower code), or -1. */
export function dominantType(e: FlowEdge): number {
  let best = -1;
  let bestN = 0;
  for (const [ty, n] of e.types) if (n > bestN || (n === bestN && ty < best)) [best, bestN] = [ty, n];
  return best;
}

/**
 * The default window: a twentieth of the trace, so a paused frame shows the traffic around the
 * playhead and playback at 1x sees about a second of it per second.
 */
export function defaultWindow(span: number): number {
  return Math.max(span / 20, 1e-6);
}
