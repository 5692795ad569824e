// The MeshOS part of the side panel: for a node, its maintenance state and drain, the actions
// running and pending there with their causes, and its recent failures; with nothing selected,
// the mesh's drift and action counts. Everything comes from the Deck (deck.ts).
import type { Deck, DeckAction } from "./deck";
import { drainText, fmtSecs, linkColour, linkText } from "./draw_deck";
import { h, link, type InspectorHandlers } from "./inspector";
import { MAINT_COLOR, inkOn } from "./palette";
import { fmtTime } from "./scrubber";

function actionItem(a: DeckAction, t: number, hd: InspectorHandlers): HTMLElement {
  const what = `${a.action} ${a.target}${a.src ? ` from ${a.src}` : ""} on ${a.node}`;
  const when = a.status === "running" ? `running ${fmtSecs(t - a.since)}` : `pending since ${fmtTime(a.since)}`;
  return h(
    "li",
    { class: `ml-act ml-act-${a.status}` },
    link(fmtTime(a.since), () => hd.jump(a.since), "ml-link ml-time"),
    ` ${what} · ${when}`,
    a.cause ? h("div", { class: "ml-dim" }, `cause: ${a.cause}`) : null,
  );
}

/** Append the deck's view of node `name` to the panel the actor/node inspector just drew. */
export function renderDeckNode(el: HTMLElement, deck: Deck, name: string, hd: InspectorHandlers): void {
  const nd = deck.nodes.get(name);
  if (!nd) return;
  const box = h("div", { class: "ml-deck" });
  const colour = MAINT_COLOR[nd.maintenance];
  box.append(
    h("div", { class: "ml-subtitle" }, "MeshOS"),
    h(
      "table",
      { class: "ml-kv" },
      h("tr", {}, h("th", {}, "maintenance"), h("td", {}, colour ? h("span", { class: "ml-chip", style: `background:${colour};color:${inkOn(colour)}` }, nd.maintenance) : nd.maintenance)),
      nd.draining ? h("tr", {}, h("th", {}, "drain"), h("td", { class: "ml-drain" }, drainText(nd))) : null,
      nd.replicas.length ? h("tr", {}, h("th", {}, "replicas"), h("td", {}, nd.replicas.join(", "))) : null,
      h("tr", {}, h("th", {}, "heat"), h("td", {}, `${nd.heat} action${nd.heat === 1 ? "" : "s"} touching it`)),
      nd.load > 0 ? h("tr", {}, h("th", {}, "load"), h("td", { class: nd.load >= 1 ? "ml-short" : "" }, `${nd.load.toFixed(2)}${nd.load >= 1 ? " (saturated)" : ""}`)) : null,
      h("tr", {}, h("th", {}, "placement"), h("td", { class: "ml-stability" }, stabilityText(nd.placements))),
      linksRow(deck, name),
      nd.daemons.names.length ? h("tr", {}, h("th", {}, "daemons"), h("td", {}, nd.daemons.names.join(", "))) : null,
      ...nd.held.map((x) =>
        h("tr", {}, h("th", {}, x.action === "mark_avoid" ? "avoided" : "held down"), h("td", {}, `${x.target ? `${x.target} ` : ""}until ${fmtTime(x.until)}`, h("div", { class: "ml-dim" }, x.cause))),
      ),
    ),
  );
  const mine = deck.actions.filter((a) => a.node === name || a.src === name);
  for (const status of ["running", "pending"] as const) {
    const list = mine.filter((a) => a.status === status);
    box.append(h("div", { class: "ml-subtitle" }, `${status === "running" ? "current" : "pending"} actions (${list.length})`));
    if (list.length) box.append(h("ol", { class: "ml-recorder" }, ...list.slice(0, 30).map((a) => actionItem(a, deck.t, hd))));
  }
  const fails = deck.failures.filter((f) => f.node === name);
  box.append(h("div", { class: "ml-subtitle" }, `recent failures (${fails.length})`));
  if (fails.length) {
    box.append(
      h(
        "ol",
        { class: "ml-recorder" },
        ...fails.slice(-20).map((f) => h("li", {}, link(fmtTime(f.t), () => hd.jump(f.t), "ml-link ml-time"), ` ${f.what} ${f.target}: ${f.reason}`)),
      ),
    );
  }
  // after the title, before the generic node sections
  el.insertBefore(box, el.children[1] ?? null);
}

/** Placement stability: how many placements aimed at the node in the deck's window. */
export function stabilityText(n: number, window = 30): string {
  if (!n) return `stable: no placement in the last ${window} s`;
  return `${n} placement${n === 1 ? "" : "s"} in the last ${window} s${n >= 5 ? " (churning)" : ""}`;
}

/** The node's links in the RTT map: the suspect and slow ones by name, and how many are fine. */
function linksRow(deck: Deck, name: string): HTMLElement | null {
  const mine = deck.links.filter((l) => l.a === name || l.b === name);
  if (!mine.length) return null;
  const bad = mine.filter((l) => linkColour(l)).sort((x, y) => Number(y.timeout) - Number(x.timeout) || y.rtt - x.rtt);
  const fine = mine.length - bad.length;
  const items = bad.slice(0, 8).map((l) =>
    h("span", { class: `ml-link-rtt${l.timeout ? " ml-suspect" : " ml-slow"}`, style: `color:${linkColour(l)}` }, `${l.a === name ? l.b : l.a} ${linkText(l)}`),
  );
  const sep = items.flatMap((x, i) => (i ? [", ", x] : [x]));
  const rest = bad.length > 8 ? ` (+${bad.length - 8})` : "";
  const best = Math.min(...mine.filter((l) => !l.timeout).map((l) => l.rtt));
  const summary = `${fine} fine${Number.isFinite(best) ? `, best ${(best * 1000).toFixed(1)} ms` : ""}`;
  return h("tr", {}, h("th", {}, "RTT"), h("td", {}, ...sep, rest, bad.length ? h("div", { class: "ml-dim" }, summary) : summary));
}

/** With nothing selected: the mesh's drift and how many actions run and wait. */
export function renderDeckSummary(el: HTMLElement, deck: Deck): void {
  const running = deck.actions.filter((a) => a.status === "running").length;
  const pending = deck.actions.length - running;
  const rows = deck.drift.map((d) =>
    h("tr", {}, h("th", {}, d.blob), h("td", { class: d.drift > 0 ? "ml-short" : "" }, `${d.actual}/${d.desired}${d.inFlight ? ` (+${d.inFlight} moving)` : ""}`)),
  );
  el.prepend(
    h(
      "div",
      { class: "ml-deck" },
      h("div", { class: "ml-subtitle" }, `MeshOS: ${running} running, ${pending} pending, ${deck.failures.length} recent failures`),
      rows.length ? h("table", { class: "ml-kv" }, ...rows) : null,
    ),
  );
}
