// @vitest-environment happy-dom
// The canvas's frame at narrow widths: when the inspector stacks, the notes' own room under the
// topology grid, whole rows in the space-time view, and a legend listing only what a trace has.
import { describe, expect, it } from "vitest";
import { notesBox } from "../src/draw_notes";
import { Folder } from "../src/fold";
import { stackedStageHeight, stacksInspector } from "../src/frame_layout";
import { Legend } from "../src/legend";
import { TraceKinds } from "../src/legend_kinds";
import { SceneBuilder, type Filters } from "../src/scene";
import { rowGeometry, rowsInSight, stepRows, TITLE_H, type Row } from "../src/spacetime_lanes";
import type { Ev } from "./helpers";
import { randomRun, rng, storeOf } from "./helpers";

const plain: Filters = { hideSystem: false, actorClass: "", msgType: "", supervision: false };

describe("the inspector's place", () => {
  it("stacks under the plot below 640 px of the canvas's own width, beside it from there", () => {
    // JupyterLab at 900 px with the file browser open gives the canvas ~470 px; a notebook ~600
    expect([468, 470, 600, 639].map(stacksInspector)).toEqual([true, true, true, true]);
    expect([640, 900, 1280].map(stacksInspector)).toEqual([false, false, false]);
    expect(stacksInspector(0)).toBe(false); // not laid out yet
    expect(stackedStageHeight(620)).toBe(450);
    expect(stackedStageHeight(300)).toBe(260);
  });
});

/** n nodes, `actors` actors spread over them, a message now and then. */
function meshOf(n: number, actors: number): Ev[] {
  const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
  const evs: Ev[] = nodes.map((node) => ({ t: 0, kind: "node_join" as const, node }));
  for (let a = 0; a < actors; a++) evs.push({ t: 0, kind: "actor_spawn", node: nodes[a % n], actor: `w${a}`, msg_type: "Worker" });
  for (let i = 0; i < 50; i++) {
    const t = 1 + i * 0.1;
    evs.push({ t, kind: "msg_send", node: nodes[i % n], actor: `w${i}`, peer: `w${i + 7}`, msg_id: i, msg_type: "ping", duration: 0.05 });
    evs.push({ t: t + 0.05, kind: "msg_recv", node: nodes[(i + 7) % n], actor: `w${i + 7}`, peer: `w${i}`, msg_id: i, msg_type: "ping" });
  }
  return evs;
}

describe("the topology notes", () => {
  it("have their own room under the grid at every width: no region under the note", () => {
    const store = storeOf(meshOf(16, 2001));
    const folder = new Folder(store);
    const ctx = document.createElement("canvas").getContext("2d") ?? fakeCtx();
    for (const [w, h] of [[468, 400], [600, 420], [630, 411], [900, 500], [1010, 411], [1260, 600]]) {
      const builder = new SceneBuilder();
      // the view's area: the canvas less 10 px on each side
      const sc = builder.build(store, folder, 3, { x: 10, y: 10, w: w - 20, h: h - 20 }, plain, 1, [], () => "#000");
      expect(sc.lod.aggregateActors, `${w}`).toBe(true);
      const box = notesBox(ctx, sc);
      expect(box, `${w}`).not.toBeNull();
      const bottom = Math.max(...sc.nodes.map((nd) => nd.box.y + nd.box.h));
      // every region ends above the note's box (in canvas pixels, as both are drawn)
      expect(bottom, `${w}x${h}`).toBeLessThanOrEqual(box!.y);
    }
  });

  it("keep no room when nothing is aggregated: a 12-actor grid takes the whole height", () => {
    const store = storeOf(meshOf(3, 12));
    const sc = new SceneBuilder().build(store, new Folder(store), 3, { x: 10, y: 10, w: 880, h: 480 }, plain, 1, [], () => "#000");
    expect(sc.lod.notes).toEqual([]);
    expect(Math.max(...sc.nodes.map((nd) => nd.box.y + nd.box.h))).toBeCloseTo(490, 0);
  });

  it("widen the room when a frame needs more than was kept (crowded cells at a small size)", () => {
    // 1,500 actors on 2 nodes in a small canvas: aggregated by cell size, not by count
    const store = storeOf(meshOf(2, 1500));
    const builder = new SceneBuilder();
    const ctx = document.createElement("canvas").getContext("2d") ?? fakeCtx();
    const sc = builder.build(store, new Folder(store), 3, { x: 10, y: 10, w: 300, h: 200 }, plain, 1, [], () => "#000");
    expect(sc.lod.aggregateActors).toBe(true);
    const box = notesBox(ctx, sc)!;
    expect(Math.max(...sc.nodes.map((nd) => nd.box.y + nd.box.h))).toBeLessThanOrEqual(box.y);
  });
});

function fakeCtx(): CanvasRenderingContext2D {
  return { font: "", measureText: (s: string) => ({ width: s.length * 6 }) } as unknown as CanvasRenderingContext2D;
}

/** Rows as the lanes layout makes them: bands, some open with actor lanes under them. */
function randomRows(r: () => number): Row[] {
  const rows: Row[] = [];
  const bands = 1 + Math.floor(r() * 60);
  for (let b = 0; b < bands; b++) {
    const open = r() < 0.3;
    const count = 1 + Math.floor(r() * 8);
    rows.push({ kind: "band", node: b, actor: -1, label: `n${b}`, count, open });
    if (open) for (let a = 0; a < count; a++) rows.push({ kind: "actor", node: b, actor: a, label: `a${a}`, count: 0, open: false });
  }
  return rows;
}

