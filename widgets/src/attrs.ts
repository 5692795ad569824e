// Properties that actors and nodes publish (contract v2 `attrs`): merged in fold order, a key
// set to null removed. Computed on demand for what the inspector shows, not kept in the fold's
// keyframes: attrs events are few, and only the selected actor or node needs them.
import type { MeshState } from "./fold";
import type { EventStore } from "./store";

export type Attrs = Record<string, string | number | boolean>;

function merge(store: EventStore, rows: number[] | undefined, from: number, upTo: number): Attrs | null {
  if (!rows) return null;
  const picked = rows.filter((r) => store.posOf(r) > from && store.posOf(r) < upTo);
  picked.sort((a, b) => store.posOf(a) - store.posOf(b));
  const out: Attrs = {};
  for (const r of picked) {
    let obj: unknown;
    try {
      obj = JSON.parse(store.str(store.reason.data[r]));
    } catch {
      continue; // validated on the Python side; a damaged live row is skipped, not fatal
    }
    if (!obj || typeof obj !== "object") continue;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (v === null) delete out[k];
      else out[k] = v as string | number | boolean;
    }
  }
  return Object.keys(out).length ? out : null;
}

/** What actor `a`'s current life published by the fold's position (as Trace.state_at's attrs). */
export function actorAttrs(store: EventStore, s: MeshState, a: number): Attrs | null {
  const start = store.lifeStart(a, s.row);
  const from = start >= 0 ? store.posOf(start) : -1;
  return merge(store, store.actorAttrs.get(store.actorCodes[a]), from, s.row);
}

/** What node `n` published about itself by the fold's position. */
export function nodeAttrs(store: EventStore, s: MeshState, n: number): Attrs | null {
  return merge(store, store.nodeAttrs.get(n), -1, s.row);
}
