// What the topology view shows at the playhead, computed from the store and the fold, with no
// drawing: node regions, actor glyphs, messages in flight, drops, moments, cuts and, when there
// is too much to draw one by one, per-node summaries and flow bands. The frame's shapes are in
// scene_types.ts, the per-node counts in scene_counts.ts, flows in scene_flows.ts, the footer's
// notes and the caption's place in scene_notes.ts.
import { flashWindow } from "./clock";
import { HUNG_AFTER, isHung, type Folder } from "./fold";
import { arcPoint, dropProgress, progress } from "./interp";
import { K, S } from "./kinds";
import { captionStrip, center, exitPoint, GAP, gridColumns, layoutNodes, neighbours, nodeOrder, type NodeBox, type Rect } from "./layout";
import { decideLod } from "./lod";
import { Grow } from "./grow";
import { addToZone, COUNT_STRIDE, countFromFold, IDX_ABSENT, IDX_BUSY, IDX_FAILED, IDX_HUNG, IDX_IDLE, IDX_RESTARTING, IDX_STOPPED, nodeCounts } from "./scene_counts";
import { busiestZoneFlows, flowsBetween, ZONE_ANCHOR } from "./scene_flows";
import { keepsCaption } from "./partition_span";
import { captionRoom, noteLinesFor, notesRoom, zoneNotes } from "./scene_notes";
import { nodeStateName, statusName } from "./scene_status";
import type { Filters, Scene, SceneActor, SceneDrop, SceneFlow, SceneLine, SceneMoment, SceneMsg, SceneNode } from "./scene_types";
import type { EventStore } from "./store";
import { planBoxes, planPortals, planZones, sceneZones, type SceneZones, type ZoneOptions, type ZonePlan } from "./zone_scene";

// what other files import from here
export { nodeStateName, statusName } from "./scene_status";
export type { Filters, NodeStateName, Scene, SceneActor, SceneDrop, SceneFlow, SceneLine, SceneMoment, SceneMsg, SceneNode } from "./scene_types";

interface NodeLayout {
  names: string[];
  order: number[];
  /** Node boxes by node index; in a zoomed zone only its nodes have one. */
  boxOf: (NodeBox | undefined)[];
  /** Where a node without a box is (its zone's row), by node index. */
  portal: (Rect | undefined)[];
  plan: ZonePlan | null;
  /** Where a flow to or from each node index ends: the node, or its zone (ZONE_ANCHOR + zone). */
  anchorId: Int32Array;
  anchorBox: Map<number, Rect>;
  /** Kept under a full grid of nodes for a partition's caption (see partition_span.ts), or null. */
  strip: Rect | null;
}

/** Scratch buffers reused from frame to frame so playback does not churn the allocator. */
export class SceneBuilder {
  private flight = new Grow(Int32Array, 1024);
  ax = new Float32Array(0);
  ay = new Float32Array(0);
  private typeOrder = new Map<number, number>();

  typeIndex(store: EventStore, code: number): number {
    if (this.typeOrder.size !== store.msgTypes.size) {
      this.typeOrder.clear();
      let i = 0;
      for (const c of store.msgTypes) this.typeOrder.set(c, i++);
    }
    return this.typeOrder.get(code) ?? -1;
  }

  /** The node layout of the last frame: recomputed only when the area, the nodes or their slots change. */
  private layoutKey = "";
  private layout: NodeLayout = { names: [], order: [], boxOf: [], portal: [], plan: null, anchorId: new Int32Array(0), anchorBox: new Map(), strip: null };
  /** Per node, its actors by status (STATUS_INDEX order) and its hung actors: one frame's counts. */
  private counts = new Int32Array(0);

  /** Note lines a flat grid keeps room for, per store (scene_notes.ts: it only grows). */
  private noteLines = 0;
  private noteStore: EventStore | null = null;

