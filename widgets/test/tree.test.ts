import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { itemBoxes, MIN_CELL, MIN_ROW, placeItems, placeTree, tidyTree } from "../src/tree";
import { overlaps, segmentHits } from "./boxes";

// a random forest: each item's parent is an earlier item or none
const forest = fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 120 }).map((xs) =>
  xs.map((u, i) => (i === 0 || u < 0.15 ? -1 : Math.floor(u * i))),
);

describe("tidy supervision tree", () => {
  it("places every actor once, a row per depth, a parent centred over its children", () => {
    fc.assert(
      fc.property(forest, (parent) => {
        const lay = tidyTree({ parent });
        expect(lay.x.length).toBe(parent.length);
        for (let i = 0; i < parent.length; i++) {
          if (parent[i] >= 0) expect(lay.depth[i]).toBe(lay.depth[parent[i]] + 1);
          const c = lay.children[i];
          if (c.length) {
            expect(lay.x[i]).toBeGreaterThanOrEqual(lay.x[c[0]]);
            expect(lay.x[i]).toBeLessThanOrEqual(lay.x[c[c.length - 1]]);
          }
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("never overlaps glyphs or labels, and no edge crosses a glyph or a label", () => {
    fc.assert(
      fc.property(forest, fc.integer({ min: 300, max: 2000 }), fc.integer({ min: 200, max: 900 }), (parent, w, h) => {
        const lay = tidyTree({ parent });
        const label = 14;
        const p = placeTree(lay, { x: 0, y: 0, w, h }, label);
        // same row: at least one cell apart (a label is never wider than its cell)
        const byRow = new Map<number, number[]>();
        lay.depth.forEach((d, i) => byRow.set(d, [...(byRow.get(d) ?? []), p.px[i]]));
        for (const xs of byRow.values()) {
          xs.sort((a, b) => a - b);
          for (let k = 1; k < xs.length; k++) expect(xs[k] - xs[k - 1]).toBeGreaterThanOrEqual(p.cell - 1e-9);
        }
        expect(2 * p.r).toBeLessThanOrEqual(p.cell);
        // every box of a glyph and its label
        const boxes = lay.x.map((_x, i) => ({ x0: p.px[i] - p.cell / 2, x1: p.px[i] + p.cell / 2, y0: p.py[i] - p.r, y1: p.py[i] + p.r + label }));
        for (const e of p.elbows) {
          const [a, b, c, d] = e.points;
          // the horizontal run lies strictly between the parent's label and the child's glyph
          expect(b[1]).toBeGreaterThan(boxes[e.from].y1);
          expect(c[1]).toBeLessThan(boxes[e.to].y0);
          expect(a[1]).toBeGreaterThanOrEqual(boxes[e.from].y1);
          expect(d[1]).toBeLessThanOrEqual(boxes[e.to].y0);
          // no glyph or label box of another actor is crossed by the horizontal run
          for (let i = 0; i < boxes.length; i++) {
            const bx = boxes[i];
            const crosses = b[1] > bx.y0 && b[1] < bx.y1 && Math.max(b[0], c[0]) > bx.x0 && Math.min(b[0], c[0]) < bx.x1;
            expect(crosses, `edge ${e.from}->${e.to} crosses ${i}`).toBe(false);
          }
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("wraps a wide family into rows: no overlap, and no edge (trunk included) crosses a glyph or a label", () => {
    // a random forest, plus wide families of leaves hung under random items, each wrapped
    const wide = fc.record({
      parent: forest,
      families: fc.array(fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 3, max: 90 }), fc.integer({ min: 1, max: 14 })), { minLength: 1, maxLength: 3 }),
      cellExtra: fc.integer({ min: 0, max: 40 }),
      rowExtra: fc.integer({ min: 0, max: 70 }),
    });
    let wrapped = 0;
    fc.assert(
      fc.property(wide, ({ parent: base, families, cellExtra, rowExtra }) => {
        const parent = [...base];
        const wrap: number[] = [];
        for (const [u, k, w] of families) {
          const p = Math.floor(u * parent.length);
          wrap[p] = w;
          for (let j = 0; j < k; j++) parent.push(p);
        }
        const lay = tidyTree({ parent, wrap });
        const rect = { x: 14, y: 24, w: lay.columns * (MIN_CELL + cellExtra), h: lay.depths * (MIN_ROW + rowExtra) };
        const names = parent.map((_p, i) => [`root/sup/worker-${i} ↻3`, `worker-${i}`, `…${String(i).slice(-3)}`]);
        const counts = parent.map((_p, i) => (lay.children[i].length ? [] : ["+1,234 · 5 failed", "+1k · 5 down", "5 down"]));
        const p = placeItems(lay, rect, names, counts, (t) => [...t].length * 6);
        const boxes = itemBoxes(p);
        // plain loops, one expect at the end: an expect per pair would take minutes
        const bad: string[] = [];
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) if (boxes[i].owner !== boxes[j].owner && overlaps(boxes[i], boxes[j])) bad.push(`${boxes[i].owner} overlaps ${boxes[j].owner}`);
        for (let i = 0; i < parent.length; i++) {
          if (!lay.wrap[i]) continue;
          wrapped++;
          // every child below its parent, a row of at most `wrap` columns
          const rows = new Map<number, number>();
          for (const c of lay.children[i]) {
            expect(lay.depth[c]).toBeGreaterThan(lay.depth[i]);
            rows.set(lay.depth[c], (rows.get(lay.depth[c]) ?? 0) + 1);
          }
          for (const v of rows.values()) expect(v).toBeLessThanOrEqual(lay.wrap[i]);
        }
        for (const e of p.elbows) {
          for (let k = 1; k < e.points.length; k++) {
            for (const b of boxes) {
              if (b.owner !== e.from && b.owner !== e.to && segmentHits(b, e.points[k - 1], e.points[k])) bad.push(`edge ${e.from}->${e.to} hits ${b.owner}`);
            }
          }
          // down from the parent, ending above the child
          const end = e.points[e.points.length - 1];
          if (!(end[1] > e.points[0][1]) || Math.abs(end[0] - p.px[e.to]) > 1e-9) bad.push(`edge ${e.from}->${e.to} does not end above its child`);
        }
        expect(bad.slice(0, 5)).toEqual([]);
      }),
      { seed: 13, numRuns: 80 },
    );
    expect(wrapped).toBeGreaterThan(50); // the runs did wrap families
  }, 120_000);

  it("wraps a mixed family: workers in rows, supervisors' subtrees tidy beside them, nothing overlaps or crosses", () => {
    // a random forest, plus families hung under new supervisors: workers first (the block),
    // then sub-supervisors, each with a small subtree of its own
    const mixed = fc.record({
      parent: forest,
      families: fc.array(
        fc.record({
          at: fc.double({ min: 0, max: 0.999, noNaN: true }),
          workers: fc.integer({ min: 3, max: 120 }),
          wrap: fc.integer({ min: 1, max: 14 }),
          subs: fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      cellExtra: fc.integer({ min: 0, max: 40 }),
      rowExtra: fc.integer({ min: 0, max: 70 }),
    });
    let wrapped = 0;
    fc.assert(
      fc.property(mixed, ({ parent: base, families, cellExtra, rowExtra }) => {
        const parent = [...base];
        const wrap: number[] = [];
        const block: number[] = [];
        for (const fam of families) {
          const p = parent.push(Math.floor(fam.at * base.length)) - 1;
          wrap[p] = fam.wrap;
          block[p] = fam.workers;
          for (let j = 0; j < fam.workers; j++) parent.push(p);
          for (const kids of fam.subs) {
            const sup = parent.push(p) - 1;
            for (const grand of kids) {
              const k = parent.push(sup) - 1;
              for (let g = 0; g < grand; g++) parent.push(k);
            }
          }
        }
        const lay = tidyTree({ parent, wrap, block });
        const rect = { x: 14, y: 24, w: lay.columns * (MIN_CELL + cellExtra), h: lay.depths * (MIN_ROW + rowExtra) };
        const names = parent.map((_p, i) => [`root/sup/worker-${i} ↻3`, `worker-${i}`, `…${String(i).slice(-3)}`]);
        const counts = parent.map((_p, i) => (lay.children[i].length ? [] : ["+1,234 · 5 failed", "+1k · 5 down", "5 down"]));
        const p = placeItems(lay, rect, names, counts, (t) => [...t].length * 6);
        const boxes = itemBoxes(p);
        const bad: string[] = [];
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) if (boxes[i].owner !== boxes[j].owner && overlaps(boxes[i], boxes[j])) bad.push(`${boxes[i].owner} overlaps ${boxes[j].owner}`);
        for (let i = 0; i < parent.length; i++) {
          const kids = lay.children[i];
          if (!lay.wrap[i]) {
            // outside a block, a child is one row under its parent
            for (const c of kids) if (lay.depth[c] !== lay.depth[i] + 1) bad.push(`${c} not one row under ${i}`);
            continue;
          }
          if (lay.block[i] < kids.length) wrapped++;
          const rows = new Map<number, number>();
          kids.forEach((c, j) => {
            if (lay.depth[c] <= lay.depth[i]) bad.push(`${c} above its parent ${i}`);
            if (j >= lay.block[i]) {
              // a supervisor beside the block: on the block's first row, right of every worker
              if (lay.depth[c] !== lay.depth[i] + 1) bad.push(`supervisor ${c} not on the first row`);
              if (lay.x[c] < lay.x[kids[lay.block[i] - 1]]) bad.push(`supervisor ${c} left of the block`);
            } else rows.set(lay.depth[c], (rows.get(lay.depth[c]) ?? 0) + 1);
          });
          for (const v of rows.values()) if (v > lay.wrap[i]) bad.push(`a row of ${v} > ${lay.wrap[i]}`);
        }
        for (const e of p.elbows) {
          for (let k = 1; k < e.points.length; k++) {
            for (const b of boxes) {
              if (b.owner !== e.from && b.owner !== e.to && segmentHits(b, e.points[k - 1], e.points[k])) bad.push(`edge ${e.from}->${e.to} hits ${b.owner}`);
            }
          }
          const end = e.points[e.points.length - 1];
          if (!(end[1] > e.points[0][1]) || Math.abs(end[0] - p.px[e.to]) > 1e-9) bad.push(`edge ${e.from}->${e.to} does not end above its child`);
        }
        expect(bad.slice(0, 5)).toEqual([]);
      }),
      { seed: 29, numRuns: 80 },
    );
    expect(wrapped).toBeGreaterThan(50); // the runs did wrap mixed families
  }, 120_000);

  it("survives a cycle or a missing parent by making roots", () => {
    const lay = tidyTree({ parent: [1, 0, 7, -1] });
    expect(lay.x.every((v) => Number.isFinite(v))).toBe(true);
    expect(lay.depth.filter((d) => d === 0).length).toBeGreaterThanOrEqual(2);
  });
});


describe("a restart count on the line under a name too wide for both", () => {
  // eight leaves in 480 px: 60 px columns; 6 px a character
  const lay = tidyTree({ parent: [-1, 0, 0, 0, 0, 0, 0, 0, 0] });
  const rect = { x: 0, y: 0, w: 480, h: 200 };
  const measure = (t: string) => [...t].length * 6;
  it("stays beside the name when both fit, and goes under it when they do not", () => {
    const forms = (name: string): [string[], string[]] => [[`${name} ↻2`, name, `…${name.slice(-3)}`], ["↻2"]];
    const p = placeItems(lay, rect, [[], forms("api")[0], forms("worker-0")[0]], [[], forms("api")[1], forms("worker-0")[1]], measure);
    expect([p.line1[1], p.line2[1]]).toEqual(["api ↻2", ""]);
    expect([p.line1[2], p.line2[2]]).toEqual(["worker-0", "↻2"]);
  });
});
