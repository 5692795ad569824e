// The flows view ("who talks to whom"): builds a FlowScene from the store, the fold and a sliding
// FlowWindow, paints it, and answers hover and click. Actors sit on a circle in traffic order;
// past FLOW_ACTOR_LIMIT actors, nodes do, and past ZONE_MIN nodes the topology's zones (one dot
// each, or the nodes of the zone zoomed into among the other zones). The circle fills the plot
// less the room its labels need; labels take the fullest form that fits (flow_labels.ts), and
// every text drawn is reported so a test can prove none overlaps another. In-flight messages
// ride the edges when there are few.
import { busySince, isHung, STATUS_SLOTS, type MeshState } from "./fold";
import { strokeCut } from "./draw_cut";
import { anchorEdges, anchorsOf, edgeParts, ZONE_DOT } from "./flow_anchors";
import { placeLabels, labelReach, type LabelLine, type LabelSpot, type PlacedLabel } from "./flow_labels";
import { FlowWindow, defaultWindow, pairKey, type FlowDetail, type FlowEdge } from "./flows";
import { FLOW_ACTOR_LIMIT, FLOW_BEND, FLOW_LABEL_LIMIT, circleDots, cutChords, flowKeep, flowLines, hitLine, trafficChains, type FlowLine, type FlowScene } from "./flow_scene";
import { Grow } from "./grow";
import { arcPoint, progress } from "./interp";
import { S } from "./kinds";
import { nodeOrder, type Rect } from "./layout";
import { fmtInt } from "./lod";
import { partitionSides } from "./partition";
import { HUNG, INK, NODE_STYLE, SIDE_COLOR, STATUS_COLOR, THEME } from "./palette";
import { nodeStateName, statusName, type Filters } from "./scene";
import type { EventStore } from "./store";
import { explicitZones } from "./zone_scene";
import { assignZones, cutStart, ZONE_MIN, type TextBox, type Zoning } from "./zones";

