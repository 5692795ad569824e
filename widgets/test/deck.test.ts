// The MeshOS deck folded in the browser (deck.ts): each derivation against hand-worked cases,
// the rules behaviour_at follows (running = started, not ended by t; pending = queued and not
// started since; failures in a window), and what only the drawing adds (maintenance, drain,
// time-to-safe, copies in transit). The agreement with Python at many times of real scenarios
// is tests/browser/test_deck.py.
import { describe, expect, it } from "vitest";
import { deckAt, hasEngine, type DesiredMeta } from "../src/deck";
import { drainShort, drainText, holdText, linkColour, linkText, maintenanceOutline } from "../src/draw_deck";
import { stabilityText } from "../src/inspector_deck";
import { Folder } from "../src/fold";
import { K } from "../src/kinds";
import { MARKER_COLOR, NODE_STYLE, THEME, applyTheme, prefersDark } from "../src/palette";
import { bucketMarkers } from "../src/scrubber";
import { HEADER, layoutNodes } from "../src/layout";
import { CELL_GAP, assignZones, cellNameForms, fitCellNames, layoutZones, overlaps } from "../src/zones";
import { storeOf, type Ev } from "./helpers";

const MB = 1_000_000;
const DESIRED: DesiredMeta = {
  blobs: [
    { name: "model", replicas: 3, size: 400 * MB },
    { name: "index", replicas: 2, size: 100 * MB },
  ],
  daemons: [
    { name: "agent", essential: true },
    { name: "cache", essential: false },
  ],
};

function joins(...nodes: string[]): Ev[] {
  return nodes.map((n) => ({ t: 0, kind: "node_join", node: n }));
}
function daemon(t: number, node: string, name: string): Ev {
  return { t, kind: "actor_spawn", node, actor: `${name}@${node}`, msg_type: "DaemonActor" };
}

// A small maintenance story: three nodes, model on n0 and n2, index on n1; n2 copies model to
// n1 (100 MB/s: 4 s), n2 enters maintenance at 10 and its model migrates to n0... n0 holds it,
// so to n1 again is impossible: it goes to a fresh node n3.
const STORY: Ev[] = [
  ...joins("n0", "n1", "n2", "n3"),
  daemon(0, "n2", "agent"),
  daemon(0, "n2", "cache"),
  { t: 0, kind: "replica_add", node: "n0", msg_type: "model", size: 400 * MB, reason: "seed" },
  { t: 0, kind: "replica_add", node: "n2", msg_type: "model", size: 400 * MB, reason: "seed" },
  { t: 0, kind: "replica_add", node: "n1", msg_type: "index", size: 100 * MB, reason: "seed" },
  { t: 0, kind: "action_start", node: "n1", peer: "n2", parent: "model", msg_id: 1, msg_type: "pull_replica", size: 400 * MB, reason: "model has 2 of 3 replicas" },
  { t: 4, kind: "replica_add", node: "n1", msg_type: "model", size: 400 * MB, reason: "pull" },
  { t: 4, kind: "action_end", node: "n1", msg_id: 1, msg_type: "pull_replica", reason: "ok", duration: 4 },
  { t: 5, kind: "action_queued", node: "n0", parent: "index", msg_type: "pull_replica", reason: "index has 1 of 2: throttled" },
  { t: 6, kind: "action_queued", node: "n0", parent: "index", msg_type: "pull_replica", reason: "index has 1 of 2: still throttled" },
  { t: 10, kind: "node_state", node: "n2", reason: "entering_maintenance" },
  { t: 10, kind: "admin", node: "n2", msg_type: "enter_maintenance", reason: "applied" },
  { t: 10, kind: "action_start", node: "n3", peer: "n2", parent: "model", msg_id: 2, msg_type: "migrate_blob", size: 400 * MB, reason: "model: n2 is draining" },
  { t: 10, kind: "action_start", node: "n2", parent: "cache@n2", msg_id: 3, msg_type: "stop_daemon", reason: "cache on n2: n2 is entering_maintenance" },
  { t: 11, kind: "actor_stop", node: "n2", actor: "cache@n2", reason: "stopped" },
  { t: 11, kind: "action_end", node: "n2", msg_id: 3, msg_type: "stop_daemon", reason: "ok", duration: 1 },
  { t: 12, kind: "action_start", node: "n0", peer: "n1", parent: "index", msg_id: 4, msg_type: "pull_replica", size: 100 * MB, reason: "index has 1 of 2" },
  { t: 13, kind: "action_end", node: "n0", msg_id: 4, msg_type: "pull_replica", reason: "failed: n1 unreachable", duration: 1 },
  { t: 14, kind: "replica_add", node: "n3", msg_type: "model", size: 400 * MB, reason: "migrate" },
  { t: 14, kind: "replica_drop", node: "n2", msg_type: "model", reason: "migrate" },
  { t: 14, kind: "action_end", node: "n3", msg_id: 2, msg_type: "migrate_blob", reason: "ok", duration: 4 },
  { t: 15, kind: "node_state", node: "n2", reason: "maintenance" },
  { t: 16, kind: "node_state", node: "n1", reason: "cordon" },
  { t: 20, kind: "admin", node: "", msg_type: "clear_avoid", reason: "ignored: nothing to clear" },
];

