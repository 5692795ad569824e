// Zones: above ZONE_MIN nodes the topology view groups nodes into zones, each a labelled box with
// its status counts and its nodes as compact cells, so 200 nodes read at once and no text runs
// into another. Which zone a node is in comes from the trace when it says (a node's `zone`
// attribute, MeshOS's desired zones), else from a shared name prefix (`rack1-n3`), else from
// blocks of consecutive nodes. Pure functions of names and sizes: testable without a canvas.
import { gridColumns, type NodeBox, type Rect } from "./layout";

/** More nodes than this are drawn as zones. */
export const ZONE_MIN = 50;

export type ZoneSource = "attribute" | "meshos" | "prefix" | "block";

export interface Zone {
  name: string;
  /** Node indexes in display order. */
  nodes: number[];
}

export interface Zoning {
  zones: Zone[];
  source: ZoneSource;
  /** Zone index of each node index (-1: none). */
  zoneOf: Int32Array;
}

/** The part of a name before its last separator (`rack1-n3` -> `rack1`), "" if none. */
export function namePrefix(name: string): string {
  const m = /^(.+?)[-_./:][^-_./:]+$/.exec(name);
  return m ? m[1] : "";
}

/** Nodes per block when zones are blocks of consecutive nodes: 10, more past 250 nodes. */
export function blockSize(n: number): number {
  return Math.max(10, Math.ceil(n / 25 / 5) * 5);
}

/**
 * Zones of the nodes in `order` (node indexes in display order; `names` by node index).
 * `explicit` names a node's zone when the trace says it ("" or undefined: not said).
 */
export function assignZones(names: string[], order: number[], explicit: (node: number) => string | undefined, explicitSource: ZoneSource = "attribute"): Zoning {
  const zoneOf = new Int32Array(names.length).fill(-1);
  const group = (key: (n: number) => string, source: ZoneSource): Zoning => {
    const byName = new Map<string, Zone>();
    const zones: Zone[] = [];
    for (const n of order) {
      const k = key(n);
      let z = byName.get(k);
      if (!z) {
        byName.set(k, (z = { name: k, nodes: [] }));
        zones.push(z);
      }
      zoneOf[n] = zones.indexOf(z);
      z.nodes.push(n);
    }
    return { zones, source, zoneOf };
  };
  if (order.some((n) => explicit(n))) {
    return group((n) => explicit(n) || namePrefix(names[n]) || "no zone", explicitSource);
  }
  // a prefix makes zones when it splits the nodes into a few groups of several nodes each
  const prefixes = new Set(order.map((n) => namePrefix(names[n])));
  if (!prefixes.has("") && prefixes.size >= 2 && prefixes.size <= order.length / 3) {
    return group((n) => namePrefix(names[n]), "prefix");
  }
  const size = blockSize(order.length);
  const zones: Zone[] = [];
  order.forEach((n, i) => {
    if (i % size === 0) zones.push({ name: "", nodes: [] });
    zones[zones.length - 1].nodes.push(n);
    zoneOf[n] = zones.length - 1;
  });
  for (const z of zones) {
    const first = names[z.nodes[0]];
    const last = names[z.nodes[z.nodes.length - 1]];
    z.name = z.nodes.length > 1 ? `${first}–${last}` : first;
  }
  return { zones, source: "block", zoneOf };
}

export interface ZoneBox {
  zone: number;
  box: Rect;
  /** The header lines, each one line of text tall. */
  lines: Rect[];
  /** Where the cells go. */
  body: Rect;
}

export interface ZoneLayout {
  zones: ZoneBox[];
  /** Per node index, its cell (undefined: not laid out). */
  cells: (NodeBox | undefined)[];
  /** An empty slot of the zone grid (for a caption), or null. */
  spare: Rect | null;
  /** A line under the zones for notes. */
  footer: Rect;
}

export const ZONE_GAP = 10;
export const CELL_GAP = 3;
export const LINE_H = 15;
const ZONE_PAD = 5;
export const FOOTER_H = 18;
/** Height of a cell's name line. */
export const CELL_NAME_H = 12;
/** A cell this tall has a name line (and a 2 px bar under it). */
export const CELL_NAMED_H = CELL_NAME_H + 3;

/** A cell as a NodeBox: its actors have no slots of their own (they are counted, not drawn). */
function cellBox(x: number, y: number, w: number, h: number): NodeBox {
  const top = h >= CELL_NAMED_H ? CELL_NAME_H : 0;
  const inner = { x: x + 2, y: y + top, w: Math.max(1, w - 4), h: Math.max(1, h - top - 2) };
  return { x, y, w, h, inner, cols: 1, rows: 1, cell: 0, radius: 2 };
}

