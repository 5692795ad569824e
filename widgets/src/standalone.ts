// A page without Jupyter: an in-page model that holds the traits and answers the front end's
// "sync" with chunks embedded in the page. Used by the HTML replay and the benchmarks. A
// replay of a forked canvas embeds each branch's chunks too ("branch_chunk", with the branch's
// name), and answers a sync that names a branch with them, as the kernel does.
import { mountBranches } from "./branches";
import type { ChunkHeader } from "./decode";
import type { Model, Traits } from "./model";
import type { ViewHandle } from "./view";

export interface EmbeddedChunk {
  header: ChunkHeader;
  /** Arrow IPC bytes, base64 (HTML replay) or already decoded (benchmarks). */
  data: string | Uint8Array;
}

export interface StandalonePayload {
  state: Record<string, unknown>;
  chunks: EmbeddedChunk[];
  /**
   * Let go of each chunk's data once delivered (the HTML replay: its one store keeps the
   * columns, and a 10M-event page would otherwise hold every chunk twice).
   */
  release?: boolean;
}

// anywidget's own handler type: its model calls back with whatever the event carries.
type Cb = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The anywidget model of a page without a kernel (the same interface as Jupyter's). */
export class LocalModel implements Model {
  private attrs: Partial<Traits>;
  private listeners = new Map<string, Set<Cb>>();
  private readonly chunks: EmbeddedChunk[];
  /** No other widgets live in a standalone page. */
  readonly widget_manager = {
    get_model: (id: string): Promise<never> => Promise.reject(new Error(`no widget ${id} in a standalone page`)),
  };

  private readonly release: boolean;

  constructor(state: Partial<Traits> | Record<string, unknown>, chunks: EmbeddedChunk[], release = false) {
    this.attrs = { ...state };
    this.chunks = chunks;
    this.release = release;
  }

  get<K extends keyof Traits>(name: K): Traits[K] {
    return this.attrs[name] as Traits[K];
  }

  set<K extends keyof Traits>(name: K, value: Traits[K]): void {
    if (this.attrs[name] === value) return;
    this.attrs[name] = value;
    this.emit(`change:${name}`);
  }

  save_changes(): void {}

  on(event: string, cb: Cb): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(cb);
  }

  off(event?: string | null, cb?: Cb | null): void {
    if (!event) return this.listeners.clear();
    if (!cb) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(cb);
  }

  /** Handlers registered, over all events: what a destroyed view must leave behind. */
  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  protected emit(event: string, ...args: unknown[]): void {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args);
  }

  send(content: unknown): void {
    const msg = content as { type?: string; have?: number; branch?: string };
    if (msg?.type !== "sync") return;
    // Deliver asynchronously, as a kernel would, so the view is up before the data lands.
    const from = msg.have ?? 0;
    const wanted = msg.branch ?? null;
    // One chunk per task, as a kernel's messages arrive: the page paints between them, so the
    // start of a big trace is drawn while the rest is still being read.
    const todo = this.chunks.filter((c) => branchOf(c) === wanted).slice(from);
    let i = 0;
    const next = () => {
      const c = todo[i++];
      if (!c) return;
      if (this.release && c.data === "") {
        throw new Error(`meshlab replay: chunk ${c.header.index} was let go after it was read; reload the page`);
      }
      this.emit("msg:custom", c.header, [view(c.data)]);
      if (this.release) c.data = "";
      if (i < todo.length) nextTask(next);
    };
    setTimeout(next, 0);
  }

  /** Append more chunks (benchmarks and tests of the appending path). */
  push(chunk: EmbeddedChunk): void {
    this.chunks.push(chunk);
    this.emit("msg:custom", chunk.header, [view(chunk.data)]);
  }
}

/** The branch a chunk belongs to (null: the main run's). */
function branchOf(c: EmbeddedChunk): string | null {
  const h = c.header as { type: string; branch?: string };
  return h.type === "branch_chunk" ? (h.branch ?? null) : null;
}

/**
 * Run `fn` in a task of its own, soon: a MessageChannel message where there is one (a nested
 * setTimeout waits at least 4 ms, 0.6 s over the 150 chunks of a 10M-event trace).
 */
function nextTask(fn: () => void): void {
  if (typeof MessageChannel !== "function") return void setTimeout(fn, 0);
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
}

/** A chunk's bytes as Jupyter hands a message's buffers to anywidget: a DataView. */
function view(data: string | Uint8Array): DataView {
  const u8 = typeof data === "string" ? fromBase64(data) : data;
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export interface Mounted {
  model: LocalModel;
  view: ViewHandle;
}

export function mountStandalone(el: HTMLElement, payload: StandalonePayload): Mounted {
  const model = new LocalModel(payload.state, payload.chunks, payload.release ?? false);
  const view = mountBranches(el, model); // one view, or the branch tabs and overlay
  // The replay is the whole page: its keys work from the start, without a click first, and
  // keep working when the focus falls back to the page (a click on the heading, say).
  view.root.focus({ preventScroll: true });
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.target !== document.body || !view.root.isConnected) return;
      view.root.focus({ preventScroll: true });
      if (!view.root.dispatchEvent(new KeyboardEvent("keydown", e))) e.preventDefault();
    },
    { signal: view.signal },
  );
  return { model, view };
}
