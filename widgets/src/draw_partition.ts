// Partitions on the topology view: for as long as links are cut, each side's regions get an
// outline and a side letter in their colour, a dashed cut line runs between the sides, and each
// link that lost messages gets one count badge in the sender's region. A cut link inside a side
// (a partial partition: the two ends still reach each other through a third node) is a dashed
// curve between the two regions' headers, its ends get a chip naming the nodes they cannot
// reach, the bridging nodes a "bridge" chip, and the caption says who reaches whom through
// whom. Works out what to draw from the scene and the fold (cached per playhead), paints on top
// of the topology painter.
import type { MeshState } from "./fold";
import { N } from "./kinds";
import { GAP, HEADER, type Rect } from "./layout";
import { fmtInt } from "./lod";
import { LinkDrops, cutSegments, partialCuts, partitionSides, sideName, type CutSegment, type LinkDrop, type PartialCut, type Sides } from "./partition";
import { strokeCut } from "./draw_cut";
import { notesBox } from "./draw_topology";
import { BRIDGE, DROP, PARTITION, SIDE_COLOR, THEME, inkOn } from "./palette";
import type { Scene } from "./scene";
import type { EventStore } from "./store";

export const sideColor = (i: number) => SIDE_COLOR[i % SIDE_COLOR.length];
const BADGE_H = 14;
/** Rows of drop badges under a region's header; more links share the last badge. */
const BADGE_ROWS = 2;
/** The badges' font: small, bold; the view measures with it. */
export const BADGE_FONT = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";
/** At most this many cut groups are named in the caption; the rest are counted. */
const CAPTION_GROUPS = 8;
/** At most this many bridges are named in a caption line; the rest are counted. */
const CAPTION_VIA = 4;
/** A cut group's bridges are marked on their regions when there are at most this many (the
 * few nodes everything goes through); more are only named in the caption. */
const BRIDGE_MARKS = 3;
/** A block of more cut links than this is drawn as one curve between its two groups. */
const BUNDLE = 4;
/** Space between two columns of caption lines. */
const COL_GAP = 14;

/** A cut link inside a side, drawn as a quadratic curve from one region's header to the other's. */
export interface CutArc {
  a: number;
  b: number;
  x0: number;
  y0: number;
  cx: number;
  cy: number;
  x1: number;
  y1: number;
  group: PartialCut;
  /** Cut links the curve stands for: 1, or a whole block (a bundle, from a to b as its ends). */
  count: number;
}

export interface Badge {
  x: number;
  y: number;
  w: number;
  h: number;
  drop: LinkDrop;
  since: number;
  /** The badge also counts these links (a sender with more links than its rows hold). */
  more: LinkDrop[];
}

export interface PartitionPicture {
  sides: Sides | null;
  /** When the oldest cut still in force began. */
  since: number;
  segments: CutSegment[];
  badges: Badge[];
  /** Cut links inside a side, grouped, and their curves. */
  partial: PartialCut[];
  arcs: CutArc[];
}

export class PartitionLayer {
  private readonly drops: LinkDrops;
  picture: PartitionPicture = { sides: null, since: NaN, segments: [], badges: [], partial: [], arcs: [] };
  private state: MeshState | null = null;
  /** Where the caption was last written, or null (for `data-caption-box`). */
  private captionBox: Rect | null = null;
  /** The caption's lines as drawn, and whether the box clipped any of them. */
  private captionLines: string[] = [];
  private captionCut = false;
  /** The regions of the last frame by node, where they are drawn (for `data-region-boxes`). */
  private regions: { idx: number; box: Rect }[] = [];

  constructor(private readonly store: EventStore) {
    this.drops = new LinkDrops(store);
  }

