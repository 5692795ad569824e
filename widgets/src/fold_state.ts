// The fold's state at the playhead (docs/contract.md, "State at a time"): every actor's and
// node's fields as columns, the per-node status counts, the possibly-busy list, and the marks of
// what changed since the state's keyframe. The rules that fold an event into it are fold_apply.ts.
import { N, S } from "./kinds";

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

/** A handler started on actor `a`: it may be busy from now on. */
export function markBusy(s: MeshState, a: number): void {
  if (s.inBusy[a]) return;
  s.inBusy[a] = 1;
  s.busy[s.busyLen++] = a;
}

/**
 * Drop from the busy list the actors idle for good at time t (every later query of this state
 * is at t or later): not alive, or no handler open and the last msg_handle over by t.
 */
export function pruneBusy(s: MeshState, t: number): void {
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
