// Time intervals (messages in flight, handler slices) indexed so that a window [w0, w1] touches
// only the intervals that overlap it, plus one look per block: the space-time view's frame cost
// follows what is drawn, not the length of the trace. Intervals are sorted by start (ties by
// id); blocks of BLOCK consecutive intervals keep their largest end, so a block that ended
// before w0 is skipped whole. An interval with no end yet (a hung handler) has end = Infinity.
//
// The index grows as a trace arrives: `append` adds the new intervals (in place when they start
// after the last one, the usual case; merged into the tail otherwise) and `setEnd` moves the end
// of one already indexed (a message received, a handler that returned), each redoing only the
// blocks it touched. The result is the same index a rebuild over all intervals would give.
import { upperBound } from "./grow";

export const BLOCK = 128;

export class IntervalIndex {
  /** Interval ids (the caller's indexes) in order of start; valid up to `length`. */
  ids: Int32Array;
  starts: Float64Array;
  ends: Float64Array;
  /** Position in start order of each id. */
  private at: Int32Array;
  private blockMaxEnd: Float64Array;
  private n = 0;

  constructor(starts: ArrayLike<number>, ends: ArrayLike<number>, n: number) {
    this.ids = new Int32Array(n);
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.at = new Int32Array(n);
    this.blockMaxEnd = new Float64Array(Math.ceil(n / BLOCK));
    this.append(starts, ends, n);
  }

  get length(): number {
    return this.n;
  }

  private reserve(n: number): void {
    if (n <= this.ids.length) return;
    const cap = Math.max(n, this.ids.length * 2, 1024);
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.ids = grow(this.ids, (k) => new Int32Array(k));
    this.at = grow(this.at, (k) => new Int32Array(k));
    this.starts = grow(this.starts, (k) => new Float64Array(k));
    this.ends = grow(this.ends, (k) => new Float64Array(k));
    const bm = new Float64Array(Math.ceil(cap / BLOCK));
    bm.set(this.blockMaxEnd.subarray(0, Math.ceil(this.n / BLOCK)));
    this.blockMaxEnd = bm;
  }

  /**
   * Add intervals with ids [length, total): `starts[id]`, `ends[id]` as the caller holds them.
   * Sends arrive in time order almost always: then they are written after the last one; the
   * rest (a merged stream, a handler known only by its end) is merged into the tail it goes in.
   */
  append(starts: ArrayLike<number>, ends: ArrayLike<number>, total: number): void {
    const from = this.n;
    if (total <= from) return;
    this.reserve(total);
    const fresh: number[] = [];
    let sorted = true;
    for (let id = from; id < total; id++) {
      if (id > from && starts[id] < starts[id - 1]) sorted = false;
      fresh.push(id);
    }
    if (!sorted) fresh.sort((a, b) => starts[a] - starts[b] || a - b);
    // the first indexed position a fresh interval goes before (equal starts: the older first)
    const p0 = from && starts[fresh[0]] < this.starts[from - 1] ? upperBound(this.starts, from, starts[fresh[0]]) : from;
    const tail = Array.from(this.ids.subarray(p0, from));
    let i = 0;
    let j = 0;
    for (let p = p0; p < total; p++) {
      const takeOld = i < tail.length && (j >= fresh.length || this.starts[p0 + i] <= starts[fresh[j]]);
      const id = takeOld ? tail[i++] : fresh[j++];
      this.ids[p] = id;
      this.at[id] = p;
    }
    for (let p = p0; p < total; p++) {
      const id = this.ids[p];
      this.starts[p] = starts[id];
      this.ends[p] = ends[id];
    }
    this.n = total;
    this.redoBlocks(Math.floor(p0 / BLOCK), Math.ceil(total / BLOCK));
  }

  /** Interval `id` now ends at `end` (a message received, a handler returned). */
  setEnd(id: number, end: number): void {
    const p = this.at[id];
    if (this.ends[p] === end) return;
    this.ends[p] = end;
    const b = (p / BLOCK) | 0;
    this.redoBlocks(b, b + 1);
  }

  private redoBlocks(b0: number, b1: number): void {
    for (let b = b0; b < b1; b++) {
      let mx = -Infinity;
      const end = Math.min(this.n, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) if (this.ends[i] > mx) mx = this.ends[i];
      this.blockMaxEnd[b] = mx;
    }
  }

  /** The index as plain arrays (the ids in start order and each block's largest end): tests compare a grown index with a rebuilt one. */
  snapshot(): { ids: number[]; starts: number[]; ends: number[]; blockMaxEnd: number[] } {
    const n = this.n;
    return {
      ids: Array.from(this.ids.subarray(0, n)),
      starts: Array.from(this.starts.subarray(0, n)),
      ends: Array.from(this.ends.subarray(0, n)),
      blockMaxEnd: Array.from(this.blockMaxEnd.subarray(0, Math.ceil(n / BLOCK))),
    };
  }

  /**
   * Ids of the intervals with start <= w1 and end >= w0, in order of start, written into `out`
   * (grown when too small); returns [out, count]. `touched` counts the intervals looked at.
   */
  query(w0: number, w1: number, out: Int32Array): [Int32Array, number, number] {
    const hi = upperBound(this.starts, this.n, w1);
    let count = 0;
    let touched = 0;
    const nb = Math.ceil(hi / BLOCK);
    for (let b = 0; b < nb; b++) {
      if (this.blockMaxEnd[b] < w0) continue;
      const end = Math.min(hi, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) {
        touched++;
        if (this.ends[i] < w0) continue;
        if (count === out.length) {
          const next = new Int32Array(Math.max(1024, out.length * 2));
          next.set(out);
          out = next;
        }
        out[count++] = this.ids[i];
      }
    }
    return [out, count, touched];
  }
}