function deck(evs: Ev[], t: number, desired = DESIRED, window = 30) {
  const store = storeOf(evs);
  return deckAt(store, new Folder(store).stateAt(t), t, desired, window);
}

describe("MeshOS deck: actions", () => {
  it("running = started and not ended by t; an end at t itself counts", () => {
    expect(deck(STORY, 2).actions.filter((a) => a.status === "running").map((a) => a.id)).toEqual([1]);
    expect(deck(STORY, 4).actions.filter((a) => a.status === "running")).toEqual([]);
    const at10 = deck(STORY, 10.5).actions.filter((a) => a.status === "running");
    // ordered as behaviour_at: by start time, then node
    expect(at10.map((a) => [a.id, a.action, a.node, a.target, a.src, a.since])).toEqual([
      [3, "stop_daemon", "n2", "cache@n2", "", 10],
      [2, "migrate_blob", "n3", "model", "n2", 10],
    ]);
    expect(at10[1].cause).toBe("model: n2 is draining");
  });

  it("pending = queued and not started since it was last queued; since = first queued", () => {
    const p = deck(STORY, 7).actions.filter((a) => a.status === "pending");
    expect(p.map((a) => [a.action, a.target, a.node, a.since, a.cause, a.id])).toEqual([
      ["pull_replica", "index", "n0", 5, "index has 1 of 2: still throttled", null],
    ]);
    // started at 12: no longer pending
    expect(deck(STORY, 12).actions.filter((a) => a.status === "pending")).toEqual([]);
  });

  it("failures: actions that did not end ok and crashes, in the window before t", () => {
    const f = deck([...STORY, { t: 13.5, kind: "actor_fail", node: "n0", actor: "w", reason: "boom" }], 14);
    expect(f.failures.map((x) => [x.t, x.what, x.node, x.target, x.reason])).toEqual([
      [13, "pull_replica", "n0", "index", "failed: n1 unreachable"],
      [13.5, "actor_fail", "n0", "w", "boom"],
    ]);
    expect(deck(STORY, 13 + 30).failures).toEqual([]); // out of the window
    expect(deck(STORY, 14, DESIRED, 0.5).failures).toEqual([]);
  });
});

