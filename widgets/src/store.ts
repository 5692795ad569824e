// The browser's copy of the event frame: appended chunk by chunk, never rebuilt, plus the
// indexes the views need (entities, messages, moments). Everything drawn is derived from here.
import { decodeChunk, type ChunkHeader, type EventColumns } from "./decode";
import { Grow, lowerBound, upperBound } from "./grow";
import { K, isMoment } from "./kinds";

const BLOCK = 256; // messages per block of the in-flight index

type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
type NarrowCtor = new (n: number) => Narrow;

/**
 * A column kept at the width the kernel sent it in (docs/canvas.md, "The wire format"): a chunk
 * is appended as a plain copy of its bytes, not widened value by value. A chunk of a wider type
 * than the column holds (more strings than int8 codes reach, say) widens the column once.
 * Reading `data[row]` gives the same number at any width.
 */
export class Column {
  data: Narrow;
  length = 0;

  constructor(ctor: NarrowCtor) {
    this.data = new ctor(0);
  }

  reserve(n: number): void {
    if (n <= this.data.length) return;
    let cap = Math.max(this.data.length, 1024);
    while (cap < n) cap *= 2;
    this.data = this.widened(this.data.constructor as NarrowCtor, cap);
  }

  private widened(ctor: NarrowCtor, cap: number): Narrow {
    const next = new ctor(cap);
    next.set(this.data.subarray(0, this.length));
    return next;
  }

  appendArray(src: ArrayLike<number>): void {
    const wider = ArrayBuffer.isView(src) && (src as Narrow).BYTES_PER_ELEMENT > this.data.BYTES_PER_ELEMENT;
    const need = this.length + src.length;
    if (wider) {
      this.data = this.widened(src.constructor as NarrowCtor, Math.max(need, this.data.length));
    } else this.reserve(need);
    this.data.set(src, this.length);
    this.length = need;
  }
}

export type StoreListener = (dirtyFromRow: number) => void;

export class EventStore {
  strings: string[] = [];
  chunks = 0;
  n = 0;

  readonly seq = new Grow(Float64Array);
  readonly t = new Grow(Float64Array);
  /** Running maximum of t, in row order: the moments' binary search (animation only). */
  readonly tmax = new Grow(Float64Array);
  /**
   * The one rule for time (docs/contract.md): the state at T folds the events with t <= T in
   * (t, seq) order, even when a merged live stream delivers t out of order in seq. `order`
   * holds the rows in that order, `ts` their times (sorted), `pos` each row's position.
   */
  readonly order = new Grow(Int32Array);
  readonly ts = new Grow(Float64Array);
  readonly pos = new Grow(Int32Array);
  readonly kind = new Grow(Uint8Array);
  readonly node = new Column(Int8Array);
  readonly actor = new Column(Int8Array);
  readonly incarnation = new Column(Uint8Array);
  readonly parent = new Column(Int8Array);
  readonly peer = new Column(Int8Array);
  readonly msgId = new Grow(Float64Array);
  readonly msgType = new Column(Int8Array);
  readonly size = new Column(Int8Array);
  readonly reason = new Column(Int8Array);
  readonly duration = new Column(Float32Array);

  // entities, in order of first appearance
  readonly nodeOf = new Map<number, number>(); // string code -> node index
  nodeCodes: number[] = [];
  readonly actorOf = new Map<number, number>(); // string code -> actor index
  actorCodes: number[] = [];
  actorClass: number[] = []; // string code of the class, -1 unknown
  actorSystem: boolean[] = [];
  actorParent: number[] = []; // string code, -1 none
  /** Actors that ever lived on each node, in order of arrival: their slot in the node's grid. */
  nodeSlots: number[][] = [];
  private readonly slotOf = new Map<number, number>();
  private homeNode: number[] = [];
  private homeSlot: number[] = [];
  /** Per actor, its lifecycle rows in fold order. */
  private lifecycleRows: number[][] = [];
  /** attrs rows (v2) of each actor (by actor string code) and of each node's own (by node index), in arrival order. */
  readonly actorAttrs = new Map<number, number[]>();
  readonly nodeAttrs = new Map<number, number[]>();
  /** Rows of actor_fail / actor_stop whose actor's next lifecycle event (in fold order) is an actor_restart. */
  readonly restartFollows = new Set<number>();

