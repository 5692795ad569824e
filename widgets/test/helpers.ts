// Build stores from readable event lists, the way the kernel would encode them.
import { Float64, Int32, Table, Uint8, Uint32, makeVector, tableToIPC } from "apache-arrow";
import type { EventColumns } from "../src/decode";

import { K, type KindName } from "../src/kinds";
import { EventStore } from "../src/store";

/** Columns at their widest, as the tests build them (the kernel may send narrower ones). */
export type WideColumns = EventColumns & {
  seq: Float64Array;
  node: Int32Array;
  actor: Int32Array;
  incarnation: Uint32Array;
  parent: Int32Array;
  peer: Int32Array;
  msg_id: Float64Array;
  msg_type: Int32Array;
  size: Int32Array;
  reason: Int32Array;
  duration: Float64Array;
};

export interface Ev {
  t: number;
  kind: KindName;
  node: string;
  actor?: string;
  incarnation?: number;
  parent?: string;
  peer?: string;
  msg_id?: number;
  msg_type?: string;
  size?: number;
  reason?: string;
  duration?: number;
}

export class Encoder {
  strings: string[] = [];
  private codes = new Map<string, number>();
  seq = 0;
  index = 0;

  code(s: string | undefined): number {
    if (s === undefined) return -1;
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.codes.set(s, c);
      this.strings.push(s);
    }
    return c;
  }

  columns(evs: Ev[]): WideColumns {
    const n = evs.length;
    const cols: WideColumns = {
      n,
      seq: new Float64Array(n),
      t: new Float64Array(n),
      kind: new Uint8Array(n),
      node: new Int32Array(n),
      actor: new Int32Array(n),
      incarnation: new Uint32Array(n),
      parent: new Int32Array(n),
      peer: new Int32Array(n),
      msg_id: new Float64Array(n),
      msg_type: new Int32Array(n),
      size: new Int32Array(n).fill(-1),
      reason: new Int32Array(n),
      duration: new Float64Array(n),
    };
    evs.forEach((e, i) => {
      cols.seq[i] = this.seq++;
      cols.t[i] = e.t;
      cols.kind[i] = K[e.kind];
      cols.node[i] = this.code(e.node);
      cols.actor[i] = this.code(e.actor);
      cols.incarnation[i] = e.incarnation ?? 0;
      cols.parent[i] = this.code(e.parent);
      cols.peer[i] = this.code(e.peer);
      cols.msg_id[i] = e.msg_id ?? NaN;
      cols.msg_type[i] = this.code(e.msg_type);
      cols.size[i] = e.size ?? -1;
      cols.reason[i] = this.code(e.reason);
      cols.duration[i] = e.duration ?? NaN;
    });
    return cols;
  }

  /** A chunk as the kernel sends it: header plus Arrow IPC bytes. */
  chunk(evs: Ev[]) {
    const base = this.strings.length;
    const c = this.columns(evs);
    const table = new Table({
      seq: makeVector({ type: new Float64(), data: c.seq }),
      t: makeVector({ type: new Float64(), data: c.t }),
      kind: makeVector({ type: new Uint8(), data: c.kind }),
      node: makeVector({ type: new Int32(), data: c.node }),
      actor: makeVector({ type: new Int32(), data: c.actor }),
      incarnation: makeVector({ type: new Uint32(), data: c.incarnation }),
      parent: makeVector({ type: new Int32(), data: c.parent }),
      peer: makeVector({ type: new Int32(), data: c.peer }),
      msg_id: makeVector({ type: new Float64(), data: c.msg_id }),
      msg_type: makeVector({ type: new Int32(), data: c.msg_type }),
      size: makeVector({ type: new Int32(), data: c.size }),
      reason: makeVector({ type: new Int32(), data: c.reason }),
      duration: makeVector({ type: new Float64(), data: c.duration }),
    });
    const header = {
      type: "chunk" as const,
      index: this.index++,
      rows: evs.length,
      strings_base: base,
      strings: this.strings.slice(base),
    };
    return { header, bytes: tableToIPC(table, "stream") };
  }
}

