// A chip in a region's header (a side's letter, whom a node cannot reach, a bridge).
import { HEADER, type Rect } from "./layout";
import { inkOn } from "./palette";

/**
 * A chip in a region's header, ending at `right`: text in the colour's ink on the colour. Returns
 * where the next chip to its left must end, or null when the header has no room for it.
 */
export function chip(ctx: CanvasRenderingContext2D, box: Rect, right: number, label: string, colour: string): number | null {
  ctx.font = "bold 11px system-ui, -apple-system, 'Liberation Sans', sans-serif";
  const lw = ctx.measureText(label).width + 10;
  // leave the header's left to the node's name
  if (right - lw < box.x + 60) return null;
  ctx.fillStyle = colour;
  ctx.fillRect(right - lw, box.y + 4, lw, HEADER - 8);
  ctx.fillStyle = inkOn(colour);
  ctx.textAlign = "center";
  ctx.fillText(label, right - lw / 2, box.y + HEADER / 2);
  return right - lw - 3;
}
