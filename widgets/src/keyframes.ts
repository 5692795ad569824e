// Keyframes of the fold as deltas: keyframe j holds only the actors and nodes whose state
// changed since keyframe j-1 (their values at j, and a link to each one's previous value), so a
// keyframe costs what changed, not what exists, and they can sit a fixed number of events apart
// whatever the actor count. A state moves between keyframes by walking the deltas in between.
// The records (keyframes_pools.ts), the cursor a fold state moves among them with
// (keyframes_cursor.ts) and the merge under a budget (keyframes_merge.ts) are files of their own.
import { type Cursor, touchActorOf, touchNodeOf } from "./keyframes_cursor";
import { mergePool } from "./keyframes_merge";
import { ActorPool, NodePool } from "./keyframes_pools";

export { Cursor, touchActorOf, touchNodeOf } from "./keyframes_cursor";

/** Each entity's entry at a keyframe, kept every so often so that a far jump need not walk. */
interface Checkpoint {
  k: number;
  atActor: Int32Array;
  atNode: Int32Array;
}

/** Keyframe 0 is the empty state at row 0; keyframe j > 0 is a delta over keyframe j-1. */
export class Keyframes {
  /** Row of each keyframe: it folds positions [0, row) of the store's fold order. */
  rows: number[] = [0];
  /** Keyframe j's actor entries are [actorStart[j], actorStart[j+1]) (the pool's end for the last). */
  private actorStart: number[] = [0];
  private nodeStart: number[] = [0];
  /** Cut links at each keyframe (shared with the previous keyframe while unchanged). */
  private links: Map<number, number>[] = [new Map()];
  /** The possibly-busy list at each keyframe, in its order. */
  private busy: Int32Array[] = [new Int32Array(0)];
  private busyBytes = 0;
  private actors = new ActorPool();
  private nodes: NodePool;
  private readonly slots: number;
  /**
   * `at` arrays at some keyframes (keyframe 0: empty, every entity unseen), one more each time
   * the deltas since the last grew by as many entries as there are entities: a jump farther than
   * that starts from the checkpoint and loads every entity, so it never costs more than about
   * one pass over the actors, and the checkpoints hold under 5% of the deltas' bytes.
   */
  private checkpoints: Checkpoint[] = [{ k: 0, atActor: new Int32Array(0), atNode: new Int32Array(0) }];

  /** Restores so far by walking deltas and from a checkpoint, and the entities the last one loaded. */
  readonly stats = { near: 0, full: 0, loaded: 0 };

  constructor(statusSlots: number) {
    this.slots = statusSlots;
    this.nodes = new NodePool(statusSlots);
  }

  get count(): number {
    return this.rows.length;
  }

  get lastRow(): number {
    return this.rows[this.rows.length - 1];
  }

  /** Bytes held by the keyframes (allocated, not just filled). */
  get bytes(): number {
    let b = this.actors.bytes + this.nodes.bytes + this.busyBytes + this.rows.length * 48;
    for (const c of this.checkpoints) b += c.atActor.byteLength + c.atNode.byteLength;
    return b;
  }

  /** Entries recorded (actors, nodes): what the deltas hold. */
  get entries(): [number, number] {
    return [this.actors.length, this.nodes.length];
  }

  /** The last keyframe at or before `row`. */
  find(row: number): number {
    return lastAtOrBefore(this.rows, row, (r) => r);
  }

  private actorEnd(j: number): number {
    return j + 1 < this.actorStart.length ? this.actorStart[j + 1] : this.actors.length;
  }

  private nodeEnd(j: number): number {
    return j + 1 < this.nodeStart.length ? this.nodeStart[j + 1] : this.nodes.length;
  }

  /**
   * Record the cursor's state as a new last keyframe: an entry for each actor and node it
   * changed since its keyframe, which must be the last one.
   */
  append(c: Cursor): void {
    const s = c.s;
    this.actorStart.push(this.actors.length);
    this.nodeStart.push(this.nodes.length);
    if (s.changedLen > s.cap >> 5) {
      // many: in actor order, so that the reads from the state's columns run forward
      for (let x = 0; x < s.cap; x++) {
        if (!s.isChanged[x]) continue;
        c.atActor[x] = this.actors.push(x, c.atActor[x], s);
        s.isChanged[x] = 0;
      }
    } else {
      for (let i = 0; i < s.changedLen; i++) {
        const x = s.changed[i];
        c.atActor[x] = this.actors.push(x, c.atActor[x], s);
        s.isChanged[x] = 0;
      }
    }
    s.changedLen = 0;
    for (let i = 0; i < s.changedNodesLen; i++) {
      const x = s.changedNodes[i];
      c.atNode[x] = this.nodes.push(x, c.atNode[x], s);
      s.isChangedNode[x] = 0;
    }
    s.changedNodesLen = 0;
    this.links.push(s.linkEdits ? new Map(s.links) : this.links[this.links.length - 1]);
    s.linkEdits = 0;
    const busy = s.busy.slice(0, s.busyLen);
    this.busy.push(busy);
    this.busyBytes += busy.byteLength;
    this.rows.push(s.row);
    c.kf = this.rows.length - 1;
    const cp = this.checkpoints[this.checkpoints.length - 1];
    const since = this.actors.length - this.actorStart[cp.k] + this.nodes.length - this.nodeStart[cp.k];
    if (since >= Math.max(1024, s.cap + s.nodeCap)) {
      this.checkpoints.push({ k: c.kf, atActor: c.atActor.slice(), atNode: c.atNode.slice() });
    }
  }

