// Where things go: nodes as a grid of equal regions, actors in a fixed slot grid inside the
// node they live on. Pure functions of the sizes, so a scrub never moves a glyph.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface NodeBox extends Rect {
  /** The part of the region below its header, where actors go. */
  inner: Rect;
  cols: number;
  rows: number;
  cell: number;
  radius: number;
}

export const HEADER = 22;
export const GAP = 14;
const PAD = 8;

/** Columns for n regions in a w x h area so that regions come out closest to `aspect`. */
export function gridColumns(n: number, w: number, h: number, aspect = 1.4): number {
  if (n <= 1) return 1;
  let best = 1;
  let bestScore = Infinity;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const rw = w / cols;
    const rh = h / rows;
    const score = Math.abs(Math.log(rw / rh / aspect)) + 0.15 * (cols * rows - n);
    if (score < bestScore) {
      bestScore = score;
      best = cols;
    }
  }
  return best;
}

/** Slot grid for `slots` actors inside a rect: columns, rows and the cell size. */
export function slotGrid(slots: number, r: Rect): { cols: number; rows: number; cell: number } {
  const n = Math.max(slots, 1);
  let best = { cols: 1, rows: n, cell: Math.min(r.w, r.h / n) };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cell = Math.min(r.w / cols, r.h / rows);
    if (cell > best.cell) best = { cols, rows, cell };
    if (rows === 1) break;
  }
  return best;
}

/** The least room a caption is written in: narrower or lower empty cells get a strip instead. */
export const CAPTION_MIN_W = 160;
export const CAPTION_MIN_H = 40;

/**
 * The strip kept under the grid for a partition's caption when n regions leave no roomy empty
 * cell in their grid in `area` (e.g. 16 in 4 x 4), or null. Decided from the sizes; the scene
 * asks for it only from the trace's first cut to its last heal (partition_span.ts).
 */
export function captionStrip(n: number, area: Rect): Rect | null {
  if (n < 2) return null;
  const cols = gridColumns(n, area.w, area.h);
  const rows = Math.ceil(n / cols);
  // the last row's empty cells, when they are roomy enough, take the caption
  const empty = cols * rows - n;
  const w = (area.w - GAP * (cols - 1)) / cols;
  const h0 = (area.h - GAP * (rows - 1)) / rows;
  if (empty > 0 && empty * (w + GAP) - GAP - 8 >= CAPTION_MIN_W && h0 - 8 >= CAPTION_MIN_H) return null;
  const h = Math.round(Math.min(84, Math.max(48, area.h * 0.14)));
  return { x: area.x, y: area.y + area.h - h, w: area.w, h };
}

/** Regions for nodes with these slot counts in `area`, in `cols` columns (the best for the area
 * unless given: a grid shortened for a caption strip keeps the columns of the full area). */
export function layoutNodes(slotCounts: number[], area: Rect, cols = gridColumns(slotCounts.length, area.w, area.h)): NodeBox[] {
  const n = slotCounts.length;
  if (!n) return [];
  const rows = Math.ceil(n / cols);
  const w = (area.w - GAP * (cols - 1)) / cols;
  const h = (area.h - GAP * (rows - 1)) / rows;
  return slotCounts.map((slots, i) => {
    const x = area.x + (i % cols) * (w + GAP);
    const y = area.y + Math.floor(i / cols) * (h + GAP);
    const inner = { x: x + PAD, y: y + HEADER + PAD / 2, w: w - 2 * PAD, h: h - HEADER - PAD };
    const g = slotGrid(slots, inner);
    const radius = Math.max(1.5, Math.min(12, g.cell * 0.36));
    return { x, y, w, h, inner, ...g, radius };
  });
}

/** Centre of slot `slot` of a node box. */
export function slotCenter(box: NodeBox, slot: number): [number, number] {
  const c = slot % box.cols;
  const r = Math.floor(slot / box.cols);
  // centre the used grid inside the inner rect
  const gw = box.cols * box.cell;
  const gh = box.rows * box.cell;
  const ox = box.inner.x + (box.inner.w - gw) / 2;
  const oy = box.inner.y + (box.inner.h - gh) / 2;
  return [ox + (c + 0.5) * box.cell, oy + (r + 0.5) * box.cell];
}

export function center(r: Rect): [number, number] {
  return [r.x + r.w / 2, r.y + r.h / 2];
}

/**
 * Order of nodes on screen: the order the trace metadata lists them in, then any others in
 * order of first appearance. Returns node indexes.
 */
export function nodeOrder(names: string[], metaOrder: string[]): number[] {
  const pos = new Map(metaOrder.map((n, i) => [n, i]));
  return names
    .map((name, i) => ({ i, p: pos.get(name) ?? metaOrder.length + i }))
    .sort((a, b) => a.p - b.p)
    .map((x) => x.i);
}

/** Where the segment from the centre of `r` towards (x, y) leaves `r`. */
export function exitPoint(r: Rect, x: number, y: number): [number, number] {
  const cx = r.x + r.w / 2;
  const cy = r.y + r.h / 2;
  const dx = x - cx;
  const dy = y - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const sx = dx !== 0 ? r.w / 2 / Math.abs(dx) : Infinity;
  const sy = dy !== 0 ? r.h / 2 / Math.abs(dy) : Infinity;
  const s = Math.min(sx, sy);
  return [cx + dx * s, cy + dy * s];
}

/** Whether two regions of the grid touch (side by side or diagonally), with no region between. */
export function neighbours(a: Rect, b: Rect): boolean {
  const gapX = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w);
  const gapY = Math.max(a.y, b.y) - Math.min(a.y + a.h, b.y + b.h);
  return gapX <= GAP + 1 && gapY <= GAP + 1;
}
