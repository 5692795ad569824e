// Per-status counts of every subtree of the supervision forest, kept item by item. A subtree is
// one range of the preorder (tree_budget.ts, buildForest), so its counts are two prefix sums;
// the prefix sums live in a Fenwick tree, so changing one item's flags costs O(log n) and a
// scrub step that changes a few hundred actors among 100,000 costs a few thousand additions
// instead of a pass over every actor. A far jump that changes many items rebuilds in one pass.
import type { Forest } from "./tree_budget";

/** One item's flags, as bits of `SubtreeCounts.bits`. */
export const PRESENT = 1;
export const FAILED = 2;
export const RESTARTING = 4;
export const BUSY = 8;

/** Per-item flags at one time: 1 = present (spawned, not filtered), and what it is doing. */
export interface ItemFlags {
  present: Uint8Array;
  failed: Uint8Array;
  restarting: Uint8Array;
  busy: Uint8Array;
}

export type CountName = keyof ItemFlags;
/** Slot of each count: its bit is 1 << slot. */
export const SLOT: Record<CountName, number> = { present: 0, failed: 1, restarting: 2, busy: 3 };

/** A per-item number for the order-free set hashes (a multiplicative mix of the index). */
const mix = (i: number) => Math.imul(i + 1, 0x9e3779b1) ^ Math.imul((i + 1) >>> 7, 0x85ebca6b);

export class SubtreeCounts {
  /** Per item, its flags (PRESENT | FAILED | RESTARTING | BUSY) as last set. */
  readonly bits: Uint8Array;
  /** Fenwick tree over preorder positions 1..n, four slots interleaved: `tree[4 * j + slot]`. */
  private readonly tree: Int32Array;
  private readonly totals = new Int32Array(4);
  /** Per slot, a sum of `mix` over the items with that flag: a changed set shows as a changed sum. */
  private readonly hashes = new Int32Array(4);
  /** Highest power of two <= n: where a Fenwick descent starts. */
  private readonly top: number;
  /** Bumped by every change: what was derived from the counts is stale when it differs. */
  version = 0;

  constructor(private readonly f: Forest) {
    this.bits = new Uint8Array(f.n);
    this.tree = new Int32Array(4 * (f.n + 1));
    let top = 1;
    while (top * 2 <= f.n) top *= 2;
    this.top = f.n ? top : 0;
  }

  /** Set item i's flags: O(log n) per flag that changed. */
  set(i: number, bits: number): void {
    const old = this.bits[i];
    if (old === bits) return;
    this.bits[i] = bits;
    this.version++;
    const n = this.f.n;
    const start = this.f.at[i] + 1;
    const h = mix(i);
    const t = this.tree;
    for (let slot = 0; slot < 4; slot++) {
      const b = 1 << slot;
      if (!((old ^ bits) & b)) continue;
      const d = bits & b ? 1 : -1;
      this.totals[slot] += d;
      this.hashes[slot] = (this.hashes[slot] + d * h) | 0;
      for (let j = start; j <= n; j += j & -j) t[4 * j + slot] += d;
    }
  }

  /** Recompute everything from `bits` (after writing many of them directly): one pass. */
  rebuild(): void {
    const { pre, n } = this.f;
    const t = this.tree;
    const bits = this.bits;
    t.fill(0);
    this.totals.fill(0);
    this.hashes.fill(0);
    for (let q = 0; q < n; q++) {
      const i = pre[q];
      const v = bits[i];
      if (!v) continue;
      const o = 4 * (q + 1);
      const h = mix(i);
      for (let slot = 0; slot < 4; slot++) {
        if (!(v & (1 << slot))) continue;
        t[o + slot] = 1;
        this.totals[slot]++;
        this.hashes[slot] = (this.hashes[slot] + h) | 0;
      }
    }
    // each node adds itself into its Fenwick parent: linear construction
    for (let j = 1; j <= n; j++) {
      const p = j + (j & -j);
      if (p > n) continue;
      for (let slot = 0; slot < 4; slot++) t[4 * p + slot] += t[4 * j + slot];
    }
    this.version++;
  }

  /** Set every item's flags from per-flag arrays and rebuild. */
  update(flags: ItemFlags): void {
    for (let i = 0; i < this.f.n; i++) {
      this.bits[i] = (flags.present[i] ? PRESENT : 0) | (flags.failed[i] ? FAILED : 0) | (flags.restarting[i] ? RESTARTING : 0) | (flags.busy[i] ? BUSY : 0);
    }
    this.rebuild();
  }

  /** Counted over the first q items of the preorder. */
  private prefix(q: number, slot: number): number {
    const t = this.tree;
    let s = 0;
    for (let j = q; j > 0; j -= j & -j) s += t[4 * j + slot];
    return s;
  }

  /** Counted over every item. */
  total(name: CountName): number {
    return this.totals[SLOT[name]];
  }

  /** Counted over item i's descendants (itself excluded). */
  below(i: number, name: CountName): number {
    const size = this.f.size[i];
    if (size === 1) return 0;
    const a = this.f.at[i];
    const k = SLOT[name];
    return this.prefix(a + size, k) - this.prefix(a + 1, k);
  }

  /** Counted over item i's whole subtree (itself included). */
  within(i: number, name: CountName): number {
    const k = SLOT[name];
    const size = this.f.size[i];
    if (size === 1) return (this.bits[i] >> k) & 1; // a leaf, the usual wide family's child
    const a = this.f.at[i];
    return this.prefix(a + size, k) - this.prefix(a, k);
  }

  /** Item i itself is present. */
  present(i: number): boolean {
    return (this.bits[i] & PRESENT) !== 0;
  }

  /** Failed or restarting items among the first q of the preorder. */
  private downPrefix(q: number): number {
    const t = this.tree;
    let s = 0;
    for (let j = q; j > 0; j -= j & -j) s += t[4 * j + 1] + t[4 * j + 2];
    return s;
  }

  /**
   * Up to `limit` failed or restarting items below item i (all items for i = -1), in preorder:
   * each found by a descent of the Fenwick tree, so the cost is the failures found, not the
   * subtree's size.
   */
  downItems(i: number, limit: number): number[] {
    const t = this.tree;
    const n = this.f.n;
    const lo = i < 0 ? 0 : this.f.at[i] + 1;
    const end = i < 0 ? n : this.f.at[i] + this.f.size[i];
    const out: number[] = [];
    if (lo >= end) return out;
    let seen = this.downPrefix(lo);
    const last = this.downPrefix(end);
    while (out.length < limit && seen < last) {
      // the smallest position q with downPrefix(q + 1) > seen: descend from the top
      let pos = 0;
      let rem = seen;
      for (let step = this.top; step > 0; step >>= 1) {
        const j = pos + step;
        if (j > n) continue;
        const v = t[4 * j + 1] + t[4 * j + 2];
        if (v <= rem) {
          pos = j;
          rem -= v;
        }
      }
      if (pos >= end) break;
      out.push(this.f.pre[pos]);
      seen++;
    }
    return out;
  }

  /** Failed or restarting actors in item i's subtree (itself included). */
  down(i: number): number {
    return this.within(i, "failed") + this.within(i, "restarting");
  }

  /**
   * What the choice of shown items depends on: which items are present and which are down
   * (failed or restarting), as counts and order-free hashes of the sets.
   */
  signature(): string {
    const [p, fa, re] = this.totals;
    const [hp, hf, hr] = this.hashes;
    // an item gone from failed to restarting leaves the down set's hash as it was
    return `${p}|${fa + re}|${hp}|${(hf + hr) | 0}`;
  }
}
