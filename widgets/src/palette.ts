// Colours. Status colours are fixed meanings; message types take a categorical palette in
// order of first appearance so a type keeps its colour while data streams in.
//
// Each theme has its own shades of the same meanings, chosen so that every graphic stands at
// least 3:1 (WCAG 1.4.11) against the ground it is drawn on (the page, a node region, the
// scrubber strip), and so that the status and message-type colours stay apart under protanopia
// and deuteranopia (Machado et al. 2009): test/palette.test.ts measures both. A light ground
// leaves only darker shades (a yellow cannot reach 3:1 on white), so the type palette has
// eight colours, the eight the legend names; a ninth type repeats the first colour.

const LIGHT_STATUS = { idle: "#409e6b", busy: "#217a4e", failed: "#d62828", restarting: "#d67300", stopped: "#8a8d94" };
const DARK_STATUS = { idle: "#6cc08b", busy: "#30966f", failed: "#ec5246", restarting: "#f08c00", stopped: "#b8bec6" };
export const STATUS_COLOR: Record<string, string> = { ...LIGHT_STATUS };

export const NODE_STYLE: Record<string, { fill: string; stroke: string; text: string }> = {
  unknown: { fill: "#f4f5f7", stroke: "#d5d9de", text: "#8a939c" },
  up: { fill: "#eef4fb", stroke: "#7d9fc4", text: "#24466b" },
  down: { fill: "#3a3d42", stroke: "#d62828", text: "#ffffff" },
  left: { fill: "#f4f5f7", stroke: "#aab2bb", text: "#6b747d" },
  other: { fill: "#fff4d6", stroke: "#d99a00", text: "#6b4d00" },
};

const LIGHT_TYPES = ["#4e79a7", "#9425b2", "#3c9055", "#e05658", "#367d80", "#a48b06", "#b17d9e", "#ce717c"];
const DARK_TYPES = ["#6d93ba", "#de9bff", "#4caa19", "#dd6a73", "#73b8b9", "#edc948", "#a56d8a", "#fea29f"];
/** The current theme's message-type colours (replaced in place by applyTheme). */
export const TYPE_PALETTE: string[] = [...LIGHT_TYPES];

export function typeColor(order: number): string {
  return order < 0 ? "#777" : TYPE_PALETTE[order % TYPE_PALETTE.length];
}

const LIGHT_MARKERS = {
  fail: LIGHT_STATUS.failed,
  restart: LIGHT_STATUS.restarting,
  node_down: "#212529",
  node_up: "#2b8a3e",
  partition: "#7b2cbf",
  heal: "#8f6fe0",
  admin: "#1c7ed6",
  action_fail: "#e8590c",
};
const DARK_MARKERS = {
  fail: DARK_STATUS.failed,
  restart: DARK_STATUS.restarting,
  // a node's death is a near-black diamond on light ground: light grey on dark
  node_down: "#dee2e6",
  node_up: "#40c057",
  partition: "#cc5de8",
  heal: "#d0bfff",
  admin: "#4dabf7",
  action_fail: "#ff8a3d",
};
export const MARKER_COLOR: Record<string, string> = { ...LIGHT_MARKERS };

/** A partition's sides: the partition's purple first, then colours unlike any status. */
const LIGHT_SIDES = ["#7b2cbf", "#0b7285", "#c2410c", "#5c940d", "#1971c2", "#a61e4d"];
const DARK_SIDES = ["#b197fc", "#3bc9db", "#ff922b", "#a9e34b", "#74c0fc", "#f783ac"];
export const SIDE_COLOR: string[] = [...LIGHT_SIDES];

/** The cut line and cut links of a partition. */
export let PARTITION = "#7b2cbf";
/**
 * A node that still reaches both ends of a cut link (a partial partition's bridge): neutral
 * slate, so it is never taken for a partition's side (side B is teal) or for the cut's purple.
 */
export let BRIDGE = "#495057";
/** A hung actor's outline (busy in one handler for too long): raspberry, unlike any status. */
export let HUNG = "#c2255c";
/** The badge of a handler that raised while its actor lived on. */
export let HANDLER_ERROR = "#e03131";
/** A lost message: dark slate (light grey on dark), unlike the red of a failed actor. */
export let DROP = "#343a40";
/** A replica copy on its way between nodes. */
export let TRANSIT = "#099268";
/** Actions touching a node. */
export let HEAT = "#e8590c";

