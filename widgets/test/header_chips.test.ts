// The chips at a region header's right end (a side's letter, whom a cut end cannot reach, a
// bridge) and the state word before them: one placement for drawing and reporting, the state
// word read in full wherever the chips' shorter forms make room, names as runs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateWord } from "../src/draw_regions";
import { dropsClearOfNames, markBoxes } from "../src/draw_transient";
import { HEADER } from "../src/layout";
import { type ChipWant, type HeaderRoom, headerEnds, placeHeaderChips } from "../src/partition_chip";
import { cutChipForms } from "../src/partition_names";
import type { Scene } from "../src/scene";
import type { TextBox } from "../src/zones";

/** Widths at 6 px a character, as the fake canvas measures. */
const measure = (s: string) => [...s].length * 6;
const name = (n: number) => `n${n}`;
const side = (letter: string): ChipWant => ({ forms: [`side ${letter}`, letter], colour: "#7b2cbf", side: true });
const cut = (peers: number[]): ChipWant => ({ forms: cutChipForms(peers, name), colour: "#7b2cbf", side: false });
const bridge: ChipWant = { forms: ["⇄ bridge", "⇄"], colour: "#495057", side: false };
const room = (node: number, w: number, nameW: number, stateW: number): HeaderRoom => ({ node, box: { x: node * 1000, y: 0, w, h: 80 }, nameEnd: node * 1000 + 8 + nameW, stateW });

describe("cut chips name runs", () => {
  it("names the nodes a cut end cannot reach as runs, then counts them", () => {
    // "✂ 7 nodes" is no shorter than the run: not a form
    expect(cutChipForms([8, 9, 10, 11, 12, 13, 14], name)).toEqual(["✂ n8–n14", "✂ 7"]);
    expect(cutChipForms([3, 2], name)).toEqual(["✂ n2, n3", "✂ n2 +1", "✂ 2"]);
    expect(cutChipForms([15], name)).toEqual(["✂ n15", "✂ 1"]);
    expect(cutChipForms([20, 8, 9, 10, 11, 12, 13, 14], name)).toEqual(["✂ n8–n14, n20", "✂ n8–n14 +1", "✂ 8 nodes", "✂ 8"]);
    // a run always means each node between its ends
    expect(cutChipForms([1, 3, 5], name)[0]).toBe("✂ n1, n3, n5");
  });
});

