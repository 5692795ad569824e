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
  /** Messages counted. */
  counted: number;
}

export interface TrafficInput {
  /** Per message: the rows of its ends (both >= 0) and the x of its send and of its end. */
  ra: Int32Array;
  rb: Int32Array;
  xs: Float64Array;
  xe: Float64Array;
  n: number;
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
  const bump = (map: Map<number, Float32Array>, r: number, x: number) => {
    if (r < inp.first || r > inp.last) return;
    const c = Math.min(inp.cols - 1, Math.max(0, Math.floor((x - inp.plotX) / inp.colPx)));
    let h = map.get(r);
    if (!h) map.set(r, (h = new Float32Array(inp.cols)));
    if (++h[c] > peak) peak = h[c];
  };
  for (let k = 0; k < inp.n; k++) {
    bump(sent, inp.ra[k], inp.xs[k]);
    bump(recd, inp.rb[k], inp.xe[k]);
  }
  return { sent, recd, peak, counted: inp.n };
}

/** The stride k (a power of two) that leaves at most `max` arrows of `n` messages. */
export function thinStride(n: number, max: number): number {
  let k = 1;
  while (n / k > max) k *= 2;
  return k;
}
