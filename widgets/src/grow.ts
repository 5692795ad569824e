// Growable typed arrays: events arrive in chunks and are appended, so every column grows with
// amortised doubling instead of being rebuilt whole.

type TypedCtor<T> = { new (n: number): T };
type Typed = Float64Array | Int32Array | Uint32Array | Uint8Array;

export class Grow<T extends Typed> {
  data: T;
  length = 0;
  private readonly ctor: TypedCtor<T>;

  constructor(ctor: TypedCtor<T>, capacity = 1024) {
    this.ctor = ctor;
    this.data = new ctor(capacity);
  }

  reserve(n: number): void {
    if (n <= this.data.length) return;
    let cap = Math.max(this.data.length, 16);
    while (cap < n) cap *= 2;
    const next = new this.ctor(cap);
    (next as Typed).set(this.data as Typed);
    this.data = next;
  }

  push(v: number): number {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }

  appendArray(src: ArrayLike<number>): void {
    this.reserve(this.length + src.length);
    (this.data as Typed).set(src as ArrayLike<number>, this.length);
    this.length += src.length;
  }

  get(i: number): number {
    return this.data[i];
  }

  /** A view of the filled part (no copy). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Index of the first element of sorted `a[0..n)` that is greater than `x`. */
export function upperBound(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `a[0..n)` that is greater than or equal to `x`. */
export function lowerBound(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
