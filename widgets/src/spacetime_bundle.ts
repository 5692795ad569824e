// When a window holds more messages than can be drawn one by one, the space-time view bundles
// them instead of dropping any: messages between the same two rows whose sends fall in the same
// few-pixel column become one arrow, as wide as the log of its count, from their mean send to
// their mean end. Every message of the window lands in exactly one bundle (or is counted as
// hidden when an end's lane is filtered out), so the caption's totals add up.

export interface Bundles {
  n: number;
  count: Int32Array;
  rowA: Int32Array;
  rowB: Int32Array;
  /** Mean x of the sends and of the ends. */
  x0: Float64Array;
  x1: Float64Array;
  /** The type code shared by all its messages, or -1 when mixed. */
  type: Int32Array;
  /** One of its messages (the first), for clicks. */
  first: Int32Array;
  /** Messages whose lanes are hidden (filtered out). */
  hidden: number;
}

export interface BundleInput {
  msgs: Int32Array;
  n: number;
  rowA: (m: number) => number;
  rowB: (m: number) => number;
  xSend: (m: number) => number;
  xEnd: (m: number) => number;
  type: (m: number) => number;
  rows: number;
  plotX: number;
  plotW: number;
  binPx: number;
}

export function bundleMessages(inp: BundleInput): Bundles {
  const nBins = Math.max(1, Math.ceil(inp.plotW / inp.binPx) + 2);
  const slot = new Map<number, number>();
  const count: number[] = [];
  const rowA: number[] = [];
  const rowB: number[] = [];
  const sx0: number[] = [];
  const sx1: number[] = [];
  const type: number[] = [];
  const first: number[] = [];
  let hidden = 0;
  for (let i = 0; i < inp.n; i++) {
    const m = inp.msgs[i];
    const a = inp.rowA(m);
    const b = inp.rowB(m);
    if (a < 0 || b < 0) {
      hidden++;
      continue;
    }
    const x0 = inp.xSend(m);
    const bin = Math.min(nBins - 1, Math.max(0, Math.floor((x0 - inp.plotX) / inp.binPx) + 1));
    const key = (a * inp.rows + b) * nBins + bin;
    let j = slot.get(key);
    const ty = inp.type(m);
    if (j === undefined) {
      j = count.length;
      slot.set(key, j);
      count.push(0);
      rowA.push(a);
      rowB.push(b);
      sx0.push(0);
      sx1.push(0);
      type.push(ty);
      first.push(m);
    } else if (type[j] !== ty) type[j] = -1;
    count[j]++;
    sx0[j] += x0;
    sx1[j] += inp.xEnd(m);
  }
  const n = count.length;
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    x0[j] = sx0[j] / count[j];
    x1[j] = sx1[j] / count[j];
  }
  return {
    n,
    count: Int32Array.from(count),
    rowA: Int32Array.from(rowA),
    rowB: Int32Array.from(rowB),
    x0,
    x1,
    type: Int32Array.from(type),
    first: Int32Array.from(first),
    hidden,
  };
}
