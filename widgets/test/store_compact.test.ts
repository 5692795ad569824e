// What the store leaves implied while it holds (store.ts): seq from the chunks' seq_base, fold
// order and sorted times from rows that arrive in (t, seq) order, msg_id at the wire's int32
// with -1 for null, and room for exactly the rows the kernel announced. Each must read back as
// if it were kept, and the first row out of order must make the fold order without changing
// any state the fold derives.
import { Float64, Int32, Table, Uint8, Uint32, makeVector, tableToIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";

import { Folder } from "../src/fold";
import { EventStore } from "../src/store";
import { Encoder, randomRun, rng, type Ev } from "./helpers";

/** The store's order, positions, sorted times and running maximum against a plain sort. */
function checkOrder(s: EventStore): void {
  const rows = Array.from({ length: s.n }, (_x, r) => r);
  rows.sort((a, b) => s.t.data[a] - s.t.data[b] || s.seqOf(a) - s.seqOf(b) || a - b);
  let run = -Infinity;
  for (let p = 0; p < s.n; p++) {
    expect(s.rowAt(p)).toBe(rows[p]);
    expect(s.posOf(rows[p])).toBe(p);
    expect(s.ts.data[p]).toBe(s.t.data[rows[p]]);
    run = Math.max(run, s.t.data[p]);
    expect(s.tmax.data[p]).toBe(run);
  }
}

/** A stream merged from sources whose clocks disagree: some events arrive after later ones. */
function latecomers(evs: Ev[], seed: number): Ev[] {
  const r = rng(seed);
  const out = [...evs];
  // move lifecycle and node events (not messages: a receipt never arrives before its send)
  // a few places later in arrival order, keeping their times
  for (let i = Math.floor(out.length * 0.6); i < out.length - 8; i++) {
    if (out[i].kind.startsWith("msg_") || r() < 0.5) continue;
    const [e] = out.splice(i, 1);
    out.splice(i + 1 + Math.floor(r() * 6), 0, e);
    i += 7;
  }
  return out;
}

/**
 * A chunk as encode.py writes it for a replay: no seq column but the header's seq_base, and
 * msg_id as int32 with -1 for null.
 */
function wireChunk(enc: Encoder, evs: Ev[], seqBase: number) {
  const base = enc.strings.length;
  const c = enc.columns(evs);
  const i32 = (data: Int32Array) => makeVector({ type: new Int32(), data });
  const table = new Table({
    t: makeVector({ type: new Float64(), data: c.t }),
    kind: makeVector({ type: new Uint8(), data: c.kind }),
    node: i32(c.node),
    actor: i32(c.actor),
    incarnation: makeVector({ type: new Uint32(), data: c.incarnation }),
    parent: i32(c.parent),
    peer: i32(c.peer),
    msg_id: i32(Int32Array.from(c.msg_id, (x) => (Number.isNaN(x) ? -1 : x))),
    msg_type: i32(c.msg_type),
    size: i32(c.size),
    reason: i32(c.reason),
    duration: makeVector({ type: new Float64(), data: c.duration }),
  });
  const header = { type: "chunk" as const, index: enc.index++, rows: evs.length, strings_base: base, strings: enc.strings.slice(base), seq_base: seqBase };
  return { header, bytes: tableToIPC(table, "stream") };
}

function feed(evs: Ev[], cuts: number[]): EventStore {
  const enc = new Encoder();
  const s = new EventStore();
  let at = 0;
  for (const cut of [...cuts, evs.length]) {
    const c = enc.chunk(evs.slice(at, cut));
    expect(s.appendChunk(c.header, c.bytes)).toBe(true);
    at = cut;
  }
  return s;
}

describe("store kept compact", () => {
  it("keeps no fold order while rows arrive in order, and makes it when one does not", () => {
    const evs = randomRun(11, 14, 900);
    const late = latecomers(evs, 3);
    const at = late.findIndex((e, i) => i > 0 && e.t < late[i - 1].t);
    expect(at).toBeGreaterThan(0);
    // in order up to the chunk before the first latecomer
    const s = feed(late, [Math.floor(at / 2), at - 1]);
    expect(s.n).toBe(late.length);
    expect(s.inFoldOrder).toBe(false);
    checkOrder(s);
    const inOrder = feed(evs, [Math.floor(at / 2)]);
    expect(inOrder.inFoldOrder).toBe(true);
    expect(inOrder.ts).toBe(inOrder.t); // one copy of the times
    checkOrder(inOrder);
  });

  it("folds a stream with latecomers as the same events sorted by time, at every cut", () => {
    for (let seed = 1; seed <= 4; seed++) {
      const late = latecomers(randomRun(seed, 12, 700), seed);
      // (t, seq) with seq = arrival: a stable sort by t gives the fold order
      const sorted = late.map((e, i) => [e, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([e]) => e);
      const r = rng(seed * 7);
      const cuts = [0, 0, 0].map(() => Math.floor(r() * late.length)).sort((a, b) => a - b);
      const got = new Folder(feed(late, cuts), 64);
      const want = new Folder(feed(sorted, []), 64);
      const times = [...new Set(late.map((e) => e.t))].sort((a, b) => a - b);
      for (const t of [...times.filter((_x, i) => i % 7 === 0), 1e9, ...times.slice(-40).reverse()]) {
        const a = got.stateAt(t);
        const b = want.stateAt(t);
        expect(Array.from(a.status.subarray(0, 12))).toEqual(Array.from(b.status.subarray(0, 12)));
        expect(Array.from(a.incarnation.subarray(0, 12))).toEqual(Array.from(b.incarnation.subarray(0, 12)));
        expect(Array.from(a.restarts.subarray(0, 12))).toEqual(Array.from(b.restarts.subarray(0, 12)));
      }
    }
  });

  it("implies seq from seq_base while chunks run on, and keeps it once they do not", () => {
    const evs = randomRun(4, 8, 200);
    const enc = new Encoder();
    const s = new EventStore();
    const c1 = wireChunk(enc, evs.slice(0, 50), 500);
    expect(s.appendChunk(c1.header, c1.bytes)).toBe(true);
    s.appendColumns(enc.columns([]));
    // a chunk that brings its own seq, running on from 550
    const cols = enc.columns(evs.slice(50, 120));
    cols.seq = Float64Array.from(cols.seq, (_x, i) => 550 + i);
    s.appendColumns(cols);
    expect(s.inFoldOrder).toBe(true);
    expect(Array.from({ length: s.n }, (_x, r) => s.seqOf(r))).toEqual(Array.from({ length: 120 }, (_x, i) => 500 + i));
    // a gap in seq (a live stream resumed further on) makes the column
    const gap = enc.columns(evs.slice(120, 200));
    gap.seq = Float64Array.from(gap.seq, (_x, i) => 10_000 + i);
    s.appendColumns(gap);
    expect(s.seqOf(119)).toBe(619);
    expect(s.seqOf(120)).toBe(10_000);
    expect(s.seqOf(199)).toBe(10_079);
    checkOrder(s);
  });

  it("keeps msg_id at int32 with -1 for null, and joins wide float64 ids too", () => {
    const evs: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 7, msg_type: "ping", duration: 0.5 },
      { t: 1.5, kind: "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: 7, msg_type: "ping" },
    ];
    const enc = new Encoder();
    const s = new EventStore();
    // as encode.py sends it when every id fits: int32, -1 for null
    const first = wireChunk(enc, evs, 0);
    expect(s.appendChunk(first.header, first.bytes)).toBe(true);
    expect(s.msgId.data).toBeInstanceOf(Int32Array);
    expect(Array.from(s.msgId.data.subarray(0, s.n))).toEqual([-1, -1, -1, 7, 7]);
    expect(s.messageOf(s.msgId.data[0])).toBe(-1);
    expect(s.messageOf(NaN)).toBe(-1);
    expect(s.messageOf(7)).toBe(0);
    expect(s.mEndRow.data[0]).toBe(4);
    // ids past 2^31 travel as float64 with NaN for null (an Arrow chunk, as the kernel writes it)
    const big = 2 ** 40 + 3;
    const more: Ev[] = [
      { t: 2, kind: "msg_send", node: "n0", actor: "b", peer: "a", msg_id: big, msg_type: "pong", duration: 0.5 },
      { t: 2.2, kind: "actor_fail", node: "n0", actor: "a", reason: "Boom" },
      { t: 2.5, kind: "msg_drop", node: "n0", actor: "a", peer: "b", msg_id: big, msg_type: "pong", reason: "dead_letter" },
    ];
    // the helper's chunk: msg_id float64 with NaN for null, and a seq column
    const wide = enc.chunk(more);
    expect(s.appendChunk(wide.header, wide.bytes)).toBe(true);
    expect(s.msgId.data).toBeInstanceOf(Float64Array);
    expect(Array.from(s.msgId.data.subarray(0, s.n))).toEqual([-1, -1, -1, 7, 7, big, -1, big]);
    const m = s.messageOf(big);
    expect(m).toBe(1);
    expect(s.mDropped.data[m]).toBe(1);
    expect(s.mEndRow.data[m]).toBe(7);
    expect(s.messageOf(7)).toBe(0);
  });

  it("reserves exactly the rows the kernel announced, and doubles past them", () => {
    const evs = randomRun(9, 10, 3000);
    const enc = new Encoder();
    const s = new EventStore();
    const first = enc.chunk(evs.slice(0, 1000));
    s.appendChunk({ ...first.header, rows_total: evs.length }, first.bytes);
    for (const col of [s.t, s.kind, s.node, s.actor, s.incarnation, s.parent, s.peer, s.msgId, s.msgType, s.size, s.reason, s.duration]) {
      expect(col.data.length).toBe(evs.length);
    }
    const rest = enc.chunk(evs.slice(1000));
    s.appendChunk({ ...rest.header, rows_total: evs.length }, rest.bytes);
    expect(s.t.data.length).toBe(evs.length);
    // the message columns: room for about the sends announced, not a power of two
    expect(s.mStart.data.length).toBeGreaterThanOrEqual(s.mSendRow.length);
    expect(s.mStart.data.length).toBeLessThan(s.mSendRow.length * 1.2);
    // a live stream goes on past what was announced: doubling, so appends stay amortised
    const live = enc.chunk([{ t: 1e6, kind: "node_state", node: "n0", reason: "drain" }]);
    s.appendChunk({ ...live.header, rows_total: evs.length + 1 }, live.bytes);
    expect(s.t.data.length).toBe(2 * evs.length);
    expect(s.str(s.reason.data[evs.length])).toBe("drain");
  });
});
