// Zones of the topology view: which zone a node is in, and a layout whose texts never overlap
// (a property over random node counts 1–400, widths 600–1600 and heights, counts and names).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { layoutNodes, type Rect } from "../src/layout";
import { SceneBuilder, nodeStateName, statusName, type Filters } from "../src/scene";
import { explicitZones } from "../src/zone_scene";
import {
  CAPTION_FOOTER_H,
  CELL_NAMED_H,
  assignZones,
  blockSize,
  cellNameForms,
  fitCellMark,
  fitCellNames,
  fitHeader,
  headerParts,
  layoutFocus,
  layoutZones,
  namePrefix,
  overlaps,
  zeroCounts,
  type TextBox,
  type ZoneCounts,
} from "../src/zones";
import { storeOf } from "./helpers";

/** A deterministic stand-in for canvas text widths: about what 11 px sans-serif measures. */
const measure = (s: string, bold = false, px = 11) => s.length * px * (bold ? 0.64 : 0.58);

/** Checks without expect() in the inner loops: a property run makes hundreds of thousands. */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

const inside = (a: Rect, b: Rect) => a.x >= b.x - 1e-6 && a.y >= b.y - 1e-6 && a.x + a.w <= b.x + b.w + 1e-6 && a.y + a.h <= b.y + b.h + 1e-6;

function noOverlap(texts: TextBox[]): void {
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      if (overlaps(texts[i], texts[j])) throw new Error(`"${texts[i].text}" ${JSON.stringify(texts[i])} overlaps "${texts[j].text}" ${JSON.stringify(texts[j])}`);
    }
  }
}

const names = (n: number, style: number) =>
  Array.from({ length: n }, (_, i) => (style === 0 ? `n${i}` : style === 1 ? `rack${Math.floor(i / 8)}-node-${i}` : `worker-${String(i).padStart(4, "0")}.cluster.internal`));

function randomCounts(seed: number): ZoneCounts {
  let x = seed * 2654435761;
  const r = (k: number) => ((x = (x * 1103515245 + 12345) % 2147483648) % k);
  const c = zeroCounts();
  c.nodes = 1 + r(20);
  c.down = r(3);
  c.other = r(2);
  c.failed = r(4) === 0 ? r(20000) : 0;
  c.restarting = r(3) === 0 ? r(50) : 0;
  c.busy = r(100000);
  c.idle = r(100000);
  c.hung = r(5) === 0 ? r(9) : 0;
  return c;
}

describe("zone assignment", () => {
  it("groups by the zone the trace names, else a name prefix, else blocks", () => {
    const order = [0, 1, 2, 3, 4, 5];
    const said = ["a", "a", "b", "b", "", "c"];
    const z = assignZones(["x0", "x1", "x2", "x3", "x4", "x5"], order, (n) => said[n] || undefined);
    expect(z.source).toBe("attribute");
    expect(z.zones.map((g) => [g.name, g.nodes])).toEqual([["a", [0, 1]], ["b", [2, 3]], ["no zone", [4]], ["c", [5]]]);
    const racks = names(60, 1);
    const p = assignZones(racks, racks.map((_, i) => i), () => undefined);
    expect(p.source).toBe("prefix");
    expect(p.zones[0]).toEqual({ name: "rack0-node", nodes: [0, 1, 2, 3, 4, 5, 6, 7] });
    const plain = names(200, 0);
    const b = assignZones(plain, plain.map((_, i) => i), () => undefined);
    expect(b.source).toBe("block");
    expect(b.zones.length).toBe(20);
    expect(b.zones[10].name).toBe("n100–n109");
    expect(b.zoneOf[105]).toBe(10);
    expect(blockSize(400)).toBe(20);
    expect(namePrefix("n5")).toBe("");
    expect(cellNameForms("rack1-n3", "rack1")).toEqual(["rack1-n3", "n3", "3"]);
  });
});

