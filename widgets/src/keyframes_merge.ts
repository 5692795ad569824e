// Halving the keyframes under a memory budget (Keyframes.merge): the delta pools rebuilt with
// each kept keyframe's entries the union of the two it replaces.
import type { Pool } from "./keyframes_pools";

/**
 * Copy into `fresh` each group's entries to keep, each entity's latest in the group, linked to
 * its entry in the group before; `groups` are the old keyframes (from, to] folded into each new
 * one, `starts` / `end(j)` bound old keyframe j's entries, `count` is how many entities there
 * are. The entry numbers in `ats` are renumbered in place; returns the new keyframes' starts.
 */
export function mergePool<P extends Pool>(groups: [number, number][], old: P, fresh: P, starts: number[], end: (j: number) => number, count: number, ats: Int32Array[]): number[] {
  const map = new Int32Array(old.length).fill(-1);
  const latest = new Int32Array(count).fill(-1); // each entity's newest entry in `fresh`
  const seen = new Uint8Array(count);
  // first each group's entries to keep (its entities' latest), then one exact allocation
  const pick = new Int32Array(old.length);
  const groupEnd: number[] = [];
  let n = 0;
  for (const [lo, hi] of groups) {
    const from = n;
    for (let j = hi; j > lo; j--) {
      for (let e = starts[j]; e < end(j); e++) {
        const x = old.ent[e];
        if (seen[x]) continue;
        seen[x] = 1;
        pick[n++] = e;
      }
    }
    for (let i = from; i < n; i++) seen[old.ent[pick[i]]] = 0;
    groupEnd.push(n);
  }
  fresh.reserve(Math.max(n, 1));
  const next = [0];
  let i = 0;
  for (const stop of groupEnd) {
    next.push(fresh.length);
    for (; i < stop; i++) {
      const e = pick[i];
      const x = old.ent[e];
      latest[x] = map[e] = fresh.pushFrom(old, e, latest[x]);
    }
  }
  for (const at of ats) for (let x = 0; x < at.length; x++) if (at[x] >= 0) at[x] = map[at[x]];
  return next;
}
