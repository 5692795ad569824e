// The supervision tree's per-status subtree counts, kept item by item (tree_counts.ts) and moved
// with the playhead at the cost of what changed (tree_flags.ts), against a brute-force count of
// the state at the same time: at random times, after random small steps and far jumps, with
// keyframe restores in between, filters and grouping by node, and rows arriving out of order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel, countForms, pictureOf, refreshTexts, updateFlags, type TreeModel } from "../src/draw_tree";
import { busySince, Folder, type MeshState } from "../src/fold";
import { K, S } from "../src/kinds";
import type { Filters } from "../src/scene";
import { EventStore } from "../src/store";
import { buildForest, hiddenCounts, type Forest } from "../src/tree_budget";
import { BUSY, FAILED, PRESENT, RESTARTING, SubtreeCounts, type CountName } from "../src/tree_counts";
import { LifecycleIndex } from "../src/tree_flags";
import { Encoder, rng, storeOf, type Ev } from "./helpers";

const NAMES: CountName[] = ["present", "failed", "restarting", "busy"];

/** Per item, the sum of `v` over its subtree (itself included), by walking the children. */
function subtreeSums(f: Forest, v: (i: number) => number): number[] {
  const out = new Array<number>(f.n).fill(0);
  for (let q = f.n - 1; q >= 0; q--) {
    const i = f.pre[q];
    out[i] += v(i);
    if (f.parent[i] >= 0) out[f.parent[i]] += out[i];
  }
  return out;
}

/** Every count the tree reads, compared with sums of `bitsOf` over the subtrees. */
function expectCounts(f: Forest, c: SubtreeCounts, bitsOf: (i: number) => number, what: string): void {
  const bad: string[] = [];
  NAMES.forEach((name, slot) => {
    const within = subtreeSums(f, (i) => (bitsOf(i) >> slot) & 1);
    let total = 0;
    for (const r of f.roots) total += within[r];
    if (c.total(name) !== total) bad.push(`${what}: total ${name} ${c.total(name)} != ${total}`);
    for (let i = 0; i < f.n && bad.length < 5; i++) {
      if (c.within(i, name) !== within[i]) bad.push(`${what}: within(${i}, ${name}) ${c.within(i, name)} != ${within[i]}`);
      const below = within[i] - ((bitsOf(i) >> slot) & 1);
      if (c.below(i, name) !== below) bad.push(`${what}: below(${i}, ${name}) ${c.below(i, name)} != ${below}`);
    }
  });
  // the failed or restarting items below each root and overall, in preorder
  const down = (i: number) => (bitsOf(i) & (FAILED | RESTARTING)) !== 0;
  const all = Array.from(f.pre).filter(down);
  if (JSON.stringify(c.downItems(-1, 1e9)) !== JSON.stringify(all)) bad.push(`${what}: downItems(-1)`);
  for (const r of f.roots.slice(0, 5)) {
    const mine = Array.from(f.pre.subarray(f.at[r] + 1, f.at[r] + f.size[r])).filter(down);
    if (JSON.stringify(c.downItems(r, 3)) !== JSON.stringify(mine.slice(0, 3))) bad.push(`${what}: downItems(${r}, 3)`);
  }
  expect(bad).toEqual([]);
}

describe("subtree counts kept item by item", () => {
  it("equal a brute-force count after random changes, and a rebuild from the same flags", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 12 }), (seed, n, batches) => {
        const r = rng(seed);
        const parent = Array.from({ length: n }, (_v, i) => (i === 0 || r() < 0.05 ? -1 : Math.floor(r() * i)));
        const f = buildForest(parent);
        const c = new SubtreeCounts(f);
        const truth = new Uint8Array(n);
        for (let b = 0; b < batches; b++) {
          const changes = 1 + Math.floor(r() * n);
          for (let k = 0; k < changes; k++) {
            const i = Math.floor(r() * n);
            const u = r();
            truth[i] = u < 0.1 ? 0 : u < 0.2 ? PRESENT | FAILED : u < 0.3 ? PRESENT | RESTARTING : u < 0.6 ? PRESENT | BUSY : PRESENT;
            c.set(i, truth[i]);
          }
          expectCounts(f, c, (i) => truth[i], `batch ${b}`);
        }
        const sig = c.signature();
        const again = new SubtreeCounts(f);
        again.bits.set(truth);
        again.rebuild();
        expectCounts(f, again, (i) => truth[i], "rebuilt");
        expect(again.signature()).toBe(sig); // the same sets give the same signature
      }),
      { seed: 3, numRuns: 60 },
    );
  });
});

/**
 * A supervision run over time: actors spawn under earlier ones (some system actors), on five
 * nodes, crash and restart, stop; v1 and v2 handlers keep some of them busy.
 */