describe("zone layout", () => {
  it("never overlaps a text, keeps every text in its box and every cell in its zone", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 600, max: 1600 }),
        fc.integer({ min: 300, max: 900 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (n, width, height, style, seed, cut) => {
          const ns = names(n, style);
          const order = ns.map((_, i) => i);
          const zoning = assignZones(ns, order, () => undefined);
          // the stage beside the inspector, as the view gives it
          const area = { x: 10, y: 10, w: width * 0.72 - 20, h: height - 20 };
          // a trace that cuts links: a free zone slot or a footer tall enough for the caption
          const lay = layoutZones(zoning, n, area, cut ? CAPTION_FOOTER_H : 0);
          if (cut) check(lay.footer.h === CAPTION_FOOTER_H || (lay.spare !== null && lay.spare.h >= CAPTION_FOOTER_H), () => "no room for the partition's caption");
          check(inside(lay.footer, area), () => "the footer leaves the area");
          const texts: TextBox[] = [];
          lay.zones.forEach((zb, i) => {
            check(inside(zb.box, area), () => `zone ${i} leaves the area`);
            check(!overlaps(zb.box, lay.footer), () => `zone ${i} is over the footer`);
            for (let j = i + 1; j < lay.zones.length; j++) check(!overlaps(zb.box, lay.zones[j].box), () => `zones ${i} and ${j} overlap`);
            const hdr = fitHeader(zb.lines, headerParts(zoning.zones[zb.zone].name, randomCounts(seed + i)), measure);
            for (const t of hdr) check(inside(t, zb.box), () => `header text ${t.text} leaves zone ${i}`);
            texts.push(...hdr);
            for (const node of zoning.zones[zb.zone].nodes) {
              const c = lay.cells[node]!;
              check(inside(c, zb.body), () => `cell ${node} leaves zone ${i}'s body`);
              for (const l of zb.lines) check(!overlaps(c, l), () => `cell ${node} is under a header line`);
            }
          });
          const cells = order.map((node) => ({ node, box: lay.cells[node]!, forms: cellNameForms(ns[node], zoning.source === "prefix" ? zoning.zones[zoning.zoneOf[node]].name : "") }));
          for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) check(!overlaps(cells[i].box, cells[j].box), () => `cells ${i} and ${j} overlap`);
          const cellNames = fitCellNames(cells, (s, px) => measure(s, false, px));
          // one form for every cell: never full names in some and numbers in others
          expect(new Set(cellNames.map((t) => cellNameForms(ns[t.node], zoning.source === "prefix" ? zoning.zones[zoning.zoneOf[t.node]].name : "").indexOf(t.text))).size).toBeLessThanOrEqual(1);
          for (const c of cells) {
            const t = cellNames.find((x) => x.node === c.node);
            if (t) {
              check(inside(t, c.box), () => `name ${t.text} leaves its cell`);
              texts.push(t);
            }
            // a cell's failure count, with or without a name beside it
            const mark = fitCellMark(c.box, t, `✕${(seed * (c.node + 1)) % 30000}`, (s) => measure(s, true, 10));
            if (mark && mark !== "flag") {
              check(inside(mark, c.box), () => `mark ${mark.text} leaves its cell`);
              texts.push(mark);
            }
          }
          if (lay.spare) for (const zb of lay.zones) check(!overlaps(lay.spare, zb.box), () => "the spare slot is a zone's");
          for (const zb of lay.zones) check(!overlaps(lay.footer, zb.box), () => "the footer runs into a zone");
          noOverlap(texts);
          // where cells are tall enough for a name line, a name that fits is shown
          if (style === 0 && cells.every((c) => c.box.h >= CELL_NAMED_H && c.box.w >= 30)) expect(cellNames.length).toBe(n);
        },
      ),
      { numRuns: 150, examples: [[361, 600, 302, 1, 0, true], [400, 600, 338, 1, 0, true]] },
    );
  });

  it("many nodes in a small zone: the gaps between cells narrow so the cells stay in its body", () => {
    // 46 racks of 8 in a 412 × 282 stage cut by a partition: a zone's body is 4.7 px tall, two
    // rows of cells with a 3 px gap between them ran out of it
    const ns = names(361, 1);
    const zoning = assignZones(ns, ns.map((_, i) => i), () => undefined);
    const lay = layoutZones(zoning, 361, { x: 10, y: 10, w: 600 * 0.72 - 20, h: 282 }, CAPTION_FOOTER_H);
    const zb = lay.zones[0];
    expect(zb.body.h).toBeLessThan(5);
    for (const node of zoning.zones[0].nodes) expect(inside(lay.cells[node]!, zb.body)).toBe(true);
    const cells = zoning.zones[0].nodes.map((node) => lay.cells[node]!);
    for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) expect(overlaps(cells[i], cells[j])).toBe(false);
  });

  it("a zone barely a line tall keeps its header inside it", () => {
    // 50 racks on a 600 × 338 page cut by a partition: zones 16.8 px tall, under the 2 + 15 px
    // a header line took
    const ns = names(400, 1);
    const zoning = assignZones(ns, ns.map((_, i) => i), () => undefined);
    const lay = layoutZones(zoning, 400, { x: 10, y: 10, w: 600 * 0.72 - 20, h: 318 }, CAPTION_FOOTER_H);
    expect(lay.zones[0].box.h).toBeLessThan(17);
    for (const zb of lay.zones) for (const l of zb.lines) expect(inside(l, zb.box)).toBe(true);
  });

  it("zoomed into a zone: its nodes at full detail, every zone listed or summed, no overlap", { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 51, max: 400 }), fc.integer({ min: 600, max: 1600 }), fc.integer({ min: 300, max: 900 }), fc.integer({ min: 0, max: 10000 }), (n, width, height, pick) => {
        const ns = names(n, 0);
        const zoning = assignZones(ns, ns.map((_, i) => i), () => undefined);
        const focus = pick % zoning.zones.length;
        const area = { x: 10, y: 10, w: width * 0.72 - 20, h: height - 20 };
        const zm = layoutFocus(zoning, focus, zoning.zones[focus].nodes.map(() => 50), area, layoutNodes);
        expect(zm.main.length).toBe(zoning.zones[focus].nodes.length);
        expect(zm.rows.some((r) => r.zone === focus)).toBe(true);
        expect(zm.rows.length + zm.hidden.length).toBe(zoning.zones.length);
        const texts: TextBox[] = [];
        for (const r of zm.rows) {
          expect(inside(r.box, area)).toBe(true);
          for (const b of zm.main) expect(overlaps(r.box, b)).toBe(false);
          const t = fitHeader([r.line], headerParts(zoning.zones[r.zone].name, randomCounts(pick + r.zone)), measure);
          for (const x of t) expect(inside(x, r.box)).toBe(true);
          texts.push(...t);
        }
        if (zm.more) for (const r of zm.rows) expect(overlaps(zm.more, r.box)).toBe(false);
        noOverlap(texts);
      }),
      { numRuns: 200 },
    );
  });

  it("a header keeps failures ahead of sizes and cuts a name too long for its line", () => {
    const c = { ...zeroCounts(), nodes: 10, down: 1, failed: 3, busy: 40, idle: 4000 };
    const line = { x: 0, y: 0, w: 150, h: 15 };
    const t = fitHeader([line], headerParts("n100–n109", c), measure);
    expect(t.map((x) => x.text)).toEqual(["n100–n109", "1 down", "✕3"]);
    const wide = fitHeader([{ ...line, w: 600 }], headerParts("n100–n109", c), measure);
    expect(wide.map((x) => x.text)).toEqual(["n100–n109", "1 down", "✕ 3 failed", "40 busy", "10 nodes", "4,043 actors"]);
    const cut = fitHeader([{ ...line, w: 40 }], headerParts("a-very-long-zone-name", c), measure);
    expect(cut.length).toBe(1);
    expect(cut[0].text.startsWith("…")).toBe(true);
    expect(cut[0].w).toBeLessThanOrEqual(40);
  });
});

