// State at the playhead, folded from the events (docs/contract.md, "State at a time").
// Keyframes every few thousand events (keyframes.ts: deltas of what changed, built in idle time)
// make a jump cost the entities changed in between plus a short replay, and playback folds
// forward from where it was, so a frame never refolds from the start.
import { Cursor, Keyframes, touchActorOf, touchNodeOf } from "./keyframes";
import { K, N, S } from "./kinds";
import type { EventStore } from "./store";

export class MeshState {
  /** The rows at positions [0, row) of the store's fold order are folded in. */
  row = 0;
  cap = 0;
  status = new Uint8Array(0);
  incarnation = new Uint32Array(0);
  node = new Int32Array(0); // node index, -1 before spawn
  processed = new Uint32Array(0);
  mailbox = new Int32Array(0);
  lastHandler = new Int32Array(0); // string code
  procTime = new Float64Array(0);
  busyUntil = new Float64Array(0); // end of a running msg_handle (v1 form), -Infinity none
  handleT = new Float64Array(0); // start of that msg_handle
  open = new Int32Array(0); // handler_start rows not yet ended in the current life (v2 form)
  startT = new Float64Array(0); // the latest handler_start of the current life
  errors = new Uint32Array(0); // handlers that ended in an error (the actor lived on), all lives
  errorRow = new Int32Array(0); // the latest of them, -1 none
  restarts = new Uint32Array(0);
  failRow = new Int32Array(0); // latest actor_fail of the current life, -1 none
  lifeRow = new Int32Array(0); // latest lifecycle event of the actor, -1 none
  nodeCap = 0;
  nodeState = new Uint8Array(0);
  nodeReason = new Int32Array(0); // string code of a node_state value
  nodeRow = new Int32Array(0); // latest node event
  /** Cut links: key lo*65536+hi of node indexes -> row of the link_down. */
  links = new Map<number, number>();
  /**
   * Per node, its actors by status (STATUS_SLOTS a row, indexed by S): kept by the fold so that
   * a frame drawing per-node summaries reads 200 counts instead of looping over every actor.
   */
  nodeCounts = new Int32Array(0);
  /**
   * Actors that may be busy: a handler started since the fold last found them idle. Whether
   * one is busy at t is decided at draw time (busySince), over this list only; the fold drops
   * those that are idle for good at the time of the last event folded.
   */
  busy = new Int32Array(0);
  busyLen = 0;
  inBusy = new Uint8Array(0); // 1 while the actor is in `busy`
  /**
   * Actors and nodes whose fields the fold changed since the state's keyframe (each listed
   * once), and edits of `links`: what a keyframe records and what a jump puts back.
   */
  changed = new Int32Array(0);
  changedLen = 0;
  isChanged = new Uint8Array(0);
  changedNodes = new Int32Array(0);
  changedNodesLen = 0;
  isChangedNode = new Uint8Array(0);
  linkEdits = 0;

  ensure(actors: number, nodes: number): void {
    if (actors > this.cap) {
      const cap = Math.max(actors, this.cap * 2, 64);
      this.status = grow(this.status, cap, 0);
      this.incarnation = grow(this.incarnation, cap, 0);
      this.node = grow(this.node, cap, -1);
      this.processed = grow(this.processed, cap, 0);
      this.mailbox = grow(this.mailbox, cap, 0);
      this.lastHandler = grow(this.lastHandler, cap, -1);
      this.procTime = grow(this.procTime, cap, 0);
      this.busyUntil = grow(this.busyUntil, cap, -Infinity);
      this.handleT = grow(this.handleT, cap, 0);
      this.open = grow(this.open, cap, 0);
      this.startT = grow(this.startT, cap, 0);
      this.errors = grow(this.errors, cap, 0);
      this.errorRow = grow(this.errorRow, cap, -1);
      this.restarts = grow(this.restarts, cap, 0);
      this.failRow = grow(this.failRow, cap, -1);
      this.lifeRow = grow(this.lifeRow, cap, -1);
      this.inBusy = grow(this.inBusy, cap, 0);
      this.busy = grow(this.busy, cap, 0);
      this.changed = grow(this.changed, cap, 0);
      this.isChanged = grow(this.isChanged, cap, 0);
      this.cap = cap;
    }
    if (nodes > this.nodeCap) {
      const cap = Math.max(nodes, this.nodeCap * 2, 16);
      this.nodeState = grow(this.nodeState, cap, N.unknown);
      this.nodeReason = grow(this.nodeReason, cap, -1);
      this.nodeRow = grow(this.nodeRow, cap, -1);
      this.nodeCounts = grow(this.nodeCounts, cap * STATUS_SLOTS, 0);
      this.changedNodes = grow(this.changedNodes, cap, 0);
      this.isChangedNode = grow(this.isChangedNode, cap, 0);
      this.nodeCap = cap;
    }
  }
}

