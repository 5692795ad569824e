// State at the playhead, folded from the events (docs/contract.md, "State at a time").
// Keyframes every few thousand events (keyframes.ts: deltas of what changed, built in idle time
// by keyframes_builder.ts, with full copies of the state at some of them) make a jump cost the
// entities changed in between plus a short replay, and playback folds forward from where it was,
// so a frame never refolds from the start. The state is fold_state.ts, the rules of one event
// fold_apply.ts; both are re-exported here, where the views import them from.
import { applyRow } from "./fold_apply";
import { MeshState, pruneBusy } from "./fold_state";
import { Cursor } from "./keyframes";
import { KeyframeBuilder, type BuilderOptions } from "./keyframes_builder";
import type { EventStore } from "./store";

export { applyRow } from "./fold_apply";
export { HUNG_AFTER, MeshState, STATUS_SLOTS, busySince, isHung } from "./fold_state";
export { KEYFRAME_BUDGET } from "./keyframes_builder";

/**
 * What a jump's ways cost, in replayed events (measured in Chromium and node at 100,000 actors: an
 * event ~0.25 us, an entry walked and its actor loaded about as much, a full copy ~15 ns an actor,
 * all of them cache misses but the copy's): an entry walked, and an actor of a full copy.
 */
const LOAD = 1;
const COPY = 1 / 12;

/**
 * Answers "state at t" by moving its working state to the nearest keyframe (through the deltas
 * in between, or from a full copy) plus a short replay, or by folding on from where it is.
 */
export class Folder {
  readonly state: MeshState;
  private readonly work: Cursor;
  private readonly keys: KeyframeBuilder;
  private readonly store: EventStore;
  /** Stop following the store (the view that owned this folder is gone). */
  readonly detach: () => void;
  /** Jumps that started from a full copy (the builder or a snapshot). */
  copies = 0;
  /** Jumps that folded on from the working state as it was, with no keyframe restored. */
  forward = 0;

  constructor(store: EventStore, spacing = 4096, options: BuilderOptions = {}) {
    this.store = store;
    this.state = new MeshState();
    this.work = new Cursor(this.state);
    this.keys = new KeyframeBuilder(store, spacing, [this.work], options);
    this.detach = this.keys.detach;
  }

  /** Events between keyframes: fixed, doubled only when the keyframes outgrow the budget. */
  get spacing(): number {
    return this.keys.spacing;
  }

  /** Keyframe merges so far (each doubled the spacing). */
  get merges(): number {
    return this.keys.merges;
  }

  get keyframeCount(): number {
    return this.keys.kf.count - 1;
  }

  /** Bytes held by the keyframes (their deltas and busy lists), not counting the states. */
  get keyframeBytes(): number {
    return this.keys.kf.bytes;
  }

  /** Bytes of the full copies (about 100 per actor each). */
  get snapshotBytes(): number {
    return this.keys.snapshotBytes;
  }

  get snapshotCount(): number {
    return this.keys.snaps.length;
  }

  /** Rows at which the full copies stand (each a keyframe's). */
  get snapshotRows(): number[] {
    return this.keys.snaps.map((c) => c.s.row);
  }

  /** Idle time has nothing left to do (keyframes built, copies where they help most). */
  get settled(): boolean {
    return this.keys.settled;
  }

  /** How jumps were served: by walking deltas (near) or from a checkpoint (full); actors loaded by the last. */
  get restores(): { near: number; full: number; loaded: number } {
    return this.keys.kf.stats;
  }

  /** The longest idle slice of keyframe building so far, in ms. */
  get longestIdleSliceMs(): number {
    return this.keys.longestSliceMs;
  }

  /** Row up to which keyframes are built (the last keyframe's row). */
  get builtRows(): number {
    return this.keys.kf.lastRow;
  }

  /** Drop keyframes (and the states' replays) that folded rows changed in hindsight. */
  invalidate(dirtyFromRow: number): void {
    this.keys.invalidate(dirtyFromRow);
  }

  /** Fold the first `rows` events of the store's fold order. */
  foldTo(rows: number): MeshState {
    const st = this.store;
    const keys = this.keys;
    const kf = keys.kf;
    keys.build(rows);
    const w = this.work;
    const s = w.s;
    // Where to fold from, by estimated cost in replayed events (LOAD per entry walked, COPY per
    // actor of a full copy): the working state as it is, or put on the keyframe k before `rows`,
    // or a full copy (the builder, or a snapshot on either side of k) as it is or put on k; then
    // fold forward to `rows`.
    const k = kf.find(rows);
    const after = rows - kf.rows[k];
    let cost = s.row <= rows ? rows - s.row : Infinity;
    let from: Cursor | null = null;
    let walk = false;
    const viaWork = LOAD * kf.cost(w, k) + after;
    if (viaWork < cost) {
      cost = viaWork;
      walk = true;
    }
    const copy = Math.ceil(s.cap * COPY);
    const snaps = keys.snaps;
    const i = snaps.findIndex((c) => c.kf > k);
    const around = i < 0 ? snaps.slice(-1) : snaps.slice(Math.max(0, i - 1), i + 1);
    for (const c of [keys.builder, ...around]) {
      const replay = c.s.row <= rows ? copy + rows - c.s.row : Infinity;
      const viaWalk = copy + LOAD * kf.nearCost(c, k) + after;
      if (Math.min(replay, viaWalk) < cost) {
        cost = Math.min(replay, viaWalk);
        from = c;
        walk = viaWalk < replay;
      }
    }
    if (from) {
      // a copy made before later chunks named more actors: they are unseen in it
      from.ensure(st.actorCodes.length, st.nodeCodes.length);
      w.copyFrom(from);
      this.copies++;
    }
    if (walk) kf.restore(w, k);
    else if (!from) this.forward++;
    if (s.row < rows) {
      for (let p = s.row; p < rows; p++) applyRow(s, st, st.rowAt(p));
      s.row = rows;
      pruneBusy(s, st.ts.data[rows - 1]);
    }
    return s;
  }

  stateAt(t: number): MeshState {
    return this.foldTo(this.store.rowsAt(t));
  }
}
