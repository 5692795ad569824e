// Actor glyphs of the topology view: status fill or outline, the restarting ring, the crash
// cross, the hung ring and hourglass, the handler-error badge, selection and restart counts,
// then the actors' names.
import { EVENT_COLOR, HANDLER_ERROR, HUNG, INK, inkOn, STATUS_COLOR, THEME, VIEW } from "./palette";
import type { Scene } from "./scene";
import { cross } from "./shapes";
import { paintLabels } from "./draw_actor_labels";
import type { PaintOptions } from "./draw_topology";
import { widthOf } from "./text_width";
import { overlaps, type TextBox } from "./zones";

const F_BADGE = "bold 8px system-ui, 'Liberation Sans', sans-serif";
const F_RESTARTS = "bold 10px system-ui, 'Liberation Sans', sans-serif";

/**
 * Actor glyphs with their marks and labels. Each text (a handler error's "!", a restart count,
 * a name) goes where it runs into no text already drawn, and is added to `texts`: where glyphs
 * crowd (2,000 actors) a restart count with no room is left to the dashed ring, the inspector
 * and the table.
 */
export function paintActors(ctx: CanvasRenderingContext2D, sc: Scene, o: PaintOptions, texts: TextBox[]): void {
  const labels = sc.actors.length <= 80;
  const restarts: TextBox[] = [];
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
    const badge = { text: "!", x: a.x + r * 0.8 - 4.5, y: a.y + r * 0.8 - 4.5, w: 9, h: 9, bold: true, ink: "badge" };
    if (a.errors > 0 && r >= 4 && !texts.some((t) => overlaps(t, badge))) {
      // a handler raised and the actor lived on: a small red "!" badge
      texts.push(badge);
      const bx = a.x + r * 0.8;
      const by = a.y + r * 0.8;
      ctx.fillStyle = HANDLER_ERROR;
      ctx.beginPath();
      ctx.arc(bx, by, 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = inkOn(HANDLER_ERROR);
      ctx.font = F_BADGE;
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
      const text = `↻${a.restarts}`;
      restarts.push({ text, x: a.x + r + 1, y: a.y - r - 5, w: widthOf(ctx, F_RESTARTS, text), h: 10, bold: true, ink: "restarting" });
    }
  }
  // restart counts over the glyphs, each where it runs into no other text
  ctx.font = F_RESTARTS;
  ctx.textAlign = "left";
  ctx.fillStyle = EVENT_COLOR.restartCount;
  for (const t of restarts) {
    if (texts.some((p) => overlaps(p, t))) continue;
    texts.push(t);
    ctx.fillText(t.text, t.x, t.y + 5);
  }
  ctx.font = "12px system-ui, 'Liberation Sans', sans-serif";
  if (labels) paintLabels(ctx, sc, downNodes, texts);
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
