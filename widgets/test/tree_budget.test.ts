import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countForms } from "../src/draw_tree";
import { itemBoxes, MIN_CELL, MIN_ROW, placeItems, tidyTree } from "../src/tree";
import { buildForest, chooseShown, hiddenCounts, SubtreeCounts, type ItemFlags } from "../src/tree_budget";
import { overlaps, segmentHits } from "./boxes";

// A seeded generator, so a failing case is reproduced from its seed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random forest of `n` items in one of five shapes, with random statuses. */
function randomTree(seed: number, n: number, shape: number): { parent: Int32Array; flags: ItemFlags } {
  const r = rng(seed);
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (i === 0 || u < 0.002) parent[i] = -1;
    else if (shape === 0) parent[i] = Math.floor(r() * i); // random recursive: shallow, bushy
    else if (shape === 1) parent[i] = Math.floor(r() * Math.min(i, 1 + Math.sqrt(n) / 4)); // a few supervisors, very wide
    else if (shape === 2) parent[i] = Math.max(0, i - 1 - Math.floor(r() * 3)); // long chains
    else if (shape === 3) parent[i] = i < 9 ? 0 : Math.floor(r() * 9); // one root, eight supervisors with all the workers
    else {
      // mixed families: supervisors under earlier supervisors, the workers mostly under the first few
      const sups = Math.max(3, Math.floor(Math.sqrt(n) / 2));
      parent[i] = i < sups ? Math.floor(r() * i) : Math.floor(r() * Math.min(sups, 1 + r() * 5));
    }
  }
  const flags: ItemFlags = { present: new Uint8Array(n), failed: new Uint8Array(n), restarting: new Uint8Array(n), busy: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    flags.present[i] = r() < 0.97 ? 1 : 0;
    if (!flags.present[i]) continue;
    const u = r();
    if (u < 0.01) flags.failed[i] = 1;
    else if (u < 0.02) flags.restarting[i] = 1;
    else if (u < 0.3) flags.busy[i] = 1;
  }
  return { parent, flags };
}

const charW = (s: string) => [...s].length * 6;


