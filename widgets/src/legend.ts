// The legend under the canvas: statuses, the first message types, markers and (with MeshOS
// engine events) the deck's symbols, each kind only when the trace has it (legend_kinds.ts), in
// a fixed order. Rebuilt only when what it lists changes.
import { HUNG_AFTER } from "./fold";
import { linkColour } from "./draw_deck";
import { TraceKinds, type Mark } from "./legend_kinds";
import { BRIDGE, DROP, HANDLER_ERROR, HEAT, HUNG, inkOn, MAINT_COLOR, MARKER_COLOR, PARTITION, STATUS_COLOR, THEME, TRANSIT, typeColor } from "./palette";
import { MARKER_NAMES } from "./scrubber";
import type { EventStore } from "./store";

export class Legend {
  readonly el: HTMLDivElement;
  private key = "";
  private readonly kinds = new TraceKinds();

  constructor() {
    this.el = document.createElement("div");
    this.el.className = "ml-legend";
  }

  /** Forget what is shown (the theme changed). */
  reset(): void {
    this.key = "";
  }

  render(store: EventStore, engine: boolean): void {
    this.kinds.scan(store);
    const key = `${store.msgTypes.size}:${engine}:${THEME.dark}:${this.kinds.key()}`;
    if (key === this.key) return;
    this.key = key;
    const has = (m: Mark) => this.kinds.marks.has(m);
    // statuses in the palette's order: idle always, the others where the trace has them
    const parts: string[] = [];
    for (const [k, c] of Object.entries(STATUS_COLOR)) {
      if (k !== "idle" && !has(k as Mark)) continue;
      parts.push(`<span><i class="ml-sw" style="background:${c}"></i>${k}</span>`);
      if (k === "restarting" && has("shutdownRestart"))
        parts.push(`<span><i class="ml-sw" style="background:transparent;border:1.5px solid ${STATUS_COLOR.stopped};outline:2px dashed ${c}"></i>shut down to restart</span>`);
    }
    let i = 0;
    for (const code of store.msgTypes) {
      if (i >= 8) break;
      parts.push(`<span><i class="ml-sw" style="background:${typeColor(i)};border-radius:2px"></i>${escapeHtml(store.str(code))}</span>`);
      i++;
    }
    if (has("hung")) parts.push(`<span><i class="ml-sw" style="background:${STATUS_COLOR.busy};outline:2.5px solid ${HUNG}"></i>hung (busy &gt; ${HUNG_AFTER} s in one handler)</span>`);
    if (has("handlerError"))
      parts.push(`<span><i class="ml-sw" style="background:${HANDLER_ERROR};border-radius:50%;color:${inkOn(HANDLER_ERROR)};font:bold 8px sans-serif;text-align:center;line-height:10px">!</i>handler error</span>`);
    if (has("drop")) parts.push(`<span style="color:${DROP}" title="a dropped message; ✕n→node: n messages dropped between two nodes">✕ dropped (✕n→node: between nodes)</span>`);
    if (has("sides")) parts.push(`<span style="color:${PARTITION}">▭ side A ┆ side B: a partition's sides</span>`);
    if (has("partial"))
      parts.push(
        `<span style="color:${PARTITION}">⌒┄ a cut link between nodes that still reach each other</span>` +
          `<span style="color:${BRIDGE}">⇄ bridge: a node both ends of a cut link still reach</span>`,
      );
    if (has("system")) parts.push("<span>■ system actor</span>");
    if (has("restarts")) parts.push("<span>↻n restarts</span>");
    if (engine) {
      // the MeshOS deck: maintenance outlines, copies moving, heat, daemons, drift
      const states = ["cordoned", "entering_maintenance", "maintenance", "drain_failed", "exiting_maintenance", "recovery"];
      const sw = states.map((k) => `<span><i class="ml-sw" style="background:transparent;border:2.5px ${k === "cordoned" ? "dashed" : "solid"} ${MAINT_COLOR[k]};border-radius:2px"></i>${k.replace(/_/g, " ")}</span>`);
      parts.push(
        `<span class="ml-lg-group ml-lg-deck"><span class="ml-lg-title">MeshOS</span>${sw.join("")}` +
          `<span><i class="ml-sw" style="background:${TRANSIT};border-radius:1px"></i>copy in transit</span>` +
          `<span style="color:${HEAT}">⚡n actions on the node</span><span>◆n daemons up</span>` +
          `<span style="color:${linkColour({ a: "", b: "", rtt: 1, at: 0, timeout: false })}">⌒ slow link</span>` +
          `<span style="color:${linkColour({ a: "", b: "", rtt: 1, at: 0, timeout: true })}">⌒┄ suspect link (no reply)</span>` +
          `<span><i class="ml-sw" style="background:${STATUS_COLOR.restarting};border-radius:3px;width:16px"></i>drift (blobs short)</span></span>`,
      );
    }
    // the scrubber's markers of kinds the trace has, in the scrubber's order
    const markers = MARKER_NAMES.filter(([k]) => this.kinds.markers.has(k)).map(([k, name]) => `<span><i class="ml-dia" style="background:${MARKER_COLOR[k]}"></i>${name}</span>`);
    const timeline = markers.length ? `<span class="ml-lg-group ml-lg-markers"><span class="ml-lg-title">timeline ◆</span>${markers.join("")}</span>` : "";
    this.el.innerHTML = timeline + parts.join("");
    this.el.dataset.kinds = this.kinds.key();
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
