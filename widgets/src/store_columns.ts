// One event column kept at the width the kernel sent it in: the store's rows are these.
import { grownCapacity } from "./grow";

export type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
export type NarrowCtor = new (n: number) => Narrow;

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
