// The narrow wire format (meshlab/canvas/encode.py): columns in the narrowest type their values
// fit, seq left out when it runs from the header's seq_base, msg_id as int32 with -1 for null.
// A store fed narrow chunks, cut anywhere, must fold exactly as one fed the widest columns.
import { Float32, Float64, Int8, Int16, Int32, Table, Uint8, Uint16, makeVector, tableToIPC, type DataType } from "apache-arrow";
import { describe, expect, it } from "vitest";

import { decodeChunk } from "../src/decode";
import { Folder } from "../src/fold";
import { EventStore } from "../src/store";
import { Encoder, randomRun, rng, type Ev, type WideColumns } from "./helpers";

function vec(type: DataType, data: ArrayLike<number>, Ctor: new (src: ArrayLike<number>) => ArrayLike<number>) {
  return makeVector({ type, data: new Ctor(data) } as never);
}

/** One chunk as encode.py writes it; `wideCodes` forces int32 codes, as past 32,767 strings. */
function narrowChunk(enc: Encoder, evs: Ev[], wideCodes: boolean) {
  const base = enc.strings.length;
  const seqBase = enc.seq;
  const c: WideColumns = enc.columns(evs);
  const code = (data: Int32Array) => (wideCodes ? vec(new Int32(), data, Int32Array) : vec(new Int16(), data, Int16Array));
  const ids = Int32Array.from(c.msg_id, (x) => (Number.isNaN(x) ? -1 : x));
  const table = new Table({
    t: vec(new Float64(), c.t, Float64Array),
    kind: vec(new Uint8(), c.kind, Uint8Array),
    node: code(c.node),
    actor: code(c.actor),
    incarnation: vec(new Uint16(), c.incarnation, Uint16Array),
    parent: code(c.parent),
    peer: code(c.peer),
    msg_id: vec(new Int32(), ids, Int32Array),
    msg_type: code(c.msg_type),
    size: vec(new Int8(), c.size.map((x) => (x > 127 ? -1 : x)), Int8Array),
    reason: code(c.reason),
    duration: vec(new Float32(), c.duration.map((x) => Math.fround(x)), Float32Array),
  });
  const header = { type: "chunk" as const, index: enc.index++, rows: evs.length, strings_base: base, strings: enc.strings.slice(base), seq_base: seqBase };
  return { header, bytes: tableToIPC(table, "stream") };
}

