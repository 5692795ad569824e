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
  admin: "#1c7ed6",
  action_fail: "#e8590c",
};

export const PARTITION = "#7b2cbf";
/** A hung actor's outline (busy in one handler for too long): raspberry, unlike any status. */
export const HUNG = "#c2255c";
/** The badge of a handler that raised while its actor lived on. */
export const HANDLER_ERROR = "#e03131";
/** A lost message: dark slate, unlike the red of a failed actor. */
export const DROP = "#343a40";

/** A node's maintenance state (MeshOS): the region's outline and header badge. */
export const MAINT_COLOR: Record<string, string> = {
  cordoned: "#862e9c",
  entering_maintenance: "#e67700",
  drain: "#e67700",
  draining: "#e67700",
  maintenance: "#1971c2",
  drain_failed: "#c92a2a",
  exiting_maintenance: "#0b7285",
  recovery: "#2b8a3e",
};
/** A replica copy on its way between nodes. */
export const TRANSIT = "#0ca678";
/** Actions touching a node. */
export const HEAT = "#f76707";

/**
 * Colours that follow the notebook's theme. Status colours keep their meaning in both; what
 * changes is the ground they sit on and the text. Mutated in place by applyTheme, so painters
 * read the current theme without it being passed around.
 */
export const THEME = {
  dark: false,
  bg: "#ffffff",
  text: "#222222",
  label: "#444444",
  muted: "#555555",
  select: "#111111",
  halo: "#ffffff",
  panel: "rgba(255,255,255,0.88)",
};

const LIGHT_NODES = JSON.parse(JSON.stringify(NODE_STYLE)) as typeof NODE_STYLE;
const DARK_NODES: typeof NODE_STYLE = {
  unknown: { fill: "#25282c", stroke: "#495057", text: "#adb5bd" },
  up: { fill: "#1c2733", stroke: "#4c6f94", text: "#a5c8ef" },
  down: { fill: "#0d0e10", stroke: "#ff6b6b", text: "#ffffff" },
  left: { fill: "#25282c", stroke: "#6c757d", text: "#adb5bd" },
  other: { fill: "#33291a", stroke: "#d99a00", text: "#ffd8a8" },
};
const LIGHT_MAINT = { ...MAINT_COLOR };
const DARK_MAINT: Record<string, string> = {
  ...LIGHT_MAINT,
  cordoned: "#cc5de8",
  entering_maintenance: "#ff922b",
  drain: "#ff922b",
  draining: "#ff922b",
  maintenance: "#4dabf7",
  drain_failed: "#ff6b6b",
  exiting_maintenance: "#3bc9db",
  recovery: "#69db7c",
};

export function applyTheme(dark: boolean): void {
  Object.assign(THEME, dark
    ? { dark, bg: "#1b1d20", text: "#e9ecef", label: "#ced4da", muted: "#adb5bd", select: "#f8f9fa", halo: "#1b1d20", panel: "rgba(27,29,32,0.88)" }
    : { dark, bg: "#ffffff", text: "#222222", label: "#444444", muted: "#555555", select: "#111111", halo: "#ffffff", panel: "rgba(255,255,255,0.88)" });
  for (const [k, v] of Object.entries(dark ? DARK_NODES : LIGHT_NODES)) Object.assign(NODE_STYLE[k], v);
  Object.assign(MAINT_COLOR, dark ? DARK_MAINT : LIGHT_MAINT);
  // a node's death is a near-black diamond on light ground: light grey on dark
  MARKER_COLOR.node_down = dark ? "#dee2e6" : "#212529";
}

/** The notebook's theme: JupyterLab says so on <body>; elsewhere the system preference. */
export function prefersDark(doc: Document = document): boolean {
  const jp = doc.body?.dataset?.jpThemeLight;
  if (jp === "false") return true;
  if (jp === "true") return false;
  // VS Code notebooks mark the body with a theme class
  const cls = doc.body?.classList;
  if (cls?.contains("vscode-dark") || cls?.contains("vscode-high-contrast")) return true;
  if (cls?.contains("vscode-light")) return false;
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}
