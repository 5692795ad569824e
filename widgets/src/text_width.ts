// Text widths by font and text. Names, counts and keys repeat from frame to frame, and
// measureText is among the costliest calls of a frame, so each width is measured once.
const WIDTHS = new Map<string, number>();

/** The width of `text` in `font`; the context's own font is left as it was. */
export function widthOf(ctx: CanvasRenderingContext2D, font: string, text: string): number {
  const key = font + "\u0000" + text;
  let w = WIDTHS.get(key);
  if (w === undefined) {
    if (WIDTHS.size > 20000) WIDTHS.clear();
    const was = ctx.font;
    ctx.font = font;
    w = ctx.measureText(text).width;
    ctx.font = was;
    WIDTHS.set(key, w);
  }
  return w;
}
