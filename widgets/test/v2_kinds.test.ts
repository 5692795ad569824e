// Contract v2 kinds (handler_start, handler_end, attrs) decode and fold without breaking the
// canvas: the codes are the generated ones, and an attrs row changes no drawn state.
import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { K, KINDS, V1_KIND_COUNT } from "../src/kinds";
import { Encoder, randomRun, type Ev } from "./helpers";
import { EventStore } from "../src/store";

function withV2(evs: Ev[]): Ev[] {
  const out: Ev[] = [];
  for (const e of evs) {
    out.push(e);
    if (e.kind === "msg_handle") {
      out.push({ t: e.t, kind: "attrs", node: e.node, actor: e.actor, reason: '{"last":"x"}' });
    }
  }
  return out;
}

function store(evs: Ev[], chunks: number): EventStore {
  const enc = new Encoder();
  const st = new EventStore();
  const size = Math.ceil(evs.length / chunks);
  for (let i = 0; i < evs.length; i += size) {
    const { header, bytes } = enc.chunk(evs.slice(i, i + size));
    expect(st.appendChunk(header, bytes)).toBe(true);
  }
  return st;
}

describe("contract v2 kinds in the browser", () => {
  it("has the generated codes, appended after the version 1 kinds", () => {
    expect(V1_KIND_COUNT).toBe(15);
    expect([K.handler_start, K.handler_end, K.attrs]).toEqual([15, 16, 17]);
    expect(KINDS[K.attrs]).toBe("attrs");
  });

  it("decodes and folds attrs rows without changing any actor's drawn state", () => {
    const plain = randomRun(11);
    const mixed = withV2(plain);
    expect(mixed.length).toBeGreaterThan(plain.length);
    const a = store(plain, 1);
    const b = store(mixed, 3);
    expect(Array.from(b.kind.view())).toContain(K.attrs);
    const fa = new Folder(a, 64);
    const fb = new Folder(b, 64);
    for (const t of [a.t0, (a.t0 + a.t1) / 2, a.t1]) {
      const sa = fa.stateAt(t);
      const sb = fb.stateAt(t);
      const n = a.actorCodes.length;
      for (const f of ["status", "incarnation", "node", "processed", "mailbox", "restarts"] as const) {
        expect(Array.from(sb[f].subarray(0, n)), f).toEqual(Array.from(sa[f].subarray(0, n)));
      }
    }
  });

  it("decodes a handler in two rows and folds it without an error", () => {
    const evs: Ev[] = [
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a", msg_type: "W" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "m", duration: 0 },
      { t: 1, kind: "msg_recv", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "m" },
      { t: 1, kind: "handler_start", node: "n0", actor: "a", peer: "a", msg_id: 1, msg_type: "m" },
      { t: 9, kind: "handler_end", node: "n0", actor: "a", msg_id: 1, msg_type: "m", duration: 8, reason: "ok" },
    ];
    const st = store(evs, 2);
    expect(Array.from(st.kind.view()).slice(-2)).toEqual([K.handler_start, K.handler_end]);
    const folder = new Folder(st, 64);
    for (const t of [0.5, 1, 5, 9, 10]) expect(() => folder.stateAt(t)).not.toThrow();
  });
});
