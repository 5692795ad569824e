// The data path from kernel to browser: chunks arrive as custom messages and are appended to
// one EventStore per model. On start (and after any gap) the front end says how many chunks it
// has, and the kernel sends the rest; so a fresh page gets everything, a live one only news.
import { toBytes, type ChunkHeader } from "./decode";
import type { Model } from "./model";
import { EventStore } from "./store";

const stores = new WeakMap<Model, { store: EventStore; off: () => void }>();

export function attach(model: Model): EventStore {
  const existing = stores.get(model);
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
    store.appendChunk(header, buf ? toBytes(buf) : new Uint8Array(0));
  };
  model.on("msg:custom", onMsg);
  stores.set(model, { store, off: () => model.off("msg:custom", onMsg) });
  ask();
  return store;
}

/** Stop listening for chunks and forget the model's store (the model is closed). */
export function detach(model: Model): void {
  stores.get(model)?.off();
  stores.delete(model);
}
