// Drop badges on the topology view: one count per link that lost messages, in rows under the
// sender's header (never on the borders, where crosses used to pile up), the links that do not
// fit sharing one last badge.
import type { Rect } from "./layout";
import { HEADER } from "./layout";
import { fmtInt } from "./lod";
import type { LinkDrop } from "./partition";
import { DROP, THEME } from "./palette";
import type { Scene } from "./scene";

const BADGE_H = 14;
/** Rows of drop badges under a region's header; more links share the last badge. */
const BADGE_ROWS = 2;
/** The badges' font: small, bold; the view measures with it. */
export const BADGE_FONT = "bold 10px system-ui, -apple-system, 'Liberation Sans', sans-serif";

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

/**
 * Where each link's badge goes: `counts` are the links' drops, `sinceOf` when a link's count
 * began, `measure` a text's width in BADGE_FONT, `name` a node's name.
 */
export function placeBadges(
  sc: Scene,
  counts: Iterable<LinkDrop>,
  boxOf: Map<number, Rect>,
  sinceOf: (a: number, b: number) => number,
  measure: (text: string) => number,
  name: (n: number) => string,
): Badge[] {
  const badges: Badge[] = [];
  // a row just under the sender's header, above its first row of glyphs (their names are
  // written below them), wrapping downwards: never on the borders, where crosses used to pile up
  const next = new Map<number, [number, number]>();
  // at most BADGE_ROWS rows per sender: the links that do not fit share one last badge
  const rest = new Map<number, LinkDrop[]>();
  for (const d of [...counts].sort((a, b) => a.from - b.from || a.to - b.to)) {
    const A = boxOf.get(d.from);
    if (!A || !boxOf.has(d.to)) continue;
    if (rest.has(d.from)) {
      rest.get(d.from)!.push(d);
      continue;
    }
    const bw = measure(badgeText(d, name(d.to))) + 8;
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
  return badges;
}

/** One badge per link that lost messages (the caller sets the text baseline to middle). */
export function paintBadges(ctx: CanvasRenderingContext2D, badges: Badge[], name: (n: number) => string): void {
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
    ctx.fillText(badgeLabel(b, name), b.x + b.w / 2, b.y + b.h / 2 + 0.5);
  }
}

export function badgeText(d: LinkDrop, to: string): string {
  return `✕${fmtInt(d.count)}→${to}`;
}

/** What a badge says: its link's count and receiver, or the count of the links it sums. */
export function badgeLabel(b: Badge, name: (n: number) => string): string {
  return b.more.length ? `✕${fmtInt(b.drop.count + b.more.reduce((n, d) => n + d.count, 0))}→${b.more.length + 1} more` : badgeText(b.drop, name(b.drop.to));
}
