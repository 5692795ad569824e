import { describe, expect, it } from "vitest";
import { Folder, MeshState, applyRow } from "../src/fold";
import { N, S } from "../src/kinds";
import { EventStore } from "../src/store";
import { Encoder, randomRun, rng, storeOf, type Ev } from "./helpers";

function naive(store: EventStore, t: number): MeshState {
  const s = new MeshState();
  s.ensure(store.actorCodes.length, store.nodeCodes.length);
  const rows = store.rowsAt(t);
  for (let p = 0; p < rows; p++) applyRow(s, store, store.rowAt(p));
  s.row = rows;
  return s;
}

function same(a: MeshState, b: MeshState, actors: number, nodes: number): void {
  expect(a.row).toBe(b.row);
  const fields = ["status", "incarnation", "node", "processed", "mailbox", "lastHandler", "procTime", "busyUntil", "restarts", "failRow", "lifeRow"] as const;
  for (const f of fields) expect(Array.from(a[f].subarray(0, actors)), f).toEqual(Array.from(b[f].subarray(0, actors)));
  for (const f of ["nodeState", "nodeReason", "nodeRow"] as const) {
    expect(Array.from(a[f].subarray(0, nodes)), f).toEqual(Array.from(b[f].subarray(0, nodes)));
  }
  expect([...a.links.entries()].sort()).toEqual([...b.links.entries()].sort());
}

describe("keyframed fold", () => {
  it("equals a fold from the start at any time, in any order of queries", () => {
    for (const seed of [1, 2, 3]) {
      const store = storeOf(randomRun(seed));
      const folder = new Folder(store, 64); // small spacing: many keyframes
      const r = rng(seed * 7);
      for (let i = 0; i < 60; i++) {
        const t = store.t0 + r() * (store.t1 - store.t0) * 1.05;
        same(folder.stateAt(t), naive(store, t), store.actorCodes.length, store.nodeCodes.length);
      }
      expect(folder.keyframeCount).toBeGreaterThan(3);
    }
  });

  it("plays forward without going back to a keyframe", () => {
    const store = storeOf(randomRun(4));
    const folder = new Folder(store, 64);
    let prev = -1;
    for (let t = store.t0; t <= store.t1; t += (store.t1 - store.t0) / 200) {
      const s = folder.stateAt(t);
      expect(s.row).toBeGreaterThanOrEqual(prev);
      prev = s.row;
      same(s, naive(store, t), store.actorCodes.length, store.nodeCodes.length);
    }
  });

  it("stays right when appended chunks change the meaning of earlier rows", () => {
    // a failure whose restart arrives in a later chunk turns from "failed" into "restarting"
    const enc = new Encoder();
    const store = new EventStore();
    const folder = new Folder(store, 2);
    const a: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "w", msg_type: "Worker" },
      { t: 1, kind: "actor_fail", node: "n0", actor: "w", peer: "w", reason: "Boom" },
      { t: 1.5, kind: "node_state", node: "n0", reason: "drain" },
      { t: 1.6, kind: "node_state", node: "n0", reason: "drain" },
    ];
    const c1 = enc.chunk(a);
    store.appendChunk(c1.header, c1.bytes);
    const w = store.actorOf.get(store.strings.indexOf("w"))!;
    expect(folder.stateAt(1.7).status[w]).toBe(S.failed);
    const c2 = enc.chunk([{ t: 2, kind: "actor_restart", node: "n0", actor: "w", incarnation: 1, msg_type: "Worker" }]);
    store.appendChunk(c2.header, c2.bytes);
    expect(folder.stateAt(1.7).status[w]).toBe(S.restarting);
    expect(folder.stateAt(2).status[w]).toBe(S.alive);
    expect(folder.stateAt(2).restarts[w]).toBe(1);
    same(folder.stateAt(1.2), naive(store, 1.2), 1, 1);
    expect(folder.stateAt(1.55).nodeState[0]).toBe(N.other);
  });

  it("derives busy, mailbox and processed from message events", () => {
    const store = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 1, msg_type: "ping", duration: 0.5 },
      { t: 1.5, kind: "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: 1, msg_type: "ping" },
      { t: 1.6, kind: "msg_handle", node: "n0", actor: "b", peer: "a", msg_id: 1, msg_type: "ping", duration: 0.2 },
    ]);
    const f = new Folder(store);
    const b = store.actorOf.get(store.strings.indexOf("b"))!;
    expect(f.stateAt(1.55).mailbox[b]).toBe(1);
    const s = f.stateAt(1.7);
    expect(s.mailbox[b]).toBe(0);
    expect(s.processed[b]).toBe(1);
    expect(store.str(s.lastHandler[b])).toBe("ping");
    expect(s.busyUntil[b]).toBeCloseTo(1.8);
  });
});
