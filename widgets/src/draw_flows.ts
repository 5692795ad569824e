// The flows view ("who talks to whom"): builds a FlowScene from the store, the fold and a sliding
// FlowWindow, paints it, and answers hover and click. Actors sit on a circle in traffic order;
// past FLOW_ACTOR_LIMIT actors, nodes do. In-flight messages ride the edges when there are few.
import { busySince, isHung, STATUS_SLOTS, type MeshState } from "./fold";
import { strokeCut } from "./draw_cut";
import { FlowWindow, defaultWindow, pairKey, type FlowDetail } from "./flows";
import { FLOW_ACTOR_LIMIT, FLOW_BEND, FLOW_LABEL_LIMIT, circleDots, cutChords, flowLines, hitLine, trafficChains, type FlowLine, type FlowScene } from "./flow_scene";
import { Grow } from "./grow";
import { arcPoint, progress } from "./interp";
import { S } from "./kinds";
import { nodeOrder, type Rect } from "./layout";
import { fmtInt } from "./lod";
import { partitionSides } from "./partition";
import { HUNG, INK, NODE_STYLE, SIDE_COLOR, STATUS_COLOR, THEME } from "./palette";
import { nodeStateName, statusName, type Filters } from "./scene";
import type { EventStore } from "./store";

/** In-flight messages are drawn one by one on top of the edges up to this many. */
export const FLOW_DOTS_LIMIT = 200;
/** The order of the status ring around a node, trouble first. */
const STATUS_ORDER = ["failed", "restarting", "busy", "idle", "stopped", "absent"] as const;
/** Height of the caption above the circle. */
const CAPTION_H = 36;
const sideColor = (i: number) => SIDE_COLOR[i % SIDE_COLOR.length];

export interface FlowsFrame {
  t: number;
  area: Rect;
  filters: Filters;
  metaNodes: string[];
  /** Window width in trace seconds; 0 = the default (a twentieth of the trace). */
  window: number;
  selectedActor: number;
  selectedNode: number;
  hoverActor: number;
  typeIndex: (code: number) => number;
  typeColor: (order: number) => string;
}

/**
 * Actors of each node by status at t, in STATUS_ORDER (a node with none is left out), from the
 * fold's per-node counts and its list of possibly busy actors: the cost is the nodes and the
 * busy actors, not every actor.
 */
export function nodeStatusCounts(s: MeshState, t: number, nNodes: number, out: Map<number, number[]>): void {
  const per = s.nodeCounts;
  for (let n = 0; n < nNodes && (n + 1) * STATUS_SLOTS <= per.length; n++) {
    const o = n * STATUS_SLOTS;
    const c = [per[o + S.failed], per[o + S.restarting], 0, per[o + S.alive], per[o + S.stopped], 0];
    if (c[0] + c[1] + c[3] + c[4]) out.set(n, c);
  }
  for (let i = 0; i < s.busyLen; i++) {
    const a = s.busy[i];
    const c = out.get(s.node[a]);
    if (!c || s.status[a] !== S.alive || busySince(s, a, t) !== busySince(s, a, t)) continue;
    c[2]++;
    c[3]--;
  }
}

export class FlowsRenderer {
  readonly win: FlowWindow;
  scene: FlowScene | null = null;
  w = 0;
  private order: number[] = [];
  /** Chain number of each actor in `order` (chains of traffic sit apart on the circle). */
  private chainOf = new Int32Array(0);
  private orderKey = "";
  private flight = new Grow(Int32Array, 256);
  private ndots = 0;
  /** Node mode: actors per node by status, in STATUS_ORDER. */
  private readonly counts = new Map<number, number[]>();
  /** Milliseconds of the last window update (the aggregation alone). */
  updateMs = 0;

  constructor(private readonly store: EventStore) {
    this.win = new FlowWindow(store);
  }

  /** Actors in traffic order over the whole trace; redone when actors arrive or traffic doubles. */
  private actorOrder(): number[] {
    const st = this.store;
    const n = st.actorCodes.length;
    const msgs = st.mSendRow.length;
    const key = `${n}:${Math.floor(Math.log2(msgs + 1))}`;
    if (key === this.orderKey) return this.order;
    this.orderKey = key;
    const weight = new Map<number, number>();
    for (let m = 0; m < msgs; m++) {
      const a = st.mSrc.data[m];
      const b = st.mDst.data[m];
      if (a < 0 || b < 0 || a === b) continue;
      const k = pairKey(a, b);
      weight.set(k, (weight.get(k) ?? 0) + 1);
    }
    const chains = trafficChains(Array.from({ length: n }, (_, i) => i), weight);
    this.order = chains.flat();
    this.chainOf = new Int32Array(n);
    chains.forEach((c, i) => c.forEach((a) => (this.chainOf[a] = i)));
    return this.order;
  }

