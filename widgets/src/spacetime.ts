// The space-time (Lamport) diagram: time flows left to right, each node a band of lanes (one per
// actor when open, one for the whole node when closed), each message an arrow from its send to
// its receipt, each handler a slice on its actor's lane (Perfetto's picture of a thread). What
// lies after the playhead is drawn faded. A focus (a clicked message or event) colours its causal
// past and future and dims what is concurrent with it. A window with too many messages to draw
// one by one becomes traffic bars per lane with thinned arrows, never cut: the caption says how
// many messages each picture holds.
import { C, type CausalSet } from "./causal";
import type { IntervalIndex } from "./interval_index";
import { K } from "./kinds";
import { DROP, MARKER_COLOR, PARTITION, STATUS_COLOR, THEME } from "./palette";
import { cross } from "./shapes";
import { laneTraffic, thinStride } from "./spacetime_bundle";
import { rowGeometry, type LaneLayout, type RowGeometry } from "./spacetime_lanes";
import type { Slices } from "./spacetime_slices";
import type { EventStore } from "./store";

export { MAX_ACTOR_LANES, type LaneMode } from "./spacetime_lanes";

/** Messages drawn one by one in a window; above this, traffic bars and thinned arrows. */
export const MAX_ARROWS = 1500;
/** In a bundled window, arrows are thinned to at most this many. */
export const MAX_THIN_ARROWS = 300;
/** Handler slices drawn one by one; above this a lane shows its busy time. */
export const MAX_SLICES = 3000;
export const LABEL_W = 150;
export const AXIS_H = 28;
/** Two lines of caption under the lanes. */
export const CAPTION_H = 34;
/** Okabe–Ito blue and reddish purple: the causal past and future, apart for colour-blind eyes. */
export const PAST = "#0072b2";
export const FUTURE = "#cc79a7";

/**
 * Where the window starts. The first picture starts at the trace's start; the window then stays
 * put while the playhead moves inside it, pages forward when playback runs off its right edge
 * (the playhead at a tenth), and puts a playhead that jumped elsewhere at 70 %, the causes
 * before it in view. Never further out than a margin around the trace.
 */
export function placeWindow(prev: number | null, span: number, t: number, t0: number, t1: number): number {
  const margin = span * 0.02;
  const lo = t0 - margin;
  const hi = Math.max(lo, t1 + margin - span);
  const clamp = (w: number) => Math.min(hi, Math.max(lo, w));
  if (prev === null) prev = lo;
  if (t >= prev && t <= prev + span) return prev;
  if (t > prev + span && t - (prev + span) < span * 0.5) return clamp(t - 0.1 * span);
  return clamp(t - 0.7 * span);
}

export interface PaintInput {
  ctx: CanvasRenderingContext2D;
  store: EventStore;
  width: number;
  height: number;
  t: number;
  w0: number;
  w1: number;
  layout: LaneLayout;
  /** Pixels the rows are scrolled up by. */
  scroll: number;
  messages: IntervalIndex;
  slices: Slices;
  typeColor: (code: number) => string;
  /** Message type code to show alone, -2 for all. */
  msgType: number;
  selectedRow: number;
  causal: CausalSet | null;
  /** The focus's name for the caption ("message 12 ping a → b"). */
  focusLabel: string;
}

/** What a frame drew, for clicks, tooltips and the page's data-* signals. */
export interface SpacetimeHit {
  layout: LaneLayout;
  geom: RowGeometry;
  rowsTop: number;
  rowsBottom: number;
  scroll: number;
  maxScroll: number;
  firstRow: number;
  lastRow: number;
  xOf: (t: number) => number;
  tOf: (x: number) => number;
  plotX: number;
  plotW: number;
  /** Messages overlapping the window, arrows drawn, whether aggregated (bars and thinned arrows). */
  messages: number;
  drawn: number;
  bundled: boolean;
  /** When bundled: one message in `stride` is an arrow; the most messages in one lane's bar. */
  stride: number;
  peakPerBar: number;
  timers: number;
  hiddenMessages: number;
  slicesInWindow: number;
  slicesDrawn: number;
  marksCut: boolean;
  /** Hit geometry: arrows (message index), slices, marks (row). */
  arrows: { x0: number[]; y0: number[]; x1: number[]; y1: number[]; m: number[] };
  slices: { x0: number[]; x1: number[]; y: number[]; h: number[]; i: number[] };
  marks: { x: number[]; y: number[]; row: number[] };
  rowY: (r: number) => number;
}

