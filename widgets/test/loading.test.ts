// @vitest-environment happy-dom
// Progressive loading: chunks arrive one by one while the kernel still encodes, and the view
// says data-ready only when every event at or before its playhead is in (the first frame is the
// whole state there, never a partial one), data-loaded when all is in, and shades the part of
// the scrubber not loaded yet.
import { describe, expect, it } from "vitest";
import { attach, completeAt, noteChunk } from "../src/channel";
import type { Traits } from "../src/model";
import { LocalModel, mountStandalone, type EmbeddedChunk } from "../src/standalone";
import { EventStore } from "../src/store";
import { createView, type ViewHandle } from "../src/view";
import { stubViewDomEachTest } from "./dom_stubs";
import { runFrames } from "./frames";
import { Encoder, randomRun, type Ev } from "./helpers";

stubViewDomEachTest();

const STATE: Partial<Traits> = { time: 0, selected: "", playing: false, speed: 1, view: "topology", lanes: "auto", hide_system: false, supervision: false, class_filter: "", type_filter: "", meta: {}, height: 400 };

/** A run cut into `parts` chunks whose headers say what is still to come, as the kernel's do. */
function announced(evs: Ev[], parts: number, legacy = false): EmbeddedChunk[] {
  const enc = new Encoder();
  const size = Math.ceil(evs.length / parts);
  const ts = evs.map((e) => e.t);
  const span: [number, number] = [Math.min(...ts), Math.max(...ts)];
  const out: EmbeddedChunk[] = [];
  for (let i = 0; i < evs.length; i += size) {
    const { header, bytes } = enc.chunk(evs.slice(i, i + size));
    const rest = ts.slice(i + size);
    const extra: Record<string, unknown> = { rows_total: evs.length };
    if (!legacy) {
      extra.t_span = span;
      if (rest.length) extra.t_rest = Math.min(...rest);
    }
    out.push({ header: { ...header, ...extra }, data: bytes });
  }
  return out;
}

function mount(model: LocalModel): ViewHandle {
  const el = document.createElement("div");
  document.body.append(el);
  const view = createView(el, model, attach(model));
  const stage = view.root.querySelector(".ml-stage") as HTMLElement;
  Object.defineProperty(stage, "clientWidth", { value: 900 });
  Object.defineProperty(stage, "clientHeight", { value: 460 });
  return view;
}

const ds = (v: ViewHandle) => v.root.dataset;
const shade = (v: ViewHandle) => v.root.querySelector(".ml-unloaded") as HTMLElement | null;

describe("data-ready while chunks arrive", () => {
  const evs = randomRun(11, 8, 400);
  const t0 = evs[0].t;
  const tEnd = evs[evs.length - 1].t;

  it("at the start: ready with the first chunk, loaded with the last, the rest shaded meanwhile", () => {
    const all = announced(evs, 4);
    const model = new LocalModel({ ...STATE, time: t0 }, []);
    const view = mount(model);
    runFrames();
    expect(ds(view).ready).toBe("0");
    model.push(all[0]);
    runFrames();
    expect(ds(view).ready).toBe("1");
    expect(ds(view).loaded).toBe("0");
    const s = shade(view);
    expect(s && s.style.display).not.toBe("none");
    const f = Number(view.root.querySelector<HTMLElement>(".ml-scrubber")?.dataset.loadedTo);
    expect(f).toBeGreaterThan(0);
    expect(f).toBeLessThan(1);
    for (const c of all.slice(1)) model.push(c);
    runFrames();
    expect(ds(view).ready).toBe("1");
    expect(ds(view).loaded).toBe("1");
    expect(shade(view)?.style.display).toBe("none");
    expect(Number(ds(view).rows)).toBe(evs.length);
  });

  it("opened at the end: not ready until the last chunk, and the playhead stays where it was put", () => {
    const all = announced(evs, 4);
    const model = new LocalModel({ ...STATE, time: tEnd }, []);
    const view = mount(model);
    for (const c of all.slice(0, 3)) {
      model.push(c);
      runFrames();
      expect(ds(view).ready).toBe("0");
      expect(Number(ds(view).time)).toBe(tEnd); // not pulled back to the end of what is in
      expect(view.root.querySelector<HTMLElement>(".ml-empty")?.textContent).toMatch(/loading events up to the playhead/);
    }
    model.push(all[3]);
    runFrames();
    expect(ds(view).ready).toBe("1");
    expect(ds(view).loaded).toBe("1");
    expect(Number(ds(view).time)).toBe(tEnd);
  });

  it("in the middle: ready once every chunk holding an event at or before the playhead is in", () => {
    const all = announced(evs, 5);
    const mid = evs[Math.floor(evs.length * 0.5)].t; // inside the third chunk
    const model = new LocalModel({ ...STATE, time: mid }, []);
    const view = mount(model);
    const readyAfter: string[] = [];
    for (const c of all) {
      model.push(c);
      runFrames();
      readyAfter.push(ds(view).ready ?? "");
    }
    const need = all.findIndex((c) => !((c.header as { t_rest?: number }).t_rest! <= mid)); // first chunk after which nothing at or before mid is left
    expect(need).toBeGreaterThanOrEqual(2);
    expect(readyAfter).toEqual(all.map((_, i) => (i >= need ? "1" : "0")));
  });

  it("an event with an earlier time still to come (times that run backwards) keeps it not ready", () => {
    const skewed = evs.map((e) => ({ ...e }));
    const late = skewed.length - 3;
    skewed[late] = { ...skewed[late], t: t0 }; // the last chunk holds an event at the start
    const all = announced(skewed, 4);
    const model = new LocalModel({ ...STATE, time: t0 }, []);
    const view = mount(model);
    for (const c of all.slice(0, 3)) model.push(c);
    runFrames();
    expect(ds(view).ready).toBe("0");
    model.push(all[3]);
    runFrames();
    expect(ds(view).ready).toBe("1");
  });

  it("playing while chunks arrive waits where the complete data ends, then plays on", () => {
    const all = announced(evs, 4);
    const model = new LocalModel({ ...STATE, time: t0, playing: true, speed: 100 }, []);
    const view = mount(model);
    model.push(all[0]);
    runFrames(400);
    const rest = (all[0].header as { t_rest?: number }).t_rest as number;
    expect(model.get("playing")).toBe(true); // not stopped at the end of what is in
    expect(Number(ds(view).time)).toBeGreaterThan(t0);
    expect(Number(ds(view).time)).toBeLessThanOrEqual(rest);
    expect(ds(view).ready).toBe("1");
    expect(view.framePending()).toBe(false); // waiting for data asks for no frames
    for (const c of all.slice(1)) model.push(c);
    runFrames(400);
    expect(Number(ds(view).time)).toBe(view.store.t1); // played on to the end, and stopped there
    expect(model.get("playing")).toBe(false);
  });

  it("headers of an older kernel (rows_total only): ready when all rows are in", () => {
    const all = announced(evs, 3, true);
    const store = new EventStore();
    for (const [i, c] of all.entries()) {
      store.appendChunk(c.header, c.data as Uint8Array);
      noteChunk(store, c.header);
      expect(completeAt(store, t0)).toBe(i === all.length - 1);
    }
  });
});