describe("supervision tree folded to a budget", () => {
  it("builds a forest whose subtrees are preorder ranges, breaking cycles", () => {
    const f = buildForest([1, 2, 0, -1, 3, 3, 9]); // 0 -> 1 -> 2 -> 0 is a cycle
    expect(f.pre.length).toBe(7);
    expect(new Set(f.pre).size).toBe(7);
    for (let i = 0; i < 7; i++) for (const c of f.children[i]) expect(f.at[c]).toBeGreaterThan(f.at[i]);
    expect(f.size[3]).toBe(3);
    expect(f.roots).toContain(3);
    expect(f.roots).toContain(6); // a parent out of range
    expect(f.roots.filter((r) => r <= 2).length).toBe(1); // the cycle is cut once
  });

  it("accounts for every actor and every failure: drawn, or counted on a folded root or a stub", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 300, max: 2000 }), fc.integer({ min: 150, max: 1000 }), (seed, n, shape, w, h) => {
        const { parent, flags } = randomTree(seed, n, shape);
        const f = buildForest(parent);
        const counts = new SubtreeCounts(f);
        counts.update(flags);
        const budget = { leaves: Math.max(2, Math.floor(w / MIN_CELL)), depth: Math.max(1, Math.floor(h / MIN_ROW)) };
        const sh = chooseShown(f, counts, budget);
        const lay = tidyTree({ parent: sh.parent, wrap: sh.wrap, block: sh.block });
        // within the budget: columns and rows
        expect(lay.columns).toBeLessThanOrEqual(budget.leaves);
        expect(lay.depths).toBeLessThanOrEqual(budget.depth);
        // each present actor and each failure exactly once: drawn, or in one count
        let present = 0;
        let failed = 0;
        let restarting = 0;
        sh.item.forEach((i, k) => {
          if (i >= 0) {
            present += flags.present[i];
            failed += flags.failed[i];
            restarting += flags.restarting[i];
          }
          const c = hiddenCounts(sh, k, counts);
          present += c.present;
          failed += c.failed;
          restarting += c.restarting;
        });
        expect(present).toBe(counts.total("present"));
        expect(failed).toBe(counts.total("failed"));
        expect(restarting).toBe(counts.total("restarting"));
        // a drawn item appears once
        const items = sh.item.filter((i) => i >= 0);
        expect(new Set(items).size).toBe(items.length);
      }),
      { seed: 11, numRuns: 20 },
    );
  }, 120_000);

  it("never overlaps glyphs, labels or counts, and no elbow crosses any of them, at every size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 300, max: 2000 }), fc.integer({ min: 150, max: 1000 }), (seed, n, shape, w, h) => {
        const { parent, flags } = randomTree(seed, n, shape);
        const f = buildForest(parent);
        const counts = new SubtreeCounts(f);
        counts.update(flags);
        const rect = { x: 14, y: 24, w, h };
        const sh = chooseShown(f, counts, { leaves: Math.max(2, Math.floor(w / MIN_CELL)), depth: Math.max(1, Math.floor(h / MIN_ROW)) });
        const lay = tidyTree({ parent: sh.parent, wrap: sh.wrap, block: sh.block });
        const forms1 = sh.item.map((i, k) => (i < 0 ? countForms(hiddenCounts(sh, k, counts), true)[0] : [`root/sup-${i}/worker-${i} ↻2`, `worker-${i}`, `…${String(i).slice(-3)}`]));
        const forms2 = sh.item.map((_i, k) => (sh.folded[k] || sh.item[k] < 0 ? countForms(hiddenCounts(sh, k, counts), sh.item[k] < 0)[1] : []));
        const p = placeItems(lay, rect, forms1, forms2, charW);
        const boxes = itemBoxes(p);
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            if (boxes[i].owner !== boxes[j].owner) expect(overlaps(boxes[i], boxes[j]), `${JSON.stringify(boxes[i])} ${JSON.stringify(boxes[j])}`).toBe(false);
          }
          // inside the drawing area
          expect(boxes[i].x0).toBeGreaterThanOrEqual(rect.x - 1e-6);
          expect(boxes[i].x1).toBeLessThanOrEqual(rect.x + rect.w + 1e-6);
        }
        for (const e of p.elbows) {
          for (let s = 1; s < e.points.length; s++) {
            for (const b of boxes) {
              if (b.owner === e.from || b.owner === e.to) continue;
              expect(segmentHits(b, e.points[s - 1], e.points[s])).toBe(false);
            }
          }
          // the edge goes down: from under the parent's texts to above the child
          expect(e.points[3][1]).toBeGreaterThan(e.points[0][1]);
        }
      }),
      { seed: 5, numRuns: 20 },
    );
  }, 120_000);

  it("wraps mixed families (workers and supervisors) within the budget: nothing overlaps or crosses, every actor accounted for", () => {
    let mixed = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 20, max: 30_000 }),
        fc.integer({ min: 300, max: 2000 }),
        fc.integer({ min: 200, max: 1000 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { maxLength: 3 }),
        (seed, n, w, h, opens) => {
          const { parent, flags } = randomTree(seed, n, 4);
          const f = buildForest(parent);
          const counts = new SubtreeCounts(f);
          counts.update(flags);
          const budget = { leaves: Math.max(2, Math.floor(w / MIN_CELL)), depth: Math.max(1, Math.floor(h / MIN_ROW)) };
          // the user's unfolds of random supervisors
          const sups = Math.max(3, Math.floor(Math.sqrt(n) / 2));
          const open = new Set(opens.map((u) => Math.floor(u * Math.min(sups, n))));
          const sh = chooseShown(f, counts, budget, { open, closed: new Set() });
          const lay = tidyTree({ parent: sh.parent, wrap: sh.wrap, block: sh.block });
          const bad: string[] = [];
          if (!open.size && lay.columns > budget.leaves) bad.push(`${lay.columns} columns > ${budget.leaves}`);
          if (lay.depths > budget.depth) bad.push(`${lay.depths} rows > ${budget.depth}`);
          sh.block.forEach((b, k) => {
            if (b && b < lay.children[k].length) mixed++;
          });
          // every present actor and failure once: drawn, or counted on a folded item or a stub
          let present = 0;
          let failed = 0;
          sh.item.forEach((i, k) => {
            if (i >= 0) {
              present += flags.present[i];
              failed += flags.failed[i];
            }
            const c = hiddenCounts(sh, k, counts);
            present += c.present;
            failed += c.failed;
          });
          if (present !== counts.total("present")) bad.push(`present ${present} != ${counts.total("present")}`);
          if (failed !== counts.total("failed")) bad.push(`failed ${failed} != ${counts.total("failed")}`);
          const rect = { x: 14, y: 24, w, h };
          const forms1 = sh.item.map((i, k) => (i < 0 ? countForms(hiddenCounts(sh, k, counts), true)[0] : [`root/sup-${i}/worker-${i} ↻2`, `worker-${i}`, `…${String(i).slice(-3)}`]));
          const forms2 = sh.item.map((_i, k) => (sh.folded[k] || sh.item[k] < 0 ? countForms(hiddenCounts(sh, k, counts), sh.item[k] < 0)[1] : []));
          const p = placeItems(lay, rect, forms1, forms2, charW);
          const boxes = itemBoxes(p);
          for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++) if (boxes[i].owner !== boxes[j].owner && overlaps(boxes[i], boxes[j])) bad.push(`${boxes[i].owner} overlaps ${boxes[j].owner}`);
          for (const e of p.elbows)
            for (let s = 1; s < e.points.length; s++)
              for (const b of boxes) if (b.owner !== e.from && b.owner !== e.to && segmentHits(b, e.points[s - 1], e.points[s])) bad.push(`edge ${e.from}->${e.to} hits ${b.owner}`);
          expect(bad.slice(0, 5)).toEqual([]);
        },
      ),
      { seed: 31, numRuns: 40 },
    );
    expect(mixed).toBeGreaterThan(5); // the runs did draw mixed families
  }, 120_000);

  it("shows a failure among 20,000 children of one supervisor, and counts the rest on a stub", () => {
    const n = 20_001;
    const parent = new Int32Array(n).fill(0);
    parent[0] = -1;
    const flags: ItemFlags = { present: new Uint8Array(n).fill(1), failed: new Uint8Array(n), restarting: new Uint8Array(n), busy: new Uint8Array(n) };
    flags.failed[17_000] = 1;
    flags.restarting[3] = 1;
    const f = buildForest(parent);
    const counts = new SubtreeCounts(f);
    counts.update(flags);
    const sh = chooseShown(f, counts, { leaves: 40, depth: 10 });
    expect(sh.item.slice(0, 3)).toEqual([0, 3, 17_000]); // the failures come first
    // the family wraps onto the 9 rows under the root: 40 x 9 places, the last one a stub
    expect(sh.wrap[0]).toBe(40);
    const stub = sh.item.indexOf(-1);
    expect(hiddenCounts(sh, stub, counts)).toEqual({ present: 20_000 - 359, failed: 0, restarting: 0, busy: 0 });
    expect(Math.max(...sh.depth)).toBe(9);
    // the user's unfold of a wide parent draws what the width and height hold, never more
    const open = chooseShown(f, counts, { leaves: 40, depth: 10 }, { open: new Set([0]), closed: new Set() });
    expect(open.item.length).toBe(1 + 40 * 9); // the root, 359 children and a stub
    // the user's fold of the root folds everything into it
    const closed = chooseShown(f, counts, { leaves: 40, depth: 10 }, { open: new Set(), closed: new Set([0]) });
    expect(closed.item).toEqual([0]);
    expect(hiddenCounts(closed, 0, counts)).toMatchObject({ present: 20_000, failed: 1, restarting: 1 });
  });

  it("draws a small tree whole and a large one within the same budget", () => {
    const small = randomTree(1, 12, 0);
    const fs = buildForest(small.parent);
    const cs = new SubtreeCounts(fs);
    cs.update({ ...small.flags, present: new Uint8Array(12).fill(1) });
    expect(chooseShown(fs, cs, { leaves: 50, depth: 15 }).item.length).toBe(12);
    const big = randomTree(2, 100_000, 3);
    const fb = buildForest(big.parent);
    const cb = new SubtreeCounts(fb);
    cb.update(big.flags);
    const sh = chooseShown(fb, cb, { leaves: 50, depth: 15 });
    expect(sh.item.length).toBeLessThanOrEqual(50 * 15);
  });

  it("wraps a family of 300 workers into rows under their supervisor, every one drawn", () => {
    const n = 302; // a root, a supervisor, 300 workers
    const parent = new Int32Array(n).fill(1);
    parent[0] = -1;
    parent[1] = 0;
    const flags: ItemFlags = { present: new Uint8Array(n).fill(1), failed: new Uint8Array(n), restarting: new Uint8Array(n), busy: new Uint8Array(n) };
    flags.failed[250] = 1;
    const f = buildForest(parent);
    const counts = new SubtreeCounts(f);
    counts.update(flags);
    // 1280 x 800: 28 columns, 11 rows; the workers take 11 rows of 28 under the supervisor
    const sh = chooseShown(f, counts, { leaves: 28, depth: 13 });
    expect(sh.item.filter((i) => i >= 2).length).toBe(300);
    expect(sh.item).not.toContain(-1); // nothing hidden: no stub
    const k = sh.item.indexOf(1);
    expect(sh.wrap[k]).toBe(28);
    const lay = tidyTree({ parent: sh.parent, wrap: sh.wrap, block: sh.block });
    expect(lay.columns).toBe(28);
    expect(lay.depths).toBe(2 + Math.ceil(300 / 28));
    // rows of 28 in spawn order (all fit: nothing is moved forward), the supervisor centred
    const rowOf = (i: number) => lay.depth[sh.item.indexOf(i)];
    expect(rowOf(2)).toBe(2);
    expect(rowOf(250)).toBe(2 + Math.floor(248 / 28));
    expect(rowOf(301)).toBe(2 + Math.floor(299 / 28));
    expect(lay.x[k]).toBe(14);
    // too few rows: as many as fit, and a stub counting the rest, failure included
    flags.failed[250] = 0;
    flags.failed[300] = 1;
    counts.update(flags);
    const short = chooseShown(f, counts, { leaves: 28, depth: 6 });
    const stub = short.item.indexOf(-1);
    expect(short.item.filter((i) => i >= 2).length).toBe(28 * 4 - 1);
    expect(short.item).toContain(300); // the failure is drawn, first
    expect(hiddenCounts(short, stub, counts)).toEqual({ present: 300 - 111, failed: 0, restarting: 0, busy: 0 });
  });

  it("words a folded subtree's counts from long to short", () => {
    const [, two] = countForms({ present: 12_496, failed: 3, restarting: 1, busy: 40 }, false);
    expect(two[0]).toBe("+12,496 · 3 failed · 1 restarting · 40 busy");
    expect(two).toContain("+12k · 4 down · 40 busy");
    expect(two).toContain("+12k · 4 down");
    const [one, sub] = countForms({ present: 1500, failed: 0, restarting: 0, busy: 2 }, true);
    expect(one[0]).toBe("+1,500 more");
    expect(sub[0]).toBe("2 busy");
  });
});
