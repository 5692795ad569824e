// @vitest-environment happy-dom
// The whole view in a DOM, driven through the in-page model a standalone replay uses (as a
// notebook's model would drive it): chunk gaps and resync, the keyboard map, frames only when
// something changed, and that destroy() leaves no listener behind.
import { describe, expect, it, vi } from "vitest";
import { attach, detach } from "../src/channel";
import { keyCommand } from "../src/input";
import { SYNCED, type Traits } from "../src/model";
import { LocalModel, mountStandalone, type EmbeddedChunk } from "../src/standalone";
import type { EventStore } from "../src/store";
import { createView, type ViewHandle } from "../src/view";
import { VIEWS } from "../src/views";
import { stubViewDomEachTest } from "./dom_stubs";
import { frameClock, runFrames } from "./frames";
import { Encoder, randomRun } from "./helpers";


const tick = () => new Promise((r) => setTimeout(r, 0));

stubViewDomEachTest();

// -- a trace cut into chunks as the kernel sends them --------------------------------------------
function chunks(parts = 4, seed = 7): EmbeddedChunk[] {
  const evs = randomRun(seed, 8, 240);
  const enc = new Encoder();
  const size = Math.ceil(evs.length / parts);
  const out: EmbeddedChunk[] = [];
  for (let i = 0; i < evs.length; i += size) {
    const { header, bytes } = enc.chunk(evs.slice(i, i + size));
    out.push({ header, data: bytes });
  }
  return out;
}

const STATE: Partial<Traits> = { time: 0, selected: "", playing: false, speed: 1, view: "topology", lanes: "auto", hide_system: false, supervision: false, class_filter: "", type_filter: "", meta: {}, height: 400 };

/** The in-page model, recording what the front end sends to the "kernel". */
class RecordingModel extends LocalModel {
  sent: { type?: string; have?: number }[] = [];
  /** Chunk indexes lost on their first delivery (a dropped message). */
  lose = new Set<number>();
  private readonly all: EmbeddedChunk[];
  constructor(state: Partial<Traits>, all: EmbeddedChunk[]) {
    super(state, all);
    this.all = all;
  }
  send(content: unknown): void {
    const msg = content as { type?: string; have?: number };
    this.sent.push(msg);
    if (!this.lose.size) return super.send(content);
    const from = msg.have ?? 0;
    setTimeout(() => {
      for (const c of this.all.slice(from)) {
        if (!this.lose.delete(c.header.index)) this.deliver(c);
      }
    }, 0);
  }
  deliver(c: EmbeddedChunk): void {
    const u8 = c.data as Uint8Array;
    this.emit("msg:custom", c.header, [new DataView(u8.buffer, u8.byteOffset, u8.byteLength)]);
  }
}

function mount(model: LocalModel): { view: ViewHandle; store: EventStore; el: HTMLElement } {
  const el = document.createElement("div");
  document.body.append(el);
  const store = attach(model);
  const view = createView(el, model, store);
  sized(view);
  return { view, store, el };
}

/** happy-dom lays nothing out: give the stage the size a notebook cell would. */
function sized(view: ViewHandle): void {
  const stage = view.root.querySelector(".ml-stage") as HTMLElement;
  Object.defineProperty(stage, "clientWidth", { value: 900 });
  Object.defineProperty(stage, "clientHeight", { value: 460 });
}

async function loaded(model: RecordingModel, n: number): Promise<ViewHandle> {
  const { view, store } = mount(model);
  for (let i = 0; i < 10 && store.chunks < n; i++) await tick();
  expect(store.chunks).toBe(n);
  runFrames();
  return view;
}

describe("the traits", () => {
  it("the model's type names every synced trait", () => {
    expect(Object.keys(STATE).sort()).toEqual([...SYNCED].sort());
  });

  it("every registered view has a distinct name, the first is the default", () => {
    const names = VIEWS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe("topology");
  });
});

