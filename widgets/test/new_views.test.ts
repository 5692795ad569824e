// @vitest-environment happy-dom
// The flows and table views in a DOM, through the in-page model a replay uses: the table draws
// only the rows in sight, a click on a row selects the actor, its search box keeps its keys, and
// the flows view publishes the edges it drew. (Pixels are checked in Chromium, tests/browser.)
import { describe, expect, it } from "vitest";
import { mountStandalone, type EmbeddedChunk } from "../src/standalone";
import type { Traits } from "../src/model";
import { stubViewDomEachTest } from "./dom_stubs";
import { runFrames } from "./frames";
import { Encoder, type Ev } from "./helpers";


const tick = () => new Promise((r) => setTimeout(r, 0));

stubViewDomEachTest();

/** 300 workers on 3 nodes; w0 -> w1 -> w2 -> w0 pass a token; w7 crashes at t=1. */
function run(): EmbeddedChunk[] {
  const evs: Ev[] = ["n0", "n1", "n2"].map((node) => ({ t: 0, kind: "node_join" as const, node }));
  for (let a = 0; a < 300; a++) evs.push({ t: 0, kind: "actor_spawn", node: `n${a % 3}`, actor: `w${a}`, msg_type: "Worker" });
  let m = 0;
  for (let t = 0.1; t < 2; t += 0.1) {
    for (let i = 0; i < 3; i++) {
      const [a, b] = [`w${i}`, `w${(i + 1) % 3}`];
      evs.push({ t, kind: "msg_send", node: `n${i}`, actor: a, peer: b, msg_id: m, msg_type: "token", duration: 0.01 });
      evs.push({ t: t + 0.01, kind: "msg_recv", node: `n${(i + 1) % 3}`, actor: b, peer: a, msg_id: m++, msg_type: "token" });
    }
  }
  evs.push({ t: 1, kind: "actor_fail", node: "n1", actor: "w7", reason: "Boom" });
  evs.sort((x, y) => x.t - y.t);
  const { header, bytes } = new Encoder().chunk(evs);
  return [{ header, data: bytes }];
}

const STATE: Partial<Traits> = { time: 1.5, selected: "", playing: false, speed: 1, view: "table", lanes: "auto", hide_system: false, supervision: false, class_filter: "", type_filter: "", meta: {}, height: 400 };

async function open(view: string, time = 1.5) {
  const el = document.createElement("div");
  document.body.append(el);
  const mounted = mountStandalone(el, { state: { ...STATE, view, time }, chunks: run() });
  const stage = mounted.view.root.querySelector(".ml-stage") as HTMLElement;
  Object.defineProperty(stage, "clientWidth", { value: 900 });
  Object.defineProperty(stage, "clientHeight", { value: 460 });
  for (let i = 0; i < 10 && mounted.view.store.n === 0; i++) await tick();
  runFrames(20);
  return mounted;
}

describe("table view", () => {
  it("draws only the rows in sight, sorts trouble first, and a row click selects its actor", async () => {
    const { model, view } = await open("table");
    const table = view.root.querySelector(".ml-table") as HTMLElement;
    expect(table.style.display).toBe("");
    expect(table.dataset.rows).toBe("300");
    const rows = () => [...table.querySelectorAll<HTMLElement>(".ml-table-row")].filter((r) => r.style.display !== "none");
    expect(rows().length).toBeLessThan(40);
    (table.querySelector(".ml-table-head [data-col=status]") as HTMLElement).click();
    runFrames(20);
    expect(rows()[0].textContent).toContain("w7");
    expect(rows()[0].textContent).toContain("failed");
    rows()[1].click();
    runFrames(20);
    expect(model.get("selected")).toBe(rows()[1].dataset.actor && view.store.str(view.store.actorCodes[Number(rows()[1].dataset.actor)]));
    expect(table.querySelector(".ml-table-row.ml-sel")).not.toBeNull();
    // keys typed in the search box are text, not the canvas's shortcuts (v would change view)
    const search = table.querySelector(".ml-table-search") as HTMLInputElement;
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "v", bubbles: true }));
    search.value = "w29";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    runFrames(20);
    expect(model.get("view")).toBe("table");
    expect(table.dataset.rows).toBe("11"); // w29 and w290 .. w299
    // another view hides the table and keeps the selection
    model.set("view", "topology");
    runFrames(20);
    expect(table.style.display).toBe("none");
  });
});

describe("flows view", () => {
  it("publishes the edges of the window, between nodes when there are too many actors", async () => {
    const { view, model } = await open("flows", 1.55);
    // 300 actors: more than the view draws one by one, so nodes and the traffic between them,
    // here the token's last hop round the ring of three nodes (the window is a twentieth of the run)
    expect(view.root.dataset.lod).toBe("aggregate");
    expect(view.root.dataset.flowEdges).toBe("n0>n1:1 n1>n2:1 n2>n0:1");
    expect(Number(view.root.dataset.flowWindow)).toBeCloseTo((view.store.t1 - view.store.t0) / 20, 9);
    // before the first send: nothing
    model.set("time", 0.05);
    runFrames(20);
    expect(view.root.dataset.flowEdges).toBe("");
  });
});
