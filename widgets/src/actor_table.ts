// The actor table's rows: every actor alive or once alive at the playhead, from the fold, then
// searched, filtered and sorted. Pure (no DOM). Built for 100,000 actors: the order by name or
// class is computed once per actor count, a refresh with the same playhead, data and query does
// nothing, and a sort by a changing column is one typed-array sort. While playing, an order by
// id or class with no status filter changes only when actors appear, which the fold's per-node
// counts tell without a pass over the actors: the rows are then kept and only those in sight
// are rewritten (table_view.ts).
import { busySince, STATUS_SLOTS, type MeshState } from "./fold";
import { S, type StatusName } from "./kinds";
import { statusName } from "./scene";
import type { EventStore } from "./store";

export const COLUMNS = ["id", "class", "node", "status", "incarnation", "restarts", "mailbox", "processed", "busy"] as const;
export type Column = (typeof COLUMNS)[number];

export const COLUMN_TITLE: Record<Column, string> = {
  id: "actor",
  class: "class",
  node: "node",
  status: "status",
  incarnation: "inc.",
  restarts: "restarts",
  mailbox: "mailbox",
  processed: "processed",
  busy: "busy since",
};

/** Sorting by status puts trouble first. */
const STATUS_RANK: Record<StatusName, number> = { failed: 0, restarting: 1, busy: 2, idle: 3, stopped: 4, absent: 5 };

export interface TableQuery {
  /** Case-insensitive substring of the id, class or node. */
  search: string;
  /** One status, "" for all. */
  status: "" | StatusName;
  sort: Column;
  desc: boolean;
  hideSystem: boolean;
  /** Class name, "" for all (the toolbar's class filter). */
  actorClass: string;
}

export const DEFAULT_QUERY: TableQuery = { search: "", status: "", sort: "id", desc: false, hideSystem: false, actorClass: "" };

export interface TableRow {
  actor: number;
  id: string;
  cls: string;
  node: string;
  status: StatusName;
  incarnation: number;
  restarts: number;
  mailbox: number;
  processed: number;
  /** When the running handler started, NaN when idle. */
  busySince: number;
}

export class ActorTable {
  /** Actor indexes in display order: the first `length` entries. */
  order = new Int32Array(0);
  length = 0;
  /** Actors present at the playhead before search and filters. */
  total = 0;
  /** How many times the rows were recomputed (a test reads it). */
  computed = 0;
  /** Milliseconds the last recomputation took. */
  lastMs = 0;
  private followKey = "";
  private followT = NaN;
  private followPresent = -1;
  private key = "";
  private byName = new Int32Array(0);
  private byClass = new Int32Array(0);
  private staticFor = -1;
  private lower: string[] = [];
  private keys = new Float64Array(0);
  private status = new Uint8Array(0);

  /** Bring the rows to the fold state `s` at t; returns true if they changed. */
  refresh(store: EventStore, s: MeshState, t: number, q: TableQuery): boolean {
    const n = store.actorCodes.length;
    const key = `${n}|${s.row}|${t}|${q.search}|${q.status}|${q.sort}|${q.desc}|${q.hideSystem}|${q.actorClass}`;
    if (key === this.key) return false;
    const start = performance.now();
    this.key = key;
    this.computed++;
    this.staticOrders(store);
    if (this.order.length < n) {
      this.order = new Int32Array(n);
      this.keys = new Float64Array(n);
      this.status = new Uint8Array(n);
    }
    const needle = q.search.trim().toLowerCase();
    const classCode = q.actorClass ? store.strings.indexOf(q.actorClass) : -2;
    const nodeName = store.nodeCodes.map((c) => store.str(c).toLowerCase());
    const wantStatus = q.status ? STATUS_RANK[q.status] : -1;
    let total = 0;
    let len = 0;
    const base = q.sort === "class" ? this.byClass : this.byName;
    for (let i = 0; i < n; i++) {
      const a = base[i];
      if (s.status[a] === S.absent || a >= s.cap) continue;
      const rank = STATUS_RANK[statusName(s, a, t)];
      this.status[a] = rank;
      total++;
      if (q.hideSystem && store.actorSystem[a]) continue;
      if (q.actorClass && store.actorClass[a] !== classCode) continue;
      if (wantStatus >= 0 && rank !== wantStatus) continue;
      if (needle && !this.lower[a].includes(needle) && !(s.node[a] >= 0 && nodeName[s.node[a]].includes(needle))) continue;
      this.order[len++] = a;
    }
    this.total = total;
    this.length = len;
    if (q.sort !== "id" && q.sort !== "class") this.sortBy(s, t, q.sort, nodeName);
    if (q.desc) this.order.subarray(0, len).reverse();
    this.followKey = followKey(n, q);
    this.followT = t;
    this.followPresent = presentCount(s);
    this.lastMs = performance.now() - start;
    return true;
  }

  /** The order does not depend on t, only on which actors are present (id or class order, no status filter). */
  static followsPresence(q: TableQuery): boolean {
    return (q.sort === "id" || q.sort === "class") && !q.status;
  }

  /**
   * While playing forward with an order that depends only on presence: keep the rows when as
   * many actors are present as at the last recomputation (the fold's counts; moving forward an
   * actor never stops being present), else recompute. True if the rows changed.
   */
  follow(store: EventStore, s: MeshState, t: number, q: TableQuery): boolean {
    const n = store.actorCodes.length;
    if (ActorTable.followsPresence(q) && this.computed && t >= this.followT && followKey(n, q) === this.followKey && presentCount(s) === this.followPresent) {
      this.followT = t;
      return false;
    }
    return this.refresh(store, s, t, q);
  }