let scratch: Int32Array = new Int32Array(4096);
// per kept message of a frame: its rows and the x of its ends (reused from frame to frame)
let KA = new Int32Array(0);
let KB = new Int32Array(0);
let KX0 = new Float64Array(0);
let KX1 = new Float64Array(0);

export function paintSpacetime(p: PaintInput): SpacetimeHit {
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
  const rowsBottom = height - CAPTION_H;
  const geom = rowGeometry(rows, rowsBottom - rowsTop);
  const maxScroll = Math.max(0, geom.total - (rowsBottom - rowsTop));
  const scroll = Math.min(maxScroll, Math.max(0, p.scroll));
  const rowY = (r: number) => rowsTop + geom.top[r] - scroll + geom.height[r] / 2;
  let firstRow = rows.length;
  let lastRow = -1;
  for (let r = 0; r < rows.length; r++) {
    const y0 = rowsTop + geom.top[r] - scroll;
    if (y0 + geom.height[r] > rowsTop && y0 < rowsBottom) {
      firstRow = Math.min(firstRow, r);
      lastRow = r;
    }
  }
  const dim = p.causal !== null;
  const faint = THEME.dark ? "#343a40" : "#eceef0";

  // time axis
  ctx.font = "11px system-ui, 'Liberation Sans', sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  const step = niceStep(span / 8);
  ctx.strokeStyle = faint;
  ctx.lineWidth = 1;
  ctx.fillStyle = THEME.muted;
  for (let tt = Math.ceil(p.w0 / step) * step; tt <= p.w1; tt += step) {
    const x = xOf(tt);
    ctx.beginPath();
    ctx.moveTo(x, rowsTop - 4);
    ctx.lineTo(x, rowsBottom);
    ctx.stroke();
    ctx.fillText(`${+tt.toFixed(6)}s`, x, 12);
  }
  // the trace's own start and end, so empty space outside it reads as outside
  ctx.fillStyle = THEME.dark ? "rgba(255,255,255,0.04)" : "rgba(0,0,0,0.035)";
  if (xOf(s.t0) > plotX) ctx.fillRect(plotX, rowsTop, xOf(s.t0) - plotX, rowsBottom - rowsTop);
  if (xOf(s.t1) < plotX + plotW) ctx.fillRect(xOf(s.t1), rowsTop, plotX + plotW - xOf(s.t1), rowsBottom - rowsTop);

  // rows: band titles and lanes
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, rowsTop, width, rowsBottom - rowsTop);
  ctx.clip();
  for (let r = firstRow; r <= lastRow; r++) {
    const row = rows[r];
    const y = rowY(r);
    const top = rowsTop + geom.top[r] - scroll;
    const h = geom.height[r];
    if (row.kind === "band") {
      // a band: a tinted strip across the whole width, its node's name and actor count
      ctx.fillStyle = THEME.dark ? "rgba(255,255,255,0.06)" : "rgba(0,0,0,0.045)";
      ctx.fillRect(0, top, width, h);
      ctx.strokeStyle = THEME.dark ? "#495057" : "#ced4da";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, top + 0.5);
      ctx.lineTo(width, top + 0.5);
      ctx.stroke();
      ctx.fillStyle = r === p.selectedRow ? THEME.select : THEME.text;
      ctx.font = `600 11px system-ui, 'Liberation Sans', sans-serif`;
      ctx.textAlign = "left";
      const arrow = row.count ? (row.open ? "▾" : "▸") : " ";
      const n = row.count === 1 ? "1 actor" : `${fmt(row.count)} actors`;
      ctx.fillText(fit(ctx, `${arrow} ${row.label} · ${n}`, LABEL_W - 8), 4, row.open ? y : Math.min(y, top + 8));
      ctx.font = "11px system-ui, 'Liberation Sans', sans-serif";
    } else {
      ctx.fillStyle = r === p.selectedRow ? THEME.select : THEME.label;
      ctx.textAlign = "right";
      if (h >= 10) ctx.fillText(fit(ctx, shortName(row.label), LABEL_W - 20), plotX - 6, y);
    }
  }
  // the lanes' lines, one path; the selected lane on top
  ctx.strokeStyle = THEME.dark ? "#495057" : "#c9ced4";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let r = firstRow; r <= lastRow; r++) {
    if (rows[r].kind === "band" && rows[r].open) continue;
    ctx.moveTo(plotX, rowY(r));
    ctx.lineTo(plotX + plotW, rowY(r));
  }
  ctx.stroke();
  if (p.selectedRow >= firstRow && p.selectedRow <= lastRow && !(rows[p.selectedRow].kind === "band" && rows[p.selectedRow].open)) {
    ctx.strokeStyle = THEME.text;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(plotX, rowY(p.selectedRow));
    ctx.lineTo(plotX + plotW, rowY(p.selectedRow));
    ctx.stroke();
  }

  // the focus's causal past and future along each actor's own lane
  if (p.causal) {
    ctx.lineWidth = 5;
    ctx.globalAlpha = 0.35;
    for (let r = firstRow; r <= lastRow; r++) {
      const a = rows[r].actor;
      if (a < 0) continue;
      const y = rowY(r);
      const pp = p.causal.past[a];
      if (pp >= 0) {
        ctx.strokeStyle = PAST;
        ctx.beginPath();
        ctx.moveTo(plotX, y);
        ctx.lineTo(Math.min(plotX + plotW, Math.max(plotX, xOf(s.ts.data[pp]))), y);
        ctx.stroke();
      }
      const fp = p.causal.future[a];
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

  // handler slices
  const hitS: SpacetimeHit["slices"] = { x0: [], x1: [], y: [], h: [], i: [] };
  const sl = p.slices;
  const [sbuf, sn] = sl.index.query(p.w0, p.w1, scratch);
  scratch = sbuf;
  let slicesDrawn = 0;
  if (sn <= MAX_SLICES) {
    for (let k = 0; k < sn; k++) {
      const i = scratch[k];
      const r = layout.rowOfActor[sl.actor[i]];
      if (r < firstRow || r > lastRow) continue;
      const lane = geom.height[r];
      const bh = Math.max(3, Math.min(12, lane * 0.5));
      const y = rowY(r);
      const x0 = Math.max(plotX, xOf(sl.start[i]));
      const open = !Number.isFinite(sl.end[i]);
      const x1 = Math.min(plotX + plotW, open ? plotX + plotW : Math.max(xOf(sl.end[i]), x0 + 1.5));
      const m = sl.msg[i];
      const cls = dim && m >= 0 ? p.causal!.msgClass[m] : 0;
      ctx.globalAlpha = dim ? (cls ? 0.9 : 0.15) : sl.start[i] > p.t ? 0.45 : 0.8;
      ctx.fillStyle = p.typeColor(sl.type[i]);
      ctx.fillRect(x0, y - bh / 2, x1 - x0, bh);
      if (open) {
        // still running (or hung): a dashed outline that runs off the window's edge
        ctx.setLineDash([3, 2]);
        ctx.strokeStyle = THEME.text;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y - bh / 2 + 0.5, x1 - x0 - 1, bh - 1);
        ctx.setLineDash([]);
        if (x1 - x0 > 140 && lane >= 18) {
          // say it in words: a dashed bar alone does not read as "has not returned"
          ctx.globalAlpha = 1;
          ctx.fillStyle = THEME.text;
          ctx.textAlign = "right";
          ctx.fillText(`${s.str(sl.type[i]) || "handler"} running since ${+sl.start[i].toFixed(6)} s, no end yet →`, x1 - 4, y - bh / 2 - 6);
        }
      } else if (sl.error[i]) {
        ctx.strokeStyle = STATUS_COLOR.failed;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(x0, y - bh / 2, x1 - x0, bh);
      }
      hitS.x0.push(x0);
      hitS.x1.push(x1);
      hitS.y.push(y);
      hitS.h.push(bh);
      hitS.i.push(i);
      slicesDrawn++;
    }
  } else {
    // too many to draw one by one: each lane shows the pixels in which a handler ran
    const cols = Math.ceil(plotW);
    const busy = new Map<number, Uint8Array>();
    for (let k = 0; k < sn; k++) {
      const i = scratch[k];
      const r = layout.rowOfActor[sl.actor[i]];
      if (r < firstRow || r > lastRow) continue;
      let cov = busy.get(r);
      if (!cov) busy.set(r, (cov = new Uint8Array(cols)));
      const a = Math.max(0, Math.floor(xOf(sl.start[i]) - plotX));
      const b = Math.min(cols - 1, Number.isFinite(sl.end[i]) ? Math.floor(xOf(sl.end[i]) - plotX) : cols - 1);
      for (let c = a; c <= b; c++) cov[c] = 1;
    }
    ctx.globalAlpha = dim ? 0.25 : 0.8;
    ctx.fillStyle = STATUS_COLOR.busy;
    ctx.beginPath();
    for (const [r, cov] of busy) {
      // a strip along the bottom of the row, clear of the traffic bars around the lane's line
      const bh = 3;
      const y = rowsTop + geom.top[r] - scroll + geom.height[r] - 2.5;
      for (let c = 0; c < cols; c++) {
        if (!cov[c]) continue;
        let e = c;
        while (e + 1 < cols && cov[e + 1]) e++;
        ctx.rect(plotX + c, y - bh, e - c + 1, bh);
        c = e;
      }
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;

  // messages overlapping the window
  const [mbuf, n] = p.messages.query(p.w0, p.w1, scratch);
  scratch = mbuf;
  // one pass: filter, lanes and x of both ends, into flat arrays the drawing reads. Timers (an
  // actor's message to itself) are drawn as their handler slices, not as arrows
  const { mSrc, mDst, mSrcNode, mDstNode, mType, mStart, mEnd } = s;
  const { rowOfActor, rowOfNode } = layout;
  if (KA.length < n) [KA, KB, KX0, KX1] = [new Int32Array(n), new Int32Array(n), new Float64Array(n), new Float64Array(n)];
  const scale = plotW / span;
  let kept = 0;
  let timers = 0;
  let hidden = 0;
  for (let k = 0; k < n; k++) {
    const m = scratch[k];
    if (p.msgType !== -2 && mType.data[m] !== p.msgType) continue;
    const src = mSrc.data[m];
    const dst = mDst.data[m];
    if (src >= 0 && src === dst) {
      timers++;
      continue;
    }
    const la = src >= 0 ? rowOfActor[src] : (rowOfNode[mSrcNode.data[m]] ?? -1);
    const dn = mDstNode.data[m];
    const lb = dst >= 0 ? rowOfActor[dst] : dn >= 0 ? (rowOfNode[dn] ?? -1) : -1;
    if (la < 0 || lb < 0) {
      hidden++;
      continue;
    }
    scratch[kept] = m;
    KA[kept] = la;
    KB[kept] = lb;
    KX0[kept] = plotX + (mStart.data[m] - p.w0) * scale;
    KX1[kept] = plotX + (mEnd.data[m] - p.w0) * scale;
    kept++;
  }
  const endY = (m: number, ya: number, yb: number) => {
    if (!s.mDropped.data[m]) return yb;
    const st = s.mStart.data[m];
    return ya + (yb - ya) * Math.min(1, (s.mEnd.data[m] - st) / Math.max(1e-12, s.mArrive.data[m] - st));
  };
  const hitA: SpacetimeHit["arrows"] = { x0: [], y0: [], x1: [], y1: [], m: [] };
  let drawn = 0;
  let stride = 1;
  let peakPerBar = 0;
  const bundled = kept > MAX_ARROWS;
  const arrows = new ArrowBatch();
  const drops: number[] = []; // x, y, alpha of each drop's cross, drawn over the arrows
  const arrow = (k: number, thin: boolean) => {
    const m = scratch[k];
    const la = KA[k];
    const lb = KB[k];
    if ((la < firstRow && lb < firstRow) || (la > lastRow && lb > lastRow)) return;
    const [x0, x1] = [KX0[k], KX1[k]];
    const y0 = rowY(la);
    const y1 = endY(m, y0, rowY(lb));
    const cls = dim ? p.causal!.msgClass[m] : -1;
    const color = cls === C.past ? PAST : cls === C.future ? FUTURE : cls === C.focus ? THEME.text : p.typeColor(mType.data[m]);
    const alpha = dim ? (cls === C.concurrent ? (thin ? 0.1 : 0.12) : 1) : mStart.data[m] > p.t ? (thin ? 0.25 : 0.5) : thin ? 0.7 : 0.9;
    const width = cls === C.focus ? 3 : thin ? 1 : dim && cls !== C.concurrent ? 1.8 : 1.2;
    arrows.add(x0, y0, x1, y1, color, alpha, width, la === lb, geom.height[la]);
    if (s.mDropped.data[m]) drops.push(x1, y1, alpha);
    hitA.x0.push(x0);
    hitA.y0.push(y0);
    hitA.x1.push(x1);
    hitA.y1.push(y1);
    hitA.m.push(m);
    drawn++;
  };
  if (!bundled) {
    for (let k = 0; k < kept; k++) arrow(k, false);
  } else {
    // every message counted in its lanes' traffic bars: sent above a lane's line, received below
    const COL_PX = 3;
    const tr = laneTraffic({ ra: KA, rb: KB, xs: KX0, xe: KX1, n: kept, first: firstRow, last: lastRow, plotX, cols: Math.ceil(plotW / COL_PX), colPx: COL_PX });
    peakPerBar = tr.peak;
    ctx.fillStyle = THEME.dark ? "#ced4da" : "#495057";
    // one path per side: tens of thousands of bars cost one fill, not one call each
    for (const [map, up] of [[tr.sent, true], [tr.recd, false]] as const) {
      ctx.globalAlpha = up ? 0.55 : 0.3;
      ctx.beginPath();
      for (const [r, h] of map) {
        const y = rowY(r);
        const room = geom.height[r] * 0.42;
        for (let c = 0; c < h.length; c++) {
          if (!h[c]) continue;
          const bh = Math.max(1, (h[c] / tr.peak) * room);
          ctx.rect(plotX + c * COL_PX, up ? y - bh : y, COL_PX - 0.5, bh);
        }
      }
      ctx.fill();
    }
    // arrows thinned to every k-th message (by index, so they do not flicker as the window moves)
    stride = thinStride(kept, MAX_THIN_ARROWS);
    for (let k = 0; k < kept; k++) if (scratch[k] % stride === 0) arrow(k, true);
  }
  arrows.flush(ctx);
  ctx.strokeStyle = DROP;
  ctx.lineWidth = 2;
  for (let i = 0; i < drops.length; i += 3) {
    ctx.globalAlpha = drops[i + 2];
    cross(ctx, drops[i], drops[i + 1], 4);
  }
  ctx.globalAlpha = 1;

  // lifecycle marks: actor events on the actor's row, node and link events on the node's band
  const hitM: SpacetimeHit["marks"] = { x: [], y: [], row: [] };
  const LIMIT = 20000;
  const moms = s.momentsIn(p.w0, p.w1, LIMIT + 1);
  const marksCut = moms.length > LIMIT;
  const seen = new Set<number>();
  for (const row of marksCut ? moms.slice(-LIMIT) : moms) {
    const k = s.kind.data[row];
    let r = -1;
    if (k >= K.actor_spawn && k <= K.actor_restart) {
      const a = s.actorOf.get(s.actor.data[row]);
      r = a === undefined ? -1 : layout.rowOfActor[a];
    } else if (k <= K.node_state || k === K.link_down || k === K.link_up) {
      const nd = s.nodeOf.get(s.node.data[row]);
      r = nd === undefined ? -1 : layout.rowOfNode[nd];
    }
    if (r < firstRow || r > lastRow) continue;
    const t = s.t.data[row];
    const x = xOf(t);
    if (x < plotX - 5 || x > plotX + plotW + 5) continue;
    const y = rowY(r);
    // a closed band draws one mark per kind and pixel: 20,000 spawns at t = 0 are one dot
    const key = (r * 4096 + Math.round(x)) * 32 + k;
    if (seen.has(key)) continue;
    seen.add(key);
    ctx.globalAlpha = dim ? 0.3 : t > p.t ? 0.3 : 1;
    if (p.causal) {
      const a = rows[r].actor;
      const pos = s.pos.data[row];
      if (a >= 0 && (pos <= p.causal.past[a] || pos >= p.causal.future[a])) ctx.globalAlpha = 1;
    }
    drawMark(ctx, k, x, y);
    hitM.x.push(x);
    hitM.y.push(y);
    hitM.row.push(row);
  }
  ctx.globalAlpha = 1;
  ctx.restore(); // the rows' clip

  // the playhead
  const px = xOf(p.t);
  if (px >= plotX && px <= plotX + plotW) {
    ctx.strokeStyle = "#e8590c";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(px, rowsTop - 6);
    ctx.lineTo(px, rowsBottom);
    ctx.stroke();
  }

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
    messages: kept + timers,
    drawn,
    bundled,
    stride,
    peakPerBar,
    timers,
    hiddenMessages: hidden,
    slicesInWindow: sn,
    slicesDrawn,
    marksCut,
    arrows: hitA,
    slices: hitS,
    marks: hitM,
    rowY,
  };
  paintCaption(ctx, p, hit, width, height);
  ctx.restore();
  return hit;
}

/** The caption's parts: what the picture holds, so that nothing is ever missing without a word. */
export function captionParts(h: SpacetimeHit): string[] {
  const parts: string[] = [];
  const arrows = h.messages - h.timers;
  if (h.bundled) {
    parts.push(`${fmt(arrows)} messages: bars show sent (above a lane) and received (below), ≤ ${fmt(h.peakPerBar)} a bar`);
    parts.push(`arrows: 1 in ${fmt(h.stride)}; zoom in (wheel) for all`);
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

/** Parts joined with " · " into lines no wider than w (a part longer than a line gets its own). */
export function wrapParts(parts: string[], w: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length ? `${lines[lines.length - 1]} · ${part}` : "";
    if (last && measure(last) <= w) lines[lines.length - 1] = last;
    else lines.push(part);
  }
  return lines;
}

function paintCaption(ctx: CanvasRenderingContext2D, p: PaintInput, h: SpacetimeHit, width: number, height: number): void {
  ctx.font = "11px system-ui, 'Liberation Sans', sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, height - CAPTION_H, width, CAPTION_H);
  const LINE = 14;
  let y = height - CAPTION_H + LINE / 2 + 3;
  let parts = captionParts(h);
  let x = 8;
  if (p.causal) {
    // while a focus is set its legend comes first, and the counts follow it
    const c = p.causal;
    ctx.fillStyle = PAST;
    ctx.fillRect(8, y - 4, 8, 8);
    ctx.fillStyle = FUTURE;
    ctx.fillRect(18, y - 4, 8, 8);
    x = 32;
    parts = [`${p.focusLabel}: ${fmt(c.pastCount)} messages before it (blue)`, `${fmt(c.futureCount)} after it (purple)`, "the rest concurrent (faded)", "click empty plot to clear", ...parts];
  }
  const lines = wrapParts(parts, width - 16 - x, (t) => ctx.measureText(t).width);
  if (lines.length > 2) lines.splice(1, lines.length, lines.slice(1).join(" · ")); // then cut with a visible …
  lines.forEach((line, i) => {
    ctx.fillStyle = p.causal && i === 0 ? THEME.text : h.bundled || h.maxScroll > 0 ? (THEME.dark ? "#ffd43b" : "#5c4400") : THEME.muted;
    ctx.fillText(fit(ctx, line, width - 8 - (i ? 8 : x)), i ? 8 : x, y);
    y += LINE;
  });
}

/**
 * Arrows gathered by style and drawn with one stroke and one fill per style (a frame's arrows
 * share a few colours): hundreds of separate strokes cost more than the rest of the frame.
 * Styles are drawn faint first, so the highlighted ones end on top.
 */
class ArrowBatch {
  private styles = new Map<string, { color: string; alpha: number; width: number; pts: number[] }>();

  add(x0: number, y0: number, x1: number, y1: number, color: string, alpha: number, width: number, sameRow: boolean, laneH: number): void {
    const key = `${color}|${alpha}|${width}`;
    let st = this.styles.get(key);
    if (!st) this.styles.set(key, (st = { color, alpha, width, pts: [] }));
    // a hop above the lane for traffic inside one closed band (not read as a slice): lift > 0
    st.pts.push(x0, y0, x1, y1, sameRow ? Math.max(4, laneH * 0.45) : 0);
  }

  flush(ctx: CanvasRenderingContext2D): void {
    const list = [...this.styles.values()].sort((a, b) => a.alpha - b.alpha || a.width - b.width);
    for (const st of list) {
      const p = st.pts;
      ctx.globalAlpha = st.alpha;
      ctx.strokeStyle = st.color;
      ctx.fillStyle = st.color;
      ctx.lineWidth = st.width;
      ctx.beginPath();
      for (let i = 0; i < p.length; i += 5) {
        ctx.moveTo(p[i], p[i + 1]);
        if (p[i + 4] > 0) ctx.quadraticCurveTo((p[i] + p[i + 2]) / 2, p[i + 1] - p[i + 4], p[i + 2], p[i + 3]);
        else ctx.lineTo(p[i + 2], p[i + 3]);
      }
      ctx.stroke();
      ctx.beginPath();
      for (let i = 0; i < p.length; i += 5) {
        const [x0, y0, x1, y1] = [p[i], p[i + 1], p[i + 2], p[i + 3]];
        if (p[i + 4] > 0 || Math.abs(x1 - x0) + Math.abs(y1 - y0) <= 8) continue;
        const a = Math.atan2(y1 - y0, x1 - x0);
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 7 * Math.cos(a - 0.4), y1 - 7 * Math.sin(a - 0.4));
        ctx.lineTo(x1 - 7 * Math.cos(a + 0.4), y1 - 7 * Math.sin(a + 0.4));
        ctx.closePath();
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    this.styles.clear();
  }
}

function drawMark(ctx: CanvasRenderingContext2D, k: number, x: number, y: number): void {
  if (k === K.actor_fail || k === K.node_down) {
    ctx.strokeStyle = k === K.node_down ? MARKER_COLOR.node_down : STATUS_COLOR.failed;
    ctx.lineWidth = 2.5;
    cross(ctx, x, y, 5);
  } else if (k === K.actor_restart || k === K.node_up) {
    ctx.strokeStyle = STATUS_COLOR.restarting;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, Math.PI * 2);
    ctx.stroke();
  } else if (k === K.actor_spawn || k === K.node_join) {
    ctx.fillStyle = "#2b8a3e";
    ctx.beginPath();
    ctx.arc(x, y, 3.5, 0, Math.PI * 2);
    ctx.fill();
  } else if (k === K.link_down || k === K.link_up) {
    ctx.fillStyle = PARTITION;
    ctx.fillRect(x - 1.5, y - 7, 3, 14);
  } else if (k === K.actor_stop || k === K.node_leave) {
    ctx.fillStyle = "#868e96";
    ctx.fillRect(x - 1.5, y - 6, 3, 12);
  }
}

/** The last two parts of a path-like actor name: enough to tell lanes of one band apart. */
export function shortName(label: string): string {
  const parts = label.split("/");
  return parts.length > 2 ? `…/${parts.slice(-2).join("/")}` : label;
}

const fitted = new Map<string, string>();

/** Text cut with … to a width; remembered per font, width and text (labels repeat every frame). */
function fit(ctx: CanvasRenderingContext2D, text: string, w: number): string {
  const key = `${ctx.font}|${w}|${text}`;
  let out = fitted.get(key);
  if (out === undefined) {
    if (fitted.size > 5000) fitted.clear();
    out = cut(ctx, text, w);
    fitted.set(key, out);
  }
  return out;
}

function cut(ctx: CanvasRenderingContext2D, text: string, w: number): string {
  if (ctx.measureText(text).width <= w) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= w) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** An integer with thousands separators (toLocaleString costs half a millisecond a call). */
export function fmt(x: number): string {
  return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A round step (1, 2 or 5 times a power of ten) close to x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