  /**
   * What to draw at t. Drops are counted per link since its cut began while it is cut, else
   * over the trailing `w` seconds, so after a heal the badges clear.
   */
  build(sc: Scene, s: MeshState, t: number, w: number, measure: (text: string) => number): PartitionPicture {
    const st = this.store;
    this.state = s;
    const present: number[] = [];
    // zoomed into one zone, the nodes of the others are drawn as rows but are on sides too
    const nodes = sc.zones ? [...sc.zones.zoneOf.keys()] : sc.nodes.map((n) => n.idx);
    for (const i of nodes) if (s.nodeState[i] === N.up || s.nodeState[i] === N.other) present.push(i);
    const cutSince = new Map<number, number>();
    let since = Infinity;
    for (const [key, row] of s.links) {
      const at = st.t.data[row];
      cutSince.set(key, at);
      since = Math.min(since, at);
    }
    const sides = s.links.size ? partitionSides(present, s.links) : null;
    const boxes = sc.nodes.map((n) => ({ idx: n.idx, box: n.box }));
    this.regions = boxes;
    const segments = sides && sides.groups.length > 1 ? cutSegments(boxes, sides.sideOf) : [];
    const sinceOf = (a: number, b: number) => cutSince.get(Math.min(a, b) * 65536 + Math.max(a, b)) ?? t - w;
    const earliest = Math.min(t - w, since);
    const counts = this.drops.count(
      t,
      earliest,
      sinceOf,
      (m) => this.dstNode(m),
      (m) => st.str(st.reason.data[st.mEndRow.data[m]]),
    );
    const boxOf = new Map(sc.nodes.map((n) => [n.idx, n.box]));
    const badges: Badge[] = [];
    // a row just under the sender's header, above its first row of glyphs (their names are
    // written below them), wrapping downwards: never on the borders, where crosses used to pile up
    const next = new Map<number, [number, number]>();
    // at most BADGE_ROWS rows per sender: the links that do not fit share one last badge
    const rest = new Map<number, LinkDrop[]>();
    for (const d of [...counts.values()].sort((a, b) => a.from - b.from || a.to - b.to)) {
      const A = boxOf.get(d.from);
      if (!A || !boxOf.has(d.to)) continue;
      if (rest.has(d.from)) {
        rest.get(d.from)!.push(d);
        continue;
      }
      const bw = measure(badgeText(d, st.str(st.nodeCodes[d.to]))) + 8;
      // a zone's cell has a name line, not a header; a badge that would leave it is not drawn
      // (zoomed into the zone, its nodes have the room)
      const cell = sc.zones !== null && sc.zones.focus < 0;
      const top = A.y + (cell ? 13 : HEADER + 1);
      let [x, y] = next.get(d.from) ?? [A.x + (cell ? 2 : 6), top];
      if (x + bw > A.x + A.w - 6 && x > A.x + 6) [x, y] = [A.x + (cell ? 2 : 6), y + BADGE_H + 2];
      if (cell && (x + bw > A.x + A.w || y + BADGE_H > A.y + A.h)) continue;
      if (!cell && y >= top + BADGE_ROWS * (BADGE_H + 2)) {
        rest.set(d.from, [d]);
        continue;
      }
      badges.push({ x, y, w: bw, h: BADGE_H, drop: d, since: sinceOf(d.from, d.to), more: [] });
      next.set(d.from, [x + bw + 3, y]);
    }
    for (const [from, more] of rest) {
      // the last badge of the sender's last row makes room for the summary, if it must
      const A = boxOf.get(from)!;
      let [x, y] = next.get(from)!;
      const text = (ds: LinkDrop[]) => `✕${fmtInt(ds.reduce((n, d) => n + d.count, 0))}→${ds.length} more`;
      let w = measure(text(more)) + 8;
      while (x + w > A.x + A.w - 6) {
        let i = badges.length - 1;
        while (i >= 0 && badges[i].drop.from !== from) i--;
        if (i < 0) break;
        const [b] = badges.splice(i, 1);
        more.unshift(b.drop);
        [x, y] = [b.x, b.y];
        w = measure(text(more)) + 8;
      }
      const since = Math.min(...more.map((d) => sinceOf(d.from, d.to)));
      badges.push({ x, y, w, h: BADGE_H, drop: more[0], since, more: more.slice(1) });
    }
    const partial = sides ? partialCuts(present, s.links, sides) : [];
    // every cut is drawn here (sides, cut line, curves): the scene's scissors per link go
    if (sides) sc.cuts = [];
    this.picture = { sides, since, segments, badges, partial, arcs: cutArcs(partial, boxOf) };
    return this.picture;
  }

  /** The receiver's node of message m: where its actor is at the playhead, else where it ended. */
  private dstNode(m: number): number {
    const st = this.store;
    const d = st.mDst.data[m];
    const s = this.state;
    return s && d >= 0 && d < s.cap && s.node[d] >= 0 ? s.node[d] : st.mDstNode.data[m];
  }

