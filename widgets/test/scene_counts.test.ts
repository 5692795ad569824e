// The topology view's per-node summaries come from the fold's counts when nothing is filtered
// (no loop over every actor); with a filter they come from the loop. Both must agree.
import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { SceneBuilder, type Filters } from "../src/scene";
import { randomRun, rng, storeOf } from "./helpers";

const AREA = { x: 0, y: 0, w: 900, h: 500 };
const color = () => "#000";

describe("scene counts from the fold", () => {
  it("match a loop over every actor at random jumps, across keyframes", () => {
    // 2,500 actors: aggregated; a keyframe every 64 events, so jumps restore snapshots
    const store = storeOf(randomRun(3, 2500, 4000));
    const folder = new Folder(store, 64);
    const builder = new SceneBuilder();
    const plain: Filters = { hideSystem: false, actorClass: "", msgType: "", supervision: false };
    const looped: Filters = { ...plain, hideSystem: true }; // randomRun spawns no system actor
    const r = rng(9);
    let busy = 0;
    for (let i = 0; i < 120; i++) {
      const t = store.t0 + r() * (store.t1 - store.t0);
      const fast = builder.build(store, folder, t, AREA, plain, 1, [], color);
      const fastNodes = fast.nodes.map((n) => ({ ...n.counts, hung: n.hung }));
      const msgs = fast.msgs.map((m) => [m.x, m.y]);
      const slow = builder.build(store, folder, t, AREA, looped, 1, [], color);
      expect(fast.lod.aggregateActors).toBe(true);
      expect(fast.visibleActors).toBe(slow.visibleActors);
      expect(fastNodes).toEqual(slow.nodes.map((n) => ({ ...n.counts, hung: n.hung })));
      // positions placed on demand are the ones the loop computes
      expect(msgs).toEqual(slow.msgs.map((m) => [m.x, m.y]));
      busy += fast.nodes.reduce((acc, n) => acc + n.counts.busy, 0);
    }
    expect(busy).toBeGreaterThan(0); // the busy list was exercised
  });
});