  /** The order by id and by class (then id), kept until new actors arrive. */
  private staticOrders(store: EventStore): void {
    const n = store.actorCodes.length;
    if (this.staticFor === n) return;
    this.staticFor = n;
    const ids = store.actorCodes.map((c) => store.str(c));
    const cls = store.actorClass.map((c) => store.str(c));
    this.lower = ids.map((id, a) => `${id}\u0000${cls[a]}`.toLowerCase());
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const idx = Array.from({ length: n }, (_, i) => i);
    // natural order (w2 before w10): numbers padded, so a plain string compare does it
    const nat = ids.map(natural);
    this.byName = Int32Array.from(idx.slice().sort((a, b) => cmp(nat[a], nat[b]) || a - b));
    const nameRank = new Int32Array(n);
    this.byName.forEach((a, i) => (nameRank[a] = i));
    this.byClass = Int32Array.from(idx.sort((a, b) => cmp(cls[a], cls[b]) || nameRank[a] - nameRank[b]));
  }

  /** Stable sort of the filtered rows (already in name order) by a column that changes with t. */
  private sortBy(s: MeshState, t: number, col: Column, nodeName: string[]): void {
    const len = this.length;
    const keys = this.keys;
    const order = this.order;
    let nodeRank: Float64Array | null = null;
    if (col === "node") {
      const byName = nodeName.map((_, i) => i).sort((a, b) => (nodeName[a] < nodeName[b] ? -1 : nodeName[a] > nodeName[b] ? 1 : a - b));
      nodeRank = new Float64Array(nodeName.length);
      byName.forEach((nd, i) => (nodeRank![nd] = i));
    }
    for (let i = 0; i < len; i++) {
      const a = order[i];
      let k: number;
      switch (col) {
        case "node":
          k = s.node[a] >= 0 ? nodeRank![s.node[a]] : Infinity;
          break;
        case "status":
          k = this.status[a];
          break;
        case "incarnation":
          k = s.incarnation[a];
          break;
        case "restarts":
          k = s.restarts[a];
          break;
        case "mailbox":
          k = s.mailbox[a];
          break;
        case "processed":
          k = s.processed[a];
          break;
        default: {
          const since = busySince(s, a, t);
          k = Number.isNaN(since) ? Infinity : since; // idle actors last
        }
      }
      keys[a] = k;
    }
    // ties keep name order (the rows come in name order): sort by (key, position)
    const snapshot = order.slice(0, len);
    if (col === "busy") {
      const pos = new Int32Array(len);
      for (let i = 0; i < len; i++) pos[i] = i;
      pos.sort((x, y) => keys[snapshot[x]] - keys[snapshot[y]] || x - y);
      for (let i = 0; i < len; i++) order[i] = snapshot[pos[i]];
      return;
    }
    // whole-number keys: key and position packed in one exact double, sorted natively
    // (several times faster than a comparator at 100,000 rows)
    const packed = new Float64Array(len);
    const SHIFT = 2097152; // 2^21 positions; keys below 2^32 keep the product exact
    for (let i = 0; i < len; i++) {
      const k = keys[snapshot[i]];
      packed[i] = (k === Infinity ? 4294967295 : k) * SHIFT + i;
    }
    packed.sort();
    for (let i = 0; i < len; i++) order[i] = snapshot[packed[i] % SHIFT];
  }

  /** Row `i` of the display order as plain values. */
  row(store: EventStore, s: MeshState, t: number, i: number): TableRow {
    const a = this.order[i];
    return {
      actor: a,
      id: store.str(store.actorCodes[a]),
      cls: store.str(store.actorClass[a]),
      node: s.node[a] >= 0 ? store.str(store.nodeCodes[s.node[a]]) : "",
      status: statusName(s, a, t),
      incarnation: s.incarnation[a],
      restarts: s.restarts[a],
      mailbox: s.mailbox[a],
      processed: s.processed[a],
      busySince: busySince(s, a, t),
    };
  }

  /** Display position of actor `a`, or -1 if it is filtered out. */
  indexOf(a: number): number {
    for (let i = 0; i < this.length; i++) if (this.order[i] === a) return i;
    return -1;
  }
}

function followKey(n: number, q: TableQuery): string {
  return `${n}|${q.search}|${q.status}|${q.sort}|${q.desc}|${q.hideSystem}|${q.actorClass}`;
}

/** Actors present (spawned) at the fold's time, from its per-node counts: no pass over the actors. */
export function presentCount(s: MeshState): number {
  const c = s.nodeCounts;
  let n = 0;
  for (let i = 0; i < c.length; i++) if (i % STATUS_SLOTS !== S.absent) n += c[i];
  return n;
}

/** A sort key that orders digit runs by value: "w2" < "w10". */
export function natural(s: string): string {
  return s.replace(/\d+/g, (d) => d.padStart(12, "0"));
}

/** Rows [first, last) that a scroll box of `height` px shows at `scrollTop`, with one spare row each side. */
export function visibleRange(scrollTop: number, height: number, rowH: number, length: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowH) - 1);
  const last = Math.min(length, Math.ceil((scrollTop + height) / rowH) + 1);
  return [first, Math.max(first, last)];
}
