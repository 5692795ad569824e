// The space-time view: nodes as bands of actor lanes, messages as arrows, handlers as slices.
// The window starts at the trace's start and stays put while the playhead moves inside it; the
// wheel zooms time around the pointer, shift+wheel scrolls the rows. A click on a band's title
// opens or closes it, on a lane's name selects its actor; a click on an arrow, a slice or a mark
// puts that message or event in focus and colours its causal past and future; a click on empty
// plot clears the focus and moves the playhead there.
import { advanceCausal, CausalIndex, causalOfEvent, causalOfMessage, type CausalSet } from "./causal";
import { K } from "./kinds";
import { typeColor } from "./palette";
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { LABEL_W, paintSpacetime, placeWindow, type SpacetimeHit } from "./spacetime";
import { SpacetimeData } from "./spacetime_data";
import { layoutLanes, stepRows, type LaneLayout, type LaneMode } from "./spacetime_lanes";

type Focus = { kind: "message"; m: number } | { kind: "event"; actor: number; row: number };

class SpacetimeRenderer implements Renderer {
  /** The space-time view does not fold: the inspector folds to the playhead itself. */
  readonly foldsToPlayhead = false;
  private hit: SpacetimeHit | null = null;
  private span = 0; // window width in seconds, 0 = the default
  private w0: number | null = null;
  private scroll = 0;
  /** The wheel placed the window: it stays while the playhead does not move. */
  private userWindow = false;
  private lastT = NaN;
  private data: SpacetimeData | null = null;
  private layout: LaneLayout | null = null;
  private layoutKey = "";
  private toggled = new Set<number>();
  private toggledMode: LaneMode | null = null;
  private causalIx: CausalIndex | null = null;
  private focus: Focus | null = null;
  private causal: CausalSet | null = null;

  constructor(private readonly cx: ViewContext) {}

  /** The indexes, with the rows that arrived since the last frame appended (spacetime_data). */
  private dataNow(): SpacetimeData {
    const s = this.cx.store;
    if (!this.data) this.data = new SpacetimeData(s);
    else if (this.data.update()) {
      // the causal index grows with the rows too; one that cannot (rows folding before those
      // it read) is built again when next needed
      if (this.causalIx && !this.causalIx.extend()) this.causalIx = null;
      // the same focus over the grown trace: carried over the new rows, or computed anew
      if (this.focus && !(this.causalIx && this.causal && advanceCausal(this.causalIx, this.causal))) {
        this.causal = this.computeCausal(this.focus);
      }
    }
    return this.data;
  }

  private defaultSpan(): number {
    const s = this.cx.store;
    const full = Math.max(1e-9, s.t1 - s.t0);
    return full / 6;
  }

  private computeCausal(f: Focus): CausalSet {
    const s = this.cx.store;
    if (this.causalIx?.built !== s.n && !this.causalIx?.extend()) this.causalIx = new CausalIndex(s);
    return f.kind === "message" ? causalOfMessage(this.causalIx, f.m) : causalOfEvent(this.causalIx, f.actor, f.row);
  }

  paint(f: Frame): void {
    const { store, builder, ctl, root } = this.cx;
    const d = this.dataNow();
    const mode = ctl.lanes();
    if (mode !== this.toggledMode) {
      this.toggled.clear(); // a new lane mode starts from its own default
      this.toggledMode = mode;
    }
    const key = `${d.lanesVersion}|${mode}|${f.filters.hideSystem}|${f.filters.actorClass}|${[...this.toggled].join(",")}|${f.metaNodes.join(",")}`;
    if (key !== this.layoutKey || !this.layout) {
      this.layout = layoutLanes(store, f.filters, mode, f.metaNodes, this.toggled, d.home);
      this.layoutKey = key;
    }
    const layout = this.layout;
    const span = this.span > 0 ? this.span : Math.max(this.defaultSpan(), 1e-6);
    if (!(this.userWindow && f.t === this.lastT)) {
      this.w0 = placeWindow(this.w0, span, f.t, store.t0, store.t1);
      this.userWindow = false;
    }
    this.lastT = f.t;
    const w0 = this.w0 ?? store.t0;
    const selRow = f.selectedActor >= 0 ? layout.rowOfActor[f.selectedActor] : f.selectedNode >= 0 ? layout.rowOfNode[f.selectedNode] : -1;
    const typeCode = f.filters.msgType ? store.strings.indexOf(f.filters.msgType) : -2;
    this.hit = paintSpacetime({
      ctx: f.ctx,
      store,
      width: f.w,
      height: f.h,
      t: f.t,
      w0,
      w1: w0 + span,
      layout,
      scroll: this.scroll,
      messages: d.messages,
      slices: d.slices,
      typeColor: (code: number) => typeColor(builder.typeIndex(store, code)),
      msgType: typeCode,
      selectedRow: selRow,
      causal: this.causal,
      focusLabel: this.focusLabel(),
      focusShort: this.focusLabel(true),
      captionLines: this.hit?.captionLines,
    });
    this.scroll = this.hit.scroll;
    this.publish(root, this.hit);
  }

