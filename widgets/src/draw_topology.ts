// Paints a topology Scene on a 2D canvas. No state of its own: same scene, same pixels.
import { K } from "./kinds";
import { fmtInt } from "./lod";
import { fitLabels } from "./labels";
import { GAP, HEADER, exitPoint, type Rect } from "./layout";
import { DROP, EVENT_COLOR, HANDLER_ERROR, HUNG, INK, NODE_STYLE, inkOn, PARTITION, STATUS_COLOR, THEME, VIEW } from "./palette";
import type { Scene, SceneLine, SceneNode } from "./scene";
import { cross } from "./shapes";
import { widthOf } from "./text_width";
import { paintZoneColumn, paintZoneFooter, paintZoneOverview } from "./draw_zones";
import { overlaps, type TextBox } from "./zones";

export interface PaintOptions {
  selectedActor: number; // actor index or -1
  selectedNode: number; // node index or -1
  hoverActor: number;
}

const F_NAME = "bold 12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
const F_TEXT = "12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
const F_SMALL = "10px system-ui, -apple-system, 'Liberation Sans', sans-serif";

function roundRect(ctx: CanvasRenderingContext2D, r: Rect, rad: number): void {
  ctx.beginPath();
  roundRectPath(ctx, r, rad);
}

/** A rounded rectangle added to the current path (several regions go into one fill). */
function roundRectPath(ctx: CanvasRenderingContext2D, r: Rect, rad: number): void {
  ctx.moveTo(r.x + rad, r.y);
  ctx.arcTo(r.x + r.w, r.y, r.x + r.w, r.y + r.h, rad);
  ctx.arcTo(r.x + r.w, r.y + r.h, r.x, r.y + r.h, rad);
  ctx.arcTo(r.x, r.y + r.h, r.x, r.y, rad);
  ctx.arcTo(r.x, r.y, r.x + r.w, r.y, rad);
  ctx.closePath();
}

function line(ctx: CanvasRenderingContext2D, l: SceneLine): void {
  ctx.beginPath();
  ctx.moveTo(l.x0, l.y0);
  ctx.lineTo(l.x1, l.y1);
  ctx.stroke();
}

/** Actor names under the glyphs: the distinguishing end when space is short, never overlapping. */
function paintLabels(ctx: CanvasRenderingContext2D, sc: Scene, downNodes: Set<number>): void {
  ctx.font = "10px system-ui, 'Liberation Sans', sans-serif";
  ctx.textAlign = "center";
  const cell = new Map(sc.nodes.map((n) => [n.idx, n.box.cell]));
  const shown = sc.actors.filter((a) => a.r >= 6);
  const widths = new Map<string, number>();
  const measure = (s: string) => {
    let w = widths.get(s);
    if (w === undefined) widths.set(s, (w = ctx.measureText(s).width));
    return w;
  };
  // The slot grid spaces glyphs one cell apart: a label narrower than that cannot reach its
  // neighbour's; fitLabels also checks, for glyphs of different nodes or sizes.
  const items = shown.map((a) => ({ id: a.id, x: a.x, y: a.y + a.r + 8, maxW: Math.max(24, (cell.get(a.node) ?? 60) - 3) }));
  for (const l of fitLabels(items, measure)) {
    ctx.fillStyle = downNodes.has(shown[l.idx].node) ? INK.downLabel : THEME.label;
    ctx.fillText(l.text, l.x, l.y);
  }
  ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
}

/**
 * Paint the scene; returns the boxes of the texts that say what is where (node and zone names,
 * their states and counts, the notes), for the view to publish: none of them overlap.
 */
