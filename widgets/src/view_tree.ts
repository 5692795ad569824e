// The supervision tree view: every actor under its supervisor, folded to what fits legibly
// (draw_tree.ts); a double-click (or `c` on the selection) folds or unfolds a subtree, and a
// button in the corner switches node membership between a colour band and grouping by node.
// The forest is built once per set of actors and filters, the layout once per fold state and
// set of present and failed actors, and the counts follow the playhead at the cost of the
// actors that changed (tree_flags.ts), so a scrub step costs what changed and what is drawn.
import { buildModel, paintTree, pictureOf, refreshTexts, updateFlags, type NodeMode, type TreeModel, type TreePicture } from "./draw_tree";
import type { MeshState } from "./fold";
import { fmtTime } from "./scrubber";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { statusName } from "./scene";
import { hiddenCounts } from "./tree_budget";
import { TEXT_LINE, textY } from "./tree";
import { LifecycleIndex } from "./tree_flags";

class TreeRenderer implements Renderer {
  readonly foldsToPlayhead = true;
  private model: TreeModel | null = null;
  private pic: TreePicture | null = null;
  private picKey = "";
  private state: MeshState | null = null;
  private t = 0;
  /** The user's folds, by actor index (and -(node+1) for a node's group): they override the budget. */
  private readonly open = new Set<number>();
  private readonly closed = new Set<number>();
  private version = 0;
  private mode: NodeMode = "band";
  private readonly button: HTMLButtonElement;
  private readonly widths = new Map<string, number>();
  private measureCtx: CanvasRenderingContext2D | null = null;
  /** The store's lifecycle rows by fold position: what a scrub step looks at. */
  private readonly lifecycle: LifecycleIndex;

  constructor(private readonly cx: ViewContext) {
    this.lifecycle = new LifecycleIndex(cx.store);
    const off = cx.store.onChange((dirty) => this.lifecycle.dirty(dirty));
    cx.signal.addEventListener("abort", off, { once: true });
    const b = document.createElement("button");
    b.className = "ml-tree-mode";
    b.style.cssText = "position:absolute;top:4px;right:6px;z-index:2;font:11px system-ui,'Liberation Sans',sans-serif;padding:1px 6px;display:none;cursor:pointer";
    b.addEventListener("click", () => this.setMode(this.mode === "band" ? "group" : "band"), { signal: cx.signal });
    cx.stage.append(b);
    this.button = b;
    this.label();
  }

  private label(): void {
    this.button.textContent = this.mode === "band" ? "group by node" : "colour by node";
    this.button.title =
      this.mode === "band"
        ? "node membership is the bar under each actor, in its node's colour: group the tree by node instead"
        : "the tree is grouped by node (a child on another node than its supervisor starts under its own node): show one tree with node colours instead";
    this.cx.root.dataset.treeMode = this.mode;
  }

  setMode(mode: NodeMode): void {
    this.mode = mode;
    this.label();
    this.cx.invalidate();
  }

  /** The bold font is set on the context (by a measure, until `measured`). */
  private fontSet = false;

  /** Width of a label in the bold font: set once for all the measures of a frame, when one misses. */
  private measure = (s: string): number => {
    let w = this.widths.get(s);
    if (w === undefined) {
      const ctx = this.measureCtx!;
      if (!this.fontSet) {
        // setting a canvas font parses it: once, and only when a width is not known yet
        ctx.save();
        ctx.font = "bold 10px system-ui, 'Liberation Sans', sans-serif";
        this.fontSet = true;
      }
      if (this.widths.size > 20_000) this.widths.clear();
      this.widths.set(s, (w = ctx.measureText(s).width));
    }
    return w;
  };

  /** Put back the context's font after the measures of a frame. */
  private measured(): void {
    if (this.fontSet) this.measureCtx!.restore();
    this.fontSet = false;
  }

