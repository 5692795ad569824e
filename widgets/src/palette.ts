// Colours. Status colours are fixed meanings; message types take a categorical palette in
// order of first appearance so a type keeps its colour while data streams in.

export const STATUS_COLOR: Record<string, string> = {
  idle: "#6cc08b",
  busy: "#1f7a4d",
  failed: "#d62828",
  restarting: "#f08c00",
  stopped: "#b8bec6",
};

export const NODE_STYLE: Record<string, { fill: string; stroke: string; text: string }> = {
  unknown: { fill: "#f4f5f7", stroke: "#d5d9de", text: "#8a939c" },
  up: { fill: "#eef4fb", stroke: "#7d9fc4", text: "#24466b" },
  down: { fill: "#3a3d42", stroke: "#d62828", text: "#ffffff" },
  left: { fill: "#f4f5f7", stroke: "#aab2bb", text: "#6b747d" },
  other: { fill: "#fff4d6", stroke: "#d99a00", text: "#6b4d00" },
};

const TYPE_PALETTE = [
  "#4e79a7",
  "#9c27b0",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#f28e2b",
];

export function typeColor(order: number): string {
  return order < 0 ? "#777" : TYPE_PALETTE[order % TYPE_PALETTE.length];
}

export const MARKER_COLOR: Record<string, string> = {
  fail: "#d62828",
  restart: "#f08c00",
  node_down: "#212529",
  node_up: "#2b8a3e",
  partition: "#7b2cbf",
  heal: "#b197fc",
};

export const PARTITION = "#7b2cbf";
/** A hung actor's outline (busy in one handler for too long): raspberry, unlike any status. */
export const HUNG = "#c2255c";
/** The badge of a handler that raised while its actor lived on. */
export const HANDLER_ERROR = "#e03131";
/** A lost message: dark slate, unlike the red of a failed actor. */
export const DROP = "#343a40";
