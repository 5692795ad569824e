// One rendered view of a canvas model: the shell that puts the DOM together and draws a frame.
// The playhead, selection and traits are the controller's (controller.ts), pointer and keys the
// input handler's (input.ts), each picture a renderer's (views.ts); frames come from frames.ts
// only when something changed or the clock runs. Every listener is tied to one AbortSignal:
// destroy() aborts it.
import { allLoaded, completeAt, progressOf, spanOf } from "./channel";
import { Controller, type DisplayState } from "./controller";
import { engineIn, type Deck } from "./deck";
import { DeckCache } from "./deck_cache";
import { Folder, busySince, isHung } from "./fold";
import { FrameLoop } from "./frames";
import { stackedStageHeight, stacksInspector } from "./frame_layout";
import { Input } from "./input";
import { InspectorPanel } from "./inspector_panel";
import { Legend } from "./legend";
import type { Model } from "./model";
import { THEME, applyTheme, prefersDark } from "./palette";
import type { Frame, Renderer, ViewContext } from "./renderer";
import { SceneBuilder, statusName } from "./scene";
import { Scrubber, fmtTime, type Marker } from "./scrubber";
import type { EventStore } from "./store";
import { CSS } from "./styles";
import { Toolbar } from "./toolbar";
import { K } from "./kinds";
import { VIEWS } from "./views";

export { nextMarker } from "./controller";

export interface ViewHandle {
  root: HTMLElement;
  store: EventStore;
  /** Jump the playhead and draw at once; returns the milliseconds the draw took. */
  setTime(t: number): number;
  drawNow(): number;
  /** Durations (ms) of recent frames drawn by the animation loop. */
  frameTimes: number[];
  /** Per actor at t: status, incarnation, node, restarts, mailbox, processed, crashed (drawn with a ✕), busy since (null idle), hung. */
  statusAt(t: number): Record<string, ActorRow>;
  /** statusAt at many times (sorted ascending folds forward once, without jumping back). */
  statusesAt(ts: number[]): Record<string, ActorRow>[];
  /** The MeshOS deck at each time (sorted ascending), as plain data: what the tests compare with behaviour_at. */
  decksAt(ts: number[]): DeckJson[];
  /** Aborted by destroy(): every listener of the view is registered with it. */
  signal: AbortSignal;
  /** True while an animation frame is requested (false when the view is idle). */
  framePending(): boolean;
  destroy(): void;
}

export interface ViewOptions {
  /** Destroy the view when this aborts (anywidget's render signal). */
  signal?: AbortSignal;
  /** The display's own state, when the display rebuilds its view (a branch switch) and keeps it. */
  display?: DisplayState;
}

/** One actor as the tests compare it with Trace.state_at (see ViewHandle.statusAt). */
type ActorRow = [string, number, string, number, number, number, boolean, number | null, boolean];

/** A Deck with its node map as a plain object, for JSON. */
type DeckJson = Omit<Deck, "nodes"> & { nodes: Record<string, unknown> };

function div(className: string): HTMLDivElement {
  const d = document.createElement("div");
  d.className = className;
  return d;
}

