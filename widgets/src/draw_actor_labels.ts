// Actor names under the glyphs of the topology view.
import { fitLabels } from "./labels";
import { INK, THEME } from "./palette";
import type { Scene } from "./scene";
import type { TextBox } from "./zones";

/** A label's box is this tall (10 px text, centred on its y). */
const LABEL_H = 11;

/** Actor names under the glyphs: the distinguishing end when space is short, never overlapping. */
export function paintLabels(ctx: CanvasRenderingContext2D, sc: Scene, downNodes: Set<number>, texts: TextBox[]): void {
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
  // under a ring (restarting, hung) the name moves down by the ring's reach, so the ring does
  // not cross its letters
  const items = shown.map((a) => ({ id: a.id, x: a.x, y: a.y + a.r + 8 + (a.status === "restarting" || a.hung ? 4 : 0), maxW: Math.max(24, (cell.get(a.node) ?? 60) - 3) }));
  // clear of the texts already drawn (headers, flow counts, restart counts, badges)
  for (const l of fitLabels(items, measure, LABEL_H, 3, texts)) {
    ctx.fillStyle = downNodes.has(shown[l.idx].node) ? INK.downLabel : THEME.label;
    ctx.fillText(l.text, l.x, l.y);
    texts.push({ text: l.text, x: l.x - l.w / 2, y: l.y - LABEL_H / 2, w: l.w, h: LABEL_H, bold: false, ink: "label" });
  }
  ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
}

/** The boxes of the actors' names among `texts`. */
export function nameBoxes(texts: TextBox[]): TextBox[] {
  return texts.filter((t) => t.ink === "label");
}

/**
 * Clip what is drawn next to everywhere but the actors' names (each box and 1 px around it; any
 * text boxes, for the partition's curves):
 * a ring, a message or a curve passing a name breaks off at its letters instead of crossing
 * them, like a road under a town's name on a map. The caller saves and restores the context.
 */
export function clipOutNames(ctx: CanvasRenderingContext2D, names: TextBox[]): void {
  if (!names.length) return;
  ctx.beginPath();
  ctx.rect(-1e5, -1e5, 2e5, 2e5);
  // each name wound the other way, so the non-zero rule leaves it (and any overlap) out
  for (const b of names) ctx.rect(b.x + b.w + 1, b.y - 1, -(b.w + 2), b.h + 2);
  ctx.clip();
}
