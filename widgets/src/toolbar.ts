// Buttons and selects above the canvas. It only reports intents; the view decides.
// Three groups (playback and time, views, filters) that each keep to one line: they share one
// row down to a widget about 1,110 px wide (the replay in a 1280 px window is 1,246; below 1,240
// the step buttons drop their words and the buttons tighten), and narrower the filters move,
// whole, to a second row, with no separator left dangling at the start of a row.
import { SPEEDS } from "./clock";

// Sizes follow the toolbar's own width (a container query), not the window's: in a notebook the
// widget is narrower than the page. A filter select is capped so a long class or type name does
// not push the row over; its options still show in full when it opens.
const TOOLBAR_CSS = `
.ml-toolbar{container-type:inline-size;row-gap:4px;column-gap:10px}
.ml-tb-group{display:flex;align-items:center;gap:6px;flex-wrap:nowrap;white-space:nowrap}
.ml-tb-group>.ml-sep{margin-right:4px}
.ml-tb-group.ml-line-start>.ml-sep{display:none}
.ml-toolbar select.ml-class-filter,.ml-toolbar select.ml-type-filter{max-width:124px;text-overflow:ellipsis}
.ml-toolbar .ml-time{min-width:124px}
@container (max-width: 1240px){.ml-prev span,.ml-next span{display:none}.ml-toolbar button{padding:2px 5px}.ml-tb-group{gap:4px}}
@container (max-width: 1000px){.ml-toolbar .ml-time{min-width:112px}}
`;

/** A view as the toolbar offers it: the `view` trait's value, the button's text and tooltip. */
export interface ViewButton {
  name: string;
  label: string;
  title: string;
}

// Icons as inline SVG: the media-control characters are missing from many system fonts.
const svg = (d: string, w = 12) => `<svg width="${w}" height="12" viewBox="0 0 ${w} 12" aria-hidden="true"><path d="${d}" fill="currentColor"/></svg>`;
const ICONS = {
  play: svg("M2 1 L11 6 L2 11 Z"),
  pause: svg("M2 1 H5 V11 H2 Z M7 1 H10 V11 H7 Z"),
  // step one event: a thin chevron, so it does not read as "go to start/end"
  prev: svg("M8 1.5 L9.5 3 L6.5 6 L9.5 9 L8 10.5 L3.5 6 Z"),
  next: svg("M4 1.5 L2.5 3 L5.5 6 L2.5 9 L4 10.5 L8.5 6 Z"),
  // step to a timeline marker: chevron and the marker's diamond
  prevMarker: svg("M5 1.5 L6.5 3 L3.5 6 L6.5 9 L5 10.5 L0.5 6 Z M12 2 L16 6 L12 10 L8 6 Z", 16),
  nextMarker: svg("M11 1.5 L9.5 3 L12.5 6 L9.5 9 L11 10.5 L15.5 6 Z M4 2 L8 6 L4 10 L0 6 Z", 16),
};

export interface ToolbarHandlers {
  play(): void;
  step(dir: 1 | -1): void;
  marker(dir: 1 | -1): void;
  speed(x: number): void;
  view(v: string): void;
  toggle(name: "hide_system" | "supervision", on: boolean): void;
  filter(name: "class_filter" | "type_filter", value: string): void;
  follow(): void;
}

export class Toolbar {
  readonly el: HTMLDivElement;
  readonly time: HTMLSpanElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly viewBtns: Record<string, HTMLButtonElement>;
  private readonly checks: Record<string, HTMLInputElement>;
  private readonly classSel: HTMLSelectElement;
  private readonly typeSel: HTMLSelectElement;
  readonly liveBtn: HTMLButtonElement;
  private readonly groups: HTMLDivElement[];
  private optionsKey = "";
  private syncKey = "";

