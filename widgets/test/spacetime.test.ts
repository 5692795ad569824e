import { describe, expect, it } from "vitest";
import { C, CausalIndex, causalOfEvent, causalOfMessage } from "../src/causal";
import { BLOCK, IntervalIndex } from "../src/interval_index";
import { K } from "../src/kinds";
import { laneTraffic, thinStride } from "../src/spacetime_bundle";
import { layoutLanes, rowGeometry } from "../src/spacetime_lanes";
import { buildSlices } from "../src/spacetime_slices";
import type { EventStore } from "../src/store";
import { captionLines, captionParts, COMPACT_LINES, type PaintInput, type SpacetimeHit } from "../src/spacetime";
import { fakeContext } from "./dom_stubs";
import { type Ev, randomRun, rng, storeOf } from "./helpers";

const NOFILTER = { hideSystem: false, actorClass: "", msgType: "", supervision: false };

/** A message from `a` to `b`: sent at s, in the mailbox at r, handled at h (if given). */
function msg(id: number, a: string, b: string, s: number, r: number, h?: number, type = "ping"): Ev[] {
  const out: Ev[] = [
    { t: s, kind: "msg_send", node: "n0", actor: a, peer: b, msg_id: id, msg_type: type, duration: r - s },
    { t: r, kind: "msg_recv", node: "n0", actor: b, peer: a, msg_id: id, msg_type: type },
  ];
  if (h !== undefined) out.push({ t: h, kind: "msg_handle", node: "n0", actor: b, peer: a, msg_id: id, msg_type: type, duration: 0.001 });
  return out;
}

function run(msgs: Ev[][]): EventStore {
  const actors = ["a", "b", "c", "d", "e"];
  const evs: Ev[] = [{ t: 0, kind: "node_join", node: "n0" }];
  for (const a of actors) evs.push({ t: 0, kind: "actor_spawn", node: "n0", actor: a, msg_type: "W" });
  evs.push(...msgs.flat().sort((x, y) => x.t - y.t));
  return storeOf(evs);
}

const byId = (s: EventStore, id: number) => s.messageOf(id);
const idsOf = (s: EventStore, cls: Uint8Array, want: number) =>
  [...cls.keys()].filter((m) => cls[m] === want).map((m) => s.msgId.data[s.mSendRow.data[m]]).sort((x, y) => x - y);

describe("causal closure (happens-before)", () => {
  // a→b (1), then b→c (2) and c→d (4) carry it on; d→a (3) came before 1 was sent; d→b (5)
  // and e→b (8) are concurrent with 1; c→b (7) was handled by b before it sent 2; 8 waited in
  // b's mailbox while 2 was sent, and was handled after: it influenced nothing of 2.
  const s = run([
    msg(3, "d", "a", 0.5, 0.6, 0.6),
    msg(7, "c", "b", 1.0, 1.05, 1.15),
    msg(1, "a", "b", 1.0, 1.1, 1.1),
    msg(8, "e", "b", 1.16, 1.17, 1.3),
    msg(2, "b", "c", 1.2, 1.3, 1.3),
    msg(5, "d", "b", 1.25, 1.28, 1.35),
    msg(4, "c", "d", 1.4, 1.5, 1.5),
  ]);
  const ix = new CausalIndex(s);

  it("puts what could have influenced a message in its past, what it could influence in its future", () => {
    const c = causalOfMessage(ix, byId(s, 1));
    expect(idsOf(s, c.msgClass, C.past)).toEqual([3]);
    expect(idsOf(s, c.msgClass, C.future)).toEqual([2, 4]);
    expect(idsOf(s, c.msgClass, C.focus)).toEqual([1]);
    // concurrent: neither before nor after
    expect(idsOf(s, c.msgClass, C.concurrent)).toEqual([5, 7, 8]);
  });

  it("counts a receipt from the handler's start: a message waiting in a mailbox influenced nothing yet", () => {
    const c = causalOfMessage(ix, byId(s, 2));
    expect(idsOf(s, c.msgClass, C.past)).toEqual([1, 3, 7]);
    expect(c.msgClass[byId(s, 8)]).toBe(C.concurrent);
    expect(idsOf(s, c.msgClass, C.future)).toEqual([4]);
    expect([c.pastCount, c.futureCount]).toEqual([3, 1]);
  });

  it("gives an event on a lane the past and future of that point of its actor", () => {
    // d's handler of 4 (t 1.5): everything that reached d by then is past; nothing follows
    let row = -1;
    for (let r = 0; r < s.n; r++) if (s.kind.data[r] === K.msg_handle && s.msgId.data[r] === 4) row = r;
    const c = causalOfEvent(ix, s.actorOf.get(s.strings.indexOf("d"))!, row);
    expect(idsOf(s, c.msgClass, C.past)).toEqual([1, 2, 3, 4, 7]);
    expect(c.futureCount).toBe(0);
  });

  it("agrees with a plain reachability search over random runs", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const st = storeOf(randomRun(seed, 10, 300));
      const cx = new CausalIndex(st);
      const naive = naiveGraph(st);
      const r = rng(seed);
      for (let k = 0; k < 15; k++) {
        const m = Math.floor(r() * st.mSendRow.length);
        const c = causalOfMessage(cx, m);
        const [past, future] = naive(m);
        for (let j = 0; j < st.mSendRow.length; j++) {
          if (j === m) continue;
          const want = past.has(j) ? C.past : future.has(j) ? C.future : C.concurrent;
          expect(c.msgClass[j], `seed ${seed}, focus ${m}, message ${j}`).toBe(want);
        }
      }
    }
  });
});

