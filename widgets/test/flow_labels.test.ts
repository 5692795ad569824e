// The flows view's labels never overlap, and its zones carry exactly the node traffic.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { anchorEdges, anchorsOf, edgeParts, ZONE_DOT } from "../src/flow_anchors";
import { placeLabels, type LabelSpot } from "../src/flow_labels";
import { circleDots } from "../src/flow_scene";
import { EdgeTable, type FlowEdge } from "../src/flows";
import { assignZones, overlaps } from "../src/zones";

/** A deterministic stand-in for canvas text widths. */
const measure = (s: string, bold: boolean, px: number) => s.length * px * (bold ? 0.64 : 0.58);

function spotsOf(n: number, seed: number, w: number, h: number): LabelSpot[] {
  const cx = w / 2;
  const cy = h / 2;
  const radius = Math.max(20, Math.min(w, h) / 2 - 80);
  const r = Math.max(3, Math.min(30, (Math.PI * radius) / n - 4));
  return circleDots(Array.from({ length: n }, (_, i) => i), cx, cy, radius, r).map((d) => {
    const len = Math.hypot(d.x - cx, d.y - cy) || 1;
    const name = `n${(d.idx * 7919 + seed) % 1000}`;
    const stats = `${(d.idx * 37 + seed) % 5000} actors · ${((d.idx + seed) % 97) / 7}/s within`;
    return {
      idx: d.idx,
      x: d.x,
      y: d.y,
      r: d.r,
      c: (d.x - cx) / len,
      s: (d.y - cy) / len,
      forms: [[{ text: name, bold: true, px: 12 }, { text: stats, bold: false, px: 10 }], [{ text: name, bold: true, px: 12 }]],
    };
  });
}

describe("flows labels", () => {
  it("never overlap each other, another dot or the caption, and stay inside the plot, for 2..400 dots", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 400 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 300, max: 1300 }), fc.integer({ min: 250, max: 800 }), (n, seed, w, h) => {
        const spots = spotsOf(n, seed, w, h);
        const bounds = { x: 0, y: 0, w, h };
        const caption = { x: 0, y: 0, w, h: 40 };
        const placed = placeLabels(spots, measure, bounds, [caption]);
        const boxes = placed.flatMap((p) => p.lines);
        const bad: string[] = [];
        for (let i = 0; i < boxes.length; i++) {
          const b = boxes[i];
          if (!(b.x >= 0 && b.y >= 0 && b.x + b.w <= w + 1e-9 && b.y + b.h <= h + 1e-9)) bad.push(`${b.text} outside`);
          if (overlaps(b, caption)) bad.push(`${b.text} on the caption`);
          for (let j = i + 1; j < boxes.length; j++) if (overlaps(b, boxes[j])) bad.push(`${b.text} on ${boxes[j].text}`);
        }
        // no label covers another label's dot
        placed.forEach((p, k) => {
          for (const b of p.lines)
            spots.forEach((sp, j) => {
              if (j !== k && overlaps(b, { x: sp.x - sp.r, y: sp.y - sp.r, w: 2 * sp.r, h: 2 * sp.r })) bad.push(`${b.text} on dot ${j}`);
            });
        });
        expect(bad).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it("names every dot of a small circle in full, and gives names before statistics when crowded", () => {
    const few = placeLabels(spotsOf(8, 1, 900, 500), measure, { x: 0, y: 0, w: 900, h: 500 });
    expect(few.every((p) => p.form === 0)).toBe(true);
    // 60 dots on a small plot: no room for two lines everywhere, but more names than with the
    // fullest forms taken greedily
    const spots = spotsOf(60, 3, 600, 450);
    const placed = placeLabels(spots, measure, { x: 0, y: 0, w: 600, h: 450 });
    const greedy = placeLabels(spots.map((s) => ({ ...s, forms: s.forms.slice(0, 1) })), measure, { x: 0, y: 0, w: 600, h: 450 });
    const named = placed.filter((p) => p.form >= 0).length;
    expect(named).toBeGreaterThan(greedy.filter((p) => p.form >= 0).length);
    expect(placed.some((p) => p.form === 1)).toBe(true);
  });
});

describe("flows between zones", () => {
  it("sum to exactly the node edges, per pair of zones and per type, what is inside a zone as its own", () => {
    fc.assert(
      fc.property(fc.integer({ min: 51, max: 260 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 3000 }), fc.integer({ min: -1, max: 30 }), (n, msgs, focusPick) => {
        const names = Array.from({ length: n }, (_, i) => `n${i}`);
        const order = names.map((_, i) => i);
        const zoning = assignZones(names, order, () => undefined);
        const focus = focusPick < zoning.zones.length ? focusPick : -1;
        const table = new EdgeTable();
        for (const [a, b, ty] of msgs) table.bump(a % n, b % n, ty);
        const anchor = anchorsOf(n, zoning, focus);
        const agg = anchorEdges(table.values(), anchor);
        // the flat sums, message by message
        const flat = new Map<string, number>();
        for (const [a, b, ty] of msgs) {
          const k = `${anchor[a % n]}>${anchor[b % n]}:${ty}`;
          flat.set(k, (flat.get(k) ?? 0) + 1);
        }
        const got = new Map<string, number>();
        let total = 0;
        for (const e of agg.values()) {
          total += e.count;
          let byType = 0;
          for (const [ty, c] of e.types) {
            got.set(`${e.from}>${e.to}:${ty}`, c);
            byType += c;
          }
          expect(byType).toBe(e.count);
          // the hover's parts are the node edges between the two anchors
          expect(edgeParts(table.values(), anchor, e.from, e.to).length).toBe(e.parts);
        }
        expect(total).toBe(msgs.length);
        expect(got).toEqual(flat);
        // a zone's dot stands for all its nodes; the focused zone's nodes are their own dots
        for (let k = 0; k < n; k++) {
          const z = zoning.zoneOf[k];
          expect(anchor[k]).toBe(z === focus ? k : ZONE_DOT + z);
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe("flow edges kept", () => {
  it("draw the busiest and count the rest, never dropping one silently", async () => {
    const { flowLines } = await import("../src/flow_scene");
    const dots = circleDots([0, 1, 2, 3, 4, 5], 0, 0, 100, 5);
    const edges: FlowEdge[] = [];
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) if (a !== b) edges.push({ from: a, to: b, count: 1 + a * 6 + b, types: new Map([[0, 1 + a * 6 + b]]) });
    const all = edges.reduce((p, e) => p + e.count, 0);
    const fl = flowLines(dots, { values: () => edges }, 1, 9, undefined, 10);
    expect(fl.lines.length).toBe(10);
    expect(fl.hidden.edges).toBe(20);
    expect(fl.total).toBe(all);
    expect(fl.lines.reduce((p, l) => p + l.count, 0) + fl.hidden.messages).toBe(all);
    const weakestDrawn = Math.min(...fl.lines.map((l) => l.count));
    expect(edges.filter((e) => e.count > weakestDrawn).length).toBeLessThanOrEqual(10);
    // the strongest is the most opaque
    const top = fl.lines.find((l) => l.count === 35)!;
    expect(top.alpha).toBeCloseTo(0.8);
    expect(Math.min(...fl.lines.map((l) => l.alpha))).toBeLessThan(top.alpha);
  });
});
