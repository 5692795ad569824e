// The supervision tree as a layout: the tree's shape is the picture (a tidy tree, as Erlang
// Observer's application view). Leaves take consecutive columns in depth-first order, a parent
// sits centred over its children, one row per depth; edges go parent -> child as elbows whose
// horizontal run lies between two rows, so an edge never crosses a glyph or a label. A family
// too wide for the width wraps: its children (all leaves) fill a block of `wrap` columns, row
// under row, and the parent's edge runs down a trunk on a column boundary (where no glyph or
// label reaches) to a run above each row. A family of workers and supervisors (a mixed family)
// wraps its workers into a block and lays the supervisors' subtrees out tidily beside it, the
// block's trunk on the boundary between the two. Pure (positions only), so the no-overlap
// rules are tested without a canvas.

export interface TreeIn {
  /** Parent of each item as an index into the same list, -1 for a root. */
  parent: number[];
  /** Per item: wrap its children into rows of this many columns (0: one row). Only leaves
   * wrap; otherwise the value is ignored. */
  wrap?: number[];
  /** Per wrapped item: how many of its children, the first ones, wrap (all of them when not
   * given); the others are drawn as subtrees beside the block. */
  block?: number[];
}

export interface TreeLayout {
  x: number[]; // column centre, in columns (0.5, 1.5, ...)
  /** Row of each item: its depth, plus the rows a wrapped family above it took. */
  depth: number[];
  columns: number;
  depths: number;
  /** Children of each item, in input order. */
  children: number[][];
  /** Per item: the columns of its wrapped family's rows, 0 when its children are on one row. */
  wrap: number[];
  /** Per wrapped item: how many of its children (the first ones) are in the wrapped block. */
  block: number[];
}

/**
 * Lay out a forest. A parent that is not in the list (or a cycle) makes an item a root, so
 * every item is placed exactly once.
 */
export function tidyTree({ parent, wrap: wrapIn, block: blockIn }: TreeIn): TreeLayout {
  const n = parent.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    if (p >= 0 && p < n && p !== i && !reaches(parent, p, i)) children[p].push(i);
    else roots.push(i);
  }
  // a block wraps only when it is wider than its rows and every child in it is a leaf
  const wrap = new Array<number>(n).fill(0);
  const block = new Array<number>(n).fill(0);
  if (wrapIn) {
    for (let i = 0; i < n; i++) {
      const w = Math.floor(wrapIn[i] ?? 0);
      const c = children[i];
      const b = blockIn?.[i] ? Math.min(c.length, Math.floor(blockIn[i])) : c.length;
      if (w >= 1 && b > w && c.slice(0, b).every((k) => !children[k].length)) {
        wrap[i] = w;
        block[i] = b;
      }
    }
  }
  const x = new Array<number>(n).fill(0);
  const depth = new Array<number>(n).fill(0);
  let col = 0;
  let depths = 0;
  // iterative depth-first walk: deep trees must not overflow the call stack
  for (const root of roots) {
    const stack: [number, number, boolean][] = [[root, 0, false]];
    while (stack.length) {
      const [i, d, done] = stack.pop()!;
      if (done) {
        const c = children[i];
        x[i] = (x[c[0]] + x[c[c.length - 1]]) / 2;
        continue;
      }
      depth[i] = d;
      if (d + 1 > depths) depths = d + 1;
      const c = children[i];
      if (wrap[i]) {
        // the block: child j at column j % w of row j / w; the parent centred over a full row
        const w = wrap[i];
        const b = block[i];
        for (let j = 0; j < b; j++) {
          x[c[j]] = col + (j % w) + 0.5;
          depth[c[j]] = d + 1 + Math.floor(j / w);
        }
        x[i] = col + w / 2;
        col += w;
        depths = Math.max(depths, d + 2 + Math.floor((b - 1) / w));
        if (b === c.length) continue;
        // a mixed family: the supervisors' subtrees to the right of the block, the parent
        // centred over its first and last child as in any family
        stack.push([i, d, true]);
        for (let k = c.length - 1; k >= b; k--) stack.push([c[k], d + 1, false]);
        continue;
      }
      if (!c.length) {
        x[i] = col + 0.5;
        col++;
        continue;
      }
      stack.push([i, d, true]);
      for (let k = c.length - 1; k >= 0; k--) stack.push([c[k], d + 1, false]);
    }
  }
  return { x, depth, columns: col, depths, children, wrap, block };
}

