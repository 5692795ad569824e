// The MeshOS deck, folded in the browser from the events alone: the same answers as Python's
// behaviour_at(t) (meshlab/meshos/behaviour.py) — running and pending actions, recent failures,
// drift per blob, heat per node, the RTT map and placement stability — plus what only the
// drawing needs: each node's maintenance state, drain progress and a time-to-safe estimate,
// daemons per node, copies in transit.
// Pure functions of (store, folded state, t, desired): no state of its own beyond a cache of
// the engine's rows in fold order.
import { actorAttrs } from "./attrs";
import type { MeshState } from "./fold";
import { K } from "./kinds";
import { nodeStateName, statusName } from "./scene";
import type { EventStore } from "./store";

/** The slice of trace meta params["meshos"] the deck needs (the widget passes it as meta.meshos). */
export interface DesiredMeta {
  blobs?: { name: string; replicas: number; size?: number }[];
  daemons?: { name: string; essential?: boolean }[];
}

export interface DeckAction {
  id: number | null; // the action id (null for a pending one: it has none yet)
  action: string;
  node: string;
  target: string;
  src: string; // source node of a copy, "" if none
  cause: string;
  since: number;
  status: "running" | "pending";
}

export interface DeckFailure {
  t: number;
  what: string; // the action, or actor_fail
  node: string;
  actor: string; // as behaviour_at: the action_end's parent (usually empty), or the crashed actor
  /** What the action acted on (from its action_start), or the crashed actor. */
  target: string;
  reason: string;
}

export interface DeckDrift {
  blob: string;
  desired: number;
  actual: number;
  inFlight: number;
  drift: number;
  holders: string[];
}

export interface DeckTransit {
  id: number;
  blob: string;
  action: string;
  src: string;
  dst: string;
  start: number;
  /** When the copy ends, if its action_end is in the store (a replay); NaN while unknown. */
  end: number;
  /** Where along the link to draw it, 0..1. */
  progress: number;
}

export interface DeckNode {
  node: string;
  maintenance: string; // active, cordoned, entering_maintenance, maintenance, ... (or down/left)
  heat: number; // running actions touching the node (where they act or copy from)
  draining: boolean;
  /** Blobs whose copy is still on the node. */
  replicas: string[];
  /** Non-essential daemons still running on a draining node. */
  daemonsLeft: string[];
  /** Seconds until the node holds nothing that must move, at the copy rate seen so far; NaN unknown, 0 safe. */
  toSafe: number;
  daemons: { up: number; down: number; names: string[] };
  /** Effects in force at t: a daemon held down by backoff or crash-loop gating, the node avoided. */
  held: DeckHold[];
  /** Placements (copies, instances, daemon starts) aimed at it in the window: its placement stability. */
  placements: number;
  /** The highest load its running daemons report (their `load` attribute; 1 is at capacity), 0 if none. */
  load: number;
  /** A link of it is cut at t (the partition picture then labels its side at the header's right). */
  cut: boolean;
}

/** The latest RTT sample of a pair of nodes (a < b), as behaviour_at's rtt table. */
export interface DeckLink {
  a: string;
  b: string;
  rtt: number; // seconds; for a timeout, the time waited
  at: number;
  timeout: boolean; // the probe got no reply: the link is suspect
}

/** An RTT above this is slow (meshlab.meshos.plan.SLOW_RTT). */
export const SLOW_RTT = 0.05;
const PLACEMENTS = new Set(["pull_replica", "migrate_blob", "start_instance", "start_daemon"]);

export interface DeckHold {
  action: string; // apply_backoff or mark_avoid
  target: string; // the daemon held down ("" when the node itself is avoided)
  until: number;
  cause: string;
}

/** Actions whose action_end duration is how long their effect lasts (docs/contract.md). */
const EFFECTS = new Set(["apply_backoff", "mark_avoid"]);