export function createView(el: HTMLElement, model: Model, store: EventStore, opts: ViewOptions = {}): ViewHandle {
  const abort = new AbortController();
  const { signal } = abort;
  opts.signal?.addEventListener("abort", () => destroy(), { signal });

  // -- the DOM ---------------------------------------------------------------------------------
  const root = div("meshlab-canvas");
  root.tabIndex = 0;
  root.dataset.ready = "0";
  root.dataset.loaded = "0";
  const style = document.createElement("style");
  style.textContent = CSS;
  const stage = div("ml-stage");
  const canvas = document.createElement("canvas");
  canvas.className = "ml-main";
  const tip = div("ml-tip");
  const empty = div("ml-empty");
  empty.textContent = "waiting for events…";
  stage.append(canvas, tip, empty);

  // -- state and the parts that act on it ------------------------------------------------------
  const folder = new Folder(store);
  signal.addEventListener("abort", () => folder.detach(), { once: true });
  const loop = new FrameLoop({ tick: (now, dt) => ctl.tick(now, dt), draw, busy: () => ctl.busy() }, signal);
  const ctl = new Controller(model, store, loop.invalidate, VIEWS.map((v) => v.name), opts.display);
  const deck = new DeckCache(store);
  const cx: ViewContext = { store, folder, builder: new SceneBuilder(), ctl, deck, root, stage, signal, invalidate: loop.invalidate };
  const renderers = new Map(VIEWS.map((v) => [v.name, v.create(cx)]));
  let shown = ctl.view();
  const renderer = (): Renderer => renderers.get(ctl.view()) as Renderer;

  const inspector = new InspectorPanel(store, folder, ctl, deck);
  const body = div("ml-body");
  body.append(stage, inspector.el);
  const legend = new Legend();
  const toolbar = new Toolbar(
    {
      play: () => {
        ctl.togglePlay();
        ctl.pushTime(true);
      },
      step: (dir) => ctl.step(dir),
      marker: (dir) => ctl.marker(dir),
      speed: (x) => ctl.setTraits({ speed: x }),
      view: (v) => ctl.chooseView(v), // this display only (controller.ts)
      toggle: (name, on) => ctl.setTraits({ [name]: on }),
      filter: (name, value) => ctl.setTraits({ [name]: value }),
      follow: () => ctl.follow(),
    },
    VIEWS,
    signal,
  );
  const scrubber = new Scrubber({
    scrub: (x, final) => ctl.setPlayhead(x, final),
    jump: (m: Marker) => {
      ctl.setPlayhead(m.t, true);
      const k = store.kind.data[m.row];
      if (k === K.actor_fail || k === K.actor_restart) ctl.select({ kind: "actor", id: store.str(store.actor.data[m.row]) });
      else ctl.select({ kind: "node", name: store.str(store.node.data[m.row]) });
    },
  }, signal);
  const input = new Input({ root, stage, canvas, tip }, ctl, renderer, loop.invalidate, signal);

  root.append(style, toolbar.el, body, scrubber.el, legend.el);
  el.append(root);
  root.style.height = `${Number(model.get("height")) || 520}px`;
  root.dataset.layout = "side";

  /** Stack the inspector under the plot when the canvas itself is narrow (frame_layout.ts). */
  function fitLayout(width: number): void {
    const stacked = stacksInspector(width);
    if (root.classList.contains("ml-stacked") === stacked) return;
    root.classList.toggle("ml-stacked", stacked);
    stage.style.height = stacked ? `${stackedStageHeight(Number(model.get("height")) || 520)}px` : "";
    root.dataset.layout = stacked ? "stacked" : "side";
  }

  // -- one frame ---------------------------------------------------------------------------------
  let stageW = 0;
  let stageH = 0;
  let frames = 0;
  let engine = false; // the store holds MeshOS engine events: draw the deck
  let engineSeen = 0; // rows already checked for them

  function draw(): number {
    const start = performance.now();
    const dpr = window.devicePixelRatio || 1;
    // Sizes come from the ResizeObserver: reading layout here would force a reflow per frame.
    if (stageW <= 0) [stageW, stageH] = [stage.clientWidth, stage.clientHeight];
    const w = Math.max(50, stageW);
    const h = Math.max(50, stageH);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return 0;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const dark = prefersDark(el.ownerDocument);
    if (dark !== THEME.dark || root.classList.contains("ml-dark") !== dark) {
      applyTheme(dark);
      root.classList.toggle("ml-dark", dark);
      legend.reset();
      inspector.reset();
    }
    root.dataset.theme = dark ? "dark" : "light";
    // Clear the whole canvas: the topology scene only covers the padded area inside it. The
    // clearRect lets Chromium drop the last frame's recorded drawing instead of replaying it
    // (frames drawn back to back without a paint, as a scrub does, piled up 50 at a time).
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(0, 0, w, h);
    const view = ctl.view();
    if (view !== shown) {
      renderers.get(shown)?.leave(); // no hit-testing against the last view's picture
      shown = view;
    }
    // While chunks still arrive, the playhead may sit past what is in (a canvas opened late in
    // the trace): it is kept inside the span the kernel announced, and the picture is drawn
    // only once every event at or before it is in, so a first frame is never a partial state.
    const [lo, hi] = spanOf(store);
    if (store.n && (ctl.t < lo || ctl.t > hi)) ctl.t = Math.max(lo, Math.min(hi, ctl.t));
    const complete = completeAt(store, ctl.t);
    const loaded = allLoaded(store);
    if (store.n && !complete) {
      const p = progressOf(store);
      empty.textContent = `loading events up to the playhead… ${store.n.toLocaleString("en-US")} of ${Math.max(p.total, store.n).toLocaleString("en-US")}`;
      empty.style.display = "";
      scrubber.update(store, ctl.t, { t0: lo, t1: hi, upTo: Math.min(hi, p.rest) });
    } else if (store.n) {
      if (!engine && store.n > engineSeen) engine = engineIn(store, engineSeen, store.n);
      engineSeen = store.n;
      ctl.resolveSelection();
      const filters = ctl.filters();
      const frame: Frame = {
        ctx,
        w,
        h,
        t: ctl.t,
        filters,
        metaNodes: ctl.meta().nodes ?? [],
        selectedActor: ctl.selectedActor,
        selectedNode: ctl.selectedNode,
        hoverActor: input.hoverActor,
        engine,
      };
      const r = renderer();
      r.paint(frame);
      empty.style.display = "none";
      inspector.update(view, r.foldsToPlayhead, engine);
      scrubber.update(store, ctl.t, loaded ? undefined : { t0: lo, t1: hi, upTo: Math.min(hi, progressOf(store).rest) });
      toolbar.options(
        [...store.actorClasses].map((c) => store.str(c)).sort(),
        [...store.msgTypes].map((c) => store.str(c)).sort(),
        { class_filter: filters.actorClass, type_filter: filters.msgType },
      );
      legend.render(store, engine);
    } else {
      ctx.clearRect(0, 0, w, h);
    }
    const t = ctl.t;
    toolbar.time.textContent = store.n ? `t = ${fmtTime(t)} s  / ${fmtTime(hi)}` : "";
    const f = ctl.filters();
    toolbar.sync({
      playing: ctl.playing(),
      speed: ctl.speed(),
      view,
      hide_system: f.hideSystem,
      supervision: f.supervision,
      class_filter: f.actorClass,
      type_filter: f.msgType,
      live: Boolean(ctl.meta().live),
      following: ctl.following,
    });
    frames++;
    root.dataset.time = String(t);
    root.dataset.view = view;
    root.dataset.rows = String(store.n);
    root.dataset.frame = String(frames);
    root.dataset.selected = String(model.get("selected") || "");
    // data-ready: the frame shows the whole state at the playhead; data-loaded: all is in
    const ready = complete ? "1" : "0";
    if (root.dataset.ready !== ready) root.dataset.ready = ready;
    if (root.dataset.loaded !== (loaded ? "1" : "0")) root.dataset.loaded = loaded ? "1" : "0";
    loop.drawn();
    input.updateTip(); // may mark a new hover ring dirty, for the next frame
    return performance.now() - start;
  }

  // -- what asks for a frame -----------------------------------------------------------------------
  ctl.listen(signal, () => input.hideTip());
  // the notebook's theme can change under a drawn canvas: redraw when it does
  const doc = el.ownerDocument;
  if (typeof MutationObserver === "function" && doc?.body) {
    const themeWatch = new MutationObserver(loop.invalidate);
    themeWatch.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
    signal.addEventListener("abort", () => themeWatch.disconnect(), { once: true });
  }
  if (typeof matchMedia === "function") matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", loop.invalidate, { signal });
  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) {
        if (e.target === stage) [stageW, stageH] = [e.contentRect.width, e.contentRect.height];
        else if (e.target === root) fitLayout(e.contentRect.width);
        else scrubber.width = e.contentRect.width;
      }
      loop.invalidate();
    });
    ro.observe(root);
    ro.observe(stage);
    ro.observe(scrubber.el);
    signal.addEventListener("abort", () => ro.disconnect(), { once: true });
  }
  loop.invalidate();
  if (opts.signal?.aborted) destroy();

  /** The fold's state of every actor at x, as the tests compare it with Trace.state_at. */
  function statusOf(x: number): Record<string, ActorRow> {
    const s = folder.stateAt(x);
    const out: Record<string, ActorRow> = {};
    for (let a = 0; a < store.actorCodes.length; a++) {
      const st = statusName(s, a, x);
      if (st === "absent") continue;
      const since = busySince(s, a, x);
      out[store.str(store.actorCodes[a])] = [st, s.incarnation[a], store.str(store.nodeCodes[s.node[a]]), s.restarts[a], s.mailbox[a], s.processed[a], s.failRow[a] >= 0, Number.isNaN(since) ? null : since, isHung(s, a, x)];
    }
    return out;
  }

  function destroy(): void {
    if (signal.aborted) return;
    abort.abort();
    root.remove();
  }

  return {
    root,
    store,
    frameTimes: loop.frameTimes,
    signal,
    setTime(x: number) {
      ctl.jumpLocal(x);
      return draw();
    },
    drawNow: () => draw(),
    statusAt(x: number) {
      const out = statusOf(x);
      folder.stateAt(ctl.t);
      return out;
    },
    statusesAt(ts: number[]) {
      const out = ts.map(statusOf);
      folder.stateAt(ctl.t);
      return out;
    },
    decksAt(ts: number[]) {
      const out = ts.map((x) => {
        const d = deck.at(x, () => folder.stateAt(x), ctl.desired());
        return { ...d, nodes: Object.fromEntries(d.nodes) };
      });
      folder.stateAt(ctl.t);
      return out;
    },
    framePending: () => loop.pending,
    destroy,
  };
}
