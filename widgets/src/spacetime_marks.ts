// Lifecycle marks on the space-time lanes: actor events (spawn, stop, ✕ failure, ○ restart) on
// the actor's row, node and link events on the node's band. A closed band draws one mark per
// kind and pixel, so 20,000 spawns at t = 0 are one dot; at most the latest LIMIT are drawn.
import { K } from "./kinds";
import { EVENT_COLOR, MARKER_COLOR, PARTITION, STATUS_COLOR } from "./palette";
import { cross } from "./shapes";
import type { PaintInput, Plot, SpacetimeHit } from "./spacetime_frame";

const LIMIT = 20000;

/** Draws the window's marks; returns whether some were left out (more than LIMIT). */
export function paintMarks(ctx: CanvasRenderingContext2D, p: PaintInput, P: Plot, hitM: SpacetimeHit["marks"]): boolean {
  const { store: s, layout } = p;
  const { rowY, firstRow, lastRow, plotX, plotW, xOf, dim } = P;
  const moms = s.momentsIn(p.w0, p.w1, LIMIT + 1);
  const marksCut = moms.length > LIMIT;
  const seen = new Set<number>();
  for (const row of marksCut ? moms.slice(-LIMIT) : moms) {
    const k = s.kind.data[row];
    let r = -1;
    if (k >= K.actor_spawn && k <= K.actor_restart) {
      const a = s.actorOf.get(s.actor.data[row]);
      r = a === undefined ? -1 : layout.rowOfActor[a];
    } else if (k <= K.node_state || k === K.link_down || k === K.link_up) {
      const nd = s.nodeOf.get(s.node.data[row]);
      r = nd === undefined ? -1 : layout.rowOfNode[nd];
    }
    if (r < firstRow || r > lastRow) continue;
    const t = s.t.data[row];
    const x = xOf(t);
    if (x < plotX - 5 || x > plotX + plotW + 5) continue;
    const y = rowY(r);
    // a closed band draws one mark per kind and pixel: 20,000 spawns at t = 0 are one dot
    const key = (r * 4096 + Math.round(x)) * 32 + k;
    if (seen.has(key)) continue;
    seen.add(key);
    ctx.globalAlpha = dim ? 0.3 : t > p.t ? 0.3 : 1;
    if (p.causal) {
      const a = layout.rows[r].actor;
      const pos = s.posOf(row);
      if (a >= 0 && (pos <= p.causal.past[a] || pos >= p.causal.future[a])) ctx.globalAlpha = 1;
    }
    drawMark(ctx, k, x, y);
    hitM.x.push(x);
    hitM.y.push(y);
    hitM.row.push(row);
  }
  ctx.globalAlpha = 1;
  return marksCut;
}

function drawMark(ctx: CanvasRenderingContext2D, k: number, x: number, y: number): void {
  if (k === K.actor_fail || k === K.node_down) {
    ctx.strokeStyle = k === K.node_down ? MARKER_COLOR.node_down : STATUS_COLOR.failed;
    ctx.lineWidth = 2.5;
    cross(ctx, x, y, 5);
  } else if (k === K.actor_restart || k === K.node_up) {
    ctx.strokeStyle = STATUS_COLOR.restarting;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, Math.PI * 2);
    ctx.stroke();
  } else if (k === K.actor_spawn || k === K.node_join) {
    ctx.fillStyle = EVENT_COLOR.spawn;
    ctx.beginPath();
    ctx.arc(x, y, 3.5, 0, Math.PI * 2);
    ctx.fill();
  } else if (k === K.link_down || k === K.link_up) {
    ctx.fillStyle = PARTITION;
    ctx.fillRect(x - 1.5, y - 7, 3, 14);
  } else if (k === K.actor_stop || k === K.node_leave) {
    ctx.fillStyle = EVENT_COLOR.stop;
    ctx.fillRect(x - 1.5, y - 6, 3, 12);
  }
}
