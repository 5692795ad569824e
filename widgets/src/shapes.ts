// Small canvas shapes shared by the topology and space-time drawings.

/** An ✕ of half-width `r` centred on (x, y), in the current stroke style. */
export function cross(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r);
  ctx.lineTo(x - r, y + r);
  ctx.stroke();
}
