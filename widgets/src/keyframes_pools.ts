// The delta records of the keyframes (keyframes.ts): each entity's values at the keyframes it
// changed in, packed an entry to a cache line or two.
import { N } from "./kinds";
import type { MeshState } from "./fold_state";

/** Entries per segment of a pool's values (a power of two): 1.25 MB of an actor pool. */
const SEG_SHIFT = 14;
const SEG = 1 << SEG_SHIFT;
const SEG_MASK = SEG - 1;

/**
 * Entity values recorded at keyframes, one entry per (entity, keyframe it changed in). `prev`
 * links an entry to the same entity's previous entry (-1: none, the entity is unseen before),
 * which is what a move backwards restores. An entry's fields lie together (`stride` float64
 * slots, integers two to a slot), so loading one entity reads one or two cache lines, not one
 * per field: a far jump loads entries scattered over the whole pool. The values are held in
 * segments of SEG entries, added one at a time, so that growing never copies more than the first
 * (a copy of tens of MB would stall the idle slice that appends a keyframe).
 */
export abstract class Pool {
  ent: Int32Array = new Int32Array(0);
  prev: Int32Array = new Int32Array(0);
  /** Segment j holds entries [j * SEG, (j + 1) * SEG): as float64 slots and, over the same bytes, int32. */
  f64s: Float64Array[] = [];
  i32s: Int32Array[] = [];
  length = 0;
  /** Entries `ent` and `prev` have room for. */
  cap = 0;
  /** Float64 slots per entry. */
  abstract readonly stride: number;

  /** Copy entity i of s into entry e. */
  protected abstract put(e: number, s: MeshState, i: number): void;
  /** Copy entry e (< 0: the values of an unseen entity) into entity i of s. */
  abstract load(e: number, s: MeshState, i: number): void;

  protected room(): number {
    if (this.length === this.cap) this.reserve(Math.max(1024, this.cap * 2));
    const e = this.length++;
    const seg = e >> SEG_SHIFT;
    if (seg >= this.f64s.length || (seg === 0 && e * this.stride >= this.f64s[0].length)) this.addRoom(seg);
    return e;
  }

  /** A new segment, or (the first, so that a small pool stays small) segment 0 twice as long. */
  private addRoom(seg: number): void {
    const w = this.stride;
    const entries = seg > 0 ? SEG : Math.min(SEG, Math.max(1024, ((this.f64s[0]?.length ?? 0) / w) * 2));
    const f64 = new Float64Array(entries * w);
    if (seg === 0 && this.f64s.length) f64.set(this.f64s[0]);
    this.f64s[seg] = f64;
    this.i32s[seg] = new Int32Array(f64.buffer);
  }

  /** Room in `ent` and `prev` for exactly `cap` entries (the values' segments come as needed). */
  reserve(cap: number): void {
    this.ent = sized(this.ent, cap);
    this.prev = sized(this.prev, cap);
    this.cap = cap;
  }

  /** Record entity i of s, whose previous entry is `prev`; returns the entry. */
  push(i: number, prev: number, s: MeshState): number {
    const e = this.room();
    this.ent[e] = i;
    this.prev[e] = prev;
    this.put(e, s, i);
    return e;
  }

  /** Append entry e of `from`, linked to `prev` (a merge's copy). */
  pushFrom(from: this, e: number, prev: number): number {
    const n = this.room();
    this.ent[n] = from.ent[e];
    this.prev[n] = prev;
    const w = this.stride;
    const at = (e & SEG_MASK) * w;
    this.f64s[n >> SEG_SHIFT].set(from.f64s[e >> SEG_SHIFT].subarray(at, at + w), (n & SEG_MASK) * w);
    return n;
  }

  /** Bytes allocated. */
  get bytes(): number {
    let b = this.cap * 8;
    for (const f of this.f64s) b += f.byteLength;
    return b;
  }
}

function sized(a: Int32Array, n: number): Int32Array {
  const next = new Int32Array(n);
  next.set(a.subarray(0, Math.min(a.length, n)));
  return next;
}

/**
 * Per actor: procTime, busyUntil, handleT, startT as float64 slots 0-3; then as int32 slots
 * 8-19 status, incarnation, node, processed, mailbox, lastHandler, open, errors, errorRow,
 * restarts, failRow, lifeRow (a uint32 goes in as its int32 bits and comes back whole).
 */
