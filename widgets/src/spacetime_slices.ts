// Handler slices, as Perfetto draws them on a thread's track: one bar per handler from its start
// to its end, on its actor's lane. A msg_handle knows its duration at once; a handler_start is
// closed by the handler_end of the same (actor, msg_id); a start with no end is a handler still
// running, or hung, or cut short by its actor's death: open-ended (end = Infinity).
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

export function buildSlices(store: EventStore): Slices {
  const s = store;
  const actor: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const type: number[] = [];
  const msg: number[] = [];
  const rowOf: number[] = [];
  const error: number[] = [];
  const open = new Map<string, number>(); // `${actor code}:${msg id}` -> slice of a handler_start
  const isError = (r: number) => s.str(s.reason.data[r]).startsWith("error");
  for (let p = 0; p < s.n; p++) {
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
      const i = open.get(key);
      if (i !== undefined) {
        end[i] = t;
        error[i] = isError(r) ? 1 : 0;
        open.delete(key);
        continue;
      }
    }
    const i = actor.length;
    actor.push(a);
    // a handler_end whose start is not in this frame starts duration before it
    start.push(k === K.handler_end && Number.isFinite(dur) ? t - dur : t);
    end.push(k === K.msg_handle ? t + (Number.isFinite(dur) ? dur : 0) : k === K.handler_end ? t : Infinity);
    type.push(s.msgType.data[r]);
    msg.push(s.messageOf(s.msgId.data[r]));
    rowOf.push(r);
    error.push(k !== K.handler_start && isError(r) ? 1 : 0);
    if (k === K.handler_start) open.set(key, i);
  }
  const n = actor.length;
  const st = Float64Array.from(start);
  const en = Float64Array.from(end);
  return {
    actor: Int32Array.from(actor),
    start: st,
    end: en,
    type: Int32Array.from(type),
    msg: Int32Array.from(msg),
    row: Int32Array.from(rowOf),
    error: Uint8Array.from(error),
    n,
    index: new IntervalIndex(st, en, n),
  };
}
