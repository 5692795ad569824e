// The browser's copy of the event frame: appended chunk by chunk, never rebuilt, plus the
// indexes the views need (entities, messages, moments). Everything drawn is derived from here.
import { decodeChunk, type ChunkHeader, type EventColumns } from "./decode";
import { Grow, grownCapacity, lowerBound, upperBound } from "./grow";
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
    this.data = this.widened(this.data.constructor as NarrowCtor, grownCapacity(this.data.length, n));
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

  /** Append `n` copies of `v`: a column the chunk left out because it was all null there. */
  appendFill(v: number, n: number): void {
    this.reserve(this.length + n);
    this.data.fill(v, this.length, this.length + n);
    this.length += n;
  }
}

export type StoreListener = (dirtyFromRow: number) => void;

export class EventStore {
  strings: string[] = [];
  chunks = 0;
  n = 0;

  readonly t = new Grow(Float64Array);
  /**
   * seq of row r is `seqBase + r` while every chunk ran on from the one before (a replay, an
   * in-order stream: the kernel then leaves seq out and sends seq_base); the column is made
   * only when a chunk breaks that run.
   */
  private seqBase = 0;
  private seqCol: Grow<Float64Array> | null = null;
  /**
   * The one rule for time (docs/contract.md): the state at T folds the events with t <= T in
   * (t, seq) order, even when a merged live stream delivers t out of order in seq. While the
   * rows arrived in that order (`sorted`, the usual case) fold position and row are the same
   * and t is its own sorted copy and running maximum, so nothing more is kept. The first row
   * out of order makes the fold order (`orderCol`, read through rowAt), each row's position
   * (`posCol`, posOf), the times in fold order (`ts`) and their running maximum in row order
   * (`tmax`, for the moments' binary search).
   */
  private sorted = true;
  private readonly orderCol = new Grow(Int32Array, 0);
  private readonly posCol = new Grow(Int32Array, 0);
  private readonly tsCol = new Grow(Float64Array, 0);
  private readonly tmaxCol = new Grow(Float64Array, 0);
  readonly kind = new Grow(Uint8Array);
  readonly node = new Column(Int8Array);
  readonly actor = new Column(Int8Array);
  readonly incarnation = new Column(Uint8Array);
  readonly parent = new Column(Int8Array);
  readonly peer = new Column(Int8Array);
  /** At the wire's width: int32 (float64 only for ids past 2^31), -1 for null at any width. */
  readonly msgId = new Column(Int32Array);
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
  /** 1 for the string codes already in msgTypes: the per-send check without a Set. */
  private typeSeen = new Uint8Array(0);
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

  /** Are the rows in fold order, (t, seq), as they arrived? Then rowAt and posOf are the identity. */
  get inFoldOrder(): boolean {
    return this.sorted;
  }

  /** Times in fold order (sorted): t itself while the rows arrived in that order. */
  get ts(): Grow<Float64Array> {
    return this.sorted ? this.t : this.tsCol;
  }

  /** Running maximum of t in row order: t itself while the rows arrived in fold order. */
  get tmax(): Grow<Float64Array> {
    return this.sorted ? this.t : this.tmaxCol;
  }

  /** The row at fold position p. */
  rowAt(p: number): number {
    return this.sorted ? p : this.orderCol.data[p];
  }

  /** The fold position of row r. */
  posOf(r: number): number {
    return this.sorted ? r : this.posCol.data[r];
  }

  seqOf(r: number): number {
    return this.seqCol ? this.seqCol.data[r] : this.seqBase + r;
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
    if (!this.seqCol) return a < b; // seq runs with the row
    const sa = this.seqCol.data[a];
    const sb = this.seqCol.data[b];
    return sa !== sb ? sa < sb : a < b;
  }

  /** Append the chunk's seq: nothing while it runs on from the rows before (seqOf). */
  private appendSeq(c: EventColumns, start: number): void {
    const n = c.n;
    const given = c.seq;
    if (!this.seqCol) {
      if (start === 0) this.seqBase = given ? given[0] : (c.seq_base ?? 0);
      const base = this.seqBase + start;
      let runs = given ? true : c.seq_base === base;
      for (let i = 0; given && i < n && runs; i++) runs = given[i] === base + i;
      if (runs) return;
      const col = new Grow(Float64Array, 0);
      col.reserve(Math.max(this.t.data.length, start + n));
      for (let r = 0; r < start; r++) col.data[r] = this.seqBase + r;
      col.length = start;
      this.seqCol = col;
    }
    const col = this.seqCol;
    if (given) col.appendArray(given);
    else {
      col.reserve(start + n);
      const base = c.seq_base ?? 0;
      for (let i = 0; i < n; i++) col.data[start + i] = base + i;
      col.length = start + n;
    }
  }

