// A partition's caption on the topology view: which nodes reach which (sides), which cannot talk
// directly and through whom, since when; where it goes (a place the scene kept, else the grid's
// empty cells) and how it shrinks, wraps into columns or counts what does not fit.
import { notesBox } from "./draw_topology";
import { GAP, type Rect } from "./layout";
import { sideName, type PartialCut, type Sides } from "./partition";
import { partialText, sideText } from "./partition_names";
import { sideColor } from "./partition_sides";
import { PARTITION, THEME, VIEW } from "./palette";
import type { Scene } from "./scene";

/** At most this many cut groups are named in the caption; the rest are counted. */
const CAPTION_GROUPS = 8;
/** Space between two columns of caption lines. */
const COL_GAP = 14;

/** The caption as drawn: its box, its lines, and whether the box clipped any of them. */
export interface CaptionDrawn {
  box: Rect;
  lines: string[];
  cut: boolean;
}

/**
 * The caption: which nodes reach which (sides), which cannot talk directly and through whom,
 * since when. Returns what was drawn, or null when there is no place for it.
 */
export function paintCaption(ctx: CanvasRenderingContext2D, sc: Scene, sides: Sides, partial: PartialCut[], since: number, name: (n: number) => string): CaptionDrawn | null {
  const split = sides.groups.length > 1;
  const names = (g: number[]) => g.map((n) => name(n)).join(", ");
  type Line = { text: string; side?: number; cut?: boolean; bold?: boolean; dim?: boolean };
  const lines: Line[] = [{ text: `✂ ${split ? "partition" : "partial partition"} since t=${fmtT(since)}`, bold: true }];
  if (split) sides.groups.forEach((g, i) => lines.push({ text: `side ${sideName(i)}: ${names(g)}`, side: i }));
  for (const g of partial.slice(0, CAPTION_GROUPS)) lines.push({ text: partialText(g, (n) => name(n)), cut: true });
  if (partial.length > CAPTION_GROUPS) lines.push({ text: `+${partial.length - CAPTION_GROUPS} more cut links or groups (hover a curve)`, dim: true });
  const notes: Line[] = [];
  if (split) notes.push({ text: "each side reaches only itself", dim: true });
  if (partial.length) notes.push({ text: "✂: no direct link · via: still reach each other through", dim: true });
  const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px system-ui, -apple-system, 'Liberation Sans', sans-serif`;
  ctx.font = font(11);
  let [px, lh] = [11, 16]; // font size and line height
  const height = (n: number) => lh * n + 6;
  let box: Rect;
  // lines per column and a column's width (one column unless the place is wider than tall)
  let rows = lines.length + notes.length;
  let cw = Infinity;
  if (sc.caption && sc.zones) {
    // nodes drawn in zones: the scene kept a place for the caption (a free zone slot, else the
    // footer's right half, four lines tall); smaller lines where the place is low, a side too
    // long to name node by node named by its runs of nodes, else counted with its zones, and
    // the notes (also in the legend) only where they fit
    const place = sc.caption;
    if (height(lines.length + notes.length) > place.h) [px, lh] = [10, 13];
    ctx.font = font(px);
    const fits = (t: string) => ctx.measureText(t).width + 27 <= place.w;
    const zoneOf = sc.zones.zoneOf;
    for (const l of lines) if (l.side !== undefined) l.text = sideText(l.side, sides.groups[l.side], (n) => name(n), (n) => zoneOf[n], fits);
    const fitRows = Math.max(2, Math.floor((place.h - 6) / lh));
    if (lines.length + notes.length <= fitRows) lines.push(...notes);
    else if (lines.length > fitRows) lines.splice(fitRows - 1, lines.length, { text: `+${lines.length - fitRows + 1} more lines: hover a curve or a side`, dim: true });
    const tw = Math.max(
      ...lines.map((l) => {
        ctx.font = font(px, l.bold);
        return ctx.measureText(l.text).width;
      }),
    ) + 27;
    rows = lines.length;
    box = { ...place, w: Math.min(tw, place.w), h: Math.min(height(lines.length), place.h) };
  } else {
    if (!sc.nodes.length) return null;
    const place = captionPlace(sc, notesBox(ctx, sc));
    if (!place) return null;
    // a side named as the zoned caption names it: by name when few, else by its runs of nodes
    // ("side A: 8 nodes: n0–n7") when shorter, else counted
    ctx.font = font(11);
    const fits = (t: string) => ctx.measureText(t).width + 27 <= place.w;
    for (const l of lines) if (l.side !== undefined) l.text = sideText(l.side, sides.groups[l.side], (n) => name(n), null, fits);
    // lines run down, then on in columns side by side (a strip under the grid is wide and
    // low); roomy lines with the notes, else without them, else compact lines, else what does
    // not fit is counted (the notes are in the legend too)
    const width = place.w;
    const rowsAt = (step: number) => Math.max(1, Math.floor((place.h - 6) / step));
    const colW = (ls: Line[], size: number) => {
      ctx.font = font(size);
      return Math.max(...ls.map((l) => ctx.measureText(l.text).width)) + 27;
    };
    const colsAt = (ls: Line[], size: number) => Math.max(1, Math.floor((width + COL_GAP) / (colW(ls, size) + COL_GAP)));
    const holds = (ls: Line[], size: number, step: number) => ls.length <= rowsAt(step) * colsAt(ls, size);
    if (holds([...lines, ...notes], 11, 16)) lines.push(...notes);
    else if (!holds(lines, 11, 16)) {
      [px, lh] = [10, 13];
      const all = lines.slice();
      const limit = (fit: number) => {
        lines.splice(0, lines.length, ...all);
        if (all.length > fit) lines.splice(fit - 1, lines.length, { text: `+${all.length - fit + 1} more lines: hover a curve or a side`, dim: true });
      };
      // at least the title and the count; the count's line may be the widest, so fewer
      // columns may fit with it: then fewer lines
      for (let fit = Math.max(2, rowsAt(lh) * colsAt(lines, px)); ; fit = Math.max(2, fit - rowsAt(lh))) {
        limit(fit);
        if (fit === 2 || lines.length <= rowsAt(lh) * colsAt(lines, px)) break;
      }
    }
    if (colW(lines, px) > width && px > 10) {
      // too wide for its place: smaller lines, and the notes (also in the legend) only if they fit
      [px, lh] = [10, 13];
      ctx.font = font(px);
      for (let i = lines.length - 1; i > 0; i--) if (lines[i].dim && ctx.measureText(lines[i].text).width + 27 > width) lines.splice(i, 1);
    }
    rows = Math.min(lines.length, rowsAt(lh));
    cw = colW(lines, px);
    const cols = Math.ceil(lines.length / rows);
    box = { x: place.x, y: place.y, w: Math.min(cols * cw + (cols - 1) * COL_GAP, width), h: Math.min(height(rows), place.h) };
  }
  ctx.fillStyle = THEME.panel;
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.strokeStyle = PARTITION;
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
  ctx.textAlign = "left";
  let cut = false;
  lines.forEach((l, k) => {
    const i = k % rows;
    const col = Math.floor(k / rows);
    const x0 = col ? box.x + col * (cw + COL_GAP) : box.x;
    const y = box.y + 3 + lh / 2 + lh * i;
    if (l.side !== undefined) {
      // the side's colour as a swatch, the names in the text colour (legible on both themes)
      ctx.fillStyle = sideColor(l.side);
      ctx.fillRect(x0 + 7, y - 5, 9, 9);
    } else if (l.cut) {
      // a cut link's dash as the swatch
      ctx.strokeStyle = PARTITION;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(x0 + 6, y);
      ctx.lineTo(x0 + 10, y);
      ctx.moveTo(x0 + 13, y);
      ctx.lineTo(x0 + 17, y);
      ctx.stroke();
    }
    ctx.fillStyle = l.bold ? VIEW.captionBold : l.dim ? THEME.muted : THEME.text;
    ctx.font = font(px, l.bold);
    const tx = x0 + (l.side !== undefined || l.cut ? 20 : 7);
    ctx.fillText(l.text, tx, y);
    // a line the box clips (wider than it, or below it) is a caption cut short: say so
    if (tx + ctx.measureText(l.text).width > box.x + box.w + 0.5 || y + px / 2 > box.y + box.h + 0.5) cut = true;
  });
  ctx.restore();
  return { box, lines: lines.map((l) => l.text), cut };
}

/**
 * Where the caption goes outside zones: the strip the scene kept under a full grid, else the
 * grid's empty cells right of the last region (inside their margins), else nowhere: the caption
 * never covers a region (hovering a side or a curve still says it all).
 */
export function captionPlace(sc: Scene, notes: Rect | null = null): Rect | null {
  let place = sc.caption;
  if (!place && sc.nodes.length) {
    const last = sc.nodes.reduce((m, n) => (n.box.y > m.y || (n.box.y === m.y && n.box.x > m.x) ? n.box : m), sc.nodes[0].box);
    const right = Math.max(...sc.nodes.map((n) => n.box.x + n.box.w));
    // an empty cell right of the last region: the grid reaches further right than it
    if (last.x + last.w + GAP + last.w <= right + 1) place = { x: last.x + last.w + GAP + 4, y: last.y + 4, w: right - (last.x + last.w + GAP) - 8, h: last.h - 8 };
  }
  // the notes saying detail was reduced (bottom right) keep their corner
  if (place && notes && notes.y < place.y + place.h && place.y < notes.y + notes.h && notes.x < place.x + place.w) place = { ...place, w: notes.x - 6 - place.x };
  return place && place.w >= 80 && place.h >= 20 ? place : null;
}

export function fmtT(t: number): string {
  return Number.isFinite(t) ? String(Number(t.toFixed(3))) : "?";
}
