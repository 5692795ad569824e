// The space-time (Lamport) diagram: one lane per actor (or per node when there are many), time
// flowing left to right, each message an arrow from its send to its receipt. It follows the
// same playhead as the topology view; what lies after the playhead is drawn faded.
import { lowerBound } from "./grow";
import { K } from "./kinds";
import { DROP, MARKER_COLOR, PARTITION, STATUS_COLOR, THEME } from "./palette";
import type { Filters } from "./scene";
import { cross } from "./shapes";
import type { EventStore } from "./store";

export type LaneMode = "auto" | "actors" | "nodes";

export interface Lanes {
  byActors: boolean;
  /** Lane of each actor index (actor lanes) or node index (node lanes); -1 = hidden. */
  laneOf: Int32Array;
  labels: string[];
  ids: number[]; // actor or node index per lane
}

export const MAX_ACTOR_LANES = 40;
export const MAX_ARROWS = 4000;
const LABEL_W = 120;

export function chooseLanes(store: EventStore, f: Filters, mode: LaneMode, metaNodes: string[]): Lanes {
  const nA = store.actorCodes.length;
  const classCode = f.actorClass ? store.strings.indexOf(f.actorClass) : -2;
  const actors: number[] = [];
  for (let a = 0; a < nA; a++) {
    if (f.hideSystem && store.actorSystem[a]) continue;
    if (f.actorClass && store.actorClass[a] !== classCode) continue;
    actors.push(a);
  }
  const byActors = mode === "actors" || (mode === "auto" && actors.length <= MAX_ACTOR_LANES);
  if (byActors) {
    const laneOf = new Int32Array(nA).fill(-1);
    actors.forEach((a, i) => (laneOf[a] = i));
    return { byActors, laneOf, labels: actors.map((a) => store.str(store.actorCodes[a])), ids: actors };
  }
  const names = store.nodeCodes.map((c) => store.str(c));
  const pos = new Map(metaNodes.map((n, i) => [n, i]));
  const order = names.map((_, i) => i).sort((x, y) => (pos.get(names[x]) ?? 1e9 + x) - (pos.get(names[y]) ?? 1e9 + y));
  const laneOf = new Int32Array(names.length).fill(-1);
  order.forEach((n, i) => (laneOf[n] = i));
  return { byActors, laneOf, labels: order.map((n) => names[n]), ids: order };
}

export interface SpacetimeView {
  t: number;
  span: number; // seconds shown across the plot
  width: number;
  height: number;
}

/** Time window shown: the playhead sits at 70 % of the width. */
export function timeWindow(t: number, span: number): [number, number] {
  return [t - 0.7 * span, t + 0.3 * span];
}

export interface SpacetimeHit {
  lanes: Lanes;
  laneY: (i: number) => number;
  xOf: (t: number) => number;
  arrows: number;
  capped: boolean;
}

