// The actor table view: a search box, a status filter, sortable column headers and virtualised
// rows (only the rows in sight exist in the DOM), over ActorTable. A click on a row selects the
// actor (the inspector and every other view follow); the selection is highlighted here.
import { ActorTable, COLUMNS, COLUMN_TITLE, DEFAULT_QUERY, visibleRange, type Column, type TableQuery } from "./actor_table";
import type { MeshState } from "./fold";
import type { StatusName } from "./kinds";
import { fmtInt } from "./lod";
import { STATUS_COLOR, VIEW } from "./palette";
import { fmtTime } from "./scrubber";
import type { EventStore } from "./store";

export const ROW_H = 22;
/** While playing, frames between two recomputations of an order that changes with time. */
const REFOLD_FRAMES = 40;
const NUMERIC = new Set<Column>(["incarnation", "restarts", "mailbox", "processed", "busy"]);
const STATUSES: StatusName[] = ["idle", "busy", "failed", "restarting", "stopped"];

const TABLE_CSS = `
.ml-table{position:absolute;inset:0;overflow:hidden;display:flex;flex-direction:column;background:inherit;font-variant-numeric:tabular-nums;container-type:inline-size}
.ml-table-bar{display:flex;gap:6px;align-items:center;padding:5px 8px;border-bottom:1px solid var(--ml-c-rule);flex-wrap:wrap}
.ml-table-bar input,.ml-table-bar select{font:inherit;border:1px solid var(--ml-c-controlEdge);border-radius:4px;padding:2px 6px;background:var(--ml-c-control);color:var(--ml-c-controlText)}
.ml-table-bar input{width:190px}
.ml-table-count{color:var(--ml-c-count);margin-left:auto}
.ml-table-head,.ml-table-row{display:grid;grid-template-columns:minmax(92px,2.4fr) minmax(46px,1.2fr) minmax(32px,.8fr) 74px 30px 54px 54px 66px 70px;column-gap:6px;padding:0 8px;align-items:center}
.ml-table-head{height:24px;border-bottom:1px solid var(--ml-c-headEdge);font-weight:600;font-size:11px;color:var(--ml-c-head);background:var(--ml-c-bar)}
.ml-table-head span{cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;user-select:none}
.ml-table-head span:hover{color:var(--ml-c-headHover)}
.ml-table-head .ml-num,.ml-table-row .ml-num{text-align:right}
.ml-table-body{position:relative;flex:1;min-height:0}
.ml-table-scroll{position:relative;overflow:auto}
.ml-table-row{position:absolute;left:0;right:0;height:${ROW_H}px;cursor:pointer;border-bottom:1px solid var(--ml-c-rowEdge)}
.ml-table-row:hover{background:var(--ml-c-rowHover)}
.ml-table-row.ml-sel{background:var(--ml-c-rowSel)}
.ml-table-row span{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ml-table-row .ml-st{display:inline-flex;align-items:center;gap:4px}
.ml-table-row .ml-id{display:flex;min-width:0}
.ml-table-row .ml-id .ml-id-head{flex:0 1 auto;min-width:0}
.ml-table-row .ml-id .ml-id-tail{flex:0 0 auto;max-width:100%}
@container (max-width:720px){
.ml-table-head,.ml-table-row{grid-template-columns:minmax(120px,3fr) minmax(40px,1fr) minmax(28px,.6fr) 74px 54px 54px 66px}
.ml-table-head>:nth-child(5),.ml-table-head>:nth-child(9),.ml-table-row>:nth-child(5),.ml-table-row>:nth-child(9){display:none}
}
.ml-table-row .ml-st i{display:inline-block;width:9px;height:9px;border-radius:50%}
.ml-table-empty{padding:16px;color:var(--ml-c-empty)}
`;

export interface TableHandlers {
  selectActor(a: number): void;
}

export class ActorTableView {
  readonly el: HTMLDivElement;
  readonly table = new ActorTable();
  query: TableQuery = { ...DEFAULT_QUERY };
  private readonly scroll: HTMLDivElement;
  /** The room under the header; the rows' scroller takes the whole rows it holds. */
  private readonly body: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private readonly count: HTMLSpanElement;
  private readonly search: HTMLInputElement;
  private readonly statusSel: HTMLSelectElement;
  private readonly pool: HTMLDivElement[] = [];
  private drawnKey = "";
  private selected = -1;
  private lastRefresh = -Infinity;
  private framesSince = 0;
  /** The view asks for a redraw (the query or the scroll position changed). */
  onChange: () => void = () => {};

