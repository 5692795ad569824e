// The flat topology view's notes saying where detail was reduced (bottom right, in the room the
// scene keeps for them under the grid: scene_notes.ts's notesRoom).
import type { Rect } from "./layout";
import { INK } from "./palette";
import type { Scene } from "./scene";
import { NOTE_LINE } from "./scene_notes";
import { NOTES_FONT } from "./topology_fonts";
import type { TextBox } from "./zones";

/** Where the notes saying detail was reduced are drawn (bottom right), or null without notes;
 * the partition caption keeps clear of it. */
export function notesBox(ctx: CanvasRenderingContext2D, sc: Scene): Rect | null {
  if (!sc.lod.notes.length) return null;
  ctx.font = NOTES_FONT;
  const w = Math.max(...sc.lod.notes.map((n) => ctx.measureText(`aggregated: ${n}`).width)) + 12;
  const k = sc.lod.notes.length;
  return { x: sc.width - w - 4, y: sc.height - 6 - NOTE_LINE * k, w, h: NOTE_LINE * k + 2 };
}

/** Say when detail was reduced. */
export function paintNotes(ctx: CanvasRenderingContext2D, sc: Scene, texts: TextBox[]): void {
  const box = notesBox(ctx, sc);
  if (box) {
    ctx.font = NOTES_FONT;
    ctx.textAlign = "right";
    const lines = sc.lod.notes.map((n) => `aggregated: ${n}`);
    ctx.fillStyle = INK.noteFill;
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = INK.noteText;
    lines.forEach((l, i) => {
      const y = sc.height - 14 - NOTE_LINE * (lines.length - 1 - i);
      const w = ctx.measureText(l).width;
      ctx.fillText(l, sc.width - 10, y);
      texts.push({ text: l, x: sc.width - 10 - w, y: y - 7, w, h: 14, bold: false, ink: "note" });
    });
  }
}