describe("a zone header names its nodes in maintenance", () => {
  // a zone of the 200-node picture at notebook width: a 107 px box, one 97 px header line
  const narrow = { x: 0, y: 0, w: 97, h: 15 };
  const c = { ...zeroCounts(), nodes: 10, other: 1, busy: 3, idle: 900 };

  it("by name, in full where there is room", () => {
    const wide = fitHeader([{ ...narrow, w: 600 }], headerParts("n100–n109", c, ["n100"]), measure);
    expect(wide.map((x) => x.text).slice(0, 2)).toEqual(["n100–n109", "n100 in maintenance"]);
    expect(wide[1].ink).toBe("state");
  });

  it("at notebook width, abbreviated, the zone's name cut to its start to make room", () => {
    const t = fitHeader([narrow], headerParts("n100–n109", c, ["n100"]), measure);
    const maint = t.find((x) => x.ink === "state");
    expect(maint?.text).toBe("⚒n100");
    // the name keeps its start (the block's first node), cut with an ellipsis
    expect(t[0].text.startsWith("n100")).toBe(true);
    expect(t[0].text.endsWith("…")).toBe(true);
    for (const x of t) expect(x.x + x.w).toBeLessThanOrEqual(narrow.x + narrow.w + 1e-9);
    noOverlap(t);
    // without anything urgent the name is never cut
    const calm = fitHeader([narrow], headerParts("n100–n109", { ...c, other: 0 }), measure);
    expect(calm[0].text).toBe("n100–n109");
  });

  it("several: counted with the first name", () => {
    const three = { ...c, other: 3 };
    const names = ["rack2-n4", "rack2-n7", "rack2-n9"];
    const wide = fitHeader([{ ...narrow, w: 600 }], headerParts("rack2", three, names), measure);
    expect(wide[1].text).toBe("3 in maintenance: rack2-n4, …");
    const two = fitHeader([{ ...narrow, w: 600 }], headerParts("rack2", { ...c, other: 2 }, names.slice(0, 2)), measure);
    expect(two[1].text).toBe("rack2-n4, rack2-n7 in maintenance");
    const t = fitHeader([{ ...narrow, w: 130 }], headerParts("rack2", three, names), measure);
    expect(t.find((x) => x.ink === "state")?.text).toMatch(/^(⚒3 rack2-n4…|3 maint: rack2-n4…)$/);
  });

  it("a node down and one in maintenance both stay in a narrow header", () => {
    const both = { ...c, down: 1 };
    const t = fitHeader([narrow], headerParts("n100–n109", both, ["n100"]), measure);
    expect(t.some((x) => x.text === "1↓")).toBe(true);
    expect(t.some((x) => x.text === "⚒n100")).toBe(true);
    noOverlap(t);
  });
});

