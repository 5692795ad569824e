import { describe, expect, it } from "vitest";
import { ActorTable, COLUMNS, DEFAULT_QUERY, natural, presentCount, visibleRange, type TableQuery } from "../src/actor_table";
import { Folder, busySince } from "../src/fold";
import { statusName } from "../src/scene";
import { randomRun, rng, storeOf, type Ev } from "./helpers";

const RANK = { failed: 0, restarting: 1, busy: 2, idle: 3, stopped: 4, absent: 5 };

describe("actor table", () => {
  const store = storeOf(randomRun(21, 40, 2500));
  const folder = new Folder(store);

  /** What the table must show, worked out the slow, obvious way. */
  function brute(t: number, q: TableQuery): string[] {
    const s = folder.stateAt(t);
    const rows = [];
    for (let a = 0; a < store.actorCodes.length; a++) {
      const st = statusName(s, a, t);
      if (st === "absent") continue;
      const id = store.str(store.actorCodes[a]);
      const cls = store.str(store.actorClass[a]);
      const node = s.node[a] >= 0 ? store.str(store.nodeCodes[s.node[a]]) : "";
      if (q.status && st !== q.status) continue;
      if (q.actorClass && cls !== q.actorClass) continue;
      const n = q.search.toLowerCase();
      if (n && ![id, cls, node].some((x) => x.toLowerCase().includes(n))) continue;
      const since = busySince(s, a, t);
      const key: Record<string, number | string> = {
        id,
        class: cls,
        node,
        status: RANK[st],
        incarnation: s.incarnation[a],
        restarts: s.restarts[a],
        mailbox: s.mailbox[a],
        processed: s.processed[a],
        busy: Number.isNaN(since) ? Infinity : since,
      };
      rows.push({ id, cls, key: q.sort === "id" ? natural(id) : key[q.sort] });
    }
    const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
    rows.sort((x, y) => cmp(x.key, y.key) || cmp(natural(x.id), natural(y.id)));
    if (q.desc) rows.reverse();
    return rows.map((r) => r.id);
  }

  it("while playing forward keeps the rows until actors appear, and they are then exactly the actors at the playhead", () => {
    const table = new ActorTable();
    const steps = 400;
    let kept = 0;
    for (const q of [DEFAULT_QUERY, { ...DEFAULT_QUERY, sort: "class" as const, desc: true, search: "a" }]) {
      for (let i = 0; i <= steps; i++) {
        const t = store.t0 + ((store.t1 - store.t0) * i) / steps;
        const s = folder.stateAt(t);
        const before = table.computed;
        table.follow(store, s, t, q);
        if (table.computed === before) kept++;
        // the count from the fold's per-node counts is the actors spawned by t
        let present = 0;
        for (let a = 0; a < store.actorCodes.length; a++) if (statusName(s, a, t) !== "absent") present++;
        expect(presentCount(s)).toBe(present);
        const ids = Array.from(table.order.subarray(0, table.length), (a) => store.str(store.actorCodes[a]));
        expect(ids).toEqual(brute(t, q));
      }
    }
    expect(kept).toBeGreaterThan(steps); // most frames kept the rows
  });

  it("lists exactly the actors at the playhead, searched, filtered and sorted by any column", () => {
    const table = new ActorTable();
    const r = rng(4);
    for (let i = 0; i < 60; i++) {
      const t = store.t0 + r() * (store.t1 - store.t0);
      const q: TableQuery = {
        ...DEFAULT_QUERY,
        sort: COLUMNS[i % COLUMNS.length],
        desc: i % 4 === 3,
        search: i % 5 === 0 ? "A1" : "",
        status: i % 7 === 0 ? "failed" : i % 7 === 1 ? "idle" : "",
        actorClass: i % 11 === 0 ? "Worker" : "",
      };
      const s = folder.stateAt(t);
      table.refresh(store, s, t, q);
      const got = Array.from(table.order.subarray(0, table.length), (a) => store.str(store.actorCodes[a]));
      expect(got).toEqual(brute(t, q));
      if (table.length) {
        const row = table.row(store, s, t, 0);
        expect(row.id).toBe(got[0]);
        expect(row.status).toBe(statusName(s, row.actor, t));
      }
    }
  });

  it("does nothing when the playhead, the data and the query are unchanged", () => {
    const table = new ActorTable();
    const t = (store.t0 + store.t1) / 2;
    const s = folder.stateAt(t);
    expect(table.refresh(store, s, t, { ...DEFAULT_QUERY, sort: "mailbox" })).toBe(true);
    expect(table.refresh(store, s, t, { ...DEFAULT_QUERY, sort: "mailbox" })).toBe(false);
    expect(table.computed).toBe(1);
    expect(table.refresh(store, s, t, { ...DEFAULT_QUERY, sort: "mailbox", desc: true })).toBe(true);
    expect(table.computed).toBe(2);
  });

  it("sorts and searches 100,000 actors, and finds an actor's row", () => {
    const evs: Ev[] = [];
    for (let n = 0; n < 50; n++) evs.push({ t: 0, kind: "node_join", node: `n${n}` });
    for (let a = 0; a < 100_000; a++) evs.push({ t: a * 1e-5, kind: "actor_spawn", node: `n${a % 50}`, actor: `w${a}`, msg_type: a % 3 ? "Worker" : "Cache" });
    for (let a = 0; a < 100_000; a += 37) evs.push({ t: 1 + a * 1e-6, kind: "actor_fail", node: `n${a % 50}`, actor: `w${a}`, reason: "Boom" });
    evs.sort((x, y) => x.t - y.t);
    const big = storeOf(evs);
    const f = new Folder(big);
    const t = big.t1;
    const s = f.stateAt(t);
    const table = new ActorTable();
    table.refresh(big, s, t, { ...DEFAULT_QUERY }); // includes the one-off order by name
    expect(table.length).toBe(100_000);
    for (const sort of ["status", "node", "processed", "id"] as const) {
      table.refresh(big, s, t, { ...DEFAULT_QUERY, sort, search: sort === "id" ? "w99" : "" });
    }
    // the search narrowed the last refresh: w99, w990..w999, w9900..w9999, w99000..w99999
    expect(table.length).toBe(1 + 10 + 100 + 1000);
    // failures first when sorted by status: 2,703 of them
    table.refresh(big, s, t, { ...DEFAULT_QUERY, sort: "status" });
    expect(big.str(big.actorCodes[table.order[0]])).toBe("w0");
    expect(table.row(big, s, t, 2702).status).toBe("failed");
    expect(table.row(big, s, t, 2703).status).toBe("idle");
    expect(table.indexOf(big.actorOf.get(big.strings.indexOf("w37"))!)).toBe(1);
    // its speed is a benchmark figure (meshlab bench widget), not a timed test
  });

  it("keeps only the rows in sight, plus one either side", () => {
    expect(visibleRange(0, 220, 22, 100_000)).toEqual([0, 11]);
    expect(visibleRange(22 * 500, 220, 22, 100_000)).toEqual([499, 511]);
    expect(visibleRange(0, 220, 22, 3)).toEqual([0, 3]);
  });
});
