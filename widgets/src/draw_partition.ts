// Partitions on the topology view: for as long as links are cut, each side's regions get an
// outline and a side letter in their colour, a dashed cut line runs between the sides, and each
// link that lost messages gets one count badge in the sender's region. A cut link inside a side
// (a partial partition: the two ends still reach each other through a third node) is a dashed
// curve between the two regions' headers, its ends get a chip naming the nodes they cannot
// reach, the bridging nodes a "bridge" chip, and the caption says who reaches whom through
// whom. Works out what to draw from the scene and the fold (cached per playhead), paints on top
// of the topology painter, answers hovers and publishes signals for tests; the sides, curves,
// chips, badges and caption are drawn by the partition_* files.
import type { MeshState } from "./fold";
import { N } from "./kinds";
import type { Rect } from "./layout";
import { fmtInt } from "./lod";
import { LinkDrops, cutSegments, partialCuts, partitionSides, sideName, type CutSegment, type PartialCut, type Sides } from "./partition";
import { arcMiddle, cutArcs, nearCurve, type CutArc } from "./partition_arcs";
import { paintBadges, placeBadges, type Badge } from "./partition_badges";
import { CHIP_FONT, chipWants, paintChips, placeHeaderChips, type HeaderChip } from "./partition_chip";
import { headerRooms } from "./draw_regions";
import { fmtT, paintCaption } from "./partition_caption";
import { paintPartial } from "./partition_partial";
import { paintSides } from "./partition_sides";
import type { Scene } from "./scene";
import type { EventStore } from "./store";
import type { TextBox } from "./zones";

// what other files import from here
export { BADGE_FONT, badgeText, type Badge } from "./partition_badges";
export { arcMiddle, cutArcs, type CutArc } from "./partition_arcs";
export { captionPlace } from "./partition_caption";
export { nodeList, nodeRuns, partialText, sideText } from "./partition_names";
export { sideColor } from "./partition_sides";

export interface PartitionPicture {
  sides: Sides | null;
  /** When the oldest cut still in force began. */
  since: number;
  segments: CutSegment[];
  badges: Badge[];
  /** Cut links inside a side, grouped, and their curves. */
  partial: PartialCut[];
  arcs: CutArc[];
  /** The chips at the headers' right ends (sides, cut ends, bridges), drawn and reported as placed. */
  chips: HeaderChip[];
}

export class PartitionLayer {
  private readonly drops: LinkDrops;
  picture: PartitionPicture = { sides: null, since: NaN, segments: [], badges: [], partial: [], arcs: [], chips: [] };
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
   * over the trailing `w` seconds, so after a heal the badges clear. `measure` is a text's width
   * in `font` (the badges' font when none is given).
   */
  build(sc: Scene, s: MeshState, t: number, w: number, measure: (text: string, font?: string) => number): PartitionPicture {
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
    const badges = placeBadges(sc, counts.values(), boxOf, sinceOf, measure, (n) => this.name(n));
    const partial = sides ? partialCuts(present, s.links, sides) : [];
    // every cut is drawn here (sides, cut line, curves): the scene's scissors per link go
    if (sides) sc.cuts = [];
    const wants = chipWants(sc, sides, partial, (n) => this.name(n));
    const chips = wants.size ? placeHeaderChips(headerRooms(sc, (font, text) => measure(text, font)), wants, (text) => measure(text, CHIP_FONT)) : [];
    this.picture = { sides, since, segments, badges, partial, arcs: cutArcs(partial, boxOf), chips };
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

  /** Paints the picture; `texts` (the texts drawn before) as paintPartial takes them. */
  paint(ctx: CanvasRenderingContext2D, sc: Scene, texts: TextBox[] = []): void {
    const { sides, segments, badges, partial, arcs } = this.picture;
    this.captionBox = null;
    this.captionLines = [];
    this.captionCut = false;
    ctx.save();
    ctx.textBaseline = "middle";
    const split = !!sides && sides.groups.length > 1;
    if (sides && split) paintSides(ctx, sc, sides, segments);
    const name = (n: number) => this.name(n);
    if (partial.length) paintPartial(ctx, sc, partial, arcs, split, texts);
    // the headers' chips over the curves, so a chip stays readable where a curve leaves its region
    paintChips(ctx, this.picture.chips);
    if (sides && (split || partial.length)) {
      const drawn = paintCaption(ctx, sc, sides, partial, this.picture.since, name);
      if (drawn) [this.captionBox, this.captionLines, this.captionCut] = [drawn.box, drawn.lines, drawn.cut];
    }
    paintBadges(ctx, badges, name);
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
