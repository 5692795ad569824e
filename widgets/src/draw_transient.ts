// What passes in the topology view: moments that flash (spawns, failures, restarts, a node
// going down or leaving), messages in flight and dropped messages. Drawn after the actors'
// names and never over them: a drop's cross steps off a name, the rest break off at its letters.
import { K } from "./kinds";
import { DROP, EVENT_COLOR, STATUS_COLOR, THEME } from "./palette";
import type { Scene } from "./scene";
import { cross } from "./shapes";
import { line, roundRect } from "./canvas_paths";
import { clipOutNames } from "./draw_actor_labels";
import type { Rect } from "./layout";
import type { TextBox } from "./zones";

/** A drop's cross reaches this far from its centre (3.5 px arms under a 4 px halo). */
const DROP_REACH = 5.5;
/** A moment's ring grows from the glyph's edge by this much over its life. */
const RING_GROW = 18;
/** A message in flight is a dot this wide, with a 1 px halo. */
const MSG_REACH = 4;

/** The radius of a moment's ring (or a failure's burst) at its age. */
function ringRadius(m: { r: number; age: number }): number {
  return m.r + 4 + RING_GROW * m.age;
}

const meets = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const dropBox = (x: number, y: number): Rect => ({ x: x - DROP_REACH, y: y - DROP_REACH, w: 2 * DROP_REACH, h: 2 * DROP_REACH });

/**
 * A drop's cross that would cover an actor's name steps just above or below it (the nearer
 * side), so the name stays whole and the cross is still seen where the message was lost; the
 * scene's position moves with it, so hovering the cross finds it. At most a few steps (a cross
 * between two names' rows stays where the last one put it).
 */
export function dropsClearOfNames(sc: Scene, names: TextBox[]): void {
  for (const d of sc.drops) {
    for (let step = 0; step < 3; step++) {
      const n = names.find((b) => meets({ x: b.x - 1, y: b.y - 1, w: b.w + 2, h: b.h + 2 }, dropBox(d.x, d.y)));
      if (!n) break;
      d.y = d.y < n.y + n.h / 2 ? n.y - 1 - DROP_REACH : n.y + n.h + 1 + DROP_REACH;
    }
  }
}

/**
 * Where each passing mark is drawn, as boxes ("ring", "burst", "message", "drop"): published
 * with the names' boxes so a test can check the names against them. A node's ring runs along
 * its region's border, away from actors' names, and is not listed.
 */
export function markBoxes(sc: Scene): TextBox[] {
  const out: TextBox[] = [];
  const box = (text: string, x: number, y: number, reach: number) => out.push({ text, x: x - reach, y: y - reach, w: 2 * reach, h: 2 * reach, bold: false, ink: "mark" });
  for (const m of sc.moments) if (!m.box) box(m.kind === K.actor_fail ? "burst" : "ring", m.x, m.y, ringRadius(m) + 1.25);
  for (const m of sc.msgs) box("message", m.x, m.y, MSG_REACH);
  for (const d of sc.drops) box("drop", d.x, d.y, DROP_REACH);
  return out;
}

/** Moments that flash, messages in flight and drops, none over the actors' names (`names`). */
export function paintTransient(ctx: CanvasRenderingContext2D, sc: Scene, names: TextBox[] = []): void {
  dropsClearOfNames(sc, names);
  ctx.save();
  clipOutNames(ctx, names);
  // moments: rings that grow and fade, so spawns, failures and restarts are seen happening
  for (const m of sc.moments) {
    const fade = 1 - m.age;
    if (m.box) {
      const color = m.kind === K.node_down ? EVENT_COLOR.nodeDown : m.kind === K.node_leave ? EVENT_COLOR.nodeLeave : EVENT_COLOR.spawn;
      ctx.strokeStyle = color;
      ctx.globalAlpha = fade;
      ctx.lineWidth = 2 + 6 * fade;
      roundRect(ctx, { x: m.box.x - 3, y: m.box.y - 3, w: m.box.w + 6, h: m.box.h + 6 }, 10);
      ctx.stroke();
      ctx.globalAlpha = 1;
      continue;
    }
    const grow = ringRadius(m);
    ctx.globalAlpha = fade;
    ctx.lineWidth = 2.5;
    if (m.kind === K.actor_fail) {
      ctx.strokeStyle = STATUS_COLOR.failed;
      for (let i = 0; i < 8; i++) {
        const ang = (i * Math.PI) / 4;
        ctx.beginPath();
        ctx.moveTo(m.x + Math.cos(ang) * (m.r + 2), m.y + Math.sin(ang) * (m.r + 2));
        ctx.lineTo(m.x + Math.cos(ang) * grow, m.y + Math.sin(ang) * grow);
        ctx.stroke();
      }
    } else {
      ctx.strokeStyle = m.kind === K.actor_spawn ? EVENT_COLOR.spawn : m.kind === K.actor_restart ? EVENT_COLOR.restart : EVENT_COLOR.stop;
      ctx.beginPath();
      ctx.arc(m.x, m.y, grow, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  // messages in flight
  for (const m of sc.msgs) {
    ctx.strokeStyle = m.color;
    ctx.globalAlpha = 0.45;
    ctx.lineWidth = 2;
    line(ctx, { x0: m.tx, y0: m.ty, x1: m.x, y1: m.y });
    ctx.globalAlpha = 1;
    ctx.fillStyle = m.color;
    ctx.beginPath();
    ctx.arc(m.x, m.y, MSG_REACH - 0.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = THEME.halo;
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  // drops: a small dark cross on the link where the message was lost, with a white halo, fading
  // (a failed actor is a white cross on a red glyph: the two must not be confused)
  for (const d of sc.drops) {
    ctx.globalAlpha = 1 - 0.8 * d.age;
    ctx.strokeStyle = THEME.halo;
    ctx.lineWidth = 4;
    cross(ctx, d.x, d.y, DROP_REACH - 2);
    ctx.strokeStyle = DROP;
    ctx.lineWidth = 1.8;
    cross(ctx, d.x, d.y, DROP_REACH - 2);
  }
  ctx.globalAlpha = 1;
  ctx.restore();
}
