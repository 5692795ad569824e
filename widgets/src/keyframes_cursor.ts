// A fold state's place among the keyframes (keyframes.ts), and the marks of what it changed since.
import type { MeshState } from "./fold_state";

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
    const s = this.s;
    const t = o.s;
    this.ensure(t.cap, t.nodeCap);
    for (const [a, b] of [
      [s.status, t.status], [s.incarnation, t.incarnation], [s.node, t.node], [s.processed, t.processed],
      [s.mailbox, t.mailbox], [s.lastHandler, t.lastHandler], [s.procTime, t.procTime], [s.busyUntil, t.busyUntil],
      [s.handleT, t.handleT], [s.open, t.open], [s.startT, t.startT], [s.errors, t.errors], [s.errorRow, t.errorRow],
      [s.restarts, t.restarts], [s.failRow, t.failRow], [s.lifeRow, t.lifeRow], [s.inBusy, t.inBusy],
      [s.isChanged, t.isChanged], [s.nodeState, t.nodeState], [s.nodeReason, t.nodeReason], [s.nodeRow, t.nodeRow],
      [s.nodeCounts, t.nodeCounts], [s.isChangedNode, t.isChangedNode], [this.atActor, o.atActor], [this.atNode, o.atNode],
    ] as [Int32Array, Int32Array][]) {
      a.set(b.subarray(0, Math.min(a.length, b.length)));
    }
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