/** Cells of `count` nodes in a rect, a grid with CELL_GAP between cells. */
export function layoutCells(count: number, r: Rect): Rect[] {
  if (!count) return [];
  const cols = gridColumns(count, r.w, r.h, 1.8);
  const rows = Math.ceil(count / cols);
  // the gaps narrow where they would leave a cell under a pixel (many nodes in a small zone),
  // and a cell is under a pixel only where the rect has less than one per cell: never past it
  const gx = Math.min(CELL_GAP, Math.max(0, (r.w - cols) / Math.max(1, cols - 1)));
  const gy = Math.min(CELL_GAP, Math.max(0, (r.h - rows) / Math.max(1, rows - 1)));
  const w = (r.w - gx * (cols - 1)) / cols;
  const h = Math.min((r.h - gy * (rows - 1)) / rows, w * 1.2, 80);
  const out: Rect[] = [];
  for (let i = 0; i < count; i++) out.push({ x: r.x + (i % cols) * (w + gx), y: r.y + Math.floor(i / cols) * (h + gy), w, h });
  return out;
}

/**
 * The footer's height while the trace cuts links and no zone slot is free: four lines of a
 * partition's caption (the title, two sides, a cut group or the note) in its right half, and
 * the notes wrapped in its left half.
 */
export const CAPTION_FOOTER_H = 4 * 13 + 6;

/**
 * Zone boxes on a grid over `area` (a footer kept below), each zone's cells inside it. With
 * `captionH` (the trace cuts links) the footer grows to it unless the grid leaves a zone slot
 * free, where the caption goes instead.
 */
export function layoutZones(zoning: Zoning, nNodes: number, area: Rect, captionH = 0): ZoneLayout {
  const plain = zoneGrid(zoning, nNodes, area, FOOTER_H);
  return captionH > FOOTER_H && !(plain.spare && plain.spare.h >= captionH) ? zoneGrid(zoning, nNodes, area, captionH) : plain;
}

function zoneGrid(zoning: Zoning, nNodes: number, area: Rect, footerH: number): ZoneLayout {
  const footer = { x: area.x, y: area.y + area.h - footerH, w: area.w, h: footerH };
  const grid = { x: area.x, y: area.y, w: area.w, h: Math.max(1, area.h - footerH - 2) };
  const n = zoning.zones.length;
  // zones share the area by their node counts only roughly: a grid of equal boxes reads best
  const cols = gridColumns(n, grid.w, grid.h, 1.6);
  const rows = Math.max(1, Math.ceil(n / cols));
  const w = (grid.w - ZONE_GAP * (cols - 1)) / cols;
  const h = (grid.h - ZONE_GAP * (rows - 1)) / rows;
  const cells: (NodeBox | undefined)[] = new Array(nNodes);
  const zones: ZoneBox[] = zoning.zones.map((z, i) => {
    const box = { x: grid.x + (i % cols) * (w + ZONE_GAP), y: grid.y + Math.floor(i / cols) * (h + ZONE_GAP), w, h };
    // two header lines when the cells keep room for their names under them, else one
    const nLines = h - 2 * LINE_H - 2 * ZONE_PAD >= 2 * CELL_NAME_H * Math.ceil(z.nodes.length / gridColumns(z.nodes.length, w, h, 1.8)) ? 2 : 1;
    // the 2 px above and below the header shrink in a zone barely a line tall (50 zones on a
    // short page cut by a partition: 16.8 px), so that its header stays inside it
    const pad = Math.max(0, Math.min(2, (h - nLines * LINE_H) / 2));
    const lines: Rect[] = [];
    for (let k = 0; k < nLines; k++) lines.push({ x: box.x + ZONE_PAD, y: box.y + pad + k * LINE_H, w: w - 2 * ZONE_PAD, h: LINE_H });
    const top = pad + nLines * LINE_H + pad;
    const body = { x: box.x + ZONE_PAD, y: box.y + top, w: Math.max(1, w - 2 * ZONE_PAD), h: Math.max(1, h - top - ZONE_PAD) };
    layoutCells(z.nodes.length, body).forEach((c, k) => (cells[z.nodes[k]] = cellBox(c.x, c.y, c.w, c.h)));
    return { zone: i, box, lines, body };
  });
  const spare = n < cols * rows ? { x: grid.x + (n % cols) * (w + ZONE_GAP), y: grid.y + (rows - 1) * (h + ZONE_GAP), w, h } : null;
  return { zones, cells, spare, footer };
}

