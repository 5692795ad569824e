// The space-time view's indexes grown chunk by chunk (SpacetimeData.update) equal the ones built
// from scratch over the same rows, wherever the chunk boundaries fall: the messages' and slices'
// time indexes (order, ends, block maxima), the slices themselves, and the actors' home nodes.
import { describe, expect, it } from "vitest";
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
