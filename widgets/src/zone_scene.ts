// The zones of a topology scene: which zone each node is in (from the trace's own words when it
// has them), where zones, cells and the side column go, and each zone's counts at the playhead,
// summed from the per-node counts the scene already has (20 zones of 10: 200 additions).
import type { NodeBox, Rect } from "./layout";
import type { NodeStateName } from "./scene";
import type { EventStore } from "./store";
import { CAPTION_FOOTER_H, ZONE_MIN, assignZones, layoutFocus, layoutZones, zeroCounts, type FocusLayout, type ZoneCounts, type ZoneLayout, type ZoneSource, type Zoning } from "./zones";

export interface ZoneOptions {
  /** The zone zoomed into, by name ("" for the overview). */
  focus: string;
  /** Node name -> zone, as MeshOS's desired state lists them (meta.meshos.zones). */
  meta?: Record<string, string>;
  /** Room for a partition's caption (first cut to last heal, partition_span.ts): the footer
   * grows to hold it (CAPTION_FOOTER_H). */
  caption?: boolean;
}

export interface SceneZone {
  idx: number;
  name: string;
  /** Overview: the zone's box; zoomed: its row in the side column. */
  box: Rect;
  lines: Rect[];
  nodes: number[];
  counts: ZoneCounts;
  /** Names of its nodes in maintenance (another state than up, down or left), in display order:
   * the header names them. */
  maintenance: string[];
}

export interface SceneZones {
  source: ZoneSource;
  /** Index of the zone zoomed into, -1 for the overview. */
  focus: number;
  zones: SceneZone[];
  /** Zoomed: the button back to all zones. */
  back: Rect | null;
  /** Zoomed: zones without a row, summed in `more`. */
  hidden: number[];
  more: Rect | null;
  moreCounts: ZoneCounts | null;
  footer: Rect;
  spare: Rect | null;
  /** Zone of each node index. */
  zoneOf: Int32Array;
}

/** What the layout of a zoned scene holds between frames. */
export interface ZonePlan {
  zoning: Zoning;
  focus: number;
  overview: ZoneLayout | null;
  zoomed: FocusLayout | null;
}

/**
 * The zone each node says it is in: the last `zone` it published in an attrs event, else the
 * one MeshOS's desired state gives it. Read from every row indexed so far, so that the layout
 * does not change as the playhead moves.
 */
export function explicitZones(store: EventStore, meta: Record<string, string> | undefined, names: string[]): { of: (n: number) => string | undefined; source: ZoneSource } {
  const fromAttrs = new Map<number, string>();
  for (const [n, rows] of store.nodeAttrs) {
    for (const r of rows) {
      try {
        const v = (JSON.parse(store.str(store.reason.data[r])) as Record<string, unknown>).zone;
        if (typeof v === "string" && v) fromAttrs.set(n, v);
        else if (v === null) fromAttrs.delete(n);
      } catch {
        // validated on the Python side; a damaged live row is skipped
      }
    }
  }
  if (fromAttrs.size) return { of: (n) => fromAttrs.get(n), source: "attribute" };
  if (meta && Object.keys(meta).length) return { of: (n) => meta[names[n]] || undefined, source: "meshos" };
  return { of: () => undefined, source: "attribute" };
}

/** The zones and their layout, or null when the nodes are few enough to draw one by one. */
export function planZones(store: EventStore, names: string[], order: number[], area: Rect, opt: ZoneOptions, flat: (slots: number[], r: Rect) => NodeBox[]): ZonePlan | null {
  if (order.length <= ZONE_MIN) return null;
  const ex = explicitZones(store, opt.meta, names);
  const zoning = assignZones(names, order, ex.of, ex.source);
  const focus = opt.focus ? zoning.zones.findIndex((z) => z.name === opt.focus) : -1;
  if (focus >= 0) {
    const nodes = zoning.zones[focus].nodes;
    const zoomed = layoutFocus(
      zoning,
      focus,
      nodes.map((i) => store.nodeSlots[i].length),
      area,
      flat,
      opt.caption ? CAPTION_FOOTER_H : undefined,
    );
    return { zoning, focus, overview: null, zoomed };
  }
  return { zoning, focus: -1, overview: layoutZones(zoning, names.length, area, opt.caption ? CAPTION_FOOTER_H : 0), zoomed: null };
}

/** Node boxes of a plan by node index (zoomed: only the focused zone's nodes have one). */
export function planBoxes(plan: ZonePlan, nNodes: number): (NodeBox | undefined)[] {
  if (plan.overview) return plan.overview.cells;
  const out: (NodeBox | undefined)[] = new Array(nNodes);
  const z = plan.zoning.zones[plan.focus];
  z.nodes.forEach((n, k) => (out[n] = plan.zoomed!.main[k]));
  return out;
}

/** Where a node outside the zoomed zone is: its zone's row in the side column. */
export function planPortals(plan: ZonePlan, nNodes: number): (Rect | undefined)[] {
  const out: (Rect | undefined)[] = new Array(nNodes);
  const zm = plan.zoomed;
  if (!zm) return out;
  const rowOf = new Map(zm.rows.map((r) => [r.zone, r.box]));
  plan.zoning.zones.forEach((z, zi) => {
    if (zi === plan.focus) return;
    const r = rowOf.get(zi) ?? zm.more ?? undefined;
    for (const n of z.nodes) out[n] = r;
  });
  return out;
}

/** The frame's zones with their counts, from per-node counts and states (`nameOf`: a node's
 * name, for the header to name the nodes in maintenance). */
export function sceneZones(plan: ZonePlan, stateOf: (n: number) => NodeStateName, countOf: (n: number, into: ZoneCounts) => void, nameOf: (n: number) => string = String): SceneZones {
  const { zoning } = plan;
  const maint: string[][] = zoning.zones.map(() => []);
  const counts = zoning.zones.map((z, zi) => {
    const c = zeroCounts();
    for (const n of z.nodes) {
      c.nodes++;
      const st = stateOf(n);
      if (st === "down") c.down++;
      else if (st === "other") {
        c.other++;
        maint[zi].push(nameOf(n));
      } else if (st === "left") c.left++;
      countOf(n, c);
    }
    return c;
  });
  const base = { source: zoning.source, focus: plan.focus, zoneOf: zoning.zoneOf };
  if (plan.overview) {
    const ov = plan.overview;
    const zones = ov.zones.map((zb) => ({ idx: zb.zone, name: zoning.zones[zb.zone].name, box: zb.box, lines: zb.lines, nodes: zoning.zones[zb.zone].nodes, counts: counts[zb.zone], maintenance: maint[zb.zone] }));
    return { ...base, zones, back: null, hidden: [], more: null, moreCounts: null, footer: ov.footer, spare: ov.spare };
  }
  const zm = plan.zoomed!;
  const zones = zm.rows.map((r) => ({ idx: r.zone, name: zoning.zones[r.zone].name, box: r.box, lines: [r.line], nodes: zoning.zones[r.zone].nodes, counts: counts[r.zone], maintenance: maint[r.zone] }));
  let moreCounts: ZoneCounts | null = null;
  if (zm.hidden.length) {
    moreCounts = zeroCounts();
    for (const z of zm.hidden) for (const k of Object.keys(moreCounts) as (keyof ZoneCounts)[]) moreCounts[k] += counts[z][k];
  }
  return { ...base, zones, back: zm.back, hidden: zm.hidden, more: zm.more, moreCounts, footer: zm.footer, spare: null };
}