  /** Entries of the deltas after keyframe i up to keyframe j >= i: what walking them costs. */
  between(i: number, j: number): number {
    return this.actorEnd(j) - this.actorEnd(i) + this.nodeEnd(j) - this.nodeEnd(i);
  }

  /**
   * Put the cursor's state exactly at keyframe k. Near: walk the deltas between its keyframe and
   * k (forwards: each entity's latest entry; backwards: the entry before), marking what they
   * touch as changed, then load every changed entity's value at k: the cost is what changed in
   * between. Far (more entries to walk than entities): take the entries at k from the last
   * checkpoint at or before it plus the deltas since, and load the actors whose entry differs
   * from the one they hold: one pass over an int per actor plus what changed.
   */
  /** Entries walked plus actors looked at to move the cursor to keyframe k by walking. */
  nearCost(c: Cursor, k: number): number {
    return this.between(Math.min(c.kf, k), Math.max(c.kf, k)) + c.s.changedLen;
  }

  /** The same from the checkpoint before k (a pass over an int per actor, and the loads). */
  private fullCost(c: Cursor, k: number, near: number): number {
    const cp = this.checkpoints[lastAtOrBefore(this.checkpoints, k, (x) => x.k)];
    return (c.s.cap >> 2) + c.s.nodeCap + this.between(cp.k, k) + Math.min(c.s.cap, near);
  }

  /** What moving the cursor to keyframe k costs, in entries and actors visited. */
  cost(c: Cursor, k: number): number {
    const near = this.nearCost(c, k);
    return Math.min(near, this.fullCost(c, k, near));
  }

  restore(c: Cursor, k: number): void {
    const s = c.s;
    const near = this.nearCost(c, k);
    if (near > this.fullCost(c, k, near)) {
      const cp = this.checkpoints[lastAtOrBefore(this.checkpoints, k, (x) => x.k)];
      this.restoreFull(c, k, cp);
      this.stats.full++;
    } else {
      this.restoreNear(c, k);
      this.stats.near++;
    }
    for (let i = 0; i < s.busyLen; i++) s.inBusy[s.busy[i]] = 0;
    const busy = this.busy[k];
    s.busy.set(busy);
    s.busyLen = busy.length;
    for (let i = 0; i < busy.length; i++) s.inBusy[busy[i]] = 1;
    s.links = new Map(this.links[k]);
    s.linkEdits = 0;
    s.row = this.rows[k];
    c.kf = k;
  }

  private restoreNear(c: Cursor, k: number): void {
    const s = c.s;
    const { atActor, atNode } = c;
    const a = this.actors;
    const n = this.nodes;
    if (k > c.kf) {
      for (let e = this.actorStart[c.kf + 1]; e < this.actorEnd(k); e++) {
        atActor[a.ent[e]] = e;
        touchActorOf(s, a.ent[e]);
      }
      for (let e = this.nodeStart[c.kf + 1]; e < this.nodeEnd(k); e++) {
        atNode[n.ent[e]] = e;
        touchNodeOf(s, n.ent[e]);
      }
    } else if (k < c.kf) {
      // newest first, so that each entity ends on the entry before its first change after k
      for (let e = this.actorEnd(c.kf) - 1; e >= this.actorStart[k + 1]; e--) {
        atActor[a.ent[e]] = a.prev[e];
        touchActorOf(s, a.ent[e]);
      }
      for (let e = this.nodeEnd(c.kf) - 1; e >= this.nodeStart[k + 1]; e--) {
        atNode[n.ent[e]] = n.prev[e];
        touchNodeOf(s, n.ent[e]);
      }
    }
    this.stats.loaded = s.changedLen;
    if (s.changedLen > s.cap >> 5) {
      // many: in actor order, so that the writes into the state's columns run forward
      for (let x = 0; x < s.cap; x++) {
        if (!s.isChanged[x]) continue;
        a.load(atActor[x], s, x);
        s.isChanged[x] = 0;
      }
    } else {
      for (let i = 0; i < s.changedLen; i++) {
        const x = s.changed[i];
        a.load(atActor[x], s, x);
        s.isChanged[x] = 0;
      }
    }
    s.changedLen = 0;
    for (let i = 0; i < s.changedNodesLen; i++) {
      const x = s.changedNodes[i];
      n.load(atNode[x], s, x);
      s.isChangedNode[x] = 0;
    }
    s.changedNodesLen = 0;
  }

