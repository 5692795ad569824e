// Paints the MeshOS deck over a topology scene: each node's maintenance state (outline and
// header badge), heat and daemons in the header, drain progress with time-to-safe at the foot
// of a draining region, slow and suspect links of the RTT map, copies in transit along the
// links, and a drift badge for the mesh.
import { SLOW_RTT, type Deck, type DeckLink } from "./deck";
import { HEADER, type NodeBox } from "./layout";
import { EVENT_COLOR, HEAT, MAINT_COLOR, STATUS_COLOR, THEME, TRANSIT, inkOn } from "./palette";
import type { Scene } from "./scene";
import { overlaps, type TextBox } from "./zones";

const FONT = "10px system-ui, 'Liberation Sans', sans-serif";
const BOLD = "bold 10px system-ui, 'Liberation Sans', sans-serif";

/** Short words for the header badge, so it fits a small region. */
export const MAINT_SHORT: Record<string, string> = {
  cordoned: "cordoned",
  entering_maintenance: "entering maint.",
  maintenance: "maintenance",
  exiting_maintenance: "exiting maint.",
  recovery: "recovery",
  drain_failed: "DRAIN FAILED",
  drain: "draining",
  draining: "draining",
};

export function fmtSecs(s: number): string {
  if (!Number.isFinite(s)) return "?";
  return s < 10 ? `${s.toFixed(1)} s` : s < 600 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}

/** One line on how far a draining node is from safe, or "" when it is not draining. */
export function drainText(nd: Deck["nodes"] extends Map<string, infer V> ? V : never): string {
  if (!nd.draining) return "";
  const left: string[] = [];
  if (nd.replicas.length) left.push(`${nd.replicas.length} replica${nd.replicas.length > 1 ? "s" : ""}`);
  if (nd.daemonsLeft.length) left.push(`${nd.daemonsLeft.length} daemon${nd.daemonsLeft.length > 1 ? "s" : ""}`);
  if (!left.length) return "drained: safe";
  const eta = Number.isFinite(nd.toSafe) ? ` · ~${fmtSecs(nd.toSafe)} to safe` : "";
  return `draining: ${left.join(", ")} left${eta}`;
}

/** The colour of a link of the RTT map: suspect (its probes time out), slow, or "" (fine). */
export function linkColour(l: DeckLink): string {
  if (l.timeout) return EVENT_COLOR.linkSuspect;
  if (l.rtt > SLOW_RTT) return EVENT_COLOR.linkSlow;
  return "";
}

/** A link's label: its RTT, or that it timed out. */
export function linkText(l: DeckLink): string {
  return l.timeout ? "no reply" : `${Math.round(l.rtt * 1000)} ms`;
}

type Rect = { x: number; y: number; w: number; h: number };

/** A bowed path between two regions' centres: its ends, control point and the curve's midpoint. */
export function arc(a: Rect, b: Rect): { x0: number; y0: number; cx: number; cy: number; x1: number; y1: number; mx: number; my: number } {
  const [x0, y0, x1, y1] = [a.x + a.w / 2, a.y + a.h / 2, b.x + b.w / 2, b.y + b.h / 2];
  const [dx, dy] = [x1 - x0, y1 - y0];
  const len = Math.hypot(dx, dy) || 1;
  // bow by a fifth of the length, always to the same side of the (a -> b) direction
  const bow = 0.2 * len;
  const [cx, cy] = [(x0 + x1) / 2 - (dy / len) * bow, (y0 + y1) / 2 + (dx / len) * bow];
  // a quadratic curve's midpoint is halfway between the chord's midpoint and the control point
  return { x0, y0, cx, cy, x1, y1, mx: ((x0 + x1) / 2 + cx) / 2, my: ((y0 + y1) / 2 + cy) / 2 };
}

/** The drain line for a small region: how many things are left and the estimate. */
export function drainShort(nd: Deck["nodes"] extends Map<string, infer V> ? V : never): string {
  const left = nd.replicas.length + nd.daemonsLeft.length;
  if (!left) return "safe";
  return `${left} left${Number.isFinite(nd.toSafe) ? ` ~${fmtSecs(nd.toSafe)}` : ""}`;
}

/** One line on the effects in force on a node, or "". */
export function holdText(nd: Deck["nodes"] extends Map<string, infer V> ? V : never, t: number): string {
  if (!nd.held.length) return "";
  const last = nd.held.reduce((a, b) => (b.until > a.until ? b : a));
  const what = last.action === "mark_avoid" ? "node avoided" : `${last.target || "daemon"} gated`;
  const more = nd.held.length > 1 ? ` (+${nd.held.length - 1})` : "";
  return `${what} for ${fmtSecs(last.until - t)}${more}`;
}

/**
 * Where a node's maintenance outline is stroked (the path's rectangle, its width and corner).
 * A region with a header takes it inside its border, clear of the header's text (which starts
 * 8 px in). A zone's cell has its name on its first line 1 px under its top: an outline inside
 * would cross the name's letters, so it goes outside the cell, in the gap between cells.
 */
