// What passes in the topology view: moments that flash (spawns, failures, restarts, a node
// going down or leaving), messages in flight and dropped messages.
import { K } from "./kinds";
import { DROP, EVENT_COLOR, STATUS_COLOR, THEME } from "./palette";
import type { Scene } from "./scene";
import { cross } from "./shapes";
import { line, roundRect } from "./canvas_paths";

/** Moments that flash, messages in flight and drops. */
export function paintTransient(ctx: CanvasRenderingContext2D, sc: Scene): void {

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
    const grow = m.r + 4 + 18 * m.age;
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
    ctx.arc(m.x, m.y, 3.5, 0, Math.PI * 2);
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
    cross(ctx, d.x, d.y, 3.5);
    ctx.strokeStyle = DROP;
    ctx.lineWidth = 1.8;
    cross(ctx, d.x, d.y, 3.5);
  }
  ctx.globalAlpha = 1;
}