describe("MeshOS deck: drift, heat, transit", () => {
  it("drift: desired against copies held, with the copies on their way", () => {
    const at2 = deck(STORY, 2).drift.map((d) => [d.blob, d.desired, d.actual, d.inFlight, d.drift, d.holders]);
    expect(at2).toEqual([
      ["index", 2, 1, 0, 1, ["n1"]],
      ["model", 3, 2, 1, 1, ["n0", "n2"]],
    ]);
    // a migration keeps the count until the copy has moved
    expect(deck(STORY, 14).drift.find((d) => d.blob === "model")?.holders).toEqual(["n0", "n1", "n3"]);
    // a blob nobody asked for still shows, wanted 0 times
    const extra = deck([...STORY, { t: 21, kind: "replica_add", node: "n0", msg_type: "junk", size: 1, reason: "seed" }], 21);
    expect(extra.drift.find((d) => d.blob === "junk")).toMatchObject({ desired: 0, actual: 1, drift: -1 });
  });

  it("heat counts running actions where they act and where they copy from", () => {
    const d = deck(STORY, 10.5);
    expect([...d.nodes.values()].map((n) => [n.node, n.heat])).toEqual([["n0", 0], ["n1", 0], ["n2", 2], ["n3", 1]]);
  });

  it("a copy in transit moves from its source to its destination by its recorded end", () => {
    const d = deck(STORY, 11);
    expect(d.transit).toEqual([{ id: 2, blob: "model", action: "migrate_blob", src: "n2", dst: "n3", start: 10, end: 14, progress: 0.25 }]);
    expect(deck(STORY, 1).transit[0].progress).toBeCloseTo(0.25);
  });

  it("a copy whose end is not known yet (live) moves at the rate seen so far, never arriving", () => {
    const live = STORY.filter((e) => !(e.kind === "action_end" && e.msg_id === 2));
    const d = deck(live, 12); // 100 MB/s from the first copy: 400 MB take 4 s
    expect(d.copyRate).toBeCloseTo(100 * MB);
    expect(d.transit[0].progress).toBeCloseTo(0.5);
    expect(deck(live, 40).transit[0].progress).toBe(0.95);
    // before any copy finished there is no rate: drawn halfway
    const noRate = deck(live.filter((e) => e.msg_id !== 1), 11);
    expect(noRate.transit[0]).toMatchObject({ progress: 0.5, end: NaN });
    expect(noRate.nodes.get("n2")!.toSafe).toBeNaN(); // and no time-to-safe is made up
  });
});

describe("MeshOS deck: the RTT map and placement stability", () => {
  const PROBES: Ev[] = [
    ...STORY,
    { t: 1, kind: "rtt_sample", node: "n1", peer: "n0", duration: 0.002 },
    { t: 2, kind: "rtt_sample", node: "n0", peer: "n1", duration: 0.003 },
    { t: 2, kind: "rtt_sample", node: "n3", peer: "n0", duration: 0.09 },
    { t: 3, kind: "rtt_sample", node: "n2", peer: "n3", duration: 1, reason: "timeout" },
    { t: 5, kind: "rtt_sample", node: "n3", peer: "n2", duration: 0.004 },
  ];

  it("each pair's latest sample, named in order, a timeout marked", () => {
    const at3 = deck(PROBES, 3).links.map((l) => [l.a, l.b, l.rtt, l.at, l.timeout]);
    expect(at3).toEqual([
      ["n0", "n1", 0.003, 2, false],
      ["n0", "n3", 0.09, 2, false],
      ["n2", "n3", 1, 3, true],
    ]);
    // a reply replaces the timeout: the link is fine again
    expect(deck(PROBES, 5).links.find((l) => l.b === "n3" && l.a === "n2")).toMatchObject({ rtt: 0.004, timeout: false });
    expect(deck(PROBES, 0.5).links).toEqual([]);
  });

  it("slow and suspect links are tinted, fine ones are not drawn", () => {
    const [fine, slow, suspect] = deck(PROBES, 3).links;
    expect(linkColour(fine)).toBe("");
    expect(linkColour(slow)).not.toBe("");
    expect(linkColour(suspect)).not.toBe(linkColour(slow));
    expect([linkText(slow), linkText(suspect)]).toEqual(["90 ms", "no reply"]);
  });

  it("a node with a cut link is marked, so its header chips leave room for the partition's side", () => {
    const evs: Ev[] = [...STORY, { t: 3, kind: "link_down", node: "n0", peer: "n3", reason: "partition" }, { t: 8, kind: "link_up", node: "n0", peer: "n3", reason: "heal" }];
    const cut = (t: number) => [...deck(evs, t).nodes.values()].filter((n) => n.cut).map((n) => n.node);
    expect(cut(2)).toEqual([]);
    expect(cut(4)).toEqual(["n0", "n3"]);
    expect(cut(9)).toEqual([]);
  });

  it("placement stability: placements aimed at a node within the window", () => {
    const d = deck(STORY, 12.5);
    // pull to n1 at 0, migrate to n3 at 10, pull to n0 at 12 (the stop is not a placement)
    expect([...d.nodes.values()].map((n) => [n.node, n.placements])).toEqual([["n0", 1], ["n1", 1], ["n2", 0], ["n3", 1]]);
    expect(deck(STORY, 12.5, DESIRED, 2).nodes.get("n1")!.placements).toBe(0); // out of the window
    expect(stabilityText(0)).toBe("stable: no placement in the last 30 s");
    expect(stabilityText(6)).toBe("6 placements in the last 30 s (churning)");
  });
});