export function maintenanceOutline(b: NodeBox): { x: number; y: number; w: number; h: number; lineWidth: number; radius: number } {
  const cell = b.inner.y < b.y + HEADER;
  if (cell) return { x: b.x - 1.5, y: b.y - 1.5, w: b.w + 3, h: b.h + 3, lineWidth: 2, radius: 2 };
  return { x: b.x + 1.5, y: b.y + 1.5, w: b.w - 3, h: b.h - 3, lineWidth: 3, radius: 7 };
}

/** Does a box run into no text placed so far? */
const free = (texts: TextBox[], box: { x: number; y: number; w: number; h: number }) => !texts.some((t) => overlaps(t, box));

/** A rounded badge ending at xRight; returns where the next one (to its left) ends, or xRight
 * when it did not fit past `minX` or would run into a text already drawn. */
function chip(ctx: CanvasRenderingContext2D, texts: TextBox[], text: string, xRight: number, y: number, fill: string, minX: number, fg = inkOn(fill)): number {
  ctx.font = BOLD;
  const w = ctx.measureText(text).width + 8;
  if (xRight - w < minX) return xRight;
  const box = { text, x: xRight - w, y: y - 7, w, h: 14, bold: true, ink: "chip" };
  if (!free(texts, box)) return xRight;
  texts.push(box);
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.roundRect(xRight - w, y - 7, w, 14, 7);
  ctx.fill();
  ctx.fillStyle = fg;
  ctx.textAlign = "left";
  ctx.fillText(text, xRight - w + 4, y + 0.5);
  return xRight - w - 3;
}

/**
 * Paint the deck over the scene. Every text it writes (badges, the drain or hold line, link
 * labels, a copy's name, the drift badge) goes where it runs into none of `texts` (the texts the
 * topology already drew) and is added to them; a text with no room is left to the inspector.
 */
