// The event columns as they arrived, at the wire's widths, and the string table they code into:
// the layer of EventStore (store.ts) above the fold order, below the indexes built from the rows.
import type { EventColumns } from "./decode";
import { Grow } from "./grow";
import { Column } from "./store_columns";
import { FoldOrder } from "./store_order";

/** Bits of StoreRows.reasonBits: what the fold asks of a string used as a reason. */
export const R_ERROR = 1; // a handler's outcome `error: <text>` (v2)
export const R_DISCARDED = 2; // a drop that empties the mailbox
export const R_SHUTDOWN = 4; // a supervisor's stop that is part of a restart
export const R_UP = 8; // a node_state back to up

function reasonBitsOf(s: string): number {
  return (s.startsWith("error") ? R_ERROR : 0) | (s === "discarded" ? R_DISCARDED : 0) | (s === "shutdown" ? R_SHUTDOWN : 0) | (s === "up" ? R_UP : 0);
}

export class StoreRows extends FoldOrder {
  strings: string[] = [];
  chunks = 0;

  readonly kind = new Grow(Uint8Array);
  readonly node = new Column(Int8Array);
  readonly actor = new Column(Int8Array);
  readonly incarnation = new Column(Uint8Array);
  readonly parent = new Column(Int8Array);
  readonly peer = new Column(Int8Array);
  /** At the wire's width: int32 (float64 only for ids past 2^31), -1 for null at any width. */
  readonly msgId = new Column(Int32Array);
  readonly msgType = new Column(Int8Array);
  readonly size = new Column(Int8Array);
  readonly reason = new Column(Int8Array);
  readonly duration = new Column(Float32Array);

  /** String code -> node / actor index (-1 none): array lookups for the per-row hot paths. */
  nodeByCode = new Int32Array(0);
  actorByCode = new Int32Array(0);

  /** Rows announced by the kernel (rows_total): the messages' room is sized from it too. */
  protected expectedRows = 0;

  str(code: number): string {
    return code >= 0 ? (this.strings[code] ?? "?") : "";
  }

  /**
   * Per string code, its R_* bits, so that the fold asks a row's reason with an array read
   * instead of comparing strings (a handler's error was a startsWith per msg_handle).
   */
  private reasonBits = new Uint8Array(0);
  private flagged = 0;

  /** Whether row's reason has the R_* `bit`. */
  reasonHas(row: number, bit: number): boolean {
    const c = this.reason.data[row];
    return c >= 0 && c < this.flagged && (this.reasonBits[c] & bit) !== 0;
  }

  /**
   * Make room for `rows` events in all, so that a big trace is not copied while it grows: exactly
   * that many when it is the first word of a big trace (grow.ts, grownCapacity).
   */
  reserve(rows: number): void {
    if (rows > this.expectedRows) this.expectedRows = rows;
    for (const g of [this.t, this.kind, this.node, this.actor, this.incarnation, this.parent, this.peer, this.msgId, this.msgType, this.size, this.reason, this.duration]) {
      g.reserve(rows);
    }
    this.reserveOrder(rows);
  }

  /** Append a chunk's columns after row `start` (= n) and set n; the indexes come after. */
  protected appendRows(c: EventColumns, start: number): void {
    this.appendSeq(c, start);
    this.t.appendArray(c.t);
    this.kind.appendArray(c.kind);
    this.node.appendArray(c.node);
    this.actor.appendArray(c.actor);
    this.incarnation.appendArray(c.incarnation);
    this.parent.appendArray(c.parent);
    this.peer.appendArray(c.peer);
    this.msgId.appendArray(c.msg_id);
    if (this.msgId.data instanceof Float64Array) {
      // ids past 2^31 travel as float64 with NaN for null: -1 for null here, as at int32
      const ids = this.msgId.data;
      for (let r = start; r < this.msgId.length; r++) if (ids[r] !== ids[r]) ids[r] = -1;
    }
    this.msgType.appendArray(c.msg_type);
    this.size.appendArray(c.size);
    this.reason.appendArray(c.reason);
    this.duration.appendArray(c.duration);
    this.n = start + c.n;
  }

  /** Widen the per-string-code tables to the strings known; returns their new size, 0 if unchanged. */
  protected growCodeTables(): number {
    const n = this.strings.length;
    if (n > this.reasonBits.length) {
      const bits = new Uint8Array(Math.max(n, this.reasonBits.length * 2, 64));
      bits.set(this.reasonBits);
      this.reasonBits = bits;
    }
    for (; this.flagged < n; this.flagged++) this.reasonBits[this.flagged] = reasonBitsOf(this.strings[this.flagged]);
    if (n <= this.nodeByCode.length) return 0;
    const cap = Math.max(n, this.nodeByCode.length * 2, 64);
    for (const name of ["nodeByCode", "actorByCode"] as const) {
      const next = new Int32Array(cap).fill(-1);
      next.set(this[name]);
      this[name] = next;
    }
    return cap;
  }
}