/**
 * The textbook definition, slowly: events are sends and receipts (first handler start, else the
 * recv); an event precedes the next one of its actor and a send precedes its receipt. A message
 * is in the past when its receipt reaches the focus's send, in the future when the focus's
 * receipt (its send when never received) reaches its send.
 */
function naiveGraph(s: EventStore): (m: number) => [Set<number>, Set<number>] {
  const nM = s.mSendRow.length;
  const recv = new Array<number>(nM).fill(-1);
  for (let m = 0; m < nM; m++) if (s.mEndRow.data[m] >= 0 && s.kind.data[s.mEndRow.data[m]] === K.msg_recv) recv[m] = s.mEndRow.data[m];
  const handled = new Set<number>();
  for (let p = 0; p < s.n; p++) {
    const r = s.rowAt(p);
    if (s.kind.data[r] !== K.msg_handle) continue;
    const m = s.messageOf(s.msgId.data[r]);
    if (m >= 0 && !handled.has(m)) {
      handled.add(m);
      recv[m] = r;
    }
  }
  // nodes: rows; edges forward
  const next = new Map<number, number[]>();
  const prev = new Map<number, number[]>();
  const edge = (a: number, b: number) => {
    next.set(a, [...(next.get(a) ?? []), b]);
    prev.set(b, [...(prev.get(b) ?? []), a]);
  };
  const lastOf = new Map<number, number>();
  const owner = new Map<number, number>();
  for (let m = 0; m < nM; m++) {
    owner.set(s.mSendRow.data[m], s.mSrc.data[m]);
    if (recv[m] >= 0) {
      owner.set(recv[m], s.mDst.data[m]);
      edge(s.mSendRow.data[m], recv[m]);
    }
  }
  for (let p = 0; p < s.n; p++) {
    const r = s.rowAt(p);
    const a = owner.get(r);
    if (a === undefined || a < 0) continue;
    const l = lastOf.get(a);
    if (l !== undefined) edge(l, r);
    lastOf.set(a, r);
  }
  const reach = (from: number, adj: Map<number, number[]>) => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) {
      for (const y of adj.get(stack.pop()!) ?? []) {
        if (seen.has(y)) continue;
        seen.add(y);
        stack.push(y);
      }
    }
    return seen;
  };
  return (m) => {
    const before = reach(s.mSendRow.data[m], prev);
    const after = reach(recv[m] >= 0 ? recv[m] : s.mSendRow.data[m], next);
    const past = new Set<number>();
    const future = new Set<number>();
    for (let j = 0; j < nM; j++) {
      if (recv[j] >= 0 && before.has(recv[j])) past.add(j);
      else if (after.has(s.mSendRow.data[j])) future.add(j);
    }
    return [past, future];
  };
}