  /** data-* signals for tests and benchmarks: what the frame holds, and the causal focus. */
  private publish(root: HTMLElement, h: SpacetimeHit): void {
    const ds = root.dataset;
    const s = this.cx.store;
    ds.stMessages = String(h.messages);
    ds.stDrawn = String(h.drawn);
    ds.stBundled = h.bundled ? "1" : "0";
    ds.stSlices = String(h.slicesInWindow);
    ds.stRows = String(h.layout.rows.length);
    // the caption's lines, and 1 when any of it had to be cut with … (tests fail on that)
    ds.stCaptionLines = String(h.captionLines);
    ds.stCaptionCut = h.captionCut ? "1" : "0";
    ds.stCaption = h.caption;
    ds.stCaptionTip = h.captionTip;
    // how far the rows scroll: 0 when every row is in view
    ds.stMaxScroll = String(Math.round(h.maxScroll));
    // the rows drawn (whole ones only): first, last, their top and bottom, and where the lanes
    // area ends (tests hold every drawn row inside it and the caption's "rows a–b" to them)
    const edge = (r: number, end: number) => (r >= 0 && r < h.geom.top.length ? h.rowsTop + h.geom.top[r] + end * h.geom.height[r] - h.scroll : -1);
    ds.stSight = [h.firstRow, h.lastRow, edge(h.firstRow, 0), edge(h.lastRow, 1), h.rowsBottom, edge(h.lastRow + 1, 1)].map((v) => Math.round(v * 10) / 10).join(",");
    ds.stWindow = `${h.tOf(h.plotX)} ${h.tOf(h.plotX + h.plotW)} ${h.plotX} ${h.plotX + h.plotW}`;
    // row geometry while it is small enough to read: [kind, label, y, open]
    ds.stRowsAt =
      h.layout.rows.length <= 300
        ? JSON.stringify(h.layout.rows.map((r, i) => [r.kind, r.label, Math.round(h.rowY(i) * 10) / 10, r.open]))
        : "";
    // a bundled frame's bars, per row: [label, sent, of them past, future, received, past, future]
    if (h.bars && h.layout.rows.length <= 300) {
      ds.stBars = JSON.stringify([...h.bars].sort((a, b) => a[0] - b[0]).map(([r, v]) => [h.layout.rows[r].label, ...v]));
    } else delete ds.stBars;
    const c = this.causal;
    if (!c) {
      delete ds.stFocusDrawn;
      delete ds.stCausal;
      delete ds.stPast;
      delete ds.stFuture;
      delete ds.stPastIds;
      delete ds.stFutureIds;
      return;
    }
    ds.stCausal = this.focus?.kind === "message" ? `message ${s.msgId.data[s.mSendRow.data[c.message]]}` : `row ${c.row}`;
    // the message in focus is drawn whenever it is in the window, bundled or not
    ds.stFocusDrawn = c.message >= 0 && h.arrows.m.includes(c.message) ? "1" : "0";
    ds.stPast = String(c.pastCount);
    ds.stFuture = String(c.futureCount);
    if (c.pastCount + c.futureCount <= 20000) {
      const past: number[] = [];
      const fut: number[] = [];
      for (let m = 0; m < c.msgClass.length; m++) {
        if (c.msgClass[m] === 1) past.push(s.msgId.data[s.mSendRow.data[m]]);
        else if (c.msgClass[m] === 2) fut.push(s.msgId.data[s.mSendRow.data[m]]);
      }
      ds.stPastIds = past.join(" ");
      ds.stFutureIds = fut.join(" ");
    }
  }

