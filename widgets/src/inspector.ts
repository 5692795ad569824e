// The side panel: introspection of the selected actor or node at the playhead, computed from
// the fold and the events. Links in it select other actors or jump the playhead.
import { actorAttrs, nodeAttrs, type Attrs } from "./attrs";
import { HUNG_AFTER, busySince, isHung, type MeshState } from "./fold";
import { K, KINDS, isMessageKind } from "./kinds";
import { HANDLER_ERROR, HUNG, STATUS_COLOR, inkOn, VIEW } from "./palette";
import { nodeStateName, statusName } from "./scene";
import { fmtTime } from "./scrubber";
import type { EventStore } from "./store";

export interface InspectorHandlers {
  selectActor(a: number): void;
  selectNode(n: number): void;
  jump(t: number): void;
}

type Child = Node | string | null | undefined | false;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

export function link(text: string, onClick: () => void, cls = "ml-link"): HTMLElement {
  const a = h("button", { class: cls, type: "button" }, text);
  a.addEventListener("click", (e) => {
    e.stopPropagation();
    onClick();
  });
  return a;
}

function row(label: string, ...value: Child[]): HTMLElement {
  return h("tr", {}, h("th", {}, label), h("td", {}, ...value));
}

/** Published properties (contract v2 attrs) as a key/value table, or nothing. */
function attrsTable(title: string, attrs: Attrs | null): Node[] {
  if (!attrs) return [];
  const table = h("table", { class: "ml-kv ml-attrs" });
  for (const k of Object.keys(attrs).sort()) table.append(row(k, String(attrs[k])));
  return [h("div", { class: "ml-subtitle" }, title), table];
}

/**
 * The last `n` events of actor code `code` among the first `upTo` in fold order, newest first:
 * its own events, and messages it is the other end of. The `peer` of a lifecycle event is not
 * a participant (an escalation names its root cause there), so it does not count.
 */
export function flightRecorder(store: EventStore, code: number, upTo: number, n: number, maxScan = 500_000): number[] {
  const out: number[] = [];
  const stop = Math.max(0, upTo - maxScan);
  for (let p = upTo - 1; p >= stop && out.length < n; p--) {
    const r = store.rowAt(p);
    if (store.actor.data[r] === code || (store.peer.data[r] === code && isMessageKind(store.kind.data[r]))) out.push(r);
  }
  return out;
}

/** The original crash behind a failure row: the latest actor_fail of the root actor that names itself. */
export function rootCauseRow(store: EventStore, failRow: number): number {
  const root = store.peer.data[failRow];
  if (root < 0) return -1;
  for (let p = store.posOf(failRow); p >= 0; p--) {
    const r = store.rowAt(p);
    if (store.kind.data[r] === K.actor_fail && store.actor.data[r] === root && store.peer.data[r] === root) return r;
  }
  return -1;
}

export function describeEvent(store: EventStore, r: number, self: number): string {
  const k = store.kind.data[r];
  const name = KINDS[k] ?? String(k);
  const other = store.actor.data[r] === self ? store.peer.data[r] : store.actor.data[r];
  const bits: string[] = [name];
  if ((k >= K.msg_send && k <= K.msg_drop) || k === K.handler_start || k === K.handler_end) {
    const ty = store.str(store.msgType.data[r]);
    if (ty) bits.push(ty);
    if (other >= 0) bits.push(k === K.msg_send && store.actor.data[r] === self ? `→ ${store.str(other)}` : `← ${store.str(other)}`);
  }
  const reason = store.str(store.reason.data[r]);
  if (reason && k !== K.actor_spawn && k !== K.msg_send) bits.push(`(${reason})`);
  if (k === K.actor_restart) bits.push(`#${store.incarnation.data[r]}`);
  return bits.join(" ");
}

