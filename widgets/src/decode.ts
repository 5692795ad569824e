// Decoding one chunk of events sent by the kernel: an Arrow IPC stream whose string columns
// were replaced by int32 codes into an append-only string table (new strings travel with the
// chunk). Codes keep every column a plain typed array, so nothing is parsed per row.
import { tableFromIPC } from "apache-arrow";

import { COLUMNS } from "./contract";

export { COLUMNS };

export interface ChunkHeader {
  type: "chunk";
  index: number;
  rows: number;
  /** Position of the first new string in the string table. */
  strings_base: number;
  strings: string[];
  /** Rows the kernel knew of when it sent this batch: room to reserve up front. */
  rows_total?: number;
  /** When the chunk's seq runs base, base + 1, ...: the seq column is left out. */
  seq_base?: number;
  /** Columns left out because every row holds this value (null: a NaN duration). */
  constant?: Record<string, number | null>;
}

/**
 * One chunk's columns. The kernel sends each in the narrowest type its values fit (string codes
 * as int8/16/32, incarnation as uint8/16/32, msg_id as int32 with -1 for null when every id
 * fits, duration as float32 when every value is exact in it); the store keeps them at that
 * width (store.ts, Column), so nothing here is read but the types below.
 */
export interface EventColumns {
  n: number;
  /** The seq of each row, or absent when it runs seq_base, seq_base + 1, ... */
  seq?: ArrayLike<number>;
  seq_base?: number;
  t: Float64Array;
  kind: Uint8Array;
  node: ArrayLike<number>; // string code
  actor: ArrayLike<number>; // string code or -1
  incarnation: ArrayLike<number>;
  parent: ArrayLike<number>;
  peer: ArrayLike<number>;
  msg_id: ArrayLike<number>; // -1 when null (NaN at float64, made -1 by the store)
  msg_type: ArrayLike<number>;
  size: ArrayLike<number>; // -1 when unknown
  reason: ArrayLike<number>;
  duration: ArrayLike<number>; // NaN when null
}

type Ctor = abstract new (...args: never[]) => ArrayLike<number>;

// narrowest first: a constant column is filled in the first that holds its value
const CODES: Ctor[] = [Int8Array, Int16Array, Int32Array];
const TYPES: Record<(typeof COLUMNS)[number], Ctor[]> = {
  seq: [Float64Array],
  t: [Float64Array],
  kind: [Uint8Array],
  node: CODES,
  actor: CODES,
  incarnation: [Uint8Array, Uint16Array, Uint32Array],
  parent: CODES,
  peer: CODES,
  msg_id: [Int32Array, Float64Array],
  msg_type: CODES,
  size: CODES,
  reason: CODES,
  duration: [Float32Array, Float64Array],
};

export function toBytes(buf: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return new Uint8Array(buf);
}

/** A column the kernel left out as constant: the value in the narrowest type the column takes. */
function filled(name: (typeof COLUMNS)[number], value: number | null, n: number): ArrayLike<number> {
  const v = value ?? NaN;
  for (const C of TYPES[name]) {
    const arr = new (C as unknown as new (n: number) => Int32Array)(n);
    arr[0] = v;
    if (arr[0] === v || (v !== v && arr[0] !== arr[0])) return arr.fill(v);
  }
  throw new Error(`meshlab chunk: constant ${name} ${value} fits no column type; reinstall meshlab`);
}

export function decodeChunk(bytes: Uint8Array, header?: Pick<ChunkHeader, "seq_base" | "constant">): EventColumns {
  const table = tableFromIPC(bytes);
  const n = table.numRows;
  const out: Record<string, unknown> = { n };
  for (const name of COLUMNS) {
    const child = table.getChild(name);
    if (!child && name === "seq" && header?.seq_base !== undefined) {
      out.seq_base = header.seq_base; // the store keeps seq implied by it (store.ts, seqOf)
      continue;
    }
    if (!child && header?.constant && name in header.constant) {
      out[name] = filled(name, header.constant[name], n);
      continue;
    }
    if (!child) throw new Error(`meshlab chunk lacks column ${name}`);
    const arr = child.toArray() as unknown;
    // The kernel sends exactly these types; anything else is a version skew between the
    // Python package and this bundle, which must not be misread silently.
    if (!TYPES[name].some((c) => arr instanceof c)) {
      throw new Error(`meshlab chunk column ${name} has an unexpected type; reinstall meshlab`);
    }
    out[name] = arr;
  }
  return out as unknown as EventColumns;
}