  private layoutFor(store: EventStore, area: Rect, metaNodes: string[], zo: ZoneOptions, caption: boolean): NodeLayout {
    if (store !== this.noteStore) [this.noteStore, this.noteLines] = [store, 0];
    this.noteLines = Math.max(this.noteLines, noteLinesFor(store.actorCodes.length));
    // Slots only ever grow with the rows indexed, so the row count stands for all of them.
    const key = `${store.n}|${store.nodeCodes.length}|${area.x},${area.y},${area.w},${area.h}|${metaNodes.join("\u0001")}|${zo.focus}|${zo.meta ? Object.keys(zo.meta).length : 0}|${caption ? 1 : 0}|${this.noteLines}`;
    if (key === this.layoutKey) return this.layout;
    const nNodes = store.nodeCodes.length;
    const names = store.nodeCodes.map((c) => store.str(c));
    const order = nodeOrder(names, metaNodes);
    // from the first cut to the last heal the zones keep room for the partition's caption
    const plan = planZones(store, names, order, area, { ...zo, caption }, layoutNodes);
    let boxOf: (NodeBox | undefined)[];
    let portal: (Rect | undefined)[] = new Array(nNodes);
    let strip: Rect | null = null;
    if (plan) {
      boxOf = planBoxes(plan, nNodes);
      portal = planPortals(plan, nNodes);
    } else {
      // the notes saying detail was reduced get their own room under the grid (scene_notes.ts)
      const grid = { ...area, h: area.h - notesRoom(this.noteLines) };
      // from the first cut to the last heal a caption: under the grid when no cell of it is free
      strip = caption ? captionStrip(nNodes, grid) : null;
      const boxes = layoutNodes(
        order.map((i) => store.nodeSlots[i].length),
        strip ? { ...grid, h: grid.h - strip.h - GAP } : grid,
        // the grid keeps its columns (no empty cell appears beside the strip)
        gridColumns(nNodes, grid.w, grid.h),
      );
      boxOf = new Array(nNodes);
      order.forEach((i, k) => (boxOf[i] = boxes[k]));
    }
    const anchorId = new Int32Array(nNodes).fill(-1);
    const anchorBox = new Map<number, Rect>();
    for (let i = 0; i < nNodes; i++) {
      const z = plan ? plan.zoning.zoneOf[i] : -1;
      const zoneBox = plan?.overview && z >= 0 ? plan.overview.zones[z].box : undefined;
      const own = zoneBox ? undefined : boxOf[i];
      const r = zoneBox ?? own ?? portal[i];
      if (!r) continue;
      anchorId[i] = own ? i : ZONE_ANCHOR + z;
      anchorBox.set(anchorId[i], r);
    }
    this.layoutKey = key;
    this.layout = { names, order, boxOf, portal, plan, anchorId, anchorBox, strip };
    return this.layout;
  }

