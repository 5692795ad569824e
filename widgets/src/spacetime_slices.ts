// Handler slices, as Perfetto draws them on a thread's track: one bar per handler from its start
// to its end, on its actor's lane. A msg_handle knows its duration at once; a handler_start is
// closed by the handler_end of the same (actor, msg_id); a start with no end is a handler still
// running, or hung, or cut short by its actor's death: open-ended (end = Infinity).
//
// The slices grow with the trace: `extend` reads the rows that arrived since the last call, in
// fold order, closing the slices their handler_end rows end and appending the new ones, so a
// live canvas does not re-read the whole trace per chunk. It gives the same slices a rebuild
// gives as long as the new rows all fold after the old ones (the store's usual case); when a
// chunk puts rows before old ones, the caller rebuilds (SpacetimeData).
import { IntervalIndex } from "./interval_index";
import { K } from "./kinds";
import type { EventStore } from "./store";

export interface Slices {
  actor: Int32Array; // actor index
  start: Float64Array;
  end: Float64Array; // Infinity while open
  type: Int32Array; // message type string code
  msg: Int32Array; // message index, -1 unknown
  row: Int32Array; // the row that started it
  error: Uint8Array; // 1 when the handler raised (outcome "error: …")
  n: number;
  index: IntervalIndex;
}

export class SliceIndex implements Slices {
  actor = new Int32Array(0);
  start = new Float64Array(0);
  end = new Float64Array(0);
  type = new Int32Array(0);
  msg = new Int32Array(0);
  row = new Int32Array(0);
  error = new Uint8Array(0);
  n = 0;
  index = new IntervalIndex([], [], 0);
  /** Rows of the store read so far (fold positions [0, read)). */
  read = 0;
  /** `${actor code}:${msg id}` -> slice of a handler_start still waiting for its end. */
  private open = new Map<string, number>();
  /** msg_id -> slices whose message's send was not indexed yet when they were read. */
  private unresolved = new Map<number, number[]>();
  /** Messages indexed when the rows so far were read. */
  private messagesSeen = 0;

  constructor(private readonly store: EventStore) {}

  private reserve(n: number): void {
    if (n <= this.actor.length) return;
    const cap = Math.max(n, this.actor.length * 2, 256);
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => {
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.actor = grow(this.actor, new Int32Array(cap));
    this.start = grow(this.start, new Float64Array(cap));
    this.end = grow(this.end, new Float64Array(cap));
    this.type = grow(this.type, new Int32Array(cap));
    this.msg = grow(this.msg, new Int32Array(cap));
    this.row = grow(this.row, new Int32Array(cap));
    this.error = grow(this.error, new Uint8Array(cap));
  }

  /** Read the rows at fold positions [read, store.n). */
  extend(): void {
    const s = this.store;
    const from = this.n;
    const isError = (r: number) => s.str(s.reason.data[r]).startsWith("error");
    const closed: number[] = [];
    for (let p = this.read; p < s.n; p++) {
      const r = s.rowAt(p);
      const k = s.kind.data[r];
      if (k !== K.msg_handle && k !== K.handler_start && k !== K.handler_end) continue;
      const code = s.actor.data[r];
      const a = code >= 0 ? s.actorByCode[code] : -1;
      if (a < 0) continue;
      const t = s.t.data[r];
      const dur = s.duration.data[r];
      // the pair's key only for the two-row form: a msg_handle is a whole slice on its own
      const key = k === K.msg_handle ? "" : `${code}:${s.msgId.data[r]}`;
      if (k === K.handler_end) {
        const i = this.open.get(key);
        if (i !== undefined) {
          this.end[i] = t;
          this.error[i] = isError(r) ? 1 : 0;
          this.open.delete(key);
          if (i < from) closed.push(i);
          continue;
        }
      }
      const i = this.n;
      this.reserve(i + 1);
      this.actor[i] = a;
      // a handler_end whose start is not in this frame starts duration before it
      this.start[i] = k === K.handler_end && Number.isFinite(dur) ? t - dur : t;
      this.end[i] = k === K.msg_handle ? t + (Number.isFinite(dur) ? dur : 0) : k === K.handler_end ? t : Infinity;
      this.type[i] = s.msgType.data[r];
      const id = s.msgId.data[r];
      this.msg[i] = s.messageOf(id);
      if (this.msg[i] < 0 && id >= 0) {
        const list = this.unresolved.get(id);
        if (list) list.push(i);
        else this.unresolved.set(id, [i]);
      }
      this.row[i] = r;
      this.error[i] = k !== K.handler_start && isError(r) ? 1 : 0;
      this.n = i + 1;
      if (k === K.handler_start) this.open.set(key, i);
    }
    this.read = s.n;
    // a handler read before its message's send (a trace whose send comes later in the stream)
    // points at the message once the send is in, as a rebuild would
    const nM = s.mSendRow.length;
    if (this.unresolved.size && nM > this.messagesSeen) {
      for (let m = this.messagesSeen; m < nM; m++) {
        const id = s.msgId.data[s.mSendRow.data[m]];
        const list = this.unresolved.get(id);
        if (!list) continue;
        const now = s.messageOf(id);
        for (const i of list) this.msg[i] = now;
        this.unresolved.delete(id);
      }
    }
    this.messagesSeen = nM;
    this.index.append(this.start, this.end, this.n);
    for (const i of closed) this.index.setEnd(i, this.end[i]);
  }
}

export function buildSlices(store: EventStore): SliceIndex {
  const sl = new SliceIndex(store);
  sl.extend();
  return sl;
}
