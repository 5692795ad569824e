// A partial partition (a cut link inside a side: its ends still reach each other through a third
// node) on the topology view: the ends outlined dashed, the few bridges outlined, and the cut
// curves between the regions (the chips naming whom an end cannot reach and the bridges' chips
// are placed with the other header chips, partition_chip.ts).
import { fmtInt } from "./lod";
import type { PartialCut } from "./partition";
import type { CutArc } from "./partition_arcs";
import { BRIDGE_MARKS } from "./partition_chip";
import { strokeCut } from "./draw_cut";
import { BRIDGE, PARTITION, inkOn } from "./palette";
import type { Scene } from "./scene";
import { clipOutNames } from "./draw_actor_labels";
import { widthOf } from "./text_width";
import { overlaps, type TextBox } from "./zones";

const BUNDLE_FONT = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";

/**
 * A partial partition: the ends of cut links outlined dashed, the few bridges outlined, and a
 * dashed curve per cut link (or per block of many) between the two regions, over a halo so it
 * reads across regions. `texts` are the texts drawn before: the curves break off around them,
 * and a bundle's label goes where it covers none and is added to them.
 */
export function paintPartial(
  ctx: CanvasRenderingContext2D,
  sc: Scene,
  partial: PartialCut[],
  arcs: CutArc[],
  split: boolean,
  texts: TextBox[] = [],
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
  // the curves under the chips, so a chip stays readable where a curve leaves its region, and
  // broken off around the texts drawn before (a header's name and state, an actor's name)
  ctx.save();
  clipOutNames(ctx, texts);
  for (const c of arcs) {
    ctx.beginPath();
    ctx.moveTo(c.x0, c.y0);
    ctx.quadraticCurveTo(c.cx, c.cy, c.x1, c.y1);
    strokeCut(ctx, c, c.count > 1);
  }
  ctx.restore();
  ctx.font = BUNDLE_FONT;
  for (const c of arcs) {
    if (c.count <= 1) continue;
    // a bundle says how many links it stands for, on its curve: at its middle, else the nearest
    // point along it where the label covers no text; nowhere, it is left to the caption
    const label = `✂ ${fmtInt(c.count)} links`;
    const w = widthOf(ctx, BUNDLE_FONT, label) + 10;
    for (const at of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const [mx, my] = curvePoint(c, at);
      const box: TextBox = { text: label, x: mx - w / 2, y: my - 8, w, h: 16, bold: true, ink: "chip" };
      if (texts.some((t) => overlaps(t, box))) continue;
      texts.push(box);
      ctx.fillStyle = PARTITION;
      ctx.beginPath();
      ctx.roundRect(box.x, box.y, w, 16, 8);
      ctx.fill();
      ctx.fillStyle = inkOn(PARTITION);
      ctx.textAlign = "center";
      ctx.fillText(label, mx, my + 0.5);
      break;
    }
  }
}

/** The point at `t` (0 to 1) along a cut's curve. */
function curvePoint(c: CutArc, t: number): [number, number] {
  const u = 1 - t;
  return [u * u * c.x0 + 2 * u * t * c.cx + t * t * c.x1, u * u * c.y0 + 2 * u * t * c.cy + t * t * c.y1];
}
