// The space-time view's indexes grown chunk by chunk (SpacetimeData.update) equal the ones built
// from scratch over the same rows, wherever the chunk boundaries fall: the messages' and slices'
// time indexes (order, ends, block maxima), the slices themselves, the actors' home nodes, and
// the causal index (the same past and future for any focus).
import { describe, expect, it } from "vitest";
import { advanceCausal, C, CausalIndex, causalOfEvent, causalOfMessage, type CausalSet } from "../src/causal";
import { SpacetimeData } from "../src/spacetime_data";
import { homeNodes } from "../src/spacetime_lanes";
import { EventStore } from "../src/store";
import { Encoder, type Ev, randomRun, rng } from "./helpers";

/** A random run whose handlers are partly in the two-row form (start, end maybe much later) or never end. */
function runWithHandlers(seed: number, actors: number, steps: number): Ev[] {
  const r = rng(seed * 7 + 1);
  const out: Ev[] = [];
  for (const e of randomRun(seed, actors, steps)) {
    if (e.kind === "msg_send") {
      // the send's expected arrival off from the real one: receipts then move a flight's end
      out.push({ ...e, duration: (e.duration ?? 0.1) * (0.5 + r()) });
      continue;
    }
    if (e.kind !== "msg_handle" || r() < 0.5) {
      out.push(e);
      continue;
    }
    const { duration, ...start } = e;
    out.push({ ...start, kind: "handler_start" });
    if (r() < 0.1) continue; // never returns: an open slice
    const late = r() < 0.2 ? 1 + r() : (duration ?? 0.01);
    out.push({ ...start, kind: "handler_end", t: e.t + late, duration: late, reason: r() < 0.2 ? "error: boom" : "ok" });
  }
  // stable by time: the ends that were pushed early move to where they happen
  return out.map((e, i) => [e, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([e]) => e);
}

function sameAsRebuilt(inc: SpacetimeData, s: EventStore, what: string): void {
  const fresh = new SpacetimeData(s);
  expect(inc.n, what).toBe(s.n);
  expect(inc.messages.snapshot(), `${what}: messages`).toEqual(fresh.messages.snapshot());
  expect(inc.slices.index.snapshot(), `${what}: slice index`).toEqual(fresh.slices.index.snapshot());
  const cols = (d: SpacetimeData) => {
    const sl = d.slices;
    const n = sl.n;
    return [sl.actor, sl.start, sl.end, sl.type, sl.msg, sl.row, sl.error].map((a) => Array.from(a.subarray(0, n)));
  };
  expect(cols(inc), `${what}: slices`).toEqual(cols(fresh));
  const nA = s.actorCodes.length;
  expect(Array.from(inc.home.subarray(0, nA)), `${what}: homes`).toEqual(Array.from(homeNodes(s)));
}

/** Feed `evs` in chunks cut at random places, updating after each; check against a rebuild. */
function grow(evs: Ev[], seed: number, pieces: number, checkEvery = true): SpacetimeData {
  const r = rng(seed);
  const cuts = new Set<number>();
  while (cuts.size < pieces - 1) cuts.add(1 + Math.floor(r() * (evs.length - 1)));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), evs.length];
  const enc = new Encoder();
  const s = new EventStore();
  let d: SpacetimeData | null = null;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const { header, bytes } = enc.chunk(evs.slice(bounds[i], bounds[i + 1]));
    s.appendChunk(header, bytes);
    if (!d) d = new SpacetimeData(s);
    else d.update();
    if (checkEvery || i + 2 === bounds.length) sameAsRebuilt(d, s, `seed ${seed}, chunk ${i} of ${bounds.length - 1}`);
  }
  return d!;
}

describe("space-time indexes grown chunk by chunk", () => {
  it("equal a rebuild at every chunk, wherever the boundaries fall", () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const evs = runWithHandlers(seed, 12, 700);
      const d = grow(evs, seed, 2 + (seed % 4) * 7);
      // rows in fold order: appended, never rebuilt past the first build
      expect(d.rebuilds).toBe(1);
    }
  });

  it("equal a rebuild with one-row chunks", () => {
    const evs = runWithHandlers(9, 6, 120);
    const d = grow(evs, 9, evs.length);
    expect(d.rebuilds).toBe(1);
  });

  it("rebuild when a chunk folds before rows already read, and still agree", () => {
    const evs = runWithHandlers(11, 10, 500);
    const late = evs.slice(0, 400);
    // the last chunk holds rows whose times go before the end of the first: a merged stream
    const early = evs.slice(400).map((e) => ({ ...e, t: e.t - 5 }));
    const enc = new Encoder();
    const s = new EventStore();
    const a = enc.chunk(late);
    s.appendChunk(a.header, a.bytes);
    const d = new SpacetimeData(s);
    const b = enc.chunk(early);
    s.appendChunk(b.header, b.bytes);
    expect(d.update()).toBe(true);
    expect(d.rebuilds).toBe(2);
    sameAsRebuilt(d, s, "late chunk");
  });

  it("moves the window index of a message received in a later chunk", () => {
    const evs: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 1, msg_type: "ping", duration: 0.5 },
    ];
    const enc = new Encoder();
    const s = new EventStore();
    const c1 = enc.chunk(evs);
    s.appendChunk(c1.header, c1.bytes);
    const d = new SpacetimeData(s);
    const count = (w0: number, w1: number) => d.messages.query(w0, w1, new Int32Array(4))[1];
    expect(count(1.4, 1.45)).toBe(1); // expected to arrive at 1.5
    const c2 = enc.chunk([{ t: 1.2, kind: "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: 1, msg_type: "ping" }]);
    s.appendChunk(c2.header, c2.bytes);
    d.update();
    expect(count(1.4, 1.45)).toBe(0); // it arrived at 1.2
    expect(count(1.1, 1.15)).toBe(1);
  });
});

