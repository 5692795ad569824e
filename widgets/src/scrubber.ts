// The timeline under the canvas: an event-density strip, markers for failures, restarts, node
// deaths and partitions (buttons, so they can be clicked and read), and the playhead.
import { K } from "./kinds";
import { GUIDE, MARKER_COLOR, THEME, VIEW } from "./palette";
import type { EventStore } from "./store";

/** What each marker colour means, in the order the legend shows them. */
export const MARKER_NAMES: [Marker["kind"], string][] = [
  ["fail", "failure"],
  ["restart", "restart"],
  ["node_down", "node death"],
  ["node_up", "node back"],
  ["partition", "partition"],
  ["heal", "healed"],
  ["admin", "admin action"],
  ["action_fail", "action failed"],
];

/** The smallest 1, 2 or 5 times a power of ten that is at least x. */
export function roundUp(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

export interface Tick {
  f: number; // 0..1 along the timeline
  label: string;
}

/**
 * A light time axis: round steps at least `minPx` pixels apart, labelled in seconds (counted
 * from the start when times are wall-clock seconds since the epoch).
 */
export function timeTicks(t0: number, t1: number, width: number, minPx = 90): Tick[] {
  const span = t1 - t0;
  if (!(span > 0) || !(width > 0)) return [];
  const step = roundUp((span * minPx) / width);
  const wall = Math.abs(t0) >= 1e8;
  const base = wall ? t0 : 0;
  const ticks: Tick[] = [];
  const first = Math.ceil((t0 - base) / step - 1e-9) * step + base;
  for (let i = 0; i < 1000; i++) {
    const tt = first + i * step;
    if (tt > t1 + 1e-9 * Math.max(1, Math.abs(t1))) break;
    const v = +(tt - base).toPrecision(12);
    ticks.push({ f: (tt - t0) / span, label: `${wall ? "+" : ""}${+v.toFixed(6)}s` });
  }
  return ticks;
}

export interface Marker {
  row: number;
  t: number;
  kind: "fail" | "restart" | "node_down" | "node_up" | "partition" | "heal" | "admin" | "action_fail";
  count: number; // markers merged into this one (same pixel bucket)
  label: string;
}

const PRIORITY = { node_down: 5, fail: 4, action_fail: 4, partition: 3, admin: 3, node_up: 2, heal: 2, restart: 1 } as const;

/** The marker of a row the store lists in `markers` (a node_join there is a rejoin). */
export function markerKind(k: number): Marker["kind"] | null {
  if (k === K.actor_fail) return "fail";
  if (k === K.actor_restart) return "restart";
  if (k === K.node_down) return "node_down";
  if (k === K.node_up || k === K.node_join) return "node_up";
  if (k === K.link_down) return "partition";
  if (k === K.link_up) return "heal";
  if (k === K.admin) return "admin";
  if (k === K.action_end) return "action_fail"; // the store lists only those that did not end ok
  return null;
}

export function describeRow(store: EventStore, row: number): string {
  const k = store.kind.data[row];
  const t = store.t.data[row];
  const who = store.str(store.actor.data[row]);
  const node = store.str(store.node.data[row]);
  const reason = store.str(store.reason.data[row]);
  const at = `t=${fmtTime(t)}`;
  switch (k) {
    case K.actor_fail:
      return `failure: ${who} on ${node} (${reason}) ${at}`;
    case K.actor_restart:
      return `restart: ${who} on ${node}, incarnation ${store.incarnation.data[row]} ${at}`;
    case K.node_down:
      return `node down: ${node}${reason ? ` (${reason})` : ""} ${at}`;
    case K.link_down:
      return `partition: ${node} ✂ ${store.str(store.peer.data[row])} ${at}`;
    case K.link_up:
      return `healed: ${node} ↔ ${store.str(store.peer.data[row])} ${at}`;
    case K.node_up:
    case K.node_join:
      return `node back: ${node} ${at}`;
    case K.admin:
      return `admin: ${store.str(store.msgType.data[row])}${node ? ` ${node}` : " (mesh-wide)"}${reason ? ` — ${reason}` : ""} ${at}`;
    case K.action_end:
      return `action failed: ${store.str(store.msgType.data[row])} on ${node} (${reason}) ${at}`;
    default:
      return `${k} ${at}`;
  }
}

/** Merge markers that would overlap: one per kind-priority per bucket of `px` pixels. */
export function bucketMarkers(store: EventStore, t0: number, t1: number, width: number, px = 6): Marker[] {
  const buckets = new Map<number, Marker>();
  const span = t1 - t0 || 1;
  const n = store.markers.length;
  for (let i = 0; i < n; i++) {
    const row = store.markers.data[i];
    const kind = markerKind(store.kind.data[row]);
    if (!kind) continue;
    const t = store.t.data[row];
    const b = Math.floor((((t - t0) / span) * width) / px);
    const cur = buckets.get(b);
    if (!cur) buckets.set(b, { row, t, kind, count: 1, label: describeRow(store, row) });
    else {
      cur.count++;
      if (PRIORITY[kind] > PRIORITY[cur.kind]) {
        cur.row = row;
        cur.t = t;
        cur.kind = kind;
        cur.label = describeRow(store, row);
      }
    }
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}

export function fmtTime(t: number): string {
  if (Math.abs(t) >= 1e8) return new Date(t * 1000).toISOString().slice(11, 23); // wall clock
  return t.toFixed(Math.abs(t) < 10 ? 3 : 2);
}

export interface ScrubberHandlers {
  scrub(t: number, final: boolean): void;
  jump(m: Marker): void;
}

export class Scrubber {
  readonly el: HTMLDivElement;
  private readonly strip: HTMLCanvasElement;
  private readonly head: HTMLDivElement;
  private readonly markerLayer: HTMLDivElement;
  private readonly axis: HTMLDivElement;
  private dragging = false;
  private t0 = 0;
  private t1 = 1;
  private drawnKey = "";
  /** Set by the view's ResizeObserver, so drawing never reads layout. */
  width = 0;
  private readonly h: ScrubberHandlers;

  /** The markers drawn, by their button's data-i: one delegated click listener serves them all. */
  private shown: Marker[] = [];

  /** Every listener is on the view's `signal`: aborting it (the view's cleanup) removes them all. */
  constructor(h: ScrubberHandlers, signal: AbortSignal) {
    this.h = h;
    this.el = document.createElement("div");
    this.el.className = "ml-scrubber";
    this.strip = document.createElement("canvas");
    this.strip.className = "ml-density";
    this.head = document.createElement("div");
    this.head.className = "ml-playhead";
    this.markerLayer = document.createElement("div");
    this.markerLayer.className = "ml-markers";
    this.axis = document.createElement("div");
    this.axis.className = "ml-axis";
    this.el.append(this.strip, this.axis, this.markerLayer, this.head);
    this.el.addEventListener("pointerdown", this.onDown, { signal });
    this.el.addEventListener("pointermove", this.onMove, { signal });
    this.el.addEventListener("pointerup", this.onUp, { signal });
    this.el.addEventListener("pointercancel", this.onUp, { signal });
    // one listener for every marker button: buttons are replaced as data arrives, and a listener
    // per button on the signal would keep each replaced button alive until the view is destroyed
    this.markerLayer.addEventListener(
      "click",
      (e) => {
        const b = (e.target as Element | null)?.closest?.(".ml-marker") as HTMLElement | null;
        const m = b ? this.shown[Number(b.dataset.i)] : undefined;
        if (!m) return;
        e.stopPropagation();
        this.h.jump(m);
      },
      { signal },
    );
  }

  private timeAt(clientX: number): number {
    const r = this.strip.getBoundingClientRect();
    const f = Math.max(0, Math.min(1, (clientX - r.left) / Math.max(1, r.width)));
    return this.t0 + f * (this.t1 - this.t0);
  }

  private onDown = (e: PointerEvent) => {
    if ((e.target as HTMLElement).closest(".ml-marker")) return; // a marker click, not a drag
    this.dragging = true;
    this.el.setPointerCapture?.(e.pointerId);
    this.h.scrub(this.timeAt(e.clientX), false);
    e.preventDefault();
  };
  private onMove = (e: PointerEvent) => {
    if (this.dragging) this.h.scrub(this.timeAt(e.clientX), false);
  };
  private onUp = (e: PointerEvent) => {
    if (!this.dragging) return;
    this.dragging = false;
    this.h.scrub(this.timeAt(e.clientX), true);
  };

  /**
   * Redraw the strip and markers when the data or the width changed; move the playhead. While
   * chunks still arrive, `loading` gives the whole span the kernel announced and the time up to
   * which the data is in: the rest of the strip is shaded as not loaded yet.
   */
  update(store: EventStore, t: number, loading?: { t0: number; t1: number; upTo: number }): void {
    if (this.width <= 0) this.width = this.el.clientWidth;
    const width = Math.max(50, Math.round(this.width || 600));
    const [t0, t1] = loading ? [loading.t0, loading.t1] : [store.t0, store.t1];
    this.t0 = t0;
    this.t1 = t1 > t0 ? t1 : t0 + 1;
    // the markers take the theme's shades: redrawn when it changes
    const key = `${store.n}:${width}:${this.t0}:${this.t1}:${THEME.dark}`;
    if (key !== this.drawnKey) {
      this.drawnKey = key;
      this.drawStrip(store, width);
      this.drawMarkers(store, width);
      this.drawAxis(width);
    }
    this.showLoading(loading ? loading.upTo : Infinity);
    const f = (t - this.t0) / (this.t1 - this.t0);
    this.head.style.left = `${(Math.max(0, Math.min(1, f)) * 100).toFixed(3)}%`;
  }

  private unloaded: HTMLDivElement | null = null;

  /** Shade the strip from `upTo` to its end: data not in yet (nothing shaded once all is). */
  private showLoading(upTo: number): void {
    const f = upTo >= this.t1 ? 1 : Math.max(0, (upTo - this.t0) / (this.t1 - this.t0));
    if (f >= 1) {
      if (this.unloaded) this.unloaded.style.display = "none";
      delete this.el.dataset.loadedTo;
      return;
    }
    if (!this.unloaded) {
      this.unloaded = document.createElement("div");
      this.unloaded.className = "ml-unloaded";
      this.unloaded.title = "still loading";
      this.unloaded.style.cssText = `position:absolute;top:0;bottom:0;right:0;pointer-events:none;background:repeating-linear-gradient(135deg,${GUIDE.unloaded} 0 4px,${GUIDE.unloadedGap} 4px 8px)`;
      this.el.insertBefore(this.unloaded, this.head);
    }
    this.unloaded.style.display = "";
    this.unloaded.style.left = `${(f * 100).toFixed(3)}%`;
    this.el.dataset.loadedTo = String(f);
  }

  private drawStrip(store: EventStore, width: number): void {
    const dpr = window.devicePixelRatio || 1;
    const h = 28;
    this.strip.width = Math.round(width * dpr);
    this.strip.height = Math.round(h * dpr);
    const ctx = this.strip.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, h);
    const bins = Math.max(10, Math.floor(width / 2));
    const d = store.density(this.t0, this.t1, bins);
    let max = 0;
    for (const v of d) max = Math.max(max, v);
    ctx.fillStyle = VIEW.density;
    const bw = width / bins;
    for (let i = 0; i < bins; i++) {
      if (!d[i]) continue;
      // log scale: a burst must not flatten everything else
      const bh = (Math.log1p(d[i]) / Math.log1p(max)) * (h - 2);
      ctx.fillRect(i * bw, h - bh, Math.max(1, bw - 0.5), bh);
    }
  }

  private drawAxis(width: number): void {
    this.axis.replaceChildren();
    for (const tk of timeTicks(this.t0, this.t1, width)) {
      const s = document.createElement("span");
      s.className = tk.f > 0.96 ? "ml-tick ml-tick-end" : "ml-tick";
      s.style.left = `${(tk.f * 100).toFixed(3)}%`;
      s.textContent = tk.label;
      this.axis.append(s);
    }
  }

  private drawMarkers(store: EventStore, width: number): void {
    this.markerLayer.replaceChildren();
    this.shown = bucketMarkers(store, this.t0, this.t1, width);
    this.shown.forEach((m, i) => {
      const b = document.createElement("button");
      b.className = `ml-marker ml-marker-${m.kind}`;
      b.style.left = `${(((m.t - this.t0) / (this.t1 - this.t0)) * 100).toFixed(3)}%`;
      b.style.background = MARKER_COLOR[m.kind];
      b.title = m.count > 1 ? `${m.label} (+${m.count - 1} more here)` : m.label;
      b.dataset.t = String(m.t);
      b.dataset.kind = m.kind;
      b.dataset.i = String(i);
      this.markerLayer.append(b);
    });
  }
}
