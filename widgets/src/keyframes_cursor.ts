// A fold state's place among the keyframes (keyframes.ts), and the marks of what it changed since.
import type { MeshState } from "./fold_state";

/** Values of one column a piece of a copy made in idle time holds (256 KB to 512 KB). */
const PIECE = 65536;

type Arr = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** The state's columns a copy holds, per actor and per node. */
const STATE_COLUMNS = [
  "status", "incarnation", "node", "processed", "mailbox", "lastHandler", "procTime", "busyUntil", "handleT", "open", "startT", "errors",
  "errorRow", "restarts", "failRow", "lifeRow", "inBusy", "isChanged", "nodeState", "nodeReason", "nodeRow", "nodeCounts", "isChangedNode",
] as const;

/**
 * A fold state tied to the keyframes: `kf` is the keyframe it was last put exactly at, `atActor`
 * / `atNode` each entity's entry holding its value at that keyframe (-1: unseen), and the
 * state's changed lists name what it folded since (MeshState.changed, changedNodes).
 */
export class Cursor {
  readonly s: MeshState;
  kf = 0;
  atActor: Int32Array = new Int32Array(0);
  atNode: Int32Array = new Int32Array(0);
  /** Room for the next `atActor` while a far jump compares it with the current one. */
  spare: Int32Array = new Int32Array(0);

  constructor(s: MeshState) {
    this.s = s;
  }

  /**
   * Become a copy of `o` (state, keyframe, entry links, what changed since): one copy of every
   * column, cheaper than loading actor by actor when most of them differ.
   */
  copyFrom(o: Cursor): void {
    this.copyFromUntil(o, Infinity);
  }

  /**
   * The same in pieces of at most PIECE values of a column, so that an idle slice can stop
   * between them: copy from piece `from` on (at least one) until performance.now() passes
   * `deadline`; returns the piece to go on from, or -1 once the copy is whole. Neither state
   * may change in between.
   */
  copyFromUntil(o: Cursor, deadline: number, from = 0): number {
    const s = this.s;
    const t = o.s;
    if (from === 0 && s.cap === 0 && t.cap > 0) {
      // a new copy: each column is made (blank, as every value is written) right before its
      // first piece, so that a copy in idle time touches its memory a piece at a time
      s.cap = t.cap;
      s.nodeCap = t.nodeCap;
    } else this.ensure(t.cap, t.nodeCap);
    let piece = 0;
    const cols: [Record<string, Arr>, string, Arr][] = STATE_COLUMNS.map((key) => [s as unknown as Record<string, Arr>, key, t[key]]);
    cols.push([this as unknown as Record<string, Arr>, "atActor", o.atActor], [this as unknown as Record<string, Arr>, "atNode", o.atNode]);
    for (const [holder, key, b] of cols) {
      if (holder[key].length === 0 && b.length > 0 && piece >= from) holder[key] = new (b.constructor as new (n: number) => Arr)(b.length);
      const a = holder[key];
      const n = Math.min(a.length, b.length);
      for (let lo = 0; lo < n; lo += PIECE, piece++) {
        if (piece < from) continue;
        if (piece > from && deadline !== Infinity && performance.now() > deadline) return piece;
        a.set(b.subarray(lo, Math.min(n, lo + PIECE)) as never, lo);
      }
    }
    if (s.busy.length < t.busy.length) s.busy = new Int32Array(t.busy.length);
    if (s.changed.length < t.changed.length) s.changed = new Int32Array(t.changed.length);
    if (s.changedNodes.length < t.changedNodes.length) s.changedNodes = new Int32Array(t.changedNodes.length);
    s.busy.set(t.busy.subarray(0, t.busyLen));
    s.busyLen = t.busyLen;
    s.changed.set(t.changed.subarray(0, t.changedLen));
    s.changedLen = t.changedLen;
    s.changedNodes.set(t.changedNodes.subarray(0, t.changedNodesLen));
    s.changedNodesLen = t.changedNodesLen;
    s.links = new Map(t.links);
    s.linkEdits = t.linkEdits;
    s.row = t.row;
    this.kf = o.kf;
    return -1;
  }

  ensure(actors: number, nodes: number): void {
    this.s.ensure(actors, nodes);
    if (this.atActor.length < this.s.cap) this.atActor = widen(this.atActor, this.s.cap);
    if (this.atNode.length < this.s.nodeCap) this.atNode = widen(this.atNode, this.s.nodeCap);
  }
}

function widen(a: Int32Array, n: number): Int32Array {
  const next = new Int32Array(n).fill(-1);
  next.set(a);
  return next;
}

/** Note actor x as changed in s since its keyframe (once). */
export function touchActorOf(s: MeshState, x: number): void {
  if (s.isChanged[x]) return;
  s.isChanged[x] = 1;
  s.changed[s.changedLen++] = x;
}

/** Note node x as changed in s since its keyframe (once). */
export function touchNodeOf(s: MeshState, x: number): void {
  if (s.isChangedNode[x]) return;
  s.isChangedNode[x] = 1;
  s.changedNodes[s.changedNodesLen++] = x;
}
