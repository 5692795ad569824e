// The space-time view: one lane per actor (or node), messages as arrows between lanes, the
// playhead at 70 % of the width; the wheel zooms the time window, a click in the plot moves the
// playhead, a click on a lane's label selects its actor or node.
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { chooseLanes, paintSpacetime, type SpacetimeHit } from "./spacetime";

/** Width of the lane labels on the left, where a click selects instead of moving the playhead. */
const LABELS_W = 120;
/** The top of the first lane (below the time axis). */
const LANES_TOP = 28;

class SpacetimeRenderer implements Renderer {
  /** The space-time view does not fold: the inspector folds to the playhead itself. */
  readonly foldsToPlayhead = false;
  private hit: SpacetimeHit | null = null;
  private span = 0; // window width in seconds, 0 = a sixth of the trace

  constructor(private readonly cx: ViewContext) {}

  paint(f: Frame): void {
    const { store, builder, ctl } = this.cx;
    const lanes = chooseLanes(store, f.filters, ctl.lanes(), f.metaNodes);
    const fullSpan = Math.max(1e-9, store.t1 - store.t0);
    const sp = this.span > 0 ? this.span : Math.max(fullSpan / 6, 1e-6);
    const typeOf = (code: number) => typeColor(builder.typeIndex(store, code));
    const selLane = lanes.byActors ? (f.selectedActor >= 0 ? lanes.laneOf[f.selectedActor] : -1) : f.selectedNode >= 0 ? lanes.laneOf[f.selectedNode] : -1;
    this.hit = paintSpacetime(f.ctx, store, { t: f.t, span: sp, width: f.w, height: f.h }, lanes, f.filters, typeOf, selLane);
  }

  actorAt(): number {
    return -1;
  }

  tip(x: number, y: number): string {
    const st = this.hit;
    if (!st || x >= LABELS_W) return "";
    const i = Math.floor((y - LANES_TOP) / Math.max(1, st.laneY(1) - st.laneY(0)));
    return i >= 0 && i < st.lanes.labels.length ? st.lanes.labels[i] : "";
  }

  click(x: number, y: number): void {
    const st = this.hit;
    if (!st) return;
    const { ctl } = this.cx;
    if (x < LABELS_W) {
      const step = st.laneY(1) - st.laneY(0) || 1;
      const id = st.lanes.ids[Math.floor((y - LANES_TOP) / step)];
      if (id === undefined) return;
      return st.lanes.byActors ? ctl.selectActor(id) : ctl.selectNode(id);
    }
    // a click in the plot moves the playhead there
    const x0 = st.xOf(0);
    const x1 = st.xOf(1);
    if (x1 !== x0) ctl.setPlayhead((x - x0) / (x1 - x0), true);
  }

  wheel(e: WheelEvent): boolean {
    const { store } = this.cx;
    const full = Math.max(1e-9, store.t1 - store.t0);
    const cur = this.span > 0 ? this.span : full / 6;
    this.span = Math.max(full / 1e5, Math.min(full * 2, cur * Math.exp(e.deltaY * 0.002)));
    this.cx.invalidate();
    return true;
  }

  leave(): void {
    this.hit = null;
  }
}

export const spacetimeView: ViewModule = {
  name: "spacetime",
  label: "space-time",
  title: "lanes and arrows, a Lamport diagram (v)",
  create: (cx) => new SpacetimeRenderer(cx),
};