  /** A dropped message between two nodes: counted on its link's badge, not drawn as a cross. */
  counted(m: number): boolean {
    const a = this.store.mSrcNode.data[m];
    const b = this.dstNode(m);
    return a >= 0 && b >= 0 && a !== b;
  }

  paint(ctx: CanvasRenderingContext2D, sc: Scene): void {
    const { sides, segments, badges, partial, arcs } = this.picture;
    this.captionBox = null;
    this.captionLines = [];
    this.captionCut = false;
    ctx.save();
    ctx.textBaseline = "middle";
    const split = !!sides && sides.groups.length > 1;
    // the header's right end, from the right: a side chip, then a partial cut's chip
    const chipRight = new Map<number, number>();
    if (sides && split) {
      // each side: its regions outlined in its colour, a letter chip at the header's right
      for (const n of sc.nodes) {
        const i = sides.sideOf.get(n.idx);
        if (i === undefined) continue;
        const c = sideColor(i);
        ctx.strokeStyle = c;
        // zone cells sit 3 px apart and have a name line, not a header: a thin outline, no chip
        const cell = sc.zones !== null && sc.zones.focus < 0;
        ctx.lineWidth = cell ? 2 : 3;
        if (cell) ctx.strokeRect(n.box.x - 1, n.box.y - 1, n.box.w + 2, n.box.h + 2);
        else ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = c;
        ctx.fillRect(n.box.x, n.box.y, n.box.w, n.box.h);
        ctx.globalAlpha = 1;
        const at = cell ? null : chip(ctx, n.box, n.box.x + n.box.w - 4, `side ${sideName(i)}`, c);
        if (at !== null) chipRight.set(n.idx, at);
      }
      // the cut line between the sides
      ctx.strokeStyle = PARTITION;
      ctx.lineWidth = 3;
      ctx.setLineDash([8, 5]);
      for (const g of segments) {
        ctx.beginPath();
        ctx.moveTo(g.x0, g.y0);
        ctx.lineTo(g.x1, g.y1);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    if (partial.length) this.paintPartial(ctx, sc, partial, arcs, split, chipRight);
    if (sides && (split || partial.length)) this.paintCaption(ctx, sc, sides, partial);
    // one badge per link that lost messages
    ctx.font = BADGE_FONT;
    for (const b of badges) {
      ctx.fillStyle = THEME.halo;
      ctx.strokeStyle = DROP;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.roundRect(b.x, b.y, b.w, b.h, 7);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = DROP;
      ctx.textAlign = "center";
      const text = b.more.length ? `✕${fmtInt(b.drop.count + b.more.reduce((n, d) => n + d.count, 0))}→${b.more.length + 1} more` : badgeText(b.drop, this.name(b.drop.to));
      ctx.fillText(text, b.x + b.w / 2, b.y + b.h / 2 + 0.5);
    }
    ctx.restore();
  }

  /**
   * A partial partition: the ends of cut links outlined dashed with a chip naming whom they
   * cannot reach, the few bridges outlined with a "bridge" chip, and a dashed curve per cut link
   * (or per block of many) between the two regions, over a halo so it reads across regions.
   */
  private paintPartial(ctx: CanvasRenderingContext2D, sc: Scene, partial: PartialCut[], arcs: CutArc[], split: boolean, chipRight: Map<number, number>): void {
    const bridges = new Set(partial.flatMap((g) => (g.via.length <= BRIDGE_MARKS ? g.via : [])));
    const cannot = new Map<number, number[]>();
    for (const g of partial) {
      for (const [a, b] of g.pairs) {
        (cannot.get(a) ?? cannot.set(a, []).get(a)!).push(b);
        (cannot.get(b) ?? cannot.set(b, []).get(b)!).push(a);
      }
    }
    for (const n of sc.nodes) {
      if (split) continue; // the sides' outlines are there already
      // a bridge may itself be the end of another cut link: its outline says bridge, its chips both
      if (cannot.has(n.idx) && !bridges.has(n.idx)) {
        ctx.strokeStyle = PARTITION;
        ctx.lineWidth = 2.5;
        ctx.setLineDash([6, 4]);
        ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
        ctx.setLineDash([]);
      } else if (bridges.has(n.idx)) {
        ctx.strokeStyle = BRIDGE;
        ctx.lineWidth = 2.5;
        ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
      }
    }
    // the curves under the chips, so a chip stays readable where a curve leaves its region
    for (const c of arcs) {
      ctx.beginPath();
      ctx.moveTo(c.x0, c.y0);
      ctx.quadraticCurveTo(c.cx, c.cy, c.x1, c.y1);
      strokeCut(ctx, c, c.count > 1);
      if (c.count > 1) {
        // a bundle says how many links it stands for, at its middle
        const [mx, my] = arcMiddle(c);
        const label = `✂ ${fmtInt(c.count)} links`;
        ctx.font = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";
        const w = ctx.measureText(label).width + 10;
        ctx.fillStyle = PARTITION;
        ctx.beginPath();
        ctx.roundRect(mx - w / 2, my - 8, w, 16, 8);
        ctx.fill();
        ctx.fillStyle = inkOn(PARTITION);
        ctx.textAlign = "center";
        ctx.fillText(label, mx, my + 0.5);
      }
    }
    for (const n of sc.nodes) {
      let right: number | null = chipRight.get(n.idx) ?? n.box.x + n.box.w - 4;
      const peers = cannot.get(n.idx);
      if (peers) {
        const names = peers.sort((a, b) => a - b).map((p) => this.name(p));
        // a few peers by name when they fit, else how many (the caption names them)
        const text = names.length <= 3 ? `✂ ${names.join(" ")}` : `✂ ${names.length} nodes`;
        right = chip(ctx, n.box, right, text, PARTITION) ?? chip(ctx, n.box, right, `✂ ${peers.length}`, PARTITION);
      }
      // the short form when the long one has no room
      if (bridges.has(n.idx) && right !== null && chip(ctx, n.box, right, "⇄ bridge", BRIDGE) === null) chip(ctx, n.box, right, "⇄", BRIDGE);
    }
  }

  /** The caption: which nodes reach which (sides), which cannot talk directly and through whom, since when. */
  private paintCaption(ctx: CanvasRenderingContext2D, sc: Scene, sides: Sides, partial: PartialCut[]): void {
    const split = sides.groups.length > 1;
    const names = (g: number[]) => g.map((n) => this.name(n)).join(", ");
    type Line = { text: string; side?: number; cut?: boolean; bold?: boolean; dim?: boolean };
    const lines: Line[] = [{ text: `✂ ${split ? "partition" : "partial partition"} since t=${fmtT(this.picture.since)}`, bold: true }];
    if (split) sides.groups.forEach((g, i) => lines.push({ text: `side ${sideName(i)}: ${names(g)}`, side: i }));
    for (const g of partial.slice(0, CAPTION_GROUPS)) lines.push({ text: partialText(g, (n) => this.name(n)), cut: true });
    if (partial.length > CAPTION_GROUPS) lines.push({ text: `+${partial.length - CAPTION_GROUPS} more cut links or groups (hover a curve)`, dim: true });
    const notes: Line[] = [];
    if (split) notes.push({ text: "each side reaches only itself", dim: true });
    if (partial.length) notes.push({ text: "✂: no direct link · via: still reach each other through", dim: true });
    const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px system-ui, -apple-system, 'Liberation Sans', sans-serif`;
    ctx.font = font(11);
    let [px, lh] = [11, 16]; // font size and line height
    const height = (n: number) => lh * n + 6;
    let box: Rect;
    // lines per column and a column's width (one column unless the place is wider than tall)
    let rows = lines.length + notes.length;
    let cw = Infinity;
    if (sc.caption && sc.zones) {
      // nodes drawn in zones: the scene kept a place for the caption (a free zone slot, else the
      // footer's right half, four lines tall); smaller lines where the place is low, a side too
      // long to name node by node named by its runs of nodes, else counted with its zones, and
      // the notes (also in the legend) only where they fit
      const place = sc.caption;
      if (height(lines.length + notes.length) > place.h) [px, lh] = [10, 13];
      ctx.font = font(px);
      const fits = (t: string) => ctx.measureText(t).width + 27 <= place.w;
      const zoneOf = sc.zones.zoneOf;
      for (const l of lines) if (l.side !== undefined) l.text = sideText(l.side, sides.groups[l.side], (n) => this.name(n), (n) => zoneOf[n], fits);
      const fitRows = Math.max(2, Math.floor((place.h - 6) / lh));
      if (lines.length + notes.length <= fitRows) lines.push(...notes);
      else if (lines.length > fitRows) lines.splice(fitRows - 1, lines.length, { text: `+${lines.length - fitRows + 1} more lines: hover a curve or a side`, dim: true });
      const tw = Math.max(
        ...lines.map((l) => {
          ctx.font = font(px, l.bold);
          return ctx.measureText(l.text).width;
        }),
      ) + 27;
      rows = lines.length;
      box = { ...place, w: Math.min(tw, place.w), h: Math.min(height(lines.length), place.h) };
    } else {
      if (!sc.nodes.length) return;
      const place = captionPlace(sc, notesBox(ctx, sc));
      if (!place) return;
      // lines run down, then on in columns side by side (a strip under the grid is wide and
      // low); roomy lines with the notes, else without them, else compact lines, else what does
      // not fit is counted (the notes are in the legend too)
      const width = place.w;
      const rowsAt = (step: number) => Math.max(1, Math.floor((place.h - 6) / step));
      const colW = (ls: Line[], size: number) => {
        ctx.font = font(size);
        return Math.max(...ls.map((l) => ctx.measureText(l.text).width)) + 27;
      };
      const colsAt = (ls: Line[], size: number) => Math.max(1, Math.floor((width + COL_GAP) / (colW(ls, size) + COL_GAP)));
      const holds = (ls: Line[], size: number, step: number) => ls.length <= rowsAt(step) * colsAt(ls, size);
      if (holds([...lines, ...notes], 11, 16)) lines.push(...notes);
      else if (!holds(lines, 11, 16)) {
        [px, lh] = [10, 13];
        const all = lines.slice();
        const limit = (fit: number) => {
          lines.splice(0, lines.length, ...all);
          if (all.length > fit) lines.splice(fit - 1, lines.length, { text: `+${all.length - fit + 1} more lines: hover a curve or a side`, dim: true });
        };
        // at least the title and the count; the count's line may be the widest, so fewer
        // columns may fit with it: then fewer lines
        for (let fit = Math.max(2, rowsAt(lh) * colsAt(lines, px)); ; fit = Math.max(2, fit - rowsAt(lh))) {
          limit(fit);
          if (fit === 2 || lines.length <= rowsAt(lh) * colsAt(lines, px)) break;
        }
      }
      if (colW(lines, px) > width && px > 10) {
        // too wide for its place: smaller lines, and the notes (also in the legend) only if they fit
        [px, lh] = [10, 13];
        ctx.font = font(px);
        for (let i = lines.length - 1; i > 0; i--) if (lines[i].dim && ctx.measureText(lines[i].text).width + 27 > width) lines.splice(i, 1);
      }
      rows = Math.min(lines.length, rowsAt(lh));
      cw = colW(lines, px);
      const cols = Math.ceil(lines.length / rows);
      box = { x: place.x, y: place.y, w: Math.min(cols * cw + (cols - 1) * COL_GAP, width), h: Math.min(height(rows), place.h) };
    }
    this.captionBox = box;
    ctx.fillStyle = THEME.panel;
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.strokeStyle = PARTITION;
    ctx.lineWidth = 1;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.x, box.y, box.w, box.h);
    ctx.clip();
    ctx.textAlign = "left";
    lines.forEach((l, k) => {
      const i = k % rows;
      const col = Math.floor(k / rows);
      const x0 = col ? box.x + col * (cw + COL_GAP) : box.x;
      const y = box.y + 3 + lh / 2 + lh * i;
      if (l.side !== undefined) {
        // the side's colour as a swatch, the names in the text colour (legible on both themes)
        ctx.fillStyle = sideColor(l.side);
        ctx.fillRect(x0 + 7, y - 5, 9, 9);
      } else if (l.cut) {
        // a cut link's dash as the swatch
        ctx.strokeStyle = PARTITION;
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(x0 + 6, y);
        ctx.lineTo(x0 + 10, y);
        ctx.moveTo(x0 + 13, y);
        ctx.lineTo(x0 + 17, y);
        ctx.stroke();
      }
      ctx.fillStyle = l.bold ? (THEME.dark ? "#e5dbff" : "#5f3dc4") : l.dim ? THEME.muted : THEME.text;
      ctx.font = font(px, l.bold);
      const tx = x0 + (l.side !== undefined || l.cut ? 20 : 7);
      ctx.fillText(l.text, tx, y);
      // a line the box clips (wider than it, or below it) is a caption cut short: say so
      if (tx + ctx.measureText(l.text).width > box.x + box.w + 0.5 || y + px / 2 > box.y + box.h + 0.5) this.captionCut = true;
    });
    this.captionLines = lines.map((l) => l.text);
    ctx.restore();
  }

  private name(n: number): string {
    const st = this.store;
    return st.str(st.nodeCodes[n]);
  }

  /** Tooltip for a badge or cut under (x, y), or "". */
  tip(x: number, y: number): string {
    for (const b of this.picture.badges) {
      if (x < b.x || x > b.x + b.w || y < b.y || y > b.y + b.h) continue;
      const d = b.drop;
      if (b.more.length) {
        const all = [d, ...b.more];
        return `dropped since t=${fmtT(b.since)} from ${this.name(d.from)}:\n${all.map((x) => `${fmtInt(x.count)} to ${this.name(x.to)} (${x.reasons.join(", ")})`).join("\n")}`;
      }
      return `${fmtInt(d.count)} message(s) from ${this.name(d.from)} to ${this.name(d.to)} dropped since t=${fmtT(b.since)}\nreason: ${d.reasons.join(", ")}`;
    }
    for (const c of this.picture.arcs) {
      if (nearCurve(c, x, y) > 6) continue;
      const g = c.group;
      const via = g.via.length ? `both still reach ${g.via.map((n) => this.name(n)).join(", ")} (bridge${g.via.length > 1 ? "s" : ""})` : g.route.length ? `they still reach each other through ${g.route.map((n) => this.name(n)).join(" → ")}` : "";
      const since = this.store.t.data[this.state?.links.get(Math.min(c.a, c.b) * 65536 + Math.max(c.a, c.b)) ?? -1];
      const who = c.count > 1 ? `${g.x.map((n) => this.name(n)).join(", ")} ✂ ${g.y.map((n) => this.name(n)).join(", ")}: ${fmtInt(c.count)} cut links,` : `${this.name(c.a)} ✂ ${this.name(c.b)}:`;
      return `${who} no direct link since t=${fmtT(since ?? NaN)}\n${via}`;
    }
    const sides = this.picture.sides;
    if (sides && sides.groups.length > 1 && y > 0) {
      for (const seg of this.picture.segments) {
        const d = Math.abs(seg.x0 === seg.x1 ? x - seg.x0 : y - seg.y0);
        const inside = seg.x0 === seg.x1 ? y >= seg.y0 && y <= seg.y1 : x >= seg.x0 && x <= seg.x1;
        if (d <= 6 && inside) {
          const names = (g: number[]) => g.map((n) => this.name(n)).join(", ");
          return `partition since t=${fmtT(this.picture.since)}: ${sides.groups.map((g, i) => `side ${sideName(i)} (${names(g)})`).join(" cannot reach ")}`;
        }
      }
    }
    return "";
  }

  /**
   * Signals for tests and tools: `data-sides` (the sides, `|`-separated), `data-partial-cuts`
   * (each cut link inside a side as `a~b@bridges`, bridges `,`-separated, or `a~b@n1>n2` for a
   * detour when no node bridges both ends), `data-bridges` and `data-cut-xy` (the middle of the
   * first curve drawn), `data-caption-box` (x,y,w,h of the caption, or ""), `data-caption-lines`
   * (its lines as drawn, newline-separated), `data-caption-cut` ("1" when the box clipped one), and
   * `data-region-boxes` (`name:x,y,w,h` per region, `;`-separated), so a test can check that
   * the caption covers no region.
   */
  publish(root: HTMLElement): void {
    const { sides, partial, arcs } = this.picture;
    root.dataset.sides = sides && sides.groups.length > 1 ? sides.groups.map((g) => g.map((n) => this.name(n)).join(",")).join("|") : "";
    root.dataset.partialCuts = partial
      .flatMap((g) => g.pairs.map(([a, b]) => `${this.name(a)}~${this.name(b)}@${g.via.length ? g.via.map((n) => this.name(n)).join(",") : g.route.map((n) => this.name(n)).join(">")}`))
      .join(" ");
    root.dataset.bridges = [...new Set(partial.flatMap((g) => g.via))].sort((a, b) => a - b).map((n) => this.name(n)).join(",");
    const c = arcs[0];
    root.dataset.cutXy = c ? arcMiddle(c).map((v) => v.toFixed(1)).join(",") : "";
    const xywh = (r: Rect) => [r.x, r.y, r.w, r.h].map((v) => v.toFixed(1)).join(",");
    root.dataset.captionBox = this.captionBox ? xywh(this.captionBox) : "";
    root.dataset.captionLines = this.captionLines.join("\n");
    root.dataset.captionCut = this.captionCut ? "1" : "0";
    root.dataset.regionBoxes = this.regions.map((r) => `${this.name(r.idx)}:${xywh(r.box)}`).join(";");
  }
}

/**
 * Where the caption goes outside zones: the strip the scene kept under a full grid, else the
 * grid's empty cells right of the last region (inside their margins), else nowhere: the caption
 * never covers a region (hovering a side or a curve still says it all).
 */
export function captionPlace(sc: Scene, notes: Rect | null = null): Rect | null {
  let place = sc.caption;
  if (!place && sc.nodes.length) {
    const last = sc.nodes.reduce((m, n) => (n.box.y > m.y || (n.box.y === m.y && n.box.x > m.x) ? n.box : m), sc.nodes[0].box);
    const right = Math.max(...sc.nodes.map((n) => n.box.x + n.box.w));
    // an empty cell right of the last region: the grid reaches further right than it
    if (last.x + last.w + GAP + last.w <= right + 1) place = { x: last.x + last.w + GAP + 4, y: last.y + 4, w: right - (last.x + last.w + GAP) - 8, h: last.h - 8 };
  }
  // the notes saying detail was reduced (bottom right) keep their corner
  if (place && notes && notes.y < place.y + place.h && place.y < notes.y + notes.h && notes.x < place.x + place.w) place = { ...place, w: notes.x - 6 - place.x };
  return place && place.w >= 80 && place.h >= 20 ? place : null;
}

/**
 * A side's caption line: its nodes by name when they fit, else their runs of consecutive nodes
 * ("side A: 120 nodes: n0–n119"), else how many nodes in how many zones (hovering the side's
 * outline names them all).
 */
export function sideText(i: number, g: number[], name: (n: number) => string, zoneOf: (n: number) => number, fits: (t: string) => boolean): string {
  const full = `side ${sideName(i)}: ${g.map(name).join(", ")}`;
  if (fits(full)) return full;
  const sorted = [...g].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let k = 0; k < sorted.length; ) {
    let e = k;
    while (e + 1 < sorted.length && sorted[e + 1] === sorted[e] + 1) e++;
    runs.push(e > k ? `${name(sorted[k])}–${name(sorted[e])}` : name(sorted[k]));
    k = e + 1;
  }
  const count = `side ${sideName(i)}: ${fmtInt(g.length)} node${g.length === 1 ? "" : "s"}`;
  const ranged = `${count}: ${runs.join(", ")}`;
  if (fits(ranged)) return ranged;
  const zones = new Set(g.map(zoneOf)).size;
  return `${count} in ${fmtInt(zones)} zone${zones === 1 ? "" : "s"}`;
}

/** "n0, n1 ✂ n2, n3 · via n4": a cut group in the caption, bridges cut short after a few. */
export function partialText(g: PartialCut, name: (n: number) => string): string {
  const list = (ns: number[]) => `${ns.slice(0, CAPTION_VIA).map(name).join(", ")}${ns.length > CAPTION_VIA ? ` +${ns.length - CAPTION_VIA} more` : ""}`;
  const via = g.via.length
    ? `via ${list(g.via)}`
    : g.route.length
      ? `via ${g.route.map(name).join(" → ")}`
      : "";
  return `${list(g.x)} ✂ ${list(g.y)}${via ? ` · ${via}` : ""}`;
}

/**
 * One curve per cut link, or per block of more than BUNDLE links (between the region of each
 * group nearest its group's middle), between points on the line under each region's header:
 * a region with several curves spreads their ends along it (ordered by where the other end is,
 * so curves do not cross at the ends). A curve bows off the straight line: down into the
 * regions' upper bodies between two regions of one row (so it never runs over their headers),
 * else up or to the left, by a fifth of its length.
 */
export function cutArcs(partial: PartialCut[], boxOf: Map<number, Rect>): CutArc[] {
  const ends = new Map<number, { other: number; arc: number; end: 0 | 1 }[]>();
  const raw: { a: number; b: number; group: PartialCut; count: number }[] = [];
  const middle = (ns: number[]) => {
    const bs = ns.map((n) => boxOf.get(n)).filter((b): b is Rect => !!b);
    const mx = bs.reduce((s, b) => s + b.x + b.w / 2, 0) / bs.length;
    const my = bs.reduce((s, b) => s + b.y + b.h / 2, 0) / bs.length;
    return ns.filter((n) => boxOf.has(n)).sort((p, q) => dist(boxOf.get(p)!, mx, my) - dist(boxOf.get(q)!, mx, my) || p - q)[0];
  };
  const add = (a: number, b: number, group: PartialCut, count: number) => {
    const arc = raw.push({ a, b, group, count }) - 1;
    (ends.get(a) ?? ends.set(a, []).get(a)!).push({ other: b, arc, end: 0 });
    (ends.get(b) ?? ends.set(b, []).get(b)!).push({ other: a, arc, end: 1 });
  };
  for (const g of partial) {
    const drawn = g.pairs.filter(([a, b]) => boxOf.has(a) && boxOf.has(b));
    if (drawn.length > BUNDLE) add(middle(g.x), middle(g.y), g, g.pairs.length);
    else for (const [a, b] of drawn) add(a, b, g, 1);
  }
  const at: [number, number][][] = raw.map(() => [[0, 0], [0, 0]]);
  for (const [n, list] of ends) {
    const box = boxOf.get(n)!;
    const cx = (m: number) => boxOf.get(m)!.x + boxOf.get(m)!.w / 2;
    const cy = (m: number) => boxOf.get(m)!.y;
    list.sort((p, q) => cx(p.other) - cx(q.other) || cy(p.other) - cy(q.other) || p.other - q.other);
    list.forEach((e, k) => {
      at[e.arc][e.end] = [box.x + (box.w * (k + 1)) / (list.length + 1), box.y + HEADER + 3];
    });
  }
  return raw.map(({ a, b, group, count }, i) => {
    const [[x0, y0], [x1, y1]] = at[i];
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len = Math.hypot(dx, dy) || 1;
    let [nx, ny] = [-dy / len, dx / len];
    const row = Math.abs(dy) < 1;
    // one row: downwards; otherwise the normal pointing up (or left, for a vertical link)
    if (row ? ny < 0 : ny > 0 || (ny === 0 && nx > 0)) [nx, ny] = [-nx, -ny];
    const bow = row ? Math.min(60, Math.max(20, len * 0.2)) : Math.max(24, len * 0.2);
    return { a, b, x0, y0, x1, y1, cx: (x0 + x1) / 2 + nx * bow, cy: Math.max(0, (y0 + y1) / 2 + ny * bow), group, count };
  });
}

const dist = (b: Rect, x: number, y: number) => Math.hypot(b.x + b.w / 2 - x, b.y + b.h / 2 - y);

/** The point half way along a cut curve. */
export function arcMiddle(c: CutArc): [number, number] {
  return [0.25 * c.x0 + 0.5 * c.cx + 0.25 * c.x1, 0.25 * c.y0 + 0.5 * c.cy + 0.25 * c.y1];
}

/** Distance from (x, y) to a cut curve, sampled. */
function nearCurve(c: CutArc, x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i <= 24; i++) {
    const t = i / 24;
    const u = 1 - t;
    const px = u * u * c.x0 + 2 * u * t * c.cx + t * t * c.x1;
    const py = u * u * c.y0 + 2 * u * t * c.cy + t * t * c.y1;
    best = Math.min(best, Math.hypot(px - x, py - y));
  }
  return best;
}

/**
 * A chip in a region's header, ending at `right`: text in the colour's ink on the colour. Returns
 * where the next chip to its left must end, or null when the header has no room for it.
 */
function chip(ctx: CanvasRenderingContext2D, box: Rect, right: number, label: string, colour: string): number | null {
  ctx.font = "bold 11px system-ui, -apple-system, 'Liberation Sans', sans-serif";
  const lw = ctx.measureText(label).width + 10;
  // leave the header's left to the node's name
  if (right - lw < box.x + 60) return null;
  ctx.fillStyle = colour;
  ctx.fillRect(right - lw, box.y + 4, lw, HEADER - 8);
  ctx.fillStyle = inkOn(colour);
  ctx.textAlign = "center";
  ctx.fillText(label, right - lw / 2, box.y + HEADER / 2);
  return right - lw - 3;
}

export function badgeText(d: LinkDrop, to: string): string {
  return `✕${fmtInt(d.count)}→${to}`;
}

function fmtT(t: number): string {
  return Number.isFinite(t) ? String(Number(t.toFixed(3))) : "?";
}
