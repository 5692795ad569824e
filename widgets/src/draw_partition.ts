// Partitions on the topology view: for as long as links are cut, each side's regions get an
// outline and a side letter in their colour, a dashed cut line runs between the sides, and each
// link that lost messages gets one count badge in the sender's region. Works out what to draw
// from the scene and the fold (cached per playhead), paints on top of the topology painter.
import type { MeshState } from "./fold";
import { N } from "./kinds";
import { HEADER, type Rect } from "./layout";
import { fmtInt } from "./lod";
import { LinkDrops, badgeSpot, cutSegments, partitionSides, sideName, type CutSegment, type LinkDrop, type Sides } from "./partition";
import { DROP, PARTITION, THEME } from "./palette";
import type { Scene } from "./scene";
import type { EventStore } from "./store";

/** Side colours: the partition's purple first, then colours unlike any status. */
const SIDE_COLOR = ["#7b2cbf", "#0b7285", "#c2410c", "#5c940d", "#1c7ed6", "#a61e4d"];
export const sideColor = (i: number) => SIDE_COLOR[i % SIDE_COLOR.length];

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

  constructor(private readonly store: EventStore) {
    this.drops = new LinkDrops(store);
    store.onChange(() => this.drops.reset());
  }

  /**
   * What to draw at t. Drops are counted per link since its cut began while it is cut, else
   * over the trailing `w` seconds, so after a heal the badges clear.
   */
  build(sc: Scene, s: MeshState, t: number, w: number, measure: (text: string) => number): PartitionPicture {
    const st = this.store;
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
      (m) => {
        const d = st.mDst.data[m];
        return d >= 0 && s.node[d] >= 0 ? s.node[d] : st.mDstNode.data[m];
      },
      (m) => st.str(st.reason.data[st.mEndRow.data[m]]),
    );
    const boxOf = new Map(sc.nodes.map((n) => [n.idx, n.box]));
    const badges: Badge[] = [];
    for (const d of [...counts.values()].sort((a, b) => a.from - b.from || a.to - b.to)) {
      const A = boxOf.get(d.from);
      const B = boxOf.get(d.to);
      if (!A || !B) continue;
      const [x, y] = badgeSpot(A, B);
      const text = badgeText(d, st.str(st.nodeCodes[d.to]));
      const bw = measure(text) + 10;
      const b: Badge = { x: x - bw / 2, y: y - 8, w: bw, h: 16, drop: d, since: sinceOf(d.from, d.to) };
      // keep inside the sender's region, below its header, and off the badges placed before
      clampInto(b, { x: A.x + 3, y: A.y + HEADER + 2, w: A.w - 6, h: A.h - HEADER - 5 });
      for (let tries = 0; tries < 8 && badges.some((o) => overlaps(o, b)); tries++) b.y += 18;
      badges.push(b);
    }
    this.picture = { sides, since, segments, badges };
    return this.picture;
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
      const parts = sides.groups.map((g, i) => `${sideName(i)}: ${names(g)}`);
      const text = `✂ partition since t=${fmtT(since)}${sides.clean ? "" : " (partial)"} — each side reaches only itself · ${parts.join("  |  ")}`;
      ctx.font = font(11);
      const maxW = sc.width - 12;
      const tw = Math.min(maxW, ctx.measureText(text).width + 14);
      ctx.fillStyle = THEME.panel;
      ctx.fillRect(4, sc.height - 20, tw, 18);
      ctx.strokeStyle = PARTITION;
      ctx.lineWidth = 1;
      ctx.strokeRect(4, sc.height - 20, tw, 18);
      ctx.fillStyle = THEME.dark ? "#e5dbff" : "#5f3dc4";
      ctx.textAlign = "left";
      ctx.save();
      ctx.beginPath();
      ctx.rect(4, sc.height - 20, tw, 18);
      ctx.clip();
      ctx.fillText(text, 11, sc.height - 11);
      ctx.restore();
    }
    // one badge per link that lost messages
    ctx.font = font(11, true);
    for (const b of badges) {
      ctx.fillStyle = THEME.dark ? "#f1f3f5" : "#fff";
      ctx.strokeStyle = DROP;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.roundRect(b.x, b.y, b.w, b.h, 8);
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
  return `✕${fmtInt(d.count)} → ${to}`;
}

function clampInto(b: Rect, r: Rect): void {
  b.x = Math.max(r.x, Math.min(r.x + r.w - b.w, b.x));
  b.y = Math.max(r.y, Math.min(r.y + r.h - b.h, b.y));
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function fmtT(t: number): string {
  return Number.isFinite(t) ? String(Number(t.toFixed(3))) : "?";
}
