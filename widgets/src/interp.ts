// Where a message is between its send and its arrival: linear in time along a gentle arc, so
// the two directions of a conversation do not sit on top of each other.

/** Progress in [0, 1] of a message sent at `start` that arrives at `arrive`, at time t. */
export function progress(start: number, arrive: number, t: number): number {
  if (!(arrive > start)) return t >= arrive ? 1 : 0;
  const p = (t - start) / (arrive - start);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** Point at progress p on the arc from (x0, y0) to (x1, y1); `bend` is a fraction of length. */
export function arcPoint(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  p: number,
  bend = 0.12,
): [number, number] {
  const dx = x1 - x0;
  const dy = y1 - y0;
  // control point: midpoint pushed to the left of the direction of travel
  const cx = (x0 + x1) / 2 - dy * bend;
  const cy = (y0 + y1) / 2 + dx * bend;
  const q = 1 - p;
  return [q * q * x0 + 2 * q * p * cx + p * p * x1, q * q * y0 + 2 * q * p * cy + p * p * y1];
}

/**
 * Progress at which to draw a lost message: where it was lost, but at least `clear` pixels from
 * both ends of a link `len` long, so the mark never sits on an actor's glyph (where it would
 * read as that actor failing).
 */
export function dropProgress(p: number, len: number, clear: number): number {
  if (!(len > 0)) return 0.5;
  const lo = clear / len;
  if (lo >= 0.5) return 0.5;
  return Math.max(lo, Math.min(1 - lo, p));
}
