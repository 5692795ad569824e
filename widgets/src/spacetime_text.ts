// Text helpers of the space-time view: numbers, round axis steps, short lane names, and labels
// cut with … to a width (remembered, since the same labels are drawn every frame).

/** The last two parts of a path-like actor name: enough to tell lanes of one band apart. */
export function shortName(label: string): string {
  const parts = label.split("/");
  return parts.length > 2 ? `…/${parts.slice(-2).join("/")}` : label;
}

const fitted = new Map<string, string>();

/** Text cut with … to a width; remembered per font, width and text (labels repeat every frame). */
export function fit(ctx: CanvasRenderingContext2D, text: string, w: number): string {
  const key = `${ctx.font}|${w}|${text}`;
  let out = fitted.get(key);
  if (out === undefined) {
    if (fitted.size > 5000) fitted.clear();
    out = cut(ctx, text, w);
    fitted.set(key, out);
  }
  return out;
}

function cut(ctx: CanvasRenderingContext2D, text: string, w: number): string {
  if (ctx.measureText(text).width <= w) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= w) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** An integer with thousands separators (toLocaleString costs half a millisecond a call). */
export function fmt(x: number): string {
  return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A round step (1, 2 or 5 times a power of ten) close to x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
