// Paints the zones of a topology scene: in the overview each zone is a box with a header of its
// counts (nodes down or in maintenance, failed, restarting, hung and busy actors) and its nodes
// as cells, each with its name where it fits, a bar of its actors' statuses and its failures
// counted; zoomed into a zone, the other zones are rows of a side column. Every text comes from
// the fitting functions of zones.ts, which never let two texts overlap, and is logged so the
// view can publish where it went.
import type { Rect } from "./layout";
import { INK, NODE_STYLE, STATUS_COLOR, THEME, VIEW } from "./palette";
import type { Scene, SceneNode } from "./scene";
import { widthOf } from "./text_width";
import type { SceneZones } from "./zone_scene";
import { CELL_FONT_PX, CELL_NAMED_H, CELL_NAME_H, ZONE_FONT_PX, cellNameForms, cutEnd, cutStart, fitCellMark, fitCellNames, fitHeader, headerParts, namePrefix, type TextBox, type ZoneCounts } from "./zones";

const FAMILY = "system-ui, -apple-system, 'Liberation Sans', sans-serif";
const fontOf = (px: number, bold: boolean) => `${bold ? "bold " : ""}${px}px ${FAMILY}`;


/** Ink of a text by its kind, legible on both themes. */
function ink(kind: string, node?: SceneNode): string {
  switch (kind) {
    case "failed":
      return VIEW.zoneFailed;
    case "restarting":
      return VIEW.zoneRestarting;
    case "busy":
      return VIEW.zoneBusy;
    case "hung":
      return VIEW.zoneHung;
    case "state":
      return NODE_STYLE.other.text;
    case "cell":
      return node ? NODE_STYLE[node.state].text : THEME.text;
    case "muted":
      return THEME.muted;
    default:
      return THEME.text;
  }
}

function drawText(ctx: CanvasRenderingContext2D, t: TextBox, px: number, color: string, out: TextBox[]): void {
  const font = fontOf(t.px ?? px, t.bold);
  if (ctx.font !== font) ctx.font = font;
  ctx.fillStyle = color;
  ctx.fillText(t.text, t.x, t.y + t.h / 2 + 0.5);
  out.push(t);
}

const BAR_ORDER = ["failed", "restarting", "busy", "idle", "stopped"] as const;

/** A node's actors as a stacked bar; a failed or restarting actor keeps at least 3 px. */
function statusBar(ctx: CanvasRenderingContext2D, n: SceneNode, r: Rect): void {
  const c = n.counts;
  const total = c.failed + c.restarting + c.busy + c.idle + c.stopped;
  if (!total || r.w <= 0 || r.h <= 0) return;
  const least = (k: (typeof BAR_ORDER)[number]) => (c[k] && (k === "failed" || k === "restarting") ? Math.min(3, r.w / 3) : 0);
  let kept = 0;
  let keptCount = 0;
  for (const k of BAR_ORDER) {
    if (least(k) > (r.w * c[k]) / total) {
      kept += least(k);
      keptCount += c[k];
    }
  }
  const scale = total > keptCount ? (r.w - kept) / (total - keptCount) : 0;
  let x = r.x;
  for (const k of BAR_ORDER) {
    if (!c[k]) continue;
    const w = least(k) > (r.w * c[k]) / total ? least(k) : scale * c[k];
    if (w <= 0) continue;
    ctx.fillStyle = STATUS_COLOR[k];
    ctx.fillRect(x, r.y, w, r.h);
    x += w;
  }
}

/** Cell names, worked out once per layout (they depend on the cells and the names only). */
let namesKey: unknown = null;
let namesFor: (TextBox & { node: number })[] = [];