export function renderActor(
  el: HTMLElement,
  store: EventStore,
  s: MeshState,
  a: number,
  t: number,
  hd: InspectorHandlers,
): void {
  const code = store.actorCodes[a];
  const id = store.str(code);
  const status = statusName(s, a, t);
  const cls = store.str(store.actorClass[a]);
  const table = h("table", { class: "ml-kv" });
  const bg = STATUS_COLOR[status] ?? VIEW.noStatus;
  const chip = h("span", { class: "ml-chip", style: `background:${bg};color:${inkOn(bg)}` }, status);
  table.append(row("status", chip));
  const since = busySince(s, a, t);
  if (!Number.isNaN(since)) {
    const hung = isHung(s, a, t);
    table.append(
      row(
        "busy since",
        link(fmtTime(since), () => hd.jump(since), "ml-link ml-time"),
        ` (${fmtTime(t - since)} s)`,
        hung ? h("span", { class: "ml-hung", style: `color:${HUNG}` }, ` hung: > ${HUNG_AFTER} s in one handler`) : "",
      ),
    );
  }
  if (s.node[a] >= 0) {
    const n = s.node[a];
    table.append(row("node", link(store.str(store.nodeCodes[n]), () => hd.selectNode(n))));
  }
  table.append(row("incarnation", String(s.incarnation[a])), row("restarts", String(s.restarts[a])));
  const parentCode = store.actorParent[a];
  const parent = store.actorOf.get(parentCode);
  if (parentCode >= 0) {
    table.append(
      row("parent", parent !== undefined ? link(store.str(parentCode), () => hd.selectActor(parent)) : store.str(parentCode)),
    );
  }
  table.append(
    row("processed", String(s.processed[a])),
    row("last handler", store.str(s.lastHandler[a]) || "—"),
    row("mailbox", String(s.mailbox[a])),
    row("processing", `${(s.procTime[a] * 1000).toFixed(2)} ms`),
  );
  if (s.errors[a] > 0) {
    const er = s.errorRow[a];
    table.append(
      row(
        "handler errors",
        h("span", { class: "ml-handler-error", style: `color:${HANDLER_ERROR}` }, `${s.errors[a]} (it lived on) `),
        link(fmtTime(store.t.data[er]), () => hd.jump(store.t.data[er]), "ml-link ml-time"),
        h("div", { class: "ml-dim" }, store.str(store.reason.data[er]).replace(/^error:\s*/, "")),
      ),
    );
  }
  const parts: Child[] = [
    h("div", { class: "ml-title" }, h("b", {}, id), cls ? ` ${cls}` : "", store.actorSystem[a] ? " · system" : ""),
    table,
  ];
  const fr = s.failRow[a];
  if (fr >= 0) {
    const root = store.peer.data[fr];
    const propagated = root >= 0 && root !== code;
    const box = h("div", { class: "ml-failure" });
    box.append(h("div", {}, h("b", {}, "failure: "), store.str(store.reason.data[fr]) || "(no reason)"));
    box.append(h("div", { class: "ml-dim" }, `at t=${fmtTime(store.t.data[fr])} on ${store.str(store.node.data[fr])}`));
    if (root >= 0) {
      const rootIdx = store.actorOf.get(root);
      const rr = rootCauseRow(store, fr);
      const go = () => {
        if (rootIdx !== undefined) hd.selectActor(rootIdx);
        if (rr >= 0) hd.jump(store.t.data[rr]);
      };
      box.append(
        h(
          "div",
          { class: "ml-rootcause" },
          "root cause: ",
          link(store.str(root), go, "ml-link ml-rootcause-link"),
          propagated ? " (propagated)" : " (itself)",
        ),
      );
    } else {
      box.append(h("div", { class: "ml-rootcause" }, "root cause: its node went down"));
    }
    parts.push(box);
  }
  parts.push(...attrsTable("attributes", actorAttrs(store, s, a)));
  const rec = flightRecorder(store, code, s.row, 12);
  const list = h("ol", { class: "ml-recorder" });
  for (const r of rec) {
    const item = h("li", {}, link(fmtTime(store.t.data[r]), () => hd.jump(store.t.data[r]), "ml-link ml-time"), " ", describeEvent(store, r, code));
    list.append(item);
  }
  parts.push(h("div", { class: "ml-subtitle" }, "flight recorder"), rec.length ? list : h("div", { class: "ml-dim" }, "no events yet"));
  el.replaceChildren(...(parts.filter(Boolean) as Node[]));
}

export function renderNode(
  el: HTMLElement,
  store: EventStore,
  s: MeshState,
  n: number,
  t: number,
  hd: InspectorHandlers,
): void {
  const code = store.nodeCodes[n];
  const state = nodeStateName(s, n);
  const label = state === "other" ? store.str(s.nodeReason[n]) : state;
  const parts: Node[] = [h("div", { class: "ml-title" }, h("b", {}, store.str(code)), ` node · ${label}`)];
  parts.push(...attrsTable("attributes", nodeAttrs(store, s, n)));
  const hist = h("ol", { class: "ml-recorder" });
  for (let i = 0; i < store.moments.length; i++) {
    const r = store.moments.data[i];
    if (store.posOf(r) >= s.row) continue;
    const k = store.kind.data[r];
    if (store.node.data[r] !== code || !(k <= K.node_state || k === K.link_down || k === K.link_up)) continue;
    const reason = store.str(store.reason.data[r]);
    const peer = k >= K.link_down ? ` ${store.str(store.peer.data[r])}` : "";
    hist.append(h("li", {}, link(fmtTime(store.t.data[r]), () => hd.jump(store.t.data[r]), "ml-link ml-time"), ` ${KINDS[k]}${peer}${reason ? ` (${reason})` : ""}`));
  }
  parts.push(h("div", { class: "ml-subtitle" }, "state history"), hist);
  const list = h("ul", { class: "ml-actors" });
  let count = 0;
  for (let a = 0; a < store.actorCodes.length; a++) {
    if (s.node[a] !== n || s.status[a] === 0) continue;
    if (++count > 60) continue;
    const st = statusName(s, a, t);
    list.append(
      h("li", {}, h("span", { class: "ml-dot", style: `background:${STATUS_COLOR[st]}` }), link(store.str(store.actorCodes[a]), () => hd.selectActor(a)), ` ${st}`),
    );
  }
  parts.push(h("div", { class: "ml-subtitle" }, `actors (${count})`), list);
  el.replaceChildren(...parts);
}