export function paintTopology(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions): TextBox[] {
  const texts: TextBox[] = [];
  ctx.save();
  ctx.fillStyle = THEME.bg;
  ctx.fillRect(0, 0, sc.width, sc.height);
  ctx.font = "12px system-ui, -apple-system, 'Segoe UI', 'Liberation Sans', sans-serif";
  ctx.textBaseline = "middle";

  const zones = sc.zones;
  if (zones && zones.focus < 0) paintZoneOverview(ctx, sc, zones, o.selectedNode, texts);
  else paintRegions(ctx, sc, o, texts);
  if (zones && zones.focus >= 0) paintZoneColumn(ctx, zones, texts);

  paintMoving(ctx, sc, o, texts);
  if (zones) paintZoneFooter(ctx, zones, sc.lod.notes, texts);
  else paintNotes(ctx, sc);
  ctx.restore();
  return texts;
}

/** Node regions drawn one by one: header, summary or actor glyphs. */
function paintRegions(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions, texts: TextBox[]): void {
  // node regions, batched by style: one fill and one stroke for all regions that look alike
  // (at 200 nodes a fill and a stroke per region were most of a frame); regions never overlap,
  // so the order within a batch does not change a pixel
  const batches = new Map<string, SceneNode[]>();
  for (const n of sc.nodes) {
    const key = n.idx === o.selectedNode ? "selected" : n.state;
    const list = batches.get(key);
    if (list) list.push(n);
    else batches.set(key, [n]);
  }
  // the selected region last, so its thicker border is drawn over its neighbours' fills
  const keys = [...batches.keys()].sort((a, b) => Number(a === "selected") - Number(b === "selected"));
  for (const key of keys) {
    const list = batches.get(key) ?? [];
    const st = NODE_STYLE[list[0].state];
    const selected = key === "selected";
    for (const n of selected ? list : [list[0]]) {
      ctx.beginPath();
      for (const m of selected ? [n] : list) roundRectPath(ctx, m.box, 8);
      ctx.fillStyle = NODE_STYLE[n.state].fill;
      ctx.fill();
      ctx.lineWidth = selected ? 3 : n.state === "down" ? 2.5 : 1.2;
      ctx.strokeStyle = selected ? THEME.select : st.stroke;
      ctx.setLineDash(n.state === "left" ? [5, 4] : []);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
  for (const n of sc.nodes) {
    if (n.state === "down") {
      // a dead node is unmistakable: a large cross over the empty region
      ctx.strokeStyle = INK.deadCross;
      ctx.lineWidth = 4;
      const cx = n.box.x + n.box.w / 2;
      const cy = n.box.y + HEADER + (n.box.h - HEADER) / 2;
      cross(ctx, cx, cy, Math.min(n.box.w, n.box.h - HEADER) * 0.22);
    }
  }

  // headers: every name in one font, then every state label in the other (switching the font
  // per node cost more than the text at 200 nodes); a label that would run past its region's
  // edge onto the next one is left out, the region's colours already say its state
  ctx.textAlign = "left";
  ctx.font = F_NAME;
  const ends: number[] = [];
  for (const n of sc.nodes) {
    const w = widthOf(ctx, F_NAME, n.name);
    // a name that would run past half the gap to the next region (200 nodes at notebook
    // width) would run over its neighbour's name: left to the tooltip and the inspector
    if (8 + w > n.box.w + GAP / 2 - 1) {
      ends.push(Infinity);
      continue;
    }
    ctx.fillStyle = NODE_STYLE[n.state].text;
    ctx.fillText(n.name, n.box.x + 8, n.box.y + HEADER / 2 + 1);
    texts.push({ text: n.name, x: n.box.x + 8, y: n.box.y + 4, w, h: HEADER - 8, bold: true, ink: "cell" });
    ends.push(n.box.x + 12 + w);
  }
  ctx.font = F_TEXT;
  sc.nodes.forEach((n, i) => {
    const label = `· ${n.label}`;
    const lw = widthOf(ctx, F_TEXT, label);
    if (ends[i] + lw > n.box.x + n.box.w - 4) return;
    ctx.fillStyle = NODE_STYLE[n.state].text;
    ctx.fillText(label, ends[i], n.box.y + HEADER / 2 + 1);
    texts.push({ text: label, x: ends[i], y: n.box.y + 4, w: lw, h: HEADER - 8, bold: false, ink: "cell" });
  });

  // aggregated actors: one stacked bar per node, and its counts, kept inside the region
  if (sc.lod.aggregateActors) {
    for (const n of sc.nodes) drawSummary(ctx, n);
  }
}

/** Supervision links, cuts, flows, moments, messages and drops: over the regions or zones. */
function paintMoving(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions, texts: TextBox[]): void {
  // supervision links, under the glyphs
  if (sc.supervision.length) {
    ctx.strokeStyle = INK.supervision;
    ctx.lineWidth = 1;
    for (const l of sc.supervision) line(ctx, l);
  }

  // partitions: the cut link drawn between the two regions, with a gap in the middle
  for (const c of sc.cuts) {
    // a cut between regions that are not neighbours would cross other regions: the cuts with
    // the regions in between already show the partition
    if (!c.adjacent) continue;
    const ba = sc.nodes.find((n) => n.name === c.a)?.box;
    const bb = sc.nodes.find((n) => n.name === c.b)?.box;
    if (!ba || !bb) continue;
    const [x0, y0] = exitPoint(ba, c.x1, c.y1);
    const [x1, y1] = exitPoint(bb, c.x0, c.y0);
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    ctx.strokeStyle = PARTITION;
    ctx.lineWidth = 3;
    ctx.setLineDash([6, 4]);
    const gx = (x1 - x0) * 0.12;
    const gy = (y1 - y0) * 0.12;
    line(ctx, { x0, y0, x1: mx - gx, y1: my - gy });
    line(ctx, { x0: mx + gx, y0: my + gy, x1, y1 });
    ctx.setLineDash([]);
    ctx.lineWidth = 2.5;
    cross(ctx, mx, my, 5);
    // no text per cut: several cuts meet at region corners and their labels collided; the
    // legend names the dashed line, and hovering a cut says which nodes it separates
  }

  // flows (aggregated messages): each count written where it runs into no other text
  const placed = texts.slice();
  ctx.font = F_TEXT;
  for (const f of sc.flows) {
    const ba = f.fromBox;
    const bb = f.toBox;
    if (ba === bb) continue;
    const [x0, y0] = exitPoint(ba, f.x1, f.y1);
    const [x1, y1] = exitPoint(bb, f.x0, f.y0);
    // offset each direction to its own side
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const ox = (-(y1 - y0) / len) * (f.width / 2 + 2);
    const oy = ((x1 - x0) / len) * (f.width / 2 + 2);
    ctx.strokeStyle = f.color;
    // over zone cells a band lets their names show through
    ctx.globalAlpha = sc.zones && sc.zones.focus < 0 ? 0.45 : 0.7;
    ctx.lineWidth = f.width;
    line(ctx, { x0: x0 + ox, y0: y0 + oy, x1: x1 + ox, y1: y1 + oy });
    ctx.globalAlpha = 1;
    const label = `${f.count} in flight`;
    const lw = ctx.measureText(label).width;
    const box = { text: label, x: (x0 + x1) / 2 + ox * 2.2 - lw / 2, y: (y0 + y1) / 2 + oy * 2.2 - 7, w: lw, h: 14, bold: false, ink: "text" };
    if (placed.some((p) => overlaps(p, box))) continue;
    placed.push(box);
    texts.push(box);
    ctx.fillStyle = THEME.text;
    ctx.textAlign = "center";
    ctx.fillText(label, box.x + lw / 2, box.y + 7);
  }
  // actors (none in the zone overview: its cells count them)
  if (!sc.lod.aggregateActors && !(sc.zones && sc.zones.focus < 0)) paintActors(ctx, sc, o);
  paintTransient(ctx, sc);
}

/** Actor glyphs with their marks and labels. */
function paintActors(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions): void {
  const labels = sc.actors.length <= 80;
  const downNodes = new Set(sc.nodes.filter((n) => n.state === "down").map((n) => n.idx));
  for (const a of sc.actors) {
    const r = a.r;
    // A restarting actor waits for its restart (the dashed orange ring): red with a ✕ if its
    // life ended in a crash, hollow like a clean stop if its supervisor shut it down.
    const shutDown = a.status === "restarting" && !a.crashed;
    ctx.fillStyle = a.status === "restarting" ? STATUS_COLOR.failed : (STATUS_COLOR[a.status] ?? VIEW.noStatus);
    ctx.beginPath();
    if (a.system) ctx.rect(a.x - r, a.y - r, 2 * r, 2 * r);
    else ctx.arc(a.x, a.y, r, 0, Math.PI * 2);
    if (a.status === "stopped" || shutDown) {
      ctx.strokeStyle = STATUS_COLOR.stopped;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    } else ctx.fill();
    if (a.status === "restarting") {
      ctx.strokeStyle = STATUS_COLOR.restarting;
      ctx.setLineDash([3, 2]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 3, 0, Math.PI * 2);
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (a.crashed && (a.status === "failed" || a.status === "restarting") && r >= 4) {
      ctx.strokeStyle = INK.onMark;
      ctx.lineWidth = Math.max(1.5, r / 4);
      cross(ctx, a.x, a.y, r * 0.45);
    }
    if (a.hung) {
      // hung: a thick raspberry ring and an hourglass, legible at any glyph size
      ctx.strokeStyle = HUNG;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 2.5, 0, Math.PI * 2);
      ctx.stroke();
      hourglass(ctx, a.x - r - 2, a.y - r - 2, Math.max(4, Math.min(7, r * 0.6)));
    }
    if (a.errors > 0 && r >= 4) {
      // a handler raised and the actor lived on: a small red "!" badge
      const bx = a.x + r * 0.8;
      const by = a.y + r * 0.8;
      ctx.fillStyle = HANDLER_ERROR;
      ctx.beginPath();
      ctx.arc(bx, by, 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = inkOn(HANDLER_ERROR);
      ctx.font = "bold 8px system-ui, 'Liberation Sans', sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("!", bx, by + 0.5);
      ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
    }
    if (a.idx === o.selectedActor || a.idx === o.hoverActor) {
      ctx.strokeStyle = a.idx === o.selectedActor ? THEME.select : THEME.muted;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (a.restarts > 0 && r >= 3) {
      ctx.font = "bold 10px system-ui, 'Liberation Sans', sans-serif";
      ctx.textAlign = "left";
      ctx.fillStyle = EVENT_COLOR.restartCount;
      ctx.fillText(`↻${a.restarts}`, a.x + r + 1, a.y - r);
      ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
    }
  }
  if (labels) paintLabels(ctx, sc, downNodes);
}

/** Moments that flash, messages in flight and drops. */
function paintTransient(ctx: CanvasRenderingContext2D, sc: Scene): void {

  // moments: rings that grow and fade, so spawns, failures and restarts are seen happening
  for (const m of sc.moments) {
    const fade = 1 - m.age;
    if (m.box) {
      const color = m.kind === K.node_down ? EVENT_COLOR.nodeDown : m.kind === K.node_leave ? EVENT_COLOR.nodeLeave : EVENT_COLOR.spawn;
      ctx.strokeStyle = color;
      ctx.globalAlpha = fade;
      ctx.lineWidth = 2 + 6 * fade;
      roundRect(ctx, { x: m.box.x - 3, y: m.box.y - 3, w: m.box.w + 6, h: m.box.h + 6 }, 10);
      ctx.stroke();
      ctx.globalAlpha = 1;
      continue;
    }
    const grow = m.r + 4 + 18 * m.age;
    ctx.globalAlpha = fade;
    ctx.lineWidth = 2.5;
    if (m.kind === K.actor_fail) {
      ctx.strokeStyle = STATUS_COLOR.failed;
      for (let i = 0; i < 8; i++) {
        const ang = (i * Math.PI) / 4;
        ctx.beginPath();
        ctx.moveTo(m.x + Math.cos(ang) * (m.r + 2), m.y + Math.sin(ang) * (m.r + 2));
        ctx.lineTo(m.x + Math.cos(ang) * grow, m.y + Math.sin(ang) * grow);
        ctx.stroke();
      }
    } else {
      ctx.strokeStyle = m.kind === K.actor_spawn ? EVENT_COLOR.spawn : m.kind === K.actor_restart ? EVENT_COLOR.restart : EVENT_COLOR.stop;
      ctx.beginPath();
      ctx.arc(m.x, m.y, grow, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  // messages in flight
  for (const m of sc.msgs) {
    ctx.strokeStyle = m.color;
    ctx.globalAlpha = 0.45;
    ctx.lineWidth = 2;
    line(ctx, { x0: m.tx, y0: m.ty, x1: m.x, y1: m.y });
    ctx.globalAlpha = 1;
    ctx.fillStyle = m.color;
    ctx.beginPath();
    ctx.arc(m.x, m.y, 3.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = THEME.halo;
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  // drops: a small dark cross on the link where the message was lost, with a white halo, fading
  // (a failed actor is a white cross on a red glyph: the two must not be confused)
  for (const d of sc.drops) {
    ctx.globalAlpha = 1 - 0.8 * d.age;
    ctx.strokeStyle = THEME.halo;
    ctx.lineWidth = 4;
    cross(ctx, d.x, d.y, 3.5);
    ctx.strokeStyle = DROP;
    ctx.lineWidth = 1.8;
    cross(ctx, d.x, d.y, 3.5);
  }
  ctx.globalAlpha = 1;
}

const NOTES_FONT = "11px system-ui, 'Liberation Sans', sans-serif";

/** Where the notes saying detail was reduced are drawn (bottom right), or null without notes;
 * the partition caption keeps clear of it. */
export function notesBox(ctx: CanvasRenderingContext2D, sc: Scene): Rect | null {
  if (!sc.lod.notes.length) return null;
  ctx.font = NOTES_FONT;
  const w = Math.max(...sc.lod.notes.map((n) => ctx.measureText(`aggregated: ${n}`).width)) + 12;
  const k = sc.lod.notes.length;
  return { x: sc.width - w - 4, y: sc.height - 6 - 16 * k, w, h: 16 * k + 2 };
}

/** Say when detail was reduced. */
function paintNotes(ctx: CanvasRenderingContext2D, sc: Scene): void {
  const box = notesBox(ctx, sc);
  if (box) {
    ctx.font = NOTES_FONT;
    ctx.textAlign = "right";
    const lines = sc.lod.notes.map((n) => `aggregated: ${n}`);
    ctx.fillStyle = INK.noteFill;
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = INK.noteText;
    lines.forEach((l, i) => ctx.fillText(l, sc.width - 10, sc.height - 14 - 16 * (lines.length - 1 - i)));
  }
}

/** A small hourglass centred at (x, y), `h` tall: the mark of a hung actor. */
function hourglass(ctx: CanvasRenderingContext2D, x: number, y: number, h: number): void {
  const w = h * 0.8;
  // filled with the ground's halo: the outline in the hung colour is what stands out
  ctx.fillStyle = THEME.halo;
  ctx.strokeStyle = HUNG;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x - w / 2, y - h / 2);
  ctx.lineTo(x + w / 2, y - h / 2);
  ctx.lineTo(x - w / 2, y + h / 2);
  ctx.lineTo(x + w / 2, y + h / 2);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

const SUMMARY_ORDER = ["busy", "idle", "restarting", "failed", "stopped"] as const;
// In a small region the counts that explain trouble come first.
const SUMMARY_URGENT = ["failed", "restarting", "busy", "stopped", "idle"] as const;

/** A node's actors as a stacked bar with their counts, clipped to the node's region: a roomy
 * region spells each status out, a small one shows coloured counts on one line, most urgent
 * first, so a summary never spills onto its neighbours. */
function drawSummary(ctx: CanvasRenderingContext2D, n: SceneNode): void {
  const total = SUMMARY_ORDER.reduce((acc, k) => acc + n.counts[k], 0);
  if (!total) return;
  // a region narrower than its padding (200 nodes at notebook width) has no room for its name
  // either: the bar takes the whole region, inside its rounded border
  const inner = n.box.inner;
  const b = n.box;
  const r = inner.w < 12 ? { x: b.x + 3, y: b.y + 8, w: Math.max(1, b.w - 6), h: Math.max(3, b.h - 16) } : inner;
  const roomy = r.h >= 48; // room for the bar and two lines of counts below it
  // too low for a line of counts (200 nodes in a notebook): the bar takes the whole height
  const bare = r.h < 18;
  const bh = roomy ? Math.min(22, Math.max(6, r.h - 40)) : bare ? Math.max(3, r.h) : 3;
  const y = r.y + (roomy ? 6 : bare ? 0 : 2);
  // clipped to the region only where the text could reach past it (a clip per region cost
  // more than the summary at 200 nodes): the bars always fit, the counts fit across
  const clip = roomy ? true : bare ? r.h < 3 : y + bh + 11 + 7 > r.y + r.h;
  if (clip) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(r.x, r.y, r.w, r.h);
    ctx.clip();
  }
  // a failed or restarting actor among hundreds keeps at least 3 px of the bar, so it can be
  // found at a glance at every size; the other statuses share what is left
  const least = (k: (typeof SUMMARY_ORDER)[number]) => (n.counts[k] && (k === "failed" || k === "restarting") ? Math.min(3, r.w / 4) : 0);
  let kept = 0;
  let keptCount = 0;
  for (const k of SUMMARY_ORDER) {
    const w = (r.w * n.counts[k]) / total;
    if (least(k) > w) {
      kept += least(k);
      keptCount += n.counts[k];
    }
  }
  const scale = total > keptCount ? (r.w - kept) / (total - keptCount) : 0;
  let x = r.x;
  for (const k of SUMMARY_ORDER) {
    const share = (r.w * n.counts[k]) / total;
    const w = least(k) > share ? least(k) : scale * n.counts[k];
    if (w <= 0) continue;
    ctx.fillStyle = STATUS_COLOR[k];
    ctx.fillRect(x, y, w, bh);
    x += w;
  }
  const ink = n.state === "down" ? INK.downLabel : THEME.text;
  ctx.textAlign = "left";
  const right = r.x + r.w;
  const swatch = (k: (typeof SUMMARY_ORDER)[number], at: number, ty: number, label: string) => {
    const side = roomy ? 9 : 7;
    ctx.fillStyle = STATUS_COLOR[k];
    ctx.fillRect(at, ty - side + 1, side, side);
    ctx.fillStyle = ink;
    ctx.fillText(label, at + side + 3, ty);
    return at + side + (roomy ? 11 : 7) + widthOf(ctx, roomy ? F_TEXT : F_SMALL, label);
  };
  if (roomy) {
    const ty = y + bh + 14;
    ctx.fillStyle = ink;
    ctx.fillText(`${fmtInt(total)} actors`, r.x, ty);
    let x2 = r.x;
    for (const k of SUMMARY_ORDER) {
      if (!n.counts[k]) continue;
      const label = `${fmtInt(n.counts[k])} ${k}`;
      if (x2 + 12 + widthOf(ctx, F_TEXT, label) > right) break;
      x2 = swatch(k, x2, ty + 15, label);
    }
    if (n.hung) {
      ctx.fillStyle = HUNG;
      ctx.fillText(`⚠ ${fmtInt(n.hung)} hung`, r.x, ty + 32);
    }
  } else if (!bare) {
    const ty = y + bh + 11;
    ctx.font = F_SMALL;
    let x2 = r.x;
    for (const k of SUMMARY_URGENT) {
      if (!n.counts[k]) continue;
      const label = fmtInt(n.counts[k]);
      if (x2 + 10 + widthOf(ctx, F_SMALL, label) > right) break;
      x2 = swatch(k, x2, ty, label);
    }
    ctx.font = F_TEXT;
  }
  if (clip) ctx.restore();
}
