// State at the playhead, folded from the events (docs/contract.md, "State at a time").
// Keyframes every few thousand events make a jump cost one copy plus a short replay, and
// playback folds forward from where it was, so a frame never refolds from the start.
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
      this.cap = cap;
    }
    if (nodes > this.nodeCap) {
      const cap = Math.max(nodes, this.nodeCap * 2, 16);
      this.nodeState = grow(this.nodeState, cap, N.unknown);
      this.nodeReason = grow(this.nodeReason, cap, -1);
      this.nodeRow = grow(this.nodeRow, cap, -1);
      this.nodeCounts = grow(this.nodeCounts, cap * STATUS_SLOTS, 0);
      this.nodeCap = cap;
    }
  }

  copyFrom(o: MeshState): void {
    this.ensure(o.cap, o.nodeCap);
    this.row = o.row;
    copy(this.status, o.status, 0);
    copy(this.incarnation, o.incarnation, 0);
    copy(this.node, o.node, -1);
    copy(this.processed, o.processed, 0);
    copy(this.mailbox, o.mailbox, 0);
    copy(this.lastHandler, o.lastHandler, -1);
    copy(this.procTime, o.procTime, 0);
    copy(this.busyUntil, o.busyUntil, -Infinity);
    copy(this.handleT, o.handleT, 0);
    copy(this.open, o.open, 0);
    copy(this.startT, o.startT, 0);
    copy(this.errors, o.errors, 0);
    copy(this.errorRow, o.errorRow, -1);
    copy(this.restarts, o.restarts, 0);
    copy(this.failRow, o.failRow, -1);
    copy(this.lifeRow, o.lifeRow, -1);
    copy(this.nodeState, o.nodeState, N.unknown);
    copy(this.nodeReason, o.nodeReason, -1);
    copy(this.nodeRow, o.nodeRow, -1);
    copy(this.nodeCounts, o.nodeCounts, 0);
    copy(this.inBusy, o.inBusy, 0);
    this.busy.set(o.busy.subarray(0, o.busyLen));
    this.busyLen = o.busyLen;
    this.links = new Map(o.links);
  }

  /** A compact copy (arrays trimmed to what exists), for keyframes. */
  snapshot(actors: number, nodes: number): MeshState {
    const s = new MeshState();
    s.row = this.row;
    s.cap = actors;
    s.nodeCap = nodes;
    s.status = this.status.slice(0, actors);
    s.incarnation = this.incarnation.slice(0, actors);
    s.node = this.node.slice(0, actors);
    s.processed = this.processed.slice(0, actors);
    s.mailbox = this.mailbox.slice(0, actors);
    s.lastHandler = this.lastHandler.slice(0, actors);
    s.procTime = this.procTime.slice(0, actors);
    s.busyUntil = this.busyUntil.slice(0, actors);
    s.handleT = this.handleT.slice(0, actors);
    s.open = this.open.slice(0, actors);
    s.startT = this.startT.slice(0, actors);
    s.errors = this.errors.slice(0, actors);
    s.errorRow = this.errorRow.slice(0, actors);
    s.restarts = this.restarts.slice(0, actors);
    s.failRow = this.failRow.slice(0, actors);
    s.lifeRow = this.lifeRow.slice(0, actors);
    s.nodeState = this.nodeState.slice(0, nodes);
    s.nodeReason = this.nodeReason.slice(0, nodes);
    s.nodeRow = this.nodeRow.slice(0, nodes);
    s.nodeCounts = this.nodeCounts.slice(0, nodes * STATUS_SLOTS);
    s.inBusy = this.inBusy.slice(0, actors);
    s.busy = this.busy.slice(0, Math.max(actors, this.busyLen));
    s.busyLen = this.busyLen;
    s.links = new Map(this.links);
    return s;
  }
}

/** Slots of a node's row in MeshState.nodeCounts: one per S value. */
export const STATUS_SLOTS = 5;

