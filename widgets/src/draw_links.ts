// What runs between the topology view's regions or zones: supervision links, cut links and
// flow bands (aggregated messages) with their counts written where they run into no other text.
import { exitPoint } from "./layout";
import { INK, PARTITION, THEME } from "./palette";
import type { Scene } from "./scene";
import { cross } from "./shapes";
import { line } from "./canvas_paths";
import { F_TEXT } from "./topology_fonts";
import { overlaps, type TextBox } from "./zones";

/** Supervision links, cuts and flows: over the regions or zones, under the actors. */
export function paintLinks(ctx: CanvasRenderingContext2D, sc: Scene, texts: TextBox[]): void {
  // supervision links, under the glyphs
  if (sc.supervision.length) {
    ctx.strokeStyle = INK.supervision;
    ctx.lineWidth = 1;
    for (const l of sc.supervision) line(ctx, l);
  }

  // partitions: the cut link drawn between the two regions, with a gap in the middle
  for (const c of sc.cuts) {
    // a cut between regions that are not neighbours would cross other regions: the cuts with
    // the regions in between already show the partition
    if (!c.adjacent) continue;
    const ba = sc.nodes.find((n) => n.name === c.a)?.box;
    const bb = sc.nodes.find((n) => n.name === c.b)?.box;
    if (!ba || !bb) continue;
    const [x0, y0] = exitPoint(ba, c.x1, c.y1);
    const [x1, y1] = exitPoint(bb, c.x0, c.y0);
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    ctx.strokeStyle = PARTITION;
    ctx.lineWidth = 3;
    ctx.setLineDash([6, 4]);
    const gx = (x1 - x0) * 0.12;
    const gy = (y1 - y0) * 0.12;
    line(ctx, { x0, y0, x1: mx - gx, y1: my - gy });
    line(ctx, { x0: mx + gx, y0: my + gy, x1, y1 });
    ctx.setLineDash([]);
    ctx.lineWidth = 2.5;
    cross(ctx, mx, my, 5);
    // no text per cut: several cuts meet at region corners and their labels collided; the
    // legend names the dashed line, and hovering a cut says which nodes it separates
  }

  // flows (aggregated messages): each count written where it runs into no other text
  const placed = texts.slice();
  ctx.font = F_TEXT;
  for (const f of sc.flows) {
    const ba = f.fromBox;
    const bb = f.toBox;
    if (ba === bb) continue;
    const [x0, y0] = exitPoint(ba, f.x1, f.y1);
    const [x1, y1] = exitPoint(bb, f.x0, f.y0);
    // offset each direction to its own side
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const ox = (-(y1 - y0) / len) * (f.width / 2 + 2);
    const oy = ((x1 - x0) / len) * (f.width / 2 + 2);
    ctx.strokeStyle = f.color;
    // over zone cells a band lets their names show through
    ctx.globalAlpha = sc.zones && sc.zones.focus < 0 ? 0.45 : 0.7;
    ctx.lineWidth = f.width;
    line(ctx, { x0: x0 + ox, y0: y0 + oy, x1: x1 + ox, y1: y1 + oy });
    ctx.globalAlpha = 1;
    const label = `${f.count} in flight`;
    const lw = ctx.measureText(label).width;
    const box = { text: label, x: (x0 + x1) / 2 + ox * 2.2 - lw / 2, y: (y0 + y1) / 2 + oy * 2.2 - 7, w: lw, h: 14, bold: false, ink: "text" };
    if (placed.some((p) => overlaps(p, box))) continue;
    placed.push(box);
    texts.push(box);
    ctx.fillStyle = THEME.text;
    ctx.textAlign = "center";
    ctx.fillText(label, box.x + lw / 2, box.y + 7);
  }
}