  build(s: MeshState, f: FlowsFrame): FlowScene {
    const st = this.store;
    const { area } = f;
    const w = f.window > 0 ? f.window : defaultWindow(st.t1 - st.t0);
    this.w = w;
    const typeCode = f.filters.msgType ? st.strings.indexOf(f.filters.msgType) : -1;
    const start = performance.now();
    this.win.update({ t: f.t, w, type: f.filters.msgType ? (typeCode >= 0 ? typeCode : -3) : -1, nodeOf: (a) => s.node[a] ?? -1 });
    this.updateMs = performance.now() - start;
    const classCode = f.filters.actorClass ? st.strings.indexOf(f.filters.actorClass) : -1;
    const shown = (a: number) =>
      s.status[a] !== S.absent && !(f.filters.hideSystem && st.actorSystem[a]) && !(f.filters.actorClass && st.actorClass[a] !== classCode);
    // unfiltered, what a frame needs of the actors comes from the fold's per-node counts and
    // its list of possibly busy actors, with no pass over every actor
    const unfiltered = !f.filters.hideSystem && !f.filters.actorClass;
    let visible = 0;
    if (unfiltered) for (let i = 0; i < s.nodeCounts.length; i++) visible += i % STATUS_SLOTS === S.absent ? 0 : s.nodeCounts[i];
    else for (let a = 0; a < st.actorCodes.length; a++) if (shown(a)) visible++;
    const byNode = visible > FLOW_ACTOR_LIMIT;
    // below the two caption lines; room for labels outside the circle (longer beside a node)
    const top = area.y + CAPTION_H;
    const h = area.h - CAPTION_H;
    const cx = area.x + area.w / 2;
    const cy = top + h / 2;
    let radius = Math.max(20, Math.min(area.w / 2 - 90, h / 2 - 26));
    let dots;
    this.counts.clear();
    if (byNode) {
      const names = st.nodeCodes.map((c) => st.str(c));
      // per node: actors by status (the ring around it), so trouble is seen without a click
      if (unfiltered) nodeStatusCounts(s, f.t, names.length, this.counts);
      else {
        for (let a = 0; a < st.actorCodes.length; a++) {
          if (!shown(a) || s.node[a] < 0) continue;
          let c = this.counts.get(s.node[a]);
          if (!c) this.counts.set(s.node[a], (c = [0, 0, 0, 0, 0, 0]));
          c[STATUS_ORDER.indexOf(statusName(s, a, f.t) as (typeof STATUS_ORDER)[number])]++;
        }
      }
      const total = (n: number) => (this.counts.get(n) ?? []).reduce((p, q) => p + q, 0);
      const max = Math.max(1, ...names.map((_, n) => total(n)));
      const guess = Math.min(area.w / 2 - 150, h / 2 - 40);
      const rMax = Math.max(12, Math.min(34, (Math.PI * guess) / Math.max(2, names.length) - 10));
      // two lines of label outside each node: its name, and its actors and traffic within
      radius = Math.max(20, Math.min(area.w / 2 - rMax - 135, h / 2 - rMax - 28));
      dots = circleDots(nodeOrder(names, f.metaNodes), cx, cy, radius, (n) => Math.max(10, rMax * Math.sqrt(total(n) / max)));
    } else {
      const order = this.actorOrder().filter(shown);
      const r = Math.max(3, Math.min(11, (Math.PI * radius) / Math.max(1, order.length) - 3));
      // up to a few dozen actors, chains of traffic (a ping-pong pair) sit apart
      const chainOf = this.chainOf;
      dots = circleDots(order, cx, cy, radius, r, order.length <= FLOW_LABEL_LIMIT ? (a) => chainOf[a] : undefined);
    }
    // an edge across a link that is cut at the playhead is drawn broken: its messages are lost
    const linkCut = (a: number, b: number) => a >= 0 && b >= 0 && a !== b && s.links.has(Math.min(a, b) * 65536 + Math.max(a, b));
    const cut = byNode ? linkCut : (a: number, b: number) => linkCut(s.node[a], s.node[b]);
    // between nodes every pair may talk: thinner bands keep a full mesh readable
    const { lines, within, maxRate } = flowLines(dots, byNode ? this.win.nodeEdges : this.win.actorEdges, w, byNode ? 9 : 14, s.links.size ? cut : undefined);
    const cuts = s.links.size ? cutChords(dots, lines, byNode, cut) : [];
    // while the cut splits the mesh, each dot is ringed in its side's colour, as on the topology
    const sideOf = new Map<number, number>();
    if (s.links.size) {
      const present = st.nodeCodes.map((_, n) => n).filter((n) => nodeStateName(s, n) === "up");
      const sides = partitionSides(present, s.links);
      if (sides.groups.length > 1) for (const d of dots) {
        const side = sides.sideOf.get(byNode ? d.idx : s.node[d.idx]);
        if (side !== undefined) sideOf.set(d.idx, side);
      }
    }
    this.scene = { byNode, cx, cy, radius, dots, lines, within, maxRate, cuts, sideOf };
    return this.scene;
  }