export interface Deck {
  t: number;
  actions: DeckAction[];
  failures: DeckFailure[];
  drift: DeckDrift[];
  nodes: Map<string, DeckNode>;
  transit: DeckTransit[];
  /** The RTT map: the latest sample of every pair probed, sorted by (a, b). */
  links: DeckLink[];
  /** Bytes per second of the copies finished so far (NaN before the first). */
  copyRate: number;
}

const COPIES = new Set(["pull_replica", "migrate_blob"]);
/** Node states in which the engine moves everything movable off the node. */
export const DRAINING = new Set(["entering_maintenance", "maintenance", "drain_failed", "drain", "draining"]);
const MAINTENANCE_OF: Record<string, string> = { up: "active", cordon: "cordoned" };
const ENGINE = new Set<number>([K.action_start, K.action_end, K.action_queued, K.replica_add, K.replica_drop, K.admin, K.rtt_sample]);

export function isEngineKind(k: number): boolean {
  return ENGINE.has(k);
}

/** The engine's rows of a store in fold order, rebuilt only when the store grew. */
const cache = new WeakMap<EventStore, { n: number; rows: number[]; endOf: Map<number, number> }>();
function engineRows(store: EventStore): { rows: number[]; endOf: Map<number, number> } {
  const hit = cache.get(store);
  if (hit && hit.n === store.n) return hit;
  const rows: number[] = [];
  const endOf = new Map<number, number>();
  for (let r = 0; r < store.n; r++) {
    const k = store.kind.data[r];
    if (!ENGINE.has(k)) continue;
    rows.push(r);
    if (k === K.action_end) endOf.set(store.msgId.data[r], r);
  }
  rows.sort((a, b) => store.posOf(a) - store.posOf(b));
  const out = { n: store.n, rows, endOf };
  cache.set(store, out);
  return out;
}

/** The fold of the engine's rows up to some position, kept to continue from while playing. */
interface EngineFold {
  rows: number[];
  i: number; // rows[0..i) are folded
  starts: Map<number, number>; // action id -> its action_start row
  ended: Set<number>;
  open: Map<number, number>; // started, not ended: id -> start row
  queued: Map<string, { action: string; target: string; since: number; last: number; node: string; cause: string }>;
  lastStart: Map<string, number>;
  held: Map<string, Set<string>>; // blob -> the nodes holding a copy
  sorted: Map<string, string[]>; // blob -> its holders sorted, until they change
  failed: DeckFailure[]; // every action that ended other than ok, in fold order
  effects: (DeckHold & { node: string })[]; // every backoff and avoid, with when it lapses
  bytes: number; // of the copies finished ok, and the seconds they took
  secs: number;
  links: Map<string, DeckLink>; // "a\0b" -> the pair's latest sample
  linkList: DeckLink[] | null; // links sorted, until they change
  placed: { t: number; node: string }[]; // placing action starts, in time order
}
const folds = new WeakMap<EventStore, EngineFold>();
function newFold(rows: number[]): EngineFold {
  return {
    rows,
    i: 0,
    starts: new Map(),
    ended: new Set(),
    open: new Map(),
    queued: new Map(),
    lastStart: new Map(),
    held: new Map(),
    sorted: new Map(),
    failed: [],
    effects: [],
    bytes: 0,
    secs: 0,
    links: new Map(),
    linkList: null,
    placed: [],
  };
}

/** Python's "reason is not ok" for an action's end: a null reason is not a failure either. */
function failed(reason: string): boolean {
  return reason !== "" && reason !== "ok";
}

