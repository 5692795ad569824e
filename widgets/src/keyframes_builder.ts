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
const SLICE_MS = 4;
/** Entries an idle slice's walk toward a new copy's keyframe takes at a time. */
const WALK_STEP = 4096;

/** A full copy being made in idle time: `copy` becomes `from` piece by piece, then walks to `want`. */
interface CopyJob {
  copy: Cursor;
  from: Cursor;
  want: number;
  /** The next piece of the copy's columns, -1 once copied. */
  piece: number;
}

type Idle = { cancel(): void };

/** Run `fn` when the page is idle (requestIdleCallback in a browser, a timer elsewhere). */
function whenIdle(fn: (deadline: number) => void, ms: number): Idle {
  const g = globalThis as { requestIdleCallback?: (cb: (d: { timeRemaining(): number }) => void, o?: object) => number; cancelIdleCallback?: (h: number) => void };
  if (g.requestIdleCallback && g.cancelIdleCallback) {
    const cancel = g.cancelIdleCallback;
    const h = g.requestIdleCallback((d) => fn(performance.now() + Math.min(ms, Math.max(1, d.timeRemaining()))));
    return { cancel: () => cancel(h) };
  }
  const h = setTimeout(() => fn(performance.now() + ms), 0);
  return { cancel: () => clearTimeout(h) };
}

export interface BuilderOptions {
  /** Bytes the keyframes and copies may hold (KEYFRAME_BUDGET). */
  budget?: number;
  /** Build in idle time as the store grows (else only when a jump asks). */
  idle?: boolean;
  /** Keep full copies of the state beside the keyframes. */
  snapshots?: boolean;
  /** The longest an idle slice goes on, in ms (SLICE_MS; 0: one short step of each kind, for tests). */
  sliceMs?: number;
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
   * points: one every `snapEvery` keyframes as the builder passes (while the budget has room),
   * then in idle time more where jumps need them most, moved there when the budget is full
   * (startFill); over the budget every second one goes and the builder's are spaced twice as far.
   */
  snaps: Cursor[] = [];
  private snapEvery = 8;
  /** The full copy being made in idle time, a piece per step, before it joins `snaps`. */
  private job: CopyJob | null = null;
  /** The longest idle slice so far, in ms (the page's responsiveness while keyframes build). */
  longestSliceMs = 0;
  private readonly store: EventStore;
  private readonly cursors: Cursor[];
  /** Events between keyframes: fixed, doubled only when the keyframes outgrow `budget`. */
  spacing: number;
  private readonly budget: number;
  private idle: Idle | null = null;
  private detached = false;
  private readonly useSnaps: boolean;
  /** Keyframe merges so far (each doubled the spacing). */
  merges = 0;
  /** Stop following the store (the view that owned the keyframes is gone). */
  readonly detach: () => void;

  private readonly sliceMs: number;