  /**
   * Rows [0, start) were in fold order and row `start` breaks it: make the order, positions,
   * sorted times and running maximum that were implied until now, as wide as t's room.
   */
  private unsort(start: number): void {
    const cap = Math.max(this.t.data.length, this.n);
    for (const g of [this.orderCol, this.posCol, this.tsCol, this.tmaxCol]) g.reserve(cap);
    const t = this.t.data;
    for (let r = 0; r < start; r++) {
      this.orderCol.data[r] = r;
      this.posCol.data[r] = r;
    }
    this.tsCol.data.set(t.subarray(0, start));
    this.tmaxCol.data.set(t.subarray(0, start));
    this.orderCol.length = this.posCol.length = this.tsCol.length = this.tmaxCol.length = start;
    this.sorted = false;
  }

  /** Put rows [start, n) into fold order; returns the first position whose row changed. */
  private extendOrder(start: number): number {
    const n = this.n;
    const t = this.t.data;
    if (this.sorted) {
      // The common case (a replay, a live stream in order): the new rows are in (t, seq) order
      // already and none goes before the last old one: nothing to write.
      let inOrder = true;
      if (this.seqCol) {
        for (let r = Math.max(start, 1); r < n && inOrder; r++) inOrder = !this.before(r, r - 1);
      } else {
        for (let r = Math.max(start, 1); r < n && inOrder; r++) inOrder = t[r] >= t[r - 1];
      }
      if (inOrder) return start;
      this.unsort(start);
    }
    for (const g of [this.orderCol, this.tsCol, this.posCol, this.tmaxCol]) g.reserve(n);
    let run = start ? this.tmaxCol.data[start - 1] : -Infinity;
    for (let r = start; r < n; r++) {
      if (t[r] > run) run = t[r];
      this.tmaxCol.data[r] = run;
    }
    this.tmaxCol.length = n;
    const fresh: number[] = [];
    let sorted = true;
    for (let r = start; r < n; r++) {
      if (r > start && this.before(r, r - 1)) sorted = false;
      fresh.push(r);
    }
    if (!sorted) fresh.sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
    const o = this.orderCol.data;
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
      this.tsCol.data[p] = t[r];
      this.posCol.data[r] = p;
    }
    this.orderCol.length = this.tsCol.length = this.posCol.length = n;
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

  /**
   * Make room for `rows` events in all, so that a big trace is not copied while it grows: exactly
   * that many when it is the first word of a big trace (grow.ts, grownCapacity).
   */
  reserve(rows: number): void {
    if (rows > this.expectedRows) this.expectedRows = rows;
    for (const g of [this.t, this.kind, this.node, this.actor, this.incarnation, this.parent, this.peer, this.msgId, this.msgType, this.size, this.reason, this.duration]) {
      g.reserve(rows);
    }
    if (this.seqCol) this.seqCol.reserve(rows);
    if (!this.sorted) for (const g of [this.orderCol, this.posCol, this.tsCol, this.tmaxCol]) g.reserve(rows);
  }

  /** Rows announced by the kernel (rows_total): the messages' room is sized from it too. */
  private expectedRows = 0;

  private reserveMessages(want: number, exact: boolean): void {
    for (const g of [this.mSendRow, this.mEndRow, this.mStart, this.mEnd, this.mArrive, this.mSrc, this.mDst, this.mSrcNode, this.mDstNode, this.mType, this.mDropped]) {
      if (exact) g.reserveExact(want);
      else g.reserve(want);
    }
    // the simulator's ids run 0, 1, 2, ...: as many slots as messages
    if (exact) this.msgById.reserveExact(want);
  }

  /** Messages indexed so far; the eleven message columns' lengths are set once per chunk. */
  private msgCount = 0;