describe("zones from the trace", () => {
  it("a node's zone attribute wins over MeshOS's desired zones; either over name prefixes", () => {
    const evs = [
      { t: 0, kind: "node_join" as const, node: "a-1" },
      { t: 0, kind: "node_join" as const, node: "a-2" },
      { t: 1, kind: "attrs" as const, node: "a-1", reason: '{"zone":"east"}' },
      { t: 2, kind: "attrs" as const, node: "a-2", reason: '{"zone":"west","rack":3}' },
      { t: 3, kind: "attrs" as const, node: "a-2", reason: '{"zone":"north"}' },
    ];
    const store = storeOf(evs);
    const names = store.nodeCodes.map((c) => store.str(c));
    const ex = explicitZones(store, { "a-1": "z9" }, names);
    expect(ex.source).toBe("attribute");
    expect(names.map((_, n) => ex.of(n))).toEqual(["east", "north"]); // the last one published
    const bare = storeOf(evs.slice(0, 2));
    const fromMeta = explicitZones(bare, { "a-1": "z9", "a-2": "z8" }, names);
    expect(fromMeta.source).toBe("meshos");
    expect(names.map((_, n) => fromMeta.of(n))).toEqual(["z9", "z8"]);
    expect(explicitZones(bare, undefined, names).of(0)).toBeUndefined();
  });
});

describe("zone counts in a scene", () => {
  it("sum what the fold says of each zone's nodes, in the overview and zoomed, filtered or not", () => {
    const r = ((x) => () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648))(7);
    const nodes = Array.from({ length: 60 }, (_, i) => `n${i}`);
    const evs: Parameters<typeof storeOf>[0] = nodes.map((node) => ({ t: 0, kind: "node_join" as const, node }));
    for (let a = 0; a < 600; a++) evs.push({ t: 0.01, kind: "actor_spawn", node: nodes[a % 60], actor: `w${a}`, msg_type: "Worker" });
    for (let k = 0; k < 80; k++) {
      const a = Math.floor(r() * 600);
      evs.push({ t: 1 + k * 0.1, kind: "actor_fail", node: nodes[a % 60], actor: `w${a}`, reason: "boom" });
    }
    evs.push({ t: 3, kind: "node_down", node: "n23" });
    evs.push({ t: 4, kind: "node_state", node: "n41", reason: "maintenance" });
    evs.sort((x, y) => x.t - y.t);
    const store = storeOf(evs);
    const folder = new Folder(store);
    const builder = new SceneBuilder();
    const plain: Filters = { hideSystem: false, actorClass: "", msgType: "", supervision: false };
    const looped: Filters = { ...plain, hideSystem: true };
    const area = { x: 10, y: 10, w: 880, h: 600 };
    for (const t of [0.5, 2.5, 5, 9]) {
      const s = folder.stateAt(t);
      const want = new Map<number, ZoneCounts>();
      for (const focus of ["", "n20–n29"]) {
        for (const f of [plain, looped]) {
          const sc = builder.build(store, folder, t, area, f, 1, nodes, () => "#000", { focus });
          const zs = sc.zones!;
          expect(zs.focus >= 0).toBe(focus !== "");
          for (const z of zs.zones) {
            const c = zeroCounts();
            for (const n of z.nodes) {
              c.nodes++;
              const st = nodeStateName(s, n);
              if (st === "down") c.down++;
              if (st === "other") c.other++;
            }
            for (let a = 0; a < store.actorCodes.length; a++) {
              if (s.node[a] < 0 || !z.nodes.includes(s.node[a])) continue;
              const st = statusName(s, a, t);
              if (st !== "absent") c[st]++;
            }
            if (!want.has(z.idx)) want.set(z.idx, c);
            expect(z.counts).toEqual(c);
          }
        }
      }
      expect([...want.values()].reduce((n, c) => n + c.failed, 0)).toBe(t > 1 ? [...Array(600).keys()].filter((a) => statusName(s, a, t) === "failed").length : 0);
    }
  });
});