  constructor(store: EventStore, spacing: number, cursors: Cursor[], { budget = KEYFRAME_BUDGET, idle = true, snapshots = true, sliceMs = SLICE_MS }: BuilderOptions = {}) {
    this.store = store;
    this.sliceMs = sliceMs;
    this.cursors = cursors;
    this.useSnaps = snapshots;
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

  /** Nothing left for idle time to do: keyframes built, no copy being made or missing. */
  get settled(): boolean {
    return !this.idle && !this.job;
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
    // a copy under way stays good unless its keyframe goes or its source moves back
    const job = this.job;
    if (job && (job.want > k || job.from.s.row > dirtyFromRow)) this.job = null;
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
      const t0 = performance.now();
      const more = this.slice(deadline);
      this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - t0);
      if (more) this.scheduleBuild();
    }, this.sliceMs);
  }

  /**
   * One idle slice: go on with the copy being made, build keyframes, then start the next copy
   * missing, until `deadline`. Each step between checks of the clock is short (512 events, a
   * piece of a copy, a walk of a few thousand entries, a keyframe appended); merging the
   * keyframes under the budget, rare, is the one that is not. Returns whether work is left.
   */
  private slice(deadline: number): boolean {
    for (let first = true; ; first = false) {
      if (!first && performance.now() > deadline) return true;
      if (this.job) {
        if (!this.stepJob(deadline)) return true;
        continue;
      }
      if (!this.build(this.store.n, deadline)) return true;
      if (!this.job && !this.startFill()) return false;
    }
  }

  /**
   * Start making the full copy that helps a jump most. Jumps land anywhere in time (a scrub): one
   * to a time in keyframe m's span restores m, walking the entries from the nearest copy, so a
   * gap between two copies (the start and the builder at the frontier count as ends) costs the
   * sum over its keyframes of their time span times that walk (`gapCost`); keyframes that share
   * one time (a burst of spawns) cost nothing. The new copy splits the costliest gap where the
   * two halves cost least, while the budget has room; when it has none, the copy whose removal
   * adds least is dropped first if that adds under half of what the split saves. A gap of fewer
   * entries than 1/32 of the actors is not worth a copy. Returns whether a copy was started.
   */
  private startFill(): boolean {
    if (!this.useSnaps || this.kf.count < 3) return false;
    const kf = this.kf;
    const st = this.store;
    const ends = () => [0, ...this.snaps.map((c) => c.kf), kf.count - 1];
    const worst = (at: number[]) => {
      let g = -1;
      let most = 0;
      for (let x = 0; x + 1 < at.length; x++) {
        if (at[x + 1] - at[x] < 2 || kf.between(at[x], at[x + 1]) * 32 <= this.builder.s.cap) continue;
        const c = this.gapCost(at[x], at[x + 1]);
        if (c > most) [g, most] = [x, c];
      }
      return g;
    };
    const split = (lo: number, hi: number) => {
      let best = lo + 1;
      let least = Infinity;
      const step = Math.max(1, Math.floor((hi - lo) / 64));
      for (let m = lo + 1; m < hi; m += step) {
        const c = this.gapCost(lo, m) + this.gapCost(m, hi);
        if (c < least) [best, least] = [m, c];
      }
      return { want: best, saves: this.gapCost(lo, hi) - least };
    };
    let at = ends();
    let g = worst(at);
    if (g < 0) return false;
    if (kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) {
      let r = -1; // the copy (index in snaps) whose removal adds least
      let least = Infinity;
      for (let x = 1; x + 1 < at.length; x++) {
        const adds = this.gapCost(at[x - 1], at[x + 1]) - this.gapCost(at[x - 1], at[x]) - this.gapCost(at[x], at[x + 1]);
        if (adds < least) [r, least] = [x - 1, adds];
      }
      if (r < 0 || least * 2 >= split(at[g], at[g + 1]).saves) return false;
      this.snaps.splice(r, 1);
      if (kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) return false;
      at = ends();
      g = worst(at);
      if (g < 0) return false;
    }
    const [lo, hi] = [at[g], at[g + 1]];
    const { want, saves } = split(lo, hi);
    if (!(saves > 0)) return false;
    const near = [this.builder, ...this.snaps.filter((c) => c.kf === lo || c.kf === hi)];
    let from = near[0];
    for (const c of near) if (kf.nearCost(c, want) < kf.nearCost(from, want)) from = c;
    from.ensure(st.actorCodes.length, st.nodeCodes.length);
    this.job = { copy: new Cursor(new MeshState()), from, want, piece: 0 };
    return true;
  }

  /**
   * What jumps into the gap between copies at keyframes lo < hi cost, summed over its keyframes:
   * each one's span in time times the entries walked to it from the nearer end.
   */
  private gapCost(lo: number, hi: number): number {
    const kf = this.kf;
    const st = this.store;
    const n = st.n;
    const ts = st.ts.data;
    const timeAt = (k: number) => (n ? ts[Math.min(n - 1, kf.rows[k])] : 0);
    let cost = 0;
    for (let m = lo; m < hi; m++) {
      const span = timeAt(m + 1) - timeAt(m);
      if (span > 0) cost += span * Math.min(kf.between(lo, m), kf.between(m, hi));
    }
    return cost;
  }

  /**
   * Go on with the copy being made: its columns piece by piece, then a walk to its keyframe a few
   * thousand entries at a time; once there it joins the copies. Returns whether it is done.
   */
  private stepJob(deadline: number): boolean {
    const job = this.job!;
    let moved = false; // one step at least per call, whatever the clock says
    if (job.piece > 0 && (job.from.s.cap !== job.copy.s.cap || job.from.s.nodeCap !== job.copy.s.nodeCap)) {
      // the source grew for actors or nodes a new chunk named: copy it again at its new size
      job.copy = new Cursor(new MeshState());
      job.piece = 0;
    }
    const c = job.copy;
    if (job.piece >= 0) {
      job.piece = c.copyFromUntil(job.from, deadline, job.piece);
      if (job.piece >= 0) return false;
      moved = true;
    }
    const kf = this.kf;
    while (c.kf !== job.want || c.s.row !== kf.rows[job.want]) {
      if (moved && performance.now() > deadline) return false;
      moved = true;
      // the farthest keyframe toward the goal within a few thousand entries (at least one)
      const dir = job.want > c.kf ? 1 : job.want < c.kf ? -1 : 0;
      let k = c.kf + dir;
      while (k !== job.want && kf.between(Math.min(c.kf, k + dir), Math.max(c.kf, k + dir)) <= WALK_STEP) k += dir;
      kf.restore(c, k);
    }
    this.job = null;
    if (this.kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) return true;
    let at = 0;
    while (at < this.snaps.length && this.snaps[at].kf < job.want) at++;
    if (this.snaps[at]?.kf !== job.want) this.snaps.splice(at, 0, c);
    return true;
  }

  /**
   * Fold the builder forward, recording a keyframe every `spacing` events, until the next one
   * would lie past `rows`. With a `deadline` (idle time): stop early, returning false, once
   * performance.now() passes it or a full copy is due (made piece by piece by the next steps of
   * the slice). Without (a jump waits): to the end, copying the state where a copy is due, so
   * that the jumps after a cold one find copies too.
   */
  build(rows: number, deadline = Infinity): boolean {
    const st = this.store;
    const b = this.builder;
    const idle = deadline !== Infinity;
    if (!idle && this.job?.from === b && this.kf.lastRow + this.spacing <= rows) this.job = null;
    this.ensure();
    for (;;) {
      const next = this.kf.lastRow + this.spacing;
      if (next > rows) return true;
      const stop = idle ? Math.min(next, b.s.row + 512) : next;
      for (let p = b.s.row; p < stop; p++) applyRow(b.s, st, st.rowAt(p));
      b.s.row = stop;
      if (stop === next) {
        pruneBusy(b.s, st.ts.data[next - 1]);
        this.kf.append(b);
        this.fitBudget();
        this.snapshot(idle);
        if (this.job) return false;
      }
      if (idle && performance.now() > deadline) return false;
    }
  }

  /**
   * Keep a full copy of the builder, just put on a new keyframe, if one is due there and fits:
   * at once, or (`later`) as the job of the next steps of an idle slice.
   */
  private snapshot(later: boolean): void {
    const b = this.builder;
    if (!this.useSnaps || b.kf % this.snapEvery !== 0) return;
    // no room left beside the keyframes: idle time moves copies to where they help most
    if (this.kf.bytes + this.snapshotBytes + this.snapSize() > this.budget) return;
    const c = new Cursor(new MeshState());
    if (later) {
      this.job = { copy: c, from: b, want: b.kf, piece: 0 };
      return;
    }
    c.copyFrom(b);
    this.snaps.push(c);
  }

  /** Drop every second copy, and space the ones a build makes twice as far. */
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
      this.job = null;
      this.kf.merge([this.builder, ...this.cursors], st.actorCodes.length, st.nodeCodes.length);
      this.spacing *= 2;
      this.merges++;
      if (this.kf.bytes > before * 0.875) return;
    }
  }
}
