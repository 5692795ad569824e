// What the tree layout tests check of boxes and elbows: overlap, and a segment touching a box.
// Shared by tree.test.ts and tree_budget.test.ts.
import type { Box } from "../src/tree";

export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** An axis-aligned segment (an elbow's leg) touches a box (a zero-width segment counts its line). */
export function segmentHits(b: Box, [x0, y0]: [number, number], [x1, y1]: [number, number]): boolean {
  const lx = Math.min(x0, x1);
  const hx = Math.max(x0, x1);
  const ly = Math.min(y0, y1);
  const hy = Math.max(y0, y1);
  return lx < b.x1 && b.x0 < hx + (lx === hx ? 1e-9 : 0) && ly < b.y1 && b.y0 < hy + (ly === hy ? 1e-9 : 0);
}