describe("space-time lanes", () => {
  function crowd(actors: number, nodes: number): EventStore {
    const evs: Ev[] = [];
    for (let n = 0; n < nodes; n++) evs.push({ t: 0, kind: "node_join", node: `n${n}` });
    for (let a = 0; a < actors; a++) evs.push({ t: 0, kind: "actor_spawn", node: `n${a % nodes}`, actor: `x${a}`, msg_type: a % 5 ? "W" : "Sup" });
    return storeOf(evs);
  }

  it("groups lanes by node in the declared order, one lane per actor while few", () => {
    const s = crowd(12, 3);
    const L = layoutLanes(s, NOFILTER, "auto", ["n2", "n0", "n1"], new Set());
    expect(L.rows.filter((r) => r.kind === "band").map((r) => r.label)).toEqual(["n2", "n0", "n1"]);
    expect(L.rows[0]).toMatchObject({ kind: "band", open: true, count: 4 });
    expect(L.rows.slice(1, 5).map((r) => r.label)).toEqual(["x2", "x5", "x8", "x11"]);
    for (let a = 0; a < 12; a++) expect(L.rows[L.rowOfActor[a]].actor).toBe(a);
  });

  it("closes every band at 2,000 actors, and a toggled band opens alone", () => {
    const s = crowd(2000, 16);
    const L = layoutLanes(s, NOFILTER, "auto", [], new Set());
    expect(L.rows.length).toBe(16);
    expect(L.rows.every((r) => r.kind === "band" && !r.open && r.count === 125)).toBe(true);
    // every actor's traffic lands on its node's band
    for (let a = 0; a < 2000; a++) expect(L.rows[L.rowOfActor[a]].label).toBe(`n${a % 16}`);
    const open = layoutLanes(s, NOFILTER, "auto", [], new Set([3]));
    expect(open.rows.length).toBe(16 + 125);
    const band = open.rowOfNode[3];
    expect(open.rows[band].open).toBe(true);
    expect(open.rows[band + 1]).toMatchObject({ kind: "actor", node: 3 });
    // the geometry gives every lane at least its minimum height and scrolls past the rest
    const g = rowGeometry(open.rows, 600);
    expect(Math.min(...g.height)).toBeGreaterThanOrEqual(12);
    expect(g.total).toBeGreaterThan(600);
  });

  it("leaves filtered actors out and says how many", () => {
    const s = crowd(50, 2);
    const L = layoutLanes(s, { ...NOFILTER, actorClass: "Sup" }, "actors", [], new Set());
    expect(L.hidden).toBe(40);
    expect(L.rows.filter((r) => r.kind === "actor").length).toBe(10);
    expect(L.rowOfActor[1]).toBe(-1);
  });
});

describe("window index", () => {
  it("finds exactly the intervals that overlap a window, touching few others", () => {
    const r = rng(7);
    const n = 100_000;
    const st = new Float64Array(n);
    const en = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      st[i] = i * 0.001 + r() * 0.0005;
      en[i] = st[i] + (r() < 0.001 ? 50 : r() * 0.05); // a few long ones
    }
    // shuffle a little, as a merged stream might
    for (let i = 0; i < 200; i++) {
      const a = Math.floor(r() * n);
      const b = Math.min(n - 1, a + 3);
      [st[a], st[b]] = [st[b], st[a]];
      [en[a], en[b]] = [en[b], en[a]];
    }
    const ix = new IntervalIndex(st, en, n);
    for (const [w0, w1] of [[10, 11], [0, 0.5], [99.5, 120], [50, 50.001]]) {
      const [out, count, touched] = ix.query(w0, w1, new Int32Array(16));
      const got = Array.from(out.subarray(0, count)).sort((x, y) => x - y);
      const want: number[] = [];
      for (let i = 0; i < n; i++) if (st[i] <= w1 && en[i] >= w0) want.push(i);
      expect(got).toEqual(want);
      // the long ones pull in their blocks; the rest of the trace is skipped block by block
      expect(touched).toBeLessThan(want.length + 200 * BLOCK);
      expect(touched).toBeLessThan(n / 4);
    }
  });
});

