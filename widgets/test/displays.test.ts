// @vitest-environment happy-dom
// One canvas shown twice in a notebook is two displays of one model (anywidget renders each
// display of a widget on the same in-page model). What a display chooses for itself (the view
// it shows) stays its own; what the kernel sets reaches every display; the playhead, selection,
// playback and filters stay shared (docs/canvas.md, "Two displays of one canvas"). And the
// anywidget entry hands back cleanups that leave no listener on the model.
import { describe, expect, it } from "vitest";
import { attach } from "../src/channel";
import type { ChunkHeader } from "../src/decode";
import widget from "../src/index";
import type { Model, Traits } from "../src/model";
import { mountBranches } from "../src/branches";
import { LocalModel, type EmbeddedChunk } from "../src/standalone";
import { createView, type ViewHandle } from "../src/view";
import { stubViewDomEachTest } from "./dom_stubs";
import { runFrames } from "./frames";
import { Encoder, randomRun } from "./helpers";

stubViewDomEachTest();

const tick = () => new Promise((r) => setTimeout(r, 0));

const STATE: Partial<Traits> = { time: 0, selected: "", playing: false, speed: 1, view: "topology", lanes: "auto", hide_system: false, supervision: false, class_filter: "", type_filter: "", meta: {}, height: 400 };

function chunks(branch?: string): EmbeddedChunk[] {
  const evs = randomRun(11, 8, 200);
  const enc = new Encoder();
  const out: EmbeddedChunk[] = [];
  for (let i = 0; i < evs.length; i += 100) {
    const { header, bytes } = enc.chunk(evs.slice(i, i + 100));
    const h = branch ? ({ ...header, type: "branch_chunk", branch } as unknown as ChunkHeader) : header;
    out.push({ header: h, data: bytes });
  }
  return out;
}

/** The in-page model with a kernel's voice: a trait set from Python, a custom message; it
 * records what the page asks for. */
class KernelModel extends LocalModel {
  syncs = 0;
  branchSyncs: string[] = [];
  fromKernel(msg: unknown): void {
    this.emit("msg:custom", msg, []);
  }
  send(content: unknown): void {
    const msg = content as { type?: string; branch?: string };
    if (msg?.type === "sync" && msg.branch) this.branchSyncs.push(msg.branch);
    else if (msg?.type === "sync") this.syncs++;
    super.send(content);
  }
}

type Cb = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any -- anywidget's own handler type

/** What anywidget hands `initialize` and each display: its own object over the one model
 * (anywidget's modelProxy); `drop()` removes every listener added through it, as anywidget does
 * when the display goes. */
function proxy(model: LocalModel): Model & { drop(): void } {
  const added: [string, Cb][] = [];
  return {
    get: model.get.bind(model),
    set: model.set.bind(model),
    save_changes: model.save_changes.bind(model),
    send: model.send.bind(model),
    on: (name: string, cb: Cb) => {
      added.push([name, cb]);
      model.on(name, cb);
    },
    off: (name: string, cb: Cb) => model.off(name, cb),
    widget_manager: model.widget_manager,
    drop: () => {
      for (const [name, cb] of added.splice(0)) model.off(name, cb);
    },
  } as unknown as Model & { drop(): void };
}

function sized(view: ViewHandle): ViewHandle {
  const stage = view.root.querySelector(".ml-stage") as HTMLElement;
  Object.defineProperty(stage, "clientWidth", { value: 900 });
  Object.defineProperty(stage, "clientHeight", { value: 460 });
  return view;
}

function display(model: Model): ViewHandle {
  const el = document.createElement("div");
  document.body.append(el);
  return sized(createView(el, model, attach(model)));
}

async function loadedPair(model: LocalModel): Promise<[ViewHandle, ViewHandle]> {
  const a = display(model);
  const b = display(model);
  for (let i = 0; i < 20 && !(a.store.n && a.root.dataset.loaded === "1"); i++) {
    await tick();
    runFrames();
  }
  runFrames();
  expect(a.root.dataset.ready).toBe("1");
  return [a, b];
}

/** The view a display drew last, and the toolbar button it marks as shown. */
function shown(v: ViewHandle): string {
  const on = [...v.root.querySelectorAll(".ml-toolbar button.ml-on")].map((b) => b.className.match(/ml-view-(\w+)/)?.[1]).filter(Boolean);
  expect(on).toEqual([v.root.dataset.view]);
  return v.root.dataset.view as string;
}