  // messages, in order of their msg_send
  readonly msgIndex = new Map<number, number>();
  readonly mSendRow = new Grow(Int32Array);
  readonly mEndRow = new Grow(Int32Array); // msg_recv or msg_drop row, -1 while unknown
  readonly mStart = new Grow(Float64Array);
  readonly mEnd = new Grow(Float64Array); // leaves flight (recv / drop), or expected arrival
  readonly mArrive = new Grow(Float64Array); // where progress reaches 1 (the receiver)
  readonly mSrc = new Grow(Int32Array); // actor index, -1 unknown
  readonly mDst = new Grow(Int32Array);
  readonly mSrcNode = new Grow(Int32Array);
  readonly mDstNode = new Grow(Int32Array); // -1 until the message ends
  readonly mType = new Grow(Int32Array);
  readonly mDropped = new Grow(Uint8Array);
  private blockMinStart: number[] = [];
  private blockMaxEnd: number[] = [];
  maxLatency = 0;
  latencySum = 0;
  latencyCount = 0;

  /** Rows of lifecycle, link and drop events: what is animated and inspected. */
  readonly moments = new Grow(Int32Array);
  /** Rows that get a marker on the scrubber: failures, restarts, node deaths and returns, partitions and heals. */
  readonly markers = new Grow(Int32Array);
  private readonly joined = new Set<number>();
  msgTypes = new Set<number>();
  actorClasses = new Set<number>();

  /** String code -> node / actor index (-1 none): array lookups for the per-row hot paths. */
  nodeByCode = new Int32Array(0);
  actorByCode = new Int32Array(0);
  /** msg_id -> message index for small integer ids (the common case); others use msgIndex. */
  private msgById = new Grow(Int32Array, 1024);

  private listeners = new Set<StoreListener>();