  paint(f: Frame): void {
    const t0 = performance.now();
    const { store, folder, root } = this.cx;
    const { ctx, w, h } = f;
    this.measureCtx = ctx;
    this.button.style.display = "";
    const s = folder.stateAt(f.t);
    const t1 = performance.now();
    this.state = s;
    this.t = f.t;
    const mkey = `${store.n}|${store.actorCodes.length}|${store.nodeCodes.length}|${f.filters.hideSystem}|${f.filters.actorClass}|${this.mode}`;
    if (this.model?.key !== mkey) this.model = buildModel(store, f.filters, this.mode, mkey);
    const m = this.model;
    const sig = updateFlags(m, s, f.t, store, this.lifecycle);
    const rect = { x: 14, y: 24, w: w - 28, h: h - 30 };
    const pkey = `${mkey}|${sig}|${this.version}|${rect.w}x${rect.h}`;
    if (pkey !== this.picKey || !this.pic) {
      const toItems = (set: Set<number>) => new Set([...set].map((a) => (a >= 0 ? m.itemOf[a] : m.actorOf.length + a)).filter((i) => i >= 0 && i < m.actorOf.length));
      this.pic = pictureOf(m, store, s, rect, { open: toItems(this.open), closed: toItems(this.closed) }, this.measure);
      this.picKey = pkey;
      root.dataset.treeLayouts = String(Number(root.dataset.treeLayouts ?? 0) + 1);
    }
    const pic = this.pic;
    // the count lines of folded items and stubs follow the counts between layouts
    refreshTexts(pic, m, store, s, this.measure);
    this.measured();
    paintTree(ctx, pic, m, store, s, { selectedActor: f.selectedActor, hoverActor: f.hoverActor, mode: this.mode, t: f.t, keyWidth: w - 130 });
    root.dataset.treeHidden = String(pic.hidden);
    root.dataset.treeShown = String(pic.shown.item.length);
    root.dataset.treeFolded = String(pic.shown.folded.filter(Boolean).length);
    // rows drawn, and how many families wrap onto several of them
    root.dataset.treeRows = String(pic.shown.depth.reduce((m, d) => Math.max(m, d + 1), 0));
    root.dataset.treeWrapped = String(pic.shown.wrap.filter((w) => w > 0).length);
    // of those, the families of workers and supervisors: supervisors' subtrees beside the block
    const kids = new Array<number>(pic.shown.item.length).fill(0);
    for (const p of pic.shown.parent) if (p >= 0) kids[p]++;
    root.dataset.treeMixed = String(pic.shown.block.filter((b, k) => b > 0 && b < kids[k]).length);
    const k = pic.actor.indexOf(f.selectedActor);
    if (f.selectedActor >= 0 && k >= 0) root.dataset.selectedXy = `${pic.place.px[k].toFixed(1)},${pic.place.py[k].toFixed(1)},${pic.place.r.toFixed(1)}`;
    else delete root.dataset.selectedXy;
    root.dataset.lod = pic.hidden ? "folded" : "detail";
    // what each stub and folded actor stands for, and where the first stub is drawn (tests)
    const folds: [string, number, number, number, number][] = [];
    let stubXy = "";
    pic.shown.item.forEach((item, k) => {
      if (!(item < 0 || pic.shown.folded[k])) return;
      const c = hiddenCounts(pic.shown, k, m.counts);
      const of = item < 0 ? pic.shown.stubOf[k] : item;
      const name = of < 0 ? "" : m.actorOf[of] >= 0 ? store.str(store.actorCodes[m.actorOf[of]]) : `node ${store.str(store.nodeCodes[-m.actorOf[of] - 1])}`;
      folds.push([`${item < 0 ? "more:" : ""}${name}`, c.present, c.failed, c.restarting, c.busy]);
      if (item < 0 && !stubXy) stubXy = `${pic.place.px[k].toFixed(1)},${pic.place.py[k].toFixed(1)}`;
    });
    root.dataset.treeFolds = JSON.stringify(folds.slice(0, 100));
    // each actor's text lines as drawn, with their boxes (x, y, w, h), for the legibility tests
    const texts: [string, string, number, number, number, number][] = [];
    const p = pic.place;
    for (let k = 0; k < pic.actor.length && texts.length < 400; k++) {
      if (pic.actor[k] < 0) continue;
      const name = store.str(store.actorCodes[pic.actor[k]]);
      for (const [n, line, tw] of [[1, p.line1[k], p.w1[k]], [2, p.line2[k], p.w2[k]]] as const) {
        if (!line) continue;
        const y = textY(p, k, n) - TEXT_LINE / 2;
        texts.push([name, line, +(p.px[k] - tw / 2).toFixed(1), +y.toFixed(1), +tw.toFixed(1), TEXT_LINE]);
      }
    }
    root.dataset.treeTexts = JSON.stringify(texts);
    root.dataset.treeStubXy = stubXy;
    // the fold to t (shared with every view) and the tree's own work, apart, for the benchmark
    root.dataset.treeFoldMs = (t1 - t0).toFixed(2);
    root.dataset.treeMs = (performance.now() - t1).toFixed(2);
    // how the counts followed: in one pass over every actor, or over the lifecycle rows between
    root.dataset.treeCounts = m.tracker.stats.full ? "full" : String(m.tracker.stats.rows);
  }