function cellNames(ctx: CanvasRenderingContext2D, sc: Scene, zs: SceneZones): (TextBox & { node: number })[] {
  const first = sc.nodes[0]?.box;
  if (namesKey === first && namesFor.length <= sc.nodes.length) return namesFor;
  const prefixes = zs.zones.map((z) => (zs.source === "prefix" ? z.name : ""));
  const items = sc.nodes.map((n) => ({ node: n.idx, box: n.box as Rect, forms: cellNameForms(n.name, prefixes[zs.zoneOf[n.idx]] ?? namePrefix(n.name)) }));
  namesFor = fitCellNames(items, (s, px) => widthOf(ctx, fontOf(px, false), s));
  namesKey = first;
  return namesFor;
}

/** The overview: zone boxes, their headers and their cells. Returns the texts drawn. */
export function paintZoneOverview(ctx: CanvasRenderingContext2D, sc: Scene, zs: SceneZones, selectedNode: number, out: TextBox[]): void {
  ctx.save();
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const measure = (s: string, bold: boolean) => widthOf(ctx, fontOf(ZONE_FONT_PX, bold), s);
  // zone boxes: a red outline where a node is down or an actor failed, orange where one restarts
  for (const z of zs.zones) {
    const b = z.box;
    ctx.beginPath();
    ctx.roundRect(b.x, b.y, b.w, b.h, 6);
    ctx.fillStyle = VIEW.zoneFill;
    ctx.fill();
    const c = z.counts;
    const alarm = c.down || c.failed ? ink("failed") : c.restarting ? ink("restarting") : "";
    ctx.lineWidth = alarm ? 2 : 1;
    ctx.strokeStyle = alarm || VIEW.zoneEdge;
    ctx.stroke();
  }
  // cells, batched by style: one fill and one stroke for all cells that look alike
  const byKey = new Map<string, SceneNode[]>();
  for (const n of sc.nodes) {
    const key = n.idx === selectedNode ? "selected" : n.state;
    const list = byKey.get(key);
    if (list) list.push(n);
    else byKey.set(key, [n]);
  }
  for (const [key, list] of byKey) {
    const st = NODE_STYLE[list[0].state];
    ctx.beginPath();
    for (const n of list) ctx.rect(n.box.x, n.box.y, n.box.w, n.box.h);
    ctx.fillStyle = key === "selected" ? NODE_STYLE[list[0].state].fill : st.fill;
    ctx.fill();
    ctx.lineWidth = key === "selected" ? 2.5 : list[0].state === "down" ? 1.5 : 1;
    ctx.strokeStyle = key === "selected" ? THEME.select : st.stroke;
    ctx.setLineDash(list[0].state === "left" ? [3, 2] : []);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  // a dead node: a red cross over its cell
  ctx.strokeStyle = INK.deadCross;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (const n of sc.nodes) {
    if (n.state !== "down") continue;
    // under the name line, never over the name: a cell too low for both keeps its dark fill
    // and red outline
    const b = n.box.inner;
    if (b.h < 8) continue;
    const s = Math.min(b.w, b.h) * 0.35;
    const cx = b.x + b.w / 2;
    const cy = b.y + b.h / 2;
    ctx.moveTo(cx - s, cy - s);
    ctx.lineTo(cx + s, cy + s);
    ctx.moveTo(cx + s, cy - s);
    ctx.lineTo(cx - s, cy + s);
  }
  ctx.stroke();
  // headers
  for (const z of zs.zones) {
    for (const t of fitHeader(z.lines, headerParts(z.name, z.counts, z.maintenance), measure)) drawText(ctx, t, ZONE_FONT_PX, ink(t.ink), out);
  }
  // cells: names, the status bar along the foot, failures counted where the name leaves room
  const names = cellNames(ctx, sc, zs);
  const nameOf = new Map(names.map((t) => [t.node, t]));
  const cellFont = fontOf(CELL_FONT_PX, true);
  for (const n of sc.nodes) {
    const b = n.box;
    // under the name line when there is one (2 to 6 px), else the lower half of the cell
    const barH = b.h >= CELL_NAMED_H ? Math.min(6, b.h - CELL_NAME_H - 1) : Math.max(2, Math.round(b.h * 0.45));
    statusBar(ctx, n, { x: b.x + 1.5, y: b.y + b.h - barH - 1.5, w: b.w - 3, h: barH });
    const nameBox = nameOf.get(n.idx);
    if (nameBox) drawText(ctx, nameBox, CELL_FONT_PX, ink("cell", n), out);
    const marks = cellMarks(n);
    if (!marks) continue;
    const fit = fitCellMark(b, nameBox, marks.text, (s) => widthOf(ctx, cellFont, s));
    if (fit && fit !== "flag") drawText(ctx, { ...fit, ink: marks.ink }, CELL_FONT_PX, ink(marks.ink), out);
    else if (fit === "flag") {
      // no room for the count: a corner flag in its colour (the bar says how many)
      const right = b.x + b.w - 2;
      ctx.fillStyle = ink(marks.ink);
      ctx.beginPath();
      ctx.moveTo(right - 6, b.y + 1);
      ctx.lineTo(right + 1, b.y + 1);
      ctx.lineTo(right + 1, b.y + 8);
      ctx.fill();
    }
  }
  ctx.restore();
}

/**
 * Where the zones' headers are written: each zone's header lines in the overview; zoomed, the
 * side column's rows, its button back and its last row. Nothing passing (messages in flight,
 * their lines, rings, drops) is drawn there: a dot over "n30–n39" made it read "n30–n3●".
 */
export function zoneHeaderBands(zs: SceneZones): Rect[] {
  if (zs.focus < 0) return zs.zones.flatMap((z) => z.lines);
  const out = zs.zones.map((z) => z.box);
  if (zs.back) out.push(zs.back);
  if (zs.more) out.push(zs.more);
  return out;
}

/**
 * Clip what is drawn next to everywhere but the headers' bands and the texts already drawn (a
 * cell's name and count: a message's line breaks off at its letters, as at an actor's name).
 * The caller saves and restores.
 */
export function clipOutZoneHeaders(ctx: CanvasRenderingContext2D, zs: SceneZones, texts: TextBox[]): void {
  // one clip for the bands and one for the texts (a header's text lies in its band: two boxes
  // wound the other way over the same pixels would count -1, inside the non-zero rule's clip);
  // the boxes of each never overlap one another
  for (const boxes of [zoneHeaderBands(zs), texts]) {
    ctx.beginPath();
    ctx.rect(-1e5, -1e5, 2e5, 2e5);
    // each box wound the other way, so the non-zero rule leaves it out
    for (const b of boxes) ctx.rect(b.x + b.w + 1, b.y - 1, -(b.w + 2), b.h + 2);
    ctx.clip();
  }
}

/** A cell's count of its worst trouble: failed, else restarting, else hung actors. */
function cellMarks(n: SceneNode): { text: string; ink: string } | null {
  if (n.counts.failed) return { text: `✕${short(n.counts.failed)}`, ink: "failed" };
  if (n.counts.restarting) return { text: `↻${short(n.counts.restarting)}`, ink: "restarting" };
  if (n.hung) return { text: `⌛${short(n.hung)}`, ink: "hung" };
  return null;
}

const short = (x: number) => (x >= 10000 ? `${Math.round(x / 1000)}k` : String(x));

/** Zoomed into a zone: the side column of zones, the button back to all of them. */
export function paintZoneColumn(ctx: CanvasRenderingContext2D, zs: SceneZones, out: TextBox[]): void {
  ctx.save();
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const measure = (s: string, bold: boolean) => widthOf(ctx, fontOf(ZONE_FONT_PX, bold), s);
  if (zs.back) {
    const b = zs.back;
    ctx.beginPath();
    ctx.roundRect(b.x, b.y, b.w, b.h, b.h / 2);
    ctx.fillStyle = VIEW.zoneBack;
    ctx.fill();
    const label = cutEnd("◂ all zones", b.w - 16, (s) => measure(s, true));
    if (label) drawText(ctx, { text: label, x: b.x + 8, y: b.y, w: measure(label, true), h: b.h, bold: true, ink: "text" }, ZONE_FONT_PX, THEME.text, out);
  }
  const row = (box: Rect, line: Rect, name: string, c: ZoneCounts, focused: boolean, maintenance: string[]) => {
    ctx.fillStyle = focused ? VIEW.zoneFocus : VIEW.zoneFill;
    ctx.fillRect(box.x, box.y, box.w, box.h);
    // a stripe in the colour of the zone's worst trouble
    const alarm = c.down || c.failed ? ink("failed") : c.restarting ? ink("restarting") : c.other ? NODE_STYLE.other.stroke : "";
    if (alarm) {
      ctx.fillStyle = alarm;
      ctx.fillRect(box.x, box.y, 3, box.h);
    }
    if (focused) {
      ctx.strokeStyle = THEME.select;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(box.x + 0.75, box.y + 0.75, box.w - 1.5, box.h - 1.5);
    }
    for (const t of fitHeader([line], headerParts(name, c, maintenance), measure)) drawText(ctx, t, ZONE_FONT_PX, ink(t.ink), out);
  };
  for (const z of zs.zones) row(z.box, z.lines[0], z.name, z.counts, z.idx === zs.focus, z.maintenance);
  if (zs.more && zs.moreCounts) {
    const m = zs.more;
    row(m, { x: m.x + 4, y: m.y, w: m.w - 8, h: m.h }, `+${zs.hidden.length} zones`, zs.moreCounts, false, []);
  }
  ctx.restore();
}

/** Height of a note line in a footer taller than one line (kept for a partition's caption). */
const NOTE_LINE_H = 13;

/**
 * The notes under the zones: one line cut to the width in a one-line footer; in a taller one
 * (kept for a partition's caption) wrapped at " · " and spaces onto its lines, the last cut.
 */
export function paintZoneFooter(ctx: CanvasRenderingContext2D, zs: SceneZones, notes: string[], out: TextBox[]): void {
  if (!notes.length) return;
  ctx.save();
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const font = fontOf(ZONE_FONT_PX, false);
  const f = zs.footer;
  const measure = (s: string) => widthOf(ctx, font, s);
  const rows = Math.max(1, Math.floor((f.h - 4) / NOTE_LINE_H));
  const lines = rows > 1 ? wrapWords(notes.join(" · ").split(" · "), f.w - 4, measure) : [notes.join(" · ")];
  if (lines.length > rows) lines.splice(rows - 1, lines.length, lines.slice(rows - 1).join(" · "));
  const h = rows > 1 ? NOTE_LINE_H : f.h;
  lines.forEach((line, i) => {
    const text = cutStart(line, f.w - 4, measure);
    if (text) drawText(ctx, { text, x: f.x + 2, y: f.y + (rows > 1 ? 3 : 0) + i * h, w: measure(text), h, bold: false, ink: "muted" }, ZONE_FONT_PX, THEME.muted, out);
  });
  ctx.restore();
}

/** Parts joined with " · " into lines no wider than w, a part wider than a line broken at spaces. */
export function wrapWords(parts: string[], w: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    const joined = lines.length ? `${lines[lines.length - 1]} · ${part}` : "";
    if (joined && measure(joined) <= w) {
      lines[lines.length - 1] = joined;
      continue;
    }
    let line = "";
    for (const word of part.split(" ")) {
      const next = line ? `${line} ${word}` : word;
      if (line && measure(next) > w) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

/** The zone (index) whose box or row is under (x, y), or -1; -2 for the button back to all zones. */
export function zoneAt(zs: SceneZones | null, x: number, y: number): number {
  if (!zs) return -1;
  const inside = (r: Rect | null) => r !== null && x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;
  if (inside(zs.back)) return -2;
  for (const z of zs.zones) if (inside(z.box)) return z.idx;
  return -1;
}
