// The kind list and codes are generated from meshlab/events.py (widgets/src/contract.ts);
// this module adds what the views derive from them.
import { K, type KINDS } from "./contract";

export { K, KINDS, V1_KIND_COUNT } from "./contract";

export type KindName = (typeof KINDS)[number];

export function isNodeKind(k: number): boolean {
  return k <= K.node_state;
}
export function isActorKind(k: number): boolean {
  return k >= K.actor_spawn && k <= K.actor_restart;
}
export function isMessageKind(k: number): boolean {
  return k >= K.msg_send && k <= K.msg_drop;
}
export function isLinkKind(k: number): boolean {
  return k === K.link_down || k === K.link_up;
}
/** A handler's two-row form (v2): started, then ended with its duration and outcome. */
export function isHandlerKind(k: number): boolean {
  return k === K.handler_start || k === K.handler_end;
}

/** Kinds that are "moments" worth animating or marking; message traffic is not among them. */
export function isMoment(k: number): boolean {
  if (isHandlerKind(k) || k === K.attrs) return false; // traffic and properties, not moments
  return !isMessageKind(k) || k === K.msg_drop;
}

// Actor status as derived by the fold (docs/contract.md, "State at a time").
export const S = {
  absent: 0, // not spawned yet at the playhead
  alive: 1, // idle or busy: busy is decided from busySince (fold.ts) at draw time
  failed: 2,
  restarting: 3,
  stopped: 4,
} as const;

export type StatusName = "absent" | "idle" | "busy" | "failed" | "restarting" | "stopped";

// Node state as derived by the fold.
export const N = {
  unknown: 0, // not joined yet
  up: 1,
  down: 2,
  left: 3,
  other: 4, // a node_state value such as maintenance or drain, kept as a string code
} as const;