/** Move actor `a` to `status` on `node`, keeping the per-node counts. */
function setStatus(s: MeshState, a: number, status: number, node: number): void {
  const was = s.node[a];
  if (was >= 0) s.nodeCounts[was * STATUS_SLOTS + s.status[a]]--;
  s.status[a] = status;
  s.node[a] = node;
  if (node >= 0) {
    if (node >= s.nodeCap) s.ensure(0, node + 1);
    s.nodeCounts[node * STATUS_SLOTS + status]++;
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

/** Copy `src` into the front of `dst` and reset the rest (entities unknown to the keyframe). */
function copy<T extends Arr>(dst: T, src: T, fill: number): void {
  dst.set(src as never);
  if (src.length < dst.length) dst.fill(fill, src.length);
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
    }
    return; // msg_send changes no actor state
  }
  const n = st.nodeOf.get(st.node.data[row]);
  if (n === undefined) return;
  s.ensure(0, n + 1);
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

const EMPTY = new MeshState();
const KEYFRAME_BYTES_PER_ACTOR = 50;
const KEYFRAME_BUDGET = 64 * 1024 * 1024;

/** Keeps keyframes over a store and answers "state at t" by copy + short replay. */
export class Folder {
  readonly state = new MeshState();
  private keyframes: MeshState[] = [];
  private readonly builder = new MeshState();
  private readonly store: EventStore;
  /** Minimum events between keyframes; grows with the number of actors (copy cost). */
  minSpacing: number;

  /** Stop following the store (the view that owned this folder is gone). */
  readonly detach: () => void;

  constructor(store: EventStore, minSpacing = 4096) {
    this.store = store;
    this.minSpacing = minSpacing;
    this.detach = store.onChange((dirty) => this.invalidate(dirty));
  }

  /**
   * Events between keyframes: as few as the memory budget allows, since a jump costs one
   * keyframe copy plus replaying up to this many events.
   */
  private spacing(): number {
    const bytes = this.store.n * this.store.actorCodes.length * KEYFRAME_BYTES_PER_ACTOR;
    return Math.max(this.minSpacing, Math.ceil(bytes / KEYFRAME_BUDGET));
  }

  /** Drop keyframes (and the working state) that folded rows changed in hindsight. */
  invalidate(dirtyFromRow: number): void {
    while (this.keyframes.length && this.keyframes[this.keyframes.length - 1].row > dirtyFromRow) {
      this.keyframes.pop();
    }
    if (this.state.row > dirtyFromRow) this.reset();
  }

  private reset(): void {
    const kf = this.keyframes[this.keyframes.length - 1];
    this.state.copyFrom(kf ?? EMPTY);
  }

  get keyframeCount(): number {
    return this.keyframes.length;
  }

  /** Fold the first `rows` events of the store's fold order. */
  foldTo(rows: number): MeshState {
    const st = this.store;
    const s = this.state;
    const actors = st.actorCodes.length;
    const nodes = st.nodeCodes.length;
    const spacing = this.spacing();
    // Extend the keyframes forward until the next one would lie beyond `rows`.
    let last = this.keyframes[this.keyframes.length - 1];
    if (rows >= (last ? last.row : 0) + spacing) {
      const b = this.builder;
      if (last) b.copyFrom(last);
      else b.copyFrom(EMPTY);
      b.ensure(actors, nodes);
      while (rows >= b.row + spacing) {
        const target = b.row + spacing;
        for (let p = b.row; p < target; p++) applyRow(b, st, st.rowAt(p));
        b.row = target;
        pruneBusy(b, st.ts.data[target - 1]);
        last = b.snapshot(actors, nodes);
        this.keyframes.push(last);
      }
    }
    // Fold forward from where the working state is if that is no further than a keyframe;
    // otherwise restore the nearest keyframe at or before `rows`.
    let lo = 0;
    let hi = this.keyframes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keyframes[mid].row <= rows) lo = mid + 1;
      else hi = mid;
    }
    const kf = this.keyframes[lo - 1];
    const kfRow = kf ? kf.row : 0;
    if (s.row > rows || s.row < kfRow) {
      s.copyFrom(kf ?? EMPTY);
    }
    s.ensure(actors, nodes);
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
