import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EdgeTable, FlowWindow, pairKey, quantile, type FlowEdge, type FlowEdges, type MsgColumns } from "../src/flows";
import { circleDots, cutChords, flowLines, hitLine, trafficChains, trafficOrder } from "../src/flow_scene";
import { describeFlow, nodeStatusCounts } from "../src/draw_flows";
import { Folder } from "../src/fold";
import { statusName } from "../src/scene";
import { EventStore } from "../src/store";
import { Encoder, randomRun, rng, storeOf, type Ev } from "./helpers";

/** The edges of the window (t - w, t] counted from scratch, as plain data. */
function brute(c: MsgColumns, t: number, w: number, nodeOf: (a: number) => number, type = -1) {
  const actors = new Map<number, number>();
  const nodes = new Map<number, number>();
  for (let m = 0; m < c.mSendRow.length; m++) {
    const s = c.mStart.data[m];
    if (!(s > t - w && s <= t)) continue;
    const a = c.mSrc.data[m];
    const d = c.mDst.data[m];
    if (a >= 0 && a === d) continue;
    if (type !== -1 && c.mType.data[m] !== type) continue;
    if (a >= 0 && d >= 0) actors.set(pairKey(a, d), (actors.get(pairKey(a, d)) ?? 0) + 1);
    const na = c.mSrcNode.data[m];
    const nb = c.mDstNode.data[m] >= 0 ? c.mDstNode.data[m] : d >= 0 ? nodeOf(d) : -1;
    if (na >= 0 && nb >= 0) nodes.set(pairKey(na, nb), (nodes.get(pairKey(na, nb)) ?? 0) + 1);
  }
  return { actors, nodes };
}

const counts = (edges: FlowEdges) => new Map([...edges].map(([k, e]) => [k, e.count]));
const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);

/** A ring of n actors over `nodes` nodes (round robin, as the ring scenario places them). */
function ringRun(n: number, nodes: number, laps: number): Ev[] {
  const evs: Ev[] = [];
  for (let i = 0; i < nodes; i++) evs.push({ t: 0, kind: "node_join", node: `n${i}` });
  for (let i = 0; i < n; i++) evs.push({ t: 0, kind: "actor_spawn", node: `n${i % nodes}`, actor: `hop-${i}`, msg_type: "Hop" });
  let t = 0;
  let id = 0;
  for (let lap = 0; lap < laps; lap++) {
    for (let i = 0; i < n; i++) {
      const [a, b] = [`hop-${i}`, `hop-${(i + 1) % n}`];
      evs.push({ t, kind: "msg_send", node: `n${i % nodes}`, actor: a, peer: b, msg_id: id, msg_type: "token", duration: 0.004 });
      t += 0.004;
      evs.push({ t, kind: "msg_recv", node: `n${((i + 1) % n) % nodes}`, actor: b, peer: a, msg_id: id++, msg_type: "token" });
    }
  }
  return evs;
}

