// Keyframes of the fold as deltas: keyframe j holds only the actors and nodes whose state
// changed since keyframe j-1 (their values at j, and a link to each one's previous value), so a
// keyframe costs what changed, not what exists, and they can sit a fixed number of events apart
// whatever the actor count. A state moves between keyframes by walking the deltas in between.
import { N } from "./kinds";
import type { MeshState } from "./fold";

/**
 * Entity values recorded at keyframes, one entry per (entity, keyframe it changed in). `prev`
 * links an entry to the same entity's previous entry (-1: none, the entity is unseen before),
 * which is what a move backwards restores. An entry's fields lie together (`stride` float64
 * slots, integers two to a slot), so loading one entity reads one or two cache lines, not one
 * per field: a far jump loads entries scattered over the whole pool.
 */
abstract class Pool {
  ent: Int32Array = new Int32Array(0);
  prev: Int32Array = new Int32Array(0);
  f64 = new Float64Array(0);
  i32 = new Int32Array(0);
  length = 0;
  cap = 0;
  /** Float64 slots per entry. */
  abstract readonly stride: number;

  /** Copy entity i of s into entry e. */
  protected abstract put(e: number, s: MeshState, i: number): void;
  /** Copy entry e (< 0: the values of an unseen entity) into entity i of s. */
  abstract load(e: number, s: MeshState, i: number): void;

  protected room(): number {
    if (this.length === this.cap) this.reserve(Math.max(1024, this.cap * 2));
    return this.length++;
  }

  /** Room for exactly `cap` entries. */
  reserve(cap: number): void {
    this.ent = sized(this.ent, cap);
    this.prev = sized(this.prev, cap);
    const f64 = new Float64Array(cap * this.stride);
    f64.set(this.f64.subarray(0, this.length * this.stride));
    this.f64 = f64;
    this.i32 = new Int32Array(f64.buffer);
    this.cap = cap;
  }

  /** Record entity i of s, whose previous entry is `prev`; returns the entry. */
  push(i: number, prev: number, s: MeshState): number {
    const e = this.room();
    this.ent[e] = i;
    this.prev[e] = prev;
    this.put(e, s, i);
    return e;
  }

  /** Append entry e of `from`, linked to `prev` (a merge's copy). */
  pushFrom(from: this, e: number, prev: number): number {
    const n = this.room();
    this.ent[n] = from.ent[e];
    this.prev[n] = prev;
    const w = this.stride;
    this.f64.set(from.f64.subarray(e * w, e * w + w), n * w);
    return n;
  }

  /** Bytes allocated. */
  get bytes(): number {
    return this.cap * (8 + 8 * this.stride);
  }
}

function sized(a: Int32Array, n: number): Int32Array {
  const next = new Int32Array(n);
  next.set(a.subarray(0, Math.min(a.length, n)));
  return next;
}

/**
 * Per actor: procTime, busyUntil, handleT, startT as float64 slots 0-3; then as int32 slots
 * 8-19 status, incarnation, node, processed, mailbox, lastHandler, open, errors, errorRow,
 * restarts, failRow, lifeRow (a uint32 goes in as its int32 bits and comes back whole).
 */
class ActorPool extends Pool {
  readonly stride = 10;

  protected put(e: number, s: MeshState, i: number): void {
    const f = e * 10;
    const f64 = this.f64;
    f64[f] = s.procTime[i];
    f64[f + 1] = s.busyUntil[i];
    f64[f + 2] = s.handleT[i];
    f64[f + 3] = s.startT[i];
    const n = e * 20 + 8;
    const i32 = this.i32;
    i32[n] = s.status[i];
    i32[n + 1] = s.incarnation[i];
    i32[n + 2] = s.node[i];
    i32[n + 3] = s.processed[i];
    i32[n + 4] = s.mailbox[i];
    i32[n + 5] = s.lastHandler[i];
    i32[n + 6] = s.open[i];
    i32[n + 7] = s.errors[i];
    i32[n + 8] = s.errorRow[i];
    i32[n + 9] = s.restarts[i];
    i32[n + 10] = s.failRow[i];
    i32[n + 11] = s.lifeRow[i];
  }

