// The MeshOS deck at the playhead, folded once per (time, data, desired state): the topology
// renderer paints it and the inspector lists it in the same frame, and a redraw for a hover
// reuses it.
import { deckAt, type Deck, type DesiredMeta } from "./deck";
import type { MeshState } from "./fold";
import type { EventStore } from "./store";

export class DeckCache {
  private last: Deck | null = null;
  private rows = -1; // store rows when `last` was folded
  private desired: DesiredMeta | null = null;

  constructor(private readonly store: EventStore) {}

  /** The deck at t; `state` must be the fold at t (it is read only on a miss). */
  at(t: number, state: () => MeshState, desired: DesiredMeta): Deck {
    if (!this.last || this.last.t !== t || this.rows !== this.store.n || this.desired !== desired) {
      this.last = deckAt(this.store, state(), t, desired);
      this.rows = this.store.n;
      this.desired = desired;
    }
    return this.last;
  }

  clear(): void {
    this.last = null;
  }
}
