// Event kinds in the order of meshlab.events.KINDS: the Python side sends each kind as its
// index in that tuple, so this order is part of the wire format between kernel and browser.
export const KINDS = [
  "node_join",
  "node_leave",
  "node_down",
  "node_up",
  "node_state",
  "actor_spawn",
  "actor_stop",
  "actor_fail",
  "actor_restart",
  "msg_send",
  "msg_recv",
  "msg_handle",
  "msg_drop",
  "link_down",
  "link_up",
  "handler_start",
  "handler_end",
  "attrs",
] as const;

export type KindName = (typeof KINDS)[number];

export const K = {
  node_join: 0,
  node_leave: 1,
  node_down: 2,
  node_up: 3,
  node_state: 4,
  actor_spawn: 5,
  actor_stop: 6,
  actor_fail: 7,
  actor_restart: 8,
  msg_send: 9,
  msg_recv: 10,
  msg_handle: 11,
  msg_drop: 12,
  link_down: 13,
  link_up: 14,
  handler_start: 15,
  handler_end: 16,
  attrs: 17,
} as const;

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

/** Kinds that are "moments" worth animating or marking; message traffic is not among them. */
export function isMoment(k: number): boolean {
  return !isMessageKind(k) || k === K.msg_drop;
}

// Actor status as derived by the fold (docs/contract.md, "State at a time").
export const S = {
  absent: 0, // not spawned yet at the playhead
  alive: 1, // idle or busy: busy is decided from busyUntil at draw time
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
