// The browser's copy of the event frame: appended chunk by chunk, never rebuilt, plus the
// indexes the views need (entities, messages, moments). Everything drawn is derived from here.
// EventStore is built in layers, each its own file, one concern each: the fold order and time
// queries (store_order.ts), the columns and string tables (store_rows.ts), the message index
// (store_messages.ts); this file adds the entities, the moments and markers, and the chunk
// intake that drives them all. Layers are base classes, not members, so the per-row loops reach
// the typed arrays directly.
import { decodeChunk, type ChunkHeader, type EventColumns } from "./decode";
import { Grow } from "./grow";
import { K, isMoment } from "./kinds";
import { MessageIndex } from "./store_messages";

export { Column } from "./store_columns";

export type StoreListener = (dirtyFromRow: number) => void;

export class EventStore extends MessageIndex {
  // entities, in order of first appearance
  readonly nodeOf = new Map<number, number>(); // string code -> node index
  nodeCodes: number[] = [];
  readonly actorOf = new Map<number, number>(); // string code -> actor index
  actorCodes: number[] = [];
  actorClass: number[] = []; // string code of the class, -1 unknown
  actorSystem: boolean[] = [];
  actorParent: number[] = []; // string code, -1 none
  /** Actors that ever lived on each node, in order of arrival: their slot in the node's grid. */
  nodeSlots: number[][] = [];
  private readonly slotOf = new Map<number, number>();
  private homeNode: number[] = [];
  private homeSlot: number[] = [];
  /** Per actor, its lifecycle rows in fold order. */
  private lifecycleRows: number[][] = [];
  /** attrs rows (v2) of each actor (by actor string code) and of each node's own (by node index), in arrival order. */
  readonly actorAttrs = new Map<number, number[]>();
  readonly nodeAttrs = new Map<number, number[]>();
  /** Rows of actor_fail / actor_stop whose actor's next lifecycle event (in fold order) is an actor_restart. */
  readonly restartFollows = new Set<number>();

  /** Rows of lifecycle, link and drop events: what is animated and inspected. */
  readonly moments = new Grow(Int32Array);
  /** Rows that get a marker on the scrubber: failures, restarts, node deaths and returns, partitions and heals. */
  readonly markers = new Grow(Int32Array);
  private readonly joined = new Set<number>();
  actorClasses = new Set<number>();

  private listeners = new Set<StoreListener>();

