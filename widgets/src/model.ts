// The anywidget model this front end runs against, typed with anywidget's own types: the same
// code runs against a real Jupyter model or the in-page model of a standalone replay.
import type { AnyModel } from "@anywidget/types";
import type { DesiredMeta } from "./deck";

/** The synced traits (meshlab/canvas/widget.py; their names are checked against SYNCED in the
 * tests). A trait may be missing or null in a page that sets only some of them, so readers
 * coerce; UI-only state lives in the view. */
export interface Traits {
  time: number;
  selected: string;
  playing: boolean;
  speed: number;
  view: string;
  lanes: string;
  hide_system: boolean;
  supervision: boolean;
  class_filter: string;
  type_filter: string;
  meta: Meta;
  height: number;
  /** Names the kernel's model: anywidget hands each display its own proxy of it (channel.ts). Not state: no replay carries it. */
  _model_key?: string;
}

export type Model = AnyModel<Traits>;

/** Trait names synced with Python (generated from meshlab/canvas/widget.py). */
export { SYNCED } from "./contract";

export interface Meta {
  scenario?: string | null;
  seed?: number | null;
  nodes?: string[];
  source?: string;
  live?: boolean;
  /** The MeshOS desired state the deck compares the actual state with. */
  meshos?: DesiredMeta;
}

export type Selection = { kind: "none" } | { kind: "actor"; id: string } | { kind: "node"; name: string };

/** `selected` is an actor id, or "node:<name>" for a node, or "" for nothing. */
export function parseSelected(s: string | null | undefined): Selection {
  if (!s) return { kind: "none" };
  if (s.startsWith("node:")) return { kind: "node", name: s.slice(5) };
  return { kind: "actor", id: s };
}

export function formatSelected(sel: Selection): string {
  return sel.kind === "none" ? "" : sel.kind === "node" ? `node:${sel.name}` : sel.id;
}