export function paintDeck(ctx: CanvasRenderingContext2D, sc: Scene, deck: Deck, texts: TextBox[] = []): void {
  ctx.save();
  ctx.textBaseline = "middle";
  const byName = new Map(sc.nodes.map((n) => [n.name, n]));
  for (const n of sc.nodes) {
    const nd = deck.nodes.get(n.name);
    if (!nd) continue;
    const b = n.box;
    const mc = MAINT_COLOR[nd.maintenance];
    if (mc) {
      // the maintenance state as the region's outline: thick, dashed while only cordoned
      const o = maintenanceOutline(b);
      ctx.strokeStyle = mc;
      ctx.lineWidth = o.lineWidth;
      ctx.setLineDash(nd.maintenance === "cordoned" ? [7, 4] : []);
      ctx.beginPath();
      ctx.roundRect(o.x, o.y, o.w, o.h, o.radius);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // header, right to left: heat, daemons, then the maintenance badge if it still fits after
    // the region's own "name · state" text (which names the state already)
    const y = b.y + HEADER / 2 + 1;
    ctx.font = "bold 12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
    const nameW = ctx.measureText(n.name).width;
    ctx.font = "12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
    const minX = b.x + 16 + nameW + ctx.measureText(`· ${n.label}`).width;
    let x = b.x + b.w - 6;
    if (nd.cut) {
      // leave the header's right end to the partition picture's side chip ("side A")
      ctx.font = "bold 11px system-ui, -apple-system, 'Liberation Sans', sans-serif";
      const side = ctx.measureText("side W").width + 10;
      if (b.w > side + 60) x -= side + 2;
    }
    if (nd.heat > 0) x = chip(ctx, texts, `⚡${nd.heat}`, x, y, HEAT, minX);
    // a saturated node (a daemon reporting a load at or over capacity)
    if (nd.load >= 1) x = chip(ctx, texts, `load ${nd.load.toFixed(1)}`, x, y, STATUS_COLOR.failed, minX);
    const dn = nd.daemons;
    if (dn.up + dn.down > 0) {
      x = chip(ctx, texts, `◆${dn.up}${dn.down ? `/${dn.up + dn.down}` : ""}`, x, y, dn.down ? STATUS_COLOR.failed : EVENT_COLOR.daemonChip, minX);
    }
    if (mc) chip(ctx, texts, MAINT_SHORT[nd.maintenance] ?? nd.maintenance, x, y, mc, minX);
    // foot of the region: what is still on a draining node and how long until it is safe, or
    // what is held down there (crash-loop gating, backoff, an avoided node) and until when
    let line = nd.draining ? drainText(nd) : holdText(nd, deck.t);
    if (line) {
      ctx.font = FONT;
      // a small region gets the short form rather than squeezed letters
      if (ctx.measureText(line).width > b.w - 18) line = nd.draining ? drainShort(nd) : "held";
      // too small even for that: the outline and the inspector say it
      if (ctx.measureText(line).width > b.w - 18 || b.h < 60) line = "";
    }
    const foot = { text: line, x: b.x + 4, y: b.y + b.h - 18, w: Math.min(b.w - 8, ctx.measureText(line).width + 10), h: 14, bold: false, ink: "deck" };
    // over an actor's name or a summary's counts it is left to the inspector
    if (line && free(texts, foot)) {
      texts.push(foot);
      const w = foot.w;
      ctx.fillStyle = THEME.panel;
      ctx.fillRect(b.x + 4, b.y + b.h - 18, w, 14);
      ctx.fillStyle = mc ?? EVENT_COLOR.drainText;
      ctx.textAlign = "left";
      ctx.fillText(line, b.x + 9, b.y + b.h - 11, b.w - 18);
    }
  }

  // the RTT map's bad links, under the copies: slow ones solid, suspect ones (probes timed out)
  // dashed. Each is an arc from centre to centre of the two regions, bowed to one side, so a
  // link does not run through a node between its ends and a node with many bad links shows
  // as a fan.
  const bad = deck.links.filter((l) => linkColour(l) && byName.has(l.a) && byName.has(l.b));
  const arcs = bad.map((l) => ({ l, ...arc(byName.get(l.a)!.box.inner, byName.get(l.b)!.box.inner) }));
  for (const { l, x0, y0, cx, cy, x1, y1 } of arcs) {
    ctx.strokeStyle = linkColour(l);
    ctx.globalAlpha = 0.75;
    ctx.lineWidth = l.timeout ? 2.5 : 2;
    ctx.setLineDash(l.timeout ? [8, 5] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.quadraticCurveTo(cx, cy, x1, y1);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }
  // labels at the top of each arc, only while there are few enough to read, and moved off a
  // region's header so they never cover a node's name
  if (arcs.length <= 16) {
    ctx.font = BOLD;
    ctx.textAlign = "center";
    for (const { l, mx, my } of arcs) {
      const text = linkText(l);
      const w = ctx.measureText(text).width + 8;
      let y = my;
      for (const n of sc.nodes) {
        const b = n.box;
        if (mx + w / 2 > b.x && mx - w / 2 < b.x + b.w && y + 7 > b.y && y - 7 < b.y + HEADER) y = b.y + HEADER + 8;
      }
      const box = { text, x: mx - w / 2, y: y - 7, w, h: 14, bold: true, ink: "deck" };
      if (!free(texts, box)) continue;
      texts.push(box);
      ctx.fillStyle = THEME.panel;
      ctx.fillRect(mx - w / 2, y - 7, w, 14);
      ctx.fillStyle = linkColour(l);
      ctx.fillText(text, mx, y + 0.5);
    }
  }

  // copies in transit: a dashed track between the regions and the copy moving along it
  for (const c of deck.transit) {
    const a = byName.get(c.src);
    const d = byName.get(c.dst);
    if (!a || !d) continue;
    // centre to centre of the regions' inner areas: the whole way is long enough to see it move
    const [x0, y0] = [a.box.inner.x + a.box.inner.w / 2, a.box.inner.y + a.box.inner.h / 2];
    const [x1, y1] = [d.box.inner.x + d.box.inner.w / 2, d.box.inner.y + d.box.inner.h / 2];
    ctx.strokeStyle = TRANSIT;
    ctx.globalAlpha = 0.6;
    ctx.lineWidth = 2;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    const px = x0 + (x1 - x0) * c.progress;
    const py = y0 + (y1 - y0) * c.progress;
    ctx.fillStyle = TRANSIT;
    ctx.strokeStyle = THEME.halo;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.rect(px - 5, py - 5, 10, 10);
    ctx.fill();
    ctx.stroke();
    ctx.font = BOLD;
    const label = `${c.blob} ${Math.round(c.progress * 100)}%`;
    const box = { text: label, x: px + 8, y: py - 13, w: ctx.measureText(label).width, h: 12, bold: true, ink: "deck" };
    if (!free(texts, box)) continue;
    texts.push(box);
    ctx.textAlign = "left";
    ctx.fillStyle = THEME.text;
    ctx.fillText(label, px + 8, py - 7);
  }

  // drift: blobs short of their desired count, top right of the canvas
  const short = deck.drift.filter((d) => d.drift > 0);
  if (short.length) {
    ctx.font = BOLD;
    const text = `drift: ${short.map((d) => `${d.blob} ${d.actual}/${d.desired}${d.inFlight ? ` (+${d.inFlight} moving)` : ""}`).join(", ")}`;
    const w = Math.min(sc.width - 20, ctx.measureText(text).width + 12);
    // bottom right, moved up past any text there (the notes, a caption, a summary's counts)
    let y = sc.height - 40;
    while (y > 0 && !free(texts, { x: sc.width - w - 6, y, w, h: 16 })) y -= 18;
    if (y > 0) {
      texts.push({ text, x: sc.width - w - 6, y, w, h: 16, bold: true, ink: "deck" });
      ctx.fillStyle = STATUS_COLOR.restarting;
      ctx.beginPath();
      ctx.roundRect(sc.width - w - 6, y, w, 16, 8);
      ctx.fill();
      ctx.fillStyle = inkOn(STATUS_COLOR.restarting);
      ctx.textAlign = "left";
      ctx.fillText(text, sc.width - w, y + 8.5, w - 10);
    }
  }
  ctx.restore();
}