describe("crowded windows", () => {
  it("counts every message of the window in its lanes' bars, and thins arrows by message index", () => {
    const r = rng(3);
    const n = 20_000;
    const ra = Int32Array.from({ length: n }, () => Math.floor(r() * 16));
    const rb = Int32Array.from({ length: n }, () => Math.floor(r() * 16));
    const xs = Float64Array.from({ length: n }, () => 150 + r() * 1000);
    const xe = xs.map((x) => x + 5);
    const inp = { ra, rb, xs, xe, n, first: 0, last: 15, plotX: 150, cols: 334, colPx: 3 };
    const tr = laneTraffic(inp);
    const sum = (map: Map<number, Float32Array>) => [...map.values()].reduce((s, h) => s + h.reduce((u, v) => u + v, 0), 0);
    expect(tr.counted).toBe(n);
    expect(sum(tr.sent)).toBe(n);
    expect(sum(tr.recd)).toBe(n);
    expect(tr.peak).toBe(Math.max(...[...tr.sent.values(), ...tr.recd.values()].map((h) => Math.max(...h))));
    // rows scrolled out of view get no bars
    const part = laneTraffic({ ...inp, last: 7 });
    expect([...part.sent.keys()].every((row) => row <= 7)).toBe(true);
    expect(sum(part.sent)).toBe(Array.from(ra).filter((v) => v <= 7).length);
    // with a focus: the past and future shares count exactly the messages of those classes
    const ms = Int32Array.from({ length: n }, (_, k) => k);
    const cls = Uint8Array.from({ length: n }, () => Math.floor(r() * 4));
    const foc = laneTraffic({ ...inp, ms, cls });
    expect(sum(foc.sent)).toBe(n);
    expect(sum(foc.sentPast)).toBe(cls.filter((c) => c === C.past).length);
    expect(sum(foc.recdFuture)).toBe(cls.filter((c) => c === C.future).length);
    for (const [row, t] of foc.totals) {
      const mine = [...ms].filter((k) => ra[k] === row);
      expect(t[0]).toBe(mine.length);
      expect(t[1]).toBe(mine.filter((k) => cls[k] === C.past).length);
      expect(t[2]).toBe(mine.filter((k) => cls[k] === C.future).length);
    }
    expect(thinStride(20_000, 300)).toBe(128);
    expect(thinStride(300, 300)).toBe(1);
    expect(20_000 / thinStride(20_000, 300)).toBeLessThanOrEqual(300);
  });
});

describe("handler slices", () => {
  it("closes a handler_start with its handler_end, keeps one without an end open, reads msg_handle", () => {
    const s = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a", msg_type: "W" },
      ...msg(1, "a", "a", 0.1, 0.1),
      { t: 0.2, kind: "handler_start", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "ping" },
      { t: 0.5, kind: "handler_end", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "ping", duration: 0.3, reason: "error: KeyError" },
      ...msg(2, "a", "a", 0.6, 0.6),
      { t: 0.7, kind: "handler_start", node: "n0", actor: "a", peer: "a", msg_id: 2, msg_type: "work" },
      { t: 0.8, kind: "msg_handle", node: "n0", actor: "a", peer: "a", msg_id: 9, msg_type: "tick", duration: 0.05 },
    ]);
    const sl = buildSlices(s);
    expect(sl.n).toBe(3);
    const i = [0, 1, 2];
    expect(i.map((k) => [sl.start[k], sl.end[k], sl.error[k], s.str(sl.type[k])])).toEqual([
      [0.2, 0.5, 1, "ping"],
      [0.7, Infinity, 0, "work"],
      [0.8, 0.8 + 0.05, 0, "tick"],
    ]);
    // the open one overlaps every later window
    const [out, count] = sl.index.query(100, 200, new Int32Array(4));
    expect(Array.from(out.subarray(0, count))).toEqual([1]);
  });
});

