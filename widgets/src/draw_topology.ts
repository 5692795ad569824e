// Paints a topology Scene on a 2D canvas. No state of its own: same scene, same pixels.
// The modules: regions and their headers (draw_regions.ts), per-node summaries (draw_summary.ts),
// links, cuts and flows (draw_links.ts), actor glyphs (draw_actors.ts) and their names
// (draw_actor_labels.ts), moments, messages and drops (draw_transient.ts), the notes
// (draw_notes.ts); zones are drawn by draw_zones.ts.
import { paintActors } from "./draw_actors";
import { nameBoxes } from "./draw_actor_labels";
import { paintLinks } from "./draw_links";
import { paintNotes } from "./draw_notes";
import { paintRegions } from "./draw_regions";
import { paintTransient } from "./draw_transient";
import { THEME } from "./palette";
import type { Scene } from "./scene";
import { clipOutZoneHeaders, paintZoneColumn, paintZoneFooter, paintZoneOverview } from "./draw_zones";
import type { TextBox } from "./zones";

// what other files import from here
export { notesBox } from "./draw_notes";

export interface PaintOptions {
  selectedActor: number; // actor index or -1
  selectedNode: number; // node index or -1
  hoverActor: number;
  /** Where a region's header text must end, by node index (a chip drawn later takes the rest). */
  headerEnd?: Map<number, number>;
  /** Texts another layer draws later (a partition's side chips): kept clear of, and returned. */
  reserved?: TextBox[];
}

/**
 * Paint the scene; returns the boxes of every text drawn (node and zone names, their states and
 * counts, summaries, flow counts, actor names, restart counts, badges, the notes), for the view
 * to publish and the deck to keep clear of: none of them overlap.
 */
export function paintTopology(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions): TextBox[] {
  const texts: TextBox[] = o.reserved ? o.reserved.slice() : [];
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, sc.width, sc.height);
  ctx.font = "12px system-ui, -apple-system, 'Segoe UI', 'Liberation Sans', sans-serif";
  ctx.textBaseline = "middle";

  const zones = sc.zones;
  if (zones && zones.focus < 0) paintZoneOverview(ctx, sc, zones, o.selectedNode, texts);
  else paintRegions(ctx, sc, o, texts);
  if (zones && zones.focus >= 0) paintZoneColumn(ctx, zones, texts);

  paintMoving(ctx, sc, o, texts);
  if (zones) paintZoneFooter(ctx, zones, sc.lod.notes, texts);
  else paintNotes(ctx, sc, texts);
  ctx.restore();
  return texts;
}

/** Supervision links, cuts, flows, moments, messages and drops: over the regions or zones. */
function paintMoving(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions, texts: TextBox[]): void {
  paintLinks(ctx, sc, texts);
  // actors (none in the zone overview: its cells count them)
  if (!sc.lod.aggregateActors && !(sc.zones && sc.zones.focus < 0)) paintActors(ctx, sc, o, texts);
  // over the names' boxes nothing passing is drawn (a drop's cross steps off them), nor over
  // the zones' headers and cells' names
  ctx.save();
  if (sc.zones) clipOutZoneHeaders(ctx, sc.zones, texts);
  paintTransient(ctx, sc, nameBoxes(texts));
  ctx.restore();
}