  load(e: number, s: MeshState, i: number): void {
    if (e < 0) {
      // as MeshState.ensure fills an actor not yet seen
      s.procTime[i] = 0;
      s.busyUntil[i] = -Infinity;
      s.handleT[i] = 0;
      s.startT[i] = 0;
      s.status[i] = 0;
      s.incarnation[i] = 0;
      s.node[i] = -1;
      s.processed[i] = 0;
      s.mailbox[i] = 0;
      s.lastHandler[i] = -1;
      s.open[i] = 0;
      s.errors[i] = 0;
      s.errorRow[i] = -1;
      s.restarts[i] = 0;
      s.failRow[i] = -1;
      s.lifeRow[i] = -1;
      return;
    }
    const f = e * 10;
    const f64 = this.f64;
    s.procTime[i] = f64[f];
    s.busyUntil[i] = f64[f + 1];
    s.handleT[i] = f64[f + 2];
    s.startT[i] = f64[f + 3];
    const n = e * 20 + 8;
    const i32 = this.i32;
    s.status[i] = i32[n];
    s.incarnation[i] = i32[n + 1];
    s.node[i] = i32[n + 2];
    s.processed[i] = i32[n + 3];
    s.mailbox[i] = i32[n + 4];
    s.lastHandler[i] = i32[n + 5];
    s.open[i] = i32[n + 6];
    s.errors[i] = i32[n + 7];
    s.errorRow[i] = i32[n + 8];
    s.restarts[i] = i32[n + 9];
    s.failRow[i] = i32[n + 10];
    s.lifeRow[i] = i32[n + 11];
  }
}

/** Per node, as int32 slots: nodeState, nodeReason, nodeRow, then its `slots` status counts. */
class NodePool extends Pool {
  readonly stride: number;
  private readonly slots: number;

  constructor(slots: number) {
    super();
    this.slots = slots;
    this.stride = Math.ceil((3 + slots) / 2);
  }

  protected put(e: number, s: MeshState, i: number): void {
    const n = e * this.stride * 2;
    const w = this.slots;
    this.i32[n] = s.nodeState[i];
    this.i32[n + 1] = s.nodeReason[i];
    this.i32[n + 2] = s.nodeRow[i];
    this.i32.set(s.nodeCounts.subarray(i * w, i * w + w), n + 3);
  }

  load(e: number, s: MeshState, i: number): void {
    const w = this.slots;
    if (e < 0) {
      s.nodeState[i] = N.unknown;
      s.nodeReason[i] = -1;
      s.nodeRow[i] = -1;
      s.nodeCounts.fill(0, i * w, i * w + w);
      return;
    }
    const n = e * this.stride * 2;
    s.nodeState[i] = this.i32[n];
    s.nodeReason[i] = this.i32[n + 1];
    s.nodeRow[i] = this.i32[n + 2];
    s.nodeCounts.set(this.i32.subarray(n + 3, n + 3 + w), i * w);
  }
}

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
  private between(i: number, j: number): number {
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
    const redo = <P extends Pool>(old: P, fresh: P, starts: number[], end: (j: number) => number, count: number, ats: Int32Array[]): number[] => {
      const map = new Int32Array(old.length).fill(-1);
      const latest = new Int32Array(count).fill(-1); // each entity's newest entry in `fresh`
      const seen = new Uint8Array(count);
      // first each group's entries to keep (its entities' latest), then one exact allocation
      const pick = new Int32Array(old.length);
      const groupEnd: number[] = [];
      let n = 0;
      for (const [lo, hi] of groups) {
        const from = n;
        for (let j = hi; j > lo; j--) {
          for (let e = starts[j]; e < end(j); e++) {
            const x = old.ent[e];
            if (seen[x]) continue;
            seen[x] = 1;
            pick[n++] = e;
          }
        }
        for (let i = from; i < n; i++) seen[old.ent[pick[i]]] = 0;
        groupEnd.push(n);
      }
      fresh.reserve(Math.max(n, 1));
      const next = [0];
      let i = 0;
      for (const stop of groupEnd) {
        next.push(fresh.length);
        for (; i < stop; i++) {
          const e = pick[i];
          const x = old.ent[e];
          latest[x] = map[e] = fresh.pushFrom(old, e, latest[x]);
        }
      }
      for (const at of ats) for (let x = 0; x < at.length; x++) if (at[x] >= 0) at[x] = map[at[x]];
      return next;
    };
    const actorAts = [...cursors.map((c) => c.atActor), ...this.checkpoints.map((cp) => cp.atActor)];
    const nodeAts = [...cursors.map((c) => c.atNode), ...this.checkpoints.map((cp) => cp.atNode)];
    const freshActors = new ActorPool();
    const freshNodes = new NodePool(this.slots);
    const actorStart = redo(this.actors, freshActors, this.actorStart, (j) => this.actorEnd(j), actors, actorAts);
    const nodeStart = redo(this.nodes, freshNodes, this.nodeStart, (j) => this.nodeEnd(j), nodes, nodeAts);
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
