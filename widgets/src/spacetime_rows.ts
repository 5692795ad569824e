// The space-time view's background: the time axis, the trace's own extent, the bands' titles and
// the lanes' lines (the selected lane on top), and with a focus set, each actor's lane coloured
// up to where the focus's causal past ends and from where its future begins.
import type { CausalSet } from "./causal";
import { GUIDE, THEME } from "./palette";
import { FONT, FUTURE, LABEL_W, PAST, type Plot } from "./spacetime_frame";
import type { LaneLayout } from "./spacetime_lanes";
import { fit, fmt, niceStep, shortName } from "./spacetime_text";
import type { EventStore } from "./store";

export function paintAxis(ctx: CanvasRenderingContext2D, s: EventStore, P: Plot, w0: number, w1: number): void {
  const { xOf, plotX, plotW, rowsTop, rowsBottom } = P;
  const faint = GUIDE.grid;
  ctx.font = FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  const step = niceStep((w1 - w0) / 8);
  ctx.strokeStyle = faint;
  ctx.lineWidth = 1;
  ctx.fillStyle = THEME.muted;
  for (let tt = Math.ceil(w0 / step) * step; tt <= w1; tt += step) {
    const x = xOf(tt);
    ctx.beginPath();
    ctx.moveTo(x, rowsTop - 4);
    ctx.lineTo(x, rowsBottom);
    ctx.stroke();
    ctx.fillText(`${+tt.toFixed(6)}s`, x, 12);
  }
  // the trace's own start and end, so empty space outside it reads as outside
  ctx.fillStyle = GUIDE.outside;
  if (xOf(s.t0) > plotX) ctx.fillRect(plotX, rowsTop, xOf(s.t0) - plotX, rowsBottom - rowsTop);
  if (xOf(s.t1) < plotX + plotW) ctx.fillRect(xOf(s.t1), rowsTop, plotX + plotW - xOf(s.t1), rowsBottom - rowsTop);
}

/** Band titles, lane names and lines; called inside the rows' clip. */
export function paintRows(ctx: CanvasRenderingContext2D, layout: LaneLayout, P: Plot, width: number, selectedRow: number): void {
  const { rows } = layout;
  const { geom, rowY, rowsTop, scroll, firstRow, lastRow, plotX, plotW } = P;
  for (let r = firstRow; r <= lastRow; r++) {
    const row = rows[r];
    const y = rowY(r);
    const top = rowsTop + geom.top[r] - scroll;
    const h = geom.height[r];
    if (row.kind === "band") {
      // a band: a tinted strip across the whole width, its node's name and actor count
      ctx.fillStyle = GUIDE.band;
      ctx.fillRect(0, top, width, h);
      ctx.strokeStyle = GUIDE.bandLine;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, top + 0.5);
      ctx.lineTo(width, top + 0.5);
      ctx.stroke();
      ctx.fillStyle = r === selectedRow ? THEME.select : THEME.text;
      ctx.font = `600 ${FONT}`;
      ctx.textAlign = "left";
      const arrow = row.count ? (row.open ? "▾" : "▸") : " ";
      const n = row.count === 1 ? "1 actor" : `${fmt(row.count)} actors`;
      ctx.fillText(fit(ctx, `${arrow} ${row.label} · ${n}`, LABEL_W - 8), 4, row.open ? y : Math.min(y, top + 8));
      ctx.font = FONT;
    } else {
      ctx.fillStyle = r === selectedRow ? THEME.select : THEME.label;
      ctx.textAlign = "right";
      if (h >= 10) ctx.fillText(fit(ctx, shortName(row.label), LABEL_W - 20), plotX - 6, y);
    }
  }
  // the lanes' lines, one path; the selected lane on top
  ctx.strokeStyle = GUIDE.lane;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let r = firstRow; r <= lastRow; r++) {
    if (rows[r].kind === "band" && rows[r].open) continue;
    ctx.moveTo(plotX, rowY(r));
    ctx.lineTo(plotX + plotW, rowY(r));
  }
  ctx.stroke();
  if (selectedRow >= firstRow && selectedRow <= lastRow && !(rows[selectedRow].kind === "band" && rows[selectedRow].open)) {
    ctx.strokeStyle = THEME.text;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(plotX, rowY(selectedRow));
    ctx.lineTo(plotX + plotW, rowY(selectedRow));
    ctx.stroke();
  }
}

/** The focus's causal past and future along each actor's own lane. */
export function paintCausalLanes(ctx: CanvasRenderingContext2D, s: EventStore, layout: LaneLayout, P: Plot, causal: CausalSet): void {
  const { rowY, firstRow, lastRow, plotX, plotW, xOf } = P;
  ctx.lineWidth = 5;
  ctx.globalAlpha = 0.35;
  for (let r = firstRow; r <= lastRow; r++) {
    const a = layout.rows[r].actor;
    if (a < 0) continue;
    const y = rowY(r);
    const pp = causal.past[a];
    if (pp >= 0) {
      ctx.strokeStyle = PAST;
      ctx.beginPath();
      ctx.moveTo(plotX, y);
      ctx.lineTo(Math.min(plotX + plotW, Math.max(plotX, xOf(s.ts.data[pp]))), y);
      ctx.stroke();
    }
    const fp = causal.future[a];
    if (fp < s.n) {
      ctx.strokeStyle = FUTURE;
      ctx.beginPath();
      ctx.moveTo(Math.max(plotX, Math.min(plotX + plotW, xOf(s.ts.data[fp]))), y);
      ctx.lineTo(plotX + plotW, y);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}