describe("space-time rows in sight", () => {
  it("are whole rows, the scroll on a row's top, and every row reachable", () => {
    const r = rng(4);
    for (let i = 0; i < 400; i++) {
      const rows = randomRows(r);
      const avail = 60 + r() * 500;
      const geom = rowGeometry(rows, avail);
      const sight = rowsInSight(geom, r() * (geom.total + 100), avail);
      if (sight.last < 0) continue;
      // the scroll is a row's top, the first row starts there, the last ends inside the area
      expect(geom.top[sight.first]).toBe(sight.scroll);
      expect(geom.top[sight.last] + geom.height[sight.last] - sight.scroll).toBeLessThanOrEqual(avail + 0.5);
      // and the row after it would not fit whole
      if (sight.last + 1 < rows.length) expect(geom.top[sight.last + 1] + geom.height[sight.last + 1] - sight.scroll).toBeGreaterThan(avail + 0.5);
      expect(sight.scroll).toBeLessThanOrEqual(sight.maxScroll);
      // at the furthest scroll the last row is in sight
      const end = rowsInSight(geom, 1e9, avail);
      expect(end.last).toBe(rows.length - 1);
      // stepping by wheel deltas moves by whole rows, both ways
      const down = stepRows(geom, sight.scroll, 3);
      if (sight.first + 1 < rows.length) expect(down).toBe(geom.top[sight.first + 1]);
      if (sight.first > 0) expect(stepRows(geom, sight.scroll, -3)).toBe(geom.top[sight.first - 1]);
    }
  });

  it("fill the first page exactly when the lanes scroll: 200 closed bands at 900 px end on a row's edge", () => {
    const rows: Row[] = Array.from({ length: 200 }, (_, b) => ({ kind: "band", node: b, actor: -1, label: `n${b}`, count: 500, open: false }));
    const avail = 341.3; // a 900 px notebook's space-time lanes
    const geom = rowGeometry(rows, avail);
    const sight = rowsInSight(geom, 0, avail);
    expect(sight.bottom).toBeCloseTo(avail, 6);
    expect(geom.height[0]).toBeGreaterThanOrEqual(12);
    // the 16-node trace with bands open: titles and lanes, the first page holds whole rows
    const mixed: Row[] = [];
    for (let b = 0; b < 16; b++) {
      mixed.push({ kind: "band", node: b, actor: -1, label: `n${b}`, count: 3, open: true });
      for (let a = 0; a < 3; a++) mixed.push({ kind: "actor", node: b, actor: a, label: `a${a}`, count: 0, open: false });
    }
    const g2 = rowGeometry(mixed, 300);
    const s2 = rowsInSight(g2, 0, 300);
    expect(g2.top[s2.last] + g2.height[s2.last]).toBeCloseTo(300, 6);
    expect(g2.height[0]).toBe(TITLE_H);
  });

  it("leave the layout alone when every row fits", () => {
    const rows = randomRows(rng(1)).slice(0, 5);
    const geom = rowGeometry(rows, 1000);
    const sight = rowsInSight(geom, 40, 1000);
    expect([sight.scroll, sight.maxScroll, sight.first, sight.last]).toEqual([0, 0, 0, rows.length - 1]);
  });
});

describe("the legend", () => {
  it("lists only the kinds of mark the trace has, in a fixed order", () => {
    // a small run: actors, messages, failures and restarts, no partition, drop or admin action
    const evs = randomRun(3, 12, 300).filter((e) => e.kind !== "msg_drop" && e.kind !== "link_down" && e.kind !== "link_up");
    const store = storeOf(evs);
    const legend = new Legend();
    legend.render(store, false);
    const text = legend.el.textContent ?? "";
    expect(text).toContain("idle");
    expect(text).toContain("failure");
    for (const absent of ["side A", "bridge", "✕ dropped", "admin action", "partition", "node death", "hung", "handler error", "system actor"]) expect(text, absent).not.toContain(absent);
    // a partition, a drop and a hung handler bring their entries, after the ones already there
    const more: Ev[] = [
      ...evs,
      { t: 100, kind: "link_down", node: "n0", peer: "n1", reason: "partition" },
      { t: 100.5, kind: "msg_drop", node: "n1", actor: "a1", peer: "a2", msg_id: 99999, msg_type: "ping", reason: "loss" },
      { t: 101, kind: "msg_handle", node: "n1", actor: "a1", msg_type: "ping", duration: 6 },
    ];
    const kinds = new TraceKinds();
    kinds.scan(storeOf(more));
    // 3 nodes, n0 cut from n1 only: both still reach n2, a partial partition (no sides)
    expect([...kinds.marks]).toEqual(expect.arrayContaining(["partial", "drop", "hung", "failed"]));
    expect(kinds.marks.has("sides")).toBe(false);
    // n0 cut from both others: two sides, and no cut link inside a side
    // (both links cut at one time: the picture never shows the first alone)
    const splitStore = storeOf([
      ...evs,
      { t: 100, kind: "link_down", node: "n0", peer: "n1", reason: "partition" },
      { t: 100, kind: "link_down", node: "n0", peer: "n2", reason: "partition" },
    ]);
    const split = new TraceKinds();
    split.scan(splitStore);
    expect(split.marks.has("sides")).toBe(true);
    const l2 = new Legend();
    l2.render(splitStore, false);
    expect(l2.el.textContent).toContain("side A");
    expect(l2.el.textContent).not.toContain("bridge");
    expect(kinds.markers.has("partition")).toBe(true);
    legend.render(storeOf(more), false);
    const t2 = legend.el.textContent ?? "";
    expect(t2).not.toContain("side A"); // a partial partition has no sides
    const order = ["failure", "partition", "idle", "hung", "✕ dropped", "cut link", "bridge"].map((s) => t2.indexOf(s));
    expect(order.every((x) => x >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