/** Slots of a node's row in MeshState.nodeCounts: one per S value. */
export const STATUS_SLOTS = 5;

/** Move actor `a` to `status` on `node`, keeping the per-node counts. */
function setStatus(s: MeshState, a: number, status: number, node: number): void {
  const was = s.node[a];
  if (was >= 0) {
    s.nodeCounts[was * STATUS_SLOTS + s.status[a]]--;
    touchNodeOf(s, was);
  }
  s.status[a] = status;
  s.node[a] = node;
  if (node >= 0) {
    if (node >= s.nodeCap) s.ensure(0, node + 1);
    s.nodeCounts[node * STATUS_SLOTS + status]++;
    touchNodeOf(s, node);
  }
}

/** A handler started on actor `a`: it may be busy from now on. */
function markBusy(s: MeshState, a: number): void {
  if (s.inBusy[a]) return;
  s.inBusy[a] = 1;
  s.busy[s.busyLen++] = a;
}

/**
 * Drop from the busy list the actors idle for good at time t (every later query of this state
 * is at t or later): not alive, or no handler open and the last msg_handle over by t.
 */
function pruneBusy(s: MeshState, t: number): void {
  let j = 0;
  for (let i = 0; i < s.busyLen; i++) {
    const a = s.busy[i];
    if (s.status[a] === S.alive && (s.open[a] > 0 || s.busyUntil[a] > t)) s.busy[j++] = a;
    else s.inBusy[a] = 0;
  }
  s.busyLen = j;
}

type Arr = Uint8Array | Uint32Array | Int32Array | Float64Array;

function grow<T extends Arr>(a: T, cap: number, fill: number): T {
  const ctor = a.constructor as new (n: number) => T;
  const next = new ctor(cap);
  next.fill(fill);
  next.set(a as never);
  return next;
}

/** Fold one event into the state. Pure apart from mutating `s`; the unit of the fold. */
export function applyRow(s: MeshState, st: EventStore, row: number): void {
  const k = st.kind.data[row];
  if (k >= K.actor_spawn) {
    const code = st.actor.data[row];
    if (k <= K.actor_restart) {
      const a = code >= 0 ? st.actorByCode[code] : -1;
      if (a < 0) return;
      s.ensure(a + 1, st.nodeCodes.length);
      touchActorOf(s, a);
      s.lifeRow[a] = row;
      if (k === K.actor_spawn || k === K.actor_restart) {
        setStatus(s, a, S.alive, st.nodeByCode[st.node.data[row]]);
        s.incarnation[a] = st.incarnation.data[row];
        s.mailbox[a] = 0;
        s.busyUntil[a] = -Infinity;
        s.open[a] = 0;
        s.failRow[a] = -1;
        if (k === K.actor_restart) s.restarts[a]++;
      } else if (k === K.actor_fail) {
        setStatus(s, a, st.restartFollows.has(row) ? S.restarting : S.failed, s.node[a]);
        s.failRow[a] = row;
        s.busyUntil[a] = -Infinity;
      } else {
        // only a supervisor's shutdown is part of a restart; a normal stop stays a stop
        const restart = st.restartFollows.has(row) && st.str(st.reason.data[row]) === "shutdown";
        setStatus(s, a, restart ? S.restarting : S.stopped, s.node[a]);
        s.busyUntil[a] = -Infinity;
      }
      return;
    }
    if (k === K.msg_recv || k === K.msg_handle || k === K.msg_drop || k === K.handler_start || k === K.handler_end) {
      // An actor that is not alive neither receives nor handles (docs/contract.md); a
      // discarded drop still empties the mailbox of the life that just ended.
      const a = code >= 0 ? st.actorByCode[code] : -1;
      if (a < 0 || (s.status[a] !== S.alive && k !== K.msg_drop)) return;
      if (a >= s.cap) s.ensure(a + 1, st.nodeCodes.length);
      if (k !== K.msg_drop) touchActorOf(s, a);
      if (k === K.msg_recv) s.mailbox[a]++;
      else if (k === K.msg_handle) {
        const d = st.duration.data[row];
        const dur = Number.isFinite(d) ? d : 0;
        s.mailbox[a]--;
        s.processed[a]++;
        s.lastHandler[a] = st.msgType.data[row];
        s.procTime[a] += dur;
        s.handleT[a] = st.t.data[row];
        s.busyUntil[a] = st.t.data[row] + dur;
        if (dur > 0) markBusy(s, a);
        if (isError(st, row)) noteError(s, a, row);
      } else if (k === K.handler_start) {
        // v2: a handler started, its duration unknown until its handler_end
        s.mailbox[a]--;
        s.processed[a]++;
        s.lastHandler[a] = st.msgType.data[row];
        s.busyUntil[a] = -Infinity; // the latest handler is this one, not an earlier msg_handle
        s.open[a]++;
        s.startT[a] = st.t.data[row];
        markBusy(s, a);
      } else if (k === K.handler_end) {
        const d = st.duration.data[row];
        s.procTime[a] += Number.isFinite(d) ? d : 0;
        s.open[a]--;
        if (isError(st, row)) noteError(s, a, row);
      } else if (st.str(st.reason.data[row]) === "discarded" && s.mailbox[a] > 0) {
        s.mailbox[a]--;
        touchActorOf(s, a);
      }
      return;
    }
    if (k === K.link_down || k === K.link_up) {
      const a = st.nodeOf.get(st.node.data[row]);
      const b = st.nodeOf.get(st.peer.data[row]);
      if (a === undefined || b === undefined) return;
      const key = Math.min(a, b) * 65536 + Math.max(a, b);
      if (k === K.link_down) s.links.set(key, row);
      else s.links.delete(key);
      s.linkEdits++;
    }
    return; // msg_send changes no actor state
  }
  const n = st.nodeOf.get(st.node.data[row]);
  if (n === undefined) return;
  s.ensure(0, n + 1);
  touchNodeOf(s, n);
  s.nodeRow[n] = row;
  s.nodeReason[n] = -1;
  if (k === K.node_join || k === K.node_up) s.nodeState[n] = N.up;
  else if (k === K.node_down) s.nodeState[n] = N.down;
  else if (k === K.node_leave) s.nodeState[n] = N.left;
  else {
    const r = st.reason.data[row];
    if (st.str(r) === "up") s.nodeState[n] = N.up;
    else {
      s.nodeState[n] = N.other;
      s.nodeReason[n] = r;
    }
  }
}

