// A topology frame's per-node summaries: its actors by status and its hung actors, in one flat
// table reused from frame to frame (COUNT_STRIDE slots per node), filled from the fold's counts
// or by the builder's pass over every actor, read out per node and summed per zone.
import { busySince, HUNG_AFTER, STATUS_SLOTS, type MeshState } from "./fold";
import { S, type StatusName } from "./kinds";
import type { ZoneCounts } from "./zones";

// Slots of a node's counts in the table.
export const IDX_ABSENT = 0;
export const IDX_IDLE = 1;
export const IDX_BUSY = 2;
export const IDX_FAILED = 3;
export const IDX_RESTARTING = 4;
export const IDX_STOPPED = 5;
export const IDX_HUNG = 6;
export const COUNT_STRIDE = 7;

/**
 * The frame's per-node counts from the fold: statuses kept by it, busy and hung decided at t
 * over its list of possibly busy actors only.
 */
export function countFromFold(counts: Int32Array, s: MeshState, t: number, nNodes: number): void {
  const per = s.nodeCounts;
  for (let i = 0; i < nNodes && i < s.nodeCap; i++) {
    const c = i * COUNT_STRIDE;
    const f = i * STATUS_SLOTS;
    counts[c + IDX_IDLE] = per[f + S.alive];
    counts[c + IDX_FAILED] = per[f + S.failed];
    counts[c + IDX_RESTARTING] = per[f + S.restarting];
    counts[c + IDX_STOPPED] = per[f + S.stopped];
  }
  for (let i = 0; i < s.busyLen; i++) {
    const a = s.busy[i];
    const node = s.node[a];
    if (node < 0 || node >= nNodes || s.status[a] !== S.alive) continue;
    const since = busySince(s, a, t);
    if (since !== since) continue;
    const c = node * COUNT_STRIDE;
    counts[c + IDX_IDLE]--;
    counts[c + IDX_BUSY]++;
    if (t - since > HUNG_AFTER) counts[c + IDX_HUNG]++;
  }
}

/** Node i's actors by status. */
export function nodeCounts(counts: Int32Array, i: number): Record<StatusName, number> {
  const c = i * COUNT_STRIDE;
  return {
    absent: counts[c + IDX_ABSENT],
    idle: counts[c + IDX_IDLE],
    busy: counts[c + IDX_BUSY],
    failed: counts[c + IDX_FAILED],
    restarting: counts[c + IDX_RESTARTING],
    stopped: counts[c + IDX_STOPPED],
  };
}

/** Adds node n's counts to its zone's. */
export function addToZone(counts: Int32Array, n: number, into: ZoneCounts): void {
  const c = n * COUNT_STRIDE;
  into.idle += counts[c + IDX_IDLE];
  into.busy += counts[c + IDX_BUSY];
  into.failed += counts[c + IDX_FAILED];
  into.restarting += counts[c + IDX_RESTARTING];
  into.stopped += counts[c + IDX_STOPPED];
  into.hung += counts[c + IDX_HUNG];
}
