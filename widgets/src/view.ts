// One rendered view of a canvas model: DOM, animation loop, input, and the two-way binding of
// the synced traits. Data comes from the model's EventStore; the playhead state is this view's.
import { advance, clampSpeed, due, nextSpeed } from "./clock";
import { Folder, HUNG_AFTER, busySince, isHung } from "./fold";
import { renderActor, renderNode } from "./inspector";
import { K } from "./kinds";
import { formatSelected, parseSelected, type Meta, type Model, type Selection } from "./model";
import { paintTopology } from "./draw_topology";
import { deckAt, hasEngine, type Deck, type DesiredMeta } from "./deck";
import { paintDeck } from "./draw_deck";
import { renderDeckNode, renderDeckSummary } from "./inspector_deck";
import { paintTree, treeScene } from "./draw_tree";
import { DROP, HANDLER_ERROR, HEAT, HUNG, MAINT_COLOR, MARKER_COLOR, STATUS_COLOR, THEME, TRANSIT, applyTheme, prefersDark, typeColor } from "./palette";
import { SceneBuilder, statusName, type Filters, type Scene } from "./scene";
import { MARKER_NAMES, Scrubber, fmtTime, type Marker } from "./scrubber";
import { chooseLanes, paintSpacetime, type LaneMode, type SpacetimeHit } from "./spacetime";
import type { EventStore } from "./store";
import { CSS } from "./styles";
import { Toolbar } from "./toolbar";

export interface ViewHandle {
  root: HTMLElement;
  store: EventStore;
  /** Jump the playhead and draw at once; returns the milliseconds the draw took. */
  setTime(t: number): number;
  drawNow(): number;
  /** Durations (ms) of recent frames drawn by the animation loop. */
  frameTimes: number[];
  /** Every actor spawned by t: [status, incarnation, node, restarts, mailbox, processed]. */
  /** Per actor at t: status, incarnation, node, restarts, mailbox, processed, crashed (drawn with a ✕), busy since (null idle), hung. */
  statusAt(t: number): Record<string, ActorRow>;
  /** statusAt at many times (sorted ascending folds forward once, without jumping back). */
  statusesAt(ts: number[]): Record<string, ActorRow>[];
  /** The MeshOS deck at each time (sorted ascending), as plain data: what the tests compare with behaviour_at. */
  decksAt(ts: number[]): DeckJson[];
  destroy(): void;
}

/** One actor as the tests compare it with Trace.state_at (see ViewHandle.statusAt). */
type ActorRow = [string, number, string, number, number, number, boolean, number | null, boolean];

/** A Deck with its node map as a plain object, for JSON. */
type DeckJson = Omit<Deck, "nodes"> & { nodes: Record<string, unknown> };

const SYNC_GAP_MS = 200; // playhead updates to the kernel: at most five per second

type ViewName = "topology" | "tree" | "spacetime";
/** The `v` key cycles through the views. */
const NEXT_VIEW: Record<ViewName, ViewName> = { topology: "tree", tree: "spacetime", spacetime: "topology" };

