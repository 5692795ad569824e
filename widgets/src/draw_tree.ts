// The supervision tree at any size: the forest of actors (by parent), folded to a budget of
// legible columns (tree_budget.ts), laid out as a tidy tree (tree.ts) and painted with the
// topology view's glyph vocabulary (status colour, ✕ for a crash, dashed ring while restarting,
// ↻ restarts, hung ring, "!" for a handler error). Node membership is a user toggle: a band in the
// node's colour under every glyph, or the tree grouped by node (each node a tag heading the
// actors that live on it; a child on another node than its parent starts under its own node).
import type { MeshState } from "./fold";
import { HUNG_AFTER } from "./fold";
import { N, S } from "./kinds";
import { lastSegment } from "./labels";
import { EVENT_COLOR, HANDLER_ERROR, HUNG, INK, NODE_STYLE, STATUS_COLOR, THEME, typeColor, VIEW } from "./palette";
import type { Filters } from "./scene";
import { cross } from "./shapes";
import { widthOf } from "./text_width";
import type { EventStore } from "./store";
import { MIN_CELL, MIN_ROW, pickTexts, placeItems, textY, tidyTree, type Placed } from "./tree";
import { buildForest, chooseShown, hiddenCounts, SubtreeCounts, type FoldChoice, type Forest, type Shown } from "./tree_budget";
import { FlagTracker, type LifecycleIndex } from "./tree_flags";

export type NodeMode = "band" | "group";

/** The forest of one set of actors and filters: items are actors, then (grouped) one per node. */
export interface TreeModel {
  key: string;
  forest: Forest;
  /** Item -> actor index, or -(node + 1) for a node's group item. */
  actorOf: Int32Array;
  /** Actor index -> item, -1 when filtered out. */
  itemOf: Int32Array;
  counts: SubtreeCounts;
  /** Keeps `counts` at the latest frame's state. */
  tracker: FlagTracker;
}

export function buildModel(store: EventStore, f: Filters, mode: NodeMode, key: string): TreeModel {
  const nA = store.actorCodes.length;
  const nN = store.nodeCodes.length;
  const classCode = f.actorClass ? store.strings.indexOf(f.actorClass) : -1;
  const keep = (a: number) => !(f.hideSystem && store.actorSystem[a]) && !(f.actorClass && store.actorClass[a] !== classCode);
  const itemOf = new Int32Array(nA).fill(-1);
  const actors: number[] = [];
  for (let a = 0; a < nA; a++) if (keep(a)) itemOf[a] = actors.push(a) - 1;
  // the node an actor first lived on (its slot's node), for grouping
  const home = new Int32Array(nA).fill(-1);
  store.nodeSlots.forEach((slots, n) => {
    for (const a of slots) if (home[a] < 0) home[a] = n;
  });
  const groups = mode === "group" ? nN : 0;
  const n = actors.length + groups;
  const actorOf = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  actors.forEach((a, i) => {
    actorOf[i] = a;
    // the nearest kept ancestor: a filtered supervisor's children hang from its own supervisor
    let p = store.actorOf.get(store.actorParent[a]);
    for (let steps = 0; p !== undefined && itemOf[p] < 0 && steps < nA; steps++) p = store.actorOf.get(store.actorParent[p]);
    let pi = p === undefined ? -1 : itemOf[p];
    if (groups && home[a] >= 0 && (pi < 0 || home[actorOf[pi]] !== home[a])) pi = actors.length + home[a];
    parent[i] = pi;
  });
  for (let g = 0; g < groups; g++) actorOf[actors.length + g] = -(g + 1);
  const forest = buildForest(parent);
  const counts = new SubtreeCounts(forest);
  return { key, forest, actorOf, itemOf, counts, tracker: new FlagTracker({ actorOf, itemOf }, counts) };
}

/**
 * Bring the counts of every subtree to state `s` at t, at the cost of the actors whose flags
 * changed since the last frame (tree_flags.ts). Returns a signature of what the choice of shown
 * items depends on (which actors are present, which are down).
 */
