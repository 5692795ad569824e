// When a window holds more messages than can be drawn one by one, the space-time view neither
// cuts them off nor draws a tangle: every message is counted in its lanes' traffic bars (sent
// above the sender's lane, received below the receiver's, per few-pixel column), and arrows are
// thinned to every k-th message, k a power of two picked from the count. A message is chosen by
// its index (m % k), not by its place in the window, so scrubbing does not make arrows flicker.

export interface Traffic {
  /** Per row shown: counts per column of sends and of receipts. */
  sent: Map<number, Float32Array>;
  recd: Map<number, Float32Array>;
  /** The largest count in one column. */
  peak: number;
  /** Messages counted (both ends on a row), and those with an end on a hidden row. */
  counted: number;
  hidden: number;
}

export interface TrafficInput {
  msgs: Int32Array;
  n: number;
  rowA: (m: number) => number;
  rowB: (m: number) => number;
  xSend: (m: number) => number;
  xEnd: (m: number) => number;
  /** Rows drawn: [first, last]; others are counted but get no bars. */
  first: number;
  last: number;
  plotX: number;
  cols: number;
  colPx: number;
}

export function laneTraffic(inp: TrafficInput): Traffic {
  const sent = new Map<number, Float32Array>();
  const recd = new Map<number, Float32Array>();
  let peak = 0;
  let counted = 0;
  let hidden = 0;
  const bump = (map: Map<number, Float32Array>, r: number, x: number) => {
    if (r < inp.first || r > inp.last) return;
    const c = Math.min(inp.cols - 1, Math.max(0, Math.floor((x - inp.plotX) / inp.colPx)));
    let h = map.get(r);
    if (!h) map.set(r, (h = new Float32Array(inp.cols)));
    if (++h[c] > peak) peak = h[c];
  };
  for (let k = 0; k < inp.n; k++) {
    const m = inp.msgs[k];
    const a = inp.rowA(m);
    const b = inp.rowB(m);
    if (a < 0 || b < 0) {
      hidden++;
      continue;
    }
    counted++;
    bump(sent, a, inp.xSend(m));
    bump(recd, b, inp.xEnd(m));
  }
  return { sent, recd, peak, counted, hidden };
}

/** The stride k (a power of two) that leaves at most `max` arrows of `n` messages. */
export function thinStride(n: number, max: number): number {
  let k = 1;
  while (n / k > max) k *= 2;
  return k;
}