describe("header chips", () => {
  it("keeps the long forms where the header holds them and the state word in full", () => {
    const chips = placeHeaderChips([room(0, 300, 20, 90)], new Map([[0, [side("A"), cut([8, 9, 10])]]]), measure);
    expect(chips.map((c) => c.box.text)).toEqual(["side A", "✂ n8–n10"]);
    const end = headerEnds(chips).get(0)!;
    expect(end).toBe(chips[1].box.x - 3);
    expect(stateWord("maintenance", end - (28 + 4), measure)).toBe("· maintenance");
  });

  it("gives every side chip its letter alone before a state word is cut, in every region", () => {
    // region 1: "n8 · maintenance" and "side A" do not fit; "A" does. Region 0 has room but
    // shows "A" too: a frame never mixes the two forms
    const rooms = [room(0, 300, 12, 24), room(1, 110, 12, 66)];
    const chips = placeHeaderChips(rooms, new Map([[0, [side("A")]], [1, [side("A")]]]), measure);
    expect(chips.map((c) => c.box.text)).toEqual(["A", "A"]);
    const end = headerEnds(chips).get(1)!;
    expect(end - (rooms[1].nameEnd + 4)).toBeGreaterThanOrEqual(66);
    expect(stateWord("maintenance", end - (rooms[1].nameEnd + 4), measure)).toBe("maintenance");
  });

  it("shortens a cut chip, widest first, to keep the state word whole", () => {
    const chips = placeHeaderChips([room(0, 160, 12, 66)], new Map([[0, [cut([8, 9, 10, 11, 12, 13, 14]), bridge]]]), measure);
    const end = headerEnds(chips).get(0)!;
    expect(end - (20 + 4)).toBeGreaterThanOrEqual(66);
    expect(chips.map((c) => c.box.text)).toEqual(["✂ 7", "⇄"]);
  });

  it("cuts the state word only as a last resort, and never covers the name", () => {
    expect(stateWord("maintenance", 200, measure)).toBe("· maintenance");
    expect(stateWord("maintenance", 70, measure)).toBe("maintenance");
    expect(stateWord("maintenance", 40, measure)).toBe("maint…");
    expect(stateWord("maintenance", 10, measure)).toBe("");
  });

  it("never overlaps, never covers a name, and cuts a state word only when every chip is at its shortest", () => {
    const want = fc.record({
      side: fc.boolean(),
      peers: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
      bridge: fc.boolean(),
    });
    const region = fc.record({ w: fc.integer({ min: 40, max: 400 }), nameW: fc.integer({ min: 6, max: 60 }), stateW: fc.integer({ min: 6, max: 120 }), want });
    fc.assert(
      fc.property(fc.array(region, { minLength: 1, maxLength: 8 }), (rs) => {
        const rooms = rs.map((r, i) => room(i, r.w, r.nameW, r.stateW));
        const wants = new Map<number, ChipWant[]>();
        rs.forEach((r, i) => {
          const ws = [...(r.want.side ? [side("A")] : []), ...(r.want.peers.length ? [cut(r.want.peers)] : []), ...(r.want.bridge ? [bridge] : [])];
          if (ws.length) wants.set(i, ws);
        });
        const chips = placeHeaderChips(rooms, wants, measure);
        const ends = headerEnds(chips);
        const sideForms = new Set(chips.filter((c) => c.box.text === "A" || c.box.text === "side A").map((c) => c.box.text));
        expect(sideForms.size).toBeLessThanOrEqual(1);
        for (const c of chips) {
          const r = rooms[c.node];
          expect(c.box.x).toBeGreaterThanOrEqual(r.nameEnd + 3);
          expect(c.box.x + c.box.w).toBeLessThanOrEqual(r.box.x + r.box.w - 4 + 1e-9);
          expect(c.box.y).toBe(r.box.y + 4);
          expect(c.box.h).toBe(HEADER - 8);
          expect(c.box.w).toBeCloseTo(measure(c.box.text) + (c.box.text.length <= 1 ? 6 : 10));
          for (const d of chips) if (d !== c && d.node === c.node) expect(c.box.x + c.box.w <= d.box.x || d.box.x + d.box.w <= c.box.x).toBe(true);
        }
        rooms.forEach((r, i) => {
          const ws = wants.get(i) ?? [];
          const mine = chips.filter((c) => c.node === i);
          const end = ends.get(i) ?? r.box.x + r.box.w - 4;
          if (r.nameEnd + 4 + r.stateW <= end) return;
          // the state word does not fit in full: only because every chip is at its shortest
          // form (or left out for the name's sake)
          for (const c of mine) expect(ws.find((w) => w.forms.includes(c.box.text))!.forms.at(-1)).toBe(c.box.text);
        });
      }),
    );
  });
});

describe("marks keep off actors' names", () => {
  const nameBox = (text: string, x: number, y: number, w: number): TextBox => ({ text, x, y, w, h: 11, bold: false, ink: "label" });

  it("moves a drop's cross off a name, to the nearer side, and lists every mark's box", () => {
    const names = [nameBox("worker-2", 100, 100, 48)];
    const sc = { drops: [{ m: 0, row: 0, x: 120, y: 108, age: 0 }, { m: 1, row: 1, x: 120, y: 101, age: 0 }, { m: 2, row: 2, x: 20, y: 20, age: 0 }], moments: [{ row: 0, kind: 0, x: 50, y: 50, r: 6, box: null, age: 0.5 }], msgs: [] } as unknown as Scene;
    dropsClearOfNames(sc, names);
    const boxes = markBoxes(sc);
    expect(boxes.map((b) => b.text)).toEqual(["ring", "drop", "drop", "drop"]);
    const [, below, above, away] = boxes;
    const meets = (a: TextBox, b: TextBox) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const d of [below, above]) expect(meets(d, names[0])).toBe(false);
    expect(below.y).toBeGreaterThanOrEqual(111);
    expect(above.y + above.h).toBeLessThanOrEqual(100);
    expect(away).toMatchObject({ x: 14.5, y: 14.5 });
    // a ring's box holds the ring at its age (radius r + 4 + 18 * age) and its stroke
    expect(boxes[0].w).toBeCloseTo(2 * (6 + 4 + 9 + 1.25));
  });
});
