// What the space-time view's frames index into, kept up to date as the trace grows: the
// messages by time, the handler slices by time, and each actor's home node (the band its lane
// is in). A chunk that arrives while the view is shown (a live stream, a trace still loading)
// is appended: new messages and slices are added to their time indexes, the ends of those the
// chunk finished are moved, new placements update the homes, so the cost of a chunk follows
// the chunk, not the trace. Only a chunk whose rows fold before rows already read (a merged
// stream running late) makes it rebuild, since slices are paired in fold order.
import { IntervalIndex } from "./interval_index";
import { K } from "./kinds";
import { SliceIndex } from "./spacetime_slices";
import type { EventStore } from "./store";

export class SpacetimeData {
  /** Rows of the store indexed. */
  n = 0;
  messages: IntervalIndex;
  slices: SliceIndex;
  /** Home node of each actor: the lowest-numbered node whose grid holds it, -1 for none. */
  home: Int32Array = new Int32Array(0);
  /** Bumped when the lanes may change: an actor or node appears, an actor is placed or (re)spawned. */
  lanesVersion = 0;
  /** Full rebuilds so far (the first build counts): tests and the bench read it. */
  rebuilds = 0;
  private slotsSeen: number[] = [];
  private actorsSeen = 0;
  private nodesSeen = 0;

  constructor(private readonly store: EventStore) {
    this.messages = new IntervalIndex([], [], 0);
    this.slices = new SliceIndex(store);
    this.rebuild();
  }

  private rebuild(): void {
    const s = this.store;
    this.rebuilds++;
    this.messages = new IntervalIndex(s.mStart.data, s.mEnd.data, s.mSendRow.length);
    this.slices = new SliceIndex(s);
    this.slices.extend();
    this.home = new Int32Array(0);
    this.slotsSeen = [];
    this.actorsSeen = this.nodesSeen = 0;
    this.updateHomes();
    this.n = s.n;
    this.lanesVersion++;
  }

  /** Take in the rows that arrived since the last call; returns whether anything did. */
  update(): boolean {
    const s = this.store;
    if (s.n === this.n) return false;
    if (s.n < this.n) {
      this.rebuild(); // a new store's worth of rows: nothing to keep
      return true;
    }
    const from = this.n;
    // rows that fold before ones already read would pair handler rows differently: rebuild
    for (let r = from; r < s.n; r++) {
      if (s.posOf(r) < from) {
        this.rebuild();
        return true;
      }
    }
    const m0 = this.messages.length;
    this.messages.append(s.mStart.data, s.mEnd.data, s.mSendRow.length);
    // messages sent before this chunk and received or dropped in it: their flight ends now
    let lanes = false;
    for (let r = from; r < s.n; r++) {
      const k = s.kind.data[r];
      if (k === K.msg_recv || k === K.msg_drop) {
        const m = s.messageOf(s.msgId.data[r]);
        if (m >= 0 && m < m0) this.messages.setEnd(m, s.mEnd.data[m]);
      } else if (k === K.actor_spawn || k === K.actor_restart || k === K.node_join) lanes = true;
    }
    this.slices.extend();
    if (this.updateHomes()) lanes = true;
    if (lanes) this.lanesVersion++;
    this.n = s.n;
    return true;
  }

  /** Read the grid slots placed since the last call; returns whether an actor or node appeared or moved home. */
  private updateHomes(): boolean {
    const s = this.store;
    const nA = s.actorCodes.length;
    let changed = nA !== this.actorsSeen || s.nodeCodes.length !== this.nodesSeen;
    if (nA > this.home.length) {
      const next = new Int32Array(Math.max(nA, this.home.length * 2, 64)).fill(-1);
      next.set(this.home);
      this.home = next;
    }
    s.nodeSlots.forEach((slots, node) => {
      for (let i = this.slotsSeen[node] ?? 0; i < slots.length; i++) {
        const a = slots[i];
        if (this.home[a] < 0 || node < this.home[a]) {
          this.home[a] = node;
          changed = true;
        }
      }
      this.slotsSeen[node] = slots.length;
    });
    this.actorsSeen = nA;
    this.nodesSeen = s.nodeCodes.length;
    return changed;
  }
}
