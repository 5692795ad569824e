// Forks and problems on the canvas. A canvas made with branches= shows one branch at a time:
// the `branch` trait names it, and switching rebuilds the view on that branch's own store at the
// same playhead (the `time` trait) and selection. A branch's events are asked for the first time
// it is shown and arrive as "branch_chunk" messages (the main channel reads only "chunk"). Over
// the scrubber an overlay draws the other branches' markers (hollow), where the shown branch
// parts from the main run, and a check problem's time range; the tabs above say which is shown.
import type { AnyModel } from "@anywidget/types";
import { attach, PerModel } from "./channel";
import { toBytes, type ChunkHeader } from "./decode";
import type { Model, Traits } from "./model";
import { cssVars, DARK_BRANCH, LIGHT_BRANCH, MARKER_COLOR } from "./palette";
import { fmtTime } from "./scrubber";
import { EventStore } from "./store";
import type { DisplayState } from "./controller";
import { createView, type ViewHandle, type ViewOptions } from "./view";

/** One branch as meshlab/canvas/branches.py describes it. */
export interface BranchInfo {
  name: string;
  label: string;
  /** When it parts from the main run (null: the main run, or identical to it). */
  diverges: number | null;
  /** [t, kind, text]: failures, restarts, node deaths and returns, partitions, heals. */
  markers: [number, string, string][];
}

export interface ProblemInfo {
  t: number;
  until: number;
  text: string;
  actors: string[];
  msg_types: string[];
}

interface BranchTraits extends Traits {
  branch: string;
  branches: BranchInfo[];
  problem: ProblemInfo | Record<string, never>;
}

type BranchModel = AnyModel<BranchTraits>;
type Buffers = (ArrayBuffer | ArrayBufferView)[];

// Per model, as the main run's store (channel.ts): every display's proxy of a model finds the
// same branch stores, so a branch is asked for and held once in the page.
const branchStores = new PerModel<Map<string, EventStore>>();
const branchOff = new PerModel<() => void>();

/**
 * Listen for the branches' chunks (from `initialize`: anywidget drops a display's listeners with
 * the display, and the stores outlive any one display). Returns the branch stores.
 */
export function attachBranches(model: Model): Map<string, EventStore> {
  let stores = branchStores.get(model);
  if (!stores) {
    const all = new Map<string, EventStore>();
    stores = all;
    branchStores.set(model, all);
    const onMsg = (msg: { type?: string; branch?: string; index?: number }, buffers?: Buffers) => {
      if (msg?.type !== "branch_chunk" || !msg.branch) return;
      const store = all.get(msg.branch);
      if (!store || msg.index !== store.chunks) return; // a resend of what it has, or a gap
      const buf = buffers && buffers[0];
      store.appendChunk(msg as unknown as ChunkHeader, buf ? toBytes(buf) : new Uint8Array(0));
    };
    model.on("msg:custom", onMsg);
    branchOff.set(model, () => model.off("msg:custom", onMsg));
  }
  return stores;
}

/** The store of branch `name` (the main one is the channel's), asking the kernel for its events. */
export function branchStore(model: Model, name: string, main: string): EventStore {
  if (!name || name === main) return attach(model);
  const stores = attachBranches(model);
  let store = stores.get(name);
  if (!store) {
    store = new EventStore();
    stores.set(name, store);
    model.send({ type: "sync", have: 0, branch: name });
  }
  return store;
}

/** Stop listening for the branches' chunks and forget their stores (the model is closed). */
export function detachBranches(model: Model): void {
  branchOff.get(model)?.();
  branchOff.delete(model);
  branchStores.delete(model);
}

/** Where a time falls along the scrubber, in percent (the scrubber's own formula). */
export function percentAt(store: EventStore, t: number): number {
  const t0 = store.t0;
  const t1 = store.t1 > store.t0 ? store.t1 : store.t0 + 1;
  return Math.max(0, Math.min(1, (t - t0) / (t1 - t0))) * 100;
}

/** Markers of the other branches, the shown one excluded, each with the branch it belongs to. */
export function otherMarkers(branches: BranchInfo[], shown: string): { branch: string; t: number; kind: string; text: string }[] {
  const out = [];
  for (const b of branches) {
    if (b.name === shown) continue;
    for (const [t, kind, text] of b.markers) out.push({ branch: b.name, t, kind, text });
  }
  return out;
}

