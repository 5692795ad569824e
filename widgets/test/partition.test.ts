import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { keepsCaption } from "../src/partition_span";
import { SceneBuilder, type Filters } from "../src/scene";
import { GAP, captionStrip, gridColumns, layoutNodes, type Rect } from "../src/layout";
import { captionPlace, cutArcs, nodeList, nodeRuns, partialText, sideText } from "../src/draw_partition";
import { paintCaption } from "../src/partition_caption";
import { fakeContext } from "./dom_stubs";
import type { Scene } from "../src/scene";
import { LinkDrops, badgeSpot, cutSegments, partialCuts, partitionSides } from "../src/partition";
import { EventStore } from "../src/store";
import { Encoder, randomRun, storeOf, type Ev } from "./helpers";

const key = (a: number, b: number) => Math.min(a, b) * 65536 + Math.max(a, b);

/** The partition scenario's shape: five nodes split {n0, n1} | {n2, n3, n4} from t=2 to t=5. */
function splitRun(): Ev[] {
  const names = ["n0", "n1", "n2", "n3", "n4"];
  const evs: Ev[] = names.map((node) => ({ t: 0, kind: "node_join" as const, node }));
  names.forEach((node) => evs.push({ t: 0, kind: "actor_spawn", node, actor: `r@${node}` }));
  for (const a of ["n0", "n1"]) for (const b of ["n2", "n3", "n4"]) evs.push({ t: 2, kind: "link_down", node: a, peer: b, reason: "partition" });
  let id = 0;
  // n0 sends to every other node every 0.5 s; across the cut the messages are dropped
  for (let t = 0.5; t < 7; t += 0.5) {
    for (const b of ["n1", "n2", "n3", "n4"]) {
      const cut = t >= 2 && t < 5 && b !== "n1";
      evs.push({ t, kind: "msg_send", node: "n0", actor: "r@n0", peer: `r@${b}`, msg_id: id, msg_type: "put", duration: 0.01 });
      evs.push({ t: t + 0.01, kind: cut ? "msg_drop" : "msg_recv", node: cut ? "n0" : b, actor: `r@${b}`, peer: "r@n0", msg_id: id++, msg_type: "put", reason: cut ? "partition" : undefined });
    }
    if (t === 4.5) for (const a of ["n0", "n1"]) for (const b of ["n2", "n3", "n4"]) evs.push({ t: 5, kind: "link_up", node: a, peer: b, reason: "heal" });
  }
  return evs.sort((x, y) => x.t - y.t);
}

describe("partition sides", () => {
  it("splits the nodes into the sides that can reach each other", () => {
    const links = new Map<number, number>();
    for (const a of [0, 1]) for (const b of [2, 3, 4]) links.set(key(a, b), 0);
    const s = partitionSides([0, 1, 2, 3, 4], links);
    expect(s.groups).toEqual([[0, 1], [2, 3, 4]]);
    expect(s.clean).toBe(true);
    expect(s.sideOf.get(3)).toBe(1);
  });

  it("calls a cut that leaves everyone connected through a third node partial, on one side", () => {
    const s = partitionSides([0, 1, 2], new Map([[key(0, 1), 0]]));
    expect(s.groups).toEqual([[0, 1, 2]]);
    expect(s.clean).toBe(false);
    expect(s.inside).toEqual([[0, 1]]);
  });

  it("leaves nodes that are down out of every side", () => {
    const s = partitionSides([0, 2], new Map([[key(0, 2), 0]]));
    expect(s.groups).toEqual([[0], [2]]);
    expect(s.sideOf.has(1)).toBe(false);
  });

  it("draws the cut line in the gaps between regions of different sides only", () => {
    // a 3 x 2 grid: n0 n1 n2 / n3 n4
    const boxes = layoutNodes([1, 1, 1, 1, 1], { x: 0, y: 0, w: 900, h: 500 }).map((box, idx) => ({ idx, box }));
    const sideOf = new Map([[0, 0], [1, 0], [2, 1], [3, 1], [4, 1]]);
    const segs = cutSegments(boxes, sideOf);
    // n1 | n2 (vertical), n0 / n3 and n1 / n4 (horizontal)
    expect(segs.length).toBe(3);
    const vertical = segs.filter((g) => g.x0 === g.x1);
    expect(vertical.length).toBe(1);
    const [b1, b2] = [boxes[1].box, boxes[2].box];
    expect(vertical[0].x0).toBeGreaterThan(b1.x + b1.w);
    expect(vertical[0].x0).toBeLessThan(b2.x);
    // never across a region
    for (const g of segs) {
      for (const { box } of boxes) {
        const mx = (g.x0 + g.x1) / 2;
        const my = (g.y0 + g.y1) / 2;
        expect(mx > box.x && mx < box.x + box.w && my > box.y && my < box.y + box.h).toBe(false);
      }
    }
  });

  it("follows the fold: sides for the whole cut, none after the heal", () => {
    const store = storeOf(splitRun());
    const folder = new Folder(store);
    const present = [0, 1, 2, 3, 4];
    for (const t of [2, 3.3, 4.99]) expect(partitionSides(present, folder.stateAt(t).links).groups.length).toBe(2);
    expect(folder.stateAt(1.9).links.size).toBe(0);
    expect(folder.stateAt(5).links.size).toBe(0);
  });
});