  /** `signal` removes every listener of the toolbar when it aborts. */
  constructor(h: ToolbarHandlers, views: readonly ViewButton[], signal?: AbortSignal) {
    const on = { signal };
    const el = (this.el = document.createElement("div"));
    el.className = "ml-toolbar";
    const style = document.createElement("style");
    style.textContent = TOOLBAR_CSS;
    const btn = (text: string, title: string, fn: () => void, cls = "") => {
      const b = document.createElement("button");
      b.type = "button";
      if (text.includes("<svg")) b.innerHTML = text;
      else b.textContent = text;
      b.title = title;
      if (cls) b.className = cls;
      b.addEventListener("click", fn, on);
      return b;
    };
    const sep = () => Object.assign(document.createElement("span"), { className: "ml-sep" });
    const prevM = btn(ICONS.prevMarker, "previous marker: failure, restart, node death or partition (shift+←)", () => h.marker(-1), "ml-prev-marker");
    const prev = btn(`${ICONS.prev}<span>event</span>`, "step back one event (←)", () => h.step(-1), "ml-prev");
    this.playBtn = btn(ICONS.play, "play / pause (space)", () => h.play(), "ml-play");
    const next = btn(`<span>event</span>${ICONS.next}`, "step forward one event (→)", () => h.step(1), "ml-next");
    const nextM = btn(ICONS.nextMarker, "next marker: failure, restart, node death or partition (shift+→)", () => h.marker(1), "ml-next-marker");
    this.speedSel = document.createElement("select");
    this.speedSel.className = "ml-speed";
    this.speedSel.title = "playback speed (+ / -)";
    for (const s of SPEEDS) this.speedSel.add(new Option(`${s}×`, String(s)));
    this.speedSel.addEventListener("change", () => h.speed(Number(this.speedSel.value)), on);
    this.time = document.createElement("span");
    this.time.className = "ml-time";
    this.viewBtns = Object.fromEntries(views.map((v) => [v.name, btn(v.label, v.title, () => h.view(v.name), `ml-view-${v.name}`)]));
    const check = (name: "hide_system" | "supervision", text: string, title: string) => {
      const label = document.createElement("label");
      label.title = title;
      const input = document.createElement("input");
      input.type = "checkbox";
      input.className = `ml-${name}`;
      input.addEventListener("change", () => h.toggle(name, input.checked), on);
      label.append(input, text);
      return [label, input] as const;
    };
    const [sysL, sysI] = check("hide_system", "hide system", "hide supervisors and other infrastructure actors");
    const [supL, supI] = check("supervision", "supervision", "draw supervision links (parent to child)");
    this.checks = { hide_system: sysI, supervision: supI };
    this.classSel = document.createElement("select");
    this.classSel.className = "ml-class-filter";
    this.classSel.title = "show only actors of one class";
    this.classSel.addEventListener("change", () => h.filter("class_filter", this.classSel.value), on);
    this.typeSel = document.createElement("select");
    this.typeSel.className = "ml-type-filter";
    this.typeSel.title = "show only messages of one type";
    this.typeSel.addEventListener("change", () => h.filter("type_filter", this.typeSel.value), on);
    this.liveBtn = btn("● live", "follow the live stream", () => h.follow(), "ml-live");
    this.liveBtn.style.display = "none";
    const group = (...kids: HTMLElement[]) => {
      const g = document.createElement("div");
      g.className = "ml-tb-group";
      g.append(...kids);
      return g;
    };
    this.groups = [
      group(prevM, prev, this.playBtn, next, nextM, this.speedSel, this.time, this.liveBtn),
      group(sep(), ...Object.values(this.viewBtns)),
      group(sep(), sysL, supL, this.classSel, this.typeSel),
    ];
    el.append(style, ...this.groups);
    // a group that wrapped to the start of a row hides its separator
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => this.markLineStarts());
      ro.observe(el);
      // a group grows when the filters' options arrive, which may wrap it without resizing the bar
      for (const g of this.groups) ro.observe(g);
      signal?.addEventListener("abort", () => ro.disconnect(), on);
    }
  }

  /** Mark each group that begins a row (it sits below the group before it). */
  markLineStarts(): void {
    let prevBottom = -Infinity;
    for (const g of this.groups) {
      const r = g.getBoundingClientRect();
      g.classList.toggle("ml-line-start", r.top >= prevBottom - 1);
      prevBottom = r.bottom;
    }
  }

  sync(s: {
    playing: boolean;
    speed: number;
    view: string;
    hide_system: boolean;
    supervision: boolean;
    class_filter: string;
    type_filter: string;
    live: boolean;
    following: boolean;
  }): void {
    // Called every frame: touch the DOM only when something changed.
    const key = JSON.stringify(s);
    if (key === this.syncKey) return;
    this.syncKey = key;
    const icon = s.playing ? ICONS.pause : ICONS.play;
    if (this.playBtn.innerHTML !== icon) this.playBtn.innerHTML = icon;
    this.playBtn.dataset.playing = s.playing ? "1" : "0";
    const sv = String(s.speed);
    if (![...this.speedSel.options].some((o) => o.value === sv)) this.speedSel.add(new Option(`${s.speed}×`, sv));
    this.speedSel.value = sv;
    for (const [k, b] of Object.entries(this.viewBtns)) b.classList.toggle("ml-on", k === s.view);
    this.checks.hide_system.checked = s.hide_system;
    this.checks.supervision.checked = s.supervision;
    this.classSel.value = s.class_filter;
    this.typeSel.value = s.type_filter;
    this.liveBtn.style.display = s.live ? "" : "none";
    this.liveBtn.classList.toggle("ml-on", s.following);
  }

  /** Refill the filter choices when new classes or types appear in the data. */
  options(classes: string[], types: string[], current: { class_filter: string; type_filter: string }): void {
    const key = `${classes.join("\u0000")}\u0001${types.join("\u0000")}`;
    if (key === this.optionsKey) return;
    this.optionsKey = key;
    const fill = (sel: HTMLSelectElement, all: string, values: string[], cur: string) => {
      sel.replaceChildren(new Option(all, ""));
      for (const v of values) sel.add(new Option(v, v));
      if (cur && !values.includes(cur)) sel.add(new Option(cur, cur));
      sel.value = cur;
    };
    fill(this.classSel, "all classes", classes, current.class_filter);
    fill(this.typeSel, "all messages", types, current.type_filter);
  }
}