  /** The focus's name; `short`: a message without its ends (its arrow is drawn, the tooltip names them). */
  private focusLabel(short = false): string {
    const s = this.cx.store;
    const f = this.focus;
    if (!f) return "";
    const name = (a: number) => (a >= 0 ? s.str(s.actorCodes[a]) : "?");
    if (f.kind === "message") {
      const row = s.mSendRow.data[f.m];
      const what = `message ${s.msgId.data[row]} (${s.str(s.mType.data[f.m]) || "?"})`;
      return short ? what : `${what} ${name(s.mSrc.data[f.m])} → ${name(s.mDst.data[f.m])}`;
    }
    const k = s.kind.data[f.row];
    const what = k === K.msg_handle || k === K.handler_start ? `handler ${s.str(s.msgType.data[f.row])}` : KIND_WORD[k] ?? "event";
    return `${what} of ${name(f.actor)} at ${+s.t.data[f.row].toFixed(6)} s`;
  }

  actorAt(): number {
    return -1;
  }

  /** What lies under (x, y): a row's label, a mark, an arrow or a slice. */
  private pick(x: number, y: number): { row?: number; mark?: number; msg?: number; slice?: number } | null {
    const h = this.hit;
    if (!h || y < h.rowsTop || y > h.rowsBottom) return null;
    if (x < LABEL_W) {
      for (let r = h.firstRow; r <= h.lastRow; r++) {
        const top = h.rowsTop + h.geom.top[r] - h.scroll;
        if (y >= top && y < top + h.geom.height[r]) return { row: r };
      }
      return null;
    }
    const M = h.marks;
    for (let i = M.x.length - 1; i >= 0; i--) if (Math.abs(M.x[i] - x) <= 6 && Math.abs(M.y[i] - y) <= 6) return { mark: M.row[i] };
    const A = h.arrows;
    let best = -1;
    let bestD = 4.5;
    for (let i = 0; i < A.m.length; i++) {
      const d = segDist(x, y, A.x0[i], A.y0[i], A.x1[i], A.y1[i]);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) return { msg: A.m[best] };
    const S = h.slices;
    for (let i = S.i.length - 1; i >= 0; i--) {
      if (x >= S.x0[i] - 2 && x <= S.x1[i] + 2 && Math.abs(y - S.y[i]) <= S.h[i] / 2 + 2) return { slice: S.i[i] };
    }
    return null;
  }

  tip(x: number, y: number): string {
    const h = this.hit;
    // the caption: every statement in full (a compact caption leaves legends and how-tos here)
    if (h && y >= h.captionTop) return h.captionTip;
    const hit = this.pick(x, y);
    if (!h || !hit) return "";
    const s = this.cx.store;
    const name = (a: number) => (a >= 0 ? s.str(s.actorCodes[a]) : "?");
    const sec = (t: number) => `${+t.toFixed(6)} s`;
    if (hit.row !== undefined) {
      const r = h.layout.rows[hit.row];
      if (r.kind === "actor") return r.label;
      return `${r.label}: ${r.count.toLocaleString("en-US")} actors, click to ${r.open ? "close" : "open"} the band`;
    }
    if (hit.mark !== undefined) {
      const row = hit.mark;
      const k = s.kind.data[row];
      const who = s.actor.data[row] >= 0 ? s.str(s.actor.data[row]) : s.str(s.node.data[row]);
      const why = s.str(s.reason.data[row]);
      return `${KIND_WORD[k] ?? "event"} ${who} at ${sec(s.t.data[row])}${why ? ` (${why})` : ""}`;
    }
    if (hit.msg !== undefined) {
      const m = hit.msg;
      const end = s.mEndRow.data[m] >= 0 ? (s.mDropped.data[m] ? `dropped at ${sec(s.mEnd.data[m])}` : `received ${sec(s.mEnd.data[m])}`) : "in flight";
      const many = h.bundled ? " (one of a bundle; zoom in for each)" : "";
      return `${s.str(s.mType.data[m]) || "message"} ${name(s.mSrc.data[m])} → ${name(s.mDst.data[m])}, sent ${sec(s.mStart.data[m])}, ${end}${many}; click for its causal past and future`;
    }
    const sl = this.data!.slices;
    const i = hit.slice as number;
    const end = Number.isFinite(sl.end[i]) ? `to ${sec(sl.end[i])} (${+((sl.end[i] - sl.start[i]) * 1000).toFixed(3)} ms)` : "still running at the end of the trace";
    return `handler ${s.str(sl.type[i]) || "?"} on ${name(sl.actor[i])} from ${sec(sl.start[i])} ${end}${sl.error[i] ? ", raised" : ""}`;
  }

