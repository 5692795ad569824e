// Folding one event into the state (docs/contract.md, "State at a time"): the unit of the fold,
// shared by the keyframe builder (keyframes_builder.ts) and a jump's replay (fold.ts).
import { touchActorOf, touchNodeOf } from "./keyframes_cursor";
import { K, N, S } from "./kinds";
import type { EventStore } from "./store";
import { R_DISCARDED, R_ERROR, R_SHUTDOWN, R_UP } from "./store_rows";
import { STATUS_SLOTS, markBusy, type MeshState } from "./fold_state";

/** Move actor `a` to `status` on `node`, keeping the per-node counts. */
function setStatus(s: MeshState, a: number, status: number, node: number): void {
  const was = s.node[a];
  if (was >= 0) {
    s.nodeCounts[was * STATUS_SLOTS + s.status[a]]--;
    touchNodeOf(s, was);
  }
  s.status[a] = status;
  s.node[a] = node;
  if (node >= 0) {
    if (node >= s.nodeCap) s.ensure(0, node + 1);
    s.nodeCounts[node * STATUS_SLOTS + status]++;
    touchNodeOf(s, node);
  }
}

/** Fold one event into the state. Pure apart from mutating `s`; the unit of the fold. */
export function applyRow(s: MeshState, st: EventStore, row: number): void {
  const k = st.kind.data[row];
  if (k >= K.actor_spawn) {
    const code = st.actor.data[row];
    if (k <= K.actor_restart) {
      const a = code >= 0 ? st.actorByCode[code] : -1;
      if (a < 0) return;
      s.ensure(a + 1, st.nodeCodes.length);
      touchActorOf(s, a);
      s.lifeRow[a] = row;
      if (k === K.actor_spawn || k === K.actor_restart) {
        setStatus(s, a, S.alive, st.nodeByCode[st.node.data[row]]);
        s.incarnation[a] = st.incarnation.data[row];
        s.mailbox[a] = 0;
        s.busyUntil[a] = -Infinity;
        s.open[a] = 0;
        s.failRow[a] = -1;
        if (k === K.actor_restart) s.restarts[a]++;
      } else if (k === K.actor_fail) {
        setStatus(s, a, st.restartFollows.has(row) ? S.restarting : S.failed, s.node[a]);
        s.failRow[a] = row;
        s.busyUntil[a] = -Infinity;
      } else {
        // only a supervisor's shutdown is part of a restart; a normal stop stays a stop
        const restart = st.restartFollows.has(row) && st.reasonHas(row, R_SHUTDOWN);
        setStatus(s, a, restart ? S.restarting : S.stopped, s.node[a]);
        s.busyUntil[a] = -Infinity;
      }
      return;
    }
    if (k === K.msg_recv || k === K.msg_handle || k === K.msg_drop || k === K.handler_start || k === K.handler_end) {
      // An actor that is not alive neither receives nor handles (docs/contract.md); a
      // discarded drop still empties the mailbox of the life that just ended.
      const a = code >= 0 ? st.actorByCode[code] : -1;
      if (a < 0 || (s.status[a] !== S.alive && k !== K.msg_drop)) return;
      if (a >= s.cap) s.ensure(a + 1, st.nodeCodes.length);
      if (k !== K.msg_drop) touchActorOf(s, a);
      if (k === K.msg_recv) s.mailbox[a]++;
      else if (k === K.msg_handle) {
        const d = st.duration.data[row];
        const dur = Number.isFinite(d) ? d : 0;
        s.mailbox[a]--;
        s.processed[a]++;
        s.lastHandler[a] = st.msgType.data[row];
        s.procTime[a] += dur;
        s.handleT[a] = st.t.data[row];
        s.busyUntil[a] = st.t.data[row] + dur;
        if (dur > 0) markBusy(s, a);
        if (st.reasonHas(row, R_ERROR)) noteError(s, a, row);
      } else if (k === K.handler_start) {
        // v2: a handler started, its duration unknown until its handler_end
        s.mailbox[a]--;
        s.processed[a]++;
        s.lastHandler[a] = st.msgType.data[row];
        s.busyUntil[a] = -Infinity; // the latest handler is this one, not an earlier msg_handle
        s.open[a]++;
        s.startT[a] = st.t.data[row];
        markBusy(s, a);
      } else if (k === K.handler_end) {
        const d = st.duration.data[row];
        s.procTime[a] += Number.isFinite(d) ? d : 0;
        s.open[a]--;
        if (st.reasonHas(row, R_ERROR)) noteError(s, a, row);
      } else if (st.reasonHas(row, R_DISCARDED) && s.mailbox[a] > 0) {
        s.mailbox[a]--;
        touchActorOf(s, a);
      }
      return;
    }
    if (k === K.link_down || k === K.link_up) {
      const a = st.nodeOf.get(st.node.data[row]);
      const b = st.nodeOf.get(st.peer.data[row]);
      if (a === undefined || b === undefined) return;
      const key = Math.min(a, b) * 65536 + Math.max(a, b);
      if (k === K.link_down) s.links.set(key, row);
      else s.links.delete(key);
      s.linkEdits++;
    }
    return; // msg_send changes no actor state
  }
  const n = st.nodeOf.get(st.node.data[row]);
  if (n === undefined) return;
  s.ensure(0, n + 1);
  touchNodeOf(s, n);
  s.nodeRow[n] = row;
  s.nodeReason[n] = -1;
  if (k === K.node_join || k === K.node_up) s.nodeState[n] = N.up;
  else if (k === K.node_down) s.nodeState[n] = N.down;
  else if (k === K.node_leave) s.nodeState[n] = N.left;
  else {
    if (st.reasonHas(row, R_UP)) s.nodeState[n] = N.up;
    else {
      s.nodeState[n] = N.other;
      s.nodeReason[n] = st.reason.data[row];
    }
  }
}

function noteError(s: MeshState, a: number, row: number): void {
  s.errors[a]++;
  s.errorRow[a] = row;
}