  build(
    store: EventStore,
    folder: Folder,
    t: number,
    area: Rect,
    f: Filters,
    speed: number,
    metaNodes: string[],
    typeColor: (order: number) => string,
    zo: ZoneOptions = { focus: "" },
  ): Scene {
    const s = folder.stateAt(t);
    const nNodes = store.nodeCodes.length;
    const { names, order, boxOf, portal, plan, strip } = this.layoutFor(store, area, metaNodes, zo, keepsCaption(store, t, s.links.size));

    // actors
    const nActors = store.actorCodes.length;
    if (this.ax.length < nActors) {
      this.ax = new Float32Array(Math.max(nActors, this.ax.length * 2));
      this.ay = new Float32Array(this.ax.length);
    }
    const ax = this.ax;
    const ay = this.ay;
    const classCode = f.actorClass ? store.strings.indexOf(f.actorClass) : -1;
    if (this.counts.length < nNodes * COUNT_STRIDE) this.counts = new Int32Array(nNodes * COUNT_STRIDE * 2);
    const counts = this.counts;
    counts.fill(0, 0, nNodes * COUNT_STRIDE);
    let smallestCell = Infinity;
    let visible = 0;
    // Without filters, the fold's per-node counts and its list of possibly busy actors give the
    // summaries; when they say the actors are drawn aggregated, no loop over every actor is
    // needed, and the few positions a frame uses (messages, drops) are placed on demand.
    const filtered = f.hideSystem || Boolean(f.actorClass);
    let lazy = false;
    if (!filtered) {
      countFromFold(counts, s, t, nNodes);
      for (let i = 0; i < nNodes; i++) {
        const c = i * COUNT_STRIDE;
        const n = counts[c + IDX_IDLE] + counts[c + IDX_BUSY] + counts[c + IDX_FAILED] + counts[c + IDX_RESTARTING] + counts[c + IDX_STOPPED];
        const box = boxOf[i];
        if (!n || !box) continue; // outside a zoomed zone: counted for its zone's row, not drawn
        visible += n;
        if (box.cell < smallestCell) smallestCell = box.cell;
      }
      lazy = decideLod({ actors: visible, smallestCell, messages: 0 }).aggregateActors;
    }
    if (lazy) ax.fill(NaN, 0, nActors);
    else {
      counts.fill(0, 0, nNodes * COUNT_STRIDE);
      smallestCell = Infinity;
      visible = 0;
    }
    // First pass: positions and counts only, in typed arrays, so that an aggregated frame of
    // 100,000 actors allocates nothing per actor and calls nothing per actor but the slot.
    for (let a = 0; a < nActors && !lazy; a++) {
      ax[a] = NaN;
      const node = s.node[a];
      const code = s.status[a];
      if (node < 0 || code === S.absent) continue;
      if (f.hideSystem && store.actorSystem[a]) continue;
      if (f.actorClass && store.actorClass[a] !== classCode) continue;
      const box = boxOf[node];
      const slot = store.slot(a, node);
      if (slot < 0 || node >= nNodes) continue;
      // statusName and isHung, inlined: this loop runs for every actor on every frame
      let k: number;
      if (code === S.alive) {
        const one = s.busyUntil[a] > t ? s.handleT[a] : NaN;
        const two = s.open[a] > 0 ? s.startT[a] : NaN;
        if (one === one || two === two) {
          k = IDX_BUSY;
          const since = one !== one ? two : two !== two ? one : Math.min(one, two);
          if (t - since > HUNG_AFTER) counts[node * COUNT_STRIDE + IDX_HUNG]++;
        } else k = IDX_IDLE;
      } else k = code === S.failed ? IDX_FAILED : code === S.restarting ? IDX_RESTARTING : code === S.stopped ? IDX_STOPPED : IDX_ABSENT;
      counts[node * COUNT_STRIDE + k]++;
      if (!box) continue; // outside a zoomed zone: counted for its zone's row, not drawn
      const gx = box.inner.x + (box.inner.w - box.cols * box.cell) / 2;
      const gy = box.inner.y + (box.inner.h - box.rows * box.cell) / 2;
      ax[a] = gx + ((slot % box.cols) + 0.5) * box.cell;
      ay[a] = gy + (Math.floor(slot / box.cols) + 0.5) * box.cell;
      visible++;
      if (box.cell < smallestCell) smallestCell = box.cell;
    }

    /** Is actor `a` drawn, with its position in ax/ay? Placed on demand in an aggregated frame. */
    const locate = (a: number): boolean => {
      if (ax[a] === ax[a]) return true;
      if (!lazy) return false;
      const node = s.node[a];
      if (node < 0 || s.status[a] === S.absent) return false;
      const box = boxOf[node];
      const slot = store.slot(a, node);
      if (!box || slot < 0) return false;
      ax[a] = box.inner.x + (box.inner.w - box.cols * box.cell) / 2 + ((slot % box.cols) + 0.5) * box.cell;
      ay[a] = box.inner.y + (box.inner.h - box.rows * box.cell) / 2 + (Math.floor(slot / box.cols) + 0.5) * box.cell;
      return true;
    };

    const nodes: SceneNode[] = order.filter((i) => boxOf[i]).map((i) => {
      const state = nodeStateName(s, i);
      const label =
        state === "other"
          ? store.str(s.nodeReason[i])
          : state === "down"
            ? "DOWN"
            : state === "unknown"
              ? "not joined"
              : state;
      return { idx: i, name: names[i], box: boxOf[i] as NodeBox, state, label, counts: nodeCounts(counts, i), hung: counts[i * COUNT_STRIDE + IDX_HUNG] };
    });
    const aggregate = decideLod({ actors: visible, smallestCell, messages: 0 }).aggregateActors;
    const actors: SceneActor[] = [];
    for (let a = 0; a < nActors && !aggregate; a++) {
      if (Number.isNaN(ax[a])) continue;
      const node = s.node[a];
      actors.push({
        idx: a,
        id: store.str(store.actorCodes[a]),
        x: ax[a],
        y: ay[a],
        r: (boxOf[node] as NodeBox).radius,
        status: statusName(s, a, t),
        crashed: s.failRow[a] >= 0,
        hung: isHung(s, a, t),
        errors: s.errors[a],
        restarts: s.restarts[a],
        incarnation: s.incarnation[a],
        system: store.actorSystem[a],
        node,
      });
    }

    // messages in flight
    const typeCode = f.msgType ? store.strings.indexOf(f.msgType) : -1;
    const flight = this.flight;
    store.inFlight(t, flight);
    const endpoints = (m: number): [number, number, number, number] | null => {
      const src = store.mSrc.data[m];
      const srcNode = store.mSrcNode.data[m];
      let x0: number;
      let y0: number;
      if (src >= 0 && s.node[src] === srcNode && locate(src)) {
        x0 = ax[src];
        y0 = ay[src];
      } else if (boxOf[srcNode]) [x0, y0] = center(boxOf[srcNode]);
      else if (portal[srcNode]) [x0, y0] = center(portal[srcNode]);
      else return null;
      const dst = store.mDst.data[m];
      const endNode = store.mDstNode.data[m];
      let x1: number;
      let y1: number;
      if (dst >= 0 && locate(dst) && (endNode < 0 || store.mDropped.data[m] || s.node[dst] === endNode)) {
        x1 = ax[dst];
        y1 = ay[dst];
      } else {
        const n = endNode >= 0 ? endNode : dst >= 0 ? s.node[dst] : -1;
        const r = n >= 0 ? (boxOf[n] ?? portal[n]) : undefined;
        if (!r) return null;
        [x1, y1] = center(r);
      }
      // both ends in one zone row of the side column: nothing to show moving
      if (x0 === x1 && y0 === y1 && !boxOf[srcNode]) return null;
      return [x0, y0, x1, y1];
    };

    const shown: number[] = [];
    for (let i = 0; i < flight.length; i++) {
      const m = flight.data[i];
      if (store.mSrc.data[m] >= 0 && store.mSrc.data[m] === store.mDst.data[m]) continue; // timers
      if (f.msgType && store.mType.data[m] !== typeCode) continue;
      shown.push(m);
    }
    const lod = decideLod({
      actors: visible,
      smallestCell: visible ? smallestCell : Infinity,
      messages: shown.length,
    });
    if (!plan && lod.notes.length > this.noteLines) {
      // more notes than the grid kept room for: widen the room and lay the frame out again
      this.noteLines = lod.notes.length;
      return this.build(store, folder, t, area, f, speed, metaNodes, typeColor, zo);
    }

    const msgs: SceneMsg[] = [];
    let flows: SceneFlow[] = [];
    if (!lod.flows) {
      for (const m of shown) {
        const e = endpoints(m);
        if (!e) continue;
        const start = store.mStart.data[m];
        const arrive = store.mArrive.data[m];
        const p = progress(start, arrive, t);
        const [x, y] = arcPoint(e[0], e[1], e[2], e[3], p);
        const [tx, ty] = arcPoint(e[0], e[1], e[2], e[3], Math.max(0, p - 0.12));
        msgs.push({ m, x, y, tx, ty, color: typeColor(this.typeIndex(store, store.mType.data[m])) });
      }
    } else {
      // between nodes, or between zones when nodes are drawn in zones (flows between 200
      // cells would be a tangle): a flow's ends are anchors, a node's or its zone's region
      const { anchorId, anchorBox } = this.layout;
      flows = flowsBetween(store, s, shown, nNodes, anchorId, anchorBox, (ty) => typeColor(this.typeIndex(store, ty)));
    }

    // between zones only the busiest few; the footer says how many pairs there were
    const flowPairs = flows.length;
    if (plan?.overview) busiestZoneFlows(flows);

    // moments (spawn, fail, restart, node changes) and drops, recent enough to still show
    const w = flashWindow(speed, store.t1 - store.t0);
    const moments: SceneMoment[] = [];
    const drops: SceneDrop[] = [];
    for (const row of store.momentsIn(t - w, t, 400)) {
      const k = store.kind.data[row];
      const age = Math.min(1, Math.max(0, (t - store.t.data[row]) / w));
      if (k === K.msg_drop) {
        const m = store.messageOf(store.msgId.data[row]);
        if (m < 0) continue;
        if (f.msgType && store.mType.data[m] !== typeCode) continue;
        const reason = store.str(store.reason.data[row]);
        const e = endpoints(m);
        if (!e) {
          const dst = store.mDst.data[m];
          if (dst >= 0 && locate(dst)) drops.push({ m, row, x: ax[dst] + 10, y: ay[dst] - 10, age });
          continue;
        }
        // On the link, where it was lost: a discarded message at the receiver's end, one cut by
        // a partition where the link leaves the sender's region; never on a glyph.
        const len = Math.hypot(e[2] - e[0], e[3] - e[1]);
        let p = reason === "discarded" ? 1 : progress(store.mStart.data[m], store.mArrive.data[m], store.t.data[row]);
        const srcBox = boxOf[store.mSrcNode.data[m]];
        if (reason === "partition" && srcBox && len > 0) {
          const [bx, by] = exitPoint(srcBox, e[2], e[3]);
          p = Math.max(0, Math.hypot(bx - e[0], by - e[1]) - 8) / len;
        }
        const r = srcBox?.radius ?? 6;
        const [x, y] = arcPoint(e[0], e[1], e[2], e[3], dropProgress(p, len, r + 8));
        drops.push({ m, row, x, y, age });
      } else if (k >= K.actor_spawn && k <= K.actor_restart) {
        const a = store.actorOf.get(store.actor.data[row]);
        if (a === undefined || lod.aggregateActors || !locate(a)) continue;
        moments.push({ row, kind: k, x: ax[a], y: ay[a], r: boxOf[s.node[a]]?.radius ?? 4, box: null, age });
      } else if (k <= K.node_state) {
        const n = store.nodeOf.get(store.node.data[row]);
        const box = n === undefined ? undefined : boxOf[n];
        if (!box) continue;
        const [x, y] = center(box);
        moments.push({ row, kind: k, x, y, r: 0, box, age });
      }
    }

    // partitions: cut links between node regions
    const cuts: Scene["cuts"] = [];
    for (const [key, row] of s.links) {
      const a = Math.floor(key / 65536);
      const b = key % 65536;
      if (!boxOf[a] || !boxOf[b]) continue;
      const [x0, y0] = center(boxOf[a]);
      const [x1, y1] = center(boxOf[b]);
      cuts.push({ x0, y0, x1, y1, a: names[a], b: names[b], row, adjacent: neighbours(boxOf[a], boxOf[b]) });
    }

    const supervision: SceneLine[] = [];
    if (f.supervision && !lod.aggregateActors) {
      for (const act of actors) {
        const p = store.actorOf.get(store.actorParent[act.idx]);
        if (p === undefined || !locate(p)) continue;
        supervision.push({ x0: ax[p], y0: ay[p], x1: act.x, y1: act.y });
      }
    }

    let zones: SceneZones | null = null;
    let caption: Rect | null = null;
    if (plan) {
      zones = sceneZones(
        plan,
        (n) => nodeStateName(s, n),
        (n, into) => addToZone(counts, n, into),
        (n) => names[n],
      );
      lod.notes = zoneNotes(plan, lod, visible, shown.length, flowPairs, flows.length);
      if (s.links.size) caption = captionRoom(zones, null);
    } else if (strip && s.links.size) caption = captionRoom(null, strip);

    return {
      t,
      width: area.w,
      height: area.h,
      zones,
      caption,
      nodes,
      actors,
      msgs,
      drops,
      moments,
      cuts,
      flows,
      supervision,
      lod,
      inFlight: shown.length,
      visibleActors: visible,
    };
  }
}