  click(x: number, y: number): void {
    const h = this.hit;
    if (!h) return;
    const { ctl } = this.cx;
    const hit = this.pick(x, y);
    if (hit?.row !== undefined) {
      const r = h.layout.rows[hit.row];
      if (r.kind === "actor") return ctl.selectActor(r.actor);
      // a band's title opens or closes it
      if (this.toggled.has(r.node)) this.toggled.delete(r.node);
      else this.toggled.add(r.node);
      if (r.node >= 0) ctl.selectNode(r.node);
      return this.cx.invalidate();
    }
    if (x < LABEL_W) return;
    let focus: Focus | null = null;
    const s = this.cx.store;
    if (hit?.msg !== undefined) focus = { kind: "message", m: hit.msg };
    else if (hit?.slice !== undefined) {
      const sl = this.data!.slices;
      focus = { kind: "event", actor: sl.actor[hit.slice], row: sl.row[hit.slice] };
    } else if (hit?.mark !== undefined) {
      const a = s.actorOf.get(s.actor.data[hit.mark]);
      if (a !== undefined) focus = { kind: "event", actor: a, row: hit.mark };
    }
    if (focus) {
      this.focus = focus;
      this.causal = this.computeCausal(focus);
      return this.cx.invalidate();
    }
    // empty plot: clear the focus, move the playhead there
    this.focus = null;
    this.causal = null;
    ctl.setPlayhead(h.tOf(x), true);
    this.cx.invalidate();
  }

  wheel(e: WheelEvent): boolean {
    const h = this.hit;
    if (e.shiftKey) {
      // by whole rows (spacetime_lanes.ts): the frame shows whole rows only
      const delta = e.deltaY || e.deltaX;
      this.scroll = h ? stepRows(h.geom, h.scroll, delta) : Math.max(0, this.scroll + delta);
      this.cx.invalidate();
      return true;
    }
    const { store } = this.cx;
    const full = Math.max(1e-9, store.t1 - store.t0);
    const cur = this.span > 0 ? this.span : this.defaultSpan();
    const next = Math.max(full / 1e6, Math.min(full * 1.1, cur * Math.exp(e.deltaY * 0.002)));
    // the time under the pointer stays under it
    if (h && this.w0 !== null) {
      const frac = Math.min(1, Math.max(0, (e.offsetX - h.plotX) / h.plotW));
      const at = this.w0 + frac * cur;
      this.w0 = at - frac * next;
    }
    this.span = next;
    this.userWindow = true;
    this.cx.invalidate();
    return true;
  }

  leave(): void {
    this.hit = null;
  }
}

const KIND_WORD: Record<number, string> = {
  [K.actor_spawn]: "spawn",
  [K.actor_stop]: "stop",
  [K.actor_fail]: "failure",
  [K.actor_restart]: "restart",
  [K.node_join]: "node join",
  [K.node_leave]: "node leave",
  [K.node_down]: "node down",
  [K.node_up]: "node up",
  [K.node_state]: "node state",
  [K.link_down]: "link cut",
  [K.link_up]: "link healed",
  [K.msg_drop]: "drop",
};

function segDist(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const L = dx * dx + dy * dy;
  const u = L > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / L)) : 0;
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

export const spacetimeView: ViewModule = {
  name: "spacetime",
  label: "space-time",
  title: "nodes as bands of actor lanes, messages as arrows, handlers as slices; click one for its causal past and future (v)",
  create: (cx) => new SpacetimeRenderer(cx),
};
