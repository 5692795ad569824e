// A partition's sides on the topology view: each side's regions outlined and tinted in its
// colour, and the dashed cut line between the sides (the letter chips in the headers are placed
// with the other header chips, partition_chip.ts).
import type { CutSegment, Sides } from "./partition";
import { PARTITION, SIDE_COLOR } from "./palette";
import type { Scene } from "./scene";

export const sideColor = (i: number) => SIDE_COLOR[i % SIDE_COLOR.length];

/** Paints the sides and the cut line between them. */
export function paintSides(ctx: CanvasRenderingContext2D, sc: Scene, sides: Sides, segments: CutSegment[]): void {
  // each side: its regions outlined in its colour
  for (const n of sc.nodes) {
    const i = sides.sideOf.get(n.idx);
    if (i === undefined) continue;
    const c = sideColor(i);
    ctx.strokeStyle = c;
    // zone cells sit 3 px apart and have a name line, not a header: a thin outline
    const cell = sc.zones !== null && sc.zones.focus < 0;
    ctx.lineWidth = cell ? 2 : 3;
    if (cell) ctx.strokeRect(n.box.x - 1, n.box.y - 1, n.box.w + 2, n.box.h + 2);
    else ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
    ctx.globalAlpha = 0.08;
    ctx.fillStyle = c;
    ctx.fillRect(n.box.x, n.box.y, n.box.w, n.box.h);
    ctx.globalAlpha = 1;
  }
  // the cut line between the sides
  ctx.strokeStyle = PARTITION;
  ctx.lineWidth = 3;
  ctx.setLineDash([8, 5]);
  for (const g of segments) {
    ctx.beginPath();
    ctx.moveTo(g.x0, g.y0);
    ctx.lineTo(g.x1, g.y1);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}
