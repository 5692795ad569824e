// Growable typed arrays: events arrive in chunks and are appended, so every column grows with
// amortised doubling instead of being rebuilt whole. A reservation for a known size (the rows
// the kernel announced) is exact: a 10M-event trace holds 10M rows, not the next power of two.

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
    const next = new this.ctor(grownCapacity(this.data.length, n));
    (next as Typed).set(this.data as Typed);
    this.data = next;
  }

  /** Room for exactly `n` (a size estimated up front), unless there already is. */
  reserveExact(n: number): void {
    if (n <= this.data.length) return;
    const next = new this.ctor(n);
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

/**
 * Room for `need` elements in an array of `cap`: exactly `need` when that is at least double
 * (a size announced up front), else double (appends), so that growth stays amortised.
 */
export function grownCapacity(cap: number, need: number): number {
  return Math.max(need, 2 * cap, 16);
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