  appendColumns(c: EventColumns): void {
    const start = this.n;
    if (c.n === 0) return this.emit(start);
    let sends = 0;
    for (let i = 0; i < c.n; i++) if (c.kind[i] === K.msg_send) sends++;
    // Room for the sends of every row announced, at the rate of sends seen so far (and 8%
    // more when it runs short): the eleven message columns are allocated about once, neither
    // copied at every doubling nor twice as big as needed. Past the announced rows they double.
    const seen = start + c.n;
    const rate = (this.msgCount + sends) / seen;
    const rest = this.expectedRows > seen ? Math.ceil(rate * (this.expectedRows - seen)) : 0;
    const want = this.msgCount + sends + rest;
    const cap = this.mSendRow.data.length;
    if (want > cap) {
      if (rest > 0) this.reserveMessages(Math.max(Math.ceil(want * 1.08), Math.ceil(cap * 1.0625)), true);
      else this.reserveMessages(want, false);
    }
    this.appendSeq(c, start);
    this.t.appendArray(c.t);
    this.kind.appendArray(c.kind);
    this.node.appendArray(c.node);
    this.actor.appendArray(c.actor);
    this.incarnation.appendArray(c.incarnation);
    this.parent.appendArray(c.parent);
    this.peer.appendArray(c.peer);
    this.msgId.appendArray(c.msg_id);
    if (this.msgId.data instanceof Float64Array) {
      // ids past 2^31 travel as float64 with NaN for null: -1 for null here, as at int32
      const ids = this.msgId.data;
      for (let r = start; r < this.msgId.length; r++) if (ids[r] !== ids[r]) ids[r] = -1;
    }
    this.msgType.appendArray(c.msg_type);
    this.size.appendArray(c.size);
    this.reason.appendArray(c.reason);
    this.duration.appendArray(c.duration);
    this.n = start + c.n;
    let dirty = this.extendOrder(start);
    const kind = this.kind.data;
    const node = this.node.data;
    for (let row = start; row < this.n; row++) {
      // message traffic, most of the rows, needs only its message index and its node
      const k = kind[row];
      if (k === K.msg_send) this.indexSend(row, this.nodeIndex(node[row]));
      else if (k === K.msg_recv) this.indexEnd(row, this.nodeIndex(node[row]), false);
      else if (k === K.msg_handle) this.nodeIndex(node[row]);
      else {
        const d = this.index(row);
        if (d < dirty) dirty = d;
      }
    }
    const len = this.msgCount;
    this.mSendRow.length = this.mEndRow.length = this.mStart.length = this.mEnd.length = len;
    this.mArrive.length = this.mSrc.length = this.mDst.length = this.mSrcNode.length = len;
    this.mDstNode.length = this.mType.length = this.mDropped.length = len;
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
    const seen = new Uint8Array(cap);
    seen.set(this.typeSeen);
    this.typeSeen = seen;
  }

  /** Message index of a msg_id, or -1. */
  messageOf(id: number): number {
    if (!(id >= 0)) return -1; // null: -1 (NaN from an older producer)
    if (id < this.msgById.length && Number.isInteger(id)) {
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
      if (this.posOf(r) >= upTo) continue;
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
    return i > 0 && mark(i - 1) ? this.posOf(list[i - 1]) : this.n;
  }

  private indexSend(row: number, node: number): void {
    const id = this.msgId.data[row];
    const m = this.msgCount++;
    if (id >= 0 && id < 1 << 26 && Number.isInteger(id)) {
      if (id >= this.msgById.length) {
        this.msgById.reserve(id + 1);
        this.msgById.data.fill(-1, this.msgById.length, id + 1);
        this.msgById.length = id + 1;
      }
      this.msgById.data[id] = m;
    } else if (id >= 0) this.msgIndex.set(id, m); // a send without an id joins nothing
    const t = this.t.data[row];
    const dur = this.duration.data[row];
    const expected = Number.isFinite(dur) ? t + dur : t;
    const sc = this.actor.data[row];
    const dc = this.peer.data[row];
    const src = sc >= 0 ? this.actorByCode[sc] : -1;
    const dst = dc >= 0 ? this.actorByCode[dc] : -1;
    // room was reserved for the chunk's sends (appendColumns): written in place
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
    if (ty >= 0 && !this.typeSeen[ty]) {
      this.typeSeen[ty] = 1;
      this.msgTypes.add(ty);
    }
    this.mDropped.data[m] = 0;
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
    const total = this.msgCount;
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