  /** The shown index under (x, y): a glyph (with its rings) or its text lines. */
  private at(x: number, y: number): number {
    const pic = this.pic;
    if (!pic) return -1;
    const p = pic.place;
    for (let k = 0; k < p.px.length; k++) {
      const half = Math.max(p.r + 4, Math.min(p.cell, p.hi[k] - p.lo[k]) / 2 - 1);
      if (Math.abs(x - p.px[k]) <= half && y >= p.py[k] - p.r - 4 && y <= p.py[k] + p.r + 5 + 24) return k;
    }
    return -1;
  }

  actorAt(x: number, y: number): number {
    const k = this.at(x, y);
    return k < 0 ? -1 : (this.pic?.actor[k] ?? -1);
  }

  tip(x: number, y: number): string {
    const k = this.at(x, y);
    const pic = this.pic;
    const m = this.model;
    const s = this.state;
    if (k < 0 || !pic || !m || !s) return "";
    const { store } = this.cx;
    const c = hiddenCounts(pic.shown, k, m.counts);
    const hides = c.present
      ? `\nhides ${c.present.toLocaleString("en-US")} actor(s): ${c.failed} failed, ${c.restarting} restarting, ${c.busy} busy`
      : "";
    if (pic.tagNode[k] >= 0) return `node ${store.str(store.nodeCodes[pic.tagNode[k]])}${hides}\ndouble-click to fold or unfold`;
    const a = pic.actor[k];
    if (a < 0) {
      const parent = pic.shown.stubOf[k];
      const of = parent >= 0 && m.actorOf[parent] >= 0 ? store.str(store.actorCodes[m.actorOf[parent]]) : this.mode === "group" ? "the nodes not drawn" : "the top level";
      return `${c.present.toLocaleString("en-US")} more under ${of}, not drawn${hides.replace(/^\nhides [^:]*/, "\nof them")}\ndouble-click its parent to draw them all, or use the table view`;
    }
    const node = s.node[a] >= 0 ? store.str(store.nodeCodes[s.node[a]]) : "";
    const status = ` · ${statusName(s, a, this.t)}`;
    const life = s.restarts[a] ? ` · ${s.restarts[a]} restart(s)` : "";
    const since = s.lifeRow[a] >= 0 ? ` since t=${fmtTime(store.t.data[s.lifeRow[a]])}` : "";
    return `${store.str(store.actorCodes[a])}${status} · on ${node}${life}${since}\n${store.str(store.actorClass[a])}${hides}`;
  }

  click(x: number, y: number): void {
    const a = this.actorAt(x, y);
    if (a >= 0) return this.cx.ctl.selectActor(a);
    this.cx.ctl.select({ kind: "none" });
  }

  dblclick(x: number, y: number): void {
    const k = this.at(x, y);
    const pic = this.pic;
    if (k < 0 || !pic) return;
    if (pic.tagNode[k] >= 0) return this.toggle(-(pic.tagNode[k] + 1), pic.shown.folded[k]);
    if (pic.actor[k] >= 0) return this.toggle(pic.actor[k], pic.shown.folded[k]);
    // a stub: draw all of its parent's children
    const parent = pic.shown.stubOf[k];
    const m = this.model;
    if (parent >= 0 && m) this.toggle(m.actorOf[parent], true);
  }

  fold(a: number): void {
    if (a < 0 || !this.pic) return;
    const k = this.pic.actor.indexOf(a);
    this.toggle(a, k >= 0 && this.pic.shown.folded[k]);
  }

  private toggle(key: number, isFolded: boolean): void {
    if (isFolded) {
      this.closed.delete(key);
      this.open.add(key);
    } else {
      this.open.delete(key);
      this.closed.add(key);
    }
    this.version++;
    this.cx.invalidate();
  }

  leave(): void {
    this.pic = null;
    this.picKey = "";
    this.button.style.display = "none";
  }
}

export const treeView: ViewModule = {
  name: "tree",
  label: "tree",
  title: "the supervision tree: parents above their children, folded to what fits (double-click or c folds; v)",
  create: (cx) => new TreeRenderer(cx),
};
