// The state one canvas view shares with the kernel and its own frames: the playhead (played,
// followed live, pushed to the kernel at most five times a second), the selection, and the
// synced traits read with their defaults. No DOM: the view shell and the input handler call it,
// and it says when a frame is needed through `invalidate`.
//
// The view shown is the one thing a display keeps for itself (DisplayState): the same canvas
// shown twice in a notebook is two displays of one model, and a tab clicked in one switches that
// one only. The `view` trait is the view last chosen: the kernel setting it switches every
// display, a display's tab or `v` key writes it (so Python reads the last choice) without
// switching the others. The playhead, selection, playback and filters stay shared.
import { allLoaded, progressOf, spanOf } from "./channel";
import { advance, clampSpeed, due, nextSpeed } from "./clock";
import type { DesiredMeta } from "./deck";
import { formatSelected, parseSelected, type Meta, type Model, type Selection, type Traits } from "./model";
import type { Filters } from "./scene";
import type { LaneMode } from "./spacetime";
import type { EventStore } from "./store";

export const SYNC_GAP_MS = 200; // playhead updates to the kernel: at most five per second

/** Traits whose change only needs a redraw (time and view have their own handling). */
const REDRAW_ON = ["selected", "playing", "speed", "lanes", "hide_system", "supervision", "class_filter", "type_filter", "meta"] as const;

const NO_DESIRED: DesiredMeta = {};

/** What one display keeps for itself, unsynced. A display that rebuilds its view (a branch
 * switch) hands the same object to the new one, so it keeps showing what it showed. */
export interface DisplayState {
  /** The view this display shows; null until the display opens (then the `view` trait's). */
  view: string | null;
}

/**
 * True while a display writes `view` from its own tab. The model's change event fires
 * synchronously inside `set` (Backbone's, the in-page model's), so the other displays of the
 * model see it and keep their view; a change from the kernel arrives on its own and switches
 * them all. One flag for the page, not one per model object: anywidget hands each display its
 * own proxy of the one model, and only that model's listeners run inside the `set`. (A host
 * that fired the event later would make every display follow the tab, as one synced trait would.)
 */
let choosing = false;

/** The kernel's message that every display shows `view` (Python assigned the value the trait already held). */
interface ViewMessage {
  type?: string;
  view?: unknown;
}

export class Controller {
  /** The playhead: this view's, pushed to the kernel's `time`. */
  t: number;
  /** Jump to the end of the data as it grows (live streams). */
  following = false;
  private ownTime: number; // the last time this view pushed, to tell our echo from a kernel change
  private lastPush = 0;
  private pushPending = false;
  /** Store indexes of the selection, resolved at each frame (-1 none). */
  selectedActor = -1;
  selectedNode = -1;

  constructor(
    readonly model: Model,
    readonly store: EventStore,
    /** Called whenever something drawn changed: the shell schedules a frame. */
    private readonly invalidate: () => void,
    /** The names of the registered views; the first is the default. */
    private readonly views: readonly string[],
    /** This display's own state (kept across the views it rebuilds). */
    readonly display: DisplayState = { view: null },
  ) {
    this.t = Number(model.get("time")) || 0;
    this.ownTime = this.t;
    display.view ??= String(model.get("view") ?? "");
  }

  /** Follow the model and the store until `signal` aborts. `onView` runs when the kernel switches the view. */
  listen(signal: AbortSignal, onView: () => void): void {
    const { model } = this;
    const show = (v: unknown) => {
      this.display.view = String(v ?? "");
      onView();
      this.invalidate();
    };
    // a display's own tab (this one's or another's) leaves the others as they are
    const onViewTrait = () => {
      if (!choosing) show(model.get("view"));
    };
    const onMsg = (msg: ViewMessage) => {
      if (msg?.type === "view" && typeof msg.view === "string") show(msg.view);
    };
    const onTime = () => {
      const v = Number(model.get("time"));
      if (!Number.isFinite(v) || v === this.ownTime) return;
      this.t = v;
      this.ownTime = v;
      this.following = false;
      this.invalidate();
    };
    const subs: [string, () => void][] = [["change:time", onTime], ["change:view", onViewTrait]];
    for (const name of REDRAW_ON) subs.push([`change:${name}`, this.invalidate]);
    for (const [event, cb] of subs) model.on(event, cb);
    model.on("msg:custom", onMsg);
    const offStore = this.store.onChange(() => {
      if (this.meta().live && this.following) this.t = this.store.t1;
      this.invalidate();
    });
    signal.addEventListener(
      "abort",
      () => {
        for (const [event, cb] of subs) model.off(event, cb);
        model.off("msg:custom", onMsg);
        offStore();
      },
      { once: true },
    );
    if (this.meta().live) this.following = true;
  }

  // -- traits, read with their defaults --------------------------------------------------------
  playing(): boolean {
    return Boolean(this.model.get("playing"));
  }
  speed(): number {
    return clampSpeed(Number(this.model.get("speed")) || 1);
  }
  /** The view this display shows (the first registered for a name it does not know). */
  view(): string {
    const v = this.display.view ?? "";
    return this.views.includes(v) ? v : this.views[0];
  }
  lanes(): LaneMode {
    return (this.model.get("lanes") || "auto") as LaneMode;
  }
  meta(): Meta {
    return this.model.get("meta") || {};
  }
  desired(): DesiredMeta {
    return this.meta().meshos ?? NO_DESIRED;
  }
  selection(): Selection {
    return parseSelected(this.model.get("selected"));
  }
  filters(): Filters {
    const m = this.model;
    return {
      hideSystem: Boolean(m.get("hide_system")),
      supervision: Boolean(m.get("supervision")),
      actorClass: String(m.get("class_filter") || ""),
      msgType: String(m.get("type_filter") || ""),
    };
  }

