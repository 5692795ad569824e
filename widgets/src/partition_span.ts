// When the topology keeps room for a partition's caption (the strip under a full grid, the
// zoned footer's four lines): from the trace's first cut to its last heal (to its end when a cut
// is never healed), and whenever a link is cut at the playhead. Outside that span the caption has
// nothing to say and the nodes take the room; inside it the grid stays put, so a replay moves the
// regions once as the first cut begins and once as the last heal ends it, never between two
// cuts, and never while nothing changes.
import { K } from "./kinds";
import type { EventStore } from "./store";

/** What the span reads of the store: its markers (every link_down and link_up among them). */
export interface SpanSource {
  markers: { length: number; data: Int32Array };
  kind: { data: Uint8Array };
  t: { data: ArrayLike<number> };
  node: { data: ArrayLike<number> };
  peer: { data: ArrayLike<number> };
}

/** The first link_down and last link_up of a store, kept up to date as chunks arrive. */
export class CutSpan {
  private seen = 0;
  first = Infinity;
  last = -Infinity;
  /** Per link (its two nodes' string codes), its latest event: time and whether a cut. */
  private latest = new Map<number, { t: number; down: boolean }>();
  /** Links whose latest event is a cut: never healed, so the span runs to the trace's end. */
  private open = 0;

  constructor(private readonly src: SpanSource) {}

  private update(): void {
    const { markers, kind, t, node, peer } = this.src;
    // markers only grow while a trace loads or follows a live source; start over if not
    if (markers.length < this.seen) {
      [this.seen, this.first, this.last, this.open] = [0, Infinity, -Infinity, 0];
      this.latest.clear();
    }
    for (; this.seen < markers.length; this.seen++) {
      const row = markers.data[this.seen];
      const k = kind.data[row];
      if (k !== K.link_down && k !== K.link_up) continue;
      // rows may arrive out of time order: the earliest cut and the latest heal, wherever found
      const at = t.data[row];
      const down = k === K.link_down;
      if (down) this.first = Math.min(this.first, at);
      else this.last = Math.max(this.last, at);
      const [a, b] = [node.data[row], peer.data[row]];
      const key = Math.min(a, b) * 65536 + Math.max(a, b);
      const was = this.latest.get(key);
      if (was && was.t > at) continue;
      this.open += (down ? 1 : 0) - (was?.down ? 1 : 0);
      this.latest.set(key, { t: at, down });
    }
  }

  /** Whether the caption keeps its room at t, where `linksCut` links are cut. */
  keeps(t: number, linksCut: number): boolean {
    this.update();
    return linksCut > 0 || (t >= this.first && (t < this.last || this.open > 0));
  }
}

const spans = new WeakMap<object, CutSpan>();

/** Whether a topology frame at t (with `linksCut` links cut) keeps room for the caption. */
export function keepsCaption(store: EventStore, t: number, linksCut: number): boolean {
  let s = spans.get(store);
  if (!s) spans.set(store, (s = new CutSpan(store)));
  return s.keeps(t, linksCut);
}
