// The rows of the space-time view: one band per node, in the kernel's node order; a collapsed
// band is one lane carrying the traffic of all its actors, an expanded band a title row followed
// by one lane per actor. At 2,000 actors every band starts collapsed (16 lanes, not 2,000), and
// a click on a band's title opens or closes it. Actors live in the band of the node they first
// ran on; actors never placed on a node get a band of their own.
import type { Filters } from "./scene";
import type { EventStore } from "./store";

export type LaneMode = "auto" | "actors" | "nodes";

/** In "auto", bands start expanded while the actors shown are at most this many. */
export const MAX_ACTOR_LANES = 40;

export interface Row {
  /** "band": a node's title (its collapsed lane when closed); "actor": an actor's lane. */
  kind: "band" | "actor";
  node: number; // node index, -1 for the band of actors without a node
  actor: number; // actor index, -1 on a band
  label: string;
  /** On a band: actors shown in it, and whether it is open. */
  count: number;
  open: boolean;
}

export interface LaneLayout {
  rows: Row[];
  /** Row carrying each actor's traffic (its own lane, or its closed band); -1 hidden. */
  rowOfActor: Int32Array;
  /** Row of each node's band (its collapsed lane), -1 none. */
  rowOfNode: Int32Array;
  /** Actors hidden by the filters. */
  hidden: number;
}

/** Home node of each actor: the first node whose grid holds it, -1 for none. */
export function homeNodes(store: EventStore): Int32Array {
  const home = new Int32Array(store.actorCodes.length).fill(-1);
  store.nodeSlots.forEach((slots, n) => {
    for (const a of slots) if (home[a] < 0) home[a] = n;
  });
  return home;
}

/**
 * Lay out the bands and lanes. `toggled` holds the bands the user flipped from the mode's
 * default (by node index, -1 for the band without a node).
 */
export function layoutLanes(
  store: EventStore,
  f: Filters,
  mode: LaneMode,
  metaNodes: string[],
  toggled: ReadonlySet<number>,
  home: Int32Array = homeNodes(store),
): LaneLayout {
  const nA = store.actorCodes.length;
  const nN = store.nodeCodes.length;
  const classCode = f.actorClass ? store.strings.indexOf(f.actorClass) : -2;
  const members: number[][] = Array.from({ length: nN + 1 }, () => []); // last: no node
  let shown = 0;
  let hidden = 0;
  for (let a = 0; a < nA; a++) {
    if ((f.hideSystem && store.actorSystem[a]) || (f.actorClass && store.actorClass[a] !== classCode)) {
      hidden++;
      continue;
    }
    members[home[a] >= 0 ? home[a] : nN].push(a);
    shown++;
  }
  const names = store.nodeCodes.map((c) => store.str(c));
  const declared = new Map(metaNodes.map((n, i) => [n, i]));
  const order = names.map((_, i) => i).sort((x, y) => (declared.get(names[x]) ?? 1e9 + x) - (declared.get(names[y]) ?? 1e9 + y));
  if (members[nN].length) order.push(nN);
  const openByDefault = mode === "actors" || (mode === "auto" && shown <= MAX_ACTOR_LANES);
  const rows: Row[] = [];
  const rowOfActor = new Int32Array(nA).fill(-1);
  const rowOfNode = new Int32Array(nN).fill(-1);
  for (const n of order) {
    const node = n === nN ? -1 : n;
    const list = members[n];
    const open = list.length > 0 && openByDefault !== toggled.has(node);
    const band = rows.length;
    if (node >= 0) rowOfNode[node] = band;
    rows.push({ kind: "band", node, actor: -1, label: node >= 0 ? names[n] : "(no node)", count: list.length, open });
    for (const a of list) {
      if (open) {
        rowOfActor[a] = rows.length;
        rows.push({ kind: "actor", node, actor: a, label: store.str(store.actorCodes[a]), count: 0, open: false });
      } else rowOfActor[a] = band;
    }
  }
  return { rows, rowOfActor, rowOfNode, hidden };
}

