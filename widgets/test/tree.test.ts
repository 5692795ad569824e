import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placeTree, tidyTree } from "../src/tree";

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

  it("survives a cycle or a missing parent by making roots", () => {
    const lay = tidyTree({ parent: [1, 0, 7, -1] });
    expect(lay.x.every((v) => Number.isFinite(v))).toBe(true);
    expect(lay.depth.filter((d) => d === 0).length).toBeGreaterThanOrEqual(2);
  });
});
