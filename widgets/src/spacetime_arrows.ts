// Messages of the space-time window: one pass filters them (type filter, timers drawn as their
// handler slices, ends on filtered-out actors) into flat per-frame arrays; then up to MAX_ARROWS
// are drawn one by one, and a fuller window counts every message in its lanes' traffic bars and
// draws one arrow in k. Arrows are batched by style (one stroke and one fill per style).
import { C } from "./causal";
import { DROP, THEME, VIEW } from "./palette";
import { cross } from "./shapes";
import { laneTraffic, thinStride } from "./spacetime_bundle";
import { FUTURE, MAX_ARROWS, MAX_THIN_ARROWS, PAST, type MessagesShown, type PaintInput, type Plot, type SpacetimeHit } from "./spacetime_frame";

let scratch: Int32Array = new Int32Array(4096);
// per kept message of a frame: its rows and the x of its ends (reused from frame to frame)
let KA = new Int32Array(0);
let KB = new Int32Array(0);
let KX0 = new Float64Array(0);
let KX1 = new Float64Array(0);

export interface MessagesDrawn extends MessagesShown {
  kept: number;
  hidden: number;
}

export function paintMessages(ctx: CanvasRenderingContext2D, p: PaintInput, P: Plot, hitA: SpacetimeHit["arrows"]): MessagesDrawn {
  const { store: s, layout } = p;
  const { geom, rowY, firstRow, lastRow, plotX, plotW, dim } = P;
  const span = p.w1 - p.w0;
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
  let drawn = 0;
  let stride = 1;
  let peakPerBar = 0;
  let causalStride = 1;
  let bars: Map<number, Float64Array> | null = null;
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
    const alpha = dim ? (cls === C.concurrent ? (thin ? 0.1 : 0.12) : thin ? 0.6 : 1) : mStart.data[m] > p.t ? (thin ? 0.25 : 0.5) : thin ? 0.7 : 0.9;
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
    const cls = dim ? p.causal!.msgClass : undefined;
    const tr = laneTraffic({ ra: KA, rb: KB, xs: KX0, xe: KX1, n: kept, first: firstRow, last: lastRow, plotX, cols: Math.ceil(plotW / COL_PX), colPx: COL_PX, ms: scratch, cls });
    peakPerBar = tr.peak;
    bars = tr.totals;
    // one path per side and colour: tens of thousands of bars cost one fill, not one call each.
    // With a focus, the whole bar is faint and its past and future shares are drawn over it
    // from the lane's line out (past nearest the line, then future), in the focus's colours
    const grey = VIEW.bars;
    const layers: [Map<number, Float32Array>, Map<number, Float32Array> | null, boolean, string, number][] = [
      [tr.sent, null, true, grey, dim ? 0.22 : 0.55],
      [tr.recd, null, false, grey, dim ? 0.14 : 0.3],
    ];
    if (dim) {
      layers.push([tr.sentPast, null, true, PAST, 0.9], [tr.recdPast, null, false, PAST, 0.75]);
      layers.push([tr.sentFuture, tr.sentPast, true, FUTURE, 0.9], [tr.recdFuture, tr.recdPast, false, FUTURE, 0.75]);
    }
    const room = (r: number) => geom.height[r] * 0.42;
    const hOf = (v: number, r: number) => (v ? Math.max(1, (v / tr.peak) * room(r)) : 0);
    for (const [map, under, up, color, alpha] of layers) {
      ctx.fillStyle = color;
      ctx.globalAlpha = alpha;
      ctx.beginPath();
      for (const [r, h] of map) {
        const y = rowY(r);
        const below = under?.get(r);
        for (let c = 0; c < h.length; c++) {
          if (!h[c]) continue;
          const bh = hOf(h[c], r);
          const off = below ? hOf(below[c], r) : 0;
          ctx.rect(plotX + c * COL_PX, up ? y - off - bh : y + off, COL_PX - 0.5, bh);
        }
      }
      ctx.fill();
    }
    // arrows thinned to every k-th message (by index, so they do not flicker as the window
    // moves). With a focus, the message in focus is always drawn, and the focus's past and
    // future are thinned on their own count, so that thinning never hides where causality went
    stride = thinStride(kept, MAX_THIN_ARROWS);
    if (!cls) {
      for (let k = 0; k < kept; k++) if (scratch[k] % stride === 0) arrow(k, true);
    } else {
      let related = 0;
      for (let k = 0; k < kept; k++) {
        const c = cls[scratch[k]];
        if (c === C.past || c === C.future) related++;
      }
      // half the arrows' budget: the bars carry the counts, the arrows show a sample of paths
      causalStride = thinStride(related, MAX_THIN_ARROWS / 2);
      for (let k = 0; k < kept; k++) {
        const m = scratch[k];
        const c = cls[m];
        if (c === C.focus || m % (c === C.concurrent ? stride : causalStride) === 0) arrow(k, c !== C.focus);
      }
    }
  }
  arrows.flush(ctx);
  ctx.strokeStyle = DROP;
  ctx.lineWidth = 2;
  for (let i = 0; i < drops.length; i += 3) {
    ctx.globalAlpha = drops[i + 2];
    cross(ctx, drops[i], drops[i + 1], 4);
  }
  ctx.globalAlpha = 1;
  return { kept, timers, hidden, drawn, bundled, stride, causalStride, peakPerBar, bars };
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
