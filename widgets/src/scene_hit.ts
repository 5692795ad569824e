// Hit-testing and tooltips over a drawn Scene (the topology and tree views share them).
import type { Scene } from "./scene";
import { fmtTime } from "./scrubber";
import type { EventStore } from "./store";
import { zoneAt } from "./draw_zones";
import { fmtInt } from "./lod";
import type { TextBox, ZoneCounts } from "./zones";

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
  return text || nodeTip(sc, x, y) || zoneTip(sc, x, y);
}

/** A node's name, state and actor counts: what a cell too small for its name leaves to hover. */
function nodeTip(sc: Scene, x: number, y: number): string {
  const n = hitNode(sc, x, y);
  const node = n >= 0 ? sc.nodes.find((v) => v.idx === n) : undefined;
  if (!node) return "";
  const c = node.counts;
  const total = c.idle + c.busy + c.failed + c.restarting + c.stopped;
  const parts = (["failed", "restarting", "busy", "idle", "stopped"] as const).filter((k) => c[k]).map((k) => `${fmtInt(c[k])} ${k}`);
  if (node.hung) parts.push(`${fmtInt(node.hung)} hung`);
  const zs = sc.zones;
  const zone = zs ? zs.zones.find((z) => z.idx === zs.zoneOf[n]) : undefined;
  return `${node.name} · ${node.label}${zone && zs && zs.focus < 0 ? ` · zone ${zone.name}` : ""}\n${fmtInt(total)} actors${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

function countsText(c: ZoneCounts): string {
  const nodes = [`${c.nodes} nodes`, c.down ? `${c.down} down` : "", c.other ? `${c.other} in maintenance` : "", c.left ? `${c.left} left` : ""].filter(Boolean).join(", ");
  const total = c.idle + c.busy + c.failed + c.restarting + c.stopped;
  const actors = (["failed", "restarting", "busy", "idle", "stopped", "hung"] as const).filter((k) => c[k]).map((k) => `${fmtInt(c[k])} ${k}`);
  return `${nodes}\n${fmtInt(total)} actors${actors.length ? `: ${actors.join(", ")}` : ""}`;
}

/** A zone's counts in full, and how to zoom. */
function zoneTip(sc: Scene, x: number, y: number): string {
  const zs = sc.zones;
  if (!zs) return "";
  const z = zoneAt(zs, x, y);
  if (z === -2) return "back to all zones (or turn the wheel down)";
  const zone = zs.zones.find((v) => v.idx === z);
  if (zone) return `zone ${zone.name}: ${countsText(zone.counts)}\n${zs.focus < 0 ? "wheel up or double-click to zoom in" : z === zs.focus ? "shown on the left" : "click to zoom here"}`;
  const m = zs.more;
  if (m && zs.moreCounts && x >= m.x && x <= m.x + m.w && y >= m.y && y <= m.y + m.h) return `${zs.hidden.length} more zones: ${countsText(zs.moreCounts)}`;
  return "";
}

/**
 * Publish the zones (`data-zones`: name, nodes, box and counts of each, as JSON; `data-zone-focus`)
 * and the boxes of the texts drawn (`data-text-boxes`: x,y,w,h per text, `;`-separated), for
 * tests that check the counts and that no text overlaps another.
 */
export function publishZones(root: HTMLElement, sc: Scene, store: EventStore, texts: TextBox[]): void {
  const zs = sc.zones;
  root.dataset.textBoxes = texts.map((t) => `${t.x.toFixed(1)},${t.y.toFixed(1)},${t.w.toFixed(1)},${t.h.toFixed(1)}`).join(";");
  // what each of those boxes says, in the same order, one a line (a test names what overlapped)
  root.dataset.texts = texts.map((t) => t.text).join("\n");
  if (!zs) {
    root.dataset.zones = "";
    root.dataset.zoneFocus = "";
    return;
  }
  const names = (ns: number[]) => ns.map((n) => store.str(store.nodeCodes[n]));
  root.dataset.zones = JSON.stringify({
    source: zs.source,
    back: zs.back ? [zs.back.x, zs.back.y, zs.back.w, zs.back.h] : null,
    more: zs.more && zs.moreCounts ? { box: [zs.more.x, zs.more.y, zs.more.w, zs.more.h], zones: zs.hidden.length, counts: zs.moreCounts } : null,
    zones: zs.zones.map((z) => ({ name: z.name, nodes: names(z.nodes), box: [z.box.x, z.box.y, z.box.w, z.box.h].map((v) => Math.round(v * 10) / 10), counts: z.counts })),
  });
  root.dataset.zoneFocus = zs.focus >= 0 ? (zs.zones.find((z) => z.idx === zs.focus)?.name ?? "") : "";
}

/** Publish where the selected actor is drawn (`data-selected-xy`, for tests that click it). */
export function publishSelected(root: HTMLElement, sc: Scene, selectedActor: number): void {
  const sel = selectedActor >= 0 ? sc.actors.find((a) => a.idx === selectedActor) : undefined;
  if (sel) root.dataset.selectedXy = `${sel.x.toFixed(1)},${sel.y.toFixed(1)},${sel.r.toFixed(1)}`;
  else delete root.dataset.selectedXy;
}