const CSS = `
.ml-branch-host{${cssVars("br", LIGHT_BRANCH)}}
.ml-branch-host:has(.ml-dark){${cssVars("br", DARK_BRANCH)}}
.ml-branches{display:flex;gap:6px;align-items:center;margin:0 0 4px 0;font:12px system-ui,sans-serif;color:var(--ml-br-text)}
.ml-branch-tab{font:12px system-ui,sans-serif;padding:2px 8px;border:1px solid var(--ml-br-tabEdge);border-radius:4px;background:var(--ml-br-tabFill);color:var(--ml-br-tabText);cursor:pointer}
.ml-branch-tab[aria-pressed="true"]{background:var(--ml-br-on);border-color:var(--ml-br-on);color:var(--ml-br-onText)}
.ml-branch-hint{color:var(--ml-br-hint);margin-left:6px;display:inline-flex;align-items:center;gap:4px}
.ml-branch-hint i{display:inline-block;width:7px;height:7px;border:2px solid var(--ml-br-hint);border-radius:50%;box-sizing:border-box}
.ml-branch-hint b{display:inline-block;width:0;height:12px;border-left:2px dashed var(--ml-br-on);margin-left:6px}
.ml-branch-layer{position:absolute;left:0;right:0;top:0;bottom:0;pointer-events:none}
.ml-ghost{position:absolute;top:27px;width:7px;height:7px;margin-left:-3.5px;border:2px solid;border-radius:50%;background:transparent;box-sizing:border-box;pointer-events:auto}
.ml-diverge{position:absolute;top:0;height:36px;border-left:2px dashed var(--ml-br-on);margin-left:-1px;pointer-events:auto}
.ml-diverge span{position:absolute;left:3px;top:11px;font:10px system-ui,sans-serif;color:var(--ml-br-on);white-space:nowrap;background:var(--ml-br-labelFill)}
.ml-problem-text{margin:0 0 4px 0;font:12px system-ui,sans-serif;color:var(--ml-br-problemText)}
.ml-problem{position:absolute;top:8px;height:28px;background:var(--ml-br-problemFill);border-left:2px solid var(--ml-br-problemEdge);border-right:2px solid var(--ml-br-problemEdge);min-width:3px;box-sizing:border-box;pointer-events:auto}
`;

