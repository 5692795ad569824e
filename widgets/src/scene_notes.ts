// What a zoned topology frame says it left out (the footer's notes), the room a flat frame keeps
// under its grid for its notes, and where a partition's caption goes (when room is kept for it:
// partition_span.ts).
import type { Rect } from "./layout";
import { LOD_LIMITS } from "./lod";
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

/** A note's line height (draw_notes.ts). */
export const NOTE_LINE = 16;

/**
 * The room a flat grid keeps under it for `lines` notes: the notes' box ends 6 px above the
 * scene's height (draw_notes.ts), which is the canvas's height less 10 px of margin on each
 * side, so it reaches 16 px above the area's bottom; 2 px more keep it off the regions.
 */
export function notesRoom(lines: number): number {
  return lines > 0 ? NOTE_LINE * lines + 18 : 0;
}

/**
 * How many note lines a flat grid first keeps room for: one when the trace has more actors than
 * are drawn one by one (its "actors shown as per-node summaries" line). A frame that needs more
 * (the flows note, or crowded cells) widens the room for the frames after it, never narrows it,
 * so the grid moves at most once or twice and the notes never cover a region.
 */
export function noteLinesFor(actors: number): number {
  return actors > LOD_LIMITS.actors ? 1 : 0;
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