describe("causal index grown chunk by chunk", () => {
  it("gives every focus the same past and future as one built anew, at random boundaries", () => {
    let carried = 0;
    for (const seed of [1, 2, 3, 4]) {
      const evs = runWithHandlers(seed, 10, 500);
      const r = rng(seed + 100);
      const cuts = new Set<number>();
      while (cuts.size < 9) cuts.add(1 + Math.floor(r() * (evs.length - 1)));
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), evs.length];
      const enc = new Encoder();
      const s = new EventStore();
      let inc: CausalIndex | null = null;
      // focuses set early and carried over every chunk (advanceCausal), or computed anew when it cannot
      let kept: CausalSet[] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const { header, bytes } = enc.chunk(evs.slice(bounds[i], bounds[i + 1]));
        s.appendChunk(header, bytes);
        if (!inc) inc = new CausalIndex(s);
        else expect(inc.extend()).toBe(true);
        const fresh = new CausalIndex(s);
        const nM = s.mSendRow.length;
        kept = kept.map((c) => {
          if (advanceCausal(inc!, c)) {
            carried++;
            return c;
          }
          return causalOfMessage(inc!, c.message);
        });
        for (const c of kept) {
          const b = causalOfMessage(fresh, c.message);
          const what = `seed ${seed}, chunk ${i}, kept focus ${c.message}`;
          expect(Array.from(c.msgClass.subarray(0, nM)), what).toEqual(Array.from(b.msgClass));
          expect([c.past, c.future, c.pastCount, c.futureCount], what).toEqual([b.past, b.future, b.pastCount, b.futureCount]);
        }
        if (kept.length < 3 && nM > 5) kept.push(causalOfMessage(inc, Math.floor(r() * nM)));
        expect(Array.from(inc.recvRow.subarray(0, nM))).toEqual(Array.from(fresh.recvRow.subarray(0, nM)));
        for (let k = 0; k < 6 && nM; k++) {
          const m = Math.floor(r() * nM);
          const a = causalOfMessage(inc, m);
          const b = causalOfMessage(fresh, m);
          expect([a.msgClass, a.past, a.future], `seed ${seed}, chunk ${i}, message ${m}`).toEqual([b.msgClass, b.past, b.future]);
          const row = s.mSendRow.data[m];
          const src = s.mSrc.data[m];
          if (src >= 0) expect(causalOfEvent(inc, src, row).msgClass).toEqual(causalOfEvent(fresh, src, row).msgClass);
        }
      }
    }
    // most chunks carry a focus over instead of computing it again
    expect(carried).toBeGreaterThan(40);
  });
});

describe("a receipt that moves to a later chunk", () => {
  it("stops carrying causality from the msg_recv once the handler start arrives", () => {
    // a→e (1) handled at 0.6; e→b (2) in b's mailbox at 1.05, handled at 1.5 (next chunk);
    // b→c (3) sent at 1.2: b had not handled 2 yet, so neither 2 nor 1 is in 3's past
    const m = (id: number, a: string, b: string, t: number, r: number, h: number): Ev[] => [
      { t, kind: "msg_send", node: "n0", actor: a, peer: b, msg_id: id, msg_type: "x", duration: r - t },
      { t: r, kind: "msg_recv", node: "n0", actor: b, peer: a, msg_id: id, msg_type: "x" },
      { t: h, kind: "msg_handle", node: "n0", actor: b, peer: a, msg_id: id, msg_type: "x", duration: 0.01 },
    ];
    const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
    for (const a of ["a", "b", "c", "e"]) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: a });
    evs.push(...[...m(1, "a", "e", 0.5, 0.55, 0.6), ...m(2, "e", "b", 1.0, 1.05, 1.5), ...m(3, "b", "c", 1.2, 1.25, 1.28)].sort((x, y) => x.t - y.t));
    const cut = evs.findIndex((e) => e.t >= 1.3); // the handler start of 2 comes in the second chunk
    const enc = new Encoder();
    const s = new EventStore();
    const c1 = enc.chunk(evs.slice(0, cut));
    s.appendChunk(c1.header, c1.bytes);
    const ix = new CausalIndex(s);
    const three = s.messageOf(3);
    // until then 2 counts as received at 1.05, before 3 was sent: 2 and 1 are in its past
    const kept = causalOfMessage(ix, three);
    expect(kept.msgClass[s.messageOf(1)]).toBe(C.past);
    const c2 = enc.chunk(evs.slice(cut));
    s.appendChunk(c2.header, c2.bytes);
    expect(ix.extend()).toBe(true);
    // the focus kept from before cannot be carried over: its past relied on the moved receipt
    expect(advanceCausal(ix, kept)).toBe(false);
    const c = causalOfMessage(ix, three);
    expect([c.msgClass[s.messageOf(1)], c.msgClass[s.messageOf(2)]]).toEqual([C.concurrent, C.concurrent]);
    expect(c.pastCount).toBe(0);
  });
});
