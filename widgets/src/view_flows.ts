// The flows view ("who talks to whom"): actors on a circle in traffic order, edges for the
// messages of a trailing window, thickness by rate and colour by type; nodes instead past a few
// hundred actors, and the topology's zones past ZONE_MIN nodes (a click on a zone shows its
// nodes, the "‹ all zones" button or a double-click on empty space goes back). The wheel widens
// or narrows the window; hover an edge for its latency.
import { FlowsRenderer } from "./draw_flows";
import { ZONE_DOT } from "./flow_anchors";
import { defaultWindow } from "./flows";
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";

class FlowsView implements Renderer {
  readonly foldsToPlayhead = true;
  private readonly flows: FlowsRenderer;
  private painted = false;
  private window = 0; // trace seconds, 0 = the default
  /** The zone zoomed into, by name ("" for all zones). */
  private focus = "";

  constructor(private readonly cx: ViewContext) {
    this.flows = new FlowsRenderer(cx.store);
  }

  paint(f: Frame): void {
    const { store, folder, builder, root, ctl } = this.cx;
    const s = folder.stateAt(f.t);
    const meta = ctl.meta() as { meshos?: { zones?: Record<string, string> } };
    this.flows.paint(f.ctx, s, {
      t: f.t,
      area: { x: 10, y: 10, w: f.w - 20, h: f.h - 20 },
      filters: f.filters,
      metaNodes: f.metaNodes,
      window: this.window,
      selectedActor: f.selectedActor,
      selectedNode: f.selectedNode,
      hoverActor: f.hoverActor,
      typeIndex: (code) => builder.typeIndex(store, code),
      typeColor,
      zoneFocus: this.focus,
      zoneMeta: meta.meshos?.zones,
    });
    this.painted = true;
    const sc = this.flows.scene!;
    root.dataset.lod = sc.byNode ? "aggregate" : "detail";
    root.dataset.flows = String(sc.lines.length);
    root.dataset.flowWindow = String(this.flows.w);
    root.dataset.flowDots = String(this.flows.dotsDrawn);
    root.dataset.flowMs = this.flows.updateMs.toFixed(3);
    root.dataset.flowTouched = String(this.flows.win.touched); // messages added or removed
    // for tests: the edges as from>to:count, and where the selected actor is drawn
    const name = (i: number) => this.flows.dotName(i, sc.byNode);
    // every text drawn (data-texts says what each box holds) and the size they were laid out
    // for, as the topology publishes them: a test proves that none overlaps another
    const texts = this.flows.texts;
    root.dataset.textBoxes = texts.map((t) => `${t.x.toFixed(1)},${t.y.toFixed(1)},${t.w.toFixed(1)},${t.h.toFixed(1)}`).join(";");
    root.dataset.texts = texts.map((t) => t.text).join("\n");
    root.dataset.textArea = `${Math.round(f.w)}x${Math.round(f.h)}`;
    // edges with traffic not drawn (weaker than the busiest shown) and labels with no room
    root.dataset.flowHidden = `${sc.hidden.edges},${sc.hidden.messages},${sc.total}`;
    root.dataset.flowLabels = `${sc.dots.length - this.flows.labelsLeftOut}/${sc.dots.length}`;
    const zs = this.flows.zones;
    root.dataset.flowZoneFocus = zs && zs.focus >= 0 ? zs.zoning.zones[zs.focus].name : "";
    root.dataset.flowZones = zs
      ? JSON.stringify({
          source: zs.zoning.source,
          zones: zs.zoning.zones.map((z) => ({ name: z.name, nodes: z.nodes.length })),
          back: zs.back ? [zs.back.x, zs.back.y, zs.back.w, zs.back.h] : null,
        })
      : "";
    root.dataset.flowEdges = sc.lines.map((l) => `${name(l.from)}>${name(l.to)}:${l.count}`).sort().join(" ");
    // the cut links drawn (a~b, once per pair) and each dot's partition side, as the topology's data-sides
    root.dataset.flowCuts = sc.cuts.map((c) => `${name(c.a)}~${name(c.b)}`).join(" ");
    root.dataset.flowSides = [...sc.sideOf].map(([i, side]) => `${name(i)}:${String.fromCharCode(65 + (side % 26))}`).join(" ");
    // the busiest edge's middle and every dot's centre, so a test can hover and click them
    const top = sc.lines[0];
    if (top) {
      const dx = top.x1 - top.x0;
      const dy = top.y1 - top.y0;
      root.dataset.flowMid = `${((top.x0 + top.x1) / 2 - dy * 0.08).toFixed(1)},${((top.y0 + top.y1) / 2 + dx * 0.08).toFixed(1)}`;
    } else delete root.dataset.flowMid;
    root.dataset.flowDotsXy = sc.dots.length <= 64 ? sc.dots.map((d) => `${name(d.idx)}=${d.x.toFixed(1)},${d.y.toFixed(1)}`).join(" ") : "";
    const sel = sc.dots.find((d) => !sc.byNode && d.idx === f.selectedActor);
    if (sel) root.dataset.selectedXy = `${sel.x.toFixed(1)},${sel.y.toFixed(1)},${sel.r.toFixed(1)}`;
    else delete root.dataset.selectedXy;
  }

  actorAt(x: number, y: number): number {
    const hit = this.painted ? this.flows.hitDot(x, y) : null;
    return hit && !hit[1] ? hit[0] : -1;
  }

  tip(x: number, y: number): string {
    if (!this.painted) return "";
    const { store } = this.cx;
    const hit = this.flows.hitDot(x, y);
    if (this.flows.hitBack(x, y)) return "back to all zones";
    if (hit) {
      const [i, byNode] = hit;
      return byNode ? this.flows.dotTip(i) : `${store.str(store.actorCodes[i])}\n${store.str(store.actorClass[i])}`;
    }
    return this.flows.tip(x, y);
  }

  click(x: number, y: number): void {
    if (!this.painted) return;
    const { ctl } = this.cx;
    if (this.flows.hitBack(x, y)) return this.zoom("");
    const hit = this.flows.hitDot(x, y);
    if (!hit) return ctl.select({ kind: "none" });
    // a zone's dot opens the zone: its nodes on the circle, the other zones around them
    if (hit[1] && hit[0] >= ZONE_DOT) return this.zoom(this.flows.zones?.zoning.zones[hit[0] - ZONE_DOT]?.name ?? "");
    return hit[1] ? ctl.selectNode(hit[0]) : ctl.selectActor(hit[0]);
  }

  dblclick(x: number, y: number): void {
    if (this.painted && this.focus && !this.flows.hitDot(x, y)) this.zoom("");
  }

  /** Zoom into a zone by name ("" for all zones). */
  private zoom(name: string): void {
    if (name === this.focus) return;
    this.focus = name;
    this.cx.invalidate();
  }

  wheel(e: WheelEvent): boolean {
    const { store } = this.cx;
    const full = Math.max(1e-9, store.t1 - store.t0);
    const cur = this.window > 0 ? this.window : defaultWindow(full);
    this.window = Math.max(full / 1e5, Math.min(full, cur * Math.exp(e.deltaY * 0.002)));
    this.cx.invalidate();
    return true;
  }

  leave(): void {
    this.painted = false;
  }
}

export const flowsView: ViewModule = {
  name: "flows",
  label: "flows",
  title: "who talks to whom: message rates between actors over a trailing window; wheel widens it, a click on a zone opens it (v)",
  create: (cx) => new FlowsView(cx),
};