describe("the standalone page", () => {
  it("asks again later for a block the browser is still parsing", async () => {
    const all = announced(randomRun(14, 8, 300), 3);
    const app = document.createElement("div");
    document.body.append(app);
    let notYet = 2; // the parser reaches the further block on the third ask
    let served = false;
    const readMore = () => {
      if (served) return null;
      if (notYet-- > 0) return undefined;
      served = true;
      return all.slice(1);
    };
    const { view } = mountStandalone(app, { state: { ...STATE }, chunks: all.slice(0, 1), readMore });
    for (let i = 0; i < 50 && view.store.chunks < all.length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(notYet).toBe(-1);
    expect(view.store.chunks).toBe(all.length);
    view.destroy();
  });
  it("reads a further block of the replay only once the chunks before it are handed over", async () => {
    const all = announced(randomRun(13, 8, 400), 4);
    const blocks = [all.slice(2, 3), all.slice(3)];
    const app = document.createElement("div");
    document.body.append(app);
    const readAt: number[] = [];
    let store: EventStore | null = null;
    const readMore = () => {
      readAt.push(store ? store.chunks : -1);
      return blocks.shift() ?? null;
    };
    const { view } = mountStandalone(app, { state: { ...STATE }, chunks: all.slice(0, 2), readMore });
    store = view.store;
    for (let i = 0; i < 20 && view.store.chunks < all.length; i++) await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(view.store.chunks).toBe(all.length);
    expect(readAt).toEqual([2, 3, 4]); // never ahead of the delivery; the last read finds none
    view.destroy();
  });

  it("delivers one chunk per task, so the page can draw between them", async () => {
    const all = announced(randomRun(12, 8, 400), 4);
    const app = document.createElement("div");
    document.body.append(app);
    const { view } = mountStandalone(app, { state: { ...STATE }, chunks: all });
    // Each chunk lands in a task of its own: the microtasks queued after one have all run
    // before the next lands (they would not, were the chunks emitted in one loop).
    let settled = true;
    const sameTask: boolean[] = [];
    view.store.onChange(() => {
      sameTask.push(!settled);
      settled = false;
      queueMicrotask(() => (settled = true));
    });
    for (let i = 0; i < 20 && view.store.chunks < all.length; i++) await new Promise((r) => setTimeout(r, 0));
    expect(view.store.chunks).toBe(all.length);
    expect(sameTask).toEqual(all.map(() => false));
    runFrames();
    expect(view.root.dataset.loaded).toBe("1");
    expect(view.root.dataset.ready).toBe("1");
    view.destroy();
  });
});
