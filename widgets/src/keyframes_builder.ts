// Building the keyframes (keyframes.ts) and the full copies of the state beside them: a builder
// state folds ahead at the store's frontier and records a keyframe every `spacing` events, in idle
// time as the store grows or on demand when a jump needs keyframes not built yet. A jump itself
// (Folder.foldTo, fold.ts) only reads what is built here.
import { applyRow } from "./fold_apply";
import { MeshState, STATUS_SLOTS, pruneBusy } from "./fold_state";
import { Cursor, Keyframes } from "./keyframes";
import type { EventStore } from "./store";

/**
 * What the keyframes and full copies may hold: the deltas' entries (about 88 bytes per actor
 * changed per keyframe), each keyframe's busy list, and the copies (about 100 bytes per actor
 * each) in what the deltas leave. Past it, copies go first, then keyframes merge in pairs and
 * the spacing doubles; the spacing depends on how much changes per event, not on how many
 * actors exist. (The old full-copy keyframes held 102 MB at 100,000 actors.)
 */
export const KEYFRAME_BUDGET = 128 * 1024 * 1024;
/** The longest one idle-time slice of keyframe building runs, in ms. */
const SLICE_MS = 6;

type Idle = { cancel(): void };

/** Run `fn` when the page is idle (requestIdleCallback in a browser, a timer elsewhere). */
function whenIdle(fn: (deadline: number) => void): Idle {
  const g = globalThis as { requestIdleCallback?: (cb: (d: { timeRemaining(): number }) => void, o?: object) => number; cancelIdleCallback?: (h: number) => void };
  if (g.requestIdleCallback && g.cancelIdleCallback) {
    const cancel = g.cancelIdleCallback;
    const h = g.requestIdleCallback((d) => fn(performance.now() + Math.min(SLICE_MS, Math.max(1, d.timeRemaining()))));
    return { cancel: () => cancel(h) };
  }
  const h = setTimeout(() => fn(performance.now() + SLICE_MS), 0);
  return { cancel: () => clearTimeout(h) };
}

export interface BuilderOptions {
  /** Bytes the keyframes and copies may hold (KEYFRAME_BUDGET). */
  budget?: number;
  /** Build in idle time as the store grows (else only when a jump asks). */
  idle?: boolean;
  /** Keep full copies of the state beside the keyframes. */
  snapshots?: boolean;
}

/**
 * Keeps the keyframes over a store, and full copies of the state at some of them, within a
 * budget. `cursors` are the other states standing on the keyframes (a folder's working state):
 * kept valid when keyframes are dropped or merged.
 */
export class KeyframeBuilder {
  readonly builder = new Cursor(new MeshState());
  readonly kf = new Keyframes(STATUS_SLOTS);
  /**
   * Full copies of the state at some keyframes, in keyframe order, a far jump's other starting
   * points: one every `snapEvery` keyframes, as many as the budget holds beside the keyframes
   * (none when one copy would not fit), thinned and spaced twice as far when it runs out.
   */
  snaps: Cursor[] = [];
  private snapEvery = 8;
  private readonly store: EventStore;
  private readonly cursors: Cursor[];
  /** Events between keyframes: fixed, doubled only when the keyframes outgrow `budget`. */
  spacing: number;
  private readonly budget: number;
  private idle: Idle | null = null;
  private detached = false;
  private readonly useSnaps: boolean;
  private readonly idleBuild: boolean;
  /** Keyframe merges so far (each doubled the spacing). */
  merges = 0;
  /** Stop following the store (the view that owned the keyframes is gone). */
  readonly detach: () => void;

  constructor(store: EventStore, spacing: number, cursors: Cursor[], { budget = KEYFRAME_BUDGET, idle = true, snapshots = true }: BuilderOptions = {}) {
    this.store = store;
    this.cursors = cursors;
    this.useSnaps = snapshots;
    this.idleBuild = idle;
    this.spacing = spacing;
    this.budget = budget;
    const off = store.onChange((dirty) => {
      this.invalidate(dirty);
      if (idle) this.scheduleBuild();
    });
    this.detach = () => {
      off();
      this.detached = true;
      this.idle?.cancel();
      this.idle = null;
    };
    if (idle && store.n) this.scheduleBuild();
  }

  /** Bytes of the full copies (about 100 per actor each). */
  get snapshotBytes(): number {
    return this.snaps.length * this.snapSize();
  }

  private snapSize(): number {
    return this.builder.s.cap * 100 + this.builder.s.nodeCap * 64;
  }

  /** Every state sized for every actor and node of the store (keyframes may name any of them). */
  ensure(): void {
    const st = this.store;
    this.builder.ensure(st.actorCodes.length, st.nodeCodes.length);
    for (const c of this.cursors) c.ensure(st.actorCodes.length, st.nodeCodes.length);
  }

