import { describe, expect, it } from "vitest";
import { SPEEDS, advance, clampSpeed, flashWindow, nextSpeed } from "../src/clock";
import { arcPoint, dropProgress, progress } from "../src/interp";
import { gridColumns, layoutNodes, nodeOrder, slotCenter, slotGrid } from "../src/layout";
import { LOD_LIMITS, decideLod, flowWidth } from "../src/lod";
import { fitLabels, labelForms, lastSegment } from "../src/labels";
import { formatSelected, parseSelected } from "../src/model";
import { bucketMarkers, timeTicks } from "../src/scrubber";
import { niceStep, placeWindow } from "../src/spacetime";
import { randomRun, storeOf } from "./helpers";

describe("layout", () => {
  it("puts every slot inside its node and keeps regions apart", () => {
    const area = { x: 0, y: 0, w: 900, h: 500 };
    const boxes = layoutNodes([3, 40, 0, 7, 250], area);
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(900.001);
      expect(b.y + b.h).toBeLessThanOrEqual(500.001);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart).toBe(true);
      }
    }
    const big = boxes[4];
    for (let s = 0; s < 250; s++) {
      const [x, y] = slotCenter(big, s);
      expect(x).toBeGreaterThan(big.inner.x);
      expect(x).toBeLessThan(big.inner.x + big.inner.w);
      expect(y).toBeGreaterThan(big.inner.y);
      expect(y).toBeLessThan(big.inner.y + big.inner.h);
    }
  });

  it("chooses grids that fit", () => {
    expect(gridColumns(1, 100, 100)).toBe(1);
    expect(gridColumns(4, 800, 400)).toBeGreaterThanOrEqual(2);
    const g = slotGrid(12, { x: 0, y: 0, w: 400, h: 100 });
    expect(g.cols * g.rows).toBeGreaterThanOrEqual(12);
    expect(g.cell * g.cols).toBeLessThanOrEqual(400.001);
    expect(g.cell * g.rows).toBeLessThanOrEqual(100.001);
  });

  it("orders nodes as the metadata lists them, then by appearance", () => {
    expect(nodeOrder(["b", "x", "a"], ["a", "b"])).toEqual([2, 0, 1]);
  });
});

describe("interpolation", () => {
  it("moves a message linearly in time from sender to receiver", () => {
    expect(progress(1, 3, 0)).toBe(0);
    expect(progress(1, 3, 2)).toBe(0.5);
    expect(progress(1, 3, 9)).toBe(1);
    expect(progress(1, 1, 1)).toBe(1);
    expect(arcPoint(0, 0, 10, 0, 0)).toEqual([0, 0]);
    expect(arcPoint(0, 0, 10, 0, 1)).toEqual([10, 0]);
    const [, y] = arcPoint(0, 0, 10, 0, 0.5);
    expect(y).not.toBe(0); // an arc, so both directions of a conversation stay visible
    const [x2, y2] = arcPoint(10, 0, 0, 0, 0.5);
    expect(x2).toBeCloseTo(5);
    expect(Math.sign(y2)).toBe(-Math.sign(y));
  });
});

describe("clock", () => {
  it("advances with wall time times speed and stops at the end", () => {
    expect(advance(0, 100, 2, 0, 10)).toEqual({ t: 0.2, atEnd: false });
    expect(advance(9.9, 1000, 10, 0, 10)).toEqual({ t: 10, atEnd: true });
    expect(advance(0, 10_000, 1, 0, 10).t).toBeCloseTo(0.25); // a stalled tab does not leap
  });
  it("keeps speed within 0.1x and 100x", () => {
    expect(clampSpeed(1000)).toBe(100);
    expect(clampSpeed(0)).toBe(0.1);
    expect(nextSpeed(100, 1)).toBe(100);
    expect(nextSpeed(0.1, -1)).toBe(0.1);
    expect(nextSpeed(1, 1)).toBe(2);
    expect(SPEEDS[0]).toBe(0.1);
    expect(flashWindow(1, 10)).toBeGreaterThan(0);
  });
});

