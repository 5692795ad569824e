// Which part of a large supervision tree is drawn. A tree of 100,000 actors cannot be drawn
// legibly, so subtrees are folded by default beyond a budget of leaf columns and rows; each
// folded root carries the counts of what it hides (failed, restarting, busy), and a wide parent
// shows its first children (those with a failure below them first) and a "+N more" stub for the
// rest. A family too wide for one row wraps into rows under its parent, as many as the height
// holds, so a supervisor with hundreds of workers shows them all, or as many as fit and a stub
// counting the rest. The user's own folds (double-click, `c`) override the budget either way.
//
// Pure and independent of drawing: the forest is built once per set of actors and filters, the
// per-status counts of its subtrees are kept item by item over its preorder (tree_counts.ts,
// tree_flags.ts: a scrub step costs the actors that changed), and the choice of what is shown
// walks only the shown items and their child lists.
import type { CountName, SubtreeCounts } from "./tree_counts";

export { SLOT, SubtreeCounts, type CountName, type ItemFlags } from "./tree_counts";

const NAMES: CountName[] = ["present", "failed", "restarting", "busy"];

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
  /** Children of each item that have children of their own: a family's supervisors, found
   * without scanning a family of 100,000 workers. */
  branches: number[][];
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
  const branches = children.map((c) => c.filter((k) => children[k].length > 0));
  return { n, roots, children, parent: up, pre, at, size, branches };
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
  /**
   * Per shown index with `wrap`: how many of its children (the first ones, all leaves of the
   * picture) fill the wrapped block; the rest are supervisors drawn as subtrees beside it.
   */
  block: number[];
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
  const out: Shown = { item: [], parent: [], depth: [], folded: [], stubOf: [], stubShown: [], wrap: [], block: [] };
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
    out.block.push(0);
    if (item >= 0) queue.push(k);
    return k;
  };
  /**
   * Up to `take` of `kids` (children of `parentItem`), after `first` (always shown): those whose
   * subtrees hold failures first, otherwise in spawn order, so the picture does not reshuffle;
   * none of `skip`. The scans stop as soon as they have what they need (a parent may have
   * 100,000 children).
   */
  const pick = (parentItem: number, kids: number[], take: number, first: number[], skip: ReadonlySet<number>): number[] => {
    const shown = first.slice(0, take);
    const isShown = new Set<number>(shown);
    if (downBelow(parentItem) > 0) {
      // the children whose subtrees hold the first failures: walk up from each failure
      for (const d of counts.downItems(parentItem, 4 * take)) {
        let c = d;
        while (f.parent[c] !== parentItem && f.parent[c] >= 0) c = f.parent[c];
        if (f.parent[c] !== parentItem || isShown.has(c) || skip.has(c) || shown.length >= take) continue;
        shown.push(c);
        isShown.add(c);
      }
      shown.sort((a, b) => f.at[a] - f.at[b]);
    }
    for (let q = 0; q < kids.length && shown.length < take; q++) if (!isShown.has(kids[q]) && !skip.has(kids[q])) shown.push(kids[q]);
    return shown;
  };
  /** A stub under shown index `at` for the children of `parentItem` other than `shown`. */
  const pushStub = (parentItem: number, at: number, shown: number[]): void => {
    const s = push(-1, at);
    out.stubOf[s] = parentItem;
    out.stubShown[s] = shown;
  };
  /** Shown indexes from `first` on are the rows of a block `w` columns wide under `at`. */
  const toRows = (at: number, first: number, w: number): void => {
    out.wrap[at] = w;
    out.block[at] = out.item.length - first;
    for (let k = first; k < out.item.length; k++) out.depth[k] = out.depth[at] + 1 + Math.floor((k - first) / w);
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
    const wraps = at >= 0 && rows > 1 && room >= 2;
    // a family's supervisors (children with children present) are drawn as subtrees beside
    // the block its workers wrap into, on the block's first row
    // (the scan stops past what the width could stand beside a block: a parent may have
    // thousands of supervisors)
    const branches: number[] = [];
    if (at >= 0) {
      for (const c of f.branches[parentItem]) {
        if (branches.length > room - 2) break;
        if (kidsOf(c).length) branches.push(c);
      }
    }
    if (wraps && branches.length && branches.length <= room - 2 && branches.length < kids.length) {
      // the supervisors the user unfolded keep room for their children: the columns are left
      // out of what this family takes, for their own unfold to use
      const opened = branches.filter((c) => choice.open.has(c));
      let extra = 0;
      for (const c of opened) extra += Math.min(kidsOf(c).length, Math.max(3, Math.floor(room / (2 * opened.length)))) - 1;
      extra = Math.min(extra, room - branches.length - 2);
      const w = room - branches.length - extra;
      const isBranch = new Set(branches);
      const leaves = kids.length - branches.length;
      const first = out.item.length;
      if (leaves <= w * rows) {
        for (const c of kids) if (!isBranch.has(c)) push(c, at);
      } else {
        const shown = pick(parentItem, kids, w * rows - 1, [], isBranch);
        for (const c of shown) push(c, at);
        pushStub(parentItem, at, [...shown, ...branches]);
      }
      toRows(at, first, w);
      for (const c of branches) push(c, at);
      return room - extra;
    }
    // wrapped, the children are leaves of the picture: one with children of its own is folded;
    // the user's unfold of a child keeps the family on one row (its subtree needs the rows)
    const open: number[] = [];
    for (const c of choice.open) if (c >= 0 && c < f.n && f.parent[c] === parentItem && kidsOf(c).length) open.push(c);
    open.sort((a, b) => f.at[a] - f.at[b]);
    const wrapAll = wraps && !open.length;
    const wrapTo = (first: number): number => {
      toRows(at, first, room);
      for (let k = first; k < out.item.length; k++) if (out.item[k] >= 0 && kidsOf(out.item[k]).length) out.folded[k] = true;
      return room;
    };
    if (wrapAll && kids.length <= room * rows) {
      const first = out.item.length;
      for (const c of kids) push(c, at);
      return wrapTo(first);
    }
    const shown = pick(parentItem, kids, Math.max(1, (wrapAll ? room * rows : room) - 1), open, new Set());
    const first = out.item.length;
    for (const c of shown) push(c, at);
    pushStub(parentItem, at, shown);
    return wrapAll ? wrapTo(first) : shown.length + 1;
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
  // children shown here are folded, but for those the user unfolded: they get the width left
  const opened: number[] = [];
  const foldFrom = (first: number) => {
    for (let q = first; q < queue.length; q++) {
      const k = queue[q];
      if (out.folded[k] || !kidsOf(out.item[k]).length) continue;
      if (choice.open.has(out.item[k])) opened.push(k);
      else out.folded[k] = true;
    }
  };
  /** Unfold the user's unfolded items found so far, within what is left (their family kept room). */
  const openUp = () => {
    while (opened.length) {
      const k = opened.shift()!;
      if (left < 1 || out.depth[k] + 1 >= budget.depth) {
        out.folded[k] = true;
        continue;
      }
      const kids = kidsOf(out.item[k]);
      const first = queue.length;
      left -= addChildren(out.item[k], k, kids, Math.min(kids.length, left + 1), rowsUnder(k)) - 1;
      foldFrom(first);
    }
  };
  for (const [item, k, kids] of later) {
    if (left < 2) break;
    const room = Math.min(left, share) + 1; // the item's own column is reused by its children
    const first = queue.length;
    out.folded[k] = false;
    left -= addChildren(item, k, kids, room, rowsUnder(k)) - 1;
    foldFrom(first);
    openUp();
  }
  for (const k of opened) out.folded[k] = true;
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