/** Row heights: a closed band is a lane, an open band's title is a thin header. */
export interface RowGeometry {
  /** Top of each row and its height, in CSS pixels from the top of the lanes area. */
  top: Float64Array;
  height: Float64Array;
  /** Total height of all rows. */
  total: number;
}

export const TITLE_H = 16;

export function rowGeometry(rows: Row[], avail: number, minLane = 12, maxLane = 30): RowGeometry {
  let lanes = 0;
  let titles = 0;
  for (const r of rows) {
    if (r.kind === "band" && r.open) titles++;
    else lanes++;
  }
  let laneH = lanes ? Math.max(minLane, Math.min(maxLane, (avail - titles * TITLE_H) / lanes)) : 0;
  if (lanes && laneH * lanes + titles * TITLE_H > avail + 0.5) {
    // the rows scroll: the lanes share the room with the rows that fit whole at the smallest
    // height, so the first page ends on a row's edge instead of cutting the next row in two
    let y = 0;
    let fitLanes = 0;
    let fitTitles = 0;
    for (const r of rows) {
      const title = r.kind === "band" && r.open;
      if (y + (title ? TITLE_H : minLane) > avail + 0.5) break;
      y += title ? TITLE_H : minLane;
      if (title) fitTitles++;
      else fitLanes++;
    }
    if (fitLanes) laneH = Math.max(minLane, Math.min(maxLane, (avail - fitTitles * TITLE_H) / fitLanes));
  }
  const top = new Float64Array(rows.length);
  const height = new Float64Array(rows.length);
  let y = 0;
  rows.forEach((r, i) => {
    top[i] = y;
    height[i] = r.kind === "band" && r.open ? TITLE_H : laneH;
    y += height[i];
  });
  return { top, height, total: y };
}

/** The rows in sight, whole: the scroll snapped to a row's top, and the first and last rows. */
export interface RowsInSight {
  scroll: number;
  maxScroll: number;
  first: number;
  /** -1 when no row is in sight. */
  last: number;
  /** Where the last whole row ends, from the top of the lanes area. */
  bottom: number;
}

/**
 * Which rows a lanes area of height `avail` shows whole when scrolled to about `scroll`. The
 * scroll goes to the nearest row's top (never past the top of the last page, the one from which
 * every remaining row fits), and a row the area's bottom would cut is not drawn: the caption's
 * "rows a–b of n" counts the rows shown, and every one is shown whole.
 */
export function rowsInSight(geom: RowGeometry, scroll: number, avail: number): RowsInSight {
  const n = geom.top.length;
  if (!n) return { scroll: 0, maxScroll: 0, first: 0, last: -1, bottom: 0 };
  const eps = 0.5;
  let lastPage = 0;
  if (geom.total > avail + eps) {
    lastPage = n - 1;
    while (lastPage > 0 && geom.total - geom.top[lastPage - 1] <= avail + eps) lastPage--;
  }
  const maxScroll = geom.top[lastPage];
  // the nearest row top at or before the last page
  let first = 0;
  while (first < lastPage && geom.top[first + 1] <= scroll + geom.height[first] / 2) first++;
  const top = geom.top[first];
  let last = first - 1;
  while (last + 1 < n && geom.top[last + 1] + geom.height[last + 1] <= top + avail + eps) last++;
  const bottom = last >= first ? geom.top[last] + geom.height[last] - top : 0;
  return { scroll: top, maxScroll, first, last, bottom };
}

/** The scroll that moves the rows by whole rows: `delta` pixels of a wheel, at least one row. */
export function stepRows(geom: RowGeometry, scroll: number, delta: number): number {
  const n = geom.top.length;
  if (!n || !delta) return scroll;
  let at = 0;
  while (at + 1 < n && geom.top[at + 1] <= scroll + 0.5) at++;
  const by = Math.max(1, Math.round(Math.abs(delta) / 24));
  const to = Math.max(0, Math.min(n - 1, at + Math.sign(delta) * by));
  return geom.top[to];
}
