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
}

export interface EventColumns {
  n: number;
  seq: Float64Array;
  t: Float64Array;
  kind: Uint8Array;
  node: Int32Array; // string code
  actor: Int32Array; // string code or -1
  incarnation: Uint32Array;
  parent: Int32Array;
  peer: Int32Array;
  msg_id: Float64Array; // NaN when null
  msg_type: Int32Array;
  size: Int32Array; // -1 when unknown
  reason: Int32Array;
  duration: Float64Array; // NaN when null
}

type Ctor = abstract new (...args: never[]) => ArrayLike<number>;

const TYPES: Record<(typeof COLUMNS)[number], Ctor> = {
  seq: Float64Array,
  t: Float64Array,
  kind: Uint8Array,
  node: Int32Array,
  actor: Int32Array,
  incarnation: Uint32Array,
  parent: Int32Array,
  peer: Int32Array,
  msg_id: Float64Array,
  msg_type: Int32Array,
  size: Int32Array,
  reason: Int32Array,
  duration: Float64Array,
};

export function toBytes(buf: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return new Uint8Array(buf);
}

export function decodeChunk(bytes: Uint8Array): EventColumns {
  const table = tableFromIPC(bytes);
  const out: Record<string, unknown> = { n: table.numRows };
  for (const name of COLUMNS) {
    const child = table.getChild(name);
    if (!child) throw new Error(`meshlab chunk lacks column ${name}`);
    const arr = child.toArray() as unknown;
    // The kernel sends exactly these types; anything else is a version skew between the
    // Python package and this bundle, which must not be misread silently.
    if (!(arr instanceof TYPES[name])) {
      throw new Error(`meshlab chunk column ${name} has an unexpected type; reinstall meshlab`);
    }
    out[name] = arr;
  }
  return out as unknown as EventColumns;
}