const LIGHT_MARKS = { PARTITION, BRIDGE, HUNG, HANDLER_ERROR, DROP, TRANSIT, HEAT };
const DARK_MARKS: typeof LIGHT_MARKS = {
  PARTITION: "#b197fc",
  BRIDGE: "#dee2e6",
  HUNG: "#f06595",
  HANDLER_ERROR: "#ff6b6b",
  DROP: "#ced4da",
  TRANSIT: "#38d9a9",
  HEAT: "#ff922b",
};

/**
 * Marks of events and link states the painters draw: the topology's moment rings (spawn,
 * restart, stop, a node going down, leaving or coming back) and restart counts, the space-time
 * view's spawn dots and stop bars, and the deck's suspect and slow links, daemon chips and the
 * foot line of a draining node. Each at 3:1 on the page and on a node region, text at 4.5:1.
 */
const LIGHT_EVENT = {
  spawn: "#2b8a3e",
  restart: "#d67300",
  stop: "#7a828b",
  nodeLeave: "#6b747d",
  nodeDown: "#d62828",
  restartCount: "#b35900",
  drainText: "#b35900",
  linkSuspect: "#e03131",
  linkSlow: "#a87400",
  daemonChip: "#6c757d",
};
const DARK_EVENT: typeof LIGHT_EVENT = {
  spawn: "#40c057",
  restart: "#f08c00",
  stop: "#adb5bd",
  nodeLeave: "#909aa3",
  nodeDown: "#ff6b6b",
  restartCount: "#ff922b",
  drainText: "#ff922b",
  linkSuspect: "#ff6b6b",
  linkSlow: "#fcc419",
  daemonChip: "#495057",
};
/** The current theme's event marks (replaced in place by applyTheme). */
export const EVENT_COLOR: typeof LIGHT_EVENT = { ...LIGHT_EVENT };

/**
 * Ink and grounds the painters draw on other colours, each measured against what it sits on:
 * the cross on a failed glyph (on the status colour), labels and
 * the cross on a dead node's dark region, supervision links (on the page and node regions), and
 * the topology's "aggregated" note (its text on its own fill). `guide` is the flows view's faint
 * circle, decoration that no reading depends on, so it is left faint.
 */
const LIGHT_INK = {
  onMark: "#ffffff",
  downLabel: "#e9ecef",
  deadCross: "#ff6b6b",
  supervision: "#7a828b",
  noteFill: "#fff9db",
  noteText: "#5c4400",
  guide: "rgba(0,0,0,0.07)",
};
const DARK_INK: typeof LIGHT_INK = { ...LIGHT_INK, supervision: "#868e96", guide: "rgba(255,255,255,0.08)" };
/** The current theme's ink (replaced in place by applyTheme). */
export const INK: typeof LIGHT_INK = { ...LIGHT_INK };

/**
 * The grounds, edges and text of the views' own furniture, each measured against what it sits
 * on (test/palette.test.ts): the zones view's zone boxes (fill, outline at 3:1 on the page and
 * on the fill), its focused row and "all zones" pill, and the text inks of its counts (4.5:1 on
 * the zone fill and on the focused row); the tree's edges (3:1 on the page); the bold caption
 * line of a partition (4.5:1 on the page); the space-time view's playhead, its message-bar grey
 * (3:1 on the page at the opacity the sent bars are drawn with) and its caption's note of
 * bundled or scrolled lanes (4.5:1); the scrubber's density bars (3:1 on the strip); and the
 * chip of an actor whose status has no colour of its own (3:1 on the page, its text by inkOn).
 */
const LIGHT_VIEW = {
  zoneFill: "#f8f9fa",
  zoneEdge: "#868e96",
  zoneFocus: "#dee2e6",
  zoneBack: "#e9ecef",
  zoneFailed: "#b02525",
  zoneRestarting: "#9c4d00",
  zoneBusy: "#1b6b43",
  zoneHung: "#a61e4d",
  treeEdge: "#8a939c",
  captionBold: "#5f3dc4",
  playhead: "#e8590c",
  bars: "#343a40",
  captionNote: "#5c4400",
  density: "#868e96",
  noStatus: "#868e96",
};
const DARK_VIEW: typeof LIGHT_VIEW = {
  zoneFill: "#212428",
  zoneEdge: "#6c757d",
  zoneFocus: "#343a40",
  zoneBack: "#2b3035",
  zoneFailed: "#ff8787",
  zoneRestarting: "#ffa94d",
  zoneBusy: "#8ce99a",
  zoneHung: "#f783ac",
  treeEdge: "#6c757d",
  captionBold: "#e5dbff",
  playhead: "#ff922b",
  bars: "#ced4da",
  captionNote: "#ffd43b",
  density: "#adb5bd",
  noStatus: "#868e96",
};
/** The current theme's view furniture (replaced in place by applyTheme). */
export const VIEW: typeof LIGHT_VIEW = { ...LIGHT_VIEW };