describe("flow window", () => {
  it("slides to exactly the counts of a fresh recount, forward, backward and by jumps", () => {
    const store = storeOf(randomRun(11, 10, 1500));
    const nodeOf = (a: number) => a % 3;
    const win = new FlowWindow(store);
    const r = rng(5);
    let t = store.t0;
    for (let i = 0; i < 400; i++) {
      const x = r();
      t = x < 0.7 ? t + r() * 0.05 : x < 0.85 ? t - r() * 0.05 : store.t0 + r() * (store.t1 - store.t0);
      const w = i % 50 < 40 ? 0.3 : 1.1;
      const type = i % 97 < 80 ? -1 : store.strings.indexOf("ping");
      win.update({ t, w, type, nodeOf });
      const want = brute(store, t, w, nodeOf, type);
      expect(sorted(counts(win.actorEdges))).toEqual(sorted(want.actors));
      expect(sorted(counts(win.nodeEdges))).toEqual(sorted(want.nodes));
      for (const e of win.actorEdges.values()) expect([...e.types.values()].reduce((p, q) => p + q, 0)).toBe(e.count);
    }
  });

  it("stays exact while the store grows chunk by chunk (live), recounting only when it must", () => {
    const evs = randomRun(13, 10, 1500);
    const enc = new Encoder();
    const store = new EventStore();
    const win = new FlowWindow(store);
    const nodeOf = (a: number) => a % 3;
    const cuts = [0, 300, 700, 1100, evs.length];
    let t = 0;
    for (let i = 1; i < cuts.length; i++) {
      const c = enc.chunk(evs.slice(cuts[i - 1], cuts[i]));
      store.appendChunk(c.header, c.bytes);
      // the playhead follows the data, as a live canvas does, then moves on within it
      for (const x of [store.t1 - 0.2, store.t1]) {
        t = Math.max(t, x);
        win.update({ t, w: 0.5, type: -1, nodeOf });
        expect(sorted(counts(win.actorEdges))).toEqual(sorted(brute(store, t, 0.5, nodeOf).actors));
      }
    }
  });

  it("counts no timers (an actor's message to itself) and no unknown type", () => {
    const store = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "tick", duration: 0.1 },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 2, msg_type: "job", duration: 0.1 },
      { t: 1.1, kind: "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: 2, msg_type: "job" },
    ]);
    const win = new FlowWindow(store);
    win.update({ t: 1.5, w: 1, type: -1, nodeOf: () => 0 });
    expect([...win.actorEdges.values()].map((e) => [e.from, e.to, e.count])).toEqual([[0, 1, 1]]);
    win.update({ t: 1.5, w: 1, type: -3, nodeOf: () => 0 });
    expect(win.actorEdges.size).toBe(0);
  });

  it("gives rate, types and latency percentiles of the messages delivered by the playhead", () => {
    const evs: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
    ];
    // ten messages a -> b, latency 1 ms .. 10 ms; the last is still in flight at t = 1.0
    for (let i = 0; i < 10; i++) {
      const t = 0.5 + i * 0.05;
      const lat = (i + 1) / 1000;
      evs.push({ t, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: i, msg_type: i < 7 ? "get" : "put", duration: lat });
    }
    for (let i = 0; i < 10; i++) {
      const t = 0.5 + i * 0.05 + (i === 9 ? 1 : (i + 1) / 1000);
      evs.push({ t, kind: i === 8 ? "msg_drop" : "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: i, msg_type: i < 7 ? "get" : "put", reason: i === 8 ? "loss" : undefined });
    }
    evs.sort((x, y) => x.t - y.t);
    const store = storeOf(evs);
    const win = new FlowWindow(store);
    win.update({ t: 1.0, w: 1.0, type: -1, nodeOf: () => 0 });
    const d = win.detail(0, 1, false)!;
    expect(d.count).toBe(10);
    expect(d.rate).toBe(10);
    expect(d.types.map(([c, n]) => [store.str(c), n])).toEqual([["get", 7], ["put", 3]]);
    expect(d.delivered).toBe(8); // one dropped, one still in flight at the playhead
    expect(d.dropped).toBe(1);
    expect(d.p50).toBeCloseTo(0.004, 9);
    expect(d.p99).toBeCloseTo(0.008, 9);
    const text = describeFlow("a", "b", d, 1, (c) => store.str(c));
    expect(text).toContain("a → b: 10.0/s");
    expect(text).toContain("get 70%, put 30%");
    expect(text).toContain("p50 4.00 ms");
    expect(text).toContain("1 dropped");
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("does the work of one frame's traffic while playing over 1M messages, not the window's", () => {
    // 1M messages over 1,000 s among 2,000 actors on 16 nodes, 10 ms latency
    const n = 1_000_000;
    const col = <T>(a: T) => ({ data: a });
    const r = rng(9);
    const src = new Int32Array(n);
    const dst = new Int32Array(n);
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const srcNode = new Int32Array(n);
    const dstNode = new Int32Array(n);
    for (let m = 0; m < n; m++) {
      start[m] = (m / n) * 1000;
      end[m] = start[m] + 0.01;
      src[m] = Math.floor(r() * 2000);
      dst[m] = (src[m] + 1 + Math.floor(r() * 1999)) % 2000;
      srcNode[m] = src[m] % 16;
      dstNode[m] = dst[m] % 16;
    }
    const c: MsgColumns = {
      mSendRow: { length: n },
      mStart: col(start),
      mEnd: col(end),
      mEndRow: col(new Int32Array(n)),
      mSrc: col(src),
      mDst: col(dst),
      mSrcNode: col(srcNode),
      mDstNode: col(dstNode),
      mType: col(new Int32Array(n).map((_, i) => i % 3)),
      mDropped: col(new Uint8Array(n)),
    };
    const win = new FlowWindow(c);
    const w = 50; // 50,000 messages in the window
    win.update({ t: 100, w, type: -1, nodeOf: () => -1 });
    expect(win.size).toBe(50_000);
    // play at 1x, 60 frames a second: ~17 messages enter and ~17 leave per frame
    let worst = 0;
    let t = 100;
    for (let f = 0; f < 600; f++) {
      t += 1 / 60;
      win.update({ t, w, type: -1, nodeOf: () => -1 });
      worst = Math.max(worst, win.touched);
    }
    // the work per frame is bounded by its own traffic, not the window (time is bench widget's)
    expect(worst).toBeLessThan(60);
    const want = brute(c, t, w, () => -1);
    expect(sorted(counts(win.nodeEdges))).toEqual(sorted(want.nodes));
  });
});

describe("flow layout", () => {
  it("puts a ring in ring order even when its actors alternate between nodes", () => {
    const store = storeOf(ringRun(8, 4, 5));
    const win = new FlowWindow(store);
    win.update({ t: store.t1, w: store.t1 - store.t0 + 1, type: -1, nodeOf: () => -1 });
    const weight = new Map([...win.actorEdges].map(([k, e]) => [k, e.count]));
    const order = trafficOrder([0, 1, 2, 3, 4, 5, 6, 7], weight);
    expect(order.map((a) => store.str(store.actorCodes[a]))).toEqual(["hop-0", "hop-1", "hop-2", "hop-3", "hop-4", "hop-5", "hop-6", "hop-7"]);
    // every edge joins two neighbours on the circle: the picture is a ring, not a star
    const dots = circleDots(order, 300, 300, 200, 8);
    const { lines } = flowLines(dots, win.actorEdges, 1);
    expect(lines.length).toBe(8);
    const pos = new Map(order.map((a, i) => [a, i]));
    for (const l of lines) expect((pos.get(l.to)! - pos.get(l.from)! + 8) % 8).toBe(1);
    // and every chord is equally short: a regular polygon
    const len = lines.map((l) => Math.hypot(l.x1 - l.x0, l.y1 - l.y0));
    expect(Math.max(...len) - Math.min(...len)).toBeLessThan(1e-6);
  });

  it("puts each ping-pong pair side by side, one busy edge each way", () => {
    const w = new Map<number, number>([
      [pairKey(0, 1), 500],
      [pairKey(1, 0), 500],
      [pairKey(2, 3), 400],
      [pairKey(3, 2), 400],
      [pairKey(0, 2), 1],
    ]);
    const order = trafficOrder([0, 2, 1, 3, 4], w);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // two chains of traffic and the silent actor last; on the circle a gap parts the groups,
    // so each pair's partners are nearer each other than to anyone else
    const chains = trafficChains([0, 2, 1, 3, 4], w);
    expect(chains).toEqual([[0, 1], [2, 3], [4]]);
    const group = new Map(chains.flatMap((c, i) => c.map((a) => [a, i] as [number, number])));
    const spaced = circleDots(order, 0, 0, 100, 6, (a) => group.get(a)!);
    const d = (i: number, j: number) => Math.hypot(spaced[i].x - spaced[j].x, spaced[i].y - spaced[j].y);
    expect(d(0, 1)).toBeLessThan(d(1, 2));
    expect(d(2, 3)).toBeLessThan(d(1, 2));
    expect(d(2, 3)).toBeLessThan(d(3, 4));
    const dots = circleDots(order.slice(0, 4), 0, 0, 100, 6);
    const edges = new Map<number, FlowEdge>([
      [pairKey(0, 1), { from: 0, to: 1, count: 50, types: new Map([[7, 50]]) }],
      [pairKey(1, 0), { from: 1, to: 0, count: 50, types: new Map([[8, 50]]) }],
    ]);
    const { lines, maxRate } = flowLines(dots, edges, 0.5);
    expect(lines.map((l) => [l.from, l.to, l.type, l.rate])).toEqual([
      [0, 1, 7, 100],
      [1, 0, 8, 100],
    ]);
    expect(maxRate).toBe(100);
    // the two directions bow apart: hovering each one's middle finds that one
    const sc = { byNode: false, cx: 0, cy: 0, radius: 100, dots, lines, within: new Map(), maxRate, hidden: { edges: 0, messages: 0, aside: 0 }, total: 0, cuts: [], sideOf: new Map() };
    for (const l of lines) {
      const dx = l.x1 - l.x0;
      const dy = l.y1 - l.y0;
      const mx = (l.x0 + l.x1) / 2 - dy * 0.08;
      const my = (l.y0 + l.y1) / 2 + dx * 0.08;
      expect(hitLine(sc, mx, my)).toBe(l);
    }
  });
});

describe("the flows window's edge table", () => {
  it("holds what a Map would, through growth and deletions in any order, and reuses emptied edges", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 3000 }), (ops) => {
        const table = new EdgeTable();
        const want = new Map<number, Map<number, number>>();
        const ids = new Map<number, number[]>(); // key -> ids returned by bump, with their types
        const seen = new Set<FlowEdge>();
        let maxLive = 0;
        for (const [a, b, ty, add] of ops) {
          const key = pairKey(a, b);
          const live = want.get(key);
          if (add || !live) {
            const id = table.bump(a, b, ty);
            (ids.get(key) ?? ids.set(key, []).get(key)!).push(id, ty);
            const m = live ?? new Map<number, number>();
            m.set(ty, (m.get(ty) ?? 0) + 1);
            want.set(key, m);
          } else {
            const list = ids.get(key)!;
            const ty0 = list.pop()!;
            const id = list.pop()!;
            table.unbump(id, ty0);
            const n = live.get(ty0)! - 1;
            if (n) live.set(ty0, n);
            else live.delete(ty0);
            if (![...live.values()].some((v) => v > 0)) want.delete(key);
          }
          maxLive = Math.max(maxLive, want.size);
          for (const e of table.values()) seen.add(e);
        }
        expect(table.size).toBe(want.size);
        for (const [key, m] of want) {
          const e = table.get(key)!;
          expect(e.count).toBe([...m.values()].reduce((p, q) => p + q, 0));
          expect(new Map([...e.types].filter(([, n]) => n > 0))).toEqual(m);
        }
        expect(new Set([...table].map(([k]) => k))).toEqual(new Set(want.keys()));
        // an edge that empties is reused: never more records than edges alive at once
        expect(seen.size).toBeLessThanOrEqual(maxLive);
      }),
      { seed: 3, numRuns: 60 },
    );
  });
});

