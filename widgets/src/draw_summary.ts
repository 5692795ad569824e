// A node's actors aggregated: a stacked bar of their statuses and their counts, inside the
// node's region.
import { fmtInt } from "./lod";
import { HUNG, INK, STATUS_COLOR, THEME } from "./palette";
import type { SceneNode } from "./scene";
import { widthOf } from "./text_width";
import { F_SMALL, F_TEXT } from "./topology_fonts";
import type { TextBox } from "./zones";

const SUMMARY_ORDER = ["busy", "idle", "restarting", "failed", "stopped"] as const;
// In a small region the counts that explain trouble come first.
const SUMMARY_URGENT = ["failed", "restarting", "busy", "stopped", "idle"] as const;

/** A node's actors as a stacked bar with their counts, clipped to the node's region: a roomy
 * region spells each status out, a small one shows coloured counts on one line, most urgent
 * first, so a summary never spills onto its neighbours. Each text's box (as far as the region
 * shows it) is added to `texts`. */
export function drawSummary(ctx: CanvasRenderingContext2D, n: SceneNode, texts: TextBox[]): void {
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
  // each text's box, as much of it as the clip lets show
  const put = (text: string, x: number, ty: number, px: number) => {
    const w = widthOf(ctx, px === 10 ? F_SMALL : F_TEXT, text);
    const box = { x, y: ty - px / 2 - 1, w, h: px + 2 };
    const x0 = clip ? Math.max(box.x, r.x) : box.x;
    const y0 = clip ? Math.max(box.y, r.y) : box.y;
    const x1 = clip ? Math.min(box.x + box.w, r.x + r.w) : box.x + box.w;
    const y1 = clip ? Math.min(box.y + box.h, r.y + r.h) : box.y + box.h;
    if (x1 > x0 && y1 > y0) texts.push({ text, x: x0, y: y0, w: x1 - x0, h: y1 - y0, bold: false, ink: "summary" });
    ctx.fillText(text, x, ty);
  };
  const swatch = (k: (typeof SUMMARY_ORDER)[number], at: number, ty: number, label: string) => {
    const side = roomy ? 9 : 7;
    ctx.fillStyle = STATUS_COLOR[k];
    ctx.fillRect(at, ty - side + 1, side, side);
    ctx.fillStyle = ink;
    put(label, at + side + 3, ty, roomy ? 12 : 10);
    return at + side + (roomy ? 11 : 7) + widthOf(ctx, roomy ? F_TEXT : F_SMALL, label);
  };
  if (roomy) {
    const ty = y + bh + 14;
    ctx.fillStyle = ink;
    put(`${fmtInt(total)} actors`, r.x, ty, 12);
    let x2 = r.x;
    for (const k of SUMMARY_ORDER) {
      if (!n.counts[k]) continue;
      const label = `${fmtInt(n.counts[k])} ${k}`;
      if (x2 + 12 + widthOf(ctx, F_TEXT, label) > right) break;
      x2 = swatch(k, x2, ty + 15, label);
    }
    if (n.hung) {
      ctx.fillStyle = HUNG;
      put(`⚠ ${fmtInt(n.hung)} hung`, r.x, ty + 32, 12);
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
