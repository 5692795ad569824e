// The tree's per-status counts kept in step with the playhead at the cost of what changed. An
// actor's present / failed / restarting flags change only by its own lifecycle rows (spawn,
// fail, stop, restart: fold.ts, applyRow), so between two frames the actors to look at are
// those of the lifecycle rows between the two fold positions, found in an index of those rows;
// busy is decided at t over the fold's possibly-busy list (MeshState.busy), so the busy flags
// to change are those of that list and of the items busy last frame. Each changed item costs
// O(log n) in the counts' Fenwick tree (tree_counts.ts). A far jump across more rows than a
// fraction of the items (and the first frame) sets every item's flags in one pass instead.
import type { MeshState } from "./fold";
import { lowerBound } from "./grow";
import { K, S } from "./kinds";
import type { EventStore } from "./store";
import { BUSY, FAILED, PRESENT, RESTARTING, type SubtreeCounts } from "./tree_counts";

/**
 * Fold positions of the actor lifecycle rows, ascending, over positions [0, upTo) of the store's
 * fold order: extended as the store grows, cut back where rows arriving out of order changed
 * the order (EventStore.onChange's position).
 */
export class LifecycleIndex {
  private pos = new Int32Array(1024);
  private len = 0;
  private upTo = 0;

  constructor(private readonly store: EventStore) {}

  /** Positions from `p` on are no longer what was indexed. */
  dirty(p: number): void {
    if (p >= this.upTo) return;
    this.upTo = p;
    this.len = lowerBound(this.pos, this.len, p);
  }

  /** Index the positions the store holds that are not yet indexed. */
  sync(): void {
    const st = this.store;
    const kind = st.kind.data;
    for (let p = this.upTo; p < st.n; p++) {
      const k = kind[st.rowAt(p)];
      if (k < K.actor_spawn || k > K.actor_restart) continue;
      if (this.len === this.pos.length) {
        const next = new Int32Array(this.pos.length * 2);
        next.set(this.pos);
        this.pos = next;
      }
      this.pos[this.len++] = p;
    }
    this.upTo = st.n;
  }

  /** Indexes into `positions` of the lifecycle rows at positions [a, b): [from, to). */
  range(a: number, b: number): [number, number] {
    return [lowerBound(this.pos, this.len, a), lowerBound(this.pos, this.len, b)];
  }

  get positions(): Int32Array {
    return this.pos;
  }

  get length(): number {
    return this.len;
  }
}

/** Items of the forest as actors: `actorOf[i]` (negative for a node's group item), `itemOf[a]`. */
export interface ItemActors {
  actorOf: Int32Array;
  itemOf: Int32Array;
}

/** The present / failed / restarting bits of actor a in s (0 for a node's group item). */
function statusBits(s: MeshState, a: number): number {
  if (a < 0 || a >= s.cap || s.node[a] < 0) return 0;
  const code = s.status[a];
  if (code === S.absent) return 0;
  return code === S.failed ? PRESENT | FAILED : code === S.restarting ? PRESENT | RESTARTING : PRESENT;
}

/** Busy at t: alive on a node with a handler running (busySince, inlined). */
function busyAt(s: MeshState, a: number, t: number): boolean {
  return s.node[a] >= 0 && s.status[a] === S.alive && (s.busyUntil[a] > t || s.open[a] > 0);
}

/** How the last `update` went: the tests and the benchmark read it. */
export interface FlagStats {
  /** Every item's flags were set in one pass (first frame or a far jump). */
  full: boolean;
  /** Lifecycle rows looked at (0 on a full pass). */
  rows: number;
}

/** Keeps one forest's counts at the state of the latest frame. */
export class FlagTracker {
  /** Fold position the counts stand at, -1 before the first update. */
  private row = -1;
  /** Items flagged busy, and a mark per item for the busy pass. */
  private busy = new Int32Array(64);
  private busyLen = 0;
  private readonly mark: Uint8Array;
  readonly stats: FlagStats = { full: false, rows: 0 };

  constructor(
    private readonly items: ItemActors,
    private readonly counts: SubtreeCounts,
  ) {
    this.mark = new Uint8Array(items.actorOf.length);
  }

  /**
   * Bring the counts to state `s` at time t, whose fold covers positions [0, s.row); `index`
   * must be synced with the store `s` was folded from. Returns the counts' signature.
   */
  update(s: MeshState, t: number, store: EventStore, index: LifecycleIndex): string {
    const { actorOf, itemOf } = this.items;
    const n = actorOf.length;
    const c = this.counts;
    const [from, to] = this.row < 0 ? [0, 0] : index.range(Math.min(this.row, s.row), Math.max(this.row, s.row));
    if (this.row < 0 || to - from > (n >> 3) + 64) {
      // the first frame or a far jump: one pass, writing the flags directly
      const bits = c.bits;
      this.busyLen = 0;
      for (let i = 0; i < n; i++) {
        const a = actorOf[i];
        let b = statusBits(s, a);
        if (b === PRESENT && busyAt(s, a, t)) {
          b |= BUSY;
          this.pushBusy(i);
        }
        bits[i] = b;
      }
      c.rebuild();
      this.row = s.row;
      this.stats.full = true;
      this.stats.rows = 0;
      return c.signature();
    }
    // the actors of the lifecycle rows in between: their status flags, busy left as it was
    const pos = index.positions;
    const actor = store.actor.data;
    for (let q = from; q < to; q++) {
      const code = actor[store.rowAt(pos[q])];
      const a = code >= 0 ? store.actorByCode[code] : -1;
      const i = a >= 0 && a < itemOf.length ? itemOf[a] : -1;
      if (i < 0) continue;
      c.set(i, (c.bits[i] & BUSY) | statusBits(s, a));
    }
    // busy at t: the fold's candidates, against the items flagged busy last frame
    const mark = this.mark;
    const was = this.busy.slice(0, this.busyLen);
    this.busyLen = 0;
    for (let j = 0; j < s.busyLen; j++) {
      const a = s.busy[j];
      const i = a < itemOf.length ? itemOf[a] : -1;
      if (i < 0 || !busyAt(s, a, t)) continue;
      mark[i] = 1;
      this.pushBusy(i);
    }
    for (const i of was) if (!mark[i]) c.set(i, c.bits[i] & ~BUSY);
    for (let j = 0; j < this.busyLen; j++) {
      const i = this.busy[j];
      mark[i] = 0;
      c.set(i, c.bits[i] | BUSY);
    }
    this.row = s.row;
    this.stats.full = false;
    this.stats.rows = to - from;
    return c.signature();
  }

  private pushBusy(i: number): void {
    if (this.busyLen === this.busy.length) {
      const next = new Int32Array(this.busy.length * 2);
      next.set(this.busy);
      this.busy = next;
    }
    this.busy[this.busyLen++] = i;
  }
}
