import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Folder } from "../src/fold";
import { describeEvent, flightRecorder } from "../src/inspector";
import { K } from "../src/kinds";
import { storeOf, type Ev } from "./helpers";

const supervision = JSON.parse(readFileSync(join(__dirname, "..", "..", "tests", "fold_cases", "supervision.json"), "utf8")) as { events: Ev[] };

describe("flight recorder", () => {
  it("lists an actor's own events and its messages, not another actor's escalation that names it as root cause", () => {
    const store = storeOf(supervision.events);
    const s = new Folder(store).stateAt(10);
    const w1 = store.strings.indexOf("w1");
    const rows = flightRecorder(store, w1, s.row, 20);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(store.actor.data[r]).toBe(w1);
    // the supervisor's escalation names w1 in peer; it belongs to the supervisor's recorder
    const sup = store.strings.indexOf("sup");
    const top = flightRecorder(store, sup, s.row, 1)[0];
    expect(store.kind.data[top]).toBe(K.actor_fail);
    expect(describeEvent(store, top, sup)).toContain("escalated");
    expect(describeEvent(store, rows[0], w1)).toBe("actor_fail (Boom)");
  });

  it("keeps messages the actor received, newest first in time order", () => {
    const store = storeOf([
      { t: 0, kind: "node_join", node: "n0" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "a" },
      { t: 0, kind: "actor_spawn", node: "n0", actor: "b" },
      { t: 1, kind: "msg_send", node: "n0", actor: "a", peer: "b", msg_id: 0, msg_type: "ping", duration: 0.5 },
      // arrives before the send in seq (a merged stream), after it in time
      { t: 2, kind: "msg_send", node: "n0", actor: "b", peer: "a", msg_id: 1, msg_type: "pong", duration: 0.1 },
      { t: 1.5, kind: "msg_recv", node: "n0", actor: "b", peer: "a", msg_id: 0, msg_type: "ping" },
    ]);
    const s = new Folder(store).stateAt(10);
    const b = store.strings.indexOf("b");
    const rows = flightRecorder(store, b, s.row, 10).map((r) => store.t.data[r]);
    expect(rows).toEqual([2, 1.5, 1, 0]);
  });
});