describe("the space-time caption", () => {
  // the 16-node partition trace at 900 px, a heartbeat in focus: the most a caption says at once
  const hit = {
    messages: 3498,
    timers: 198,
    bundled: true,
    peakPerBar: 30,
    stride: 16,
    causalStride: 16,
    slicesInWindow: 3498,
    hiddenMessages: 0,
    marksCut: false,
    maxScroll: 12,
    firstRow: 0,
    lastRow: 14,
    layout: { hidden: 0, rows: new Array(16) },
  } as unknown as SpacetimeHit;
  /** 16 closed bands, one lane each (at least 12 px a lane). */
  const bands = Array.from({ length: 16 }, () => ({ kind: "band", open: false }));
  const input = (ctx: CanvasRenderingContext2D, height = 700) =>
    ({ ctx, height, layout: { rows: bands }, causal: { pastCount: 1, futureCount: 17680 }, focusLabel: "message 224 (heartbeat) detector@n11 → detector@n12", focusShort: "message 224 (heartbeat)" }) as unknown as PaintInput;

  it("is compact in at most 3 lines at a notebook's 600 px, every statement in full in its tooltip", () => {
    const ctx = fakeContext({} as HTMLCanvasElement); // 6 px a character
    const full = captionParts(hit, true);
    for (const width of [598, 700]) {
      const c = captionLines(ctx, input(ctx), hit, width);
      expect(c.compact).toBe(true);
      expect(c.lines.length, c.lines.join("\n")).toBeLessThanOrEqual(COMPACT_LINES);
      for (const l of c.lines) expect(ctx.measureText(l).width).toBeLessThanOrEqual(width - 16);
      const text = c.lines.join(" ");
      // the same facts and counts, shorter
      for (const fact of ["message 224 (heartbeat)", "1 before (blue)", "17,680 after (purple)", "3,300 messages", "≤ 30 a bar", "arrows 1 in 16", "198 timers", "3,498 handlers", "rows 1–15 of 16"]) expect(text).toContain(fact);
      // what it leaves out (legends, how-tos) is in the tooltip, with every statement in full
      expect(text).not.toContain("click empty plot");
      const tip = c.tip.split("\n");
      for (const s of full) expect(tip).toContain(s);
      expect(tip).toContain("click empty plot to clear");
      expect(tip).toContain("blue / purple share of a bar: in the focus's past / future");
    }
    // where the statements in full fit in 3 lines, they are drawn
    const wide = captionLines(ctx, input(ctx), { ...hit, maxScroll: 0 } as SpacetimeHit, 1400);
    expect(wide.compact).toBe(false);
    expect(wide.lines.join(" · ")).toContain("click empty plot to clear");
    // unless their third line would scroll a band out that the compact caption leaves in view:
    // 16 lanes of 12 px need 192 px, 260 - 28 (axis) - 48 (3 lines) leaves 184, - 34 (2) 198
    const tight = captionLines(ctx, input(ctx, 260), { ...hit, maxScroll: 0 } as SpacetimeHit, 1100);
    expect(captionLines(ctx, input(ctx, 400), { ...hit, maxScroll: 0 } as SpacetimeHit, 1100).lines.length).toBe(3);
    expect(tight.compact).toBe(true);
    expect(tight.lines.length).toBeLessThanOrEqual(2);
    // where no caption leaves every row in view (2,000 lanes), the statements in full
    const many = { ...input(ctx), layout: { rows: Array.from({ length: 2000 }, () => ({ kind: "actor" })) } } as unknown as PaintInput;
    expect(captionLines(ctx, many, hit, 1400).compact).toBe(false);
  });

  it("needs at most 3 lines at 600 px for whatever a frame holds, 4 with a filter on or lifecycle marks cut", () => {
    const ctx = fakeContext({} as HTMLCanvasElement);
    const r = rng(4);
    for (let i = 0; i < 300; i++) {
      const h = {
        ...hit,
        messages: Math.floor(r() * 2e6),
        timers: Math.floor(r() * 2e4),
        bundled: r() < 0.5,
        peakPerBar: Math.floor(r() * 1e4),
        stride: 2 ** Math.floor(r() * 12),
        causalStride: 2 ** Math.floor(r() * 12),
        slicesInWindow: Math.floor(r() * 1e6),
        hiddenMessages: r() < 0.3 ? Math.floor(r() * 1e5) : 0,
        marksCut: r() < 0.2,
        maxScroll: r() < 0.5 ? 10 : 0,
        lastRow: 14 + Math.floor(r() * 2000),
        layout: { hidden: r() < 0.3 ? Math.floor(r() * 1e5) : 0, rows: new Array(2000) },
      } as unknown as SpacetimeHit;
      const p = r() < 0.5 ? input(ctx) : ({ ctx, height: 700, layout: { rows: bands }, causal: null, focusLabel: "" } as unknown as PaintInput);
      const c = captionLines(ctx, p, h, 598);
      const rare = h.marksCut || h.hiddenMessages || h.layout.hidden;
      expect(c.lines.length, c.lines.join("\n")).toBeLessThanOrEqual(rare ? COMPACT_LINES + 1 : COMPACT_LINES);
    }
  });
});