describe("level of detail", () => {
  it("draws one by one when it can, aggregates and says so when it cannot", () => {
    expect(decideLod({ actors: 50, smallestCell: 30, messages: 20 })).toEqual({ aggregateActors: false, flows: false, notes: [] });
    const many = decideLod({ actors: 10_000, smallestCell: 3, messages: 1000 });
    expect(many.aggregateActors).toBe(true);
    expect(many.flows).toBe(true);
    expect(many.notes.join(" ")).toContain("10,000 actors");
    expect(decideLod({ actors: 500, smallestCell: LOD_LIMITS.cell - 1, messages: 0 }).aggregateActors).toBe(true);
    expect(decideLod({ actors: 0, smallestCell: Infinity, messages: LOD_LIMITS.messages }).flows).toBe(false);
    expect(flowWidth(100, 100)).toBeGreaterThan(flowWidth(10, 100));
    expect(flowWidth(0, 100)).toBe(0);
  });
});

describe("scrubber and selection", () => {
  it("merges markers per pixel bucket, preferring the more serious kind", () => {
    const store = storeOf(randomRun(9));
    const wide = bucketMarkers(store, store.t0, store.t1, 100_000);
    const narrow = bucketMarkers(store, store.t0, store.t1, 60);
    expect(wide.length).toBeGreaterThan(narrow.length);
    expect(narrow.reduce((a, m) => a + m.count, 0)).toBe(store.markers.length);
    expect(narrow.every((m) => m.label.length > 0)).toBe(true);
  });
  it("marks partition heals and node returns, not only the cuts and deaths", () => {
    const store = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "node_join", node: "n1" },
      { t: 1, kind: "link_down", node: "n0", peer: "n1", reason: "partition" },
      { t: 2, kind: "link_up", node: "n0", peer: "n1", reason: "heal" },
      { t: 3, kind: "node_down", node: "n1" },
      { t: 4, kind: "node_up", node: "n1" },
      { t: 5, kind: "node_leave", node: "n0" },
      { t: 6, kind: "node_join", node: "n0" },
    ]);
    const ms = bucketMarkers(store, store.t0, store.t1, 1000);
    expect(ms.map((m) => [m.t, m.kind])).toEqual([
      [1, "partition"],
      [2, "heal"],
      [3, "node_down"],
      [4, "node_up"],
      [6, "node_up"],
    ]);
    expect(ms[1].label).toContain("healed: n0 ↔ n1");
    expect(ms[4].label).toContain("node back: n0");
  });
  it("round-trips the selected trait", () => {
    for (const s of ["", "root/api/worker-2", "node:n1"]) expect(formatSelected(parseSelected(s))).toBe(s);
  });
  it("starts the space-time window at the trace's start, then keeps it while the playhead is inside", () => {
    expect(placeWindow(null, 2, 0, 0, 20)).toBeCloseTo(-0.04);
    expect(placeWindow(-0.04, 2, 1.5, 0, 20)).toBeCloseTo(-0.04);
    // a jump elsewhere puts the playhead at 70 %; playback off the right edge pages forward
    expect(placeWindow(-0.04, 2, 10, 0, 20)).toBeCloseTo(8.6);
    expect(placeWindow(-0.04, 2, 2.1, 0, 20)).toBeCloseTo(1.9);
    // never beyond a margin past the trace's end
    expect(placeWindow(0, 2, 19.9, 0, 20)).toBeCloseTo(18.04);
    expect(niceStep(0.23)).toBeCloseTo(0.2);
    expect(niceStep(7)).toBe(5);
  });
});

describe("scrubber time axis", () => {
  it("chooses a few round ticks in seconds, inside the run", () => {
    const ticks = timeTicks(0, 7, 1200);
    expect(ticks.map((t) => t.label)).toEqual(["0s", "1s", "2s", "3s", "4s", "5s", "6s", "7s"]);
    expect(timeTicks(0.05, 0.3, 600).map((t) => t.label)).toEqual(["0.05s", "0.1s", "0.15s", "0.2s", "0.25s", "0.3s"]);
    const few = timeTicks(0, 9.964, 600);
    expect(few.length).toBeGreaterThanOrEqual(3);
    expect(few.length).toBeLessThanOrEqual(6);
    for (const t of few) {
      expect(t.f).toBeGreaterThanOrEqual(0);
      expect(t.f).toBeLessThanOrEqual(1);
    }
    // ticks are at least minPx apart
    for (let i = 1; i < few.length; i++) expect((few[i].f - few[i - 1].f) * 600).toBeGreaterThanOrEqual(90 - 1e-9);
  });
  it("counts from the start for wall-clock times and survives empty spans", () => {
    const wall = timeTicks(1.7e9 + 0.3, 1.7e9 + 30.3, 600);
    expect(wall[0].label).toBe("+0s");
    expect(wall.at(-1)!.label).toBe("+30s");
    expect(timeTicks(5, 5, 600)).toEqual([]);
  });
});

