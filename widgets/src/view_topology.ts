// The topology view: nodes as regions, actors in them, messages in flight between them, and the
// MeshOS deck over it when the trace has engine events. Above ZONE_MIN nodes the nodes are drawn
// in zones; the wheel or a double-click zooms into one zone and back out.
import { paintDeck } from "./draw_deck";
import { BADGE_FONT, PartitionLayer } from "./draw_partition";
import { headerEnds } from "./partition_chip";
import { badgeLabel } from "./partition_badges";
import { clipOutNames, nameBoxes } from "./draw_actor_labels";
import { markBoxes } from "./draw_transient";
import type { TextBox } from "./zones";
import { widthOf } from "./text_width";
import { paintTopology } from "./draw_topology";
import { zoneAt } from "./draw_zones";
import { defaultWindow } from "./flows";
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import type { Scene } from "./scene";
import { hitActor, hitNode, publishSelected, publishZones, sceneTip } from "./scene_hit";

/** After a zoom, the rest of the wheel gesture is swallowed (it would scroll the page). */
const WHEEL_SETTLE_MS = 400;

class TopologyRenderer implements Renderer {
  readonly foldsToPlayhead = true;
  private scene: Scene | null = null;
  /** Partition sides, the cut line and the drop count per link, over the regions. */
  private readonly partition: PartitionLayer;
  /** The zone zoomed into, by name ("" for all zones). */
  private focus = "";
  private zoomedAt = -Infinity;

  constructor(private readonly cx: ViewContext) {
    this.partition = new PartitionLayer(cx.store);
  }

  paint(f: Frame): void {
    const { store, folder, builder, ctl, deck, root } = this.cx;
    const meta = ctl.meta() as { meshos?: { zones?: Record<string, string> } };
    const sc = builder.build(store, folder, f.t, { x: 10, y: 10, w: f.w - 20, h: f.h - 20 }, f.filters, ctl.speed(), f.metaNodes, typeColor, { focus: this.focus, meta: meta.meshos?.zones });
    this.scene = sc;
    const pic = this.partition.build(sc, folder.state, f.t, defaultWindow(store.t1 - store.t0), (s, font = BADGE_FONT) => widthOf(f.ctx, font, s));
    // the sides and the count per link replace the cut scissors and the crosses between nodes
    if (pic.sides?.clean) sc.cuts = [];
    sc.drops = sc.drops.filter((d) => !this.partition.counted(d.m));
    // in the zone overview a selected actor is not drawn: its node's cell is outlined instead
    const actorNode = f.selectedActor >= 0 && f.selectedActor < folder.state.cap ? folder.state.node[f.selectedActor] : -1;
    const selectedNode = sc.zones && sc.zones.focus < 0 && f.selectedNode < 0 ? actorNode : f.selectedNode;
    // the chips the partition layer draws at the headers' right ends, as it placed them: the
    // headers' state words end before them, and they are texts too
    const headerEnd = headerEnds(pic.chips);
    const nodeName = (n: number) => store.str(store.nodeCodes[n]);
    // so are the partition's drop counts, placed under the headers: the actors' names and the
    // deck's texts keep clear of them
    const reserved = [...pic.chips.map((c) => c.box), ...pic.badges.map((b): TextBox => ({ text: badgeLabel(b, nodeName), x: b.x, y: b.y, w: b.w, h: b.h, bold: true, ink: "text" }))];
    const texts = paintTopology(f.ctx, sc, { selectedActor: f.selectedActor, selectedNode, hoverActor: f.hoverActor, headerEnd, reserved });
    // the partition's curves and the deck's lines break off at the actors' names, as the
    // rings, messages and drops under them do
    const names = nameBoxes(texts);
    f.ctx.save();
    clipOutNames(f.ctx, names);
    this.partition.paint(f.ctx, sc, texts);
    f.ctx.restore();
    this.partition.publish(root);
    if (sc.caption && pic.sides && pic.sides.groups.length > 1 && root.dataset.captionBox) {
      // the partition's caption, where the layer wrote it (inside the place the scene kept for
      // it, clear of the notes)
      const [x, y, w, h] = root.dataset.captionBox.split(",").map(Number);
      texts.push({ text: "partition", x, y, w, h, bold: false, ink: "text" });
    }
    const b0 = pic.badges[0];
    root.dataset.dropBadgeXy = b0 ? `${(b0.x + b0.w / 2).toFixed(1)},${(b0.y + b0.h / 2).toFixed(1)}` : "";
    root.dataset.dropBadges = pic.badges.map((b) => `${store.str(store.nodeCodes[b.drop.from])}>${store.str(store.nodeCodes[b.drop.to])}:${b.drop.count}`).join(" ");
    // the deck changes with the playhead and the data; a redraw for a hover reuses it
    const d = f.engine ? deck.at(f.t, () => folder.state, ctl.desired()) : null;
    if (d) {
      f.ctx.save();
      clipOutNames(f.ctx, names);
      paintDeck(f.ctx, sc, d, texts);
      f.ctx.restore();
    }
    // the passing marks (rings, messages, drops) where actors' names are drawn, for a test to
    // check the names against: what each is, and its box
    const marks = names.length ? markBoxes(sc) : [];
    root.dataset.marks = marks.map((m) => m.text).join(" ");
    root.dataset.markBoxes = marks.map((m) => [m.x, m.y, m.w, m.h].map((v) => v.toFixed(1)).join(",")).join(";");
    root.dataset.transit = String(d?.transit.length ?? 0);
    root.dataset.lod = sc.lod.aggregateActors || sc.lod.flows ? "aggregate" : "detail";
    publishSelected(root, sc, f.selectedActor);
    publishZones(root, sc, store, texts);
    // the canvas size the text boxes were laid out for (a test waits until it is the canvas's)
    root.dataset.textArea = `${Math.round(f.w)}x${Math.round(f.h)}`;
    root.dataset.inFlight = String(sc.inFlight);
  }