  constructor(private readonly store: EventStore, private readonly h: TableHandlers, signal?: AbortSignal) {
    const on = { signal };
    const el = (this.el = document.createElement("div"));
    el.className = "ml-table";
    el.style.display = "none";
    const style = document.createElement("style");
    style.textContent = TABLE_CSS;
    const bar = document.createElement("div");
    bar.className = "ml-table-bar";
    this.search = document.createElement("input");
    this.search.type = "search";
    this.search.className = "ml-table-search";
    this.search.placeholder = "search actor, class or node…";
    this.search.addEventListener("input", () => this.set({ search: this.search.value }), on);
    // keys typed in the box are text, not the canvas's shortcuts
    this.search.addEventListener("keydown", (e) => e.stopPropagation(), on);
    this.statusSel = document.createElement("select");
    this.statusSel.className = "ml-table-status";
    this.statusSel.title = "show one status only";
    this.statusSel.add(new Option("every status", ""));
    for (const s of STATUSES) this.statusSel.add(new Option(s, s));
    this.statusSel.addEventListener("change", () => this.set({ status: this.statusSel.value as TableQuery["status"] }), on);
    this.count = document.createElement("span");
    this.count.className = "ml-table-count";
    bar.append(this.search, this.statusSel, this.count);
    this.head = document.createElement("div");
    this.head.className = "ml-table-head";
    for (const c of COLUMNS) {
      const s = document.createElement("span");
      s.dataset.col = c;
      s.title = `sort by ${COLUMN_TITLE[c]} (click again to reverse)`;
      if (NUMERIC.has(c)) s.className = "ml-num";
      s.addEventListener("click", () => this.set(this.query.sort === c ? { desc: !this.query.desc } : { sort: c, desc: false }), on);
      this.head.append(s);
    }
    this.scroll = document.createElement("div");
    this.scroll.className = "ml-table-scroll";
    this.spacer = document.createElement("div");
    this.scroll.append(this.spacer);
    this.scroll.addEventListener("scroll", () => this.onChange(), on);
    // a scroll comes to rest on a row's top, so the scroller (whole rows tall: fitRows) shows no
    // half row; done when it ends, not by CSS scroll snapping, which snaps only to the rows in
    // the page and so pulled a far jump back to them
    this.scroll.addEventListener("scrollend", () => {
      const top = this.scroll.scrollTop;
      const to = Math.round(top / ROW_H) * ROW_H;
      if (Math.abs(to - top) > 0.5 && to <= this.scroll.scrollHeight - this.scroll.clientHeight) this.scroll.scrollTop = to;
    }, on);
    this.scroll.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest(".ml-table-row") as HTMLElement | null;
      if (row?.dataset.actor) this.h.selectActor(Number(row.dataset.actor));
    }, on);
    this.body = document.createElement("div");
    this.body.className = "ml-table-body";
    this.body.append(this.scroll);
    el.append(style, bar, this.head, this.body);
    this.headers();
  }

  set(q: Partial<TableQuery>): void {
    this.query = { ...this.query, ...q };
    this.headers();
    this.onChange();
  }

  private headers(): void {
    for (const s of Array.from(this.head.children) as HTMLElement[]) {
      const c = s.dataset.col as Column;
      s.textContent = COLUMN_TITLE[c] + (this.query.sort === c ? (this.query.desc ? " ▼" : " ▲") : "");
    }
  }

  /**
   * Bring the rows to the playhead and draw the ones in sight. While playing, an order by id
   * or class is kept until actors appear, and one by a changing column (or a status filter) is
   * redone at most every `minGapMs` and every REFOLD_FRAMES frames (so at most one frame in 40
   * carries that cost: the p95 of frames does not); the rows in sight show the playhead's values
   * every frame, and only the cells whose text changed are written.
   */
  update(s: MeshState, t: number, filters: { hideSystem: boolean; actorClass: string }, selected: number, playing: boolean, minGapMs = 250): void {
    const now = performance.now();
    const q = { ...this.query, hideSystem: filters.hideSystem, actorClass: filters.actorClass };
    let changed = false;
    this.framesSince++;
    if (!playing || !this.table.computed) changed = this.table.refresh(this.store, s, t, q);
    else if (ActorTable.followsPresence(q)) changed = this.table.follow(this.store, s, t, q);
    else if (now - this.lastRefresh >= minGapMs && this.framesSince >= REFOLD_FRAMES) changed = this.table.refresh(this.store, s, t, q);
    if (changed) {
      this.lastRefresh = now;
      this.framesSince = 0;
    }
    const tb = this.table;
    if (selected !== this.selected) {
      this.selected = selected;
      // a selection made elsewhere scrolls its row into sight
      const i = selected >= 0 ? tb.indexOf(selected) : -1;
      if (i >= 0) {
        const top = i * ROW_H;
        if (top < this.scroll.scrollTop || top + ROW_H > this.scroll.scrollTop + this.scroll.clientHeight) this.scroll.scrollTop = Math.max(0, top - Math.floor(this.scroll.clientHeight / 2 / ROW_H) * ROW_H);
      }
      changed = true;
    }
    this.fitRows();
    const [first, last] = visibleRange(this.scroll.scrollTop, this.scroll.clientHeight || 400, ROW_H, tb.length);
    const key = `${tb.computed}:${first}:${last}:${this.selected}:${t}`;
    if (!changed && key === this.drawnKey) return;
    this.drawnKey = key;
    setText(this.spacer.style, "height", `${tb.length * ROW_H}px`);
    setText(this.count, "textContent", tb.length === tb.total ? `${fmtInt(tb.total)} actors` : `${fmtInt(tb.length)} of ${fmtInt(tb.total)} actors`);
    this.el.dataset.rows = String(tb.length);
    this.el.dataset.total = String(tb.total);
    this.el.dataset.first = tb.length ? String(this.store.str(this.store.actorCodes[tb.order[0]])) : "";
    const need = last - first;
    while (this.pool.length < need) {
      const r = document.createElement("div");
      r.className = "ml-table-row";
      for (const c of COLUMNS) {
        const cell = document.createElement("span");
        if (NUMERIC.has(c)) cell.className = "ml-num";
        // the id in two parts: its path shrinks to an ellipsis before its last segment does
        if (c === "id") {
          cell.className = "ml-id";
          const head = document.createElement("span");
          head.className = "ml-id-head";
          const tail = document.createElement("span");
          tail.className = "ml-id-tail";
          cell.append(head, tail);
        }
        r.append(cell);
      }
      this.pool.push(r);
      this.scroll.append(r);
    }
    this.pool.forEach((r, k) => {
      const i = first + k;
      if (i >= last) {
        r.style.display = "none";
        return;
      }
      const row = tb.row(this.store, s, t, i);
      setText(r.style, "display", "");
      setText(r.style, "top", `${i * ROW_H}px`);
      setText(r.dataset, "actor", String(row.actor));
      r.classList.toggle("ml-sel", row.actor === this.selected);
      // every frame while playing: write only what changed, so the page has little to lay out
      const cells = r.children as HTMLCollectionOf<HTMLElement>;
      // the tail keeps its slash, so a shortened path reads root/st…/shard-2
      const cut = Math.max(0, row.id.lastIndexOf("/"));
      const idParts = cells[0].children as HTMLCollectionOf<HTMLElement>;
      setText(idParts[0], "textContent", row.id.slice(0, cut));
      setText(idParts[1], "textContent", row.id.slice(cut));
      setText(cells[0], "title", row.id);
      setText(cells[1], "textContent", row.cls);
      setText(cells[2], "textContent", row.node);
      if (cells[3].dataset.status !== row.status) {
        cells[3].dataset.status = row.status;
        cells[3].innerHTML = `<span class="ml-st"><i style="background:${row.status === "stopped" ? "transparent;border:1.5px solid " + STATUS_COLOR.stopped : STATUS_COLOR[row.status] ?? VIEW.noStatus}"></i>${row.status}</span>`;
      }
      setText(cells[4], "textContent", String(row.incarnation));
      setText(cells[5], "textContent", row.restarts ? String(row.restarts) : "");
      setText(cells[6], "textContent", row.mailbox ? fmtInt(row.mailbox) : "");
      setText(cells[7], "textContent", fmtInt(row.processed));
      setText(cells[8], "textContent", Number.isNaN(row.busySince) ? "" : fmtTime(row.busySince));
    });
    this.el.dataset.ready = "1";
  }

  /**
   * Size the rows' scroller to the whole rows its room holds (a horizontal scrollbar's height
   * added), so that with a scroll resting on a row's top no row is ever cut at its bottom edge:
   * a half row there ran under the scrubber's markers.
   */
  private fitRows(): void {
    const room = this.body.clientHeight;
    if (room <= 0) return;
    const bar = this.scroll.offsetHeight - this.scroll.clientHeight;
    const h = Math.max(ROW_H, Math.floor((room - bar) / ROW_H) * ROW_H) + bar;
    setText(this.scroll.style, "height", `${h}px`);
    this.el.dataset.rowsInSight = String(Math.floor((h - bar) / ROW_H));
  }

  show(on: boolean): void {
    this.el.style.display = on ? "" : "none";
  }
}

/** Set a string property only when it differs: reading is cheap, a write makes work for layout. */
function setText<T extends object, K extends keyof T>(o: T, k: K, v: string): void {
  if ((o[k] as unknown) !== v) (o as Record<K, unknown>)[k] = v;
}