describe("chunks from the kernel", () => {
  it("asks for everything on start and draws what arrives", async () => {
    const all = chunks();
    const model = new RecordingModel(STATE, all);
    const view = await loaded(model, all.length);
    expect(model.sent).toEqual([{ type: "sync", have: 0 }]);
    expect(view.root.dataset.ready).toBe("1");
    expect(Number(view.root.dataset.rows)).toBe(view.store.n);
    expect(view.store.n).toBe(all.reduce((n, c) => n + c.header.rows, 0));
  });

  it("a gap asks again from what it has, once per gap, and a resend is ignored", async () => {
    const all = chunks(5);
    const model = new RecordingModel(STATE, all);
    model.lose.add(2); // chunk 2 lost: 3 and 4 arrive after a gap
    const { store } = mount(model);
    await tick();
    // 0 and 1 taken; 3 is beyond a gap (ask from 2); 4 is the same gap (no second ask) ...
    // ... and the resync answers from 2 on.
    for (let i = 0; i < 10 && store.chunks < all.length; i++) await tick();
    expect(store.chunks).toBe(all.length);
    expect(model.sent).toEqual([
      { type: "sync", have: 0 },
      { type: "sync", have: 2 },
    ]);
    const n = store.n;
    model.deliver(all[1]); // a resend meant for another view of the same model
    expect(store.n).toBe(n);
    expect(store.chunks).toBe(all.length);
  });

  it("a chunk appended later (a live stream) redraws with one frame", async () => {
    const all = chunks(4);
    const model = new RecordingModel(STATE, all.slice(0, 3));
    const view = await loaded(model, 3);
    expect(view.framePending()).toBe(false);
    const rows = view.store.n;
    model.push(all[3]);
    expect(view.framePending()).toBe(true);
    runFrames();
    expect(Number(view.root.dataset.rows)).toBeGreaterThan(rows);
    expect(view.framePending()).toBe(false);
  });
});

describe("two views of one model", () => {
  it("share the data and the traits; each draws its own frames", async () => {
    const model = new RecordingModel(STATE, chunks());
    const a = await loaded(model, 4);
    const { view: b } = mount(model);
    runFrames();
    expect(b.store).toBe(a.store); // one data path per model
    expect(model.sent.filter((m) => m.type === "sync")).toHaveLength(1);
    expect(b.root.dataset.rows).toBe(a.root.dataset.rows);
    // a key in one view moves the other's playhead and selection too
    a.root.dispatchEvent(new KeyboardEvent("keydown", { key: "End", cancelable: true }));
    model.set("selected", "a1");
    runFrames();
    expect(Number(b.root.dataset.time)).toBe(a.store.t1);
    expect(b.root.dataset.selected).toBe("a1");
    // destroying one leaves the other drawing
    a.destroy();
    model.set("time", a.store.t0);
    expect(runFrames()).toBe(1);
    expect(Number(b.root.dataset.time)).toBe(a.store.t0);
    expect(b.framePending()).toBe(false);
  });
});