/** Does following parents from `from` reach `target` (a cycle if `target` is its child)? */
function reaches(parent: number[], from: number, target: number): boolean {
  let p = from;
  for (let steps = 0; p >= 0 && steps <= parent.length; steps++) {
    if (p === target) return true;
    p = parent[p];
  }
  return false;
}

export interface Elbow {
  from: number;
  to: number;
  points: [number, number][];
}

/**
 * Pixel positions for a layout inside `rect`, with glyph radius `r` and the label under each
 * glyph, and the parent -> child elbows: down from under the parent's label, across at the
 * middle of the gap between the rows, down to above the child.
 */
export function placeTree(
  lay: TreeLayout,
  rect: { x: number; y: number; w: number; h: number },
  label = 14,
): { px: number[]; py: number[]; r: number; cell: number; rowH: number; elbows: Elbow[] } {
  const cell = rect.w / Math.max(1, lay.columns);
  const rowH = rect.h / Math.max(1, lay.depths);
  const r = Math.max(3, Math.min(12, cell * 0.3, (rowH - label) * 0.25));
  const px = lay.x.map((c) => rect.x + c * cell);
  const py = lay.depth.map((d) => rect.y + (d + 0.5) * rowH - label / 2);
  const elbows = elbowsOf(lay, px, py, r, label + 2, cell, rowH); // from below the parent's label
  return { px, py, r, cell, rowH, elbows };
}

/** Parent -> child elbows: down from `below` px under the parent's glyph, across at the middle
 * of the gap between the rows, down to just above the child. A child on a wrapped row is reached
 * down the family's trunk, on the column boundary left of the parent (or under it, when the
 * block is an even number of columns wide), or, in a mixed family, on the boundary between the
 * block and the supervisors' subtrees: no glyph or label comes near a boundary. */
function elbowsOf(lay: TreeLayout, px: number[], py: number[], r: number, below: number, cell: number, rowH: number): Elbow[] {
  const elbows: Elbow[] = [];
  // the middle of the gap above a row: under the texts of the row above, over the child's glyph
  const gapAbove = (c: number) => (py[c] - rowH + r + below + py[c] - r - 3) / 2;
  lay.children.forEach((kids, p) => {
    const w = lay.wrap[p];
    const b = lay.block[p];
    const trunk = w && b < kids.length ? px[kids[0]] + (w - 0.5) * cell : w % 2 ? px[p] - cell / 2 : px[p];
    for (let j = 0; j < kids.length; j++) {
      const c = kids[j];
      const yTop = py[p] + r + below;
      const yBottom = py[c] - r - 3;
      if (!w || j < w || j >= b) {
        const mid = (yTop + yBottom) / 2;
        elbows.push({ from: p, to: c, points: [[px[p], yTop], [px[p], mid], [px[c], mid], [px[c], yBottom]] });
        continue;
      }
      const mid0 = gapAbove(kids[0]);
      const mid = gapAbove(c);
      const points: [number, number][] = [[px[p], yTop], [px[p], mid0]];
      if (trunk !== px[p]) points.push([trunk, mid0]);
      points.push([trunk, mid], [px[c], mid], [px[c], yBottom]);
      elbows.push({ from: p, to: c, points });
    }
  });
  return elbows;
}

/** Text rows under a glyph: its name (with restarts), then what a folded subtree hides. */
export const TEXT_LINE = 12;
/** The smallest column that keeps a glyph and a short label legible: the leaf budget's unit. */
export const MIN_CELL = 44;
/** The shortest row: a glyph, two text lines and the elbow's run. */
export const MIN_ROW = 50;
const MAX_ROW = 120;
const TOP = 12; // room above a glyph's centre for the largest glyph and its rings
const RING = 4; // selection, hover and hung rings reach this far beyond a glyph

export interface Placed {
  px: number[];
  py: number[];
  r: number;
  cell: number;
  rowH: number;
  /** Each item's column range in pixels: its subtree's leaves; its texts stay inside. */
  lo: number[];
  hi: number[];
  /** The form chosen for each text line ("" when not even the shortest fits). */
  line1: string[];
  line2: string[];
  w1: number[];
  w2: number[];
  elbows: Elbow[];
}

