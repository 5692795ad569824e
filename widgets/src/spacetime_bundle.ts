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
  const { ms, cls, first, cols } = inp;
  const focused = ms !== undefined && cls !== undefined;
  const nRows = Math.max(0, inp.last - first + 1);
  // per row shown (r - first), built as needed: the hot loop indexes arrays, not maps
  const S: (Float32Array | undefined)[] = new Array(nRows);
  const R: (Float32Array | undefined)[] = new Array(nRows);
  const SP: (Float32Array | undefined)[] = new Array(nRows);
  const SF: (Float32Array | undefined)[] = new Array(nRows);
  const RP: (Float32Array | undefined)[] = new Array(nRows);
  const RF: (Float32Array | undefined)[] = new Array(nRows);
  const tot = new Float64Array(nRows * 6);
  let peak = 0;
  for (let k = 0; k < inp.n; k++) {
    const c = focused ? cls[ms[k]] : C.concurrent;
    for (let side = 0; side < 2; side++) {
      const i = (side ? inp.rb[k] : inp.ra[k]) - first;
      if (i < 0 || i >= nRows) continue;
      const col = Math.min(cols - 1, Math.max(0, Math.floor(((side ? inp.xe[k] : inp.xs[k]) - inp.plotX) / inp.colPx)));
      const all = side ? R : S;
      const h = all[i] ?? (all[i] = new Float32Array(cols));
      if (++h[col] > peak) peak = h[col];
      const t = i * 6 + side * 3;
      tot[t]++;
      if (c === C.past) {
        const b = side ? RP : SP;
        (b[i] ?? (b[i] = new Float32Array(cols)))[col]++;
        tot[t + 1]++;
      } else if (c === C.future) {
        const b = side ? RF : SF;
        (b[i] ?? (b[i] = new Float32Array(cols)))[col]++;
        tot[t + 2]++;
      }
    }
  }
  const toMap = (a: (Float32Array | undefined)[]) => {
    const m = new Map<number, Float32Array>();
    for (let i = 0; i < nRows; i++) if (a[i]) m.set(first + i, a[i] as Float32Array);
    return m;
  };
  const totals = new Map<number, Float64Array>();
  for (let i = 0; i < nRows; i++) if (S[i] || R[i]) totals.set(first + i, tot.slice(i * 6, i * 6 + 6));
  return { sent: toMap(S), recd: toMap(R), sentPast: toMap(SP), sentFuture: toMap(SF), recdPast: toMap(RP), recdFuture: toMap(RF), totals, peak, counted: inp.n };
}

/** The stride k (a power of two) that leaves at most `max` arrows of `n` messages. */
export function thinStride(n: number, max: number): number {
  let k = 1;
  while (n / k > max) k *= 2;
  return k;
}