/** A handler's outcome `error: <text>` (v2): it raised and the actor lived on. */
function isError(st: EventStore, row: number): boolean {
  return st.str(st.reason.data[row]).startsWith("error");
}

function noteError(s: MeshState, a: number, row: number): void {
  s.errors[a]++;
  s.errorRow[a] = row;
}

/** Seconds an actor may stay busy in one handler before it is drawn as hung (state_at's default). */
export const HUNG_AFTER = 5;

/**
 * When the handler running at t started, or NaN when the actor is idle: a msg_handle runs over
 * [t, t + duration), a handler_start until its handler_end (as Trace.state_at derives busy_since).
 */
export function busySince(s: MeshState, a: number, t: number): number {
  if (s.status[a] !== S.alive) return NaN;
  const one = s.busyUntil[a] > t ? s.handleT[a] : NaN;
  const two = s.open[a] > 0 ? s.startT[a] : NaN;
  return Number.isNaN(one) ? two : Number.isNaN(two) ? one : Math.min(one, two);
}

/** Busy in one handler for more than `after` seconds at t (state_at's `hung`). */
export function isHung(s: MeshState, a: number, t: number, after = HUNG_AFTER): boolean {
  const since = busySince(s, a, t);
  return !Number.isNaN(since) && t - since > after;
}

/**
 * What the keyframes and full copies may hold: the deltas' entries (about 88 bytes per actor
 * changed per keyframe), each keyframe's busy list, and the copies (about 100 bytes per actor
 * each) in what the deltas leave. Past it, copies go first, then keyframes merge in pairs and
 * the spacing doubles; the spacing depends on how much changes per event, not on how many
 * actors exist. (The old full-copy keyframes held 102 MB at 100,000 actors.)
 */
export const KEYFRAME_BUDGET = 128 * 1024 * 1024;
/**
 * What a jump's ways cost, in replayed events (measured in Chromium and node at 100,000 actors: an
 * event ~0.25 us, an entry walked and its actor loaded about as much, a full copy ~15 ns an actor,
 * all of them cache misses but the copy's): an entry walked, and an actor of a full copy.
 */
const LOAD = 1;
const COPY = 1 / 12;
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

/**
 * Keeps keyframes over a store and answers "state at t" by moving its working state to the
 * nearest keyframe (through the deltas in between) plus a short replay. A builder state folds
 * ahead at the frontier and records the keyframes, in idle time as the store grows or on demand.
 */