  actorAt(x: number, y: number): number {
    return hitActor(this.scene, x, y);
  }

  tip(x: number, y: number): string {
    return this.partition.tip(x, y) || sceneTip(this.scene, this.cx.store, x, y);
  }

  /** Zoom into a zone by name ("" for all zones). */
  private zoom(name: string): void {
    if (name === this.focus) return;
    this.focus = name;
    this.zoomedAt = performance.now();
    this.cx.invalidate();
  }

  click(x: number, y: number): void {
    if (!this.scene) return;
    const { ctl } = this.cx;
    const zs = this.scene.zones;
    if (zs && zs.focus >= 0) {
      // the side column: back to all zones, or over to another zone
      const z = zoneAt(zs, x, y);
      if (z === -2) return this.zoom("");
      if (z >= 0 && z !== zs.focus) return this.zoom(zs.zones.find((r) => r.idx === z)?.name ?? "");
    }
    const a = hitActor(this.scene, x, y);
    if (a >= 0) return ctl.selectActor(a);
    const n = hitNode(this.scene, x, y);
    if (n >= 0) return ctl.selectNode(n);
    ctl.select({ kind: "none" });
  }

  dblclick(x: number, y: number): void {
    const zs = this.scene?.zones;
    if (!zs) return;
    if (zs.focus >= 0) {
      if (zoneAt(zs, x, y) === -1 && hitNode(this.scene, x, y) < 0) this.zoom("");
      return;
    }
    const z = zoneAt(zs, x, y);
    if (z >= 0) this.zoom(zs.zones.find((r) => r.idx === z)?.name ?? "");
  }

  wheel(e: WheelEvent): boolean {
    const zs = this.scene?.zones;
    if (!zs) return false;
    if (performance.now() - this.zoomedAt < WHEEL_SETTLE_MS) return true;
    if (e.deltaY < 0 && zs.focus < 0) {
      const z = zoneAt(zs, e.offsetX, e.offsetY);
      if (z < 0) return false;
      this.zoom(zs.zones.find((r) => r.idx === z)?.name ?? "");
      return true;
    }
    if (e.deltaY > 0 && zs.focus >= 0) {
      this.zoom("");
      return true;
    }
    return false;
  }

  leave(): void {
    this.scene = null;
  }
}

export const topologyView: ViewModule = {
  name: "topology",
  label: "topology",
  title: "nodes, actors and messages (v); the wheel zooms into a zone",
  create: (cx) => new TopologyRenderer(cx),
};
