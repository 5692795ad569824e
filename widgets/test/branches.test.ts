import { describe, expect, it } from "vitest";
import { otherMarkers, percentAt, type BranchInfo } from "../src/branches";
import { EventStore } from "../src/store";
import { randomRun, storeOf } from "./helpers";

describe("branches on the scrubber", () => {
  it("places times as the scrubber does, clamped to the store's range", () => {
    const store = storeOf(randomRun(2));
    const mid = (store.t0 + store.t1) / 2;
    expect(percentAt(store, store.t0)).toBe(0);
    expect(percentAt(store, store.t1)).toBe(100);
    expect(percentAt(store, mid)).toBeCloseTo(50, 9);
    expect(percentAt(store, store.t1 + 5)).toBe(100);
    expect(percentAt(store, store.t0 - 5)).toBe(0);
    const empty = new EventStore(); // no events yet: a unit span, never a division by zero
    expect(Number.isFinite(percentAt(empty, 0.5))).toBe(true);
  });

  it("lists every other branch's markers and none of the shown one", () => {
    const branches: BranchInfo[] = [
      { name: "base", label: "base", diverges: null, markers: [[3, "node_down", "node down: n2 t=3.000"]] },
      { name: "what-if", label: "n1 dies", diverges: 1.5, markers: [[1.5, "node_down", "node down: n1 t=1.500"], [3, "node_down", "node down: n2 t=3.000"]] },
      { name: "other", label: "", diverges: 2, markers: [[2, "fail", "failure: a t=2.000"]] },
    ];
    expect(otherMarkers(branches, "base").map((m) => [m.branch, m.t])).toEqual([
      ["what-if", 1.5],
      ["what-if", 3],
      ["other", 2],
    ]);
    expect(otherMarkers(branches, "what-if").map((m) => m.branch)).toEqual(["base", "other"]);
    expect(otherMarkers(branches, "other").every((m) => m.branch !== "other")).toBe(true);
  });
});
