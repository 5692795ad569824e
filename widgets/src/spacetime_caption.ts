// The space-time view's caption: lines under the lanes saying what the picture holds (how many
// messages, whether they are bundled, what is filtered or scrolled out), so that nothing is ever
// missing without a word; with a focus set, its legend and counts come first. Each statement has
// a full form and a compact one: where the full caption would take more than COMPACT_LINES lines
// (a notebook's ~600 px of canvas), or would scroll rows out that the compact caption leaves in
// view, the compact forms are drawn, the same facts and counts with
// the legends and how-tos ("click empty plot to clear", "shift+wheel scrolls") left to the
// caption's tooltip, which always holds every statement in full; an ⓘ says it is there. The
// frame keeps the height the lines take (up to MAX_CAPTION_LINES), so the rows keep theirs.
import { THEME, VIEW } from "./palette";
import { AXIS_H, FONT, FUTURE, MAX_SLICES, PAST, type PaintInput, type SpacetimeHit } from "./spacetime_frame";
import { rowGeometry } from "./spacetime_lanes";
import { fit, fmt } from "./spacetime_text";

/** One statement of the caption: in full, and compact (null: said only in the tooltip). */
export interface Statement {
  full: string;
  short: string | null;
}

const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;

/** The caption's statements: what the picture holds, so that nothing is ever missing without a word. */
export function captionStatements(h: SpacetimeHit, focused = false): Statement[] {
  const out: Statement[] = [];
  const same = (t: string): Statement => ({ full: t, short: t });
  const arrows = h.messages - h.timers;
  if (h.bundled) {
    out.push({
      full: `${fmt(arrows)} messages: bars show sent (above a lane) and received (below), ≤ ${fmt(h.peakPerBar)} a bar`,
      short: `${fmt(arrows)} messages, ≤ ${fmt(h.peakPerBar)} a bar`,
    });
    if (focused) {
      out.push({ full: "blue / purple share of a bar: in the focus's past / future", short: null });
      out.push({
        full: `arrows: 1 in ${fmt(h.stride)}, of the past and future 1 in ${fmt(h.causalStride)}; zoom in (wheel) for all`,
        // one stride for both says both
        short: h.stride === h.causalStride ? `arrows 1 in ${fmt(h.stride)}` : `arrows 1 in ${fmt(h.stride)} (past/future 1 in ${fmt(h.causalStride)})`,
      });
    } else out.push({ full: `arrows: 1 in ${fmt(h.stride)}; zoom in (wheel) for all`, short: `arrows 1 in ${fmt(h.stride)}` });
  } else out.push(same(plural(arrows, "message")));
  if (h.timers) out.push({ full: `${fmt(h.timers)} timers as slices`, short: `${fmt(h.timers)} timers` });
  if (h.slicesInWindow > MAX_SLICES) out.push({ full: `${fmt(h.slicesInWindow)} handlers: green strip = busy`, short: `${fmt(h.slicesInWindow)} handlers (busy strips)` });
  else if (h.slicesInWindow) out.push(same(plural(h.slicesInWindow, "handler")));
  const hidden = h.hiddenMessages ? `${fmt(h.hiddenMessages)} to filtered-out actors not drawn` : "";
  const actors = h.layout.hidden ? `${fmt(h.layout.hidden)} actors filtered out` : "";
  if (hidden && actors) {
    out.push({ full: actors, short: `${actors} (${plural(h.hiddenMessages, "message")})` });
    out.push({ full: hidden, short: null });
  } else if (hidden) out.push({ full: hidden, short: `${fmt(h.hiddenMessages)} messages filtered out` });
  else if (actors) out.push(same(actors));
  if (h.marksCut) out.push({ full: "only the latest 20,000 lifecycle marks", short: "latest 20,000 marks only" });
  if (h.maxScroll > 0) {
    const rows = `rows ${h.firstRow + 1}–${h.lastRow + 1} of ${fmt(h.layout.rows.length)}`;
    out.push({ full: `${rows} (shift+wheel scrolls)`, short: rows });
  }
  return out;
}

/** The caption's statements in full (what the tooltip lists). */
export function captionParts(h: SpacetimeHit, focused = false): string[] {
  return captionStatements(h, focused).map((s) => s.full);
}

/** The focus's legend and counts, first while a focus is set. */
function focusStatements(p: PaintInput): Statement[] {
  const c = p.causal;
  if (!c) return [];
  return [
    { full: `${p.focusLabel}: ${plural(c.pastCount, "message")} before it (blue)`, short: `${p.focusShort || p.focusLabel}: ${fmt(c.pastCount)} before (blue)` },
    { full: `${fmt(c.futureCount)} after it (purple)`, short: `${fmt(c.futureCount)} after (purple)` },
    { full: "the rest concurrent (faded)", short: "rest faded" },
    { full: "click empty plot to clear", short: null },
  ];
}