  /** Drop keyframes (and the states' replays) that folded rows changed in hindsight. */
  invalidate(dirtyFromRow: number): void {
    this.ensure();
    const k = this.kf.find(dirtyFromRow);
    for (const c of [this.builder, ...this.cursors]) {
      if (c.s.row > dirtyFromRow) this.kf.restore(c, Math.min(c.kf, k));
    }
    this.kf.truncate(k);
    while (this.snaps.length && this.snaps[this.snaps.length - 1].kf > k) this.snaps.pop();
  }

  private scheduleBuild(): void {
    if (this.idle || this.detached) return;
    this.idle = whenIdle((deadline) => {
      this.idle = null;
      if (this.detached) return;
      if (!this.build(this.store.n, deadline) || this.fillCopy()) this.scheduleBuild();
    });
  }

  /**
   * Make one full copy that keyframes built by a jump (which makes none) are missing: the state
   * put exactly on that keyframe, from the builder or the nearest copy. Returns whether another
   * may be missing.
   */
  private fillCopy(): boolean {
    if (!this.useSnaps) return false;
    const last = this.kf.count - 1;
    let want = -1;
    let at = 0; // where it goes in `snaps`
    for (let j = this.snapEvery; j <= last; j += this.snapEvery) {
      while (at < this.snaps.length && this.snaps[at].kf < j) at++;
      if (at < this.snaps.length && this.snaps[at].kf - j < this.snapEvery) continue;
      if (at > 0 && j - this.snaps[at - 1].kf < this.snapEvery) continue;
      want = j;
      break;
    }
    if (want < 0 || this.kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) return false;
    const st = this.store;
    const near = [this.builder, ...this.snaps.slice(Math.max(0, at - 1), at + 1)];
    let from = near[0];
    for (const c of near) if (this.kf.nearCost(c, want) < this.kf.nearCost(from, want)) from = c;
    const c = new Cursor(new MeshState());
    from.ensure(st.actorCodes.length, st.nodeCodes.length);
    c.copyFrom(from);
    this.kf.restore(c, want);
    this.snaps.splice(at, 0, c);
    return true;
  }

  /**
   * Fold the builder forward, recording a keyframe every `spacing` events, until the next one
   * would lie past `rows`; stop early (returning false) once performance.now() passes
   * `deadline`, in slices of a few thousand events.
   */
  build(rows: number, deadline = Infinity): boolean {
    const st = this.store;
    const b = this.builder;
    this.ensure();
    for (;;) {
      const next = this.kf.lastRow + this.spacing;
      if (next > rows) return true;
      const stop = deadline === Infinity ? next : Math.min(next, b.s.row + 2048);
      for (let p = b.s.row; p < stop; p++) applyRow(b.s, st, st.rowAt(p));
      b.s.row = stop;
      if (stop === next) {
        pruneBusy(b.s, st.ts.data[next - 1]);
        this.kf.append(b);
        this.fitBudget();
        // a jump that waits for keyframes pays no copies when idle time can make them
        if (deadline !== Infinity || !this.idleBuild) this.snapshot();
      }
      if (deadline !== Infinity && performance.now() > deadline) return false;
    }
  }

  /** Keep a full copy of the builder, just put on a new keyframe, if one is due and fits. */
  private snapshot(): void {
    const b = this.builder;
    if (!this.useSnaps) return;
    const last = this.snaps[this.snaps.length - 1];
    if (b.kf - (last ? last.kf : 0) < this.snapEvery) return;
    if (this.kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) {
      // no room left beside the keyframes: space the copies twice as far
      if (this.snaps.length > 1) this.thinSnapshots();
      return;
    }
    const c = new Cursor(new MeshState());
    c.copyFrom(b);
    this.snaps.push(c);
  }

  private thinSnapshots(): void {
    this.snaps = this.snaps.filter((_c, i) => i % 2 === 1);
    this.snapEvery *= 2;
  }

  /**
   * Over the budget, first drop every second full copy, then merge keyframes in pairs (doubling
   * the spacing), until they fit or merging frees no more (an entry per actor that changed is
   * the floor: then the keyframes stay over the budget).
   */
  private fitBudget(): void {
    const st = this.store;
    while (this.kf.bytes + this.snapshotBytes > this.budget) {
      if (this.snaps.length) {
        this.thinSnapshots();
        continue;
      }
      if (this.kf.count <= 3) return;
      const before = this.kf.bytes;
      this.kf.merge([this.builder, ...this.cursors], st.actorCodes.length, st.nodeCodes.length);
      this.spacing *= 2;
      this.merges++;
      if (this.kf.bytes > before * 0.875) return;
    }
  }
}
