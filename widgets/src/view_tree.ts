// The supervision tree view: the topology scene's actors placed as a tidy tree; a double-click
// (or `c` on the selection) folds an actor's subtree away.
import { paintTree, treeScene, type TreeScene } from "./draw_tree";
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { hitActor, publishSelected, sceneTip } from "./scene_hit";

class TreeRenderer implements Renderer {
  readonly foldsToPlayhead = true;
  private scene: TreeScene | null = null;
  /** Actors whose subtrees are folded away (actor indexes). */
  private readonly collapsed = new Set<number>();

  constructor(private readonly cx: ViewContext) {}

  paint(f: Frame): void {
    const { store, folder, builder, ctl, root } = this.cx;
    const { ctx, w, h } = f;
    const sc = builder.build(store, folder, f.t, { x: 10, y: 10, w: w - 20, h: h - 20 }, { ...f.filters, supervision: false }, ctl.speed(), f.metaNodes, typeColor);
    const tree = treeScene(sc, store, { x: 16, y: 12, w: w - 32, h: h - 24 }, this.collapsed);
    root.dataset.treeHidden = String(tree.hidden);
    this.scene = tree;
    paintTree(ctx, tree, { selectedActor: f.selectedActor, hoverActor: f.hoverActor });
    root.dataset.lod = sc.lod.aggregateActors ? "aggregate" : "detail";
    if (sc.lod.aggregateActors) {
      ctx.fillStyle = "#555";
      ctx.textAlign = "center";
      ctx.fillText(`${sc.visibleActors.toLocaleString()} actors: too many for the tree view yet; filter by class or hide system actors`, w / 2, h / 2);
    }
    publishSelected(root, tree, f.selectedActor);
  }

  actorAt(x: number, y: number): number {
    return hitActor(this.scene, x, y);
  }

  tip(x: number, y: number): string {
    return sceneTip(this.scene, this.cx.store, x, y);
  }

  click(x: number, y: number): void {
    if (!this.scene) return;
    const a = hitActor(this.scene, x, y);
    if (a >= 0) return this.cx.ctl.selectActor(a);
    this.cx.ctl.select({ kind: "none" }); // the tree has no node regions
  }

  dblclick(x: number, y: number): void {
    this.fold(hitActor(this.scene, x, y));
  }

  fold(a: number): void {
    if (a < 0) return;
    if (this.collapsed.has(a)) this.collapsed.delete(a);
    else this.collapsed.add(a);
    this.cx.invalidate();
  }

  leave(): void {
    this.scene = null;
  }
}

export const treeView: ViewModule = {
  name: "tree",
  label: "tree",
  title: "the supervision tree: parents above their children (v)",
  create: (cx) => new TreeRenderer(cx),
};