export class ActorPool extends Pool {
  readonly stride = 10;

  protected put(e: number, s: MeshState, i: number): void {
    const f = (e & SEG_MASK) * 10;
    const f64 = this.f64s[e >> SEG_SHIFT];
    f64[f] = s.procTime[i];
    f64[f + 1] = s.busyUntil[i];
    f64[f + 2] = s.handleT[i];
    f64[f + 3] = s.startT[i];
    const n = f * 2 + 8;
    const i32 = this.i32s[e >> SEG_SHIFT];
    i32[n] = s.status[i];
    i32[n + 1] = s.incarnation[i];
    i32[n + 2] = s.node[i];
    i32[n + 3] = s.processed[i];
    i32[n + 4] = s.mailbox[i];
    i32[n + 5] = s.lastHandler[i];
    i32[n + 6] = s.open[i];
    i32[n + 7] = s.errors[i];
    i32[n + 8] = s.errorRow[i];
    i32[n + 9] = s.restarts[i];
    i32[n + 10] = s.failRow[i];
    i32[n + 11] = s.lifeRow[i];
  }

  load(e: number, s: MeshState, i: number): void {
    if (e < 0) {
      // as MeshState.ensure fills an actor not yet seen
      s.procTime[i] = 0;
      s.busyUntil[i] = -Infinity;
      s.handleT[i] = 0;
      s.startT[i] = 0;
      s.status[i] = 0;
      s.incarnation[i] = 0;
      s.node[i] = -1;
      s.processed[i] = 0;
      s.mailbox[i] = 0;
      s.lastHandler[i] = -1;
      s.open[i] = 0;
      s.errors[i] = 0;
      s.errorRow[i] = -1;
      s.restarts[i] = 0;
      s.failRow[i] = -1;
      s.lifeRow[i] = -1;
      return;
    }
    const f = (e & SEG_MASK) * 10;
    const f64 = this.f64s[e >> SEG_SHIFT];
    s.procTime[i] = f64[f];
    s.busyUntil[i] = f64[f + 1];
    s.handleT[i] = f64[f + 2];
    s.startT[i] = f64[f + 3];
    const n = f * 2 + 8;
    const i32 = this.i32s[e >> SEG_SHIFT];
    s.status[i] = i32[n];
    s.incarnation[i] = i32[n + 1];
    s.node[i] = i32[n + 2];
    s.processed[i] = i32[n + 3];
    s.mailbox[i] = i32[n + 4];
    s.lastHandler[i] = i32[n + 5];
    s.open[i] = i32[n + 6];
    s.errors[i] = i32[n + 7];
    s.errorRow[i] = i32[n + 8];
    s.restarts[i] = i32[n + 9];
    s.failRow[i] = i32[n + 10];
    s.lifeRow[i] = i32[n + 11];
  }
}

/** Per node, as int32 slots: nodeState, nodeReason, nodeRow, then its `slots` status counts. */
export class NodePool extends Pool {
  readonly stride: number;
  private readonly slots: number;

  constructor(slots: number) {
    super();
    this.slots = slots;
    this.stride = Math.ceil((3 + slots) / 2);
  }

  protected put(e: number, s: MeshState, i: number): void {
    const n = (e & SEG_MASK) * this.stride * 2;
    const w = this.slots;
    const i32 = this.i32s[e >> SEG_SHIFT];
    i32[n] = s.nodeState[i];
    i32[n + 1] = s.nodeReason[i];
    i32[n + 2] = s.nodeRow[i];
    i32.set(s.nodeCounts.subarray(i * w, i * w + w), n + 3);
  }

  load(e: number, s: MeshState, i: number): void {
    const w = this.slots;
    if (e < 0) {
      s.nodeState[i] = N.unknown;
      s.nodeReason[i] = -1;
      s.nodeRow[i] = -1;
      s.nodeCounts.fill(0, i * w, i * w + w);
      return;
    }
    const n = (e & SEG_MASK) * this.stride * 2;
    const i32 = this.i32s[e >> SEG_SHIFT];
    s.nodeState[i] = i32[n];
    s.nodeReason[i] = i32[n + 1];
    s.nodeRow[i] = i32[n + 2];
    s.nodeCounts.set(i32.subarray(n + 3, n + 3 + w), i * w);
  }
}
