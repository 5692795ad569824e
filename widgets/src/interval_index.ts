// Time intervals (messages in flight, handler slices) indexed so that a window [w0, w1] touches
// only the intervals that overlap it, plus one look per block: the space-time view's frame cost
// follows what is drawn, not the length of the trace. Intervals are sorted by start; blocks of
// BLOCK consecutive intervals keep their largest end, so a block that ended before w0 is skipped
// whole. An interval with no end yet (a hung handler) has end = Infinity.
import { upperBound } from "./grow";

export const BLOCK = 128;

export class IntervalIndex {
  /** Interval ids (the caller's indexes) in order of start. */
  readonly ids: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  private readonly blockMaxEnd: Float64Array;

  constructor(starts: ArrayLike<number>, ends: ArrayLike<number>, n: number) {
    const ids = new Int32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      ids[i] = i;
      if (i && starts[i] < starts[i - 1]) sorted = false;
    }
    // sends arrive in time order almost always: sort only when a merged stream was not
    if (!sorted) ids.sort((a, b) => starts[a] - starts[b] || a - b);
    this.ids = ids;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.starts[i] = starts[ids[i]];
      this.ends[i] = ends[ids[i]];
    }
    const nb = Math.ceil(n / BLOCK);
    this.blockMaxEnd = new Float64Array(nb).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const b = (i / BLOCK) | 0;
      if (this.ends[i] > this.blockMaxEnd[b]) this.blockMaxEnd[b] = this.ends[i];
    }
  }

  get length(): number {
    return this.ids.length;
  }

  /**
   * Ids of the intervals with start <= w1 and end >= w0, in order of start, written into `out`
   * (grown when too small); returns [out, count]. `touched` counts the intervals looked at.
   */
  query(w0: number, w1: number, out: Int32Array): [Int32Array, number, number] {
    const hi = upperBound(this.starts, this.ids.length, w1);
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