describe("MeshOS deck: maintenance, drain, daemons", () => {
  it("a node's maintenance state is its node_state; up reads active, cordon cordoned", () => {
    const m = (t: number) => Object.fromEntries([...deck(STORY, t).nodes.values()].map((n) => [n.node, n.maintenance]));
    expect(m(5)).toEqual({ n0: "active", n1: "active", n2: "active", n3: "active" });
    expect(m(10)).toMatchObject({ n2: "entering_maintenance" });
    expect(m(16)).toMatchObject({ n1: "cordoned", n2: "maintenance" });
  });

  it("drain progress: copies and non-essential daemons still on the node, and time to safe", () => {
    const at10 = deck(STORY, 10.5).nodes.get("n2")!;
    expect(at10).toMatchObject({ draining: true, replicas: ["model"], daemonsLeft: ["cache@n2"] });
    // the model copy left at 10 at 100 MB/s: 400 MB is done at 14
    expect(at10.toSafe).toBeCloseTo(3.5);
    expect(drainText(at10)).toBe("draining: 1 replica, 1 daemon left · ~3.5 s to safe");
    expect(drainShort(at10)).toBe("2 left ~3.5 s");
    const at12 = deck(STORY, 12).nodes.get("n2")!;
    expect(at12.daemonsLeft).toEqual([]); // cache stopped; agent is essential and stays
    expect(at12.toSafe).toBeCloseTo(2);
    const at14 = deck(STORY, 14).nodes.get("n2")!;
    expect([at14.replicas, at14.toSafe, drainText(at14), drainShort(at14)]).toEqual([[], 0, "drained: safe", "safe"]);
    expect(deck(STORY, 14).nodes.get("n0")!.draining).toBe(false);
  });

  it("daemons per node: up, down and each one's status", () => {
    const d = deck([...STORY, { t: 17, kind: "actor_fail", node: "n2", actor: "agent@n2", reason: "x" }], 17).nodes.get("n2")!;
    expect(d.daemons).toEqual({ up: 0, down: 1, names: ["agent@n2 failed", "cache@n2 stopped"] });
  });

  it("load: the highest load a running daemon of the node published (its saturation signal)", () => {
    const evs: Ev[] = [
      ...STORY,
      { t: 3, kind: "attrs", node: "n2", actor: "agent@n2", reason: '{"load":1.4}' },
      { t: 3, kind: "attrs", node: "n2", actor: "cache@n2", reason: '{"load":0.5}' },
      { t: 6, kind: "attrs", node: "n2", actor: "agent@n2", reason: '{"load":0.2}' },
    ];
    expect(deck(evs, 2).nodes.get("n2")!.load).toBe(0);
    expect(deck(evs, 4).nodes.get("n2")!.load).toBe(1.4);
    expect(deck(evs, 7).nodes.get("n2")!.load).toBe(0.5);
    expect(deck(evs, 12).nodes.get("n2")!.load).toBe(0.2); // cache stopped at 11: no longer counts
    expect(deck(evs, 4).nodes.get("n0")!.load).toBe(0);
  });

  it("effects in force: a daemon held down by gating and an avoided node, until their duration ends", () => {
    const evs: Ev[] = [
      ...STORY,
      { t: 8, kind: "action_start", node: "n1", parent: "flaky@n1", msg_id: 13, msg_type: "apply_backoff", reason: "crash loop: held down for 20 s" },
      { t: 8, kind: "action_end", node: "n1", msg_id: 13, msg_type: "apply_backoff", reason: "ok", duration: 20 },
      { t: 9, kind: "action_start", node: "n0", msg_id: 14, msg_type: "mark_avoid", reason: "slow" },
      { t: 9, kind: "action_end", node: "n0", msg_id: 14, msg_type: "mark_avoid", reason: "ok", duration: 5 },
    ];
    const at10 = deck(evs, 10);
    expect(at10.nodes.get("n1")!.held).toEqual([{ action: "apply_backoff", target: "flaky@n1", until: 28, cause: "crash loop: held down for 20 s" }]);
    expect(holdText(at10.nodes.get("n1")!, 10)).toBe("flaky@n1 gated for 18 s");
    expect(holdText(at10.nodes.get("n0")!, 10)).toBe("node avoided for 4.0 s");
    expect(deck(evs, 14).nodes.get("n0")!.held).toEqual([]); // over at 14
    expect(deck(evs, 28).nodes.get("n1")!.held).toEqual([]);
    expect(deck(evs, 7.9).nodes.get("n1")!.held).toEqual([]); // not yet
  });

  it("folds by time, not arrival: a late-delivered earlier end still ends the action", () => {
    const shuffled = [...STORY.filter((e) => e.msg_id !== 2 || e.kind !== "action_end"), { t: 14, kind: "action_end", node: "n3", msg_id: 2, msg_type: "migrate_blob", reason: "ok", duration: 4 } as Ev];
    const moved = [...shuffled.slice(0, 20), { t: 30, kind: "admin", node: "n0", msg_type: "cordon", reason: "applied" } as Ev, ...shuffled.slice(20)];
    expect(deck(moved, 15).actions.filter((a) => a.status === "running")).toEqual([]);
    expect(deck(moved, 15).nodes.get("n0")!.maintenance).toBe("active");
  });

  it("continuing the fold while playing forward, or after a step back, gives a fresh fold's answer", () => {
    const store = storeOf(STORY);
    const folder = new Folder(store);
    const ts = [0, 0.5, 4, 5, 7, 10, 10.5, 11, 12, 13, 14, 16, 20, 25];
    for (const t of [...ts, ...[...ts].reverse(), 11, 3, 16]) {
      const got = deckAt(store, folder.stateAt(t), t, DESIRED);
      expect(got).toEqual(deck(STORY, t));
    }
  });

  it("a trace without engine events has no deck", () => {
    expect(hasEngine(storeOf([...joins("n0"), daemon(0, "n0", "a")]))).toBe(false);
    expect(hasEngine(storeOf(STORY))).toBe(true);
  });
});

