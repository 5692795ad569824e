// Handler slices on their actors' lanes, as Perfetto draws a thread's slices: a bar per handler
// in its message type's colour, outlined red when it raised, dashed and running off the window
// while it has not ended. Above MAX_SLICES in a window, each lane shows instead the pixels in
// which some handler ran, as a green strip.
import { STATUS_COLOR, THEME } from "./palette";
import { MAX_SLICES, type PaintInput, type Plot, type SpacetimeHit } from "./spacetime_frame";

let scratch: Int32Array = new Int32Array(4096);

/** Draws the window's handlers; returns the slices in the window and how many were drawn one by one. */
export function paintHandlers(ctx: CanvasRenderingContext2D, p: PaintInput, P: Plot, hitS: SpacetimeHit["slices"]): { inWindow: number; drawn: number } {
  const { store: s, layout } = p;
  const { geom, rowY, firstRow, lastRow, plotX, plotW, xOf, rowsTop, scroll, dim } = P;
  const sl = p.slices;
  const [sbuf, sn] = sl.index.query(p.w0, p.w1, scratch);
  scratch = sbuf;
  let slicesDrawn = 0;
  if (sn <= MAX_SLICES) {
    for (let k = 0; k < sn; k++) {
      const i = scratch[k];
      const r = layout.rowOfActor[sl.actor[i]];
      if (r < firstRow || r > lastRow) continue;
      const lane = geom.height[r];
      const bh = Math.max(3, Math.min(12, lane * 0.5));
      const y = rowY(r);
      const x0 = Math.max(plotX, xOf(sl.start[i]));
      const open = !Number.isFinite(sl.end[i]);
      const x1 = Math.min(plotX + plotW, open ? plotX + plotW : Math.max(xOf(sl.end[i]), x0 + 1.5));
      const m = sl.msg[i];
      const cls = dim && m >= 0 ? p.causal!.msgClass[m] : 0;
      ctx.globalAlpha = dim ? (cls ? 0.9 : 0.15) : sl.start[i] > p.t ? 0.45 : 0.8;
      ctx.fillStyle = p.typeColor(sl.type[i]);
      ctx.fillRect(x0, y - bh / 2, x1 - x0, bh);
      if (open) {
        // still running (or hung): a dashed outline that runs off the window's edge
        ctx.setLineDash([3, 2]);
        ctx.strokeStyle = THEME.text;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y - bh / 2 + 0.5, x1 - x0 - 1, bh - 1);
        ctx.setLineDash([]);
        if (x1 - x0 > 140 && lane >= 18) {
          // say it in words: a dashed bar alone does not read as "has not returned"
          ctx.globalAlpha = 1;
          ctx.fillStyle = THEME.text;
          ctx.textAlign = "right";
          ctx.fillText(`${s.str(sl.type[i]) || "handler"} running since ${+sl.start[i].toFixed(6)} s, no end yet →`, x1 - 4, y - bh / 2 - 6);
        }
      } else if (sl.error[i]) {
        ctx.strokeStyle = STATUS_COLOR.failed;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(x0, y - bh / 2, x1 - x0, bh);
      }
      hitS.x0.push(x0);
      hitS.x1.push(x1);
      hitS.y.push(y);
      hitS.h.push(bh);
      hitS.i.push(i);
      slicesDrawn++;
    }
  } else {
    // too many to draw one by one: each lane shows the pixels in which a handler ran
    const cols = Math.ceil(plotW);
    const busy = new Map<number, Uint8Array>();
    for (let k = 0; k < sn; k++) {
      const i = scratch[k];
      const r = layout.rowOfActor[sl.actor[i]];
      if (r < firstRow || r > lastRow) continue;
      let cov = busy.get(r);
      if (!cov) busy.set(r, (cov = new Uint8Array(cols)));
      const a = Math.max(0, Math.floor(xOf(sl.start[i]) - plotX));
      const b = Math.min(cols - 1, Number.isFinite(sl.end[i]) ? Math.floor(xOf(sl.end[i]) - plotX) : cols - 1);
      for (let c = a; c <= b; c++) cov[c] = 1;
    }
    ctx.globalAlpha = dim ? 0.25 : 0.8;
    ctx.fillStyle = STATUS_COLOR.busy;
    ctx.beginPath();
    for (const [r, cov] of busy) {
      // a strip along the bottom of the row, clear of the traffic bars around the lane's line
      const bh = 3;
      const y = rowsTop + geom.top[r] - scroll + geom.height[r] - 2.5;
      for (let c = 0; c < cols; c++) {
        if (!cov[c]) continue;
        let e = c;
        while (e + 1 < cols && cov[e + 1]) e++;
        ctx.rect(plotX + c, y - bh, e - c + 1, bh);
        c = e;
      }
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  return { inWindow: sn, drawn: slicesDrawn };
}