describe("the flows view's node rings", () => {
  it("count each node's actors by status from the fold's counts exactly as a pass over the actors does", () => {
    const order = ["failed", "restarting", "busy", "idle", "stopped"];
    for (const seed of [3, 8]) {
      const store = storeOf(randomRun(seed, 60, 3000));
      const folder = new Folder(store);
      for (let i = 0; i <= 120; i++) {
        const t = store.t0 + ((store.t1 - store.t0) * i) / 120;
        const s = folder.stateAt(t);
        const want = new Map<number, number[]>();
        for (let a = 0; a < store.actorCodes.length; a++) {
          const st = statusName(s, a, t);
          if (st === "absent" || s.node[a] < 0) continue;
          const c = want.get(s.node[a]) ?? [0, 0, 0, 0, 0, 0];
          c[order.indexOf(st)]++;
          want.set(s.node[a], c);
        }
        const got = new Map<number, number[]>();
        nodeStatusCounts(s, t, store.nodeCodes.length, got);
        expect(got).toEqual(want);
      }
    }
  });
});

describe("cut links in the flows view", () => {
  const dots = [0, 1, 2, 3].map((idx) => ({ idx, x: 100 * idx, y: 0, r: 10, lx: 0, ly: 0, align: "center" as const }));
  const line = (from: number, to: number, cut: boolean) => ({ from, to, x0: 0, y0: 0, x1: 0, y1: 0, width: 2, type: 0, count: 1, rate: 1, cut, alpha: 1 });
  it("draws one chord per cut pair, rim to rim, between actors only where a flow crosses the cut", () => {
    const lines = [line(0, 2, true), line(2, 0, true), line(1, 2, false), line(3, 1, true)];
    const cuts = cutChords(dots, lines, false, () => true);
    expect(cuts.map((c) => `${c.a}~${c.b}`)).toEqual(["0~2", "1~3"]);
    expect(cuts[0].x0).toBe(16);
    expect(cuts[0].x1).toBe(184);
  });
  it("between nodes, every cut pair of dots, with or without traffic", () => {
    const cut = (a: number, b: number) => (a === 0) !== (b === 0);
    expect(cutChords(dots, [], true, cut).map((c) => `${c.a}~${c.b}`)).toEqual(["0~1", "0~2", "0~3"]);
    expect(cutChords(dots, [], true, () => false)).toEqual([]);
  });
});