function supervisedRun(seed: number, actors: number, steps: number): Ev[] {
  const r = rng(seed);
  const nodes = ["n0", "n1", "n2", "n3", "n4"];
  const evs: Ev[] = nodes.map((node) => ({ t: 0, kind: "node_join" as const, node }));
  const ids = Array.from({ length: actors }, (_v, i) => `root/a${i}`);
  const state = new Map<string, "alive" | "down" | "stopped">();
  const inc = new Map<string, number>();
  let spawned = 0;
  let t = 0;
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < steps; i++) {
    t += r() * 0.02;
    const x = r();
    const node = pick(nodes);
    if (spawned < actors && (x < 0.25 || spawned < 2)) {
      const a = ids[spawned];
      const parent = spawned ? ids[Math.floor(r() * spawned)] : undefined;
      evs.push({ t, kind: "actor_spawn", node, actor: a, parent, msg_type: r() < 0.5 ? "Worker" : "Sup", reason: r() < 0.1 ? "system" : undefined });
      state.set(a, "alive");
      spawned++;
      continue;
    }
    const a = ids[Math.floor(r() * spawned)];
    const st = state.get(a);
    if (x < 0.35 && st === "alive") {
      evs.push({ t, kind: "actor_fail", node, actor: a, reason: "Boom" });
      state.set(a, "down");
    } else if (x < 0.45 && st === "down") {
      inc.set(a, (inc.get(a) ?? 0) + 1);
      evs.push({ t, kind: "actor_restart", node, actor: a, incarnation: inc.get(a), msg_type: "Worker" });
      state.set(a, "alive");
    } else if (x < 0.48 && st === "alive") {
      evs.push({ t, kind: "actor_stop", node, actor: a, reason: r() < 0.5 ? "shutdown" : "normal" });
      state.set(a, "stopped");
    } else if (x < 0.7 && st === "alive") {
      evs.push({ t, kind: "msg_recv", node, actor: a, msg_id: i, msg_type: "ping" });
      evs.push({ t, kind: "msg_handle", node, actor: a, msg_id: i, msg_type: "ping", duration: r() * 0.2 });
    } else if (x < 0.8 && st === "alive") {
      evs.push({ t, kind: "handler_start", node, actor: a, msg_type: "work" });
    } else if (x < 0.9 && st === "alive") {
      evs.push({ t, kind: "handler_end", node, actor: a, msg_type: "work", duration: 0.1, reason: "ok" });
    } else if (x < 0.92) {
      evs.push({ t, kind: r() < 0.5 ? "node_down" : "node_up", node });
    }
  }
  return evs;
}

/** The flags of every item of the model at state s and time t, straight from the state. */
function truthOf(m: TreeModel, s: MeshState, t: number): (i: number) => number {
  return (i) => {
    const a = m.actorOf[i];
    if (a < 0 || a >= s.cap || s.node[a] < 0 || s.status[a] === S.absent) return 0;
    const st = s.status[a];
    if (st === S.failed) return PRESENT | FAILED;
    if (st === S.restarting) return PRESENT | RESTARTING;
    return PRESENT | (Number.isNaN(busySince(s, a, t)) ? 0 : BUSY);
  };
}

