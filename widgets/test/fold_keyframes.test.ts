// The keyframes as deltas (keyframes.ts) against a plain fold from zero: at many random times,
// in random order, with random chunk boundaries, event times out of order in seq (so later
// chunks change folded rows in hindsight), forced merges, at sizes where the deltas, the walks
// between keyframes and the checkpoints all come into play. Every field the fold keeps is
// compared: per-actor and per-node values, the per-node status counts, the possibly-busy list
// and the cut links.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Folder, MeshState, STATUS_SLOTS, applyRow } from "../src/fold";
import { S } from "../src/kinds";
import { EventStore } from "../src/store";
import { Encoder, rng, type Ev } from "./helpers";

/** A run with every kind the fold reads, v1 and v2 handlers, errors, links and node states. */
function bigRun(seed: number, actors: number, steps: number, jitter: number): Ev[] {
  const r = rng(seed);
  const nodes = Array.from({ length: 7 }, (_, i) => `n${i}`);
  const evs: Ev[] = nodes.map((node) => ({ t: 0, kind: "node_join" as const, node }));
  const ids = Array.from({ length: actors }, (_, i) => `a${i}`);
  const inc = new Map<string, number>();
  let t = 0;
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < steps; i++) {
    t += r() * 0.01;
    // a time out of order in seq now and then: the store must refold from there
    const at = r() < jitter ? Math.max(0, t - r() * 0.5) : t;
    const a = pick(ids);
    const node = pick(nodes);
    const x = r();
    const e: Ev = { t: at, kind: "msg_send", node, actor: a };
    if (x < 0.12) Object.assign(e, { kind: "actor_spawn", msg_type: "Worker", parent: "a0" });
    else if (x < 0.15) Object.assign(e, { kind: "actor_fail", reason: "Boom", peer: a });
    else if (x < 0.18) {
      inc.set(a, (inc.get(a) ?? 0) + 1);
      Object.assign(e, { kind: "actor_restart", incarnation: inc.get(a), msg_type: "Worker" });
    } else if (x < 0.2) Object.assign(e, { kind: "actor_stop", reason: r() < 0.5 ? "shutdown" : "normal" });
    else if (x < 0.4) Object.assign(e, { kind: "msg_recv", msg_type: "ping", msg_id: i });
    else if (x < 0.55) Object.assign(e, { kind: "msg_handle", msg_type: r() < 0.5 ? "ping" : "work", duration: r() < 0.2 ? 0 : r() * 0.3, reason: r() < 0.05 ? "error: bad" : undefined });
    else if (x < 0.65) Object.assign(e, { kind: "handler_start", msg_type: "work" });
    else if (x < 0.74) Object.assign(e, { kind: "handler_end", msg_type: "work", duration: r() * 0.2, reason: r() < 0.1 ? "error: no" : "ok" });
    else if (x < 0.78) Object.assign(e, { kind: "msg_drop", reason: r() < 0.5 ? "discarded" : "loss", msg_id: i });
    else if (x < 0.8) Object.assign(e, { kind: r() < 0.5 ? "link_down" : "link_up", actor: undefined, peer: pick(nodes), reason: "partition" });
    else if (x < 0.82) Object.assign(e, { kind: "node_state", actor: undefined, reason: r() < 0.5 ? "maintenance" : "up" });
    else if (x < 0.83) Object.assign(e, { kind: r() < 0.5 ? "node_down" : "node_up", actor: undefined });
    else Object.assign(e, { kind: "msg_send", peer: pick(ids), msg_id: i, msg_type: "ping", duration: 0.05 });
    evs.push(e);
  }
  return evs;
}

/** The fold of positions [0, rows) from an empty state, no keyframes. */
function plain(store: EventStore, rows: number): MeshState {
  const s = new MeshState();
  s.ensure(store.actorCodes.length, store.nodeCodes.length);
  for (let p = 0; p < rows; p++) applyRow(s, store, store.rowAt(p));
  s.row = rows;
  return s;
}

const ACTOR = ["status", "incarnation", "node", "processed", "mailbox", "lastHandler", "procTime", "busyUntil", "handleT", "open", "startT", "errors", "errorRow", "restarts", "failRow", "lifeRow"] as const;
const NODE = ["nodeState", "nodeReason", "nodeRow"] as const;

