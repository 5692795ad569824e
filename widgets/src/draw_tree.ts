// The supervision tree view: the topology scene's actors (same status, restarts, selection,
// inspector and playhead) re-placed as a tidy tree, with parent -> child elbows, and each
// actor's node named beside its glyph in that node's colour.
import { paintTopology } from "./draw_topology";
import { THEME, typeColor } from "./palette";
import type { Scene } from "./scene";
import type { EventStore } from "./store";
import { placeTree, tidyTree, type Elbow } from "./tree";

export interface TreeScene extends Scene {
  /** Parent -> child edges; `from` and `to` index `actors`. */
  elbows: Elbow[];
  /** The node of each of `actors`, by name. */
  nodeName: string[];
  /** Per shown actor folded away: how many actors its subtree hides, and how many of them are failed or restarting. */
  folded: Map<number, { hidden: number; down: number }>;
  hidden: number;
  cell: number;
}

/**
 * Re-place the actors of a topology scene as the supervision tree inside `rect`. The subtrees
 * of actors in `collapsed` (actor indexes) are folded away into a count on their root, which
 * says how many of the hidden are failed or restarting, so a crash is never out of sight.
 */
export function treeScene(
  sc: Scene,
  store: EventStore,
  rect: { x: number; y: number; w: number; h: number },
  collapsed: ReadonlySet<number> = new Set(),
): TreeScene {
  const at = new Map(sc.actors.map((a, i) => [a.idx, i]));
  const up = sc.actors.map((a) => {
    const p = store.actorOf.get(store.actorParent[a.idx]);
    return p === undefined ? -1 : (at.get(p) ?? -1);
  });
  // the top-most folded ancestor of each actor (-1: shown)
  const foldedBy = sc.actors.map((_a, i) => {
    let top = -1;
    for (let p = up[i], steps = 0; p >= 0 && steps < up.length; p = up[p], steps++) {
      if (collapsed.has(sc.actors[p].idx)) top = p;
    }
    return top;
  });
  const shown: number[] = [];
  const folded = new Map<number, { hidden: number; down: number }>();
  sc.actors.forEach((a, i) => {
    const f = foldedBy[i];
    if (f < 0) return void shown.push(i);
    const c = folded.get(sc.actors[f].idx) ?? { hidden: 0, down: 0 };
    c.hidden++;
    if (a.status === "failed" || a.status === "restarting") c.down++;
    folded.set(sc.actors[f].idx, c);
  });
  const pos = new Map(shown.map((i, k) => [i, k]));
  const parent = shown.map((i) => (up[i] >= 0 ? (pos.get(up[i]) ?? -1) : -1));
  const lay = tidyTree({ parent });
  const p = placeTree(lay, rect);
  const actors = shown.map((i, k) => ({ ...sc.actors[i], x: p.px[k], y: p.py[k], r: p.r }));
  const nodeName = actors.map((a) => store.str(store.nodeCodes[a.node]));
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
    folded,
    hidden: sc.actors.length - shown.length,
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
  // a folded subtree: "+N" beside its root, red with the count of its failed or restarting
  ctx.font = "bold 10px system-ui, 'Liberation Sans', sans-serif";
  ctx.textAlign = "left";
  for (const a of sc.actors) {
    const f = sc.folded.get(a.idx);
    if (!f) continue;
    ctx.fillStyle = f.down ? "#d62828" : THEME.muted;
    ctx.fillText(`+${f.hidden}${f.down ? ` (${f.down} not running)` : ""}`, a.x + a.r + 3, a.y + a.r);
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
