// Labels around the flows view's circle: each hangs off its dot away from the centre (to the
// right of a dot on the right, above a dot at the top, diagonally between), and takes the
// fullest of its forms that fits the plot without touching another label, another dot or the
// caption; with no room at all it is left out (the dot's tooltip still names it). Pure, so a
// test can prove that no two texts overlap for any number of dots.
import type { Rect } from "./layout";
import { overlaps, type TextBox } from "./zones";

export interface LabelLine {
  text: string;
  bold: boolean;
  px: number;
}

export interface LabelSpot {
  idx: number;
  /** The dot: its centre and radius (other labels keep off it). */
  x: number;
  y: number;
  r: number;
  /** Unit vector from the circle's centre through the dot: the label hangs that way. */
  c: number;
  s: number;
  /** Forms from fullest to shortest, each a list of lines. */
  forms: LabelLine[][];
  /** The form that is its name alone (placed for every spot before any grows); default: the
   * first form of one line. */
  core?: number;
}

export interface PlacedLabel {
  idx: number;
  /** The form drawn, -1 for none. */
  form: number;
  /** One box per line, with how it is aligned in its block. */
  lines: TextBox[];
  align: CanvasTextAlign;
}

/** Gap between a dot's rim and its label: past its status and partition rings. */
export const LABEL_GAP = 8;
export const lineHeight = (px: number) => px + 3;

/** Where a form of a spot's label goes: its block and its lines (alignment away from the dot). */
export function labelBlock(sp: LabelSpot, lines: LabelLine[], measure: (s: string, bold: boolean, px: number) => number): { block: Rect; lines: TextBox[]; align: CanvasTextAlign } {
  const widths = lines.map((l) => Math.ceil(measure(l.text, l.bold, l.px)));
  const w = Math.max(0, ...widths);
  const h = lines.reduce((a, l) => a + lineHeight(l.px), 0);
  const ax = sp.x + sp.c * (sp.r + LABEL_GAP);
  const ay = sp.y + sp.s * (sp.r + LABEL_GAP);
  // the block's anchor slides along its edge with the direction: left edge on the right of the
  // circle, right edge on the left, centred at the top and bottom (and likewise vertically)
  const x = ax + (w * (sp.c - 1)) / 2;
  const y = ay + (h * (sp.s - 1)) / 2;
  const align: CanvasTextAlign = sp.c > 0.35 ? "left" : sp.c < -0.35 ? "right" : "center";
  let ly = y;
  const out = lines.map((l, i) => {
    const lw = widths[i];
    const lx = align === "left" ? x : align === "right" ? x + w - lw : x + (w - lw) / 2;
    const box: TextBox = { text: l.text, x: lx, y: ly, w: lw, h: lineHeight(l.px), bold: l.bold, ink: "text", px: l.px };
    ly += lineHeight(l.px);
    return box;
  });
  return { block: { x, y, w, h }, lines: out, align };
}

const inside = (r: Rect, b: Rect) => r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h;

/**
 * Place the labels of `spots`, taken in the order given (the most important first), each inside
 * `bounds` and clear of the other labels, of every other dot and of `obstacles`. Names come
 * first: every spot is given its core form (the name alone) where it fits, or a shorter one; only
 * then does each, in order, grow to the fullest form that still fits around the others.
 */
export function placeLabels(spots: LabelSpot[], measure: (s: string, bold: boolean, px: number) => number, bounds: Rect, obstacles: Rect[] = []): PlacedLabel[] {
  const dots: Rect[] = spots.map((sp) => ({ x: sp.x - sp.r, y: sp.y - sp.r, w: 2 * sp.r, h: 2 * sp.r }));
  const blocks: (Rect | null)[] = spots.map(() => null);
  const out: PlacedLabel[] = spots.map((sp) => ({ idx: sp.idx, form: -1, lines: [], align: "left" }));
  const fits = (k: number, block: Rect) =>
    inside(block, bounds) &&
    !obstacles.some((o) => overlaps(block, o)) &&
    !blocks.some((b, j) => j !== k && b !== null && overlaps(block, b)) &&
    !dots.some((d, j) => j !== k && overlaps(block, d));
  const attempt = (k: number, f: number): boolean => {
    const { block, lines, align } = labelBlock(spots[k], spots[k].forms[f], measure);
    if (!fits(k, block)) return false;
    blocks[k] = block;
    out[k] = { idx: spots[k].idx, form: f, lines, align };
    return true;
  };
  spots.forEach((sp, k) => {
    for (let f = coreForm(sp); f < sp.forms.length; f++) if (attempt(k, f)) break;
  });
  spots.forEach((sp, k) => {
    const now = out[k].form < 0 ? sp.forms.length : out[k].form;
    for (let f = 0; f < now; f++) if (attempt(k, f)) break;
  });
  return out;
}

/** The form that is the name alone: `core` when given, else the first of one line. */
export function coreForm(sp: LabelSpot): number {
  if (sp.core !== undefined) return Math.min(sp.core, sp.forms.length);
  const i = sp.forms.findIndex((f) => f.length === 1);
  return i < 0 ? 0 : i;
}

/**
 * How far labels reach past the circle: the widest and tallest of the fuller forms, capped at a
 * share of the plot so a long name shortens instead of shrinking the circle to nothing.
 */
export function labelReach(spots: LabelSpot[], measure: (s: string, bold: boolean, px: number) => number, area: Rect): { w: number; h: number } {
  let w = 0;
  let h = 0;
  for (const sp of spots) {
    const form = sp.forms[0];
    if (!form) continue;
    w = Math.max(w, ...form.map((l) => measure(l.text, l.bold, l.px)));
    h = Math.max(h, form.reduce((a, l) => a + lineHeight(l.px), 0));
  }
  return { w: Math.min(w, area.w * 0.2), h: Math.min(h, area.h * 0.12) };
}
