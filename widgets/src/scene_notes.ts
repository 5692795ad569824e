// What a zoned topology frame says it left out (the footer's notes), and where a partition's
// caption goes (when room is kept for it: partition_span.ts).
import type { Rect } from "./layout";
import { fmtInt, type Lod } from "./lod";
import type { SceneZones, ZonePlan } from "./zone_scene";

/** What a zoned frame says it left out, in one line (the footer under the zones). */
export function zoneNotes(plan: ZonePlan, lod: Lod, visible: number, messages: number, pairs: number, drawn: number): string[] {
  const z = plan.zoning;
  const how = z.source === "block" ? "blocks of consecutive nodes" : z.source === "prefix" ? "by name prefix" : z.source === "meshos" ? "MeshOS zones" : "zone attribute";
  const parts = [plan.focus >= 0 ? `zone ${z.zones[plan.focus].name}: ${z.zones[plan.focus].nodes.length} of ${z.zoneOf.length} nodes` : `${z.zoneOf.length} nodes in ${z.zones.length} zones (${how}) · wheel or double-click a zone to zoom`];
  if (plan.focus >= 0 && lod.aggregateActors) parts.push(`${fmtInt(visible)} actors as per-node summaries`);
  if (lod.flows) parts.push(`${fmtInt(messages)} messages in flight as flows between ${plan.focus >= 0 ? "nodes and zones" : "zones"}${drawn < pairs ? ` (the ${drawn} busiest of ${fmtInt(pairs)} pairs)` : ""}`);
  return [parts.join(" · ")];
}

/**
 * Where the caption of a frame whose links are cut goes: with zones a free zone slot, else the
 * footer's right half (the footer keeps the left); without, the strip kept under the grid (or
 * null: the partition layer finds a place in the grid).
 */
export function captionRoom(zones: SceneZones | null, strip: Rect | null): Rect | null {
  if (zones) {
    // links are cut: the caption takes a free zone slot, else the footer's right half
    const ft = zones.footer;
    if (!zones.spare) zones.footer = { ...ft, w: ft.w / 2 - 8 };
    return zones.spare ?? { x: ft.x + ft.w / 2, y: ft.y, w: ft.w / 2, h: ft.h };
  }
  return strip;
}