export function createView(el: HTMLElement, model: Model, store: EventStore): ViewHandle {
  const root = document.createElement("div");
  root.className = "meshlab-canvas";
  root.tabIndex = 0;
  root.dataset.ready = "0";
  const style = document.createElement("style");
  style.textContent = CSS;
  const stage = document.createElement("div");
  stage.className = "ml-stage";
  const canvas = document.createElement("canvas");
  canvas.className = "ml-main";
  const tip = document.createElement("div");
  tip.className = "ml-tip";
  const empty = document.createElement("div");
  empty.className = "ml-empty";
  empty.textContent = "waiting for events…";
  stage.append(canvas, tip, empty);
  const inspector = document.createElement("div");
  inspector.className = "ml-inspector";
  const body = document.createElement("div");
  body.className = "ml-body";
  body.append(stage, inspector);
  const legend = document.createElement("div");
  legend.className = "ml-legend";

  const folder = new Folder(store);
  const builder = new SceneBuilder();

  // UI-only state (never synced)
  let t = Number(model.get("time")) || 0;
  let ownTime = t; // the last time this view pushed, to tell our echo from a kernel change
  let lastPush = 0;
  let pushPending = false;
  let dirty = true;
  let following = false;
  let hoverActor = -1;
  let span = 0; // space-time window width, 0 = auto
  let lastScene: Scene | null = null;
  let stageW = 0;
  let stageH = 0;
  let legendKey = "";
  let lastST: SpacetimeHit | null = null;
  let inspectorKey = "";
  let lastInspector = 0;
  let frames = 0;
  let raf = 0;
  let lastNow = performance.now();
  let selectedActor = -1;
  let selectedNode = -1;
  let lastDeck: Deck | null = null;
  let deckN = 0; // store rows when lastDeck was folded
  let engine = false; // the store holds MeshOS engine events: draw the deck
  const frameTimes: number[] = [];

  const get = {
    playing: () => Boolean(model.get("playing")),
    speed: () => clampSpeed(Number(model.get("speed")) || 1),
    view: (): ViewName => {
      const v = model.get("view");
      return v === "spacetime" || v === "tree" ? v : "topology";
    },
    lanes: () => (model.get("lanes") || "auto") as LaneMode,
    meta: () => (model.get("meta") || {}) as Meta,
    selection: (): Selection => parseSelected(model.get("selected")),
    filters: (): Filters => ({
      hideSystem: Boolean(model.get("hide_system")),
      supervision: Boolean(model.get("supervision")),
      actorClass: String(model.get("class_filter") || ""),
      msgType: String(model.get("type_filter") || ""),
    }),
  };

  const desired = (): DesiredMeta => ((get.meta() as Meta & { meshos?: DesiredMeta }).meshos ?? {});

  const setTraits = (kv: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(kv)) model.set(k, v);
    model.save_changes();
  };

  const pushTime = (final: boolean) => {
    const now = performance.now();
    if (final || due(lastPush, now, SYNC_GAP_MS)) {
      lastPush = now;
      pushPending = false;
      ownTime = t;
      setTraits({ time: t });
    } else pushPending = true;
  };

  const setPlayhead = (x: number, final: boolean) => {
    t = Math.max(store.t0, Math.min(store.t1, x));
    following = false;
    dirty = true;
    pushTime(final);
  };

  const select = (sel: Selection) => {
    setTraits({ selected: formatSelected(sel) });
    dirty = true;
  };

  const toolbar = new Toolbar({
    play: () => {
      if (!get.playing() && t >= store.t1) t = store.t0; // replay from the start
      setTraits({ playing: !get.playing() });
      pushTime(true);
    },
    step: (dir) => {
      setPlayhead(store.stepTime(t, dir), true);
    },
    marker: (dir) => {
      const m = nextMarker(store, t, dir);
      if (m !== null) setPlayhead(m, true);
    },
    speed: (x) => setTraits({ speed: clampSpeed(x) }),
    view: (v) => setTraits({ view: v }),
    toggle: (name, on) => setTraits({ [name]: on }),
    filter: (name, value) => setTraits({ [name]: value }),
    follow: () => {
      following = true;
      dirty = true;
    },
  });

  const scrubber = new Scrubber({
    scrub: (x, final) => setPlayhead(x, final),
    jump: (m: Marker) => {
      setPlayhead(m.t, true);
      const k = store.kind.data[m.row];
      if (k === K.actor_fail || k === K.actor_restart) {
        select({ kind: "actor", id: store.str(store.actor.data[m.row]) });
      } else select({ kind: "node", name: store.str(store.node.data[m.row]) });
    },
  });

  root.append(style, toolbar.el, body, scrubber.el, legend);
  el.append(root);
  root.style.height = `${Number(model.get("height")) || 520}px`;

  const inspectorHandlers = {
    selectActor: (a: number) => select({ kind: "actor", id: store.str(store.actorCodes[a]) }),
    selectNode: (n: number) => select({ kind: "node", name: store.str(store.nodeCodes[n]) }),
    jump: (x: number) => setPlayhead(x, true),
  };

  function resolveSelection(): void {
    const sel = get.selection();
    selectedActor = -1;
    selectedNode = -1;
    if (sel.kind === "actor") {
      const code = store.strings.indexOf(sel.id);
      selectedActor = code >= 0 ? (store.actorOf.get(code) ?? -1) : -1;
    } else if (sel.kind === "node") {
      const code = store.strings.indexOf(sel.name);
      selectedNode = code >= 0 ? (store.nodeOf.get(code) ?? -1) : -1;
    }
  }

  function renderLegend(): void {
    const key = `${store.msgTypes.size}:${engine}:${THEME.dark}`;
    if (key === legendKey) return;
    legendKey = key;
    const parts = Object.entries(STATUS_COLOR).map(([k, c]) =>
      k === "restarting"
        ? `<span><i class="ml-sw" style="background:${STATUS_COLOR.failed};outline:2px dashed ${c}"></i>${k}</span>` +
          `<span><i class="ml-sw" style="background:transparent;border:1.5px solid ${STATUS_COLOR.stopped};outline:2px dashed ${c}"></i>shut down to restart</span>`
        : `<span><i class="ml-sw" style="background:${c}"></i>${k}</span>`,
    );
    let i = 0;
    for (const code of store.msgTypes) {
      if (i >= 8) break;
      parts.push(`<span><i class="ml-sw" style="background:${typeColor(i)};border-radius:2px"></i>${escapeHtml(store.str(code))}</span>`);
      i++;
    }
    parts.push(
      `<span><i class="ml-sw" style="background:${STATUS_COLOR.busy};outline:2.5px solid ${HUNG}"></i>hung (busy &gt; ${HUNG_AFTER} s in one handler)</span>` +
        `<span><i class="ml-sw" style="background:${HANDLER_ERROR};border-radius:50%;color:#fff;font:bold 8px sans-serif;text-align:center;line-height:10px">!</i>handler error</span>`,
    );
    parts.push(`<span style="color:${THEME.dark ? "#ced4da" : DROP}">✕ dropped message</span><span style="color:#7b2cbf">┄✂┄ partition</span><span>■ system actor</span><span>↻n restarts</span>`);
    if (engine) {
      // the MeshOS deck: maintenance outlines, copies moving, heat, daemons, drift
      const states = ["cordoned", "entering_maintenance", "maintenance", "drain_failed", "exiting_maintenance", "recovery"];
      const sw = states.map((k) => `<span><i class="ml-sw" style="background:transparent;border:2.5px ${k === "cordoned" ? "dashed" : "solid"} ${MAINT_COLOR[k]};border-radius:2px"></i>${k.replace(/_/g, " ")}</span>`);
      parts.push(
        `<span class="ml-lg-group ml-lg-deck"><span class="ml-lg-title">MeshOS</span>${sw.join("")}` +
          `<span><i class="ml-sw" style="background:${TRANSIT};border-radius:1px"></i>copy in transit</span>` +
          `<span style="color:${HEAT}">⚡n actions on the node</span><span>◆n daemons up</span>` +
          `<span><i class="ml-sw" style="background:${STATUS_COLOR.restarting};border-radius:3px;width:16px"></i>drift (blobs short)</span></span>`,
      );
    }
    const markers = MARKER_NAMES.map(([k, name]) => `<span><i class="ml-dia" style="background:${MARKER_COLOR[k]}"></i>${name}</span>`);
    legend.innerHTML = `<span class="ml-lg-group ml-lg-markers"><span class="ml-lg-title">timeline ◆</span>${markers.join("")}</span>${parts.join("")}`;
  }

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
      legendKey = "";
      inspectorKey = "";
    }
    root.dataset.theme = dark ? "dark" : "light";
    // Clear the whole canvas: the topology scene only covers the padded area inside it.
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(0, 0, w, h);
    if (store.n) {
      engine = engine || hasEngine(store);
      if (t < store.t0 || t > store.t1) t = Math.max(store.t0, Math.min(store.t1, t));
      resolveSelection();
      const f = get.filters();
      const meta = get.meta();
      const metaNodes = meta.nodes ?? [];
      if (get.view() === "spacetime") {
        const lanes = chooseLanes(store, f, get.lanes(), metaNodes);
        const fullSpan = Math.max(1e-9, store.t1 - store.t0);
        const sp = span > 0 ? span : Math.max(fullSpan / 6, 1e-6);
        const typeOf = (code: number) => typeColor(builder.typeIndex(store, code));
        const selLane = lanes.byActors ? (selectedActor >= 0 ? lanes.laneOf[selectedActor] : -1) : selectedNode >= 0 ? lanes.laneOf[selectedNode] : -1;
        lastST = paintSpacetime(ctx, store, { t, span: sp, width: w, height: h }, lanes, f, typeOf, selLane);
        lastScene = null;
      } else if (get.view() === "tree") {
        const sc = builder.build(store, folder, t, { x: 10, y: 10, w: w - 20, h: h - 20 }, { ...f, supervision: false }, get.speed(), metaNodes, typeColor);
        const tree = treeScene(sc, store, { x: 16, y: 12, w: w - 32, h: h - 24 }, collapsed);
        root.dataset.treeHidden = String(tree.hidden);
        lastScene = tree;
        paintTree(ctx, tree, { selectedActor, hoverActor });
        lastST = null;
        root.dataset.lod = sc.lod.aggregateActors ? "aggregate" : "detail";
        if (sc.lod.aggregateActors) {
          ctx.fillStyle = "#555";
          ctx.textAlign = "center";
          ctx.fillText(`${sc.visibleActors.toLocaleString()} actors: too many for the tree view yet; filter by class or hide system actors`, w / 2, h / 2);
        }
        const sel = selectedActor >= 0 ? tree.actors.find((a) => a.idx === selectedActor) : undefined;
        if (sel) root.dataset.selectedXy = `${sel.x.toFixed(1)},${sel.y.toFixed(1)},${sel.r.toFixed(1)}`;
        else delete root.dataset.selectedXy;
      } else {
        lastScene = builder.build(store, folder, t, { x: 10, y: 10, w: w - 20, h: h - 20 }, f, get.speed(), metaNodes, typeColor);
        paintTopology(ctx, lastScene, { selectedActor, selectedNode, hoverActor });
        engine = engine || hasEngine(store);
        // the deck changes with the playhead and the data; a redraw for a hover reuses it
        if (!engine) lastDeck = null;
        else if (!lastDeck || lastDeck.t !== t || deckN !== store.n) {
          lastDeck = deckAt(store, folder.state, t, desired());
          deckN = store.n;
        }
        if (lastDeck) paintDeck(ctx, lastScene, lastDeck);
        root.dataset.transit = String(lastDeck?.transit.length ?? 0);
        lastST = null;
        root.dataset.lod = lastScene.lod.aggregateActors || lastScene.lod.flows ? "aggregate" : "detail";
        const sel = selectedActor >= 0 ? lastScene.actors.find((a) => a.idx === selectedActor) : undefined;
        if (sel) root.dataset.selectedXy = `${sel.x.toFixed(1)},${sel.y.toFixed(1)},${sel.r.toFixed(1)}`;
        else delete root.dataset.selectedXy;
        root.dataset.inFlight = String(lastScene.inFlight);
      }
      empty.style.display = "none";
      updateInspector();
      scrubber.update(store, t);
      toolbar.options(
        [...store.actorClasses].map((c) => store.str(c)).sort(),
        [...store.msgTypes].map((c) => store.str(c)).sort(),
        { class_filter: get.filters().actorClass, type_filter: get.filters().msgType },
      );
      renderLegend();
    } else {
      ctx.clearRect(0, 0, w, h);
    }
    toolbar.time.textContent = store.n ? `t = ${fmtTime(t)} s  / ${fmtTime(store.t1)}` : "";
    toolbar.sync({
      playing: get.playing(),
      speed: get.speed(),
      view: get.view(),
      hide_system: get.filters().hideSystem,
      supervision: get.filters().supervision,
      class_filter: get.filters().actorClass,
      type_filter: get.filters().msgType,
      live: Boolean(get.meta().live),
      following,
    });
    frames++;
    root.dataset.time = String(t);
    root.dataset.rows = String(store.n);
    root.dataset.frame = String(frames);
    root.dataset.selected = String(model.get("selected") || "");
    if (store.n && root.dataset.ready !== "1") root.dataset.ready = "1";
    dirty = false;
    if (pointer) updateTip(); // may mark a new hover ring dirty, for the next frame
    return performance.now() - start;
  }

  function updateInspector(): void {
    const now = performance.now();
    const s = folder.state;
    const nothing = selectedActor < 0 && selectedNode < 0;
    // busy, idle and hung also change between events (a handler runs on): part of the key
    const since = selectedActor >= 0 ? busySince(s, selectedActor, t) : NaN;
    const running = Number.isNaN(since) ? "" : `${since}:${Math.floor(t - since)}`;
    // the deck's part follows the playhead's events in every view (the space-time view does not fold)
    const deckRows = engine ? store.rowsAt(t) : "";
    const key = nothing ? `none:${deckRows}` : `${selectedActor}:${selectedNode}:${s.row}:${get.view()}:${running}:${deckRows}`;
    if (key === inspectorKey) return;
    if (get.playing() && now - lastInspector < 100) return; // DOM rebuilds at most ten per second
    inspectorKey = key;
    lastInspector = now;
    if (get.view() === "spacetime") folder.stateAt(t);
    if (selectedActor >= 0) renderActor(inspector, store, folder.state, selectedActor, t, inspectorHandlers);
    else if (selectedNode >= 0) renderNode(inspector, store, folder.state, selectedNode, t, inspectorHandlers);
    else inspector.innerHTML = `<div class="ml-dim">Click an actor or a node to inspect it at the playhead.<br><br>Keys: space play/pause · ←/→ previous/next event · shift+←/→ previous/next marker · +/− speed · Home/End · v view · c fold a subtree (tree view) · Esc deselect</div>`;
    if (engine) {
      const deck = lastDeck && lastDeck.t === t && deckN === store.n && get.view() === "topology" ? lastDeck : deckAt(store, folder.stateAt(t), t, desired());
      if (selectedNode >= 0) renderDeckNode(inspector, deck, store.str(store.nodeCodes[selectedNode]), inspectorHandlers);
      else if (selectedActor < 0) renderDeckSummary(inspector, deck);
    }
  }

  const loop = (now: number) => {
    raf = requestAnimationFrame(loop);
    const dt = now - lastNow;
    lastNow = now;
    if (get.playing() && store.n) {
      const tick = advance(t, dt, get.speed(), store.t0, store.t1);
      t = tick.t;
      dirty = true;
      if (tick.atEnd && !get.meta().live) {
        setTraits({ playing: false });
        pushTime(true);
      } else pushTime(false);
    }
    if (following && store.n && t !== store.t1) {
      t = store.t1;
      dirty = true;
      pushTime(false);
    }
    if (pushPending && due(lastPush, now, SYNC_GAP_MS)) pushTime(true);
    if (dirty) {
      const ms = draw();
      frameTimes.push(ms);
      if (frameTimes.length > 600) frameTimes.shift();
    }
  };

  // model -> view
  const onTime = () => {
    const v = Number(model.get("time"));
    if (!Number.isFinite(v) || v === ownTime) return;
    t = v;
    ownTime = v;
    following = false;
    dirty = true;
  };
  const onAny = () => {
    dirty = true;
  };
  model.on("change:time", onTime);
  const onView = () => hideTip();
  model.on("change:view", onView);
  const others = ["selected", "playing", "speed", "view", "lanes", "hide_system", "supervision", "class_filter", "type_filter", "meta"];
  for (const name of others) model.on(`change:${name}`, onAny);
  const offStore = store.onChange(() => {
    dirty = true;
    if (get.meta().live && following) t = store.t1;
  });
  if (get.meta().live) following = true;
  // the notebook's theme can change under a drawn canvas: redraw when it does
  const doc = el.ownerDocument;
  const themeWatch = typeof MutationObserver === "function" ? new MutationObserver(onAny) : null;
  if (doc?.body) themeWatch?.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
  const schemeQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  schemeQuery?.addEventListener?.("change", onAny);

  // pointer input on the stage
  const hitActor = (x: number, y: number): number => {
    if (!lastScene || lastScene.lod.aggregateActors) return -1;
    let best = -1;
    let bestD = Infinity;
    for (const a of lastScene.actors) {
      const d = Math.hypot(a.x - x, a.y - y);
      if (d <= a.r + 4 && d < bestD) [best, bestD] = [a.idx, d];
    }
    return best;
  };
  const hitNode = (x: number, y: number): number => {
    if (!lastScene) return -1;
    for (const n of lastScene.nodes) if (x >= n.box.x && x <= n.box.x + n.box.w && y >= n.box.y && y <= n.box.y + n.box.h) return n.idx;
    return -1;
  };
  const local = (e: MouseEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  // The tooltip follows the pointer and the playhead: recomputed on every draw while shown.
  let pointer: [number, number] | null = null;
  const hideTip = () => {
    pointer = null;
    tip.style.display = "none";
  };
  const onMove = (e: MouseEvent) => {
    pointer = local(e);
    updateTip();
  };
  const updateTip = () => {
    if (!pointer) return;
    const [x, y] = pointer;
    let text = "";
    if (lastScene) {
      const a = hitActor(x, y);
      if (a !== hoverActor) {
        hoverActor = a;
        dirty = true;
      }
      if (a >= 0) {
        const sa = lastScene.actors.find((v) => v.idx === a);
        text = `${store.str(store.actorCodes[a])} · ${sa?.status ?? ""}${sa && sa.restarts ? ` · ${sa.restarts} restart(s)` : ""}\n${store.str(store.actorClass[a])}`;
      }
      if (!text) {
        for (const d of lastScene.drops) {
          if (Math.hypot(d.x - x, d.y - y) <= 8) {
            const r = d.row;
            text = `dropped: ${store.str(store.reason.data[r])}\n${store.str(store.msgType.data[r])} ${store.str(store.peer.data[r])} → ${store.str(store.actor.data[r])}\nat t=${fmtTime(store.t.data[r])} on ${store.str(store.node.data[r])}`;
            break;
          }
        }
      }
      if (!text) {
        for (const m of lastScene.msgs) {
          if (Math.hypot(m.x - x, m.y - y) <= 6) {
            const r = store.mSendRow.data[m.m];
            text = `${store.str(store.msgType.data[r])}: ${store.str(store.actor.data[r])} → ${store.str(store.peer.data[r])}\nsent t=${fmtTime(store.t.data[r])}, arrives t=${fmtTime(store.mArrive.data[m.m])}`;
            break;
          }
        }
      }
      if (!text) {
        for (const c of lastScene.cuts) {
          const mx = (c.x0 + c.x1) / 2;
          const my = (c.y0 + c.y1) / 2;
          if (Math.hypot(mx - x, my - y) <= 14) text = `partition: ${c.a} ✂ ${c.b} since t=${fmtTime(store.t.data[c.row])}`;
        }
      }
    } else if (lastST && x < 120) {
      const i = Math.floor(((y - 28) / Math.max(1, lastST.laneY(1) - lastST.laneY(0))) as number);
      if (i >= 0 && i < lastST.lanes.labels.length) text = lastST.lanes.labels[i];
    }
    tip.style.display = text ? "block" : "none";
    if (text) {
      tip.textContent = text;
      tip.style.left = `${Math.min(x + 12, stage.clientWidth - 200)}px`;
      tip.style.top = `${y + 12}px`;
    }
  };
  const onLeave = () => {
    hideTip();
    if (hoverActor >= 0) {
      hoverActor = -1;
      dirty = true;
    }
  };
  /** Tree view: fold or unfold an actor's subtree (double-click, or `c` on the selection). */
  const collapsed = new Set<number>();
  const toggleFold = (a: number) => {
    if (a < 0) return;
    if (collapsed.has(a)) collapsed.delete(a);
    else collapsed.add(a);
    dirty = true;
  };
  const onDblClick = (e: MouseEvent) => {
    if (get.view() !== "tree") return;
    const [x, y] = local(e);
    toggleFold(hitActor(x, y));
  };
  const onClick = (e: MouseEvent) => {
    const [x, y] = local(e);
    root.focus({ preventScroll: true });
    if (lastScene) {
      const a = hitActor(x, y);
      if (a >= 0) return select({ kind: "actor", id: store.str(store.actorCodes[a]) });
      const n = hitNode(x, y);
      if (n >= 0) return select({ kind: "node", name: store.str(store.nodeCodes[n]) });
      return select({ kind: "none" });
    }
    if (lastST) {
      if (x < 120) {
        const step = lastST.laneY(1) - lastST.laneY(0) || 1;
        const i = Math.floor((y - 28) / step);
        const id = lastST.lanes.ids[i];
        if (id === undefined) return;
        if (lastST.lanes.byActors) return select({ kind: "actor", id: store.str(store.actorCodes[id]) });
        return select({ kind: "node", name: store.str(store.nodeCodes[id]) });
      }
      // click in the plot: move the playhead there
      const x0 = lastST.xOf(0);
      const x1 = lastST.xOf(1);
      if (x1 !== x0) setPlayhead((x - x0) / (x1 - x0), true);
    }
  };
  const onWheel = (e: WheelEvent) => {
    if (get.view() !== "spacetime") return;
    e.preventDefault();
    const full = Math.max(1e-9, store.t1 - store.t0);
    const cur = span > 0 ? span : full / 6;
    span = Math.max(full / 1e5, Math.min(full * 2, cur * Math.exp(e.deltaY * 0.002)));
    dirty = true;
  };
  const onKey = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === "SELECT") return;
    let handled = true;
    switch (e.key) {
      case " ":
        if (!get.playing() && t >= store.t1) t = store.t0;
        setTraits({ playing: !get.playing() });
        break;
      case "ArrowRight":
      case "ArrowLeft": {
        const dir = e.key === "ArrowRight" ? 1 : -1;
        if (e.shiftKey) {
          const m = nextMarker(store, t, dir);
          if (m !== null) setPlayhead(m, true);
        } else setPlayhead(store.stepTime(t, dir), true);
        break;
      }
      case "+":
      case "=":
        setTraits({ speed: nextSpeed(get.speed(), 1) });
        break;
      case "-":
      case "_":
        setTraits({ speed: nextSpeed(get.speed(), -1) });
        break;
      case "Home":
        setPlayhead(store.t0, true);
        break;
      case "End":
        setPlayhead(store.t1, true);
        break;
      case "v":
        hideTip();
        setTraits({ view: NEXT_VIEW[get.view()] });
        break;
      case "c":
        if (get.view() === "tree") toggleFold(selectedActor);
        else handled = false;
        break;
      case "Escape":
        hideTip();
        select({ kind: "none" });
        break;
      default:
        handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  canvas.addEventListener("dblclick", onDblClick);
  canvas.addEventListener("wheel", onWheel, { passive: false });
  root.addEventListener("keydown", onKey);
  const ro =
    typeof ResizeObserver !== "undefined"
      ? new ResizeObserver((entries) => {
          for (const e of entries) {
            if (e.target === stage) [stageW, stageH] = [e.contentRect.width, e.contentRect.height];
            else scrubber.width = e.contentRect.width;
          }
          dirty = true;
        })
      : null;
  ro?.observe(stage);
  ro?.observe(scrubber.el);
  raf = requestAnimationFrame(loop);

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

  return {
    root,
    store,
    frameTimes,
    setTime(x: number) {
      t = x;
      following = false;
      return draw();
    },
    drawNow: () => draw(),
    statusAt(x: number) {
      const out = statusOf(x);
      folder.stateAt(t);
      return out;
    },
    statusesAt(ts: number[]) {
      const out = ts.map(statusOf);
      folder.stateAt(t);
      return out;
    },
    decksAt(ts: number[]) {
      const out = ts.map((x) => {
        const d = deckAt(store, folder.stateAt(x), x, desired());
        return { ...d, nodes: Object.fromEntries(d.nodes) };
      });
      folder.stateAt(t);
      return out;
    },
    destroy() {
      cancelAnimationFrame(raf);
      ro?.disconnect();
      model.off("change:time", onTime);
      model.off("change:view", onView);
      for (const name of others) model.off(`change:${name}`, onAny);
      offStore();
      themeWatch?.disconnect();
      schemeQuery?.removeEventListener?.("change", onAny);
      canvas.removeEventListener("mousemove", onMove);
      canvas.removeEventListener("mouseleave", onLeave);
      canvas.removeEventListener("click", onClick);
      canvas.removeEventListener("dblclick", onDblClick);
      canvas.removeEventListener("wheel", onWheel);
      root.removeEventListener("keydown", onKey);
      scrubber.destroy();
      root.remove();
    },
  };
}

/** Time of the next (dir 1) or previous (dir -1) scrubber marker strictly beyond t. */
export function nextMarker(store: EventStore, t: number, dir: 1 | -1): number | null {
  let best: number | null = null;
  for (let i = 0; i < store.markers.length; i++) {
    const mt = store.t.data[store.markers.data[i]];
    if (dir > 0 && mt > t + 1e-12 && (best === null || mt < best)) best = mt;
    if (dir < 0 && mt < t - 1e-12 && (best === null || mt > best)) best = mt;
  }
  return best;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