function clickTab(v: ViewHandle, name: string): void {
  (v.root.querySelector(`.ml-view-${name}`) as HTMLButtonElement).click();
  runFrames();
}

function press(v: ViewHandle, key: string): void {
  v.root.dispatchEvent(new KeyboardEvent("keydown", { key, cancelable: true, bubbles: true }));
  runFrames();
}

describe("two displays of one model", () => {
  it("a tab switches its own display only; the trait is the last choice; the kernel switches both", async () => {
    const model = new KernelModel(STATE, chunks());
    const [a, b] = await loadedPair(model);
    expect([shown(a), shown(b)]).toEqual(["topology", "topology"]);
    // a tab in the second display: that display, and the trait Python reads
    clickTab(b, "tree");
    expect([shown(a), shown(b)]).toEqual(["topology", "tree"]);
    expect(model.get("view")).toBe("tree");
    // the v key in the first: the next view after its own, the second stays
    press(a, "v");
    press(a, "v");
    expect([shown(a), shown(b)]).toEqual(["spacetime", "tree"]);
    expect(model.get("view")).toBe("spacetime");
    // Python sets another view: every display shows it
    model.set("view", "flows");
    runFrames();
    expect([shown(a), shown(b)]).toEqual(["flows", "flows"]);
    // a tab again, then Python assigns the value the trait already holds: no trait change
    // travels, the kernel's message does, and every display shows it
    clickTab(a, "table");
    expect([shown(a), shown(b)]).toEqual(["table", "flows"]);
    model.fromKernel({ type: "view", view: "table" });
    runFrames();
    expect([shown(a), shown(b)]).toEqual(["table", "table"]);
    // a display opened later starts on the trait: the last choice
    clickTab(b, "tree");
    const c = display(model);
    runFrames();
    expect([shown(a), shown(b), shown(c)]).toEqual(["table", "tree", "tree"]);
    // a message of another kind, or naming no view, changes nothing
    model.fromKernel({ type: "chunk_note" });
    model.fromKernel({ type: "view", view: 3 });
    runFrames();
    expect([shown(a), shown(b), shown(c)]).toEqual(["table", "tree", "tree"]);
  });

  it("the playhead, selection, playback and filters stay shared", async () => {
    const model = new KernelModel(STATE, chunks());
    const [a, b] = await loadedPair(model);
    clickTab(b, "tree");
    press(a, "End");
    expect(Number(b.root.dataset.time)).toBe(a.store.t1);
    const actor = a.store.str(a.store.actorCodes[0]);
    model.set("selected", actor);
    runFrames();
    expect([a.root.dataset.selected, b.root.dataset.selected]).toEqual([actor, actor]);
    press(b, "Escape");
    expect([a.root.dataset.selected, b.root.dataset.selected]).toEqual(["", ""]);
    // a toolbar checkbox in one display filters the other too
    const hide = b.root.querySelector("input.ml-hide_system") as HTMLInputElement;
    hide.click();
    runFrames();
    expect(model.get("hide_system")).toBe(true);
    expect((a.root.querySelector("input.ml-hide_system") as HTMLInputElement).checked).toBe(true);
    // play in one: both show it playing (one frame: run on, playback would reach the end)
    a.root.dispatchEvent(new KeyboardEvent("keydown", { key: " ", cancelable: true, bubbles: true }));
    expect(model.get("playing")).toBe(true);
    runFrames(1);
    expect((b.root.querySelector(".ml-play") as HTMLElement).dataset.playing).toBe("1");
    expect([shown(a), shown(b)]).toEqual(["topology", "tree"]);
  });

  it("a branch switch rebuilds each display on the branch and keeps the view it showed", async () => {
    const branches = [
      { name: "base", label: "the run", diverges: null, markers: [] },
      { name: "what-if", label: "the fork", diverges: 0.5, markers: [] },
    ];
    const state = { ...STATE, branch: "base", branches, problem: {} };
    const model = new KernelModel(state, [...chunks(), ...chunks("what-if")]);
    const mount = () => {
      const el = document.createElement("div");
      document.body.append(el);
      return mountBranches(el, model);
    };
    const a = mount();
    const b = mount();
    for (let i = 0; i < 20 && !a.store.n; i++) await tick();
    sized(a);
    sized(b);
    runFrames();
    clickTab(b, "spacetime");
    expect([shown(a), shown(b)]).toEqual(["topology", "spacetime"]);
    const before = b.root;
    (a.root.parentElement?.parentElement?.querySelector('.ml-branch-tab[data-name="what-if"]') as HTMLButtonElement).click();
    for (let i = 0; i < 20 && !b.store.n; i++) await tick();
    sized(a);
    sized(b);
    runFrames();
    expect(b.root).not.toBe(before); // rebuilt on the branch's store ...
    expect([shown(a), shown(b)]).toEqual(["topology", "spacetime"]); // ... showing what it showed
  });
});