describe("actor labels", () => {
  const measure = (s: string) => s.length * 6; // 6 px a character
  it("keeps the end that tells siblings apart", () => {
    expect(lastSegment("root/api/worker-2")).toBe("worker-2");
    expect(lastSegment("detector@n1")).toBe("detector@n1");
    expect(labelForms("root/store/shard-1", 36, measure)).toEqual(["root/store/shard-1", "shard-1", "…ard-1"]);
    const out = fitLabels(
      [
        { id: "root/store/shard-0", x: 100, y: 50, maxW: 70 },
        { id: "root/store/shard-1", x: 200, y: 50, maxW: 70 },
        { id: "client", x: 300, y: 50, maxW: 70 },
      ],
      measure,
    );
    expect(out.map((l) => l.text)).toEqual(["shard-0", "shard-1", "client"]);
  });
  it("keeps clear of texts drawn before it, with a shorter form or not at all", () => {
    const items = [
      { id: "root/store/shard-0", x: 100, y: 50, maxW: 120 },
      { id: "root/store/shard-1", x: 300, y: 50, maxW: 120 },
    ];
    // a restart count over the full id of the first, a header over the whole second
    const taken = [
      { x: 140, y: 44, w: 14, h: 10 },
      { x: 250, y: 40, w: 100, h: 20 },
    ];
    const out = fitLabels(items, measure, 11, 3, taken);
    expect(out.map((l) => [l.idx, l.text])).toEqual([[0, "shard-0"]]);
    for (const l of out)
      for (const b of taken) expect(l.x + l.w / 2 <= b.x || b.x + b.w <= l.x - l.w / 2 || l.y + 5.5 <= b.y || b.y + b.h <= l.y - 5.5).toBe(true);
    // without them, the same labels in full
    expect(fitLabels(items, measure).map((l) => l.text)).toEqual(["root/store/shard-0", "root/store/shard-1"]);
  });
  it("never lets two labels overlap", () => {
    // "pool/worker-2" and "pool/worker-5" side by side, 75 px apart, each allowed 80 px
    const out = fitLabels(
      [
        { id: "pool/worker-2", x: 100, y: 50, maxW: 80 },
        { id: "pool/worker-5", x: 175, y: 50, maxW: 80 },
        { id: "pool/worker-7", x: 190, y: 50, maxW: 80 },
      ],
      measure,
    );
    for (let i = 0; i < out.length; i++)
      for (let j = i + 1; j < out.length; j++) {
        const [a, b] = [out[i], out[j]];
        expect(a.x + a.w / 2 <= b.x - b.w / 2 || b.x + b.w / 2 <= a.x - a.w / 2).toBe(true);
      }
    expect(out[0].text).toBe("pool/worker-2");
    expect(out[1].text).toBe("worker-5");
    expect(out.length).toBe(2); // the third has no room at all: shown on hover only
  });
  it("shortens every label alike, in every node, when one id does not fit", () => {
    const out = fitLabels(
      [
        { id: "root/api", x: 100, y: 50, maxW: 60 },
        { id: "root/api/worker-2", x: 170, y: 50, maxW: 60 },
        { id: "root/jobs", x: 100, y: 90, maxW: 60 },
      ],
      measure,
    );
    // at notebook width, one node's labels fit in full and another's did not: never mixed
    expect(out.map((l) => l.text)).toEqual(["api", "worker-2", "jobs"]);
  });
});

describe("drops", () => {
  it("are drawn on the link, never on either glyph", () => {
    expect(dropProgress(0, 200, 20)).toBeCloseTo(0.1);
    expect(dropProgress(1, 200, 20)).toBeCloseTo(0.9);
    expect(dropProgress(0.4, 200, 20)).toBeCloseTo(0.4);
    expect(dropProgress(0, 30, 20)).toBe(0.5);
  });
});
