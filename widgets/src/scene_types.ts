// The shapes of a topology frame: what the scene builder hands the painters, hit tests and
// views (regions, glyphs, messages, drops, moments, cuts, flows), and the view's filters.
import type { StatusName } from "./kinds";
import type { NodeBox, Rect } from "./layout";
import type { Lod } from "./lod";
import type { SceneZones } from "./zone_scene";

export interface Filters {
  hideSystem: boolean;
  actorClass: string; // "" = all
  msgType: string; // "" = all
  supervision: boolean;
}

export type NodeStateName = "unknown" | "up" | "down" | "left" | "other";

export interface SceneNode {
  idx: number;
  name: string;
  box: NodeBox;
  state: NodeStateName;
  label: string; // the state as text ("up", "DOWN", "maintenance")
  counts: Record<StatusName, number>;
  /** Of its busy actors, those in one handler for longer than the hung threshold. */
  hung: number;
}

export interface SceneActor {
  idx: number;
  id: string;
  x: number;
  y: number;
  r: number;
  status: StatusName;
  /** Its current life ended in a crash (drawn with a ✕); a shutdown for a restart did not. */
  crashed: boolean;
  /** Busy in one handler for longer than the hung threshold (contract v2). */
  hung: boolean;
  /** Handlers that raised while the actor lived on (contract v2), over all its lives. */
  errors: number;
  restarts: number;
  incarnation: number;
  system: boolean;
  node: number;
}

export interface SceneMsg {
  m: number;
  x: number;
  y: number;
  tx: number; // a point a little behind, for the tail
  ty: number;
  color: string;
}

export interface SceneDrop {
  m: number;
  row: number;
  x: number;
  y: number;
  age: number; // 0 just happened .. 1 about to fade
}

export interface SceneMoment {
  row: number;
  kind: number;
  x: number;
  y: number;
  r: number;
  box: Rect | null;
  age: number;
}

export interface SceneLine {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface SceneFlow extends SceneLine {
  /** Node indexes at the ends (-1 where an end is a zone). */
  from: number;
  to: number;
  /** The regions the flow runs between: two nodes, or zones when nodes are drawn in zones. */
  fromBox: Rect;
  toBox: Rect;
  count: number;
  rate: number;
  width: number;
  color: string;
}

export interface Scene {
  t: number;
  width: number;
  height: number;
  nodes: SceneNode[];
  actors: SceneActor[];
  msgs: SceneMsg[];
  drops: SceneDrop[];
  moments: SceneMoment[];
  cuts: (SceneLine & { a: string; b: string; row: number; adjacent: boolean })[];
  flows: SceneFlow[];
  supervision: SceneLine[];
  lod: Lod;
  inFlight: number;
  visibleActors: number;
  /** Above ZONE_MIN nodes: the zones, their counts and where they are drawn; else null. */
  zones: SceneZones | null;
  /** Where a partition's caption goes: with zones, a free zone slot, else the right half of the
   * footer line; without, the strip kept under a grid that has no empty cell (while links are
   * cut); null: the partition layer writes it in the grid's empty cell. */
  caption: Rect | null;
}
