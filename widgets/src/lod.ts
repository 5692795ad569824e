// Level of detail: decide when to stop drawing things one by one. A pure function of counts
// and sizes, so the decision is testable and the canvas can say why it aggregated.

export interface LodInput {
  actors: number; // actors visible (alive or shown) at the playhead
  smallestCell: number; // px per actor slot in the most crowded node
  messages: number; // messages in flight at the playhead
}

export interface Lod {
  aggregateActors: boolean;
  flows: boolean;
  notes: string[];
}

/** 12345 -> "12,345". Intl formatting is far too slow to call for every label of every frame. */
export function fmtInt(n: number): string {
  const s = String(Math.round(n));
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export const LOD_LIMITS = { actors: 2000, cell: 7, messages: 400 };

export function decideLod(x: LodInput, limits = LOD_LIMITS): Lod {
  const notes: string[] = [];
  const aggregateActors = x.actors > limits.actors || (x.actors > 0 && x.smallestCell < limits.cell);
  if (aggregateActors) {
    notes.push(`${fmtInt(x.actors)} actors shown as per-node summaries`);
  }
  const flows = x.messages > limits.messages;
  if (flows) {
    notes.push(`${fmtInt(x.messages)} messages in flight shown as flows between nodes`);
  }
  return { aggregateActors, flows, notes };
}

/** Band width for a flow of `count` messages in flight, when the largest flow has `max`. */
export function flowWidth(count: number, max: number, maxWidth = 18): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(1.5, (maxWidth * Math.sqrt(count)) / Math.sqrt(max));
}