export class Folder {
  readonly state: MeshState;
  private readonly work: Cursor;
  private readonly builder = new Cursor(new MeshState());
  private readonly kf = new Keyframes(STATUS_SLOTS);
  /**
   * Full copies of the state at some keyframes, in keyframe order, a far jump's other starting
   * points: one every `snapEvery` keyframes, as many as the budget holds beside the keyframes
   * (none when one copy would not fit), thinned and spaced twice as far when it runs out.
   */
  private snaps: Cursor[] = [];
  private snapEvery = 8;
  private readonly store: EventStore;
  /** Events between keyframes: fixed, doubled only when the keyframes outgrow `budget`. */
  spacing: number;
  private readonly budget: number;
  private idle: Idle | null = null;
  private detached = false;
  /** Bytes of the full copies (about 100 per actor each). */
  get snapshotBytes(): number {
    return this.snaps.length * this.snapSize();
  }

  get snapshotCount(): number {
    return this.snaps.length;
  }

  private snapSize(): number {
    return this.builder.s.cap * 100 + this.builder.s.nodeCap * 64;
  }

  /** Keyframe merges so far (each doubled the spacing). */
  merges = 0;

  /** Stop following the store (the view that owned this folder is gone). */
  readonly detach: () => void;

  /** Jumps that started from a full copy (the builder or a snapshot). */
  copies = 0;
  private readonly useSnaps: boolean;
  private readonly idleBuild: boolean;

  constructor(store: EventStore, spacing = 4096, { budget = KEYFRAME_BUDGET, idle = true, snapshots = true } = {}) {
    this.store = store;
    this.useSnaps = snapshots;
    this.idleBuild = idle;
    this.spacing = spacing;
    this.budget = budget;
    this.state = new MeshState();
    this.work = new Cursor(this.state);
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

  get keyframeCount(): number {
    return this.kf.count - 1;
  }

  /** Bytes held by the keyframes (their deltas and busy lists), not counting the two states. */
  get keyframeBytes(): number {
    return this.kf.bytes;
  }

  /** How jumps were served: by walking deltas (near) or from a checkpoint (full); actors loaded by the last. */
  get restores(): { near: number; full: number; loaded: number } {
    return this.kf.stats;
  }

  /** Row up to which keyframes are built (the last keyframe's row). */
  get builtRows(): number {
    return this.kf.lastRow;
  }

  /** Both states sized for every actor and node of the store (keyframes may name any of them). */
  private ensure(): void {
    const st = this.store;
    this.builder.ensure(st.actorCodes.length, st.nodeCodes.length);
    this.work.ensure(st.actorCodes.length, st.nodeCodes.length);
  }

  /** Drop keyframes (and the states' replays) that folded rows changed in hindsight. */
  invalidate(dirtyFromRow: number): void {
    this.ensure();
    const k = this.kf.find(dirtyFromRow);
    for (const c of [this.builder, this.work]) {
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
  private build(rows: number, deadline = Infinity): boolean {
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
      this.kf.merge([this.builder, this.work], st.actorCodes.length, st.nodeCodes.length);
      this.spacing *= 2;
      this.merges++;
      if (this.kf.bytes > before * 0.875) return;
    }
  }

  /** Fold the first `rows` events of the store's fold order. */
  foldTo(rows: number): MeshState {
    const st = this.store;
    this.build(rows);
    const w = this.work;
    const s = w.s;
    // Where to fold from, by estimated cost in replayed events (LOAD per entry walked, COPY per
    // actor of a full copy): the working state as it is, or put on the keyframe k before `rows`,
    // or a full copy (the builder, or a snapshot on either side of k) as it is or put on k; then
    // fold forward to `rows`.
    const k = this.kf.find(rows);
    const after = rows - this.kf.rows[k];
    let cost = s.row <= rows ? rows - s.row : Infinity;
    let from: Cursor | null = null;
    let walk = false;
    const viaWork = LOAD * this.kf.cost(w, k) + after;
    if (viaWork < cost) {
      cost = viaWork;
      walk = true;
    }
    const copy = Math.ceil(s.cap * COPY);
    const i = this.snaps.findIndex((c) => c.kf > k);
    const around = i < 0 ? this.snaps.slice(-1) : this.snaps.slice(Math.max(0, i - 1), i + 1);
    for (const c of [this.builder, ...around]) {
      const replay = c.s.row <= rows ? copy + rows - c.s.row : Infinity;
      const viaWalk = copy + LOAD * this.kf.nearCost(c, k) + after;
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
    if (walk) this.kf.restore(w, k);
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