describe("MeshOS on the scrubber", () => {
  it("marks admin actions and failed actions, not actions that ended ok", () => {
    const store = storeOf(STORY);
    const kinds = [...store.markers.data.subarray(0, store.markers.length)].map((r) => [store.t.data[r], store.kind.data[r]]);
    expect(kinds).toEqual([
      [10, K.admin],
      [13, K.action_end],
      [20, K.admin],
    ]);
    const m = bucketMarkers(store, 0, 20, 1000);
    expect(m.map((x) => [x.kind, x.label])).toEqual([
      ["admin", "admin: enter_maintenance n2 — applied t=10.00"],
      ["action_fail", "action failed: pull_replica on n0 (failed: n1 unreachable) t=13.00"],
      ["admin", "admin: clear_avoid (mesh-wide) — ignored: nothing to clear t=20.00"],
    ]);
  });
});

describe("theme", () => {
  it("follows JupyterLab's body attribute first, then VS Code's class, then the system", () => {
    const doc = (attrs: Record<string, string>, classes: string[] = []) =>
      ({ body: { dataset: attrs, classList: { contains: (c: string) => classes.includes(c) } } }) as unknown as Document;
    expect(prefersDark(doc({ jpThemeLight: "false" }))).toBe(true);
    expect(prefersDark(doc({ jpThemeLight: "true" }, ["vscode-dark"]))).toBe(false);
    expect(prefersDark(doc({}, ["vscode-dark"]))).toBe(true);
    expect(prefersDark(doc({}, ["vscode-light"]))).toBe(false);
  });

  it("swaps the ground and keeps every status colour distinct from it and from each other", () => {
    applyTheme(true);
    try {
      expect(THEME.dark).toBe(true);
      expect(NODE_STYLE.up.fill).not.toBe("#eef4fb");
      expect(MARKER_COLOR.node_down).not.toBe("#212529");
      const lum = (hex: string) => {
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      // every marker stands out from the dark ground
      for (const c of Object.values(MARKER_COLOR)) expect(lum(c) - lum(THEME.bg)).toBeGreaterThan(0.1);
    } finally {
      applyTheme(false);
    }
    expect(NODE_STYLE.up.fill).toBe("#eef4fb");
    expect(MARKER_COLOR.node_down).toBe("#212529");
  });
});

describe("the maintenance outline keeps a node's name legible", () => {
  /** The band a stroke of the outline paints: its path's rectangle grown and shrunk by half its width. */
  const band = (o: ReturnType<typeof maintenanceOutline>) => {
    const h = o.lineWidth / 2;
    const outer = { x: o.x - h, y: o.y - h, w: o.w + 2 * h, h: o.h + 2 * h };
    const inner = { x: o.x + h, y: o.y + h, w: o.w - 2 * h, h: o.h - 2 * h };
    return { outer, inner };
  };
  /** Does the band run over a text box (any part of the box outside its inner hole)? */
  const covers = (o: ReturnType<typeof maintenanceOutline>, t: { x: number; y: number; w: number; h: number }) => {
    const { outer, inner } = band(o);
    if (!overlaps(outer, t)) return false;
    return !(t.x >= inner.x && t.y >= inner.y && t.x + t.w <= inner.x + inner.w && t.y + t.h <= inner.y + inner.h);
  };
  const measure = (s: string, px: number) => s.length * px * 0.58;

  it("in the smallest zone cells the outline runs outside the cell, never over its name", () => {
    // 200 nodes at notebook width and at 1280, 60 and 400 nodes: cells from ~20 to ~80 px
    let checked = 0;
    for (const [nodes, w, h] of [
      [200, 600, 500],
      [200, 960, 440],
      [60, 600, 480],
      [400, 600, 500],
    ]) {
      const names = Array.from({ length: nodes }, (_, i) => `n${i}`);
      const order = names.map((_, i) => i);
      const zl = layoutZones(assignZones(names, order, () => undefined), nodes, { x: 0, y: 0, w, h });
      const cells = order.map((i) => ({ node: i, box: zl.cells[i]!, forms: cellNameForms(names[i], "") }));
      const named = fitCellNames(cells, measure);
      checked += named.length;
      for (const t of named) {
        const o = maintenanceOutline(zl.cells[t.node]!);
        expect(covers(o, t), `${nodes} nodes ${w}x${h}: ${t.text}`).toBe(false);
        // outside the cell, within half the gap to the next one
        expect(band(o).outer.x).toBeGreaterThanOrEqual(zl.cells[t.node]!.x - CELL_GAP);
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("a region with a header keeps it inside its border, clear of the header's text", () => {
    const boxes = layoutNodes([3, 3, 12, 40, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2], { x: 0, y: 0, w: 600, h: 500 });
    for (const b of boxes) {
      const o = maintenanceOutline(b);
      expect(o.x).toBeGreaterThan(b.x);
      // the header's name starts 8 px in and sits between 4 px under the top and 4 px over the
      // header's foot (draw_regions.ts)
      expect(covers(o, { x: b.x + 8, y: b.y + 4, w: Math.max(1, b.w - 16), h: HEADER - 8 })).toBe(false);
    }
  });
});
