// What a trace has of each kind of mark the legend can explain, so the legend lists only those
// (a 12-actor trace has no partition, bridge, drop or admin action: its legend is one row, not
// four). Kept up to date from the rows appended since the last look, so a live trace's legend
// grows as new kinds arrive and costs nothing between.
import { HUNG_AFTER } from "./fold";
import { K } from "./kinds";
import { partitionSides } from "./partition";
import { markerKind, type Marker } from "./scrubber";
import type { EventStore } from "./store";
import { R_ERROR, R_SHUTDOWN } from "./store_rows";

/** Kinds of mark the legend explains, each present or not in a trace. */
export type Mark =
  | "busy"
  | "failed"
  | "restarting"
  | "shutdownRestart"
  | "stopped"
  | "hung"
  | "handlerError"
  | "drop"
  | "sides"
  | "partial"
  | "system"
  | "restarts";

export class TraceKinds {
  /** The marks seen so far, and the scrubber's marker kinds. */
  readonly marks = new Set<Mark>();
  readonly markers = new Set<Marker["kind"]>();
  private rows = 0;
  private markerRows = 0;
  private actors = 0;
  private follows = 0;
  /** Handlers started and not ended yet: when each started, by actor. */
  private readonly open = new Map<number, number>();
  /** Links cut so far (partition.ts's key of the two node indexes). */
  private readonly cut = new Map<number, number>();
  /** The time of link events not judged yet (judgeLinks), or null. */
  private linkT: number | null = null;
  private store: EventStore | null = null;

  /** Look at what arrived since the last call; true when something new was seen. */
  scan(store: EventStore): boolean {
    if (store !== this.store) {
      this.store = store;
      this.marks.clear();
      this.markers.clear();
      this.open.clear();
      this.cut.clear();
      this.linkT = null;
      this.rows = this.markerRows = this.actors = this.follows = 0;
    }
    if (store.n === this.rows && store.markers.length === this.markerRows && store.actorSystem.length === this.actors) return false;
    const before = this.marks.size + this.markers.size;
    const m = this.marks;
    for (let r = this.rows; r < store.n; r++) {
      const k = store.kind.data[r];
      // links cut or healed at one time are one change: the picture never shows half of it
      if (this.linkT !== null && store.t.data[r] !== this.linkT) this.judgeLinks(store);
      if (k === K.msg_handle || k === K.handler_start) m.add("busy");
      if ((k === K.msg_handle || k === K.handler_end) && store.duration.data[r] > HUNG_AFTER) m.add("hung");
      // a handler still running at the trace's end is hung once it has run HUNG_AFTER
      if (k === K.handler_start) this.open.set(store.actor.data[r], store.t.data[r]);
      else if (k === K.handler_end) this.open.delete(store.actor.data[r]);
      if ((k === K.msg_handle || k === K.handler_end) && store.reasonHas(r, R_ERROR)) m.add("handlerError");
      else if (k === K.actor_fail) m.add("failed");
      else if (k === K.actor_restart) m.add("restarting").add("restarts");
      else if (k === K.actor_stop) m.add("stopped");
      else if (k === K.msg_drop) m.add("drop");
      else if ((k === K.link_down || k === K.link_up) && !(m.has("sides") && m.has("partial"))) this.link(store, r, k === K.link_down);
    }
    this.rows = store.n;
    if (this.linkT !== null) this.judgeLinks(store);
    for (const since of this.open.values()) if (store.t1 - since > HUNG_AFTER) m.add("hung");
    // a supervisor's shutdown that a restart follows is drawn as such (the fold's rule); the
    // rows that a restart follows change as restarts arrive, so look again when they do
    if (!m.has("shutdownRestart") && store.restartFollows.size !== this.follows) {
      this.follows = store.restartFollows.size;
      for (const r of store.restartFollows) {
        if (store.kind.data[r] === K.actor_stop && store.reasonHas(r, R_SHUTDOWN)) {
          m.add("shutdownRestart");
          break;
        }
      }
    }
    for (let a = this.actors; a < store.actorSystem.length; a++) if (store.actorSystem[a]) m.add("system");
    this.actors = store.actorSystem.length;
    for (let i = this.markerRows; i < store.markers.length; i++) {
      const mk = markerKind(store.kind.data[store.markers.data[i]]);
      if (mk) this.markers.add(mk);
    }
    this.markerRows = store.markers.length;
    return this.marks.size + this.markers.size !== before;
  }

  /**
   * A link cut or healed, noted; once every link event of its time is in, judgeLinks asks:
   * do the nodes split into sides (the legend's side A / side B), or is a link cut between
   * nodes that still reach each other (a partial partition's cut curve and its bridges)?
   * Partitions are few events: the sides are worked out at each time until both were seen.
   */
  private link(store: EventStore, r: number, down: boolean): void {
    const a = store.nodeOf.get(store.node.data[r]);
    const b = store.nodeOf.get(store.peer.data[r]);
    if (a === undefined || b === undefined || a === b) return;
    const key = Math.min(a, b) * 65536 + Math.max(a, b);
    if (down) this.cut.set(key, r);
    else this.cut.delete(key);
    this.linkT = store.t.data[r];
  }

  private judgeLinks(store: EventStore): void {
    this.linkT = null;
    if (!this.cut.size) return;
    const sides = partitionSides(
      store.nodeCodes.map((_, i) => i),
      this.cut,
    );
    if (sides.groups.length > 1) this.marks.add("sides");
    if (sides.inside.length) this.marks.add("partial");
  }

  /** A key that changes when what the legend lists does. */
  key(): string {
    return `${[...this.marks].sort().join(",")}|${[...this.markers].sort().join(",")}`;
  }
}