describe("drops per link", () => {
  it("counts each link's drops since its cut began, one count per directed link", () => {
    const store = storeOf(splitRun());
    const folder = new Folder(store);
    const drops = new LinkDrops(store);
    const count = (t: number) => {
      const s = folder.stateAt(t);
      const since = (a: number, b: number) => {
        const row = s.links.get(key(a, b));
        return row === undefined ? t - 0.3 : store.t.data[row];
      };
      const out = drops.count(t, Math.min(t - 0.3, 2), since, (m) => s.node[store.mDst.data[m]], (m) => store.str(store.reason.data[store.mEndRow.data[m]]));
      return new Map([...out.values()].map((d) => [`${store.str(store.nodeCodes[d.from])}>${store.str(store.nodeCodes[d.to])}`, [d.count, d.reasons.join()]]));
    };
    // at t = 4.2: sends at 2.0 .. 4.0 (five of them) to each of n2, n3, n4 were dropped
    expect(count(4.2)).toEqual(
      new Map([
        ["n0>n2", [5, "partition"]],
        ["n0>n3", [5, "partition"]],
        ["n0>n4", [5, "partition"]],
      ]),
    );
    // after the heal, only the trailing window counts: the badges clear
    expect(count(5.5).size).toBe(0);
    expect(count(1.9).size).toBe(0);
  });

  it("indexes drops as chunks arrive (a drop in a later chunk than its send) exactly as at once", () => {
    const evs = randomRun(17, 12, 2500);
    const whole = storeOf(evs);
    const enc = new Encoder();
    const grown = new EventStore();
    const drops = new LinkDrops(grown);
    const all = (st: EventStore, d: LinkDrops, t: number) => {
      const out = d.count(t, -Infinity, () => -Infinity, (m) => st.mDstNode.data[m] >= 0 ? st.mDstNode.data[m] + 100 : -1, (m) => st.str(st.reason.data[st.mEndRow.data[m]]));
      return [...out.values()].map((x) => `${x.from}>${x.to}:${x.count}:${x.reasons.join()}`).sort();
    };
    // cut so that sends and their drops fall in different chunks, and count between chunks
    for (let i = 0; i < evs.length; i += 97) {
      const c = enc.chunk(evs.slice(i, i + 97));
      grown.appendChunk(c.header, c.bytes);
      expect(all(grown, drops, grown.t1)).toEqual(all(whole, new LinkDrops(whole), grown.t1));
    }
    expect(drops.n).toBeGreaterThan(0);
    expect(all(grown, drops, Infinity)).toEqual(all(whole, new LinkDrops(whole), Infinity));
  });

  it("places a badge inside the sender's region, towards the receiver", () => {
    const a = { x: 0, y: 0, w: 300, h: 200 };
    const right = { x: 320, y: 0, w: 300, h: 200 };
    const below = { x: 0, y: 220, w: 300, h: 200 };
    const [x1, y1] = badgeSpot(a, right);
    expect(x1).toBeGreaterThan(200);
    expect(x1).toBeLessThan(300);
    expect(y1).toBe(100);
    const [x2, y2] = badgeSpot(a, below);
    expect(x2).toBe(150);
    expect(y2).toBeGreaterThan(150);
    expect(y2).toBeLessThan(200);
  });
});