/** The canvas with its branches: the view of the shown branch, the tabs and the overlay. */
export function mountBranches(el: HTMLElement, model0: Model, opts: ViewOptions = {}): ViewHandle {
  const model = model0 as unknown as BranchModel;
  const branches = (): BranchInfo[] => (model.get("branches") as BranchInfo[] | null) ?? [];
  const main = (): string => branches()[0]?.name ?? String(model.get("branch") || "");
  const problem = (): ProblemInfo | null => {
    const p = model.get("problem") as ProblemInfo | null;
    return p && typeof p.t === "number" ? p : null;
  };
  if (!branches().length && !problem()) return createView(el, model0, attach(model0), opts);

  const wrap = document.createElement("div");
  wrap.className = "ml-branch-host";
  const style = document.createElement("style");
  style.textContent = CSS;
  const tabs = document.createElement("div");
  tabs.className = "ml-branches";
  const said = document.createElement("div");
  said.className = "ml-problem-text";
  const slot = document.createElement("div");
  wrap.append(style, tabs, said, slot);
  el.append(wrap);

  let shown = "";
  let view: ViewHandle | null = null;
  let layer: HTMLDivElement | null = null;
  let watch: MutationObserver | null = null;
  const abort = new AbortController();
  opts.signal?.addEventListener("abort", () => destroy(), { signal: abort.signal });
  const display: DisplayState = { view: null }; // the view this display shows, kept across branches

  function show(): void {
    const name = String(model.get("branch") || main());
    if (view && name === shown) return;
    view?.destroy();
    watch?.disconnect();
    shown = name;
    view = createView(slot, model0, branchStore(model0, name, main()), { signal: abort.signal, display });
    wrap.dataset.branch = name;
    layer = document.createElement("div");
    layer.className = "ml-branch-layer";
    view.root.querySelector(".ml-scrubber")?.append(layer);
    // the overlay is placed by the store's time range, which is known once events arrive
    watch = new MutationObserver(drawOverlay);
    watch.observe(view.root, { attributes: true, attributeFilter: ["data-rows"] });
    drawTabs();
    drawOverlay();
  }

  function drawTabs(): void {
    tabs.replaceChildren();
    const list = branches();
    if (!list.length) return;
    const lead = document.createElement("span");
    lead.textContent = "branch:";
    tabs.append(lead);
    for (const b of list) {
      const btn = document.createElement("button");
      btn.className = "ml-branch-tab";
      btn.dataset.name = b.name;
      btn.setAttribute("aria-pressed", String(b.name === shown));
      btn.textContent = b.diverges === null ? b.name : `${b.name} · parts at ${fmtTime(b.diverges)}`;
      btn.title = b.label + (b.diverges === null ? "" : ` — parts from ${list[0].name} at t=${fmtTime(b.diverges)}`);
      btn.addEventListener("click", () => {
        model.set("branch", b.name);
        model.save_changes();
      });
      tabs.append(btn);
    }
    if (list.length > 1) {
      // what the scrubber's extra marks mean (the legend below lists only the shown run's)
      const hint = document.createElement("span");
      hint.className = "ml-branch-hint";
      hint.append(document.createElement("i"), " the other branch's markers", document.createElement("b"), " where they part");
      tabs.append(hint);
    }
  }

  function drawOverlay(): void {
    if (!view || !layer) return;
    const store = view.store;
    layer.replaceChildren();
    wrap.dataset.overlay = "0";
    if (!store.n) return;
    const list = branches();
    for (const m of otherMarkers(list, shown)) {
      const g = document.createElement("div");
      g.className = "ml-ghost";
      g.style.left = `${percentAt(store, m.t).toFixed(3)}%`;
      g.style.borderColor = MARKER_COLOR[m.kind] ?? "var(--ml-br-hint)";
      g.title = `${m.branch}: ${m.text}`;
      g.dataset.t = String(m.t);
      g.dataset.kind = m.kind;
      g.dataset.branch = m.branch;
      layer.append(g);
    }
    const parts = list.find((b) => b.name === shown)?.diverges ?? list.find((b) => b.name !== shown && b.diverges !== null)?.diverges;
    if (list.length && parts !== null && parts !== undefined) {
      const d = document.createElement("div");
      d.className = "ml-diverge";
      d.style.left = `${percentAt(store, parts).toFixed(3)}%`;
      d.dataset.t = String(parts);
      d.title = `the branches part here, t=${fmtTime(parts)}: every event before is the same in both`;
      const label = document.createElement("span");
      label.textContent = `branches part ${fmtTime(parts)}`;
      d.append(label);
      layer.append(d);
    }
    const p = problem();
    said.textContent = p ? `problem: ${p.text}` : "";
    said.style.display = p ? "" : "none";
    if (p) {
      const band = document.createElement("div");
      band.className = "ml-problem";
      const a = percentAt(store, p.t);
      band.style.left = `${a.toFixed(3)}%`;
      band.style.width = `${Math.max(0, percentAt(store, p.until) - a).toFixed(3)}%`;
      band.title = p.text;
      band.dataset.t0 = String(p.t);
      band.dataset.t1 = String(p.until);
      layer.append(band);
    }
    wrap.dataset.overlay = "1";
  }

  const redraw = (): void => {
    drawTabs();
    drawOverlay();
  };
  model.on("change:branch", show);
  model.on("change:branches", redraw);
  model.on("change:problem", drawOverlay);

  function destroy(): void {
    if (abort.signal.aborted) return;
    abort.abort();
    model.off("change:branch", show);
    model.off("change:branches", redraw);
    model.off("change:problem", drawOverlay);
    watch?.disconnect();
    view?.destroy();
    wrap.remove();
  }

  show();
  const current = (): ViewHandle => view as ViewHandle;
  return {
    get root() {
      return current().root;
    },
    get store() {
      return current().store;
    },
    get frameTimes() {
      return current().frameTimes;
    },
    get signal() {
      return abort.signal;
    },
    setTime: (t) => current().setTime(t),
    drawNow: () => current().drawNow(),
    statusAt: (t) => current().statusAt(t),
    statusesAt: (ts) => current().statusesAt(ts),
    decksAt: (ts) => current().decksAt(ts),
    framePending: () => current().framePending(),
    destroy,
  };
}