/** `got` (a folder's answer) is exactly the plain fold `want` at `rows`. */
function same(store: EventStore, got: MeshState, want: MeshState, what: string): void {
  const actors = store.actorCodes.length;
  const nodes = store.nodeCodes.length;
  expect(got.row, what).toBe(want.row);
  for (const f of ACTOR) expect(Array.from(got[f].subarray(0, actors)), `${what}: ${f}`).toEqual(Array.from(want[f].subarray(0, actors)));
  for (const f of NODE) expect(Array.from(got[f].subarray(0, nodes)), `${what}: ${f}`).toEqual(Array.from(want[f].subarray(0, nodes)));
  expect(Array.from(got.nodeCounts.subarray(0, nodes * STATUS_SLOTS)), `${what}: nodeCounts`).toEqual(Array.from(want.nodeCounts.subarray(0, nodes * STATUS_SLOTS)));
  expect([...got.links.entries()].sort(), `${what}: links`).toEqual([...want.links.entries()].sort());
  // the possibly-busy list, pruned at the last folded time, is exactly the actors busy then
  const t = want.row ? store.ts.data[want.row - 1] : -Infinity;
  const busy: number[] = [];
  for (let a = 0; a < actors; a++) {
    if (want.status[a] === S.alive && (want.open[a] > 0 || want.busyUntil[a] > t)) busy.push(a);
  }
  const list = Array.from(got.busy.subarray(0, got.busyLen));
  expect([...list].sort((x, y) => x - y), `${what}: busy list`).toEqual(busy);
  const flagged: number[] = [];
  for (let a = 0; a < actors; a++) if (got.inBusy[a]) flagged.push(a);
  expect(flagged, `${what}: inBusy flags`).toEqual(busy);
}

/** Append `evs` cut at `cuts`, jumping to `probes` random times between appends. */
function feed(folder: Folder, store: EventStore, evs: Ev[], cuts: number[], probe: () => number, probes: number): void {
  const enc = new Encoder();
  const bounds = [0, ...cuts, evs.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const { header, bytes } = enc.chunk(evs.slice(bounds[i], bounds[i + 1]));
    expect(store.appendChunk(header, bytes)).toBe(true);
    for (let j = 0; j < probes; j++) {
      const rows = Math.floor(probe() * (store.n + 1));
      same(store, folder.foldTo(rows), plain(store, rows), `after chunk ${i}, at ${rows}`);
    }
  }
}