describe("subtree counts following the playhead", () => {
  const filters = (hideSystem: boolean, actorClass: string): Filters => ({ hideSystem, actorClass, msgType: "", supervision: false });

  it("equal a brute-force count at random times, after small steps and far jumps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 20, max: 300 }), fc.boolean(), fc.constantFrom("", "Worker"), fc.constantFrom("band" as const, "group" as const), (seed, actors, hideSystem, actorClass, mode) => {
        const store = storeOf(supervisedRun(seed, actors, actors * 12));
        // keyframes close together, so that the fold jumps through deltas and copies
        const folder = new Folder(store, 64, { idle: false });
        const m = buildModel(store, filters(hideSystem, actorClass), mode, "k");
        const index = new LifecycleIndex(store);
        const r = rng(seed ^ 0x5bd1e995);
        const span = store.t1 - store.t0;
        let t = store.t0 + r() * span;
        let small = 0;
        let incremental = 0;
        for (let step = 0; step < 40; step++) {
          const u = r();
          const near = u < 0.7;
          // small steps either way, a far jump, or the very start or end
          t = near ? t + (r() - 0.5) * span * 0.02 : u < 0.9 ? store.t0 + r() * span : u < 0.95 ? store.t0 - 1 : store.t1 + 1;
          const s = folder.stateAt(t);
          const sig = updateFlags(m, s, t, store, index);
          expectCounts(m.forest, m.counts, truthOf(m, s, t), `step ${step} t=${t}`);
          // the signature follows the sets of present and down items, not the busy ones
          const check = new SubtreeCounts(m.forest);
          const truth = truthOf(m, s, t);
          for (let i = 0; i < m.forest.n; i++) check.bits[i] = truth(i);
          check.rebuild();
          expect(sig).toBe(check.signature());
          if (near && step) small++;
          if (!m.tracker.stats.full) incremental++;
        }
        // most small steps cost the lifecycle rows in between, not a pass over every actor
        expect(incremental).toBeGreaterThanOrEqual(Math.min(small, 10) / 2);
      }),
      { seed: 17, numRuns: 40 },
    );
  }, 120_000);

  it("looks at the lifecycle rows between two frames only, and takes one pass on a far jump", () => {
    const n = 3000;
    const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
    for (let i = 0; i < n; i++) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: `w${i}`, parent: i ? "w0" : undefined });
    for (let i = 1; i <= 400; i++) evs.push({ t: i, kind: i % 2 ? "actor_fail" : "actor_restart", node: "n0", actor: `w${Math.ceil(i / 2)}`, reason: "Boom" });
    const store = storeOf(evs);
    const folder = new Folder(store, 64, { idle: false });
    const m = buildModel(store, filters(false, ""), "band", "k");
    const index = new LifecycleIndex(store);
    updateFlags(m, folder.stateAt(10.5), 10.5, store, index);
    expect(m.tracker.stats.full).toBe(true); // the first frame
    updateFlags(m, folder.stateAt(20.5), 20.5, store, index);
    expect(m.tracker.stats).toEqual({ full: false, rows: 10 });
    expect(m.counts.total("failed")).toBe(0);
    updateFlags(m, folder.stateAt(15.5), 15.5, store, index);
    expect(m.tracker.stats).toEqual({ full: false, rows: 5 });
    // w8 failed at t=15 and restarts at 16: restarting in between
    expect(m.counts.within(m.itemOf[store.actorOf.get(store.strings.indexOf("w8"))!], "restarting")).toBe(1);
    expect(m.counts.total("restarting")).toBe(1);
    // from the start to the end: 3000 spawns and 400 lifecycle rows, more than an eighth of the items
    updateFlags(m, folder.stateAt(-1), -1, store, index);
    expect(m.counts.total("present")).toBe(0);
    updateFlags(m, folder.stateAt(400), 400, store, index);
    expect(m.tracker.stats.full).toBe(true);
    expect(m.counts.total("present")).toBe(n);
  });

  it("indexes the lifecycle rows by fold position as chunks arrive out of order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 8 }), (seed, chunks) => {
        const r = rng(seed);
        // times out of order in seq now and then: a later chunk moves rows already indexed
        const evs = supervisedRun(seed, 60, 500).map((e) => (r() < 0.1 ? { ...e, t: Math.max(0, e.t - r() * 2) } : e));
        const enc = new Encoder();
        const store = new EventStore();
        const index = new LifecycleIndex(store);
        store.onChange((d) => index.dirty(d));
        const cuts = Array.from({ length: chunks - 1 }, () => Math.floor(r() * evs.length)).sort((a, b) => a - b);
        let at = 0;
        for (const end of [...cuts, evs.length]) {
          if (end <= at) continue;
          const { header, bytes } = enc.chunk(evs.slice(at, end));
          store.appendChunk(header, bytes);
          at = end;
          index.sync();
          const want: number[] = [];
          for (let p = 0; p < store.n; p++) {
            const k = store.kind.data[store.rowAt(p)];
            if (k >= K.actor_spawn && k <= K.actor_restart) want.push(p);
          }
          expect(Array.from(index.positions.subarray(0, index.length))).toEqual(want);
        }
      }),
      { seed: 23, numRuns: 40 },
    );
  });
});

describe("a folded subtree's count line between layouts", () => {
  it("follows the busy count without a new layout, within the same column", () => {
    const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
    evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: "sup", msg_type: "Sup" });
    for (let i = 0; i < 300; i++) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: `w${i}`, parent: "sup", msg_type: "Worker" });
    // 120 workers busy over [1, 2), then 7 of them over [3, 4)
    for (let i = 0; i < 120; i++) evs.push({ t: 1, kind: "msg_handle", node: "n0", actor: `w${i}`, msg_type: "work", duration: 1 });
    for (let i = 0; i < 7; i++) evs.push({ t: 3, kind: "msg_handle", node: "n0", actor: `w${i + 200}`, msg_type: "work", duration: 1 });
    const store = storeOf(evs);
    const folder = new Folder(store, 64, { idle: false });
    const m = buildModel(store, { hideSystem: false, actorClass: "", msgType: "", supervision: false }, "band", "k");
    const index = new LifecycleIndex(store);
    const measure = (s: string) => [...s].length * 6;
    const rect = { x: 14, y: 24, w: 600, h: 300 };
    const choice = { open: new Set<number>(), closed: new Set<number>() };
    const sig1 = updateFlags(m, folder.stateAt(1.5), 1.5, store, index);
    const pic = pictureOf(m, store, folder.stateAt(1.5), rect, choice, measure);
    const stub = pic.shown.item.indexOf(-1);
    expect(stub).toBeGreaterThan(0);
    const was = pic.place.line2[stub];
    expect(was).toMatch(/busy/);
    const sig2 = updateFlags(m, folder.stateAt(3.5), 3.5, store, index);
    expect(sig2).toBe(sig1); // the same actors present and down: no new layout
    const c = hiddenCounts(pic.shown, stub, m.counts);
    expect(c.busy).toBe(7);
    refreshTexts(pic, m, store, folder.stateAt(3.5), measure);
    const now = pic.place.line2[stub];
    expect(now).not.toBe(was);
    expect(countForms(c, true)[1]).toContain(now);
    // within the stub's own column range, as at layout time
    expect(measure(now)).toBeLessThanOrEqual(pic.place.hi[stub] - pic.place.lo[stub]);
  });
});
