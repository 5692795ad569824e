// A partial partition (a cut link inside a side: its ends still reach each other through a third
// node) on the topology view: the ends outlined dashed, the few bridges outlined, and the cut
// curves between the regions (the chips naming whom an end cannot reach and the bridges' chips
// are placed with the other header chips, partition_chip.ts).
import { fmtInt } from "./lod";
import type { PartialCut } from "./partition";
import { arcMiddle, type CutArc } from "./partition_arcs";
import { BRIDGE_MARKS } from "./partition_chip";
import { strokeCut } from "./draw_cut";
import { BRIDGE, PARTITION, inkOn } from "./palette";
import type { Scene } from "./scene";

/**
 * A partial partition: the ends of cut links outlined dashed, the few bridges outlined, and a
 * dashed curve per cut link (or per block of many) between the two regions, over a halo so it
 * reads across regions.
 */
export function paintPartial(
  ctx: CanvasRenderingContext2D,
  sc: Scene,
  partial: PartialCut[],
  arcs: CutArc[],
  split: boolean,
): void {
  const bridges = new Set(partial.flatMap((g) => (g.via.length <= BRIDGE_MARKS ? g.via : [])));
  const cannot = new Map<number, number[]>();
  for (const g of partial) {
    for (const [a, b] of g.pairs) {
      (cannot.get(a) ?? cannot.set(a, []).get(a)!).push(b);
      (cannot.get(b) ?? cannot.set(b, []).get(b)!).push(a);
    }
  }
  for (const n of sc.nodes) {
    if (split) continue; // the sides' outlines are there already
    // a bridge may itself be the end of another cut link: its outline says bridge, its chips both
    if (cannot.has(n.idx) && !bridges.has(n.idx)) {
      ctx.strokeStyle = PARTITION;
      ctx.lineWidth = 2.5;
      ctx.setLineDash([6, 4]);
      ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
      ctx.setLineDash([]);
    } else if (bridges.has(n.idx)) {
      ctx.strokeStyle = BRIDGE;
      ctx.lineWidth = 2.5;
      ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
    }
  }
  // the curves under the chips, so a chip stays readable where a curve leaves its region
  for (const c of arcs) {
    ctx.beginPath();
    ctx.moveTo(c.x0, c.y0);
    ctx.quadraticCurveTo(c.cx, c.cy, c.x1, c.y1);
    strokeCut(ctx, c, c.count > 1);
    if (c.count > 1) {
      // a bundle says how many links it stands for, at its middle
      const [mx, my] = arcMiddle(c);
      const label = `✂ ${fmtInt(c.count)} links`;
      ctx.font = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";
      const w = ctx.measureText(label).width + 10;
      ctx.fillStyle = PARTITION;
      ctx.beginPath();
      ctx.roundRect(mx - w / 2, my - 8, w, 16, 8);
      ctx.fill();
      ctx.fillStyle = inkOn(PARTITION);
      ctx.textAlign = "center";
      ctx.fillText(label, mx, my + 0.5);
    }
  }
}