/** One text drawn by the zone painter: its box (top-left, width, one line tall) and style. */
export interface TextBox {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  bold: boolean;
  /** Ink: "text", "muted", a status name, "hung", "state" (maintenance), "cell" (a node's name). */
  ink: string;
  /** Font size when not the painter's default for its kind. */
  px?: number;
}

export const ZONE_FONT_PX = 11;
export const CELL_FONT_PX = 10;

export interface ZoneCounts {
  nodes: number;
  down: number;
  /** Nodes in another state than up/down (maintenance, drain, …), by state label. */
  other: number;
  left: number;
  failed: number;
  restarting: number;
  busy: number;
  idle: number;
  stopped: number;
  hung: number;
}

export const zeroCounts = (): ZoneCounts => ({ nodes: 0, down: 0, other: 0, left: 0, failed: 0, restarting: 0, busy: 0, idle: 0, stopped: 0, hung: 0 });

/** 12345 -> "12,345"; 123456 -> "123k" where short forms are wanted. */
function fmt(n: number, short = false): string {
  if (short && n >= 10000) return `${Math.round(n / 1000)}k`;
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** One part of a zone header: its forms from the longest to the tiniest, its ink. */
export interface HeaderPart {
  long: string;
  short: string;
  /** A last resort for a narrow header (notebook width): e.g. `⚒n100` for a node in maintenance. */
  tiny?: string;
  ink: string;
  bold?: boolean;
  /** A part the header must show (a node down, a node in maintenance): the zone's name is cut
   * to its start to make room for it rather than leave it out. */
  urgent?: boolean;
}

/**
 * How the header names the nodes in maintenance (in another state than up, down or left):
 * by name when one or two, else counted with the first name; at its tiniest `⚒n100` or
 * `⚒3 n100…`, so that a narrow header still says which node it is.
 */
export function maintenancePart(count: number, names: string[]): HeaderPart {
  const k = Math.max(count, names.length);
  if (!names.length) return { long: `${k} in maintenance`, short: `${k} maint`, ink: "state", bold: true, urgent: true };
  const first = names[0];
  if (k === 1) return { long: `${first} in maintenance`, short: `${first} maint`, tiny: `⚒${first}`, ink: "state", bold: true, urgent: true };
  const long = k === 2 ? `${names.join(", ")} in maintenance` : `${k} in maintenance: ${first}, …`;
  return { long, short: `${k} maint: ${first}…`, tiny: `⚒${k} ${first}…`, ink: "state", bold: true, urgent: true };
}

/**
 * A zone header's parts, most urgent first, each with a long and a short form. `maintenance`
 * names the zone's nodes in maintenance, in display order (the header names them).
 */
export function headerParts(name: string, c: ZoneCounts, maintenance: string[] = []): HeaderPart[] {
  const parts: HeaderPart[] = [{ long: name, short: name, ink: "text", bold: true }];
  if (c.down) parts.push({ long: `${c.down} down`, short: `${c.down}↓`, ink: "failed", bold: true, urgent: true });
  if (c.other) parts.push(maintenancePart(c.other, maintenance));
  if (c.left) parts.push({ long: `${c.left} left`, short: `${c.left} left`, ink: "muted" });
  if (c.failed) parts.push({ long: `✕ ${fmt(c.failed)} failed`, short: `✕${fmt(c.failed, true)}`, ink: "failed", bold: true });
  if (c.restarting) parts.push({ long: `↻ ${fmt(c.restarting)} restarting`, short: `↻${fmt(c.restarting, true)}`, ink: "restarting", bold: true });
  if (c.hung) parts.push({ long: `⌛ ${fmt(c.hung)} hung`, short: `⌛${fmt(c.hung, true)}`, ink: "hung", bold: true });
  if (c.busy) parts.push({ long: `${fmt(c.busy)} busy`, short: `●${fmt(c.busy, true)}`, ink: "busy" });
  // sizes only in full: a cryptic "10n" would say less than leaving them to the tooltip
  parts.push({ long: `${c.nodes} nodes`, short: `${c.nodes} nodes`, ink: "muted" });
  const actors = c.failed + c.restarting + c.busy + c.idle + c.stopped;
  if (actors) parts.push({ long: `${fmt(actors)} actors`, short: `${fmt(actors, true)} actors`, ink: "muted" });
  return parts;
}

/**
 * The header text of one zone, in its lines: each part in its long form while it fits, else
 * its short form, else its tiny form, else on the next line; what fits nowhere is left out (the
 * counts stay in the zone's tooltip and its cells' bars). The name is cut to its end when even
 * it is too wide. An urgent part (a node down or in maintenance) that fits nowhere cuts the
 * name to its start (`n100…`) until it fits: a narrow header still says which node is down.
 */
export function fitHeader(lines: Rect[], parts: HeaderPart[], measure: (s: string, bold: boolean) => number): TextBox[] {
  const first = fitParts(lines, parts, measure);
  const urgent = parts.filter((p) => p.urgent).length;
  if (!urgent || first.urgent === urgent || !parts.length || !lines.length) return first.out;
  // the urgent parts in their tiniest forms, then the name cut shorter and shorter
  const tiniest = (p: HeaderPart): HeaderPart => {
    const t = p.tiny ?? p.short;
    return { ...p, long: t, short: t, tiny: undefined };
  };
  const rest = parts.slice(1).map((p) => (p.urgent ? tiniest(p) : p));
  const name = parts[0];
  const bold = Boolean(name.bold);
  for (let k = name.long.length; k >= 2; k--) {
    const cut = k === name.long.length ? name.long : `${name.long.slice(0, k)}…`;
    if (measure(cut, bold) > lines[0].w) continue;
    const next = fitParts(lines, [{ ...name, long: cut, short: cut, tiny: undefined }, ...rest], measure);
    if (next.urgent === urgent) return next.out;
  }
  return first.out;
}

function fitParts(lines: Rect[], parts: HeaderPart[], measure: (s: string, bold: boolean) => number): { out: TextBox[]; urgent: number } {
  const out: TextBox[] = [];
  let urgent = 0;
  const SEP = 6;
  let li = 0;
  let x = lines.length ? lines[0].x : 0;
  for (const p of parts) {
    while (li < lines.length) {
      const L = lines[li];
      const room = L.x + L.w - x;
      const bold = Boolean(p.bold);
      // a part takes its long form on a fresh line, its shorter forms after others
      let text = "";
      let w = 0;
      for (const form of p.tiny ? [p.long, p.short, p.tiny] : [p.long, p.short]) {
        const fw = measure(form, bold);
        if (fw <= room) {
          [text, w] = [form, fw];
          break;
        }
      }
      if (text) {
        out.push({ text, x, y: L.y, w, h: L.h, bold, ink: p.ink });
        if (p.urgent) urgent++;
        x += w + SEP;
        break;
      }
      if (x === L.x) {
        // not even alone on a line: cut the name to its end, drop any other part
        if (out.length === 0) {
          const cut = cutEnd(p.long, L.w, (s) => measure(s, bold));
          if (cut) {
            const cw = measure(cut, bold);
            out.push({ text: cut, x, y: L.y, w: cw, h: L.h, bold, ink: p.ink });
            x += cw + SEP;
          }
        }
        break;
      }
      li++;
      if (li < lines.length) x = lines[li].x;
    }
    if (li >= lines.length) break;
  }
  return { out, urgent };
}

/** The start of `s` and an ellipsis that fit `maxW` ("" if not even two characters do). */
export function cutStart(s: string, maxW: number, measure: (s: string) => number): string {
  if (measure(s) <= maxW) return s;
  for (let k = s.length - 1; k >= 2; k--) {
    const c = `${s.slice(0, k)}…`;
    if (measure(c) <= maxW) return c;
  }
  return "";
}

/** The end of `s` after an ellipsis that fits `maxW` ("" if not even two characters do). */
export function cutEnd(s: string, maxW: number, measure: (s: string) => number): string {
  if (measure(s) <= maxW) return s;
  for (let k = s.length - 1; k >= 2; k--) {
    const c = `…${s.slice(s.length - k)}`;
    if (measure(c) <= maxW) return c;
  }
  return "";
}

/** Forms of a cell's name, most to least informative: the name, without its zone's prefix, its number. */
export function cellNameForms(name: string, zonePrefix: string): string[] {
  const forms = [name];
  if (zonePrefix && name.startsWith(zonePrefix) && name.length > zonePrefix.length + 1) forms.push(name.slice(zonePrefix.length + 1));
  const num = /(\d+)$/.exec(name);
  if (num && num[1] !== forms[forms.length - 1]) forms.push(num[1]);
  return forms;
}

/**
 * Cell names: one form for every cell (never full names in some cells and numbers in others),
 * the most informative form that fits every cell that has a name line; a cell too narrow even
 * for the shortest form shows none (its name is on hover and in the inspector, and zooming into
 * its zone shows it in full).
 */
export function fitCellNames(cells: { node: number; box: Rect; forms: string[] }[], measure: (s: string, px: number) => number): (TextBox & { node: number })[] {
  const named = cells.filter((c) => c.box.h >= CELL_NAMED_H);
  const room = (c: { box: Rect }) => c.box.w - 4;
  const depth = Math.max(1, ...named.map((c) => c.forms.length));
  const form = (c: { forms: string[] }, k: number) => c.forms[Math.min(k, c.forms.length - 1)];
  // the most informative form at the usual size, else at one size smaller, else the shortest
  let level = depth - 1;
  let px = CELL_FONT_PX - 1;
  search: for (let k = 0; k < depth; k++) {
    for (const size of [CELL_FONT_PX, CELL_FONT_PX - 1]) {
      if (named.every((c) => measure(form(c, k), size) <= room(c))) {
        [level, px] = [k, size];
        break search;
      }
    }
  }
  const out: (TextBox & { node: number })[] = [];
  for (const c of named) {
    const text = form(c, level);
    const w = measure(text, px);
    if (w > room(c)) continue;
    out.push({ node: c.node, text, x: c.box.x + 2, y: c.box.y + 1, w, h: CELL_NAME_H - 1, bold: false, ink: "cell", px });
  }
  return out;
}

/** Do two text boxes overlap (touching edges do not)? */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export interface FocusLayout {
  /** Boxes of the focused zone's nodes, at full detail, by position in the zone. */
  main: NodeBox[];
  /** The "all zones" button at the top of the side column. */
  back: Rect;
  /** One row per zone listed in the side column (the focused one too), by zone index. */
  rows: { zone: number; box: Rect; line: Rect }[];
  /** Zones without a row (too many for the column): summed in the last row. */
  hidden: number[];
  /** The row that sums the hidden zones, or null. */
  more: Rect | null;
  footer: Rect;
}

export const ROW_H = 18;

/**
 * Zoomed into one zone: its nodes as the flat view draws them, in the area left of a side
 * column that lists every zone with its counts (so failures elsewhere stay in sight, and a
 * message to another zone has somewhere to go).
 */
export function layoutFocus(zoning: Zoning, focus: number, slotCounts: number[], area: Rect, layout: (slots: number[], r: Rect) => NodeBox[], footerH = FOOTER_H): FocusLayout {
  const footer = { x: area.x, y: area.y + area.h - footerH, w: area.w, h: footerH };
  const colW = Math.round(Math.max(120, Math.min(190, area.w * 0.2)));
  const col = { x: area.x + area.w - colW, y: area.y, w: colW, h: area.h - footerH - 2 };
  const main = layout(slotCounts, { x: area.x, y: area.y, w: Math.max(1, area.w - colW - ZONE_GAP), h: col.h });
  const back = { x: col.x, y: col.y, w: col.w, h: ROW_H + 2 };
  const fit = Math.max(1, Math.floor((col.h - back.h - 4) / ROW_H));
  const n = zoning.zones.length;
  // the focused zone always has its row; past what fits, the last row sums the rest
  let listed: number[] = [];
  for (let z = 0; z < n; z++) listed.push(z);
  let hidden: number[] = [];
  if (n > fit) {
    const keep = Math.max(1, fit - 1);
    const first = listed.slice(0, keep);
    if (!first.includes(focus)) first[keep - 1] = focus;
    hidden = listed.filter((z) => !first.includes(z));
    listed = first.sort((a, b) => a - b);
  }
  const rowAt = (i: number) => ({ x: col.x, y: back.y + back.h + 4 + i * ROW_H, w: col.w, h: ROW_H - 2 });
  const rows = listed.map((zone, i) => {
    const box = rowAt(i);
    return { zone, box, line: { x: box.x + 4, y: box.y, w: box.w - 8, h: box.h } };
  });
  const more = hidden.length ? rowAt(listed.length) : null;
  return { main, back, rows, hidden, more, footer };
}

/**
 * A cell's count of its worst trouble (`✕3`), right-aligned on its name line when it clears the
 * name; "flag" when only a corner flag fits (the bar under the name says how many); null when
 * the cell has no name line.
 */
export function fitCellMark(box: Rect, name: Rect | undefined, text: string, measure: (s: string) => number): TextBox | "flag" | null {
  if (box.h < CELL_NAMED_H) return null;
  const w = measure(text);
  const right = box.x + box.w - 2;
  const left = name ? name.x + name.w + 3 : box.x + 2;
  if (right - w >= left) return { text, x: right - w, y: box.y + 1, w, h: CELL_NAME_H - 1, bold: true, ink: "" };
  return right - 6 >= left ? "flag" : null;
}