describe("partial partitions", () => {
  const cuts = (n: number, pairs: [number, number][]) => {
    const links = new Map(pairs.map(([a, b]) => [key(a, b), 0]));
    const present = Array.from({ length: n }, (_, i) => i);
    const sides = partitionSides(present, links);
    return { links, present, sides, groups: partialCuts(present, links, sides) };
  };

  it("groups a split that a third node bridges into one block: {n0, n1} cannot reach {n2, n3}, both reach n4", () => {
    const { sides, groups } = cuts(5, [[0, 2], [0, 3], [1, 2], [1, 3]]);
    expect(sides.groups).toEqual([[0, 1, 2, 3, 4]]);
    expect(groups).toEqual([{ x: [0, 1], y: [2, 3], pairs: [[0, 2], [0, 3], [1, 2], [1, 3]], via: [4], route: [] }]);
    expect(partialText(groups[0], (n) => `n${n}`)).toBe("n0, n1 ✂ n2, n3 · via n4");
  });

  it("names every bridge of a single cut link, cut short in the caption", () => {
    const { groups } = cuts(16, [[0, 9]]);
    expect(groups.length).toBe(1);
    expect(groups[0].via).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    expect(partialText(groups[0], (n) => `n${n}`)).toBe("n0 ✂ n9 · via n1–n8, n10–n15");
  });

  it("gives the detour when the two ends share no neighbour: a chain n0 - n1 - n2 - n3", () => {
    const { groups } = cuts(4, [[0, 2], [0, 3], [1, 3]]);
    expect(groups.map((g) => [g.pairs, g.via, g.route])).toEqual([
      [[[0, 2]], [1], []],
      [[[0, 3]], [], [1, 2]],
      [[[1, 3]], [2], []],
    ]);
  });

  it("keeps a full split's sides and finds the partial cuts inside one side only", () => {
    // {0,1,2} | {3,4} fully cut, and inside the first side 0 cannot reach 1 (2 bridges)
    const { sides, groups } = cuts(5, [[0, 3], [0, 4], [1, 3], [1, 4], [2, 3], [2, 4], [0, 1]]);
    expect(sides.groups).toEqual([[0, 1, 2], [3, 4]]);
    expect(groups).toEqual([{ x: [0], y: [1], pairs: [[0, 1]], via: [2], route: [] }]);
  });

  it("on random cuts: every cut link inside a side once, bridges reach both ends directly and no other node does, detours are paths", () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const wrong: string[] = [];
    for (let trial = 0; trial < 150; trial++) {
      const n = 3 + Math.floor(rnd() * 18);
      const pairs: [number, number][] = [];
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (rnd() < 0.25) pairs.push([a, b]);
      const { links, sides, groups } = cuts(n, pairs);
      const cut = (a: number, b: number) => links.has(key(a, b));
      const seen = groups.flatMap((g) => g.pairs.map(([a, b]) => `${a}-${b}`)).sort();
      const inside = sides.inside.map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`).sort();
      if (seen.join() !== inside.join()) wrong.push(`trial ${trial}: links ${seen} vs inside ${inside}`);
      for (const g of groups) {
        // a block: every x-y link is one of its pairs
        if (g.pairs.length !== g.x.length * g.y.length) wrong.push(`trial ${trial}: block ${g.x}|${g.y} has ${g.pairs.length}`);
        for (const [a, b] of g.pairs) {
          if (!cut(a, b)) wrong.push(`trial ${trial}: ${a}-${b} not cut`);
          const side = sides.sideOf.get(a);
          for (let c = 0; c < n; c++) {
            if (c === a || c === b || sides.sideOf.get(c) !== side) continue;
            if (g.via.includes(c) !== (!cut(a, c) && !cut(b, c))) wrong.push(`trial ${trial}: ${c} as bridge of ${a}-${b}`);
          }
        }
        if (!g.via.length) {
          const [a, b] = g.pairs[0];
          const path = [a, ...g.route, b];
          if (g.route.length < 2) wrong.push(`trial ${trial}: detour ${path}`);
          for (let i = 1; i < path.length; i++) if (cut(path[i - 1], path[i])) wrong.push(`trial ${trial}: detour ${path} uses a cut link`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("draws each cut link as a curve between two points under the headers, spread along a region with several", () => {
    const boxes = layoutNodes(Array(16).fill(1), { x: 0, y: 0, w: 1260, h: 600 });
    const boxOf = new Map(boxes.map((b, i) => [i, b]));
    const { groups } = cuts(16, [[0, 5], [0, 10], [0, 15], [3, 12]]);
    const arcs = cutArcs(groups, boxOf);
    expect(arcs.length).toBe(4);
    const ends = arcs.flatMap((c) => [`${c.x0.toFixed(1)},${c.y0.toFixed(1)}`, `${c.x1.toFixed(1)},${c.y1.toFixed(1)}`]);
    expect(new Set(ends).size).toBe(8); // no two curves share an end
    for (const c of arcs) {
      for (const [n, x, y] of [[c.a, c.x0, c.y0], [c.b, c.x1, c.y1]]) {
        const b = boxOf.get(n)!;
        expect(x).toBeGreaterThan(b.x);
        expect(x).toBeLessThan(b.x + b.w);
        expect(y).toBe(b.y + 25); // just under the header: names and chips stay clear
      }
      // bowed: the control point is off the straight line, and never above the canvas
      const cross = (c.x1 - c.x0) * (c.cy - c.y0) - (c.y1 - c.y0) * (c.cx - c.x0);
      expect(Math.abs(cross)).toBeGreaterThan(0);
      expect(c.cy).toBeGreaterThanOrEqual(0);
      // two regions of one row: bowed down, into their bodies, not over the headers
      if (c.y0 === c.y1) expect(c.cy).toBeGreaterThan(c.y0);
      expect(c.count).toBe(1);
    }
  });

  it("draws a block of many cut links as one counted curve between its two groups", () => {
    const boxes = layoutNodes(Array(16).fill(1), { x: 0, y: 0, w: 1260, h: 600 });
    const boxOf = new Map(boxes.map((b, i) => [i, b]));
    const pairs: [number, number][] = [];
    for (let a = 0; a < 7; a++) for (let b = 8; b < 15; b++) pairs.push([a, b]);
    const { groups } = cuts(16, [...pairs, [7, 15]]);
    expect(groups.map((g) => [g.x, g.y, g.pairs.length, g.via])).toEqual([
      [[0, 1, 2, 3, 4, 5, 6], [8, 9, 10, 11, 12, 13, 14], 49, [7, 15]],
      [[7], [15], 1, [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]],
    ]);
    const arcs = cutArcs(groups, boxOf);
    expect(arcs.map((c) => c.count)).toEqual([49, 1]);
    // the bundle's ends are a region of each group
    expect(groups[0].x).toContain(arcs[0].a);
    expect(groups[0].y).toContain(arcs[0].b);
    expect(partialText(groups[0], (n) => `n${n}`)).toBe("n0–n6 ✂ n8–n14 · via n7, n15");
  });
});

describe("partition caption place", () => {
  const meets = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  /** The regions and the caption strip as the scene lays them out for a trace that cuts links. */
  function frame(n: number, w: number, h: number, notes: Rect | null = null) {
    const area = { x: 10, y: 10, w, h };
    const strip = captionStrip(n, area);
    const boxes = layoutNodes(new Array(n).fill(3), strip ? { ...area, h: area.h - strip.h - GAP } : area, gridColumns(n, area.w, area.h));
    const sc = { caption: strip, zones: null, width: w, height: h, nodes: boxes.map((box, idx) => ({ idx, box })) } as unknown as Scene;
    return { area, strip, boxes, place: captionPlace(sc, notes) };
  }

  it("always has a place for the caption, inside the area and clear of every region (2-49 nodes, 600-1600 x 300-900 px)", () => {
    for (let n = 2; n < 50; n++) {
      for (const w of [600, 760, 900, 1100, 1280, 1600]) {
        for (const h of [300, 450, 620, 900]) {
          const { area, strip, boxes, place } = frame(n, w, h);
          expect(place, `${n} nodes in ${w} x ${h}`).not.toBeNull();
          const p = place!;
          expect(boxes.some((b) => meets(b, p)), `${n} nodes in ${w} x ${h}`).toBe(false);
          expect(p.x >= area.x && p.y >= area.y && p.x + p.w <= area.x + area.w + 0.01 && p.y + p.h <= area.y + area.h + 0.01).toBe(true);
          // a grid with no empty cell always gets a strip
          if (n % gridColumns(n, w, h) === 0) expect(strip).not.toBeNull();
        }
      }
    }
  });

  it("puts 16 nodes at 1280 px in a 4 x 4 grid above a strip, and 5 nodes' caption in their grid's empty cell", () => {
    const full = frame(16, 1280, 620);
    expect(full.strip).not.toBeNull();
    expect(new Set(full.boxes.map((b) => b.x)).size).toBe(4);
    expect(full.place).toEqual(full.strip);
    const five = frame(5, 1280, 620);
    expect(five.strip).toBeNull();
    expect(five.place!.x).toBeGreaterThan(five.boxes[4].x + five.boxes[4].w);
  });

  it("leaves the notes' corner to them", () => {
    const notes = { x: 900, y: 560, w: 380, h: 34 };
    const { place } = frame(16, 1280, 620, notes);
    expect(place!.x + place!.w).toBeLessThanOrEqual(notes.x);
  });
});

describe("a side's caption line", () => {
  const name = (n: number) => `n${n}`;
  const zoneOf = (n: number) => Math.floor(n / 10);
  const side = [...Array(66).keys(), ...Array.from({ length: 123 }, (_, k) => 67 + k)];
  it("names the nodes when they fit, else their runs, else counts them with their zones", () => {
    expect(sideText(1, [190, 191], name, zoneOf, () => true)).toBe("side B: n190, n191");
    // runs when shorter than the names, even when the names would fit
    expect(sideText(0, [0, 1, 2, 3, 4, 5, 6, 7], name, zoneOf, () => true)).toBe("side A: 8 nodes: n0–n7");
    expect(sideText(0, [0, 2, 4, 6, 8], name, zoneOf, () => true)).toBe("side A: n0, n2, n4, n6, n8");
    const byWidth = (w: number) => (t: string) => t.length <= w;
    expect(sideText(0, side, name, zoneOf, byWidth(60))).toBe("side A: 189 nodes: n0–n65, n67–n189");
    expect(sideText(0, [5, 3, 4, 9, 10, 11, 12], name, zoneOf, byWidth(30))).toBe("side A: 7 nodes: n3–n5, n9–n12");
    expect(sideText(0, side, name, zoneOf, byWidth(20))).toBe("side A: 189 nodes in 19 zones");
  });
});

describe("nodes named by their runs", () => {
  const name = (n: number) => `n${n}`;
  it("makes runs of three or more consecutively numbered names, in natural order", () => {
    expect(nodeRuns([9, 10, 11, 2, 0, 1, 5, 6], name)).toEqual(["n0–n2", "n5", "n6", "n9–n11"]);
    // runs follow the names, not the node indexes: index order here is n3, n1, n2, n0
    const scrambled = ["n3", "n1", "n2", "n0"];
    expect(nodeRuns([0, 1, 2, 3], (n) => scrambled[n])).toEqual(["n0–n3"]);
    expect(nodeRuns([0, 1, 2], (n) => ["n0", "n1", "n3"][n])).toEqual(["n0", "n1", "n3"]);
    // a run keeps to one prefix; names without a number stay as they are
    expect(nodeRuns([0, 1, 2, 3, 4], (n) => ["a1", "a2", "b3", "b4", "gateway"][n])).toEqual(["a1", "a2", "b3", "b4", "gateway"]);
    expect(nodeRuns([0, 1, 2, 3], (n) => ["rack-07", "rack-08", "rack-09", "rack-10"][n])).toEqual(["rack-07–rack-10"]);
  });

  it("lists at most a few runs and counts the nodes past them", () => {
    const odd = Array.from({ length: 10 }, (_, k) => 2 * k);
    expect(nodeList(odd, name)).toBe("n0, n2, n4, n6 +6 more");
    expect(nodeList([...Array(8).keys(), 10, 11, 12, 20, 30, 40], name)).toBe("n0–n7, n10–n12, n20, n30 +1 more");
  });

  it("counts a side without zones when neither its names nor its runs fit", () => {
    const side = Array.from({ length: 20 }, (_, k) => 2 * k);
    expect(sideText(2, side, name, null, (t) => t.length <= 40)).toBe("side C: 20 nodes");
    expect(sideText(0, [0, 1, 2, 3, 4, 5, 6, 7], name, null, (t) => t.length <= 60)).toBe("side A: 8 nodes: n0–n7");
  });
});

describe("the flat caption", () => {
  /** A 16-node topology at `w` x 620 with a caption strip, split into n0–n7 | n8–n15. */
  function painted(w: number, split: number[][]) {
    const area = { x: 0, y: 0, w, h: 620 };
    const strip = captionStrip(16, area)!;
    const boxes = layoutNodes(new Array(16).fill(3), { ...area, h: area.h - strip.h - GAP }, gridColumns(16, area.w, area.h));
    const sc = { caption: strip, zones: null, width: w, height: 620, lod: { notes: [] }, nodes: boxes.map((box, idx) => ({ idx, box })) } as unknown as Scene;
    const links = new Map<number, number>();
    for (const a of split[0]) for (const b of split[1]) links.set(key(a, b), 0);
    const sides = partitionSides([...Array(16).keys()], links);
    const ctx = fakeContext({} as HTMLCanvasElement);
    return paintCaption(ctx, sc, sides, [], 2, (n) => `n${n}`)!;
  }

  it("names a long side by its runs, as the zoned caption does, at 1280 and 900 px", () => {
    const halves = [[...Array(8).keys()], Array.from({ length: 8 }, (_, k) => 8 + k)];
    for (const w of [1280, 900]) {
      const drawn = painted(w, halves);
      expect(drawn.lines).toContain("side A: 8 nodes: n0–n7");
      expect(drawn.lines).toContain("side B: 8 nodes: n8–n15");
      expect(drawn.cut).toBe(false);
    }
    // scattered sides, where runs save nothing, stay by name
    const evens = [0, 2, 4, 6, 8, 10, 12, 14];
    const drawn = painted(1280, [evens, evens.map((n) => n + 1)]);
    expect(drawn.lines).toContain("side A: n0, n2, n4, n6, n8, n10, n12, n14");
  });
});

describe("the caption's room over a replay", () => {
  /** n nodes joined at 0, one actor each, `cuts` as [from, to, side A's last index]. */
  function cutRun(n: number, cuts: [number, number | null, number][]): Ev[] {
    const names = Array.from({ length: n }, (_, i) => `n${i}`);
    const evs: Ev[] = names.map((node) => ({ t: 0, kind: "node_join" as const, node }));
    names.forEach((node) => evs.push({ t: 0, kind: "actor_spawn", node, actor: `r@${node}` }));
    for (const [from, to, last] of cuts) {
      for (let a = 0; a <= last; a++) {
        for (let b = last + 1; b < n; b++) {
          evs.push({ t: from, kind: "link_down", node: names[a], peer: names[b], reason: "partition" });
          if (to !== null) evs.push({ t: to, kind: "link_up", node: names[a], peer: names[b], reason: "heal" });
        }
      }
    }
    evs.push({ t: 9, kind: "actor_stop", node: "n0", actor: "r@n0", reason: "shutdown" });
    return evs.sort((x, y) => x.t - y.t);
  }
  const plain: Filters = { hideSystem: false, actorClass: "", msgType: "", supervision: false };
  const area = { x: 0, y: 0, w: 1260, h: 600 };

  it("is kept from the first cut to the last heal, and while a link is cut", () => {
    const store = storeOf(cutRun(5, [[2, 3, 1], [5, 6, 2]]));
    const folder = new Folder(store);
    const keeps = (t: number) => keepsCaption(store, t, folder.stateAt(t).links.size);
    expect([0, 1.99, 2, 2.5, 3, 4, 5.5, 5.99, 6, 8].map(keeps)).toEqual([false, false, true, true, true, true, true, true, false, false]);
    // a cut never healed keeps it to the end, from the first cut on: no second jump at 6
    const open = storeOf(cutRun(5, [[2, 3, 1], [6, null, 1]]));
    const f2 = new Folder(open);
    expect([1, 2, 4, 5.5, 6, 8.5].map((t) => keepsCaption(open, t, f2.stateAt(t).links.size))).toEqual([false, true, true, true, true, true]);
  });

  it("moves the 16-node grid only as the first cut begins and as the last heal ends it", () => {
    const store = storeOf(cutRun(16, [[2, 3, 7], [5, 6, 7]]));
    const folder = new Folder(store);
    const builder = new SceneBuilder();
    const at = (t: number) => builder.build(store, folder, t, area, plain, 1, [], () => "#000");
    const boxes = (t: number) => JSON.stringify(at(t).nodes.map((n) => n.box));
    // before the cut and after the heal the regions take the whole height: no strip
    expect(at(1).caption).toBeNull();
    expect(at(7).caption).toBeNull();
    expect(boxes(1)).toBe(boxes(7));
    expect(Math.max(...at(1).nodes.map((n) => n.box.y + n.box.h))).toBeCloseTo(area.h, 0);
    // from the first cut to the last heal the grid stands still above the strip, also between the two cuts
    const during = boxes(2);
    expect(during).not.toBe(boxes(1));
    for (const t of [2.5, 3.5, 4.9, 5, 5.9]) expect(boxes(t), `t=${t}`).toBe(during);
    expect(at(2.5).caption).not.toBeNull();
    expect(at(4).caption).toBeNull(); // between the cuts the strip is kept but says nothing
  });
});
