import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { layoutNodes } from "../src/layout";
import { LinkDrops, badgeSpot, cutSegments, partitionSides } from "../src/partition";
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
