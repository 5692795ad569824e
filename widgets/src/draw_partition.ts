// Partitions on the topology view: for as long as links are cut, each side's regions get an
// outline and a side letter in their colour, a dashed cut line runs between the sides, and each
// link that lost messages gets one count badge in the sender's region. Works out what to draw
// from the scene and the fold (cached per playhead), paints on top of the topology painter.
import type { MeshState } from "./fold";
import { N } from "./kinds";
import { GAP, HEADER } from "./layout";
import { fmtInt } from "./lod";
import { LinkDrops, cutSegments, partitionSides, sideName, type CutSegment, type LinkDrop, type Sides } from "./partition";
import { DROP, PARTITION, THEME } from "./palette";
import type { Scene } from "./scene";
import type { EventStore } from "./store";

/** Side colours: the partition's purple first, then colours unlike any status. */
const SIDE_COLOR = ["#7b2cbf", "#0b7285", "#c2410c", "#5c940d", "#1c7ed6", "#a61e4d"];
export const sideColor = (i: number) => SIDE_COLOR[i % SIDE_COLOR.length];
const BADGE_H = 14;
/** The badges' font: small, bold; the view measures with it. */
export const BADGE_FONT = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";

export interface Badge {
  x: number;
  y: number;
  w: number;
  h: number;
  drop: LinkDrop;
  since: number;
}

export interface PartitionPicture {
  sides: Sides | null;
  /** When the oldest cut still in force began. */
  since: number;
  segments: CutSegment[];
  badges: Badge[];
}

