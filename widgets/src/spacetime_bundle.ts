// When a window holds more messages than can be drawn one by one, the space-time view neither
// cuts them off nor draws a tangle: every message is counted in its lanes' traffic bars (sent
// above the sender's lane, received below the receiver's, per few-pixel column), and arrows are
// thinned to every k-th message, k a power of two picked from the count. A message is chosen by
// its index (m % k), not by its place in the window, so scrubbing does not make arrows flicker.
// With a causal focus set, each bar also counts the messages of the focus's past and of its
// future, so that the bars show where causality went even when few arrows are drawn.
import { C } from "./causal";

export interface Traffic {
  /** Per row shown: counts per column of sends and of receipts. */
  sent: Map<number, Float32Array>;
  recd: Map<number, Float32Array>;
  /** With a focus: the same counts of the messages in its causal past and in its future. */
  sentPast: Map<number, Float32Array>;
  sentFuture: Map<number, Float32Array>;
  recdPast: Map<number, Float32Array>;
  recdFuture: Map<number, Float32Array>;
  /**
   * Per row shown, its whole bars summed: sent, sent in the past, sent in the future, received,
   * received in the past, received in the future (the page's signal, and tests).
   */
  totals: Map<number, Float64Array>;
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
  /** With a focus: each entry's message index, and each message's class (C.*) relative to it. */
  ms?: Int32Array;
  cls?: Uint8Array;
}

export function laneTraffic(inp: TrafficInput): Traffic {
  const t: Traffic = {
    sent: new Map(),
    recd: new Map(),
    sentPast: new Map(),
    sentFuture: new Map(),
    recdPast: new Map(),
    recdFuture: new Map(),
    totals: new Map(),
    peak: 0,
    counted: inp.n,
  };
  const { ms, cls } = inp;
  const focused = ms !== undefined && cls !== undefined;
  const col = (x: number) => Math.min(inp.cols - 1, Math.max(0, Math.floor((x - inp.plotX) / inp.colPx)));
  const bar = (map: Map<number, Float32Array>, r: number) => {
    let h = map.get(r);
    if (!h) map.set(r, (h = new Float32Array(inp.cols)));
    return h;
  };
  const bump = (r: number, x: number, side: 0 | 3, c: number) => {
    if (r < inp.first || r > inp.last) return;
    const k = col(x);
    const h = bar(side ? t.recd : t.sent, r);
    if (++h[k] > t.peak) t.peak = h[k];
    let tot = t.totals.get(r);
    if (!tot) t.totals.set(r, (tot = new Float64Array(6)));
    tot[side]++;
    if (c === C.past) {
      bar(side ? t.recdPast : t.sentPast, r)[k]++;
      tot[side + 1]++;
    } else if (c === C.future) {
      bar(side ? t.recdFuture : t.sentFuture, r)[k]++;
      tot[side + 2]++;
    }
  };
  for (let k = 0; k < inp.n; k++) {
    const c = focused ? cls[ms[k]] : C.concurrent;
    bump(inp.ra[k], inp.xs[k], 0, c);
    bump(inp.rb[k], inp.xe[k], 3, c);
  }
  return t;
}

/** The stride k (a power of two) that leaves at most `max` arrows of `n` messages. */
export function thinStride(n: number, max: number): number {
  let k = 1;
  while (n / k > max) k *= 2;
  return k;
}
