// The one rule for time (docs/contract.md): the fold order of the rows, (t, seq), and the
// queries on time that read it. The bottom layer of EventStore (store.ts): a base class rather
// than a member, so rowAt / posOf / t stay one property away in the per-row loops.
import type { EventColumns } from "./decode";
import { Grow, lowerBound, upperBound } from "./grow";

export class FoldOrder {
  /** Rows appended so far. */
  n = 0;
  readonly t = new Grow(Float64Array);
  /**
   * seq of row r is `seqBase + r` while every chunk ran on from the one before (a replay, an
   * in-order stream: the kernel then leaves seq out and sends seq_base); the column is made
   * only when a chunk breaks that run.
   */
  protected seqBase = 0;
  protected seqCol: Grow<Float64Array> | null = null;
  /**
   * The one rule for time (docs/contract.md): the state at T folds the events with t <= T in
   * (t, seq) order, even when a merged live stream delivers t out of order in seq. While the
   * rows arrived in that order (`sorted`, the usual case) fold position and row are the same
   * and t is its own sorted copy and running maximum, so nothing more is kept. The first row
   * out of order makes the fold order (`orderCol`, read through rowAt), each row's position
   * (`posCol`, posOf), the times in fold order (`ts`) and their running maximum in row order
   * (`tmax`, for the moments' binary search).
   */
  protected sorted = true;
  protected readonly orderCol = new Grow(Int32Array, 0);
  protected readonly posCol = new Grow(Int32Array, 0);
  protected readonly tsCol = new Grow(Float64Array, 0);
  protected readonly tmaxCol = new Grow(Float64Array, 0);

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
  protected appendSeq(c: EventColumns, start: number): void {
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
  protected extendOrder(start: number): number {
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

  /** Make room for `rows` rows in the seq and order columns that exist. */
  protected reserveOrder(rows: number): void {
    if (this.seqCol) this.seqCol.reserve(rows);
    if (!this.sorted) for (const g of [this.orderCol, this.posCol, this.tsCol, this.tmaxCol]) g.reserve(rows);
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
