// An actor's and a node's state at the playhead as names (the fold keeps them as codes).
import { busySince, type MeshState } from "./fold";
import { N, S, type StatusName } from "./kinds";
import type { NodeStateName } from "./scene_types";

export function statusName(s: MeshState, a: number, t: number): StatusName {
  switch (s.status[a]) {
    case S.alive:
      return Number.isNaN(busySince(s, a, t)) ? "idle" : "busy";
    case S.failed:
      return "failed";
    case S.restarting:
      return "restarting";
    case S.stopped:
      return "stopped";
    default:
      return "absent";
  }
}

export function nodeStateName(s: MeshState, n: number): NodeStateName {
  switch (s.nodeState[n]) {
    case N.up:
      return "up";
    case N.down:
      return "down";
    case N.left:
      return "left";
    case N.other:
      return "other";
    default:
      return "unknown";
  }
}