/**
 * Faint guides no reading depends on, so they are exempt from 3:1 (the test only requires them
 * to stay visible): the space-time axis's time gridlines, the shade outside the trace, a node
 * band's tint and top line, and the lanes' lines (each lane is named at its left; its events
 * are the marks on it), and the scrubber's hatching over the part of a trace not loaded yet.
 */
const LIGHT_GUIDE = {
  grid: "#eceef0",
  outside: "rgba(0,0,0,0.035)",
  band: "rgba(0,0,0,0.045)",
  bandLine: "#ced4da",
  lane: "#c9ced4",
  unloaded: "rgba(128,128,128,.28)",
  unloadedGap: "rgba(128,128,128,.08)",
};
const DARK_GUIDE: typeof LIGHT_GUIDE = {
  ...LIGHT_GUIDE,
  grid: "#343a40",
  outside: "rgba(255,255,255,0.04)",
  band: "rgba(255,255,255,0.06)",
  bandLine: "#495057",
  lane: "#495057",
};
/** The current theme's guides (replaced in place by applyTheme). */
export const GUIDE: typeof LIGHT_GUIDE = { ...LIGHT_GUIDE };

/**
 * The space-time view's causal past and future: Okabe–Ito blue and reddish purple, apart for
 * colour-blind eyes, 3:1 on the page in both themes (the same shades serve both).
 */
export const PAST = "#0072b2";
export const FUTURE = "#cc79a7";

/**
 * The branch tabs above the canvas and the branch overlay on its scrubber, as CSS custom
 * properties (branches.ts sets the dark ones where the canvas is dark): the tabs' text and
 * the hint at 4.5:1 on the page, the pressed tab's text at 4.5:1 on its blue, the blue of the
 * divergence line and its label at 4.5:1 on the page, the problem's text at 4.5:1 and its
 * edges at 3:1. A tab's border is decoration (its text names it).
 */
export const LIGHT_BRANCH = {
  text: "#495057",
  tabEdge: "#ced4da",
  tabFill: "#ffffff",
  tabText: "#212529",
  on: "#1971c2",
  onText: "#ffffff",
  hint: "#6c757d",
  labelFill: "rgba(255,255,255,.8)",
  problemText: "#c92a2a",
  problemEdge: "#d62828",
  problemFill: "rgba(214,40,40,.22)",
};
export const DARK_BRANCH: typeof LIGHT_BRANCH = {
  text: "#ced4da",
  tabEdge: "#495057",
  tabFill: "#2f3337",
  tabText: "#e9ecef",
  on: "#4dabf7",
  onText: "#1b1d20",
  hint: "#a0a8b0",
  labelFill: "rgba(27,29,32,.8)",
  problemText: "#ff8787",
  problemEdge: "#ff6b6b",
  problemFill: "rgba(255,107,107,.22)",
};
/** `--ml-<prefix>-<name>:<colour>;` for each colour, to set on an element's style. */
export function cssVars(prefix: string, colours: Record<string, string>): string {
  return Object.entries(colours).map(([k, v]) => `--ml-${prefix}-${k}:${v};`).join("");
}

/**
 * The text of the canvas's HTML furniture (toolbar, inspector, legend, scrubber ticks, table)
 * as CSS custom properties, `--ml-c-<name>`, set on the canvas and on its dark variant
 * (styles.ts): each at 4.5:1 on the ground it sits on (page, toolbar, inspector panel, table
 * head), the pressed toolbar button's white at 4.5:1 on its fill, the scrubber's playhead at
 * 3:1 on its strip, the keyboard focus ring and a hovered marker's outline at 3:1 on the page.
 * Borders, rules and hover fills (edge ... rowEdge) are decoration, a control's text names it:
 * the test only requires them to differ from their ground.
 */
