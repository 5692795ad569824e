// The space-time (Lamport) diagram: time flows left to right, each node a band of lanes (one per
// actor when open, one for the whole node when closed), each message an arrow from its send to
// its receipt, each handler a slice on its actor's lane (Perfetto's picture of a thread). What
// lies after the playhead is drawn faded. A focus (a clicked message or event) colours its causal
// past and future and dims what is concurrent with it. A window with too many messages to draw
// one by one becomes traffic bars per lane with thinned arrows, never cut: the caption says how
// many messages each picture holds.
//
// This module lays out one frame and calls the painters in order: axis and rows
// (spacetime_rows), handler slices (spacetime_handlers), messages (spacetime_arrows), lifecycle
// marks (spacetime_marks), the playhead, and the caption (spacetime_caption).
import { THEME, VIEW } from "./palette";
import { paintMessages } from "./spacetime_arrows";
import { captionHeight, captionLines, MAX_CAPTION_LINES, paintCaption } from "./spacetime_caption";
import { AXIS_H, LABEL_W, type PaintInput, type Plot, type SpacetimeHit } from "./spacetime_frame";
import { paintHandlers } from "./spacetime_handlers";
import { rowGeometry, rowsInSight } from "./spacetime_lanes";
import { paintMarks } from "./spacetime_marks";
import { paintAxis, paintCausalLanes, paintRows } from "./spacetime_rows";

export { MAX_ACTOR_LANES, type LaneMode } from "./spacetime_lanes";
export { captionHeight, captionLines, captionParts, captionStatements, COMPACT_LINES, MAX_CAPTION_LINES, wrapParts } from "./spacetime_caption";
export { AXIS_H, CAPTION_H, FUTURE, LABEL_W, MAX_ARROWS, MAX_SLICES, MAX_THIN_ARROWS, PAST, type PaintInput, type SpacetimeHit } from "./spacetime_frame";
export { fmt, niceStep, shortName } from "./spacetime_text";
export { placeWindow } from "./spacetime_window";

/**
 * One frame. The caption's height depends on what the frame holds (bundled or not, scrolled or
 * not) and the rows' room on the caption's height: the frame is laid out for the lines the last
 * frame's caption took, and laid out again (at most twice) when this one needs another count.
 */
export function paintSpacetime(p: PaintInput): SpacetimeHit {
  let n = Math.max(2, Math.min(MAX_CAPTION_LINES, p.captionLines ?? 2));
  let hit = paintFrame(p, captionHeight(n));
  for (let pass = 0; pass < 2; pass++) {
    const need = Math.max(2, Math.min(MAX_CAPTION_LINES, captionLines(p.ctx, p, hit, p.width).lines.length));
    if (need === n) break;
    n = pass === 0 ? need : Math.max(n, need); // the last pass never shrinks, so it settles
    hit = paintFrame(p, captionHeight(n));
  }
  hit.captionLines = n;
  const text = captionLines(p.ctx, p, hit, p.width);
  hit.caption = text.lines.join("\n");
  hit.captionTip = text.tip;
  hit.captionTop = p.height - captionHeight(n);
  p.ctx.save();
  hit.captionCut = paintCaption(p.ctx, p, hit, p.width, p.height, captionHeight(n));
  p.ctx.restore();
  return hit;
}

/** Everything but the caption, with capH pixels kept for it at the bottom. */
function paintFrame(p: PaintInput, capH: number): SpacetimeHit {
  const { ctx, store: s, width, height, layout } = p;
  const { rows } = layout;
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, width, height);
  const plotX = LABEL_W;
  const plotW = Math.max(10, width - LABEL_W - 12);
  const span = p.w1 - p.w0;
  const xOf = (t: number) => plotX + ((t - p.w0) / span) * plotW;
  const tOf = (x: number) => p.w0 + ((x - plotX) / plotW) * span;
  const rowsTop = AXIS_H;
  const rowsBottom = height - capH;
  const geom = rowGeometry(rows, rowsBottom - rowsTop);
  // whole rows only, the scroll on a row's top (spacetime_lanes.ts): none is cut in two
  const sight = rowsInSight(geom, Math.max(0, p.scroll), rowsBottom - rowsTop);
  const { maxScroll, scroll } = sight;
  const rowY = (r: number) => rowsTop + geom.top[r] - scroll + geom.height[r] / 2;
  const firstRow = sight.last >= 0 ? sight.first : rows.length;
  const lastRow = sight.last;
  const P: Plot = { plotX, plotW, xOf, tOf, rowsTop, rowsBottom, geom, scroll, maxScroll, rowY, firstRow, lastRow, dim: p.causal !== null };

  paintAxis(ctx, s, P, p.w0, p.w1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, rowsTop, width, (maxScroll > 0 ? sight.bottom : rowsBottom - rowsTop));
  ctx.clip();
  paintRows(ctx, layout, P, width, p.selectedRow);
  if (p.causal) paintCausalLanes(ctx, s, layout, P, p.causal);
  const hit: SpacetimeHit = {
    layout,
    geom,
    rowsTop,
    rowsBottom,
    scroll,
    maxScroll,
    firstRow,
    lastRow,
    xOf,
    tOf,
    plotX,
    plotW,
    messages: 0,
    drawn: 0,
    bundled: false,
    stride: 1,
    causalStride: 1,
    peakPerBar: 0,
    bars: null,
    timers: 0,
    hiddenMessages: 0,
    slicesInWindow: 0,
    slicesDrawn: 0,
    marksCut: false,
    captionLines: 2,
    captionCut: false,
    caption: "",
    captionTip: "",
    captionTop: height,
    arrows: { x0: [], y0: [], x1: [], y1: [], m: [] },
    slices: { x0: [], x1: [], y: [], h: [], i: [] },
    marks: { x: [], y: [], row: [] },
    rowY,
  };
  const sl = paintHandlers(ctx, p, P, hit.slices);
  hit.slicesInWindow = sl.inWindow;
  hit.slicesDrawn = sl.drawn;
  const m = paintMessages(ctx, p, P, hit.arrows);
  hit.messages = m.kept + m.timers;
  hit.drawn = m.drawn;
  hit.bundled = m.bundled;
  hit.stride = m.stride;
  hit.causalStride = m.causalStride;
  hit.bars = m.bars;
  hit.peakPerBar = m.peakPerBar;
  hit.timers = m.timers;
  hit.hiddenMessages = m.hidden;
  hit.marksCut = paintMarks(ctx, p, P, hit.marks);
  ctx.restore(); // the rows' clip

  // the playhead
  const px = xOf(p.t);
  if (px >= plotX && px <= plotX + plotW) {
    ctx.strokeStyle = VIEW.playhead;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(px, rowsTop - 6);
    ctx.lineTo(px, rowsBottom);
    ctx.stroke();
  }
  ctx.restore();
  return hit;
}
