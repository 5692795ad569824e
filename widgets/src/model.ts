// The slice of the anywidget model this front end uses, so the same code runs against a real
// Jupyter model or the in-page model of a standalone replay.

export interface Model {
  get(name: string): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: (...args: any[]) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

/** Trait names synced with Python (generated from meshlab/canvas/widget.py). UI-only state lives
 * in the view. */
export { SYNCED } from "./contract";

export interface Meta {
  scenario?: string | null;
  seed?: number | null;
  nodes?: string[];
  source?: string;
  live?: boolean;
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