/** Parts joined with " · " into lines no wider than w; a part longer than a line breaks at spaces. */
export function wrapParts(parts: string[], w: number, measure: (s: string) => number, firstW = w): string[] {
  const lines: string[] = [];
  const room = () => (lines.length <= 1 ? firstW : w);
  for (const part of parts) {
    const last = lines.length ? `${lines[lines.length - 1]} · ${part}` : "";
    if (last && measure(last) <= room()) {
      lines[lines.length - 1] = last;
      continue;
    }
    // a new line for the part, broken at spaces where it is wider than a line
    let line = "";
    for (const word of part.split(" ")) {
      const next = line ? `${line} ${word}` : word;
      if (line && measure(next) > (lines.length ? w : firstW)) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

/** Caption lines shown at most: beyond them the last line is cut with a visible …. */
export const MAX_CAPTION_LINES = 6;
/** A caption whose statements in full take more lines than this is drawn compact. */
export const COMPACT_LINES = 3;
const LINE = 14;
/** Room kept at the end of a compact caption's first line for the ⓘ. */
const INFO_W = 18;

/** The height a caption of n lines takes under the lanes (two lines at least). */
export function captionHeight(n: number): number {
  return Math.max(2, Math.min(MAX_CAPTION_LINES, n)) * LINE + 6;
}

/** The caption at a width: its lines, the x its first line starts at (after the focus's swatches),
 * whether they are the compact forms, and every statement in full (the tooltip). */
export interface CaptionText {
  lines: string[];
  x: number;
  compact: boolean;
  tip: string;
}

/**
 * The caption's lines at this width: the statements in full when they take at most COMPACT_LINES
 * lines and leave the rows their room (or the compact caption would not either), else compact.
 * Decided from the frame's size and rows, not from the last frame, so it never flips between two.
 */
export function captionLines(ctx: CanvasRenderingContext2D, p: PaintInput, h: SpacetimeHit, width: number): CaptionText {
  ctx.font = FONT;
  const all = [...focusStatements(p), ...captionStatements(h, p.causal !== null)];
  const x = p.causal ? 32 : 8;
  const measure = (t: string) => ctx.measureText(t).width;
  const tip = all.map((s) => s.full).join("\n");
  const full = wrapParts(
    all.map((s) => s.full),
    width - 16,
    measure,
    width - 8 - x,
  );
  const short = all.flatMap((s) => (s.short === null ? [] : [s.short]));
  const compact = wrapParts(short, width - 16, measure, width - 8 - x - INFO_W);
  // every row in view under a caption of n lines (none scrolled out)
  const rowsFit = (n: number) => {
    const room = p.height - captionHeight(n) - AXIS_H;
    return rowGeometry(p.layout.rows, room).total <= room;
  };
  if (full.length <= COMPACT_LINES && (rowsFit(full.length) || !rowsFit(compact.length))) return { lines: full, x, compact: false, tip };
  return { lines: compact, x, compact: true, tip };
}

/** Paints the caption in the strip of captionHeight(lines) at the bottom; true when it had to be cut. */
export function paintCaption(ctx: CanvasRenderingContext2D, p: PaintInput, h: SpacetimeHit, width: number, height: number, capH: number): boolean {
  const { lines, x, compact } = captionLines(ctx, p, h, width);
  ctx.font = FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, height - capH, width, capH);
  let y = height - capH + LINE / 2 + 3;
  const room = Math.floor((capH - 6) / LINE);
  let cut = false;
  if (lines.length > room) {
    lines.splice(room - 1, lines.length, lines.slice(room - 1).join(" · ")); // then cut with a visible …
    cut = true;
  }
  if (p.causal) {
    ctx.fillStyle = PAST;
    ctx.fillRect(8, y - 4, 8, 8);
    ctx.fillStyle = FUTURE;
    ctx.fillRect(18, y - 4, 8, 8);
  }
  if (compact) paintInfo(ctx, width - 8 - INFO_W / 2, y);
  lines.forEach((line, i) => {
    ctx.fillStyle = p.causal && i === 0 ? THEME.text : h.bundled || h.maxScroll > 0 ? VIEW.captionNote : THEME.muted;
    const w = width - 8 - (i ? 8 : x + (compact ? INFO_W : 0));
    if (ctx.measureText(line).width > w) cut = true;
    ctx.fillText(fit(ctx, line, w), i ? 8 : x, y);
    y += LINE;
  });
  return cut;
}

/** The ⓘ of a compact caption (hover the caption for its statements in full), drawn, not a glyph
 * of a font that may lack it. */
function paintInfo(ctx: CanvasRenderingContext2D, cx: number, cy: number): void {
  ctx.strokeStyle = THEME.muted;
  ctx.fillStyle = THEME.muted;
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  ctx.arc(cx, cy, 6, 0, Math.PI * 2);
  ctx.stroke();
  ctx.fillRect(cx - 0.75, cy - 1, 1.5, 4.5);
  ctx.fillRect(cx - 0.75, cy - 3.8, 1.5, 1.5);
}