  private restoreFull(c: Cursor, k: number, cp: Checkpoint): void {
    const s = c.s;
    const was = c.atActor;
    if (c.spare.length !== was.length) c.spare = new Int32Array(was.length);
    const at = c.spare;
    at.fill(-1);
    at.set(cp.atActor.subarray(0, at.length));
    const { atNode } = c;
    atNode.fill(-1);
    atNode.set(cp.atNode.subarray(0, atNode.length));
    const a = this.actors;
    const n = this.nodes;
    for (let e = this.actorEnd(cp.k), end = this.actorEnd(k); e < end; e++) at[a.ent[e]] = e;
    for (let e = this.nodeEnd(cp.k), end = this.nodeEnd(k); e < end; e++) atNode[n.ent[e]] = e;
    // An actor holds the value of its entry unless it changed since: load only those whose
    // entry at k differs, and the changed ones.
    let loaded = 0;
    for (let x = 0; x < s.cap; x++) {
      if (at[x] !== was[x] || s.isChanged[x]) {
        a.load(at[x], s, x);
        loaded++;
      }
    }
    c.spare = was;
    c.atActor = at;
    this.stats.loaded = loaded;
    for (let x = 0; x < s.nodeCap; x++) n.load(atNode[x], s, x);
    for (let i = 0; i < s.changedLen; i++) s.isChanged[s.changed[i]] = 0;
    s.changedLen = 0;
    for (let i = 0; i < s.changedNodesLen; i++) s.isChangedNode[s.changedNodes[i]] = 0;
    s.changedNodesLen = 0;
  }

  /** Forget the keyframes after k; no cursor may stand on one of them. */
  truncate(k: number): void {
    if (k + 1 >= this.rows.length) return;
    this.actors.length = this.actorStart[k + 1];
    this.nodes.length = this.nodeStart[k + 1];
    for (let j = k + 1; j < this.busy.length; j++) this.busyBytes -= this.busy[j].byteLength;
    for (const list of [this.rows, this.actorStart, this.nodeStart, this.links, this.busy] as unknown[][]) {
      list.length = k + 1;
    }
    while (this.checkpoints[this.checkpoints.length - 1].k > k) this.checkpoints.pop();
  }

  /**
   * Halve the keyframes: keep every second one (and the last), each kept delta the union of the
   * two it replaces, with each entity's latest value in it. Cursors on a dropped keyframe are
   * first put on the kept one before it; entry numbers in cursors and checkpoints are renumbered.
   */
  merge(cursors: Cursor[], actors: number, nodes: number): void {
    const last = this.rows.length - 1;
    if (last < 2) return;
    const kept = (j: number) => j === 0 || j === last || j % 2 === 0;
    for (const c of cursors) if (!kept(c.kf)) this.restore(c, c.kf - 1);
    const groups: [number, number][] = []; // old keyframes (from, to] folded into each new one
    const renumber = new Map<number, number>([[0, 0]]);
    let from = 0;
    for (let j = 1; j <= last; j++) {
      if (!kept(j)) continue;
      groups.push([from, j]);
      renumber.set(j, groups.length);
      from = j;
    }
    this.checkpoints = this.checkpoints.filter((cp) => kept(cp.k));
    const actorAts = [...cursors.map((c) => c.atActor), ...this.checkpoints.map((cp) => cp.atActor)];
    const nodeAts = [...cursors.map((c) => c.atNode), ...this.checkpoints.map((cp) => cp.atNode)];
    const freshActors = new ActorPool();
    const freshNodes = new NodePool(this.slots);
    const actorStart = mergePool(groups, this.actors, freshActors, this.actorStart, (j) => this.actorEnd(j), actors, actorAts);
    const nodeStart = mergePool(groups, this.nodes, freshNodes, this.nodeStart, (j) => this.nodeEnd(j), nodes, nodeAts);
    this.actors = freshActors;
    this.nodes = freshNodes;
    this.actorStart = actorStart;
    this.nodeStart = nodeStart;
    const keep = <T>(xs: T[]) => xs.filter((_x, j) => kept(j));
    this.rows = keep(this.rows);
    this.links = keep(this.links);
    this.busy = keep(this.busy);
    this.busyBytes = this.busy.reduce((b, x) => b + x.byteLength, 0);
    for (const c of cursors) c.kf = renumber.get(c.kf)!;
    for (const cp of this.checkpoints) cp.k = renumber.get(cp.k)!;
  }
}

function lastAtOrBefore<T>(xs: T[], v: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(xs[mid]) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
