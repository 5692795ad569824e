// Hit-testing and tooltips over a drawn Scene (the topology and tree views share them).
import type { Scene } from "./scene";
import { fmtTime } from "./scrubber";
import type { EventStore } from "./store";

/** The actor whose glyph is nearest to (x, y) within its radius plus 4 px, or -1. */
export function hitActor(sc: Scene | null, x: number, y: number): number {
  if (!sc || sc.lod.aggregateActors) return -1;
  let best = -1;
  let bestD = Infinity;
  for (const a of sc.actors) {
    const d = Math.hypot(a.x - x, a.y - y);
    if (d <= a.r + 4 && d < bestD) [best, bestD] = [a.idx, d];
  }
  return best;
}

/** The node whose region contains (x, y), or -1. */
export function hitNode(sc: Scene | null, x: number, y: number): number {
  if (!sc) return -1;
  for (const n of sc.nodes) if (x >= n.box.x && x <= n.box.x + n.box.w && y >= n.box.y && y <= n.box.y + n.box.h) return n.idx;
  return -1;
}

/** Tooltip text at (x, y): an actor, else a dropped message, a message in flight, a partition. */
export function sceneTip(sc: Scene | null, store: EventStore, x: number, y: number): string {
  if (!sc) return "";
  const a = hitActor(sc, x, y);
  if (a >= 0) {
    const sa = sc.actors.find((v) => v.idx === a);
    return `${store.str(store.actorCodes[a])} · ${sa?.status ?? ""}${sa && sa.restarts ? ` · ${sa.restarts} restart(s)` : ""}\n${store.str(store.actorClass[a])}`;
  }
  for (const d of sc.drops) {
    if (Math.hypot(d.x - x, d.y - y) <= 8) {
      const r = d.row;
      return `dropped: ${store.str(store.reason.data[r])}\n${store.str(store.msgType.data[r])} ${store.str(store.peer.data[r])} → ${store.str(store.actor.data[r])}\nat t=${fmtTime(store.t.data[r])} on ${store.str(store.node.data[r])}`;
    }
  }
  for (const m of sc.msgs) {
    if (Math.hypot(m.x - x, m.y - y) <= 6) {
      const r = store.mSendRow.data[m.m];
      return `${store.str(store.msgType.data[r])}: ${store.str(store.actor.data[r])} → ${store.str(store.peer.data[r])}\nsent t=${fmtTime(store.t.data[r])}, arrives t=${fmtTime(store.mArrive.data[m.m])}`;
    }
  }
  let text = "";
  for (const c of sc.cuts) {
    const mx = (c.x0 + c.x1) / 2;
    const my = (c.y0 + c.y1) / 2;
    if (Math.hypot(mx - x, my - y) <= 14) text = `partition: ${c.a} ✂ ${c.b} since t=${fmtTime(store.t.data[c.row])}`; // the last one drawn wins
  }
  return text;
}

/** Publish where the selected actor is drawn (`data-selected-xy`, for tests that click it). */
export function publishSelected(root: HTMLElement, sc: Scene, selectedActor: number): void {
  const sel = selectedActor >= 0 ? sc.actors.find((a) => a.idx === selectedActor) : undefined;
  if (sel) root.dataset.selectedXy = `${sel.x.toFixed(1)},${sel.y.toFixed(1)},${sel.r.toFixed(1)}`;
  else delete root.dataset.selectedXy;
}