/** The deck at t. `s` must be the fold at t (Folder.stateAt(t)). */
export function deckAt(store: EventStore, s: MeshState, t: number, desired: DesiredMeta = {}, window = 30): Deck {
  const { rows, endOf } = engineRows(store);
  const upTo = store.rowsAt(t);
  const str = (c: number) => store.str(c);
  // Playback moves forward: continue the fold from where the last call stopped; a step back
  // (or new rows) starts it again.
  let f = folds.get(store);
  if (!f || f.rows !== rows || store.posOf(rows[f.i - 1]) >= upTo) {
    f = newFold(rows);
    folds.set(store, f);
  }
  const { starts, ended, open, queued, lastStart, held } = f;
  for (; f.i < rows.length; f.i++) {
    const r = rows[f.i];
    if (store.posOf(r) >= upTo) break;
    const k = store.kind.data[r];
    const rt = store.t.data[r];
    const type = str(store.msgType.data[r]);
    if (k === K.action_start) {
      const id = store.msgId.data[r];
      starts.set(id, r);
      if (!ended.has(id)) open.set(id, r);
      const key = `${type}\u0000${str(store.parent.data[r])}`;
      lastStart.set(key, Math.max(lastStart.get(key) ?? -Infinity, rt));
      if (PLACEMENTS.has(type)) f.placed.push({ t: rt, node: str(store.node.data[r]) });
    } else if (k === K.rtt_sample) {
      const x = str(store.node.data[r]);
      const y = str(store.peer.data[r]);
      const [a, b] = x < y ? [x, y] : [y, x];
      f.links.set(`${a}\u0000${b}`, { a, b, rtt: store.duration.data[r], at: rt, timeout: str(store.reason.data[r]) === "timeout" });
      f.linkList = null;
    } else if (k === K.action_end) {
      const id = store.msgId.data[r];
      ended.add(id);
      open.delete(id);
      const reason = str(store.reason.data[r]);
      const sr = starts.get(id);
      if (failed(reason)) {
        const actor = str(store.parent.data[r]);
        const target = actor || (sr !== undefined ? str(store.parent.data[sr]) : "");
        f.failed.push({ t: rt, what: type, node: str(store.node.data[r]), actor, target, reason });
      } else if (sr !== undefined && EFFECTS.has(type)) {
        const until = rt + store.duration.data[r];
        f.effects.push({ node: str(store.node.data[sr]), action: type, target: str(store.parent.data[sr]), until, cause: str(store.reason.data[sr]) });
      } else if (sr !== undefined && COPIES.has(type)) {
        const d = store.duration.data[r];
        if (d > 0 && Number.isFinite(d)) {
          f.bytes += store.size.data[sr];
          f.secs += d;
        }
      }
    } else if (k === K.action_queued) {
      const target = str(store.parent.data[r]);
      const key = `${type}\u0000${target}`;
      const q = queued.get(key);
      const node = str(store.node.data[r]);
      const cause = str(store.reason.data[r]);
      if (!q) queued.set(key, { action: type, target, since: rt, last: rt, node, cause });
      else {
        q.since = Math.min(q.since, rt);
        q.last = Math.max(q.last, rt);
        q.node = node;
        q.cause = cause;
      }
    } else if (k === K.replica_add || k === K.replica_drop) {
      // the latest of a blob's add and drop on a node decides whether the node holds it
      let m = held.get(type);
      if (!m) held.set(type, (m = new Set()));
      if (k === K.replica_add) m.add(str(store.node.data[r]));
      else m.delete(str(store.node.data[r]));
      f.sorted.delete(type);
    }
  }
  const failures: DeckFailure[] = f.failed.filter((x) => x.t > t - window);
  // placement stability: placements in the window, found from its start by binary search
  const placedIn = new Map<string, number>();
  let lo = 0;
  let hi = f.placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f.placed[mid].t > t - window) hi = mid;
    else lo = mid + 1;
  }
  for (let i = lo; i < f.placed.length; i++) placedIn.set(f.placed[i].node, (placedIn.get(f.placed[i].node) ?? 0) + 1);
  if (!f.linkList) f.linkList = [...f.links.values()].sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  const holds = f.effects.filter((x) => x.until > t);
  const { bytes, secs } = f;
  // actor crashes in the window (they are markers, so the store lists them already)
  for (let i = 0; i < store.markers.length; i++) {
    const r = store.markers.data[i];
    if (store.kind.data[r] !== K.actor_fail) continue;
    const rt = store.t.data[r];
    if (rt > t - window && rt <= t) {
      const actor = str(store.actor.data[r]);
      failures.push({ t: rt, what: "actor_fail", node: str(store.node.data[r]), actor, target: actor, reason: str(store.reason.data[r]) });
    }
  }
  failures.sort((a, b) => a.t - b.t);

  const copyRate = secs > 0 ? bytes / secs : NaN;
  const running: DeckAction[] = [];
  const transit: DeckTransit[] = [];
  for (const [id, r] of open) {
    const action = str(store.msgType.data[r]);
    const src = store.peer.data[r] >= 0 ? str(store.peer.data[r]) : "";
    const a: DeckAction = {
      id,
      action,
      node: str(store.node.data[r]),
      target: str(store.parent.data[r]),
      src,
      cause: str(store.reason.data[r]),
      since: store.t.data[r],
      status: "running",
    };
    running.push(a);
    if (COPIES.has(action) && src && src !== a.node) {
      const er = endOf.get(id);
      const end = er !== undefined ? store.t.data[er] : NaN;
      const expect = Number.isFinite(end) ? end - a.since : store.size.data[r] / copyRate;
      let progress = Number.isFinite(expect) && expect > 0 ? (t - a.since) / expect : 0.5;
      progress = Math.max(0, Math.min(Number.isFinite(end) ? 1 : 0.95, progress));
      transit.push({ id, blob: a.target, action, src, dst: a.node, start: a.since, end, progress });
    }
  }
  const pending: DeckAction[] = [];
  for (const [key, q] of queued) {
    const started = lastStart.get(key);
    if (started !== undefined && !(started < q.last)) continue;
    pending.push({ id: null, action: q.action, node: q.node, target: q.target, src: "", cause: q.cause, since: q.since, status: "pending" });
  }
  const byTime = (a: DeckAction, b: DeckAction) => a.since - b.since || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
  running.sort(byTime);
  pending.sort(byTime);
  const actions = [...running, ...pending];

  // drift: desired against the copies held, and the copies on their way
  const want = new Map((desired.blobs ?? []).map((b) => [b.name, Number(b.replicas)]));
  const sizeOf = new Map((desired.blobs ?? []).map((b) => [b.name, Number(b.size ?? NaN)]));
  const holders = new Map<string, string[]>();
  // each blob's holders, sorted once per change (not once per frame)
  for (const [blob, m] of held) {
    if (!m.size) continue;
    let hs = f.sorted.get(blob);
    if (!hs) f.sorted.set(blob, (hs = [...m].sort()));
    holders.set(blob, hs);
  }
  const inFlight = new Map<string, number>();
  for (const a of running) if (COPIES.has(a.action)) inFlight.set(a.target, (inFlight.get(a.target) ?? 0) + 1);
  const blobs = [...new Set([...want.keys(), ...holders.keys()])].sort();
  const drift = blobs.map((blob) => {
    const desiredN = want.get(blob) ?? 0;
    const hs = holders.get(blob) ?? [];
    return { blob, desired: desiredN, actual: hs.length, inFlight: inFlight.get(blob) ?? 0, drift: desiredN - hs.length, holders: hs };
  });

  // nodes: maintenance state (the fold's node state), heat, daemons, drain
  const heat = new Map<string, number>();
  for (const a of running) {
    heat.set(a.node, (heat.get(a.node) ?? 0) + 1);
    if (a.src) heat.set(a.src, (heat.get(a.src) ?? 0) + 1);
  }
  const essential = new Set((desired.daemons ?? []).filter((d) => d.essential).map((d) => d.name));
  // blobs per node in one pass over the holders (a mesh may hold 10,000 blobs on 200 nodes)
  const onNode = new Map<string, string[]>();
  for (const blob of blobs) {
    for (const h of holders.get(blob) ?? []) {
      const list = onNode.get(h);
      if (list) list.push(blob);
      else onNode.set(h, [blob]);
    }
  }
  const cutNodes = new Set<number>();
  for (const key of s.links.keys()) {
    cutNodes.add(Math.floor(key / 65536));
    cutNodes.add(key % 65536);
  }
  const nodes = new Map<string, DeckNode>();
  for (let n = 0; n < store.nodeCodes.length; n++) {
    const name = str(store.nodeCodes[n]);
    if (!name) continue;
    const st = nodeStateName(s, n);
    const raw = st === "other" ? str(s.nodeReason[n]) : st;
    const maintenance = MAINTENANCE_OF[raw] ?? raw;
    const replicas = onNode.get(name) ?? [];
    nodes.set(name, {
      node: name,
      maintenance,
      heat: heat.get(name) ?? 0,
      draining: DRAINING.has(maintenance),
      replicas,
      daemonsLeft: [],
      toSafe: NaN,
      daemons: { up: 0, down: 0, names: [] },
      held: holds.filter((x) => x.node === name).map(({ node: _n, ...rest }) => rest),
      placements: placedIn.get(name) ?? 0,
      load: 0,
      cut: cutNodes.has(n),
    });
  }
  for (let a = 0; a < store.actorCodes.length; a++) {
    if (str(store.actorClass[a]) !== "DaemonActor" || s.status[a] === 0) continue;
    const nd = nodes.get(str(store.nodeCodes[s.node[a]]));
    if (!nd) continue;
    const status = statusName(s, a, t);
    const id = str(store.actorCodes[a]);
    const up = status === "idle" || status === "busy";
    if (up) {
      nd.daemons.up++;
      // a daemon's saturation signal: the load it published (only daemons that report one)
      const load = store.actorAttrs.has(store.actorCodes[a]) ? actorAttrs(store, s, a)?.load : undefined;
      if (typeof load === "number" && load > nd.load) nd.load = load;
    }
    else if (status !== "stopped") nd.daemons.down++;
    nd.daemons.names.push(`${id} ${status}`);
    if (up && nd.draining && !essential.has(id.split("@")[0])) nd.daemonsLeft.push(id);
  }
  for (const nd of nodes.values()) {
    if (!nd.draining) continue;
    if (!nd.replicas.length && !nd.daemonsLeft.length) {
      nd.toSafe = 0;
      continue;
    }
    if (!(copyRate > 0)) continue;
    // each copy still here: the rest of its transfer if it is moving, a whole one if not
    let eta = 0;
    const leaving = new Map(transit.filter((x) => x.src === nd.node).map((x) => [x.blob, x]));
    for (const blob of nd.replicas) {
      const moving = leaving.get(blob);
      const size = moving ? store.size.data[starts.get(moving.id) as number] : sizeOf.get(blob);
      if (!(Number(size) > 0)) {
        eta = NaN;
        break;
      }
      const full = Number(size) / copyRate;
      eta = Math.max(eta, moving ? Math.max(0, moving.start + full - t) : full);
    }
    nd.toSafe = eta;
  }
  return { t, actions, failures, drift, nodes, transit, links: f.linkList, copyRate };
}

/**
 * Do rows [from, to) of the store hold a MeshOS engine event? A view asks only about the rows
 * new since its last frame: hasEngine scans every row whenever the store grew, which, once per
 * chunk of a trace still loading, costs the square of its length.
 */
export function engineIn(store: EventStore, from: number, to: number): boolean {
  const kind = store.kind.data;
  for (let i = from; i < to; i++) if (ENGINE.has(kind[i])) return true;
  return false;
}

/** Does this store hold a MeshOS engine's events at all? (the deck stays out of plain traces) */
export function hasEngine(store: EventStore): boolean {
  return engineRows(store).rows.length > 0;
}