describe("animation frames", () => {
  it("none is requested while nothing changes; one per change; a stream of them while playing", async () => {
    const model = new RecordingModel(STATE, chunks());
    const view = await loaded(model, 4);
    const drawn = Number(view.root.dataset.frame);
    // idle: nothing asks for a frame, however long we wait
    const before = frameClock.requests;
    for (let i = 0; i < 5; i++) await tick();
    expect(runFrames()).toBe(0);
    expect(frameClock.requests).toBe(before);
    expect(view.framePending()).toBe(false);
    // a change from the kernel: one frame, then idle again
    model.set("time", (view.store.t0 + view.store.t1) / 2);
    expect(runFrames()).toBe(1);
    expect(Number(view.root.dataset.frame)).toBe(drawn + 1);
    expect(view.framePending()).toBe(false);
    // playing: frames keep coming, the playhead moves, until paused
    model.set("playing", true);
    expect(runFrames(20)).toBe(20);
    expect(view.framePending()).toBe(true);
    const t = Number(view.root.dataset.time);
    expect(t).toBeGreaterThan((view.store.t0 + view.store.t1) / 2);
    model.set("playing", false);
    runFrames(); // the pause is drawn, then the pushed time settles
    expect(view.framePending()).toBe(false);
    // the first frame after idling advances by at most one frame, not by the idle time
    frameClock.now += 60_000;
    model.set("playing", true);
    const t1 = Number(view.root.dataset.time);
    runFrames(1);
    expect(Number(view.root.dataset.time) - t1).toBeLessThan(0.1);
    model.set("playing", false);
  });

  it("a live stream played to its end waits for data without frames, and plays on when it comes", async () => {
    const all = chunks(4);
    const model = new RecordingModel({ ...STATE, playing: true, meta: { live: true } }, all.slice(0, 3));
    const view = await loaded(model, 3);
    expect(Number(view.root.dataset.time)).toBe(view.store.t1); // live: follows the end
    expect(view.framePending()).toBe(false);
    expect(model.get("playing")).toBe(true);
    const t1 = view.store.t1;
    model.push(all[3]);
    expect(runFrames()).toBeGreaterThan(0);
    expect(Number(view.root.dataset.time)).toBe(view.store.t1);
    expect(view.store.t1).toBeGreaterThan(t1);
    expect(view.framePending()).toBe(false);
    // scrubbed back while live, playing runs forward frame by frame up to the end
    model.set("time", view.store.t0);
    expect(runFrames(5)).toBe(5);
    expect(view.framePending()).toBe(true);
    expect(Number(view.root.dataset.time)).toBeGreaterThan(view.store.t0);
  });

  it("a key pushes the playhead to the kernel at once, and frames stop after the redraw", async () => {
    const model = new RecordingModel(STATE, chunks());
    const view = await loaded(model, 4);
    const pushes: number[] = [];
    model.on("change:time", () => pushes.push(model.get("time")));
    // arrow keys push at once (a final position)
    view.root.dispatchEvent(new KeyboardEvent("keydown", { key: "End" }));
    expect(pushes.at(-1)).toBe(view.store.t1);
    runFrames();
    expect(view.framePending()).toBe(false);
  });
});

describe("the keyboard map", () => {
  it("maps keys to commands", () => {
    expect(keyCommand(" ", false)).toEqual({ command: "play" });
    expect(keyCommand("ArrowRight", false)).toEqual({ command: "step", dir: 1 });
    expect(keyCommand("ArrowLeft", true)).toEqual({ command: "marker", dir: -1 });
    expect(keyCommand("+", false)).toEqual({ command: "faster" });
    expect(keyCommand("=", false)).toEqual({ command: "faster" });
    expect(keyCommand("-", false)).toEqual({ command: "slower" });
    expect(keyCommand("Home", false)).toEqual({ command: "home" });
    expect(keyCommand("End", false)).toEqual({ command: "end" });
    expect(keyCommand("v", false)).toEqual({ command: "view" });
    expect(keyCommand("c", false)).toEqual({ command: "fold" });
    expect(keyCommand("Escape", false)).toEqual({ command: "deselect" });
    expect(keyCommand("x", false)).toBeNull();
  });

  it("keys on the canvas change the traits as the kernel sees them", async () => {
    const model = new RecordingModel(STATE, chunks());
    const view = await loaded(model, 4);
    const { store, root } = view;
    const press = (key: string, shiftKey = false) => {
      const e = new KeyboardEvent("keydown", { key, shiftKey, cancelable: true, bubbles: true });
      root.dispatchEvent(e);
      runFrames();
      return e.defaultPrevented;
    };
    expect(press("End")).toBe(true);
    expect(model.get("time")).toBe(store.t1);
    expect(press("Home")).toBe(true);
    expect(model.get("time")).toBe(store.t0);
    press("ArrowRight");
    expect(model.get("time")).toBe(store.stepTime(store.t0, 1));
    press("ArrowLeft");
    expect(model.get("time")).toBe(store.t0);
    // shift+→: the first marker (a failure, restart, node change or cut) after the start
    press("ArrowRight", true);
    const marker = Math.min(...Array.from(store.markers.data.subarray(0, store.markers.length), (r) => store.t.data[r]).filter((x) => x > store.t0));
    expect(model.get("time")).toBe(marker);
    press("+");
    expect(model.get("speed")).toBe(2);
    press("-");
    press("-");
    expect(model.get("speed")).toBe(0.5);
    press(" ");
    expect(model.get("playing")).toBe(true);
    press(" ");
    expect(model.get("playing")).toBe(false);
    // v cycles through the registered views, in order, back to the first
    for (const v of [...VIEWS.slice(1), VIEWS[0]]) {
      press("v");
      expect(model.get("view")).toBe(v.name);
    }
    // c folds the selection's subtree in the tree view only
    model.set("selected", "a0");
    runFrames();
    expect(press("c")).toBe(false); // topology: left to the page
    model.set("view", "tree");
    runFrames();
    expect(root.dataset.treeHidden).toBe("0");
    expect(press("c")).toBe(true);
    expect(Number(root.dataset.treeHidden)).toBeGreaterThan(0);
    press("c");
    expect(root.dataset.treeHidden).toBe("0");
    press("Escape");
    expect(model.get("selected")).toBe("");
    // a key that means nothing here is left to the page
    expect(press("q")).toBe(false);
    // keys typed into the toolbar's selects are theirs
    const select = root.querySelector("select.ml-speed") as HTMLSelectElement;
    const e = new KeyboardEvent("keydown", { key: "End", bubbles: true, cancelable: true });
    select.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
    // and so are keys typed into a text field inside the canvas (a view's search box)
    const field = document.createElement("input");
    field.type = "search";
    view.root.querySelector(".ml-stage")?.append(field);
    const shown = model.get("view");
    const typed = new KeyboardEvent("keydown", { key: "v", bubbles: true, cancelable: true });
    field.dispatchEvent(typed);
    expect(typed.defaultPrevented).toBe(false);
    expect(model.get("view")).toBe(shown);
  });
});

