// Node regions of the topology view drawn one by one: their fills and borders batched by style,
// a dead node's cross, the headers (name and state) and, when actors are aggregated, each
// node's summary.
import { GAP, HEADER } from "./layout";
import { INK, NODE_STYLE, THEME } from "./palette";
import type { Scene, SceneNode } from "./scene";
import { cross } from "./shapes";
import { widthOf } from "./text_width";
import { roundRectPath } from "./canvas_paths";
import { drawSummary } from "./draw_summary";
import type { PaintOptions } from "./draw_topology";
import { F_NAME, F_TEXT } from "./topology_fonts";
import type { TextBox } from "./zones";
import type { HeaderRoom } from "./partition_chip";

/** Where a region's header text starts, and the gap between its name and its state word. */
const NAME_X = 8;
const STATE_GAP = 4;

/** Node regions drawn one by one: header, summary or actor glyphs. */
export function paintRegions(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions, texts: TextBox[]): void {
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
    if (NAME_X + w > n.box.w + GAP / 2 - 1) {
      ends.push(Infinity);
      continue;
    }
    ctx.fillStyle = NODE_STYLE[n.state].text;
    ctx.fillText(n.name, n.box.x + NAME_X, n.box.y + HEADER / 2 + 1);
    texts.push({ text: n.name, x: n.box.x + NAME_X, y: n.box.y + 4, w, h: HEADER - 8, bold: true, ink: "cell" });
    ends.push(n.box.x + NAME_X + w + STATE_GAP);
  }
  ctx.font = F_TEXT;
  sc.nodes.forEach((n, i) => {
    // the state word before the header's chips: cut short ("· maint…") only where the chips,
    // at their shortest, leave no room for it in full
    const label = stateWord(n.label, (o.headerEnd?.get(n.idx) ?? n.box.x + n.box.w - 4) - ends[i], (t) => widthOf(ctx, F_TEXT, t));
    if (!label) return;
    const lw = widthOf(ctx, F_TEXT, label);
    ctx.fillStyle = NODE_STYLE[n.state].text;
    ctx.fillText(label, ends[i], n.box.y + HEADER / 2 + 1);
    texts.push({ text: label, x: ends[i], y: n.box.y + 4, w: lw, h: HEADER - 8, bold: false, ink: "cell" });
  });

  // aggregated actors: one stacked bar per node, and its counts, kept inside the region
  if (sc.lod.aggregateActors) {
    for (const n of sc.nodes) drawSummary(ctx, n, texts);
  }
}


/**
 * Each region's header as paintRegions lays it out (where the name ends, the state word's full
 * width), for the partition layer to place its chips after: `measure` is a text's width in a font.
 */
export function headerRooms(sc: Scene, measure: (font: string, text: string) => number): HeaderRoom[] {
  return sc.nodes.map((n) => ({ node: n.idx, box: n.box, nameEnd: n.box.x + NAME_X + measure(F_NAME, n.name), stateW: measure(F_TEXT, n.label) }));
}

/**
 * A region's state word in `room` px: "· maintenance", else the word alone (the bold name
 * before it sets it apart), else, as a last resort, its start and an ellipsis ("maint…", at
 * least two letters), else "" (the region's colours still say its state).
 */
export function stateWord(label: string, room: number, measure: (text: string) => number): string {
  for (const t of [`· ${label}`, label]) if (measure(t) <= room) return t;
  for (let k = label.length - 1; k >= 2; k--) {
    const t = `${label.slice(0, k)}…`;
    if (measure(t) <= room) return t;
  }
  return "";
}