/**
 * Place a laid-out tree in `rect`, choosing for each item the most informative of its text forms
 * that fits its column range (`forms1`, `forms2`: most to least informative). A glyph sits at the
 * top of its row, its texts under it, and each parent -> child elbow runs down from under the
 * parent's texts, across between the rows, and down to above the child: nothing crosses.
 */
export function placeItems(
  lay: TreeLayout,
  rect: { x: number; y: number; w: number; h: number },
  forms1: string[][],
  forms2: string[][],
  measure: (s: string) => number,
): Placed {
  const n = lay.x.length;
  const cell = rect.w / Math.max(1, lay.columns);
  const rowH = Math.min(MAX_ROW, rect.h / Math.max(1, lay.depths));
  const r = Math.max(3, Math.min(10, cell * 0.3, (rowH - 40) / 2));
  const px = lay.x.map((c) => rect.x + c * cell);
  const py = lay.depth.map((d) => rect.y + d * rowH + TOP);
  // column ranges, children before parents
  const lo = new Array<number>(n);
  const hi = new Array<number>(n);
  const order = Array.from({ length: n }, (_v, i) => i).sort((a, b) => lay.depth[b] - lay.depth[a]);
  for (const i of order) {
    const c = lay.children[i];
    lo[i] = px[i] - cell / 2;
    hi[i] = px[i] + cell / 2;
    // a wrapped family's widest row need not hold its last child: take the whole block
    for (const k of c) {
      if (lo[k] < lo[i]) lo[i] = lo[k];
      if (hi[k] > hi[i]) hi[i] = hi[k];
    }
  }
  const elbows = elbowsOf(lay, px, py, r, 5 + 2 * TEXT_LINE + 2, cell, rowH); // below both text lines
  const p: Placed = { px, py, r, cell, rowH, lo, hi, line1: [], line2: [], w1: [], w2: [], elbows };
  for (let i = 0; i < n; i++) pickTexts(p, i, forms1[i] ?? [], forms2[i] ?? [], measure);
  return p;
}

/**
 * Choose item i's text lines: for each, the most informative of its forms that fits the item's
 * column range. A parent's text may use its whole range, but never more than two leaf columns
 * past its glyph on either side, so it stays read as its own. Also called on its own when what
 * a folded item counts changed, without a new layout: the widths stay within the same range.
 */
export function pickTexts(p: Placed, i: number, forms1: string[], forms2: string[], measure: (s: string) => number): void {
  const maxW = Math.min(p.hi[i] - p.lo[i], 2 * Math.min(p.px[i] - p.lo[i], p.hi[i] - p.px[i])) - 4;
  const pick = (forms: string[]): [string, number] => {
    for (const f of forms) {
      const w = measure(f);
      if (w <= maxW) return [f, w];
    }
    return ["", 0];
  };
  [p.line1[i], p.w1[i]] = pick(forms1);
  [p.line2[i], p.w2[i]] = pick(forms2);
  // line 2 may carry what line 1 holds when it is wide enough (a restart count): not twice
  if (p.line2[i] && p.line1[i].endsWith(` ${p.line2[i]}`)) [p.line2[i], p.w2[i]] = ["", 0];
}

/** Centre y of an item's first and second text line. */
export function textY(p: Placed, i: number, line: 1 | 2): number {
  return p.py[i] + p.r + 5 + (line - 1) * TEXT_LINE + TEXT_LINE / 2;
}

export interface Box {
  owner: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** What is painted for each item, as boxes: the glyph with its rings, and each text line. */
export function itemBoxes(p: Placed): Box[] {
  const out: Box[] = [];
  const g = p.r + RING;
  p.px.forEach((x, i) => {
    out.push({ owner: i, x0: x - g, y0: p.py[i] - g, x1: x + g, y1: p.py[i] + g });
    const h = TEXT_LINE / 2 - 0.5;
    if (p.line1[i]) out.push({ owner: i, x0: x - p.w1[i] / 2, y0: textY(p, i, 1) - h, x1: x + p.w1[i] / 2, y1: textY(p, i, 1) + h });
    if (p.line2[i]) out.push({ owner: i, x0: x - p.w2[i] / 2, y0: textY(p, i, 2) - h, x1: x + p.w2[i] / 2, y1: textY(p, i, 2) + h });
  });
  return out;
}