export function paintSpacetime(
  ctx: CanvasRenderingContext2D,
  store: EventStore,
  v: SpacetimeView,
  lanes: Lanes,
  f: Filters,
  typeColor: (code: number) => string,
  selectedLane: number,
): SpacetimeHit {
  const { width, height } = v;
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, width, height);
  const [w0, w1] = timeWindow(v.t, v.span);
  const plotX = LABEL_W;
  const plotW = Math.max(10, width - LABEL_W - 10);
  const xOf = (t: number) => plotX + ((t - w0) / (w1 - w0)) * plotW;
  const n = lanes.labels.length;
  const top = 28;
  const laneH = n ? Math.max(4, (height - top - 10) / n) : 0;
  const laneY = (i: number) => top + (i + 0.5) * laneH;
  const px = xOf(v.t);

  // time axis
  ctx.font = "11px system-ui, 'Liberation Sans', sans-serif";
  ctx.fillStyle = THEME.dark ? "#adb5bd" : "#666";
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  const step = niceStep((w1 - w0) / 8);
  ctx.strokeStyle = THEME.dark ? "#343a40" : "#eee";
  ctx.lineWidth = 1;
  for (let tt = Math.ceil(w0 / step) * step; tt <= w1; tt += step) {
    const x = xOf(tt);
    ctx.beginPath();
    ctx.moveTo(x, top - 4);
    ctx.lineTo(x, height - 6);
    ctx.stroke();
    ctx.fillText(`${+tt.toFixed(6)}s`, x, 12);
  }

  // lanes
  ctx.textAlign = "right";
  for (let i = 0; i < n; i++) {
    const y = laneY(i);
    ctx.strokeStyle = i === selectedLane ? THEME.text : THEME.dark ? "#495057" : "#c9ced4";
    ctx.lineWidth = i === selectedLane ? 2 : 1;
    ctx.beginPath();
    ctx.moveTo(plotX, y);
    ctx.lineTo(plotX + plotW, y);
    ctx.stroke();
    if (laneH >= 9) {
      ctx.fillStyle = i === selectedLane ? THEME.select : THEME.text;
      const label = lanes.labels[i].length > 18 ? `${lanes.labels[i].slice(0, 17)}…` : lanes.labels[i];
      ctx.fillText(label, plotX - 6, y);
    }
  }

  // messages sent in the window (or earlier, still in flight in it)
  const total = store.mSendRow.length;
  const first = lowerBound(store.mStart.data, total, w0 - store.maxLatency);
  const typeCode = f.msgType ? store.strings.indexOf(f.msgType) : -2;
  let arrows = 0;
  let capped = false;
  ctx.lineWidth = 1.2;
  for (let m = first; m < total; m++) {
    const s = store.mStart.data[m];
    if (s > w1) break;
    const e = store.mEnd.data[m];
    if (e < w0) continue;
    if (f.msgType && store.mType.data[m] !== typeCode) continue;
    const src = store.mSrc.data[m];
    const dst = store.mDst.data[m];
    if (src >= 0 && src === dst) continue; // timers
    let la: number;
    let lb: number;
    if (lanes.byActors) {
      la = src >= 0 ? lanes.laneOf[src] : -1;
      lb = dst >= 0 ? lanes.laneOf[dst] : -1;
    } else {
      la = lanes.laneOf[store.mSrcNode.data[m]] ?? -1;
      const dn = store.mDstNode.data[m];
      lb = dn >= 0 ? (lanes.laneOf[dn] ?? -1) : -1;
    }
    if (la < 0 || lb < 0) continue;
    if (++arrows > MAX_ARROWS) {
      capped = true;
      break;
    }
    const x0 = xOf(s);
    const y0 = laneY(la);
    const dropped = store.mDropped.data[m] === 1;
    const x1 = xOf(e);
    const y1 = dropped ? y0 + (laneY(lb) - y0) * Math.min(1, (e - s) / Math.max(1e-12, store.mArrive.data[m] - s)) : laneY(lb);
    const color = typeColor(store.mType.data[m]);
    ctx.globalAlpha = s > v.t ? 0.15 : 0.85;
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    if (dropped) {
      ctx.strokeStyle = DROP;
      ctx.lineWidth = 2;
      cross(ctx, x1, y1, 4);
      ctx.lineWidth = 1.2;
    } else if (la !== lb && Math.abs(x1 - x0) + Math.abs(y1 - y0) > 8) {
      arrowHead(ctx, x0, y0, x1, y1, color);
    }
  }
  ctx.globalAlpha = 1;

  // lifecycle marks on the lanes
  const moms = store.momentsIn(w0, w1, 5000);
  for (const row of moms) {
    const k = store.kind.data[row];
    const t = store.t.data[row];
    let lane = -1;
    if (lanes.byActors && k >= K.actor_spawn && k <= K.actor_restart) {
      const a = store.actorOf.get(store.actor.data[row]);
      lane = a === undefined ? -1 : lanes.laneOf[a];
    } else if (!lanes.byActors && (k <= K.node_state || k === K.link_down || k === K.link_up)) {
      const nd = store.nodeOf.get(store.node.data[row]);
      lane = nd === undefined ? -1 : lanes.laneOf[nd];
    } else if (!lanes.byActors && k === K.actor_fail) {
      const nd = store.nodeOf.get(store.node.data[row]);
      lane = nd === undefined ? -1 : lanes.laneOf[nd];
    }
    if (lane < 0) continue;
    const x = xOf(t);
    const y = laneY(lane);
    ctx.globalAlpha = t > v.t ? 0.3 : 1;
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
  ctx.globalAlpha = 1;

  // the playhead
  ctx.strokeStyle = "#e8590c";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(px, top - 6);
  ctx.lineTo(px, height - 4);
  ctx.stroke();
  if (capped) {
    ctx.fillStyle = "#5c4400";
    ctx.textAlign = "right";
    ctx.fillText(`aggregated: first ${MAX_ARROWS} messages of the window drawn; zoom in for all`, width - 8, height - 10);
  }
  ctx.restore();
  return { lanes, laneY, xOf, arrows: Math.min(arrows, MAX_ARROWS), capped };
}

function arrowHead(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, color: string): void {
  const a = Math.atan2(y1 - y0, x1 - x0);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 7 * Math.cos(a - 0.4), y1 - 7 * Math.sin(a - 0.4));
  ctx.lineTo(x1 - 7 * Math.cos(a + 0.4), y1 - 7 * Math.sin(a + 0.4));
  ctx.closePath();
  ctx.fill();
}

/** A round step (1, 2 or 5 times a power of ten) close to x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