  onChange(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get t0(): number {
    return this.n ? this.ts.data[0] : 0;
  }
  get t1(): number {
    return this.n ? this.ts.data[this.n - 1] : 0;
  }

  str(code: number): string {
    return code >= 0 ? (this.strings[code] ?? "?") : "";
  }

  /** Number of events with time <= t: the fold covers positions [0, rowsAt(t)) of `order`. */
  rowsAt(t: number): number {
    return upperBound(this.ts.data, this.n, t);
  }

  /** Does row `a` come before row `b` in fold order, (t, seq)? */
  before(a: number, b: number): boolean {
    const ta = this.t.data[a];
    const tb = this.t.data[b];
    if (ta !== tb) return ta < tb;
    const sa = this.seq.data[a];
    const sb = this.seq.data[b];
    return sa !== sb ? sa < sb : a < b;
  }

  /** Put rows [start, n) into fold order; returns the first position whose row changed. */
  private extendOrder(start: number): number {
    const n = this.n;
    for (const g of [this.order, this.ts, this.pos]) g.reserve(n);
    const t = this.t.data;
    const seq = this.seq.data;
    // The common case (a replay, a live stream in order): the new rows are in (t, seq) order
    // already and none goes before the last old one, so they are written in place, in one pass.
    let inOrder = start === 0 || !this.before(start, this.order.data[start - 1]);
    for (let r = start + 1; r < n && inOrder; r++) {
      if (t[r] < t[r - 1] || (t[r] === t[r - 1] && seq[r] < seq[r - 1])) inOrder = false;
    }
    if (inOrder) {
      const o = this.order.data;
      const ts = this.ts.data;
      const pos = this.pos.data;
      for (let r = start; r < n; r++) {
        o[r] = r;
        ts[r] = t[r];
        pos[r] = r;
      }
      this.order.length = this.ts.length = this.pos.length = n;
      return start;
    }
    const fresh: number[] = [];
    let sorted = true;
    for (let r = start; r < n; r++) {
      if (r > start && this.before(r, r - 1)) sorted = false;
      fresh.push(r);
    }
    if (!sorted) fresh.sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
    const o = this.order.data;
    // the first old position that a fresh row goes before (binary search on (t, seq))
    let lo = 0;
    let hi = start;
    if (start > 0 && !this.before(fresh[0], o[start - 1])) lo = start;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(fresh[0], o[mid])) hi = mid;
      else lo = mid + 1;
    }
    const p0 = lo;
    const tail = Array.from(o.subarray(p0, start));
    let i = 0;
    let j = 0;
    for (let p = p0; p < n; p++) {
      const r = j >= fresh.length || (i < tail.length && this.before(tail[i], fresh[j])) ? tail[i++] : fresh[j++];
      o[p] = r;
      this.ts.data[p] = this.t.data[r];
      this.pos.data[r] = p;
    }
    this.order.length = this.ts.length = this.pos.length = n;
    return p0;
  }

  /** Append one decoded chunk. Returns false (and changes nothing) if it is out of order. */
  appendChunk(header: ChunkHeader, bytes: Uint8Array): boolean {
    if (header.index !== this.chunks) return false;
    if (header.strings_base !== this.strings.length) {
      throw new Error(
        `meshlab chunk ${header.index} starts its strings at ${header.strings_base}, ` +
          `but ${this.strings.length} are known`,
      );
    }
    const cols = header.rows > 0 ? decodeChunk(bytes, header) : null;
    if (header.rows_total) this.reserve(header.rows_total);
    for (const s of header.strings) this.strings.push(s);
    this.growCodeTables();
    this.chunks++;
    if (cols) this.appendColumns(cols);
    else this.emit(this.n);
    return true;
  }

  /** Make room for `rows` events in all, so that a big trace is not copied while it grows. */
  reserve(rows: number): void {
    if (rows > this.expectedRows) this.expectedRows = rows;
    for (const g of [this.seq, this.t, this.tmax, this.order, this.ts, this.pos, this.kind, this.node, this.actor, this.incarnation, this.parent, this.peer, this.msgId, this.msgType, this.size, this.reason, this.duration]) {
      g.reserve(rows);
    }
  }

  /** Rows announced by the kernel (rows_total): the messages' room is sized from it too. */
  private expectedRows = 0;

  private reserveMessages(more: number): void {
    const want = this.mSendRow.length + more;
    for (const g of [this.mSendRow, this.mEndRow, this.mStart, this.mEnd, this.mArrive, this.mSrc, this.mDst, this.mSrcNode, this.mDstNode, this.mType, this.mDropped]) {
      g.reserve(want);
    }
  }

  appendColumns(c: EventColumns): void {
    const start = this.n;
    let sends = 0;
    for (let i = 0; i < c.n; i++) if (c.kind[i] === K.msg_send) sends++;
    // as many sends in the rows still to come as in these: room for all of them at once, so
    // the eleven message columns are not copied at every doubling
    const ahead = this.expectedRows > start + c.n ? (this.expectedRows - start) / c.n : 1;
    this.reserveMessages(Math.ceil(sends * ahead));
    this.seq.appendArray(c.seq);
    this.t.appendArray(c.t);
    this.kind.appendArray(c.kind);
    this.node.appendArray(c.node);
    this.actor.appendArray(c.actor);
    this.incarnation.appendArray(c.incarnation);
    this.parent.appendArray(c.parent);
    this.peer.appendArray(c.peer);
    this.msgId.appendArray(c.msg_id);
    this.msgType.appendArray(c.msg_type);
    this.size.appendArray(c.size);
    this.reason.appendArray(c.reason);
    this.duration.appendArray(c.duration);
    this.tmax.reserve(start + c.n);
    let run = start ? this.tmax.data[start - 1] : -Infinity;
    for (let i = 0; i < c.n; i++) {
      const v = c.t[i];
      if (v > run) run = v;
      this.tmax.data[start + i] = run;
    }
    this.tmax.length = start + c.n;
    this.n = start + c.n;
    let dirty = this.extendOrder(start);
    for (let row = start; row < this.n; row++) {
      const d = this.index(row);
      if (d < dirty) dirty = d;
    }
    this.emit(dirty);
  }

  private growCodeTables(): void {
    const n = this.strings.length;
    if (n <= this.nodeByCode.length) return;
    const cap = Math.max(n, this.nodeByCode.length * 2, 64);
    for (const name of ["nodeByCode", "actorByCode"] as const) {
      const next = new Int32Array(cap).fill(-1);
      next.set(this[name]);
      this[name] = next;
    }
  }

  /** Message index of a msg_id, or -1. */
  messageOf(id: number): number {
    if (id >= 0 && id < this.msgById.length && Number.isInteger(id)) {
      const m = this.msgById.data[id];
      if (m >= 0) return m;
    }
    return this.msgIndex.get(id) ?? -1;
  }

  private emit(dirty: number): void {
    for (const fn of this.listeners) fn(dirty);
  }

  private nodeIndex(code: number): number {
    const fast = this.nodeByCode[code];
    if (fast >= 0) return fast;
    let i = this.nodeOf.get(code);
    if (i === undefined) {
      i = this.nodeCodes.length;
      this.nodeOf.set(code, i);
      this.nodeByCode[code] = i;
      this.nodeCodes.push(code);
      this.nodeSlots.push([]);
    }
    return i;
  }

  private actorIndex(code: number): number {
    const fast = this.actorByCode[code];
    if (fast >= 0) return fast;
    let i = this.actorOf.get(code);
    if (i === undefined) {
      i = this.actorCodes.length;
      this.actorOf.set(code, i);
      this.actorByCode[code] = i;
      this.actorCodes.push(code);
      this.actorClass.push(-1);
      this.actorSystem.push(false);
      this.actorParent.push(-1);
      this.lifecycleRows.push([]);
      this.homeNode.push(-1);
      this.homeSlot.push(-1);
    }
    return i;
  }

  /** The slot of an actor inside a node's grid; assigned once, so glyphs never jump around. */
  slot(actor: number, node: number): number {
    // Most actors only ever live on one node: arrays for that, a map for the movers.
    if (this.homeNode[actor] === node) return this.homeSlot[actor];
    return this.slotOf.get(actor * 65536 + node) ?? -1;
  }

  private place(actor: number, node: number): void {
    if (this.homeNode[actor] === node) return;
    const key = actor * 65536 + node;
    if (this.slotOf.has(key)) return;
    const slots = this.nodeSlots[node];
    if (this.homeNode[actor] < 0) {
      this.homeNode[actor] = node;
      this.homeSlot[actor] = slots.length;
    } else this.slotOf.set(key, slots.length);
    slots.push(actor);
  }

  /** Index one row; returns the lowest position whose fold result changed in hindsight (or n). */
  private index(row: number): number {
    const k = this.kind.data[row];
    // MeshOS kinds may be mesh-wide, with an empty node: that is no node to draw
    const meshWide = k > K.attrs && this.str(this.node.data[row]) === "";
    const node = meshWide ? -1 : this.nodeIndex(this.node.data[row]);
    let dirty = this.n;
    if (isMoment(k)) this.moments.push(row);
    // markers: failures, restarts, node deaths and returns (a join after the first is a
    // rejoin), partitions and their heals
    const rejoin = k === K.node_join && this.joined.has(node);
    if (k === K.node_join) this.joined.add(node);
    // MeshOS: an operator's admin action, and an engine action that ended other than ok
    const actionFailed = k === K.action_end && !["", "ok"].includes(this.str(this.reason.data[row]));
    if (k === K.actor_fail || k === K.actor_restart || k === K.node_down || k === K.node_up || k === K.link_down || k === K.link_up || rejoin || k === K.admin || actionFailed) {
      this.markers.push(row);
    }
    if (k === K.link_down || k === K.link_up) {
      const p = this.peer.data[row];
      if (p >= 0) this.nodeIndex(p);
    }
    if (k >= K.actor_spawn && k <= K.actor_restart) {
      const a = this.actorIndex(this.actor.data[row]);
      if (k === K.actor_spawn || k === K.actor_restart) {
        this.place(a, node);
        const cls = this.msgType.data[row];
        if (cls >= 0) {
          this.actorClass[a] = cls;
          this.actorClasses.add(cls);
        }
        if (this.parent.data[row] >= 0) this.actorParent[a] = this.parent.data[row];
        if (k === K.actor_spawn && this.str(this.reason.data[row]) === "system") {
          this.actorSystem[a] = true;
        }
      }
      dirty = this.placeLifecycle(a, row);
    } else if (k === K.attrs) {
      const code = this.actor.data[row];
      const [map, key] = code >= 0 ? [this.actorAttrs, code] : [this.nodeAttrs, node];
      const list = map.get(key);
      if (list) list.push(row);
      else map.set(key, [row]);
    } else if (k === K.msg_send) {
      this.indexSend(row, node);
    } else if (k === K.msg_recv || k === K.msg_drop) {
      this.indexEnd(row, node, k === K.msg_drop);
    }
    return dirty;
  }

  /** The row that started actor `a`'s life current among the first `upTo` events in fold order, or -1. */
  lifeStart(a: number, upTo: number): number {
    const list = this.lifecycleRows[a] ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i];
      if (this.pos.data[r] >= upTo) continue;
      const k = this.kind.data[r];
      if (k === K.actor_spawn || k === K.actor_restart) return r;
    }
    return -1;
  }

  /**
   * Insert a lifecycle row into its actor's list (fold order). A failure or stop whose next
   * lifecycle event turns out to be a restart reads "restarting", not "failed" or "stopped",
   * so the folds from its position on must be redone: returns that position (or n).
   */
  private placeLifecycle(a: number, row: number): number {
    const list = this.lifecycleRows[a];
    let i = list.length;
    while (i > 0 && this.before(row, list[i - 1])) i--;
    list.splice(i, 0, row);
    const mark = (j: number): boolean => {
      const r = list[j];
      const k = this.kind.data[r];
      if (k !== K.actor_fail && k !== K.actor_stop) return false;
      const follows = j + 1 < list.length && this.kind.data[list[j + 1]] === K.actor_restart;
      if (follows === this.restartFollows.has(r)) return false;
      if (follows) this.restartFollows.add(r);
      else this.restartFollows.delete(r);
      return true;
    };
    mark(i);
    return i > 0 && mark(i - 1) ? this.pos.data[list[i - 1]] : this.n;
  }

  private indexSend(row: number, node: number): void {
    const id = this.msgId.data[row];
    const m = this.mSendRow.length;
    if (id >= 0 && id < 1 << 26 && Number.isInteger(id)) {
      if (id >= this.msgById.length) {
        this.msgById.reserve(id + 1);
        this.msgById.data.fill(-1, this.msgById.length, id + 1);
        this.msgById.length = id + 1;
      }
      this.msgById.data[id] = m;
    } else this.msgIndex.set(id, m);
    const t = this.t.data[row];
    const dur = this.duration.data[row];
    const expected = Number.isFinite(dur) ? t + dur : t;
    const sc = this.actor.data[row];
    const dc = this.peer.data[row];
    const src = sc >= 0 ? this.actorByCode[sc] : -1;
    const dst = dc >= 0 ? this.actorByCode[dc] : -1;
    // room was reserved for the chunk's sends (reserveMessages): written in place
    if (m >= this.mSendRow.data.length) this.reserveMessages(1);
    this.mSendRow.data[m] = row;
    this.mEndRow.data[m] = -1;
    this.mStart.data[m] = t;
    this.mEnd.data[m] = expected;
    this.mArrive.data[m] = expected;
    this.mSrc.data[m] = src;
    this.mDst.data[m] = dst;
    this.mSrcNode.data[m] = node;
    this.mDstNode.data[m] = -1;
    const ty = this.msgType.data[row];
    this.mType.data[m] = ty;
    if (ty >= 0) this.msgTypes.add(ty);
    this.mDropped.data[m] = 0;
    const len = m + 1;
    this.mSendRow.length = this.mEndRow.length = this.mStart.length = this.mEnd.length = len;
    this.mArrive.length = this.mSrc.length = this.mDst.length = this.mSrcNode.length = len;
    this.mDstNode.length = this.mType.length = this.mDropped.length = len;
    const b = m / BLOCK | 0;
    if (b === this.blockMinStart.length) {
      this.blockMinStart.push(t);
      this.blockMaxEnd.push(expected);
    } else {
      if (t < this.blockMinStart[b]) this.blockMinStart[b] = t;
      if (expected > this.blockMaxEnd[b]) this.blockMaxEnd[b] = expected;
    }
  }

  private indexEnd(row: number, node: number, dropped: boolean): void {
    const m = this.messageOf(this.msgId.data[row]);
    if (m < 0) return; // its send is not in this frame (a live stream joined late)
    if (this.mEndRow.data[m] >= 0) return; // already ended: a discarded drop after its recv
    const t = this.t.data[row];
    this.mEndRow.data[m] = row;
    this.mEnd.data[m] = t;
    this.mDstNode.data[m] = node;
    const start = this.mStart.data[m];
    if (dropped) {
      this.mDropped.data[m] = 1;
      // A drop ends the flight where it happened: partway if it was lost on the way.
      if (this.mArrive.data[m] < t) this.mArrive.data[m] = t;
    } else {
      this.mArrive.data[m] = t;
      const lat = t - start;
      if (lat > this.maxLatency) this.maxLatency = lat;
      this.latencySum += lat;
      this.latencyCount++;
    }
    const b = m / BLOCK | 0;
    if (t > this.blockMaxEnd[b]) this.blockMaxEnd[b] = t;
  }

  /**
   * Messages in flight at t (sent at or before t, not yet received or dropped), written into
   * `out`; returns how many. Blocks whose time span cannot contain t are skipped whole.
   */
  inFlight(t: number, out: Grow<Int32Array>): number {
    out.length = 0;
    const nb = this.blockMinStart.length;
    const total = this.mSendRow.length;
    for (let b = 0; b < nb; b++) {
      if (this.blockMinStart[b] > t || this.blockMaxEnd[b] <= t) continue;
      const end = Math.min(total, (b + 1) * BLOCK);
      for (let m = b * BLOCK; m < end; m++) {
        if (this.mStart.data[m] <= t && this.mEnd.data[m] > t) out.push(m);
      }
    }
    return out.length;
  }

  /** Moment rows with time in (from, to], newest last. */
  momentsIn(from: number, to: number, limit: number): number[] {
    const mom = this.moments;
    // moments are in row order, and tmax is monotone in row order
    let lo = 0;
    let hi = mom.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tmax.data[mom.data[mid]] <= to) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo - 1; i >= 0 && out.length < limit; i--) {
      const row = mom.data[i];
      if (this.tmax.data[row] <= from) break;
      out.push(row);
    }
    return out.reverse();
  }

  /** Events per bin over [t0, t1): the scrubber's density strip. */
  density(t0: number, t1: number, bins: number): Uint32Array {
    const out = new Uint32Array(bins);
    if (!this.n || t1 <= t0) return out;
    let prev = upperBound(this.ts.data, this.n, t0 - 1e-12);
    for (let b = 0; b < bins; b++) {
      const edge = b === bins - 1 ? Infinity : t0 + ((b + 1) * (t1 - t0)) / bins;
      const next = upperBound(this.ts.data, this.n, edge);
      out[b] = next - prev;
      prev = next;
    }
    return out;
  }

  /** Time of the next event strictly after t, or of the last event at or before t (dir < 0). */
  stepTime(t: number, dir: 1 | -1): number {
    if (!this.n) return t;
    if (dir > 0) {
      const i = upperBound(this.ts.data, this.n, t);
      return i < this.n ? this.ts.data[i] : this.t1;
    }
    const lo = lowerBound(this.ts.data, this.n, t);
    return lo > 0 ? this.ts.data[lo - 1] : this.t0;
  }
}
