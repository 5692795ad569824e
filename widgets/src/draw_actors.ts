// Actor glyphs of the topology view: status fill or outline, the restarting ring, the crash
// cross, the hung ring and hourglass, the handler-error badge, selection and restart counts,
// then the actors' names.
import { EVENT_COLOR, HANDLER_ERROR, HUNG, INK, inkOn, STATUS_COLOR, THEME, VIEW } from "./palette";
import type { Scene } from "./scene";
import { cross } from "./shapes";
import { paintLabels } from "./draw_actor_labels";
import type { PaintOptions } from "./draw_topology";

/** Actor glyphs with their marks and labels. */
export function paintActors(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions): void {
  const labels = sc.actors.length <= 80;
  const downNodes = new Set(sc.nodes.filter((n) => n.state === "down").map((n) => n.idx));
  for (const a of sc.actors) {
    const r = a.r;
    // A restarting actor waits for its restart (the dashed orange ring): red with a ✕ if its
    // life ended in a crash, hollow like a clean stop if its supervisor shut it down.
    const shutDown = a.status === "restarting" && !a.crashed;
    ctx.fillStyle = a.status === "restarting" ? STATUS_COLOR.failed : (STATUS_COLOR[a.status] ?? VIEW.noStatus);
    ctx.beginPath();
    if (a.system) ctx.rect(a.x - r, a.y - r, 2 * r, 2 * r);
    else ctx.arc(a.x, a.y, r, 0, Math.PI * 2);
    if (a.status === "stopped" || shutDown) {
      ctx.strokeStyle = STATUS_COLOR.stopped;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    } else ctx.fill();
    if (a.status === "restarting") {
      ctx.strokeStyle = STATUS_COLOR.restarting;
      ctx.setLineDash([3, 2]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 3, 0, Math.PI * 2);
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (a.crashed && (a.status === "failed" || a.status === "restarting") && r >= 4) {
      ctx.strokeStyle = INK.onMark;
      ctx.lineWidth = Math.max(1.5, r / 4);
      cross(ctx, a.x, a.y, r * 0.45);
    }
    if (a.hung) {
      // hung: a thick raspberry ring and an hourglass, legible at any glyph size
      ctx.strokeStyle = HUNG;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 2.5, 0, Math.PI * 2);
      ctx.stroke();
      hourglass(ctx, a.x - r - 2, a.y - r - 2, Math.max(4, Math.min(7, r * 0.6)));
    }
    if (a.errors > 0 && r >= 4) {
      // a handler raised and the actor lived on: a small red "!" badge
      const bx = a.x + r * 0.8;
      const by = a.y + r * 0.8;
      ctx.fillStyle = HANDLER_ERROR;
      ctx.beginPath();
      ctx.arc(bx, by, 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = inkOn(HANDLER_ERROR);
      ctx.font = "bold 8px system-ui, 'Liberation Sans', sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("!", bx, by + 0.5);
      ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
    }
    if (a.idx === o.selectedActor || a.idx === o.hoverActor) {
      ctx.strokeStyle = a.idx === o.selectedActor ? THEME.select : THEME.muted;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(a.x, a.y, r + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (a.restarts > 0 && r >= 3) {
      ctx.font = "bold 10px system-ui, 'Liberation Sans', sans-serif";
      ctx.textAlign = "left";
      ctx.fillStyle = EVENT_COLOR.restartCount;
      ctx.fillText(`↻${a.restarts}`, a.x + r + 1, a.y - r);
      ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
    }
  }
  if (labels) paintLabels(ctx, sc, downNodes);
}

/** A small hourglass centred at (x, y), `h` tall: the mark of a hung actor. */
function hourglass(ctx: CanvasRenderingContext2D, x: number, y: number, h: number): void {
  const w = h * 0.8;
  // filled with the ground's halo: the outline in the hung colour is what stands out
  ctx.fillStyle = THEME.halo;
  ctx.strokeStyle = HUNG;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x - w / 2, y - h / 2);
  ctx.lineTo(x + w / 2, y - h / 2);
  ctx.lineTo(x - w / 2, y + h / 2);
  ctx.lineTo(x + w / 2, y + h / 2);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}
