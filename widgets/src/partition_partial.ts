// A partial partition (a cut link inside a side: its ends still reach each other through a third
// node) on the topology view: the ends outlined dashed with a chip naming whom they cannot
// reach, the few bridges outlined with a "bridge" chip, and the cut curves between the regions.
import { fmtInt } from "./lod";
import type { PartialCut } from "./partition";
import { arcMiddle, type CutArc } from "./partition_arcs";
import { chip } from "./partition_chip";
import { strokeCut } from "./draw_cut";
import { BRIDGE, PARTITION, inkOn } from "./palette";
import type { Scene } from "./scene";

/** A cut group's bridges are marked on their regions when there are at most this many (the
 * few nodes everything goes through); more are only named in the caption. */
const BRIDGE_MARKS = 3;

/**
 * A partial partition: the ends of cut links outlined dashed with a chip naming whom they
 * cannot reach, the few bridges outlined with a "bridge" chip, and a dashed curve per cut link
 * (or per block of many) between the two regions, over a halo so it reads across regions.
 */
export function paintPartial(
  ctx: CanvasRenderingContext2D,
  sc: Scene,
  partial: PartialCut[],
  arcs: CutArc[],
  split: boolean,
  chipRight: Map<number, number>,
  name: (n: number) => string,
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
  for (const n of sc.nodes) {
    let right: number | null = chipRight.get(n.idx) ?? n.box.x + n.box.w - 4;
    const peers = cannot.get(n.idx);
    if (peers) {
      const names = peers.sort((a, b) => a - b).map((p) => name(p));
      // a few peers by name when they fit, else how many (the caption names them)
      const text = names.length <= 3 ? `✂ ${names.join(" ")}` : `✂ ${names.length} nodes`;
      right = chip(ctx, n.box, right, text, PARTITION) ?? chip(ctx, n.box, right, `✂ ${peers.length}`, PARTITION);
    }
    // the short form when the long one has no room
    if (bridges.has(n.idx) && right !== null && chip(ctx, n.box, right, "⇄ bridge", BRIDGE) === null) chip(ctx, n.box, right, "⇄", BRIDGE);
  }
}