describe("narrow chunks", () => {
  it("decode to the store's columns: seq left to seq_base, null ids as -1, narrow codes as numbers", () => {
    const enc = new Encoder();
    enc.seq = 1000;
    const evs: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0.5, kind: "actor_spawn", node: "n0", actor: "a", incarnation: 3 },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "a", msg_id: 7, msg_type: "ping", size: 12, duration: 0.25 },
    ];
    const { header, bytes } = narrowChunk(enc, evs, false);
    const c = decodeChunk(bytes, header);
    expect(c.seq).toBeUndefined();
    expect(c.seq_base).toBe(1000);
    expect(c.msg_id).toBeInstanceOf(Int32Array);
    expect(Array.from(c.msg_id)).toEqual([-1, -1, 7]);
    expect(Array.from(c.incarnation)).toEqual([0, 3, 0]);
    expect(Array.from(c.actor)).toEqual([-1, 1, 1]);
    expect(c.duration[2]).toBe(0.25);
    expect(() => decodeChunk(bytes)).toThrow(/lacks column seq/);
  });

  it("fill the columns the kernel left out as constant, in the narrowest type that holds the value", () => {
    const enc = new Encoder();
    const evs: Ev[] = [
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 1, msg_type: "ping" },
      { t: 2, kind: "msg_send", node: "n0", actor: "b", peer: "a", msg_id: 2, msg_type: "ping" },
    ];
    const c = enc.columns(evs);
    const table = new Table({
      t: vec(new Float64(), c.t, Float64Array),
      kind: vec(new Uint8(), c.kind, Uint8Array),
      node: vec(new Int8(), c.node, Int8Array),
      actor: vec(new Int8(), c.actor, Int8Array),
      peer: vec(new Int8(), c.peer, Int8Array),
      msg_id: vec(new Int32(), c.msg_id, Int32Array),
      msg_type: vec(new Int8(), c.msg_type, Int8Array),
    });
    const bytes = tableToIPC(table, "stream");
    const constant = { incarnation: 0, parent: -1, size: 300, reason: 40_000, duration: null };
    const d = decodeChunk(bytes, { seq_base: 0, constant });
    expect(d.incarnation).toBeInstanceOf(Uint8Array);
    expect(d.parent).toBeInstanceOf(Int8Array);
    expect(Array.from(d.parent)).toEqual([-1, -1]);
    expect(d.size).toBeInstanceOf(Int16Array);
    expect(Array.from(d.size)).toEqual([300, 300]);
    expect(d.reason).toBeInstanceOf(Int32Array);
    expect(Array.from(d.reason)).toEqual([40_000, 40_000]);
    expect(d.duration).toBeInstanceOf(Float32Array);
    expect(Number.isNaN(d.duration[1])).toBe(true);
    expect(Array.from(decodeChunk(bytes, { seq_base: 0, constant: { ...constant, duration: 0.1 } }).duration)).toEqual([0.1, 0.1]);
    // a column neither sent nor said to be constant is a version skew, said as such
    const { size: _size, ...noSize } = constant;
    expect(() => decodeChunk(bytes, { seq_base: 0, constant: noSize })).toThrow(/lacks column size/);
    // and the store reads them like any other column
    const store = new EventStore();
    store.appendChunk({ type: "chunk", index: 0, rows: 2, strings_base: 0, strings: enc.strings, seq_base: 0, constant }, bytes);
    expect(store.n).toBe(2);
    expect(store.parent.data[1]).toBe(-1);
    expect(store.size.data[0]).toBe(300);
    expect(store.messageOf(2)).toBe(1);
  });

  it("fold as the widest columns do, with chunks cut anywhere and int16 and int32 codes mixed", () => {
    for (let seed = 1; seed <= 6; seed++) {
      // durations exact in float32, as encode.py sends float32 only then
      const evs = randomRun(seed, 14, 500).map((e) => (e.duration === undefined ? e : { ...e, duration: Math.fround(e.duration) }));
      const wide = new EventStore();
      const wenc = new Encoder();
      const w = wenc.chunk(evs);
      wide.appendChunk(w.header, w.bytes);
      const narrow = new EventStore();
      const nenc = new Encoder();
      const r = rng(seed * 31);
      for (let at = 0, i = 0; at < evs.length; i++) {
        const next = Math.min(evs.length, at + 1 + Math.floor(r() * 120));
        const { header, bytes } = narrowChunk(nenc, evs.slice(at, next), i % 2 === 1);
        expect(narrow.appendChunk(header, bytes)).toBe(true);
        at = next;
      }
      const seqs = (s: EventStore) => Array.from({ length: s.n }, (_x, r) => s.seqOf(r));
      expect(seqs(narrow)).toEqual(seqs(wide));
      const fw = new Folder(wide, 64);
      const fn = new Folder(narrow, 64);
      for (const t of [0, 0.3, 1, 2.5, 4, 7, 11, 1e9]) {
        const a = fw.stateAt(t);
        const b = fn.stateAt(t);
        expect(Array.from(b.status.subarray(0, 14))).toEqual(Array.from(a.status.subarray(0, 14)));
        expect(Array.from(b.mailbox.subarray(0, 14))).toEqual(Array.from(a.mailbox.subarray(0, 14)));
        expect(Array.from(b.processed.subarray(0, 14))).toEqual(Array.from(a.processed.subarray(0, 14)));
        expect(Array.from(b.busyUntil.subarray(0, 14))).toEqual(Array.from(a.busyUntil.subarray(0, 14)));
      }
      expect(narrow.mSendRow.length).toBe(wide.mSendRow.length);
    }
  });
});
