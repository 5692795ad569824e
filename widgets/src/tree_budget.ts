// Which part of a large supervision tree is drawn. A tree of 100,000 actors cannot be drawn
// legibly, so subtrees are folded by default beyond a budget of leaf columns and rows; each
// folded root carries the counts of what it hides (failed, restarting, busy), and a wide parent
// shows its first children (those with a failure below them first) and a "+N more" stub for the
// rest. A family too wide for one row wraps into rows under its parent, as many as the height
// holds, so a supervisor with hundreds of workers shows them all, or as many as fit and a stub
// counting the rest. The user's own folds (double-click, `c`) override the budget either way.
//
// Pure and independent of drawing: the forest is built once per set of actors and filters, the
// per-frame status counts are prefix sums over its preorder (one pass over the actors), and the
// choice of what is shown walks only the shown items and their child lists.

/** A forest over items 0..n-1 with its preorder, so a subtree is one contiguous range. */
export interface Forest {
  n: number;
  roots: number[];
  children: number[][];
  /** Parent of each item in this forest (-1 for a root: a cycle or a missing parent is cut). */
  parent: Int32Array;
  /** Items in preorder; `at[i]` is item i's position there, `size[i]` its subtree (itself included). */
  pre: Int32Array;
  at: Int32Array;
  size: Int32Array;
}

/** A parent that is out of range, the item itself or part of a cycle makes an item a root. */
export function buildForest(parent: ArrayLike<number>): Forest {
  const n = parent.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  // a cycle is broken at the item where a walk up from it first returns to itself
  const state = new Uint8Array(n); // 0 unseen, 1 on the current walk, 2 settled
  const isRoot = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (state[i]) continue;
    const walk: number[] = [];
    let j = i;
    while (j >= 0 && j < n && state[j] === 0) {
      state[j] = 1;
      walk.push(j);
      const p = parent[j];
      if (p < 0 || p >= n || p === j) {
        isRoot[j] = 1;
        break;
      }
      j = p;
    }
    if (j >= 0 && j < n && state[j] === 1 && !isRoot[j]) isRoot[j] = 1; // closes a cycle at j
    for (const w of walk) state[w] = 2;
  }
  const up = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (isRoot[i]) roots.push(i);
    else children[(up[i] = parent[i])].push(i);
  }
  const pre = new Int32Array(n);
  const at = new Int32Array(n);
  const size = new Int32Array(n);
  let k = 0;
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]);
  while (stack.length) {
    const i = stack.pop()!;
    at[i] = k;
    pre[k++] = i;
    const c = children[i];
    for (let q = c.length - 1; q >= 0; q--) stack.push(c[q]);
  }
  for (let q = n - 1; q >= 0; q--) {
    const i = pre[q];
    let s = 1;
    for (const c of children[i]) s += size[c];
    size[i] = s;
  }
  return { n, roots, children, parent: up, pre, at, size };
}

/** Per-item flags at one time: 1 = present (spawned, not filtered), and what it is doing. */
export interface ItemFlags {
  present: Uint8Array;
  failed: Uint8Array;
  restarting: Uint8Array;
  busy: Uint8Array;
}

export type CountName = keyof ItemFlags;
/** Slots of the counts, interleaved in `SubtreeCounts.sums`. */
export const SLOT: Record<CountName, number> = { present: 0, failed: 1, restarting: 2, busy: 3 };
const NAMES: CountName[] = ["present", "failed", "restarting", "busy"];

/**
 * Prefix sums of the flags in preorder, four to a row (`sums[4 * (q + 1) + slot]` counts the
 * first q + 1 items of the preorder): any subtree's counts in O(1). Filled in one pass, by
 * `update` or directly by a caller that computes the flags as it walks `pre` (no flag arrays).
 */
export class SubtreeCounts {
  readonly sums: Int32Array;
  constructor(private readonly f: Forest) {
    this.sums = new Int32Array(4 * (f.n + 1));
  }

  update(flags: ItemFlags): void {
    const { pre, n } = this.f;
    const s = this.sums;
    let p = 0;
    let fa = 0;
    let re = 0;
    let bu = 0;
    for (let q = 0; q < n; q++) {
      const i = pre[q];
      p += flags.present[i];
      fa += flags.failed[i];
      re += flags.restarting[i];
      bu += flags.busy[i];
      const o = 4 * (q + 1);
      s[o] = p;
      s[o + 1] = fa;
      s[o + 2] = re;
      s[o + 3] = bu;
    }
  }

  /** Counted over every item. */
  total(name: CountName): number {
    return this.sums[4 * this.f.n + SLOT[name]];
  }

  /** Counted over item i's descendants (itself excluded). */
  below(i: number, name: CountName): number {
    const a = this.f.at[i];
    const k = SLOT[name];
    return this.sums[4 * (a + this.f.size[i]) + k] - this.sums[4 * (a + 1) + k];
  }