export function storeOf(evs: Ev[]): EventStore {
  const enc = new Encoder();
  const store = new EventStore();
  const { header, bytes } = enc.chunk(evs);
  store.appendChunk(header, bytes);
  return store;
}

/** A small deterministic random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random but contract-shaped run: nodes join, actors spawn, exchange messages, some crash
 * and restart, a node goes down, a link is cut and healed. Times never decrease.
 */
export function randomRun(seed: number, actors = 12, steps = 600): Ev[] {
  const r = rng(seed);
  const nodes = ["n0", "n1", "n2"];
  const evs: Ev[] = nodes.map((node) => ({ t: 0, kind: "node_join" as const, node }));
  const alive = new Map<string, { node: string; inc: number }>();
  const ids = Array.from({ length: actors }, (_, i) => `a${i}`);
  ids.forEach((a, i) => {
    evs.push({ t: 0, kind: "actor_spawn", node: nodes[i % 3], actor: a, msg_type: i % 2 ? "Worker" : "Sup", parent: "a0" });
    alive.set(a, { node: nodes[i % 3], inc: 0 });
  });
  const failed = new Map<string, { node: string; inc: number }>();
  let t = 0;
  let mid = 0;
  const pending: { at: number; ev: Ev }[] = [];
  const flush = (upTo: number) => {
    pending.sort((x, y) => x.at - y.at);
    while (pending.length && pending[0].at <= upTo) {
      const p = pending.shift()!;
      const st = alive.get(p.ev.actor!);
      if (p.ev.kind === "msg_recv" && !st) {
        evs.push({ ...p.ev, kind: "msg_drop", reason: "dead_letter" });
        continue;
      }
      evs.push(p.ev);
      if (p.ev.kind === "msg_recv") {
        evs.push({ ...p.ev, kind: "msg_handle", duration: 0.01 + r() * 0.05 });
      }
    }
  };
  for (let i = 0; i < steps; i++) {
    t += r() * 0.05;
    flush(t);
    const x = r();
    const live = [...alive.keys()];
    if (x < 0.7 && live.length >= 2) {
      const a = live[Math.floor(r() * live.length)];
      const b = ids[Math.floor(r() * ids.length)];
      if (a === b) continue;
      const lat = 0.02 + r() * 0.2;
      const id = mid++;
      evs.push({ t, kind: "msg_send", node: alive.get(a)!.node, actor: a, peer: b, msg_id: id, msg_type: r() < 0.5 ? "ping" : "work", duration: lat });
      const dst = alive.get(b) ?? failed.get(b);
      if (r() < 0.05) pending.push({ at: t + lat, ev: { t: t + lat, kind: "msg_drop", node: dst?.node ?? "n0", actor: b, peer: a, msg_id: id, msg_type: "ping", reason: "loss" } });
      else pending.push({ at: t + lat, ev: { t: t + lat, kind: "msg_recv", node: dst?.node ?? "n0", actor: b, peer: a, msg_id: id, msg_type: "ping" } });
    } else if (x < 0.8 && live.length) {
      const a = live[Math.floor(r() * live.length)];
      const st = alive.get(a)!;
      alive.delete(a);
      failed.set(a, st);
      evs.push({ t, kind: "actor_fail", node: st.node, actor: a, incarnation: st.inc, peer: a, reason: "Boom" });
    } else if (x < 0.9 && failed.size) {
      const [a, st] = [...failed.entries()][Math.floor(r() * failed.size)];
      failed.delete(a);
      const node = nodes[Math.floor(r() * 3)];
      alive.set(a, { node, inc: st.inc + 1 });
      evs.push({ t, kind: "actor_restart", node, actor: a, incarnation: st.inc + 1, parent: "a0", msg_type: "Worker", reason: "one_for_one" });
    } else if (x < 0.93) {
      evs.push({ t, kind: r() < 0.5 ? "link_down" : "link_up", node: "n0", peer: "n1", reason: "partition" });
    } else if (x < 0.95) {
      evs.push({ t, kind: "node_state", node: "n2", reason: r() < 0.5 ? "maintenance" : "up" });
    }
  }
  flush(Infinity);
  return evs;
}
