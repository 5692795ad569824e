import { describe, expect, it } from "vitest";
import { Grow } from "../src/grow";
import { EventStore } from "../src/store";
import { Encoder, randomRun, rng, storeOf } from "./helpers";

describe("event store", () => {
  it("decodes Arrow chunks and appends them in order, refusing gaps", () => {
    const evs = randomRun(5);
    const enc = new Encoder();
    const half = Math.floor(evs.length / 2);
    const c1 = enc.chunk(evs.slice(0, half));
    const c2 = enc.chunk(evs.slice(half));
    const store = new EventStore();
    expect(store.appendChunk(c2.header, c2.bytes)).toBe(false);
    expect(store.appendChunk(c1.header, c1.bytes)).toBe(true);
    expect(store.appendChunk(c2.header, c2.bytes)).toBe(true);
    expect(store.n).toBe(evs.length);
    expect(store.chunks).toBe(2);
    const whole = storeOf(evs);
    expect(Array.from(store.t.view())).toEqual(Array.from(whole.t.view()));
    expect(store.actorCodes.length).toBe(whole.actorCodes.length);
    expect(store.mSendRow.length).toBe(whole.mSendRow.length);
    expect(store.str(store.node.data[0])).toBe("n0");
  });

  it("finds exactly the messages in flight", () => {
    const store = storeOf(randomRun(6, 10, 1500));
    const out = new Grow(Int32Array);
    const r = rng(3);
    for (let i = 0; i < 100; i++) {
      const t = store.t0 + r() * (store.t1 - store.t0);
      store.inFlight(t, out);
      const got = Array.from(out.view()).sort((a, b) => a - b);
      const want: number[] = [];
      for (let m = 0; m < store.mSendRow.length; m++) {
        if (store.mStart.data[m] <= t && store.mEnd.data[m] > t) want.push(m);
      }
      expect(got).toEqual(want);
    }
  });

  it("steps to the next and previous event and bins density", () => {
    const store = storeOf(randomRun(7));
    const t = (store.t0 + store.t1) / 2;
    const next = store.stepTime(t, 1);
    const prev = store.stepTime(t, -1);
    expect(next).toBeGreaterThan(t);
    expect(prev).toBeLessThan(t);
    expect(store.rowsAt(next)).toBeGreaterThan(store.rowsAt(t));
    const d = store.density(store.t0, store.t1, 50);
    expect(d.reduce((a, b) => a + b, 0)).toBe(store.n);
  });

  it("lists moments in a window, newest last", () => {
    const store = storeOf(randomRun(8));
    const rows = store.momentsIn(store.t0, store.t1, 10_000);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    for (const r of rows) expect(store.t.data[r]).toBeGreaterThan(store.t0);
  });
});

describe("mesh-wide events", () => {
  it("do not make a node of an empty node name (a MeshOS admin action for the whole mesh)", () => {
    const store = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 1, kind: "admin", node: "", msg_type: "cordon", reason: "applied" },
      { t: 2, kind: "admin", node: "n0", msg_type: "enter_maintenance", reason: "applied" },
    ]);
    expect(store.nodeCodes.map((c) => store.str(c))).toEqual(["n0"]);
    expect(store.rowsAt(10)).toBe(3);
  });
});