  /** Counted over item i's whole subtree (itself included). */
  within(i: number, name: CountName): number {
    const a = this.f.at[i];
    const k = SLOT[name];
    return this.sums[4 * (a + this.f.size[i]) + k] - this.sums[4 * a + k];
  }

  /** Item i itself is present. */
  present(i: number): boolean {
    const a = 4 * this.f.at[i];
    return this.sums[a + 4] - this.sums[a] > 0;
  }

  /**
   * Up to `limit` failed or restarting items below item i (all items for i = -1), in preorder:
   * each found by a binary search on the prefix sums, so the cost is the failures found, not
   * the subtree's size.
   */
  downItems(i: number, limit: number): number[] {
    const s = this.sums;
    const downAt = (q: number) => s[4 * q + 1] + s[4 * q + 2]; // over the first q items
    let lo = i < 0 ? 0 : this.f.at[i] + 1;
    const end = i < 0 ? this.f.n : this.f.at[i] + this.f.size[i];
    const out: number[] = [];
    while (out.length < limit && lo < end && downAt(end) > downAt(lo)) {
      // the first q in [lo, end) whose item is down: downAt(q + 1) > downAt(lo)
      const base = downAt(lo);
      let a = lo;
      let b = end - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (downAt(mid + 1) > base) b = mid;
        else a = mid + 1;
      }
      out.push(this.f.pre[a]);
      lo = a + 1;
    }
    return out;
  }

  /** Failed or restarting actors in item i's subtree (itself included). */
  down(i: number): number {
    const s = this.sums;
    const a = 4 * this.f.at[i];
    const e = 4 * (this.f.at[i] + this.f.size[i]);
    return s[e + 1] - s[a + 1] + s[e + 2] - s[a + 2];
  }
}

export interface Budget {
  /** Leaf columns that fit the width legibly. */
  leaves: number;
  /** Rows that fit the height. */
  depth: number;
}

/** What is drawn: items and "+N more" stubs, as a forest over the shown list. */
export interface Shown {
  /** Item index, or -1 for a stub. */
  item: number[];
  /** Parent as an index into this list, -1 for a root. */
  parent: number[];
  depth: number[];
  /** Item whose children are folded away (drawn with the counts of its subtree), or false. */
  folded: boolean[];
  /** For a stub: the item whose remaining children it stands for (-1: the remaining roots). */
  stubOf: number[];
  /** For a stub: its shown siblings (items); the stub stands for the parent's other children. */
  stubShown: number[][];
  /** Per shown index: its children wrap into rows of this many columns (0: one row). */
  wrap: number[];
}

export interface FoldChoice {
  /** Items the user unfolded (shown with all their children whatever the budget). */
  open: ReadonlySet<number>;
  /** Items the user folded. */
  closed: ReadonlySet<number>;
}

const NO_CHOICE: FoldChoice = { open: new Set(), closed: new Set() };

/**
 * Choose what to draw within `budget`. First, breadth first, every item whose present children
 * all fit is unfolded; then what is left of the budget is shared among the items still folded
 * (in breadth-first order), each showing its first children — those with a failure or restart
 * in their subtree first — and a stub for the rest. Items over the depth budget stay folded.
 */