  paint(ctx: CanvasRenderingContext2D, s: MeshState, f: FlowsFrame): void {
    const sc = this.build(s, f);
    const st = this.store;
    ctx.save();
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(f.area.x, f.area.y, f.area.w, f.area.h);
    ctx.textBaseline = "middle";
    const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px system-ui, -apple-system, 'Liberation Sans', sans-serif`;

    // the circle itself, faint, so a quiet actor still reads as part of the mesh
    ctx.strokeStyle = INK.guide;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.arc(sc.cx, sc.cy, sc.radius, 0, Math.PI * 2);
    ctx.stroke();

    // edges: a bowed band per direction, with an arrowhead at the receiver
    // with an actor (or, between nodes, a node) selected, its own traffic stands out
    const focus = sc.byNode ? f.selectedNode : f.selectedActor;
    const focused = focus >= 0 && sc.dots.some((d) => d.idx === focus);
    for (const l of sc.lines) {
      const color = f.typeColor(f.typeIndex(l.type));
      const fade = focused && l.from !== focus && l.to !== focus ? 0.25 : 1;
      paintEdge(ctx, l, color, fade);
    }
    // a cut link as the topology draws one: a dashed purple line on a halo, a dot at each end
    for (const c of sc.cuts) {
      ctx.beginPath();
      ctx.moveTo(c.x0, c.y0);
      ctx.lineTo(c.x1, c.y1);
      strokeCut(ctx, c, false, focused && c.a !== focus && c.b !== focus ? 0.35 : 1);
    }

    // dots: actors by status, or nodes by state
    ctx.font = font(11);
    for (const d of sc.dots) {
      const side = sc.sideOf.get(d.idx);
      if (side !== undefined) ring(ctx, d.x, d.y, d.r + (sc.byNode ? 5 : 6), sideColor(side), 2.5);
      if (sc.byNode) {
        const ns = NODE_STYLE[nodeStateName(s, d.idx)];
        ctx.fillStyle = ns.fill;
        ctx.strokeStyle = d.idx === f.selectedNode ? THEME.select : ns.stroke;
        ctx.lineWidth = d.idx === f.selectedNode ? 3 : 1.5;
        ctx.beginPath();
        ctx.arc(d.x, d.y, d.r, 0, Math.PI * 2);
        ctx.fill();
        ctx.stroke();
        const inner = sc.within.get(d.idx) ?? 0;
        const c = this.counts.get(d.idx) ?? [0, 0, 0, 0, 0, 0];
        const total = c.reduce((p, q) => p + q, 0);
        // the status ring: arcs in proportion, failures first from the top
        let a0 = -Math.PI / 2;
        ctx.lineWidth = Math.max(3, Math.min(7, d.r / 4));
        STATUS_ORDER.forEach((k, i) => {
          if (!c[i] || k === "absent") return;
          const a1 = a0 + (2 * Math.PI * c[i]) / total;
          ctx.strokeStyle = STATUS_COLOR[k];
          ctx.beginPath();
          ctx.arc(d.x, d.y, d.r - ctx.lineWidth / 2 - 1, a0, a1);
          ctx.stroke();
          a0 = a1;
        });
        ctx.fillStyle = ns.text;
        ctx.textAlign = d.align;
        ctx.font = font(12, true);
        ctx.fillText(st.str(st.nodeCodes[d.idx]), d.lx, d.ly - 7);
        ctx.font = font(10);
        const trouble = c[0] + c[1] ? ` · ${[c[0] ? `${fmtInt(c[0])} failed` : "", c[1] ? `${fmtInt(c[1])} restarting` : ""].filter(Boolean).join(", ")}` : "";
        ctx.fillText(`${fmtInt(total)} actors${trouble}${inner ? ` · ${fmtRate(inner / this.w)} within` : ""}`, d.lx, d.ly + 7);
        continue;
      }
      const name = statusName(s, d.idx, f.t);
      const crashed = s.failRow[d.idx] >= 0;
      ctx.fillStyle = name === "restarting" ? STATUS_COLOR.failed : (STATUS_COLOR[name] ?? STATUS_COLOR.stopped);
      ctx.beginPath();
      ctx.arc(d.x, d.y, d.r, 0, Math.PI * 2);
      if (name === "stopped" || (name === "restarting" && !crashed)) {
        ctx.strokeStyle = STATUS_COLOR.stopped;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      } else ctx.fill();
      if (name === "restarting") ring(ctx, d.x, d.y, d.r + 3, STATUS_COLOR.restarting, 2, [3, 2]);
      if (isHung(s, d.idx, f.t)) ring(ctx, d.x, d.y, d.r + 2.5, HUNG, 3);
      if (d.idx === f.selectedActor || d.idx === f.hoverActor) ring(ctx, d.x, d.y, d.r + 4, d.idx === f.selectedActor ? THEME.select : THEME.muted, 2);
      if (sc.dots.length <= FLOW_LABEL_LIMIT) {
        ctx.fillStyle = THEME.label;
        ctx.textAlign = d.align;
        // the node too, unless the name already says it (detector@n2)
        const id = st.str(st.actorCodes[d.idx]);
        const node = s.node[d.idx] >= 0 ? st.str(st.nodeCodes[s.node[d.idx]]) : "";
        ctx.fillText(node && !id.includes(node) ? `${id} @${node}` : id, d.lx, d.ly);
      }
    }

    // messages in flight, on top of their edge, while there are few enough to follow
    this.ndots = 0;
    if (!sc.byNode) {
      st.inFlight(f.t, this.flight);
      if (this.flight.length <= FLOW_DOTS_LIMIT) {
        const at = new Map(sc.dots.map((d) => [d.idx, d]));
        const typeCode = f.filters.msgType ? st.strings.indexOf(f.filters.msgType) : -1;
        for (let i = 0; i < this.flight.length; i++) {
          const m = this.flight.data[i];
          const a = at.get(st.mSrc.data[m]);
          const b = at.get(st.mDst.data[m]);
          if (!a || !b || a === b || (f.filters.msgType && st.mType.data[m] !== typeCode)) continue;
          const p = progress(st.mStart.data[m], st.mArrive.data[m], f.t);
          const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
          const [ux, uy] = [(b.x - a.x) / len, (b.y - a.y) / len];
          const [x, y] = arcPoint(a.x + ux * (a.r + 2), a.y + uy * (a.r + 2), b.x - ux * (b.r + 3), b.y - uy * (b.r + 3), p, FLOW_BEND);
          // a halo in the ground's colour sets the dot off its own band, which has its colour
          ctx.fillStyle = f.typeColor(f.typeIndex(st.mType.data[m]));
          ctx.beginPath();
          ctx.arc(x, y, 4.5, 0, Math.PI * 2);
          ctx.strokeStyle = THEME.halo;
          ctx.lineWidth = 2.5;
          ctx.stroke();
          ctx.fill();
          this.ndots++;
        }
      }
    }

    // what the picture is: the window and the encodings, top left
    ctx.font = font(11);
    ctx.textAlign = "left";
    ctx.fillStyle = THEME.muted;
    const what = sc.byNode ? `${fmtInt(sc.dots.length)} nodes (too many actors to draw one by one)` : `${fmtInt(sc.dots.length)} actors`;
    ctx.fillText(`messages sent in the last ${fmtSecs(this.w)} before the playhead · ${what}`, f.area.x + 4, f.area.y + 8);
    ctx.fillText(`width = rate (busiest ${fmtRate(sc.maxRate)}) · colour = message type · hover an edge for latency`, f.area.x + 4, f.area.y + 24);
    if (!sc.lines.length) {
      ctx.textAlign = "center";
      ctx.font = font(13);
      ctx.fillText("no messages between these actors in this window", sc.cx, sc.cy);
    }
    ctx.restore();
  }

  /** In-flight messages drawn on the last paint. */
  get dotsDrawn(): number {
    return this.ndots;
  }

  /** The actor or node dot under (x, y): [index, byNode], or null. */
  hitDot(x: number, y: number): [number, boolean] | null {
    const sc = this.scene;
    if (!sc) return null;
    for (const d of sc.dots) if (Math.hypot(d.x - x, d.y - y) <= d.r + 4) return [d.idx, sc.byNode];
    return null;
  }

  hitEdge(x: number, y: number): FlowLine | null {
    return this.scene ? hitLine(this.scene, x, y) : null;
  }

  /** Tooltip text of the edge under (x, y), or "". */
  tip(x: number, y: number): string {
    const sc = this.scene;
    const l = this.hitEdge(x, y);
    if (!sc || !l) return "";
    const st = this.store;
    const d = this.win.detail(l.from, l.to, sc.byNode);
    if (!d) return "";
    const name = (i: number) => st.str(sc.byNode ? st.nodeCodes[i] : st.actorCodes[i]);
    const text = describeFlow(name(l.from), name(l.to), d, this.w, (c) => st.str(c));
    return l.cut ? `${text}
the link between their nodes is cut: what is sent is dropped` : text;
  }
}

/** A flow's tooltip: rate, types, latency percentiles (the messages delivered by the playhead). */
export function describeFlow(from: string, to: string, d: FlowDetail, w: number, str: (code: number) => string): string {
  const total = d.count || 1;
  const types = d.types
    .slice(0, 4)
    .map(([c, n]) => `${str(c) || "?"} ${Math.round((100 * n) / total)}%`)
    .join(", ");
  const ms = (x: number) => (Number.isNaN(x) ? "–" : `${(x * 1000).toPrecision(3)} ms`);
  const lat = d.delivered ? `latency p50 ${ms(d.p50)} · p95 ${ms(d.p95)} · p99 ${ms(d.p99)} (${fmtInt(d.delivered)} delivered)` : "none delivered yet";
  return `${from} → ${to}: ${fmtRate(d.rate)} (${fmtInt(d.count)} in the last ${fmtSecs(w)})\ntypes: ${types}\n${lat}${d.dropped ? `\n${fmtInt(d.dropped)} dropped` : ""}`;
}

export function fmtRate(perSec: number): string {
  if (perSec >= 100) return `${fmtInt(perSec)}/s`;
  if (perSec >= 1) return `${perSec.toFixed(1)}/s`;
  return `${perSec.toPrecision(2)}/s`;
}

export function fmtSecs(s: number): string {
  if (s >= 1) return `${Number(s.toPrecision(3))} s`;
  if (s >= 1e-3) return `${Number((s * 1000).toPrecision(3))} ms`;
  return `${Number((s * 1e6).toPrecision(3))} µs`;
}

function ring(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, color: string, width: number, dash: number[] = []): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.stroke();
  ctx.setLineDash([]);
}

function paintEdge(ctx: CanvasRenderingContext2D, l: FlowLine, color: string, fade: number): void {
  const dx = l.x1 - l.x0;
  const dy = l.y1 - l.y0;
  const qx = (l.x0 + l.x1) / 2 - dy * FLOW_BEND;
  const qy = (l.y0 + l.y1) / 2 + dx * FLOW_BEND;
  // the arrowhead sits at the end; the band stops short of it so the tip stays sharp
  const hl = Math.max(7, l.width * 1.6);
  const ang = Math.atan2(l.y1 - qy, l.x1 - qx);
  const bx = l.x1 - Math.cos(ang) * hl * 0.8;
  const by = l.y1 - Math.sin(ang) * hl * 0.8;
  ctx.strokeStyle = color;
  ctx.globalAlpha = (l.cut ? 0.5 : 0.75) * fade;
  ctx.lineWidth = l.width;
  ctx.lineCap = "butt";
  ctx.setLineDash(l.cut ? [Math.max(4, l.width), Math.max(4, l.width)] : []);
  ctx.beginPath();
  ctx.moveTo(l.x0, l.y0);
  ctx.quadraticCurveTo(qx, qy, bx, by);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 0.9 * fade;
  ctx.fillStyle = color;
  const hw = Math.max(4, l.width * 0.9);
  ctx.beginPath();
  ctx.moveTo(l.x1, l.y1);
  ctx.lineTo(l.x1 - Math.cos(ang) * hl - Math.sin(ang) * hw, l.y1 - Math.sin(ang) * hl + Math.cos(ang) * hw);
  ctx.lineTo(l.x1 - Math.cos(ang) * hl + Math.sin(ang) * hw, l.y1 - Math.sin(ang) * hl - Math.cos(ang) * hw);
  ctx.closePath();
  ctx.fill();
  ctx.globalAlpha = 1;
}