describe("destroy", () => {
  type Entry = { target: EventTarget; type: string; cb: unknown; signal?: AbortSignal; removed: boolean };

  /** The object on this one's prototype chain that defines addEventListener. */
  function owner(o: EventTarget): EventTarget {
    let p: EventTarget | null = o;
    while (p && !Object.prototype.hasOwnProperty.call(p, "addEventListener")) p = Object.getPrototypeOf(p) as EventTarget | null;
    if (!p) throw new Error("no addEventListener on the prototype chain");
    return p;
  }

  function recordListeners(): Entry[] {
    const log: Entry[] = [];
    // happy-dom's elements, window, signals and media queries (a media query list has its own method)
    const protos = new Set([owner(document.createElement("div")), owner(matchMedia("(min-width: 1px)")), owner(EventTarget.prototype)]);
    for (const proto of protos) {
      const add = proto.addEventListener;
      const remove = proto.removeEventListener;
      vi.spyOn(proto, "addEventListener").mockImplementation(function (this: EventTarget, type, cb, opts) {
        const signal = typeof opts === "object" && opts ? opts.signal : undefined;
        log.push({ target: this, type, cb, signal, removed: false });
        return add.call(this, type, cb, opts);
      });
      vi.spyOn(proto, "removeEventListener").mockImplementation(function (this: EventTarget, type, cb, opts) {
        for (const e of log) if (e.target === this && e.type === type && e.cb === cb) e.removed = true;
        return remove.call(this, type, cb, opts);
      });
    }
    return log;
  }

  it("removes every listener: the page's, the model's, the store's, the view's own", async () => {
    const log = recordListeners();
    const all = chunks();
    const model = new RecordingModel(STATE, all);
    const channelOnly = () => model.listenerCount();
    const store = attach(model);
    await tick();
    const base = channelOnly(); // the data path's own listener (the model's, not the view's)
    const el = document.createElement("div");
    document.body.append(el);
    const view = createView(el, model, store);
    sized(view);
    runFrames();
    // hover, click, play: the inspector and markers fill in, frames are in flight
    const canvas = view.root.querySelector("canvas.ml-main") as HTMLCanvasElement;
    canvas.dispatchEvent(new MouseEvent("mousemove", { clientX: 40, clientY: 40 }));
    canvas.dispatchEvent(new MouseEvent("click", { clientX: 40, clientY: 40 }));
    model.set("playing", true);
    runFrames(3);
    expect(model.listenerCount()).toBeGreaterThan(base);
    // what is counted: the canvas's pointer and wheel, the root's keys, the toolbar, the scrubber
    const canvasTypes = log.filter((e) => e.target === canvas).map((e) => e.type);
    expect(canvasTypes.sort()).toEqual(["click", "dblclick", "mouseleave", "mousemove", "wheel"]);
    expect(log.filter((e) => e.target === view.root).map((e) => e.type)).toContain("keydown");
    expect(log.length).toBeGreaterThan(20);
    const storeListeners = (Reflect.get(store, "listeners") as Set<unknown>).size;
    expect(storeListeners).toBeGreaterThan(0);

    view.destroy();
    expect(view.signal.aborted).toBe(true);
    expect(view.root.isConnected).toBe(false);
    expect(view.framePending()).toBe(false);
    expect(runFrames()).toBe(0);
    expect(model.listenerCount()).toBe(base);
    expect((Reflect.get(store, "listeners") as Set<unknown>).size).toBe(0);
    // every DOM listener was removed or tied to the aborted signal, except the links inside
    // the inspector and the scrubber's marker buttons, which are rebuilt with their panels
    // and gone with the view's elements
    const inside = (e: Entry) => e.target instanceof Element && e.target.closest(".ml-inspector, .ml-markers") !== null;
    const spent = (e: Entry) => e.target instanceof AbortSignal && e.target.aborted; // fired, never again
    // one registration may pass through two methods (a media query list's calls EventTarget's
    // without the options: happy-dom's does): it is gone if either saw it go
    const gone = (e: Entry) => log.some((o) => o.target === e.target && o.type === e.type && o.cb === e.cb && (o.removed || o.signal?.aborted));
    const left = log.filter((e) => !gone(e) && !inside(e) && !spent(e));
    expect(left.map((e) => `${(e.target as Element).className ?? e.target}:${e.type}`)).toEqual([]);
    expect(log.filter((e) => e.target === document || e.target === window).every((e) => e.removed || e.signal?.aborted)).toBe(true);
    // a change after destroy draws nothing and asks for no frame
    const requests = frameClock.requests;
    model.set("time", 1);
    model.push(all[0]);
    expect(frameClock.requests).toBe(requests);
    expect(view.framePending()).toBe(false);
    // the model closes: the data path lets go of it too
    detach(model);
    expect(model.listenerCount()).toBe(0);
  });

  it("the replay page's own key listener goes with its view", async () => {
    const log = recordListeners();
    const el = document.createElement("div");
    document.body.append(el);
    const { model, view } = mountStandalone(el, { state: STATE, chunks: chunks() });
    sized(view);
    for (let i = 0; i < 10 && !view.store.n; i++) await tick();
    runFrames();
    // the keys work from the page, without a click on the canvas first
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true, cancelable: true }));
    expect(model.get("time")).toBe(view.store.t1);
    const onDoc = log.filter((e) => e.target === document);
    expect(onDoc.map((e) => e.type)).toEqual(["keydown"]);
    view.destroy();
    expect(onDoc.every((e) => e.removed || e.signal?.aborted)).toBe(true);
  });

  it("follows a signal given at creation (anywidget's render signal)", async () => {
    const model = new RecordingModel(STATE, chunks());
    const el = document.createElement("div");
    document.body.append(el);
    const outer = new AbortController();
    const view = createView(el, model, attach(model), { signal: outer.signal });
    await tick();
    runFrames();
    expect(view.root.isConnected).toBe(true);
    outer.abort();
    expect(view.signal.aborted).toBe(true);
    expect(view.root.isConnected).toBe(false);
  });
});