export class PartitionLayer {
  private readonly drops: LinkDrops;
  picture: PartitionPicture = { sides: null, since: NaN, segments: [], badges: [] };
  private state: MeshState | null = null;

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
    for (const n of sc.nodes) if (s.nodeState[n.idx] === N.up || s.nodeState[n.idx] === N.other) present.push(n.idx);
    const cutSince = new Map<number, number>();
    let since = Infinity;
    for (const [key, row] of s.links) {
      const at = st.t.data[row];
      cutSince.set(key, at);
      since = Math.min(since, at);
    }
    const sides = s.links.size ? partitionSides(present, s.links) : null;
    const boxes = sc.nodes.map((n) => ({ idx: n.idx, box: n.box }));
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
    for (const d of [...counts.values()].sort((a, b) => a.from - b.from || a.to - b.to)) {
      const A = boxOf.get(d.from);
      if (!A || !boxOf.has(d.to)) continue;
      const bw = measure(badgeText(d, st.str(st.nodeCodes[d.to]))) + 8;
      let [x, y] = next.get(d.from) ?? [A.x + 6, A.y + HEADER + 1];
      if (x + bw > A.x + A.w - 6 && x > A.x + 6) [x, y] = [A.x + 6, y + BADGE_H + 2];
      badges.push({ x, y, w: bw, h: BADGE_H, drop: d, since: sinceOf(d.from, d.to) });
      next.set(d.from, [x + bw + 3, y]);
    }
    this.picture = { sides, since, segments, badges };
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
    const { sides, segments, badges, since } = this.picture;
    const st = this.store;
    ctx.save();
    ctx.textBaseline = "middle";
    const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px system-ui, -apple-system, 'Liberation Sans', sans-serif`;
    if (sides && sides.groups.length > 1) {
      // each side: its regions outlined in its colour, a letter chip at the header's right
      for (const n of sc.nodes) {
        const i = sides.sideOf.get(n.idx);
        if (i === undefined) continue;
        const c = sideColor(i);
        ctx.strokeStyle = c;
        ctx.lineWidth = 3;
        ctx.strokeRect(n.box.x - 2.5, n.box.y - 2.5, n.box.w + 5, n.box.h + 5);
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = c;
        ctx.fillRect(n.box.x, n.box.y, n.box.w, n.box.h);
        ctx.globalAlpha = 1;
        const label = `side ${sideName(i)}`;
        ctx.font = font(11, true);
        const lw = ctx.measureText(label).width + 10;
        if (n.box.w > lw + 60) {
          ctx.fillStyle = c;
          ctx.fillRect(n.box.x + n.box.w - lw - 4, n.box.y + 4, lw, HEADER - 8);
          ctx.fillStyle = "#fff";
          ctx.textAlign = "center";
          ctx.fillText(label, n.box.x + n.box.w - lw / 2 - 4, n.box.y + HEADER / 2);
        }
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
      // the caption: which nodes can reach which, since when
      const names = (g: number[]) => g.map((n) => st.str(st.nodeCodes[n])).join(", ");
      const lines = [`✂ partition since t=${fmtT(since)}${sides.clean ? "" : " (partial)"}`, ...sides.groups.map((g, i) => `side ${sideName(i)}: ${names(g)}`), "each side reaches only itself"];
      ctx.font = font(11);
      const last = sc.nodes.reduce((m, n) => (n.box.y > m.y || (n.box.y === m.y && n.box.x > m.x) ? n.box : m), sc.nodes[0].box);
      const free = last.x + 2 * last.w + GAP <= sc.width + 12; // an empty cell right of the last region
      const tw = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 27;
      const box = free
        ? { x: last.x + last.w + GAP + 4, y: last.y + 4, w: Math.min(tw, last.w - 8), h: 16 * lines.length + 6 }
        : { x: 4, y: sc.height - 16 * lines.length - 8, w: Math.min(tw, sc.width - 8), h: 16 * lines.length + 6 };
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
      lines.forEach((l, i) => {
        const side = i > 0 && i <= sides.groups.length;
        if (side) {
          // the side's colour as a swatch, the names in the text colour (legible on both themes)
          ctx.fillStyle = sideColor(i - 1);
          ctx.fillRect(box.x + 7, box.y + 6 + 16 * i, 9, 9);
        }
        ctx.fillStyle = i === 0 ? (THEME.dark ? "#e5dbff" : "#5f3dc4") : side ? THEME.text : THEME.muted;
        ctx.font = font(11, i === 0);
        ctx.fillText(l, box.x + (side ? 20 : 7), box.y + 11 + 16 * i);
      });
      ctx.restore();
    }
    // one badge per link that lost messages
    ctx.font = BADGE_FONT;
    for (const b of badges) {
      ctx.fillStyle = THEME.dark ? "#f1f3f5" : "#fff";
      ctx.strokeStyle = DROP;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.roundRect(b.x, b.y, b.w, b.h, 7);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = DROP;
      ctx.textAlign = "center";
      ctx.fillText(badgeText(b.drop, st.str(st.nodeCodes[b.drop.to])), b.x + b.w / 2, b.y + b.h / 2 + 0.5);
    }
    ctx.restore();
  }

  /** Tooltip for a badge under (x, y), or "". */
  tip(x: number, y: number): string {
    const st = this.store;
    for (const b of this.picture.badges) {
      if (x < b.x || x > b.x + b.w || y < b.y || y > b.y + b.h) continue;
      const d = b.drop;
      const [from, to] = [st.str(st.nodeCodes[d.from]), st.str(st.nodeCodes[d.to])];
      return `${fmtInt(d.count)} message(s) from ${from} to ${to} dropped since t=${fmtT(b.since)}\nreason: ${d.reasons.join(", ")}`;
    }
    const sides = this.picture.sides;
    if (sides && sides.groups.length > 1 && y > 0) {
      for (const seg of this.picture.segments) {
        const d = Math.abs(seg.x0 === seg.x1 ? x - seg.x0 : y - seg.y0);
        const inside = seg.x0 === seg.x1 ? y >= seg.y0 && y <= seg.y1 : x >= seg.x0 && x <= seg.x1;
        if (d <= 6 && inside) {
          const names = (g: number[]) => g.map((n) => st.str(st.nodeCodes[n])).join(", ");
          return `partition since t=${fmtT(this.picture.since)}: ${sides.groups.map((g, i) => `side ${sideName(i)} (${names(g)})`).join(" cannot reach ")}`;
        }
      }
    }
    return "";
  }
}

export function badgeText(d: LinkDrop, to: string): string {
  return `✕${fmtInt(d.count)}→${to}`;
}

function fmtT(t: number): string {
  return Number.isFinite(t) ? String(Number(t.toFixed(3))) : "?";
}
