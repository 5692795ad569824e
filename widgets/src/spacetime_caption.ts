// The space-time view's caption: lines under the lanes saying what the picture holds (how many
// messages, whether they are bundled, what is filtered or scrolled out), so that nothing is ever
// missing without a word; with a focus set, its legend and counts come first. It wraps onto as
// many lines as it needs (up to MAX_CAPTION_LINES) and the frame keeps that height for it.
import { THEME, VIEW } from "./palette";
import { FONT, FUTURE, MAX_SLICES, PAST, type PaintInput, type SpacetimeHit } from "./spacetime_frame";
import { fit, fmt } from "./spacetime_text";

/** The caption's parts: what the picture holds, so that nothing is ever missing without a word. */
export function captionParts(h: SpacetimeHit, focused = false): string[] {
  const parts: string[] = [];
  const arrows = h.messages - h.timers;
  if (h.bundled) {
    parts.push(`${fmt(arrows)} messages: bars show sent (above a lane) and received (below), ≤ ${fmt(h.peakPerBar)} a bar`);
    if (focused) {
      parts.push("blue / purple share of a bar: in the focus's past / future");
      parts.push(`arrows: 1 in ${fmt(h.stride)}, of the past and future 1 in ${fmt(h.causalStride)}; zoom in (wheel) for all`);
    } else parts.push(`arrows: 1 in ${fmt(h.stride)}; zoom in (wheel) for all`);
  } else parts.push(`${fmt(arrows)} message${arrows === 1 ? "" : "s"}`);
  if (h.timers) parts.push(`${fmt(h.timers)} timers as slices`);
  if (h.slicesInWindow > MAX_SLICES) parts.push(`${fmt(h.slicesInWindow)} handlers: green strip = busy`);
  else if (h.slicesInWindow) parts.push(`${fmt(h.slicesInWindow)} handler${h.slicesInWindow === 1 ? "" : "s"}`);
  if (h.hiddenMessages) parts.push(`${fmt(h.hiddenMessages)} to filtered-out actors not drawn`);
  if (h.layout.hidden) parts.push(`${fmt(h.layout.hidden)} actors filtered out`);
  if (h.marksCut) parts.push("only the latest 20,000 lifecycle marks");
  if (h.maxScroll > 0) parts.push(`rows ${h.firstRow + 1}–${h.lastRow + 1} of ${fmt(h.layout.rows.length)} (shift+wheel scrolls)`);
  return parts;
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
const LINE = 14;

/** The height a caption of n lines takes under the lanes (two lines at least). */
export function captionHeight(n: number): number {
  return Math.max(2, Math.min(MAX_CAPTION_LINES, n)) * LINE + 6;
}

/** The caption's lines at this width and the x its first line starts at (after the focus's legend). */
export function captionLines(ctx: CanvasRenderingContext2D, p: PaintInput, h: SpacetimeHit, width: number): { lines: string[]; x: number } {
  ctx.font = FONT;
  let parts = captionParts(h, p.causal !== null);
  let x = 8;
  if (p.causal) {
    // while a focus is set its legend comes first, and the counts follow it
    const c = p.causal;
    x = 32;
    parts = [`${p.focusLabel}: ${fmt(c.pastCount)} message${c.pastCount === 1 ? "" : "s"} before it (blue)`, `${fmt(c.futureCount)} after it (purple)`, "the rest concurrent (faded)", "click empty plot to clear", ...parts];
  }
  const lines = wrapParts(parts, width - 16, (t) => ctx.measureText(t).width, width - 8 - x);
  return { lines, x };
}

/** Paints the caption in the strip of captionHeight(lines) at the bottom; true when it had to be cut. */
export function paintCaption(ctx: CanvasRenderingContext2D, p: PaintInput, h: SpacetimeHit, width: number, height: number, capH: number): boolean {
  const { lines, x } = captionLines(ctx, p, h, width);
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
  lines.forEach((line, i) => {
    ctx.fillStyle = p.causal && i === 0 ? THEME.text : h.bundled || h.maxScroll > 0 ? VIEW.captionNote : THEME.muted;
    const w = width - 8 - (i ? 8 : x);
    if (ctx.measureText(line).width > w) cut = true;
    ctx.fillText(fit(ctx, line, w), i ? 8 : x, y);
    y += LINE;
  });
  return cut;
}
