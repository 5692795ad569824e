// The supervision tree as a layout: the tree's shape is the picture (a tidy tree, as Erlang
// Observer's application view). Leaves take consecutive columns in depth-first order, a parent
// sits centred over its children, one row per depth; edges go parent -> child as elbows whose
// horizontal run lies between two rows, so an edge never crosses a glyph or a label. Pure
// (positions only), so the no-overlap rules are tested without a canvas.

export interface TreeIn {
  /** Parent of each item as an index into the same list, -1 for a root. */
  parent: number[];
}

export interface TreeLayout {
  x: number[]; // column centre, in columns (0.5, 1.5, ...)
  depth: number[];
  columns: number;
  depths: number;
  /** Children of each item, in input order. */
  children: number[][];
}

/**
 * Lay out a forest. A parent that is not in the list (or a cycle) makes an item a root, so
 * every item is placed exactly once.
 */
export function tidyTree({ parent }: TreeIn): TreeLayout {
  const n = parent.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    if (p >= 0 && p < n && p !== i && !reaches(parent, p, i)) children[p].push(i);
    else roots.push(i);
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
      if (!c.length) {
        x[i] = col + 0.5;
        col++;
        continue;
      }
      stack.push([i, d, true]);
      for (let k = c.length - 1; k >= 0; k--) stack.push([c[k], d + 1, false]);
    }
  }
  return { x, depth, columns: col, depths, children };
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
  const elbows: Elbow[] = [];
  lay.children.forEach((kids, p) => {
    for (const c of kids) {
      const yTop = py[p] + r + label + 2; // below the parent's label
      const yBottom = py[c] - r - 3;
      const mid = (yTop + yBottom) / 2;
      elbows.push({
        from: p,
        to: c,
        points: [
          [px[p], yTop],
          [px[p], mid],
          [px[c], mid],
          [px[c], yBottom],
        ],
      });
    }
  });
  return { px, py, r, cell, rowH, elbows };
}
