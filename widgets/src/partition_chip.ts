// Chips at the right end of a region's header: a side's letter ("side A"), whom a cut end cannot
// reach directly ("✂ n8–n14"), a bridge ("⇄ bridge"). One function places them for the frame;
// the partition layer draws what it placed and the view reports the same boxes (data-text-boxes)
// and ends the header's state word before them, so drawing and reporting cannot disagree.
import { HEADER, type Rect } from "./layout";
import type { PartialCut, Sides } from "./partition";
import { sideName } from "./partition";
import { cutChipForms } from "./partition_names";
import { BRIDGE, PARTITION, SIDE_COLOR, inkOn } from "./palette";
import type { Scene } from "./scene";
import type { TextBox } from "./zones";

export const CHIP_FONT = "bold 11px system-ui, -apple-system, 'Liberation Sans', sans-serif";
/** A chip is its text and 5 px either side (a letter alone 3 px: a square badge); chips sit 3 px
 * apart and 4 px from the header's end. */
const chipPad = (text: string) => (text.length <= 1 ? 6 : 10);
const SPACE = 3;
const INSET = 4;
/** A cut group's bridges are marked on their regions when there are at most this many (the
 * few nodes everything goes through); more are only named in the caption. */
export const BRIDGE_MARKS = 3;

/** A chip a region's header should carry: its forms from the most to the least telling. */
export interface ChipWant {
  forms: string[];
  colour: string;
  /** A side's letter: the same form in every region of the frame ("side A" or "A"). */
  side: boolean;
}

/** A region's header as its painter lays it out: where its name ends, how wide its state word is. */
export interface HeaderRoom {
  node: number;
  box: Rect;
  /** The x where the node's name ends (the state word starts 4 px after it). */
  nameEnd: number;
  /** The width of the state word in full, the least it takes ("maintenance"; "· maintenance"
   * where there is room). */
  stateW: number;
}

export interface HeaderChip {
  node: number;
  colour: string;
  box: TextBox;
}

/** The chips each region's header should carry, from its right end leftwards. */
export function chipWants(sc: Scene, sides: Sides | null, partial: PartialCut[], name: (n: number) => string): Map<number, ChipWant[]> {
  const out = new Map<number, ChipWant[]>();
  // zone cells have a name line, not a header: no chips (the outline and the caption say it)
  if (sc.zones && sc.zones.focus < 0) return out;
  const add = (n: number, w: ChipWant) => (out.get(n) ?? out.set(n, []).get(n)!).push(w);
  const split = !!sides && sides.groups.length > 1;
  const cannot = new Map<number, number[]>();
  for (const g of partial) {
    for (const [a, b] of g.pairs) {
      (cannot.get(a) ?? cannot.set(a, []).get(a)!).push(b);
      (cannot.get(b) ?? cannot.set(b, []).get(b)!).push(a);
    }
  }
  const bridges = new Set(partial.flatMap((g) => (g.via.length <= BRIDGE_MARKS ? g.via : [])));
  for (const n of sc.nodes) {
    const i = split ? sides!.sideOf.get(n.idx) : undefined;
    if (i !== undefined && i >= 0) add(n.idx, { forms: [`side ${sideName(i)}`, sideName(i)], colour: SIDE_COLOR[i % SIDE_COLOR.length], side: true });
    const peers = cannot.get(n.idx);
    if (peers) add(n.idx, { forms: cutChipForms(peers, name), colour: PARTITION, side: false });
    if (bridges.has(n.idx)) add(n.idx, { forms: ["⇄ bridge", "⇄"], colour: BRIDGE, side: false });
  }
  return out;
}

/**
 * Where the chips go. Each region's name and state word are read in full where the chips can
 * make room: first every side chip takes its letter alone (in every region, so the frame never
 * mixes "side A" and "A"), then a region's other chips take shorter forms, the widest first.
 * Only where the shortest chips still leave no room is the state word shortened (its painter
 * does that, before `headerEnds`); a chip with no room after the name is left out, the
 * leftmost (the least telling) first. `measure` is a text's width in CHIP_FONT.
 */
export function placeHeaderChips(rooms: HeaderRoom[], wants: Map<number, ChipWant[]>, measure: (text: string) => number): HeaderChip[] {
  const width = (ws: ChipWant[], idx: number[]) => ws.reduce((s, w, k) => s + measure(w.forms[idx[k]]) + chipPad(w.forms[idx[k]]) + (k ? SPACE : 0), 0);
  const right = (r: HeaderRoom) => r.box.x + r.box.w - INSET;
  // the state word in full ends SPACE before the chips
  const fitsFull = (r: HeaderRoom, ws: ChipWant[], idx: number[]) => r.nameEnd + 4 + r.stateW + SPACE <= right(r) - width(ws, idx);
  const sideShort = rooms.some((r) => {
    const ws = wants.get(r.node);
    return !!ws && ws.some((w) => w.side) && !fitsFull(r, ws, ws.map(() => 0));
  });
  const out: HeaderChip[] = [];
  for (const r of rooms) {
    let ws = wants.get(r.node);
    if (!ws?.length) continue;
    let idx = ws.map((w) => (w.side && sideShort ? w.forms.length - 1 : 0));
    while (!fitsFull(r, ws, idx)) {
      // the widest chip that has a shorter form takes it
      let k = -1;
      for (let j = 0; j < ws.length; j++) {
        if (ws[j].side || idx[j] + 1 >= ws[j].forms.length) continue;
        if (k < 0 || measure(ws[j].forms[idx[j]]) > measure(ws[k].forms[idx[k]])) k = j;
      }
      if (k < 0) break;
      idx[k]++;
    }
    // the name is never covered: chips that leave it no room go, the leftmost first
    while (ws.length && r.nameEnd + SPACE > right(r) - width(ws, idx)) {
      ws = ws.slice(0, -1);
      idx = idx.slice(0, -1);
    }
    let x = right(r);
    ws.forEach((w, k) => {
      const text = w.forms[idx[k]];
      const cw = measure(text) + chipPad(text);
      x -= cw;
      out.push({ node: r.node, colour: w.colour, box: { text, x, y: r.box.y + 4, w: cw, h: HEADER - 8, bold: true, ink: "chip" } });
      x -= SPACE;
    });
  }
  return out;
}

/** Where each region's header text must end: SPACE before its leftmost chip. */
export function headerEnds(chips: HeaderChip[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of chips) out.set(c.node, Math.min(out.get(c.node) ?? Infinity, c.box.x - SPACE));
  return out;
}

/** The chips as placed: text in the colour's ink on the colour (the caller sets the baseline to middle). */
export function paintChips(ctx: CanvasRenderingContext2D, chips: HeaderChip[]): void {
  ctx.font = CHIP_FONT;
  ctx.textAlign = "center";
  for (const c of chips) {
    const b = c.box;
    ctx.fillStyle = c.colour;
    ctx.fillRect(b.x, b.y, b.w, b.h);
    ctx.fillStyle = inkOn(c.colour);
    ctx.fillText(b.text, b.x + b.w / 2, b.y + b.h / 2);
  }
}
