// The data path from kernel to browser: chunks arrive as custom messages and are appended to
// one EventStore per model. On start (and after any gap) the front end says how many chunks it
// has, and the kernel sends the rest; so a fresh page gets everything, a live one only news.
//
// Chunks arrive one by one while the kernel is still encoding (meshlab/canvas/widget.py), so
// the store may hold only the start of a trace. Each header says what is still to come: the
// rows announced in all (rows_total), the time span they cover (t_span) and the earliest time
// among the rows not yet sent (t_rest, absent when none are). From these the view tells whether
// the state at its playhead is complete (every event at or before it is in) and when all is in.
import { toBytes, type ChunkHeader } from "./decode";
import type { Model } from "./model";
import { EventStore } from "./store";

/** What the kernel announced beyond the rows the store holds. */
export interface Progress {
  /** Earliest time among events not in the store yet: +Infinity when none are announced. */
  rest: number;
  /** Rows announced in all (0 before the first header). */
  total: number;
  /** Time span of every announced event (NaN before a header says). */
  t0: number;
  t1: number;
}

/** The fields of a chunk header that say how much is still to come. */
type Announced = Pick<ChunkHeader, "rows_total"> & { t_rest?: number | null; t_span?: [number, number] | null };

const NOTHING: Progress = { rest: Infinity, total: 0, t0: NaN, t1: NaN };
const progresses = new WeakMap<EventStore, Progress>();

// One store per model, whichever object the model comes as. anywidget hands `initialize` and
// each display its own proxy of the one model (to drop a display's listeners with it), so a
// store kept per object would be one per proxy: each asking the kernel for the whole trace and
// holding it again. The kernel names its model in the `_model_key` trait; a model without one
// (the in-page model of a replay) is its own key.
function keyOf(model: Model): string | null {
  const k = model.get("_model_key");
  return typeof k === "string" && k ? k : null;
}

/** A map from models in which every proxy of one kernel model is the same key. */
export class PerModel<T> {
  private readonly byKey = new Map<string, T>();
  private readonly byObject = new WeakMap<Model, T>();

  get(model: Model): T | undefined {
    const k = keyOf(model);
    return k === null ? this.byObject.get(model) : this.byKey.get(k);
  }

  set(model: Model, value: T): void {
    const k = keyOf(model);
    if (k === null) this.byObject.set(model, value);
    else this.byKey.set(k, value);
  }

  delete(model: Model): void {
    const k = keyOf(model);
    if (k === null) this.byObject.delete(model);
    else this.byKey.delete(k);
  }
}

const channels = new PerModel<{ store: EventStore; off: () => void }>();

/** What is known of the data still to come into `store`. */
export function progressOf(store: EventStore): Progress {
  return progresses.get(store) ?? NOTHING;
}

/** Record what a chunk just appended to `store` says of the rest (exported for tests). */
export function noteChunk(store: EventStore, header: Announced): void {
  const total = Math.max(header.rows_total ?? 0, store.n);
  let rest: number;
  if (typeof header.t_rest === "number") rest = header.t_rest;
  else if (store.n < total) rest = -Infinity; // an older kernel says only how many: wait for all
  else rest = Infinity;
  const span = header.t_span;
  const [t0, t1] = span && span.length === 2 ? span : [NaN, NaN];
  progresses.set(store, { rest, total, t0, t1 });
}

/** Every event at or before `t` is in the store: the state at `t` is the whole truth. */
export function completeAt(store: EventStore, t: number): boolean {
  return store.n > 0 && progressOf(store).rest > t;
}

/** Every event announced so far is in the store. */
export function allLoaded(store: EventStore): boolean {
  const p = progressOf(store);
  return store.n > 0 && p.rest === Infinity && store.n >= p.total;
}

/** The time span of the whole trace as far as it is known: the store's, widened by the kernel's announcement. */
export function spanOf(store: EventStore): [number, number] {
  const p = progressOf(store);
  const t0 = Number.isNaN(p.t0) ? store.t0 : Math.min(store.t0, p.t0);
  const t1 = Number.isNaN(p.t1) ? store.t1 : Math.max(store.t1, p.t1);
  return [t0, t1];
}

export function attach(model: Model): EventStore {
  const existing = channels.get(model);
  if (existing) return existing.store;
  const store = new EventStore();
  let asked = -1;
  const ask = () => {
    if (asked === store.chunks) return; // one request per gap
    asked = store.chunks;
    model.send({ type: "sync", have: store.chunks });
  };
  const onMsg = (msg: { type?: string } & Partial<ChunkHeader>, buffers?: (ArrayBuffer | ArrayBufferView)[]) => {
    if (msg?.type !== "chunk") return;
    const header = msg as ChunkHeader;
    if (header.index < store.chunks) return; // already have it (a resend for another view)
    if (header.index > store.chunks) return ask(); // a gap: ask again from what we have
    const buf = buffers && buffers[0];
    // Noted after the append (the old-kernel fallback counts the rows): the store's listeners
    // only ask for a frame, which is drawn later and reads it.
    if (store.appendChunk(header, buf ? toBytes(buf) : new Uint8Array(0))) noteChunk(store, header as Announced);
  };
  model.on("msg:custom", onMsg);
  channels.set(model, { store, off: () => model.off("msg:custom", onMsg) });
  ask();
  return store;
}

/** Stop listening for chunks and forget the model's store (the model is closed). */
export function detach(model: Model): void {
  channels.get(model)?.off();
  channels.delete(model);
}