export const LIGHT_CSS = {
  text: "#222222",
  page: "#ffffff",
  bar: "#f8f9fa",
  panel: "#fcfcfd",
  time: "#333333",
  subtitle: "#555555",
  key: "#666666",
  dim: "#707070",
  link: "#1c64b4",
  live: "#c92a2a",
  tick: "#6c757d",
  legend: "#555555",
  legendTitle: "#6c757d",
  empty: "#6c757d",
  short: "#c2410c",
  pending: "#6b4d00",
  on: "#24466b",
  onText: "#ffffff",
  playhead: "#e8590c",
  head: "#444444",
  count: "#666666",
  strip: "#f8f9fa",
  control: "#ffffff",
  controlText: "#222222",
  failFill: "#fff5f5",
  tip: "rgba(33,37,41,.94)",
  tipText: "#ffffff",
  rowHover: "#eef4fb",
  rowSel: "#d0ebff",
  focus: "#1971c2",
  markerHover: "#222222",
  headHover: "#1971c2",
  edge: "#d5d9de",
  rule: "#eceff2",
  controlEdge: "#c9ced4",
  controlHover: "#eef2f6",
  sep: "#d5d9de",
  failEdge: "#f1aeb5",
  tickEdge: "#ced4da",
  group: "#e3e6ea",
  headEdge: "#d5d9de",
  rowEdge: "#f1f3f5",
};
export const DARK_CSS: typeof LIGHT_CSS = {
  text: "#e9ecef",
  page: "#1b1d20",
  bar: "#25282c",
  panel: "#202327",
  time: "#ced4da",
  subtitle: "#ced4da",
  key: "#a0a8b0",
  dim: "#a0a8b0",
  link: "#74c0fc",
  live: "#ff8787",
  tick: "#a0a8b0",
  legend: "#ced4da",
  legendTitle: "#a0a8b0",
  empty: "#a0a8b0",
  short: "#ff922b",
  pending: "#ffd8a8",
  on: "#46698d",
  onText: "#e9ecef",
  playhead: "#ff922b",
  head: "#ced4da",
  count: "#adb5bd",
  strip: "#25282c",
  control: "#2f3337",
  controlText: "#e9ecef",
  failFill: "#3b1f22",
  tip: "rgba(33,37,41,.94)",
  tipText: "#ffffff",
  rowHover: "#1c2733",
  rowSel: "#1c3a57",
  focus: "#74c0fc",
  markerHover: "#f8f9fa",
  headHover: "#74c0fc",
  edge: "#3a3f45",
  rule: "#3a3f45",
  controlEdge: "#4a5057",
  controlHover: "#3a3f45",
  sep: "#4a5057",
  failEdge: "#8a3a42",
  tickEdge: "#4a5057",
  group: "#3a3f45",
  headEdge: "#3a3f45",
  rowEdge: "#2b2f34",
};

/** A node's maintenance state (MeshOS): the region's outline and header badge. */
export const MAINT_COLOR: Record<string, string> = {
  cordoned: "#862e9c",
  entering_maintenance: "#e07400",
  drain: "#e07400",
  draining: "#e07400",
  maintenance: "#1971c2",
  drain_failed: "#c92a2a",
  exiting_maintenance: "#0b7285",
  recovery: "#2b803c",
};

/** Text on a chip of colour `bg`: white or near-black, whichever reads better. */
export function inkOn(bg: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(bg.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // contrast with white (1.05 / (l + .05)) against contrast with #1b1d20 ((l + .05) / .062)
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.062 ? "#ffffff" : "#1b1d20";
}

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
  Object.assign(STATUS_COLOR, dark ? DARK_STATUS : LIGHT_STATUS);
  Object.assign(MARKER_COLOR, dark ? DARK_MARKERS : LIGHT_MARKERS);
  Object.assign(EVENT_COLOR, dark ? DARK_EVENT : LIGHT_EVENT);
  Object.assign(INK, dark ? DARK_INK : LIGHT_INK);
  Object.assign(VIEW, dark ? DARK_VIEW : LIGHT_VIEW);
  Object.assign(GUIDE, dark ? DARK_GUIDE : LIGHT_GUIDE);
  TYPE_PALETTE.splice(0, TYPE_PALETTE.length, ...(dark ? DARK_TYPES : LIGHT_TYPES));
  SIDE_COLOR.splice(0, SIDE_COLOR.length, ...(dark ? DARK_SIDES : LIGHT_SIDES));
  // module bindings, so every importer reads the current theme's shade
  ({ PARTITION, BRIDGE, HUNG, HANDLER_ERROR, DROP, TRANSIT, HEAT } = dark ? DARK_MARKS : LIGHT_MARKS);
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
