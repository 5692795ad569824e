// How a cut link looks wherever it is drawn (the partition overlay's curves, the flows view's
// lines): a dashed partition-coloured stroke on a halo of the ground, a dot at each end, so the
// two views read as one picture.
import { PARTITION, THEME } from "./palette";

/** Stroke the path the caller has just built from (x0, y0) to (x1, y1) as a cut link, at
 * opacity `alpha`; `heavy` draws it thicker, for a bundle standing for several links. Leaves
 * globalAlpha at 1. */
export function strokeCut(ctx: CanvasRenderingContext2D, c: { x0: number; y0: number; x1: number; y1: number }, heavy: boolean, alpha = 1): void {
  ctx.strokeStyle = THEME.halo;
  ctx.globalAlpha = alpha * 0.75;
  ctx.lineWidth = heavy ? 8 : 6;
  ctx.stroke();
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = PARTITION;
  ctx.lineWidth = heavy ? 4 : 2.5;
  ctx.setLineDash([7, 4]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = PARTITION;
  for (const [x, y] of [[c.x0, c.y0], [c.x1, c.y1]]) {
    ctx.beginPath();
    ctx.arc(x, y, heavy ? 4.5 : 3.5, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}