  setTraits(kv: Partial<Traits>): void {
    for (const [k, v] of Object.entries(kv) as [keyof Traits, Traits[keyof Traits]][]) this.model.set(k, v);
    this.model.save_changes();
  }

  // -- the playhead ------------------------------------------------------------------------------
  /** Send the playhead to the kernel now (final) or when the throttle allows. */
  pushTime(final: boolean): void {
    const now = performance.now();
    if (final || due(this.lastPush, now, SYNC_GAP_MS)) {
      this.lastPush = now;
      this.pushPending = false;
      this.ownTime = this.t;
      this.setTraits({ time: this.t });
    } else this.pushPending = true; // sent by a later frame: busy() keeps frames coming till then
  }

  setPlayhead(x: number, final: boolean): void {
    this.t = Math.max(this.store.t0, Math.min(this.store.t1, x));
    this.following = false;
    this.invalidate();
    this.pushTime(final);
  }

  /** Set the playhead without pushing it (tests and benchmarks drawing at a time). */
  jumpLocal(x: number): void {
    this.t = x;
    this.following = false;
  }

  follow(): void {
    this.following = true;
    this.invalidate();
  }

  /** Play or pause; playing again from the end starts at the beginning. */
  togglePlay(): void {
    if (!this.playing() && this.t >= this.store.t1) {
      this.t = this.store.t0;
      // now, before `playing`: another display of the model still at the end would stop it
      this.pushTime(true);
    }
    this.setTraits({ playing: !this.playing() });
  }

  step(dir: 1 | -1): void {
    this.setPlayhead(this.store.stepTime(this.t, dir), true);
  }

  marker(dir: 1 | -1): void {
    const m = nextMarker(this.store, this.t, dir);
    if (m !== null) this.setPlayhead(m, true);
  }

  faster(dir: 1 | -1): void {
    this.setTraits({ speed: nextSpeed(this.speed(), dir) });
  }

  /** Show `v` in this display (its tab, its `v` key) and write it to the trait for Python to read; the other displays keep theirs. */
  chooseView(v: string): void {
    this.display.view = v;
    choosing = true;
    try {
      this.setTraits({ view: v });
    } finally {
      choosing = false;
    }
    this.invalidate();
  }

  nextView(): void {
    const i = this.views.indexOf(this.view());
    this.chooseView(this.views[(i + 1) % this.views.length]);
  }

  select(sel: Selection): void {
    this.setTraits({ selected: formatSelected(sel) });
    this.invalidate();
  }

  selectActor(a: number): void {
    this.select({ kind: "actor", id: this.store.str(this.store.actorCodes[a]) });
  }

  selectNode(n: number): void {
    this.select({ kind: "node", name: this.store.str(this.store.nodeCodes[n]) });
  }

  /** Resolve the `selected` trait to store indexes (the data may have grown since). */
  resolveSelection(): void {
    const sel = this.selection();
    const { store } = this;
    this.selectedActor = -1;
    this.selectedNode = -1;
    if (sel.kind === "actor") {
      const code = store.strings.indexOf(sel.id);
      this.selectedActor = code >= 0 ? (store.actorOf.get(code) ?? -1) : -1;
    } else if (sel.kind === "node") {
      const code = store.strings.indexOf(sel.name);
      this.selectedNode = code >= 0 ? (store.nodeOf.get(code) ?? -1) : -1;
    }
  }

  /**
   * While chunks still arrive: how far playback may go with the state complete (the earliest
   * time still to come, within the announced span); it waits there for the data, as a live
   * stream waits for its next events, instead of stopping at the end of what is in. Null once
   * every chunk is in.
   */
  playableUntil(): number | null {
    const { store } = this;
    if (!store.n || allLoaded(store)) return null;
    // just short of the earliest time still to come: the state there is complete
    const rest = progressOf(store).rest;
    return Math.min(spanOf(store)[1], rest - Math.max(Math.abs(rest) * Number.EPSILON, Number.MIN_VALUE));
  }

  /**
   * Advance the clock by one animation frame of `dt` ms: playback, live following and a
   * throttled push. Returns true when the playhead moved.
   */
  tick(now: number, dt: number): boolean {
    const { store } = this;
    let moved = false;
    const until = this.playableUntil();
    if (this.playing() && store.n && !(until !== null && this.t >= until)) {
      const tick = advance(this.t, dt, this.speed(), store.t0, until ?? store.t1);
      moved = tick.t !== this.t; // a live stream played to its end waits for data, not redrawn
      this.t = tick.t;
      if (tick.atEnd && !this.meta().live && until === null) {
        this.setTraits({ playing: false });
        this.pushTime(true);
      } else this.pushTime(false);
    }
    if (this.following && store.n && this.t !== store.t1) {
      this.t = store.t1;
      moved = true;
      this.pushTime(false);
    }
    if (this.pushPending && due(this.lastPush, now, SYNC_GAP_MS)) this.pushTime(true);
    return moved;
  }

  /**
   * True while frames must keep coming without any input: playing (a live stream played to its
   * end waits for its next data, which asks for a frame itself), following, a push due.
   */
  busy(): boolean {
    const { store } = this;
    const until = this.playableUntil(); // while loading, played to there it waits for data
    const waiting = (this.t >= store.t1 && this.meta().live) || (until !== null && this.t >= until);
    const playing = this.playing() && store.n > 0 && !waiting;
    return playing || this.pushPending || (this.following && store.n > 0 && this.t !== store.t1);
  }
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