export function chooseShown(f: Forest, counts: SubtreeCounts, budget: Budget, choice: FoldChoice = NO_CHOICE): Shown {
  const out: Shown = { item: [], parent: [], depth: [], folded: [], stubOf: [], stubShown: [], wrap: [] };
  const eligible = (c: number) => counts.within(c, "present") > 0;
  const kidsOf = (i: number): number[] => {
    const all = i < 0 ? f.roots : f.children[i];
    // the usual case, every actor below present: the list as it is, no copy
    if (i >= 0 && counts.below(i, "present") === f.size[i] - 1) return all;
    return all.filter(eligible);
  };
  const downBelow = (i: number) => (i < 0 ? counts.total("failed") + counts.total("restarting") : counts.below(i, "failed") + counts.below(i, "restarting"));
  const queue: number[] = []; // shown indexes of items, breadth first
  const push = (item: number, parent: number): number => {
    const k = out.item.length;
    out.item.push(item);
    out.parent.push(parent);
    out.depth.push(parent < 0 ? 0 : out.depth[parent] + 1);
    out.folded.push(false);
    out.stubOf.push(-1);
    out.stubShown.push([]);
    out.wrap.push(0);
    if (item >= 0) queue.push(k);
    return k;
  };
  /**
   * Show `kids` under shown index `at` (-1: as roots), at most `room` columns on at most `rows`
   * rows (more than one: the family wraps, row under row); the columns taken.
   */
  const addChildren = (parentItem: number, at: number, kids: number[], room: number, rows = 1): number => {
    if (kids.length <= room) {
      for (const c of kids) push(c, at);
      return kids.length;
    }
    // wrapped, the children are leaves of the picture: one with children of its own is folded
    const wrapTo = (first: number): number => {
      out.wrap[at] = room;
      for (let k = first; k < out.item.length; k++) {
        out.depth[k] = out.depth[at] + 1 + Math.floor((k - first) / room);
        if (out.item[k] >= 0 && kidsOf(out.item[k]).length) out.folded[k] = true;
      }
      return room;
    };
    const wraps = at >= 0 && rows > 1 && room >= 2 && !kids.some((c) => choice.open.has(c));
    if (wraps && kids.length <= room * rows) {
      const first = out.item.length;
      for (const c of kids) push(c, at);
      return wrapTo(first);
    }
    // failures first, otherwise in spawn order, so the picture does not reshuffle; the scans
    // stop as soon as they have what they need (a parent may have 100,000 children)
    const take = Math.max(1, (wraps ? room * rows : room) - 1);
    const shown: number[] = [];
    const isShown = new Set<number>();
    if (downBelow(parentItem) > 0) {
      // the children whose subtrees hold the first failures: walk up from each failure
      for (const d of counts.downItems(parentItem, 4 * take)) {
        let c = d;
        while (f.parent[c] !== parentItem && f.parent[c] >= 0) c = f.parent[c];
        if (f.parent[c] !== parentItem || isShown.has(c) || shown.length >= take) continue;
        shown.push(c);
        isShown.add(c);
      }
      shown.sort((a, b) => f.at[a] - f.at[b]);
    }
    for (let q = 0; q < kids.length && shown.length < take; q++) if (!isShown.has(kids[q])) shown.push(kids[q]);
    const first = out.item.length;
    for (const c of shown) push(c, at);
    const s = push(-1, at);
    out.stubOf[s] = parentItem;
    out.stubShown[s] = shown;
    return wraps ? wrapTo(first) : shown.length + 1;
  };
  /** Rows left under shown index k for a wrapped family. */
  const rowsUnder = (k: number) => Math.max(1, budget.depth - out.depth[k] - 1);
  let leaves = addChildren(-1, -1, kidsOf(-1), Math.max(2, budget.leaves));
  const later: [number, number, number[]][] = [];
  for (let q = 0; q < queue.length; q++) {
    const k = queue[q];
    const item = out.item[k];
    if (out.folded[k]) continue; // in a wrapped family: its row is taken by the next row of it
    const kids = kidsOf(item);
    if (!kids.length) continue;
    const userOpen = choice.open.has(item);
    const deepOk = out.depth[k] + 1 < budget.depth;
    if (choice.closed.has(item) || (!userOpen && !(deepOk && leaves - 1 + kids.length <= budget.leaves))) {
      out.folded[k] = true;
      if (!choice.closed.has(item) && deepOk) later.push([item, k, kids]);
      continue;
    }
    // the user's unfold draws as many as the width left holds (at least two), the rest behind a stub
    leaves += addChildren(item, k, kids, userOpen ? Math.min(kids.length, Math.max(3, budget.leaves - leaves + 1)) : kids.length, userOpen ? rowsUnder(k) : 1) - 1;
  }
  // what is left of the budget: shared among the folded items, each then showing as many
  // children as its share of the width holds on the rows below it (themselves folded, their
  // counts saying what they hide) and a stub for the rest
  let left = budget.leaves - leaves;
  const share = Math.max(2, Math.floor(left / Math.max(1, later.length)));
  for (const [item, k, kids] of later) {
    if (left < 2) break;
    const room = Math.min(left, share) + 1; // the item's own column is reused by its children
    const first = queue.length;
    out.folded[k] = false;
    left -= addChildren(item, k, kids, room, rowsUnder(k)) - 1;
    for (let q = first; q < queue.length; q++) if (kidsOf(out.item[queue[q]]).length) out.folded[queue[q]] = true;
  }
  return out;
}

/** The counts a shown item or stub stands for, at the flags `counts` was last updated with. */
export function hiddenCounts(sh: Shown, k: number, counts: SubtreeCounts): Record<CountName, number> {
  const r: Record<CountName, number> = { present: 0, failed: 0, restarting: 0, busy: 0 };
  if (sh.item[k] >= 0) {
    if (sh.folded[k]) for (const name of NAMES) r[name] = counts.below(sh.item[k], name);
    return r;
  }
  const p = sh.stubOf[k];
  for (const name of NAMES) {
    let v = p < 0 ? counts.total(name) : counts.below(p, name);
    for (const c of sh.stubShown[k]) v -= counts.within(c, name);
    r[name] = v;
  }
  return r;
}
