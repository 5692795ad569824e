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
  /**
   * Reads the next block of chunks, null when none is left, undefined when it is not there
   * yet (the HTML replay's further script blocks, which the browser may still be parsing):
   * called only when the delivery has handed over every chunk read so far, so the first frame
   * waits for the first block alone.
   */
  readMore?: () => EmbeddedChunk[] | null | undefined;
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
  private more?: () => EmbeddedChunk[] | null | undefined;

  constructor(state: Partial<Traits> | Record<string, unknown>, chunks: EmbeddedChunk[], release = false, readMore?: () => EmbeddedChunk[] | null | undefined) {
    this.attrs = { ...state };
    this.chunks = chunks;
    this.release = release;
    this.more = readMore;
  }

  /** Read the next block of chunks into the list: "read", "none" left, or not there yet ("later"). */
  private readMore(): "read" | "none" | "later" {
    if (!this.more) return "none";
    const got = this.more();
    if (got === undefined) return "later";
    if (got === null) {
      this.more = undefined;
      return "none";
    }
    for (const c of got) this.chunks.push(c);
    return "read";
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
    // Blocks not read yet are read when the delivery gets to them; a branch's chunks come after
    // the main run's, so a sync naming a branch reads them all first.
    if (wanted !== null) {
      let r;
      while ((r = this.readMore()) === "read");
      if (r === "later") return void setTimeout(() => this.send(content), LATER_MS);
    }
    let pos = 0;
    let skip = from;
    const next = () => {
      for (;;) {
        if (pos >= this.chunks.length) {
          const r = this.readMore();
          if (r === "none") return;
          if (r === "later") return void setTimeout(next, LATER_MS);
          continue;
        }
        const c = this.chunks[pos++];
        if (branchOf(c) !== wanted) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (this.release && c.data === "") {
          throw new Error(`meshlab replay: chunk ${c.header.index} was let go after it was read; reload the page`);
        }
        this.emit("msg:custom", c.header, [view(c.data)]);
        if (this.release) c.data = "";
        return nextTask(next);
      }
    };
    setTimeout(next, 0);
  }

  /** Append more chunks (benchmarks and tests of the appending path). */
  push(chunk: EmbeddedChunk): void {
    this.chunks.push(chunk);
    this.emit("msg:custom", chunk.header, [view(chunk.data)]);
  }
}

/** How long to wait for a block the browser is still parsing before asking again. */
const LATER_MS = 20;

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
  // The browser's own decoder where there is one (Chromium 140 on): several times faster than
  // reading atob's string back a character at a time, over the 400 MB of a 10M-event replay.
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native.call(Uint8Array, s);
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
  const model = new LocalModel(payload.state, payload.chunks, payload.release ?? false, payload.readMore);
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
