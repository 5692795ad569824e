// The topology view: nodes as regions, actors in them, messages in flight between them, and the
// MeshOS deck over it when the trace has engine events.
import { paintDeck } from "./draw_deck";
import { BADGE_FONT, PartitionLayer } from "./draw_partition";
import { paintTopology } from "./draw_topology";
import { defaultWindow } from "./flows";
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import type { Scene } from "./scene";
import { hitActor, hitNode, publishSelected, sceneTip } from "./scene_hit";

class TopologyRenderer implements Renderer {
  readonly foldsToPlayhead = true;
  private scene: Scene | null = null;
  /** Partition sides, the cut line and the drop count per link, over the regions. */
  private readonly partition: PartitionLayer;

  constructor(private readonly cx: ViewContext) {
    this.partition = new PartitionLayer(cx.store);
  }

  paint(f: Frame): void {
    const { store, folder, builder, ctl, deck, root } = this.cx;
    const sc = builder.build(store, folder, f.t, { x: 10, y: 10, w: f.w - 20, h: f.h - 20 }, f.filters, ctl.speed(), f.metaNodes, typeColor);
    this.scene = sc;
    f.ctx.font = BADGE_FONT;
    const pic = this.partition.build(sc, folder.state, f.t, defaultWindow(store.t1 - store.t0), (s) => f.ctx.measureText(s).width);
    // the sides and the count per link replace the cut scissors and the crosses between nodes
    if (pic.sides?.clean) sc.cuts = [];
    sc.drops = sc.drops.filter((d) => !this.partition.counted(d.m));
    paintTopology(f.ctx, sc, { selectedActor: f.selectedActor, selectedNode: f.selectedNode, hoverActor: f.hoverActor });
    this.partition.paint(f.ctx, sc);
    this.partition.publish(root);
    const b0 = pic.badges[0];
    root.dataset.dropBadgeXy = b0 ? `${(b0.x + b0.w / 2).toFixed(1)},${(b0.y + b0.h / 2).toFixed(1)}` : "";
    root.dataset.dropBadges = pic.badges.map((b) => `${store.str(store.nodeCodes[b.drop.from])}>${store.str(store.nodeCodes[b.drop.to])}:${b.drop.count}`).join(" ");
    // the deck changes with the playhead and the data; a redraw for a hover reuses it
    const d = f.engine ? deck.at(f.t, () => folder.state, ctl.desired()) : null;
    if (d) paintDeck(f.ctx, sc, d);
    root.dataset.transit = String(d?.transit.length ?? 0);
    root.dataset.lod = sc.lod.aggregateActors || sc.lod.flows ? "aggregate" : "detail";
    publishSelected(root, sc, f.selectedActor);
    root.dataset.inFlight = String(sc.inFlight);
  }

  actorAt(x: number, y: number): number {
    return hitActor(this.scene, x, y);
  }

  tip(x: number, y: number): string {
    return this.partition.tip(x, y) || sceneTip(this.scene, this.cx.store, x, y);
  }

  click(x: number, y: number): void {
    if (!this.scene) return;
    const { ctl } = this.cx;
    const a = hitActor(this.scene, x, y);
    if (a >= 0) return ctl.selectActor(a);
    const n = hitNode(this.scene, x, y);
    if (n >= 0) return ctl.selectNode(n);
    ctl.select({ kind: "none" });
  }

  leave(): void {
    this.scene = null;
  }
}

export const topologyView: ViewModule = {
  name: "topology",
  label: "topology",
  title: "nodes, actors and messages (v)",
  create: (cx) => new TopologyRenderer(cx),
};