  onChange(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Append one decoded chunk. Returns false (and changes nothing) if it is out of order. */
  appendChunk(header: ChunkHeader, bytes: Uint8Array): boolean {
    if (header.index !== this.chunks) return false;
    if (header.strings_base !== this.strings.length) {
      throw new Error(
        `meshlab chunk ${header.index} starts its strings at ${header.strings_base}, ` +
          `but ${this.strings.length} are known`,
      );
    }
    const cols = header.rows > 0 ? decodeChunk(bytes, header) : null;
    if (header.rows_total) this.reserve(header.rows_total);
    for (const s of header.strings) this.strings.push(s);
    this.growCodeTables();
    this.chunks++;
    if (cols) this.appendColumns(cols);
    else this.emit(this.n);
    return true;
  }

  appendColumns(c: EventColumns): void {
    const start = this.n;
    if (c.n === 0) return this.emit(start);
    let sends = 0;
    for (let i = 0; i < c.n; i++) if (c.kind[i] === K.msg_send) sends++;
    this.roomForSends(start + c.n, sends);
    this.appendRows(c, start);
    let dirty = this.extendOrder(start);
    const kind = this.kind.data;
    const node = this.node.data;
    for (let row = start; row < this.n; row++) {
      // message traffic, most of the rows, needs only its message index and its node
      const k = kind[row];
      if (k === K.msg_send) this.indexSend(row, this.nodeIndex(node[row]));
      else if (k === K.msg_recv) this.indexEnd(row, this.nodeIndex(node[row]), false);
      else if (k === K.msg_handle) this.nodeIndex(node[row]);
      else {
        const d = this.index(row);
        if (d < dirty) dirty = d;
      }
    }
    this.settleMessages();
    this.emit(dirty);
  }

  private emit(dirty: number): void {
    for (const fn of this.listeners) fn(dirty);
  }

  private nodeIndex(code: number): number {
    const fast = this.nodeByCode[code];
    if (fast >= 0) return fast;
    let i = this.nodeOf.get(code);
    if (i === undefined) {
      i = this.nodeCodes.length;
      this.nodeOf.set(code, i);
      this.nodeByCode[code] = i;
      this.nodeCodes.push(code);
      this.nodeSlots.push([]);
    }
    return i;
  }

  private actorIndex(code: number): number {
    const fast = this.actorByCode[code];
    if (fast >= 0) return fast;
    let i = this.actorOf.get(code);
    if (i === undefined) {
      i = this.actorCodes.length;
      this.actorOf.set(code, i);
      this.actorByCode[code] = i;
      this.actorCodes.push(code);
      this.actorClass.push(-1);
      this.actorSystem.push(false);
      this.actorParent.push(-1);
      this.lifecycleRows.push([]);
      this.homeNode.push(-1);
      this.homeSlot.push(-1);
    }
    return i;
  }

  /** The slot of an actor inside a node's grid; assigned once, so glyphs never jump around. */
  slot(actor: number, node: number): number {
    // Most actors only ever live on one node: arrays for that, a map for the movers.
    if (this.homeNode[actor] === node) return this.homeSlot[actor];
    return this.slotOf.get(actor * 65536 + node) ?? -1;
  }

  private place(actor: number, node: number): void {
    if (this.homeNode[actor] === node) return;
    const key = actor * 65536 + node;
    if (this.slotOf.has(key)) return;
    const slots = this.nodeSlots[node];
    if (this.homeNode[actor] < 0) {
      this.homeNode[actor] = node;
      this.homeSlot[actor] = slots.length;
    } else this.slotOf.set(key, slots.length);
    slots.push(actor);
  }

  /** Index one row; returns the lowest position whose fold result changed in hindsight (or n). */
  private index(row: number): number {
    const k = this.kind.data[row];
    // MeshOS kinds may be mesh-wide, with an empty node: that is no node to draw
    const meshWide = k > K.attrs && this.str(this.node.data[row]) === "";
    const node = meshWide ? -1 : this.nodeIndex(this.node.data[row]);
    let dirty = this.n;
    if (isMoment(k)) this.moments.push(row);
    // markers: failures, restarts, node deaths and returns (a join after the first is a
    // rejoin), partitions and their heals
    const rejoin = k === K.node_join && this.joined.has(node);
    if (k === K.node_join) this.joined.add(node);
    // MeshOS: an operator's admin action, and an engine action that ended other than ok
    const actionFailed = k === K.action_end && !["", "ok"].includes(this.str(this.reason.data[row]));
    if (k === K.actor_fail || k === K.actor_restart || k === K.node_down || k === K.node_up || k === K.link_down || k === K.link_up || rejoin || k === K.admin || actionFailed) {
      this.markers.push(row);
    }
    if (k === K.link_down || k === K.link_up) {
      const p = this.peer.data[row];
      if (p >= 0) this.nodeIndex(p);
    }
    if (k >= K.actor_spawn && k <= K.actor_restart) {
      const a = this.actorIndex(this.actor.data[row]);
      if (k === K.actor_spawn || k === K.actor_restart) {
        this.place(a, node);
        const cls = this.msgType.data[row];
        if (cls >= 0) {
          this.actorClass[a] = cls;
          this.actorClasses.add(cls);
        }
        if (this.parent.data[row] >= 0) this.actorParent[a] = this.parent.data[row];
        if (k === K.actor_spawn && this.str(this.reason.data[row]) === "system") {
          this.actorSystem[a] = true;
        }
      }
      dirty = this.placeLifecycle(a, row);
    } else if (k === K.attrs) {
      const code = this.actor.data[row];
      const [map, key] = code >= 0 ? [this.actorAttrs, code] : [this.nodeAttrs, node];
      const list = map.get(key);
      if (list) list.push(row);
      else map.set(key, [row]);
    } else if (k === K.msg_send) {
      this.indexSend(row, node);
    } else if (k === K.msg_recv || k === K.msg_drop) {
      this.indexEnd(row, node, k === K.msg_drop);
    }
    return dirty;
  }

  /** The row that started actor `a`'s life current among the first `upTo` events in fold order, or -1. */
  lifeStart(a: number, upTo: number): number {
    const list = this.lifecycleRows[a] ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i];
      if (this.posOf(r) >= upTo) continue;
      const k = this.kind.data[r];
      if (k === K.actor_spawn || k === K.actor_restart) return r;
    }
    return -1;
  }

  /**
   * Insert a lifecycle row into its actor's list (fold order). A failure or stop whose next
   * lifecycle event turns out to be a restart reads "restarting", not "failed" or "stopped",
   * so the folds from its position on must be redone: returns that position (or n).
   */
  private placeLifecycle(a: number, row: number): number {
    const list = this.lifecycleRows[a];
    let i = list.length;
    while (i > 0 && this.before(row, list[i - 1])) i--;
    list.splice(i, 0, row);
    const mark = (j: number): boolean => {
      const r = list[j];
      const k = this.kind.data[r];
      if (k !== K.actor_fail && k !== K.actor_stop) return false;
      const follows = j + 1 < list.length && this.kind.data[list[j + 1]] === K.actor_restart;
      if (follows === this.restartFollows.has(r)) return false;
      if (follows) this.restartFollows.add(r);
      else this.restartFollows.delete(r);
      return true;
    };
    mark(i);
    return i > 0 && mark(i - 1) ? this.posOf(list[i - 1]) : this.n;
  }

  /** Moment rows with time in (from, to], newest last. */
  momentsIn(from: number, to: number, limit: number): number[] {
    const mom = this.moments;
    // moments are in row order, and tmax is monotone in row order
    let lo = 0;
    let hi = mom.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tmax.data[mom.data[mid]] <= to) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo - 1; i >= 0 && out.length < limit; i--) {
      const row = mom.data[i];
      if (this.tmax.data[row] <= from) break;
      out.push(row);
    }
    return out.reverse();
  }
}