export function updateFlags(m: TreeModel, s: MeshState, t: number, store: EventStore, index: LifecycleIndex): string {
  index.sync();
  return m.tracker.update(s, t, store, index);
}

export interface TreePicture {
  shown: Shown;
  place: Placed;
  /** Per shown index: the actor drawn there, -1 for a stub or a node's tag. */
  actor: number[];
  /** Per shown index: the node of a group tag, else -1. */
  tagNode: number[];
  /** Actors hidden by folds (present, not drawn). */
  hidden: number;
  /** Grouped by node: the node tags with actors present (0 in band mode). */
  groupedRoots: number;
  /** The counts' version the texts were worded at (refreshTexts). */
  countsVersion: number;
  /** Per shown index: the actor's restarts its name line was worded with (refreshTexts). */
  restarts: number[];
}

/** A count with thousands separators, as en-US writes it (toLocaleString costs microseconds). */
const fmt = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const short = (n: number) => (n < 1000 ? String(n) : n < 10_000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n / 1000)}k`);

/**
 * What a folded item or a stub hides, from the most to the least informative wording. Short
 * forms say "down" for failed and restarting together (a ↻ would read as the restart count
 * that labels carry); the line is drawn red when any of them is down.
 */
export function countForms(c: { present: number; failed: number; restarting: number; busy: number }, stub: boolean): [string[], string[]] {
  const down = c.failed + c.restarting;
  const long = [c.failed ? `${fmt(c.failed)} failed` : "", c.restarting ? `${fmt(c.restarting)} restarting` : "", c.busy ? `${fmt(c.busy)} busy` : ""].filter(Boolean).join(" · ");
  const mid = [down ? `${fmt(down)} down` : "", c.busy ? `${fmt(c.busy)} busy` : ""].filter(Boolean).join(" · ");
  const brief = [down ? `${short(down)} down` : "", c.busy ? `${short(c.busy)} busy` : ""].filter(Boolean).join(" · ");
  const downOnly = down ? `${short(down)} down` : "";
  const n = (long: boolean) => (long ? fmt(c.present) : short(c.present));
  const join = (a: string, b: string) => (b ? `${a} · ${b}` : a);
  if (stub) return [[`+${n(true)} more`, `+${n(false)} more`, `+${n(false)}`], [long, mid, brief, downOnly, down ? `${short(down)}✕` : ""]];
  return [[], [join(`+${n(true)}`, long), join(`+${n(true)}`, mid), join(`+${n(false)}`, brief), join(`+${n(false)}`, downOnly), `+${n(false)}`, downOnly, down ? `${short(down)}✕` : ""].filter((v, i, all) => all.indexOf(v) === i)];
}

/** Choose and lay out what is drawn: depends on the fold state and the actors present, not on t. */
export function pictureOf(
  m: TreeModel,
  store: EventStore,
  s: MeshState,
  rect: { x: number; y: number; w: number; h: number },
  choice: FoldChoice,
  measure: (s: string) => number,
): TreePicture {
  const budget = { leaves: Math.max(2, Math.floor(rect.w / MIN_CELL)), depth: Math.max(1, Math.floor(rect.h / MIN_ROW)) };
  const shown = chooseShown(m.forest, m.counts, budget, choice);
  const lay = tidyTree({ parent: shown.parent, wrap: shown.wrap, block: shown.block });
  const actor = shown.item.map((i) => (i < 0 ? -1 : m.actorOf[i] >= 0 ? m.actorOf[i] : -1));
  const tagNode = shown.item.map((i) => (i >= 0 && m.actorOf[i] < 0 ? -m.actorOf[i] - 1 : -1));
  // grouped by node, the top level is the nodes' tags: how many of them have actors present
  const groupedRoots = m.actorOf.length && m.actorOf[m.actorOf.length - 1] < 0 ? m.forest.roots.filter((r) => m.actorOf[r] < 0 && m.counts.within(r, "present") > 0).length : 0;
  const forms1: string[][] = [];
  const forms2: string[][] = [];
  const pic = { shown, actor, tagNode, groupedRoots };
  shown.item.forEach((_i, k) => {
    const [a, b] = formsOf(pic, k, m, store, s);
    forms1.push(a);
    forms2.push(b);
  });
  const place = placeItems(lay, rect, forms1, forms2, measure);
  let shownPresent = 0;
  shown.item.forEach((i) => {
    if (i >= 0 && m.counts.present(i)) shownPresent++;
  });
  const restarts = actor.map((a) => (a >= 0 ? s.restarts[a] : 0));
  return { ...pic, place, hidden: m.counts.total("present") - shownPresent, countsVersion: m.counts.version, restarts };
}

/** The text forms of shown index k, from the most to the least informative: line 1's and line 2's. */
function formsOf(pic: Pick<TreePicture, "shown" | "actor" | "tagNode" | "groupedRoots">, k: number, m: TreeModel, store: EventStore, s: MeshState): [string[], string[]] {
  const { shown, actor, tagNode, groupedRoots } = pic;
  const c = hiddenCounts(shown, k, m.counts);
  if (tagNode[k] >= 0) return [[store.str(store.nodeCodes[tagNode[k]])], shown.folded[k] ? countForms(c, false)[1] : []];
  if (actor[k] < 0 && shown.stubOf[k] < 0 && groupedRoots) {
    // grouped by node, the top level's stub stands for nodes: say how many, then their actors
    const nodes = groupedRoots - shown.parent.filter((p, j) => p < 0 && j !== k).length;
    return [
      [`+${fmt(nodes)} nodes`, `+${short(nodes)} nodes`, `+${short(nodes)}`],
      [`${fmt(c.present)} actors`, `${short(c.present)} actors`, short(c.present)],
    ];
  }
  if (actor[k] < 0) return countForms(c, true);
  const a = actor[k];
  const seg = lastSegment(store.str(store.actorCodes[a]));
  const names = [...new Set([seg, seg.length > 6 ? `…${seg.slice(-5)}` : seg, seg.length > 3 ? `…${seg.slice(-3)}` : seg])];
  // grouped by node, a child of a supervisor on another node hangs from its own node's tag:
  // its second line names that supervisor, so the link is not lost
  const up = m.forest.parent[shown.item[k]];
  const sup = store.actorParent[a];
  const away = up >= 0 && m.actorOf[up] < 0 && sup >= 0 ? lastSegment(store.str(sup)) : "";
  const two = shown.folded[k] ? countForms(c, false)[1] : away ? [`↑ ${away}`, `↑${away}`] : [];
  const rs = s.restarts[a] ? `↻${s.restarts[a]}` : "";
  if (!rs) return [names, two];
  // the restart count is never dropped for want of width: beside the whole name when it fits,
  // else on the second line when that is free (pickTexts drops it there when line 1 holds it),
  // else beside a shortened name
  if (!two.length) return [[`${seg} ${rs}`, ...names], [rs]];
  return [[...new Set([`${seg} ${rs}`, ...names.slice(1).map((n) => `${n} ${rs}`), rs])], two];
}

/**
 * Re-word the count lines of folded items and stubs when the counts changed since the picture
 * was laid out (busy actors come and go, a failed actor becomes restarting, without a new
 * layout), and an actor's name line when its restarts did (a jump of the playhead across a
 * restart need not change which actors are down): each picks again among its forms within the
 * same column range, so nothing it avoided overlapping is overlapped. The cost is the items drawn.
 */
export function refreshTexts(pic: TreePicture, m: TreeModel, store: EventStore, s: MeshState, measure: (s: string) => number): void {
  const recount = pic.countsVersion !== m.counts.version;
  pic.countsVersion = m.counts.version;
  const { shown } = pic;
  for (let k = 0; k < shown.item.length; k++) {
    const a = pic.actor[k];
    const restarted = a >= 0 && pic.restarts[k] !== s.restarts[a];
    if (!restarted && !(recount && (shown.item[k] < 0 || shown.folded[k]))) continue;
    if (a >= 0) pic.restarts[k] = s.restarts[a];
    const [one, two] = formsOf(pic, k, m, store, s);
    pickTexts(pic.place, k, one, two, measure);
  }
}

export interface PaintTreeOptions {
  selectedActor: number;
  hoverActor: number;
  mode: NodeMode;
  t: number;
  /** Width the node key may take along the top (the mode button sits to its right). */
  keyWidth: number;
}

const FONT = "10px system-ui, 'Liberation Sans', sans-serif";
const BOLD = "bold 10px system-ui, 'Liberation Sans', sans-serif";

/** Paint a laid-out tree with the state at t. */
export function paintTree(ctx: CanvasRenderingContext2D, pic: TreePicture, m: TreeModel, store: EventStore, s: MeshState, o: PaintTreeOptions): void {
  const p = pic.place;
  const r = p.r;
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  // edges under everything: parent -> child, an arrowhead at the child
  const edge = VIEW.treeEdge;
  ctx.strokeStyle = edge;
  ctx.fillStyle = edge;
  ctx.lineWidth = 1.2;
  // one path per dash style and one for the arrowheads: a wrapped family has hundreds of edges
  for (const dashed of [false, true]) {
    ctx.setLineDash(dashed ? [3, 3] : []);
    ctx.beginPath();
    for (const e of p.elbows) {
      if ((pic.actor[e.to] < 0 && pic.tagNode[e.to] < 0) !== dashed) continue;
      e.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const e of p.elbows) {
    const [x, y] = e.points[e.points.length - 1];
    ctx.moveTo(x, y);
    ctx.lineTo(x - 3, y - 4.5);
    ctx.lineTo(x + 3, y - 4.5);
    ctx.closePath();
  }
  ctx.fill();
  if (o.mode === "band") paintNodeKey(ctx, store, o.keyWidth);
  const n = pic.shown.item.length;
  const line2Color: string[] = new Array<string>(n);
  pic.shown.item.forEach((item, k) => {
    const x = p.px[k];
    const y = p.py[k];
    const c = hiddenCounts(pic.shown, k, m.counts);
    if (pic.tagNode[k] >= 0) paintTag(ctx, x, y, p, k, pic.tagNode[k], s);
    else if (pic.actor[k] < 0) paintStub(ctx, x, y, r, c.failed > 0);
    else paintGlyph(ctx, pic.actor[k], x, y, r, store, s, o);
    if (pic.shown.folded[k] && pic.tagNode[k] < 0) {
      // folded: a second outline behind the glyph, and a red (or orange) dot when it hides a crash
      ctx.strokeStyle = THEME.muted;
      ctx.lineWidth = 1;
      ctx.setLineDash([2, 2]);
      ctx.beginPath();
      ctx.arc(x, y, r + 2.5, 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if ((c.failed || c.restarting) && (pic.shown.folded[k] || item < 0)) {
      ctx.fillStyle = c.failed ? STATUS_COLOR.failed : STATUS_COLOR.restarting;
      ctx.beginPath();
      ctx.arc(x + r * 0.75, y - r * 0.75, Math.max(2.5, r * 0.4), 0, Math.PI * 2);
      ctx.fill();
    }
    // node membership as a band: a bar in the node's colour under the glyph
    if (o.mode === "band" && pic.actor[k] >= 0 && s.node[pic.actor[k]] >= 0) {
      ctx.fillStyle = typeColor(s.node[pic.actor[k]]);
      ctx.fillRect(x - r, y + r + 2, 2 * r, 2.5);
    }
    if (p.line2[k]) line2Color[k] = c.failed ? STATUS_COLOR.failed : c.restarting ? EVENT_COLOR.restartCount : THEME.muted;
  });
  // the texts last, grouped by font: setting a canvas font parses it, and a wrapped family has
  // hundreds of names
  ctx.font = FONT;
  ctx.fillStyle = THEME.label;
  for (let k = 0; k < n; k++) if (p.line1[k] && pic.tagNode[k] < 0) ctx.fillText(p.line1[k], p.px[k], textY(p, k, 1));
  // a restart count moved under its name, in the name's font and colour
  for (let k = 0; k < n; k++) if (line2Restart(p, k)) ctx.fillText(p.line2[k], p.px[k], textY(p, k, 2));
  ctx.font = BOLD;
  for (let k = 0; k < n; k++) {
    if (!p.line1[k] || pic.tagNode[k] < 0) continue;
    ctx.fillStyle = THEME.dark ? THEME.text : typeColor(pic.tagNode[k]);
    ctx.fillText(p.line1[k], p.px[k], textY(p, k, 1));
  }
  for (let k = 0; k < n; k++) {
    if (!p.line2[k] || line2Restart(p, k)) continue;
    ctx.fillStyle = line2Color[k];
    ctx.fillText(p.line2[k], p.px[k], textY(p, k, 2));
  }
  ctx.restore();
}

/** Is item k's second line its restart count, moved there from beside a name too wide for both? */
const line2Restart = (p: Placed, k: number) => p.line2[k].startsWith("↻");

interface NodeKey {
  key: string;
  /** Each node that fits: its index, its name and where its swatch starts. */
  items: [number, string, number][];
  /** "+N more ..." and where it starts, when not every node fits. */
  rest: string;
  restX: number;
  /** The key painted once, at the canvas's scale (null where no canvas can be made). */
  image: HTMLCanvasElement | null;
}

/**
 * The node key, per store: laid out and painted once into a canvas of its own until the nodes,
 * the width, the scale or the theme change, then copied on every frame (setting a canvas's font
 * and colours for 200 names costs more than the rest of the tree's paint).
 */
const NODE_KEYS = new WeakMap<EventStore, NodeKey>();
const KEY_H = 20;

function nodeKeyOf(ctx: CanvasRenderingContext2D, store: EventStore, width: number): NodeKey {
  const n = store.nodeCodes.length;
  const scale = ctx.getTransform().a || 1;
  const key = `${n}|${width}|${scale}|${THEME.dark}|${THEME.label}|${THEME.muted}`;
  const cached = NODE_KEYS.get(store);
  if (cached?.key === key) return cached;
  const out: NodeKey = { key, items: [], rest: "", restX: 0, image: null };
  let x = 14 + widthOf(ctx, FONT, "node:") + 6;
  for (let i = 0; i < n; i++) {
    const name = store.str(store.nodeCodes[i]);
    const w = 14 + widthOf(ctx, FONT, name) + 10;
    const rest = `+${n - i} more (hover an actor for its node)`;
    if (x + w + (i < n - 1 ? widthOf(ctx, FONT, rest) : 0) > width) {
      out.rest = rest;
      out.restX = x;
      break;
    }
    out.items.push([i, name, x]);
    x += w;
  }
  const image = typeof document === "undefined" ? null : document.createElement("canvas");
  const ic = image?.getContext("2d");
  if (image && ic && width > 0) {
    image.width = Math.ceil(width * scale);
    image.height = Math.ceil(KEY_H * scale);
    ic.scale(scale, scale);
    drawNodeKey(ic, out);
    out.image = image;
  }
  NODE_KEYS.set(store, out);
  return out;
}

function drawNodeKey(ctx: CanvasRenderingContext2D, key: NodeKey): void {
  ctx.font = FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const y = 12;
  ctx.fillStyle = THEME.muted;
  ctx.fillText("node:", 14, y);
  for (const [i, name, x] of key.items) {
    ctx.fillStyle = typeColor(i);
    ctx.fillRect(x, y - 1.5, 10, 3);
    ctx.fillStyle = THEME.label;
    ctx.fillText(name, x + 14, y);
  }
  if (key.rest) {
    ctx.fillStyle = THEME.muted;
    ctx.fillText(key.rest, key.restX, y);
  }
  ctx.textAlign = "center";
}

/** The key of the node bands, along the top: a swatch and the name of each node that fits. */
function paintNodeKey(ctx: CanvasRenderingContext2D, store: EventStore, width: number): void {
  const key = nodeKeyOf(ctx, store, width);
  if (key.image) ctx.drawImage(key.image, 0, 0, key.image.width / (ctx.getTransform().a || 1), KEY_H);
  else drawNodeKey(ctx, key);
}

function paintTag(ctx: CanvasRenderingContext2D, x: number, y: number, p: Placed, _k: number, node: number, s: MeshState): void {
  // a node heading its group: a rounded square in the node's colour, outlined red when down
  const down = NODE_STYLE.down;
  const h = Math.max(6, p.r);
  ctx.fillStyle = typeColor(node);
  ctx.beginPath();
  ctx.roundRect(x - h, y - h, 2 * h, 2 * h, 3);
  ctx.fill();
  if (s.nodeState[node] === N.down) {
    ctx.strokeStyle = down.stroke;
    ctx.lineWidth = 2;
    cross(ctx, x, y, h * 0.6);
  }
}

function paintStub(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, failed: boolean): void {
  // "+N more": three dots in a dashed circle, standing for the children not drawn
  ctx.strokeStyle = failed ? STATUS_COLOR.failed : THEME.muted;
  ctx.lineWidth = 1.2;
  ctx.setLineDash([2, 2]);
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = THEME.muted;
  for (const dx of [-1, 0, 1]) {
    ctx.beginPath();
    ctx.arc(x + dx * r * 0.45, y, Math.max(0.8, r * 0.12), 0, Math.PI * 2);
    ctx.fill();
  }
}

function paintGlyph(ctx: CanvasRenderingContext2D, a: number, x: number, y: number, r: number, store: EventStore, s: MeshState, o: PaintTreeOptions): void {
  const code = s.status[a];
  const busy = code === S.alive && (s.busyUntil[a] > o.t || s.open[a] > 0);
  const status = code === S.alive ? (busy ? "busy" : "idle") : code === S.failed ? "failed" : code === S.restarting ? "restarting" : code === S.stopped ? "stopped" : "absent";
  const crashed = s.failRow[a] >= 0;
  const shutDown = status === "restarting" && !crashed;
  ctx.fillStyle = status === "restarting" ? STATUS_COLOR.failed : (STATUS_COLOR[status] ?? VIEW.noStatus);
  ctx.beginPath();
  if (store.actorSystem[a]) ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else ctx.arc(x, y, r, 0, Math.PI * 2);
  if (status === "stopped" || shutDown) {
    ctx.strokeStyle = STATUS_COLOR.stopped;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  } else ctx.fill();
  if (status === "restarting") {
    ctx.strokeStyle = STATUS_COLOR.restarting;
    ctx.setLineDash([3, 2]);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, r + 2.5, 0, Math.PI * 2);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (crashed && (status === "failed" || status === "restarting") && r >= 4) {
    ctx.strokeStyle = INK.onMark;
    ctx.lineWidth = Math.max(1.5, r / 4);
    cross(ctx, x, y, r * 0.45);
  }
  if (busy) {
    const since = Math.min(s.busyUntil[a] > o.t ? s.handleT[a] : Infinity, s.open[a] > 0 ? s.startT[a] : Infinity);
    if (o.t - since > HUNG_AFTER) {
      ctx.strokeStyle = HUNG;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, r + 2.5, 0, Math.PI * 2);
      ctx.stroke();
    }
  }
  if (s.errors[a] > 0 && r >= 4) {
    ctx.fillStyle = HANDLER_ERROR;
    ctx.beginPath();
    ctx.arc(x - r * 0.75, y - r * 0.75, Math.max(2.5, r * 0.35), 0, Math.PI * 2);
    ctx.fill();
  }
  if (a === o.selectedActor || a === o.hoverActor) {
    ctx.strokeStyle = a === o.selectedActor ? THEME.select : THEME.muted;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, r + 3.5, 0, Math.PI * 2);
    ctx.stroke();
  }
}
