// The supervision tree view: the topology scene's actors (same status, restarts, selection,
// inspector and playhead) re-placed as a tidy tree, with parent -> child elbows, and each
// actor's node named beside its glyph in that node's colour.
import { paintTopology } from "./draw_topology";
import { typeColor } from "./palette";
import type { Scene } from "./scene";
import type { EventStore } from "./store";
import { placeTree, tidyTree, type Elbow } from "./tree";

export interface TreeScene extends Scene {
  /** Parent -> child edges; `from` and `to` index `actors`. */
  elbows: Elbow[];
  /** The node of each of `actors`, by name. */
  nodeName: string[];
  cell: number;
}

/** Re-place the actors of a topology scene as the supervision tree inside `rect`. */
export function treeScene(sc: Scene, store: EventStore, rect: { x: number; y: number; w: number; h: number }): TreeScene {
  const at = new Map(sc.actors.map((a, i) => [a.idx, i]));
  const parent = sc.actors.map((a) => {
    const p = store.actorOf.get(store.actorParent[a.idx]);
    return p === undefined ? -1 : (at.get(p) ?? -1);
  });
  const lay = tidyTree({ parent });
  const p = placeTree(lay, rect);
  const actors = sc.actors.map((a, i) => ({ ...a, x: p.px[i], y: p.py[i], r: p.r }));
  const nodeName = sc.actors.map((a) => store.str(store.nodeCodes[a.node]));
  return {
    ...sc,
    nodes: [],
    actors,
    msgs: [],
    drops: [],
    moments: [],
    cuts: [],
    flows: [],
    supervision: [],
    elbows: p.elbows,
    nodeName,
    cell: p.cell,
  };
}

export function paintTree(ctx: CanvasRenderingContext2D, sc: TreeScene, o: { selectedActor: number; hoverActor: number }): void {
  paintTopology(ctx, sc, { selectedActor: o.selectedActor, selectedNode: -1, hoverActor: o.hoverActor });
  // edges (painted after, as painting the glyphs clears the canvas; they never reach a glyph
  // or a label): parent -> child, an arrowhead at the child
  ctx.strokeStyle = "#8d96a0";
  ctx.fillStyle = "#8d96a0";
  ctx.lineWidth = 1.2;
  for (const e of sc.elbows) {
    ctx.beginPath();
    e.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    const [x, y] = e.points[e.points.length - 1];
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x - 3.5, y - 5);
    ctx.lineTo(x + 3.5, y - 5);
    ctx.closePath();
    ctx.fill();
  }
  // node membership: the node's name beside each glyph, in a colour per node
  if (sc.cell >= 36) {
    ctx.font = "bold 9px system-ui, 'Liberation Sans', sans-serif";
    ctx.textAlign = "right";
    sc.actors.forEach((a, i) => {
      ctx.fillStyle = typeColor(a.node);
      ctx.fillText(sc.nodeName[i], a.x - a.r - 3, a.y + a.r);
    });
    ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
  }
}