/** In-flight messages are drawn one by one on top of the edges up to this many. */
export const FLOW_DOTS_LIMIT = 200;
/** The order of the status ring around a node, trouble first. */
const STATUS_ORDER = ["failed", "restarting", "busy", "idle", "stopped", "absent"] as const;
/** The caption's lines above the circle. */
const CAPTION_PX = 11;
const CAPTION_LINE = 15;
/** Caption lines: three, four in a narrow plot (its statements wrap). */
const captionLines = (w: number) => (w >= 800 ? 3 : 4);
const captionH = (w: number) => captionLines(w) * CAPTION_LINE + 4;
const FONT = "system-ui, -apple-system, 'Liberation Sans', sans-serif";
const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px ${FONT}`;
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
  /** The zone zoomed into, by name ("" for all zones). */
  zoneFocus?: string;
  /** Node name -> zone, as MeshOS's desired state lists them. */
  zoneMeta?: Record<string, string>;
}

/** The zones of the picture when it draws them. */
export interface FlowZones {
  zoning: Zoning;
  /** Zone index zoomed into, -1 for all zones. */
  focus: number;
  /** Anchor of each node index (its own index, or ZONE_DOT + its zone). */
  anchor: Int32Array;
  /** The button back to all zones while zoomed. */
  back: Rect | null;
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

/** "126 actors · 2 failed, 1 restarting · 9.3/s within" and its shorter forms. */
function countsLine(c: number[], within: number): string[] {
  const total = c.reduce((p, q) => p + q, 0);
  const trouble = [c[0] ? `${fmtInt(c[0])} failed` : "", c[1] ? `${fmtInt(c[1])} restarting` : ""].filter(Boolean).join(", ");
  const inner = within > 0 ? `${fmtRate(within)} within` : "";
  return [[`${fmtInt(total)} actors`, trouble, inner].filter(Boolean).join(" · "), trouble];
}

export class FlowsRenderer {
  readonly win: FlowWindow;
  scene: FlowScene | null = null;
  /** The zones drawn, or null (actors, or nodes one by one). */
  zones: FlowZones | null = null;
  /** Every text of the last paint (caption, labels, the back button), for the overlap test. */
  texts: TextBox[] = [];
  /** Labels with no room on the last paint (their dots are named by the tooltip). */
  labelsLeftOut = 0;
  w = 0;
  private order: number[] = [];
  /** Chain number of each actor in `order` (chains of traffic sit apart on the circle). */
  private chainOf = new Int32Array(0);
  private orderKey = "";
  private zoneKey = "";
  private zoning: Zoning | null = null;
  private flight = new Grow(Int32Array, 256);
  private ndots = 0;
  /** Per dot (node or zone anchor): actors by status, in STATUS_ORDER. */
  private readonly counts = new Map<number, number[]>();
  /** The labels of the last paint, by dot (form -1: left out for room). */
  labels: PlacedLabel[] = [];
  private readonly widths = new Map<string, number>();
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

  /** The topology's zones of these nodes (zones.ts), kept while the nodes and their attributes do. */
  private zonesOf(names: string[], order: number[], meta: Record<string, string> | undefined): Zoning | null {
    if (order.length <= ZONE_MIN) return null;
    let attrs = 0;
    for (const rows of this.store.nodeAttrs.values()) attrs += rows.length;
    const key = `${names.length}:${attrs}:${meta ? Object.keys(meta).length : -1}`;
    if (key !== this.zoneKey || !this.zoning) {
      this.zoneKey = key;
      const ex = explicitZones(this.store, meta, names);
      this.zoning = assignZones(names, order, ex.of, ex.source);
    }
    return this.zoning;
  }

  /** Name of a dot: an actor, a node, or a zone. */
  dotName(i: number, byNode: boolean): string {
    const st = this.store;
    if (!byNode) return st.str(st.actorCodes[i]);
    if (i >= ZONE_DOT) return this.zones?.zoning.zones[i - ZONE_DOT]?.name ?? "?";
    return st.str(st.nodeCodes[i]);
  }

  /** Width of a text in the label fonts, remembered (the rates change, so the memory is capped). */
  private measurer(ctx: CanvasRenderingContext2D): (s: string, bold: boolean, px: number) => number {
    if (this.widths.size > 4000) this.widths.clear();
    let cur = "";
    return (s, bold, px) => {
      const k = `${px}${bold ? "b" : ""}|${s}`;
      let w = this.widths.get(k);
      if (w === undefined) {
        const f = font(px, bold);
        if (f !== cur) ctx.font = cur = f;
        w = ctx.measureText(s).width;
        this.widths.set(k, w);
      }
      return w;
    };
  }

  build(s: MeshState, f: FlowsFrame, measure: (s: string, bold: boolean, px: number) => number = (t, _b, px) => t.length * px * 0.6): FlowScene {
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
    const top = area.y + captionH(area.w);
    const h = area.h - captionH(area.w);
    const cx = area.x + area.w / 2;
    const cy = top + h / 2;
    this.counts.clear();
    this.zones = null;
    // the dots in circle order, each one's label forms, its size (0..1) and label priority
    let ids: number[];
    let forms: (i: number) => LabelLine[][];
    let size: (i: number) => number = () => 1;
    let rank: (i: number) => number;
    let withinEdges: { values(): Iterable<FlowEdge> };
    let group: ((i: number) => number) | undefined;
    const inner = new Map<number, number>();
    const coreOf = new Map<number, number>();
    if (byNode) {
      const names = st.nodeCodes.map((c) => st.str(c));
      const order = nodeOrder(names, f.metaNodes);
      const per = new Map<number, number[]>();
      // per node: actors by status (the ring around it), so trouble is seen without a click
      if (unfiltered) nodeStatusCounts(s, f.t, names.length, per);
      else {
        for (let a = 0; a < st.actorCodes.length; a++) {
          if (!shown(a) || s.node[a] < 0) continue;
          let c = per.get(s.node[a]);
          if (!c) per.set(s.node[a], (c = [0, 0, 0, 0, 0, 0]));
          c[STATUS_ORDER.indexOf(statusName(s, a, f.t) as (typeof STATUS_ORDER)[number])]++;
        }
      }
      const zoning = this.zonesOf(names, order, f.zoneMeta);
      const focus = zoning && f.zoneFocus ? zoning.zones.findIndex((z) => z.name === f.zoneFocus) : -1;
      const anchor = anchorsOf(names.length, zoning, focus);
      if (zoning) this.zones = { zoning, focus, anchor, back: null };
      ids = [];
      const seen = new Set<number>();
      for (const n of order) {
        const a = anchor[n];
        const c = per.get(n);
        if (c) {
          const sum = this.counts.get(a) ?? this.counts.set(a, [0, 0, 0, 0, 0, 0]).get(a)!;
          c.forEach((v, i) => (sum[i] += v));
        }
        if (!seen.has(a)) {
          seen.add(a);
          ids.push(a);
        }
      }
      const total = (i: number) => (this.counts.get(i) ?? []).reduce((p, q) => p + q, 0);
      const max = Math.max(1, ...ids.map(total));
      size = (i) => Math.sqrt(total(i) / max);
      withinEdges = zoning ? anchorEdges(this.win.nodeEdges.values(), anchor) : this.win.nodeEdges;
      for (const e of withinEdges.values()) if (e.from === e.to) inner.set(e.from, (inner.get(e.from) ?? 0) + e.count);
      forms = (i) => {
        const name = this.dotName(i, true);
        const zone = i >= ZONE_DOT ? zoning!.zones[i - ZONE_DOT] : null;
        const [full, trouble] = countsLine(this.counts.get(i) ?? [0, 0, 0, 0, 0, 0], (inner.get(i) ?? 0) / w);
        const head = { text: name, bold: true, px: 12 };
        const sub = (text: string) => ({ text, bold: false, px: 10 });
        const out: LabelLine[][] = [[head, sub(zone ? `${fmtInt(zone.nodes.length)} nodes · ${full}` : full)]];
        if (zone) out.push([head, sub(full)]);
        if (trouble) out.push([head, sub(trouble)]);
        out.push([head]);
        if (name.length > 12) out.push([{ ...head, text: `${name.slice(0, 10)}…` }]);
        return out;
      };
      // trouble first, then the biggest: the names a person looks for keep their room
      rank = (i) => {
        const c = this.counts.get(i) ?? [];
        return (i === f.selectedNode ? 4e9 : 0) + ((c[0] ?? 0) + (c[1] ?? 0) > 0 ? 2e9 : 0) + total(i);
      };
    } else {
      ids = this.actorOrder().filter(shown);
      withinEdges = this.win.actorEdges;
      const chainOf = this.chainOf;
      // up to a few dozen actors, chains of traffic (a ping-pong pair) sit apart
      if (ids.length <= FLOW_LABEL_LIMIT) group = (a) => chainOf[a];
      forms = (a) => {
        const id = st.str(st.actorCodes[a]);
        // the node too, unless the name already says it (detector@n2)
        const node = s.node[a] >= 0 ? st.str(st.nodeCodes[s.node[a]]) : "";
        const line = (text: string) => [{ text, bold: false, px: 11 }];
        const out = [line(id)];
        if (node && !id.includes(node)) {
          out.unshift(line(`${id} @${node}`));
          coreOf.set(a, 1); // the name alone first; the node where there is room
        }
        if (id.length > 10) out.push(line(`${id.slice(0, 8)}…`));
        return out;
      };
      const pos = new Map(ids.map((a, k) => [a, k]));
      rank = (a) => (a === f.selectedActor ? 1e9 : 0) + (a === f.hoverActor ? 5e8 : 0) - pos.get(a)!;
    }
    // the circle fills the plot less the reach of the labels (capped, so long ones shorten)
    const formsOf = new Map(ids.map((i) => [i, forms(i)]));
    const probe: LabelSpot[] = ids.map((i) => ({ idx: i, x: 0, y: 0, r: 0, c: 0, s: 0, forms: formsOf.get(i)!.slice(0, 1) }));
    const reach = labelReach(probe, measure, area);
    const gap = 10;
    const fit = (rDot: number) => Math.max(20, Math.min(area.w / 2 - rDot - gap - reach.w, h / 2 - rDot - gap - reach.h));
    // places on the circle: a dot each, and an empty one between two chains of traffic
    let n = Math.max(1, ids.length);
    if (group) for (let k = 0; k < ids.length; k++) if (group(ids[k]) !== group(ids[(k + 1) % ids.length])) n++;
    // neighbours' rings (status, side: up to 6 px past the dot) do not touch
    const dotMax = (radius: number) => Math.max(byNode ? 6 : 3, Math.min(byNode ? 34 : 11, (Math.PI * radius) / n - 7));
    let radius = fit(byNode ? 34 : 11);
    const rMax = dotMax(radius);
    radius = fit(rMax);
    const dots = circleDots(ids, cx, cy, radius, byNode ? (i) => Math.max(Math.min(rMax, 6), rMax * size(i)) : rMax, group);
    // an edge across a link that is cut at the playhead is drawn broken: its messages are lost
    const linkCut = (a: number, b: number) => a >= 0 && b >= 0 && a < ZONE_DOT && b < ZONE_DOT && a !== b && s.links.has(Math.min(a, b) * 65536 + Math.max(a, b));
    const cut = byNode ? linkCut : (a: number, b: number) => linkCut(s.node[a], s.node[b]);
    // between nodes every pair may talk: thinner bands keep a full mesh readable, and only the
    // busiest are drawn (the caption counts the rest)
    // zoomed into a zone, its own nodes' traffic is the picture: flows between two other zones
    // would outweigh it (ten nodes' worth each) and are only counted
    const zoomed = this.zones && this.zones.focus >= 0;
    const aside = zoomed ? (a: number, b: number) => a >= ZONE_DOT && b >= ZONE_DOT : undefined;
    const fl = flowLines(dots, withinEdges, w, byNode ? 9 : 14, s.links.size ? cut : undefined, flowKeep(dots.length), aside);
    const cuts = s.links.size ? cutChords(dots, fl.lines, byNode, cut) : [];
    // while the cut splits the mesh, each dot is ringed in its side's colour, as on the topology
    // (a zone when all its nodes are on one side)
    const sideOf = new Map<number, number>();
    if (s.links.size) {
      const present = st.nodeCodes.map((_, k) => k).filter((k) => nodeStateName(s, k) === "up");
      const sides = partitionSides(present, s.links);
      if (sides.groups.length > 1)
        for (const d of dots) {
          const nodes = !byNode ? [s.node[d.idx]] : d.idx >= ZONE_DOT ? this.zones!.zoning.zones[d.idx - ZONE_DOT].nodes : [d.idx];
          const got = new Set(nodes.map((k) => sides.sideOf.get(k)).filter((v) => v !== undefined));
          if (got.size === 1) sideOf.set(d.idx, [...got][0]!);
        }
    }
    this.scene = { byNode, cx, cy, radius, dots, lines: fl.lines, within: fl.within, maxRate: fl.maxRate, hidden: fl.hidden, total: fl.total, cuts, sideOf };
    this.layoutTexts(f, measure, formsOf, coreOf, rank);
    return this.scene;
  }

  /** The caption's lines, the back button and the labels, none over another. */
  private layoutTexts(f: FlowsFrame, measure: (s: string, bold: boolean, px: number) => number, formsOf: Map<number, LabelLine[][]>, coreOf: Map<number, number>, rank: (i: number) => number): void {
    const sc = this.scene!;
    const { area } = f;
    const texts: TextBox[] = [];
    const zs = this.zones;
    const x0 = area.x + 4;
    let right = area.x + area.w - 4;
    if (zs && zs.focus >= 0) {
      const text = "‹ all zones";
      const bw = Math.ceil(measure(text, true, CAPTION_PX)) + 12;
      zs.back = { x: right - bw, y: area.y + 1, w: bw, h: CAPTION_LINE };
      texts.push({ text, x: zs.back.x + 6, y: area.y + 1, w: bw - 12, h: CAPTION_LINE, bold: true, ink: "text", px: CAPTION_PX });
      right = zs.back.x - 8;
    }
    const ndots = sc.dots.length;
    let what: string;
    if (!sc.byNode) what = `${fmtInt(ndots)} actors`;
    else if (!zs) what = `${fmtInt(ndots)} nodes (too many actors to draw one by one)`;
    else if (zs.focus < 0) what = `${fmtInt(zs.anchor.length)} nodes in ${fmtInt(ndots)} zones · click a zone to see its nodes`;
    else {
      const z = zs.zoning.zones[zs.focus];
      what = `zone ${z.name}: its ${fmtInt(z.nodes.length)} nodes, each other zone as one dot`;
    }
    const parts = [`messages sent in the last ${fmtSecs(this.w)} before the playhead`, what, `width and strength = rate (busiest ${fmtRate(sc.maxRate)})`, "colour = message type", "hover an edge for latency"];
    const third: string[] = [];
    if (sc.hidden.aside) third.push(`${fmtInt(sc.hidden.aside)} flows between other zones not drawn`);
    if (sc.hidden.edges) {
      const shownMsgs = sc.total - sc.hidden.messages;
      third.push(`the busiest ${fmtInt(sc.lines.length)} of ${fmtInt(sc.lines.length + sc.hidden.edges)} flows drawn (${Math.round((100 * shownMsgs) / Math.max(1, sc.total))}% of messages), ${fmtInt(sc.hidden.edges)} weaker left out`);
    }
    // the labels first (their count goes in the caption), then the caption over what is left
    const capBox = { x: area.x, y: area.y, w: area.w, h: captionH(area.w) - 4 };
    const spots: LabelSpot[] = sc.dots.map((d) => {
      const len = Math.hypot(d.x - sc.cx, d.y - sc.cy);
      return { idx: d.idx, x: d.x, y: d.y, r: d.r, c: len > 1e-6 ? (d.x - sc.cx) / len : 0, s: len > 1e-6 ? (d.y - sc.cy) / len : -1, forms: formsOf.get(d.idx) ?? [], core: coreOf.get(d.idx) };
    });
    const byRank = spots.map((sp, k) => [rank(sp.idx), -k, sp] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    const placed = placeLabels(byRank.map((r) => r[2]), measure, area, [capBox]);
    this.labels = placed;
    this.labelsLeftOut = placed.filter((p) => p.form < 0).length;
    if (this.labelsLeftOut) third.push(`${fmtInt(this.labelsLeftOut)} of ${fmtInt(ndots)} names left out for room: hover a dot`);
    // the statements packed into the caption's lines, a statement with no room cut short
    parts.push(...third);
    const capW = (t: string) => measure(t, false, CAPTION_PX);
    const lines: string[] = [];
    const maxOf = (i: number) => (i === 0 ? right : area.x + area.w - 4) - x0;
    for (const p of parts) {
      const k = lines.length - 1;
      if (k >= 0 && capW(`${lines[k]} · ${p}`) <= maxOf(k)) lines[k] = `${lines[k]} · ${p}`;
      else if (lines.length < captionLines(area.w)) lines.push(p);
      else lines[k] = `${lines[k]} · ${p}`; // the last line takes the rest, cut short below
    }
    lines.forEach((text, i) => {
      const cut = cutStart(text, maxOf(i), capW);
      if (!cut) return;
      texts.push({ text: cut, x: x0, y: area.y + 1 + i * CAPTION_LINE, w: Math.ceil(measure(cut, false, CAPTION_PX)), h: CAPTION_LINE, bold: false, ink: "muted", px: CAPTION_PX });
    });
    for (const p of placed) texts.push(...p.lines);
    this.texts = texts;
  }

  paint(ctx: CanvasRenderingContext2D, s: MeshState, f: FlowsFrame): void {
    ctx.save();
    const sc = this.build(s, f, this.measurer(ctx));
    const st = this.store;
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(f.area.x, f.area.y, f.area.w, f.area.h);
    ctx.textBaseline = "middle";

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

    // dots: actors by status, or nodes (zones) with a ring of their actors by status
    for (const d of sc.dots) {
      const side = sc.sideOf.get(d.idx);
      if (side !== undefined) ring(ctx, d.x, d.y, d.r + (sc.byNode ? 5 : 6), sideColor(side), 2.5);
      if (sc.byNode) {
        const zone = d.idx >= ZONE_DOT;
        const ns = NODE_STYLE[zone ? "up" : nodeStateName(s, d.idx)] ?? NODE_STYLE.up;
        ctx.fillStyle = ns.fill;
        ctx.strokeStyle = d.idx === f.selectedNode ? THEME.select : ns.stroke;
        ctx.lineWidth = d.idx === f.selectedNode ? 3 : 1.5;
        ctx.beginPath();
        ctx.arc(d.x, d.y, d.r, 0, Math.PI * 2);
        ctx.fill();
        ctx.stroke();
        // a zone is a stack of nodes: a second outline behind it says so
        if (zone) ring(ctx, d.x, d.y, d.r + 2.5, ns.stroke, 1);
        const c = this.counts.get(d.idx) ?? [0, 0, 0, 0, 0, 0];
        const total = c.reduce((p, q) => p + q, 0);
        // the status ring: arcs in proportion, failures first from the top
        let a0 = -Math.PI / 2;
        ctx.lineWidth = Math.max(2, Math.min(7, d.r / 4));
        STATUS_ORDER.forEach((k, i) => {
          if (!c[i] || k === "absent") return;
          const a1 = a0 + (2 * Math.PI * c[i]) / total;
          ctx.strokeStyle = STATUS_COLOR[k];
          ctx.beginPath();
          ctx.arc(d.x, d.y, Math.max(1, d.r - ctx.lineWidth / 2 - 1), a0, a1);
          ctx.stroke();
          a0 = a1;
        });
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

    // the labels where flow_labels put them, the caption, the back button
    const zs = this.zones;
    if (zs?.back) {
      ctx.fillStyle = INK.guide;
      ctx.strokeStyle = THEME.muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.roundRect(zs.back.x, zs.back.y, zs.back.w, zs.back.h, 4);
      ctx.fill();
      ctx.stroke();
    }
    ctx.textAlign = "left";
    for (const t of this.texts) {
      const node = sc.byNode && t.bold && t.px === 12;
      ctx.font = font(t.px ?? CAPTION_PX, t.bold);
      ctx.fillStyle = t.ink === "muted" ? THEME.muted : node ? THEME.text : THEME.label;
      ctx.fillText(t.text, t.x, t.y + t.h / 2);
    }
    if (!sc.lines.length) {
      ctx.textAlign = "center";
      ctx.font = font(13);
      ctx.fillStyle = THEME.muted;
      const msg = "no messages between these actors in this window";
      const mw = ctx.measureText(msg).width;
      ctx.fillText(msg, sc.cx, sc.cy);
      this.texts.push({ text: msg, x: sc.cx - mw / 2, y: sc.cy - 8, w: mw, h: 16, bold: false, ink: "muted", px: 13 });
    }
    ctx.restore();
  }

  /** In-flight messages drawn on the last paint. */
  get dotsDrawn(): number {
    return this.ndots;
  }

  /** The actor, node or zone dot under (x, y): [index, byNode], or null. Zones are ZONE_DOT + zone. */
  hitDot(x: number, y: number): [number, boolean] | null {
    const sc = this.scene;
    if (!sc) return null;
    for (const d of sc.dots) if (Math.hypot(d.x - x, d.y - y) <= d.r + 4) return [d.idx, sc.byNode];
    return null;
  }

  /** Is (x, y) on the button back to all zones? */
  hitBack(x: number, y: number): boolean {
    const b = this.zones?.back;
    return !!b && x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
  }

  /** Tooltip of a node or zone dot: its name and counts (its label may have had no room). */
  dotTip(i: number): string {
    const c = this.counts.get(i) ?? [0, 0, 0, 0, 0, 0];
    const inner = this.scene?.within.get(i) ?? 0;
    const [full] = countsLine(c, inner / (this.w || 1));
    const zs = this.zones;
    if (i >= ZONE_DOT && zs) {
      const z = zs.zoning.zones[i - ZONE_DOT];
      return `zone ${z.name}: ${fmtInt(z.nodes.length)} nodes · ${full}\nclick to see its nodes`;
    }
    return `${this.dotName(i, true)}\n${full}`;
  }

  hitEdge(x: number, y: number): FlowLine | null {
    return this.scene ? hitLine(this.scene, x, y) : null;
  }

  /** Tooltip text of the edge under (x, y), or "". */
  tip(x: number, y: number): string {
    const sc = this.scene;
    const l = this.hitEdge(x, y);
    if (!sc || !l) return "";
    const zs = this.zones;
    let d: FlowDetail | null;
    if (sc.byNode && zs) {
      // a band between zones is the node edges between their nodes, taken as one
      const edges = this.win.nodeEdges;
      const ids = edgeParts(edges.values(), zs.anchor, l.from, l.to).map(([a, b]) => edges.idOf(a, b));
      d = this.win.detailOf(ids, true);
    } else d = this.win.detail(l.from, l.to, sc.byNode);
    if (!d) return "";
    const text = describeFlow(this.dotName(l.from, sc.byNode), this.dotName(l.to, sc.byNode), d, this.w, (c) => this.store.str(c));
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
  ctx.globalAlpha = (l.cut ? Math.min(0.5, l.alpha) : l.alpha) * fade;
  ctx.lineWidth = l.width;
  ctx.lineCap = "butt";
  ctx.setLineDash(l.cut ? [Math.max(4, l.width), Math.max(4, l.width)] : []);
  ctx.beginPath();
  ctx.moveTo(l.x0, l.y0);
  ctx.quadraticCurveTo(qx, qy, bx, by);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = Math.min(0.9, l.alpha + 0.15) * fade;
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