describe("the anywidget entry", () => {
  it("every display of a canvas with branches shares each branch's store, past the display that asked for it", async () => {
    const branches = [
      { name: "base", label: "the run", diverges: null, markers: [] },
      { name: "what-if", label: "the fork", diverges: 0.5, markers: [] },
    ];
    const fork = chunks("what-if");
    const model = new KernelModel({ ...STATE, _model_key: "k3", branch: "base", branches, problem: {} }, [...chunks(), ...fork]);
    const def = typeof widget === "function" ? await widget() : widget;
    await def.initialize?.({ model: proxy(model), experimental: {} } as never);
    const [pa, pb] = [proxy(model), proxy(model)];
    const mount = (m: Model) => {
      const el = document.createElement("div");
      document.body.append(el);
      return mountBranches(el, m);
    };
    const a = mount(pa);
    const b = mount(pb);
    for (let i = 0; i < 20 && !a.store.n; i++) await tick();
    expect(model.syncs).toBe(1);
    // the first display switches the branch (both show it), and goes before its chunks arrive
    (a.root.parentElement?.parentElement?.querySelector('.ml-branch-tab[data-name="what-if"]') as HTMLButtonElement).click();
    expect(model.branchSyncs).toEqual(["what-if"]); // asked for once, for both displays
    a.destroy();
    pa.drop();
    for (let i = 0; i < 20 && b.store.chunks < fork.length; i++) await tick();
    expect(b.store.chunks).toBe(fork.length);
    expect(b.store.n).toBe(fork.reduce((n, c) => n + c.header.rows, 0));
  });

  it("initialize and every display, each with its own proxy of the model, share one store and ask once", async () => {
    const all = chunks();
    const model = new KernelModel({ ...STATE, _model_key: "k1" }, all);
    const def = typeof widget === "function" ? await widget() : widget;
    await def.initialize?.({ model: proxy(model), experimental: {} } as never);
    const [a, b] = [proxy(model), proxy(model)].map((m) => display(m));
    for (let i = 0; i < 20 && a.store.chunks < all.length; i++) await tick();
    runFrames();
    expect(a.store).toBe(b.store);
    expect(model.syncs).toBe(1);
    expect(a.store.chunks).toBe(all.length);
    expect(a.store.n).toBe(all.reduce((n, c) => n + c.header.rows, 0)); // each row once
    // another canvas in the page has its own
    const other = new KernelModel({ ...STATE, _model_key: "k2" }, chunks());
    const c = display(proxy(other));
    expect(c.store).not.toBe(a.store);
    expect(other.syncs).toBe(1);
    // a model without the key (a replay's in-page model) is its own key: proxies of it do not share
    const bare = new KernelModel(STATE, chunks());
    expect(display(proxy(bare)).store).not.toBe(display(proxy(bare)).store);
  });

  it("initialize returns the cleanup of the data path; render returns the display's", async () => {
    const model = new KernelModel({ ...STATE, branch: "base", branches: [{ name: "base", label: "", diverges: null, markers: [] }, { name: "b", label: "", diverges: 1, markers: [] }] }, chunks());
    const outer = new AbortController();
    const def = typeof widget === "function" ? await widget() : widget;
    const done = await def.initialize?.({ model, experimental: {} } as never);
    expect(typeof done).toBe("function");
    const el = document.createElement("div");
    document.body.append(el);
    const undo = await def.render?.({ model, el, signal: outer.signal, experimental: {} } as never);
    expect(typeof undo).toBe("function");
    // the second branch shown once: its data path listens to the model too
    model.set("branch" as keyof Traits, "b" as never);
    await tick();
    runFrames();
    expect(el.querySelector(".meshlab-canvas")).not.toBeNull();
    const withDisplay = model.listenerCount();
    (undo as () => void)();
    expect(el.querySelector(".meshlab-canvas")).toBeNull();
    expect(model.listenerCount()).toBeLessThan(withDisplay);
    expect(model.listenerCount()).toBeGreaterThan(0); // the data path's, until the model closes
    (done as () => void)();
    expect(model.listenerCount()).toBe(0);
  });
});