describe("keyframes as deltas", { timeout: 60_000 }, () => {
  it("restore exactly the plain fold at random times, in one chunk", () => {
    for (const snapshots of [true, false]) {
      const evs = bigRun(1, 300, 6000, 0);
      const store = new EventStore();
      const folder = new Folder(store, 32, { idle: false, snapshots });
      const r = rng(11);
      feed(folder, store, evs, [], r, 0);
      for (let i = 0; i < 200; i++) {
        const rows = Math.floor(r() * (store.n + 1));
        same(store, folder.foldTo(rows), plain(store, rows), `jump ${i} to ${rows}`);
      }
      expect(folder.keyframeCount).toBeGreaterThan(100);
      // every way of moving between keyframes was taken: walking, from a checkpoint, from a copy
      expect(folder.restores.near).toBeGreaterThan(10);
      if (snapshots) {
        expect(folder.snapshotCount).toBeGreaterThan(3);
        expect(folder.copies).toBeGreaterThan(10);
      } else expect(folder.restores.full).toBeGreaterThan(10);
    }
  });

  it("stay exact under random chunk boundaries and times out of order (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 2999 }), { maxLength: 10 }),
        fc.integer({ min: 4, max: 64 }),
        fc.constantFrom(0, 0.02, 0.2),
        (seed, cuts, spacing, jitter) => {
          const evs = bigRun(seed, 150, 3000, jitter);
          const store = new EventStore();
          const folder = new Folder(store, spacing, { idle: false });
          const r = rng(seed + 1);
          feed(folder, store, evs, cuts.sort((a, b) => a - b), r, 3);
          for (let i = 0; i < 20; i++) {
            const rows = Math.floor(r() * (store.n + 1));
            same(store, folder.foldTo(rows), plain(store, rows), `seed ${seed}, jump ${i} to ${rows}`);
          }
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  }, 120_000);

  it("merge in pairs when over budget, doubling the spacing, and stay exact", () => {
    const evs = bigRun(3, 200, 5000, 0.05);
    const store = new EventStore();
    const folder = new Folder(store, 8, { idle: false, budget: 512 * 1024 });
    const r = rng(5);
    feed(folder, store, evs, [1000, 2500, 4000], r, 10);
    for (let i = 0; i < 100; i++) {
      const rows = Math.floor(r() * (store.n + 1));
      same(store, folder.foldTo(rows), plain(store, rows), `jump ${i} to ${rows}`);
    }
    expect(folder.merges).toBeGreaterThan(0);
    expect(folder.spacing).toBe(8 * 2 ** folder.merges);
    // the full copies give way first, then the keyframes merge until they fit
    expect(folder.keyframeBytes + folder.snapshotBytes).toBeLessThanOrEqual(512 * 1024);
  });

  it("a chunk that changes folded rows in hindsight drops exactly the keyframes after it", () => {
    const evs = bigRun(4, 100, 2000, 0);
    const store = new EventStore();
    const folder = new Folder(store, 16, { idle: false });
    const enc = new Encoder();
    const first = enc.chunk(evs);
    store.appendChunk(first.header, first.bytes);
    folder.foldTo(store.n);
    const before = folder.keyframeCount;
    // one event back in time: everything folded after its place must be refolded
    const t = store.ts.data[1000];
    const late = enc.chunk([{ t, kind: "actor_spawn", node: "n0", actor: "late" }]);
    store.appendChunk(late.header, late.bytes);
    const dirty = store.rowsAt(t) - 1;
    expect(folder.builtRows).toBeLessThanOrEqual(dirty);
    expect(folder.builtRows).toBeGreaterThan(dirty - 16);
    expect(folder.keyframeCount).toBe(Math.floor(dirty / 16));
    expect(before).toBeGreaterThan(folder.keyframeCount);
    for (const rows of [store.n, 0, dirty, dirty + 1, 500, store.n - 3]) same(store, folder.foldTo(rows), plain(store, rows), `at ${rows}`);
  });

  it("a jump between keyframes loads what changed in between, not every actor", () => {
    // 20,000 actors spawned, then traffic among ten of them
    const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
    for (let i = 0; i < 20_000; i++) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: `a${i}` });
    for (let i = 0; i < 20_000; i++) {
      const a = `a${i % 10}`;
      evs.push({ t: 1 + i * 1e-3, kind: i % 2 ? "msg_handle" : "msg_recv", node: "n0", actor: a, msg_type: "ping", duration: 1e-4 });
    }
    const enc = new Encoder();
    const store = new EventStore();
    const c = enc.chunk(evs);
    store.appendChunk(c.header, c.bytes);
    const folder = new Folder(store, 1024, { idle: false });
    folder.foldTo(store.n);
    for (const rows of [30_000, 25_000, 38_000, 22_000]) {
      same(store, folder.foldTo(rows), plain(store, rows), `at ${rows}`);
      expect(folder.restores.loaded).toBeLessThanOrEqual(10);
    }
  });

  it("space keyframes by events whatever the actor count, within the budget", () => {
    const run = (actors: number) => {
      const evs = bigRun(6, actors, 20_000, 0);
      const store = new EventStore();
      const enc = new Encoder();
      const c = enc.chunk(evs);
      store.appendChunk(c.header, c.bytes);
      const folder = new Folder(store, 512, { idle: false });
      folder.foldTo(store.n);
      return folder;
    };
    const few = run(50);
    const many = run(20_000);
    expect(many.spacing).toBe(512);
    expect(many.keyframeCount).toBe(few.keyframeCount);
    // a delta holds what changed: with many actors no more than one entry per event
    expect(many.keyframeBytes).toBeLessThan(20_000 * 100 + 20_000 * 4 * 4);
  });

  it("build keyframes in idle time, so that the first jump replays a few events only", async () => {
    const evs = bigRun(7, 500, 20_000, 0);
    const store = new EventStore();
    const folder = new Folder(store, 256);
    const enc = new Encoder();
    for (let i = 0; i < 4; i++) {
      const c = enc.chunk(evs.slice(i * 5000, (i + 1) * 5000));
      store.appendChunk(c.header, c.bytes);
    }
    const last = Math.floor(store.n / 256) * 256;
    await vi.waitFor(() => expect(folder.builtRows).toBe(last), { timeout: 10_000, interval: 5 });
    expect(folder.snapshotCount).toBeGreaterThan(0); // the full copies, made in idle time too
    same(store, folder.foldTo(store.n - 1), plain(store, store.n - 1), "first jump");
    expect(folder.builtRows).toBe(last);
    folder.detach();
  });

  it("a jump that cannot wait for idle time builds the keyframes it needs and the copies due, idle time the ones halfway", async () => {
    const evs = bigRun(8, 500, 10_000, 0);
    const store = new EventStore();
    const folder = new Folder(store, 256);
    const enc = new Encoder();
    const c = enc.chunk(evs);
    store.appendChunk(c.header, c.bytes);
    same(store, folder.foldTo(store.n), plain(store, store.n), "cold jump");
    expect(folder.keyframeCount).toBe(Math.floor(store.n / 256));
    // a copy on every 8th keyframe at once, so that the jumps after a cold one start near one
    expect(folder.snapshotCount).toBe(Math.floor(folder.keyframeCount / 8));
    // idle time then adds more between them (the budget has room), each exactly the state there
    const due = folder.snapshotCount;
    await vi.waitFor(() => expect(folder.settled).toBe(true), { timeout: 20_000, interval: 5 });
    expect(folder.snapshotCount).toBeGreaterThan(due);
    const r = rng(9);
    for (let i = 0; i < 60; i++) {
      const rows = Math.floor(r() * (store.n + 1));
      same(store, folder.foldTo(rows), plain(store, rows), `jump ${i} to ${rows}`);
    }
    expect(folder.copies).toBeGreaterThan(5);
    folder.detach();
  });
  it("a jump forward near the working state folds on from it, exactly (fast-check: random steps, chunks, times out of order)", () => {
    let forward = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 3999 }), { maxLength: 8 }),
        fc.constantFrom(0, 0.02, 0.2),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 600 })), { minLength: 10, maxLength: 40 }),
        (seed, cuts, jitter, steps) => {
          const evs = bigRun(seed, 120, 4000, jitter);
          const store = new EventStore();
          const folder = new Folder(store, 64, { idle: false });
          const enc = new Encoder();
          const bounds = [0, ...cuts.sort((a, b) => a - b), evs.length];
          const r = rng(seed + 7);
          let at = 0;
          for (let i = 0; i + 1 < bounds.length; i++) {
            const { header, bytes } = enc.chunk(evs.slice(bounds[i], bounds[i + 1]));
            store.appendChunk(header, bytes);
            // a few steps forward (a scrub or playback) and now and then a far jump, after each chunk
            for (const [far, by] of steps.slice(0, 6 + (i % 5))) {
              at = far ? Math.floor(r() * (store.n + 1)) : Math.min(store.n, at + by);
              same(store, folder.foldTo(at), plain(store, at), `seed ${seed}, chunk ${i}, at ${at}`);
            }
          }
          forward += folder.forward;
        },
      ),
      { numRuns: 30, seed: 20261208 },
    );
    // short steps fold on from the working state (with ~100 actors a copy is cheap, so a step
    // past a keyframe may start from the builder's copy instead)
    expect(forward).toBeGreaterThan(30);
  }, 120_000);

  it("a forward jump past keyframes walks or replays from the working state, equal to a fresh fold", () => {
    const evs = bigRun(12, 300, 8000, 0.05);
    const store = new EventStore();
    const enc = new Encoder();
    for (const part of [evs.slice(0, 3000), evs.slice(3000, 5500), evs.slice(5500)]) {
      const c = enc.chunk(part);
      store.appendChunk(c.header, c.bytes);
    }
    const folder = new Folder(store, 128, { idle: false });
    const r = rng(13);
    let at = Math.floor(store.n / 3);
    for (let i = 0; i < 150; i++) {
      // forward by 0 to ~3 keyframes' worth, past keyframe boundaries, then back now and then
      at = i % 10 === 9 ? Math.floor(r() * store.n) : Math.min(store.n, at + Math.floor(r() * 400));
      same(store, folder.foldTo(at), plain(store, at), `step ${i} to ${at}`);
    }
    expect(folder.forward).toBeGreaterThan(50);
  });

  it("build in idle slices that stop after every short step (a piece of a copy, a walk, 512 events) and stay exact, jumps and chunks in between", async () => {
    const evs = bigRun(14, 400, 12_000, 0.02);
    const store = new EventStore();
    const folder = new Folder(store, 128, { sliceMs: 0 });
    const enc = new Encoder();
    const r = rng(15);
    const bounds = [0, 4000, 7000, 9500, evs.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const c = enc.chunk(evs.slice(bounds[i], bounds[i + 1]));
      store.appendChunk(c.header, c.bytes);
      // let idle time run a while (copies half made), then jump: the builder may move under them
      for (let j = 0; j < 20; j++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (j % 5 === 4) {
          const rows = Math.floor(r() * (store.n + 1));
          same(store, folder.foldTo(rows), plain(store, rows), `chunk ${i}, tick ${j}, at ${rows}`);
        }
      }
    }
    // a chunk naming 700 new actors while a copy is under way: its source grows, it starts over
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t = store.t1;
    const more = enc.chunk(Array.from({ length: 700 }, (_, i) => ({ t: t + i * 1e-3, kind: "actor_spawn" as const, node: "n1", actor: `new${i}` })));
    store.appendChunk(more.header, more.bytes);
    for (let j = 0; j < 10; j++) await new Promise((resolve) => setTimeout(resolve, 0));
    same(store, folder.foldTo(store.n), plain(store, store.n), "after the new actors");
    const last = Math.floor(store.n / 128) * 128;
    await vi.waitFor(() => expect(folder.builtRows).toBe(last), { timeout: 20_000, interval: 5 });
    // copies on every 8th keyframe and more between them, once idle time is done
    await vi.waitFor(() => expect(folder.settled).toBe(true), { timeout: 20_000, interval: 5 });
    expect(folder.snapshotCount).toBeGreaterThan(Math.floor(folder.keyframeCount / 8));
    for (let i = 0; i < 80; i++) {
      const rows = Math.floor(r() * (store.n + 1));
      same(store, folder.foldTo(rows), plain(store, rows), `jump ${i} to ${rows}`);
    }
    expect(folder.copies).toBeGreaterThan(5);
    folder.detach();
  }, 60_000);

  it("with the budget full, idle time moves the copies to where jumps in time land, off keyframes that share one time", async () => {
    // 3,000 actors spawned at t = 0 (a third of the keyframes, all at one time), then traffic over 10 s
    const r = rng(16);
    const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
    for (let i = 0; i < 3000; i++) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: `a${i}` });
    for (let i = 0; i < 6000; i++) {
      const a = `a${Math.floor(r() * 3000)}`;
      evs.push({ t: (i + 1) * (10 / 6000), kind: i % 2 ? "msg_handle" : "msg_recv", node: "n0", actor: a, msg_type: "ping", duration: 1e-3 });
    }
    const store = new EventStore();
    const c = new Encoder().chunk(evs);
    store.appendChunk(c.header, c.bytes);
    const probe = new Folder(store, 256, { idle: false, snapshots: false });
    probe.foldTo(store.n);
    // room for four copies beside the keyframes, fewer than a build makes (every 8th of 35)
    const budget = probe.keyframeBytes + Math.floor(4.5 * (3001 * 100 + 16 * 64));
    const folder = new Folder(store, 256, { budget });
    await vi.waitFor(() => expect(folder.settled).toBe(true), { timeout: 20_000, interval: 5 });
    expect(folder.snapshotCount).toBe(4);
    expect(folder.keyframeBytes + folder.snapshotBytes).toBeLessThanOrEqual(budget);
    // none stands inside t = 0 (a keyframe with more events at 0 after it, where no jump in
    // time lands; the build put one on the 8th): all four serve the 10 s of traffic
    const inside = folder.snapshotRows.filter((row) => store.ts.data[row] === 0);
    expect(inside, `copies at rows ${folder.snapshotRows}`).toEqual([]);
    for (let i = 0; i < 60; i++) {
      const rows = Math.floor(r() * (store.n + 1));
      same(store, folder.foldTo(rows), plain(store, rows), `jump ${i} to ${rows}`);
    }
    folder.detach();
  });
});
