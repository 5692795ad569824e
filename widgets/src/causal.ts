// Happens-before over a trace, as ShiViz shows it: an event's causal past is every event that
// could have influenced it (earlier on its own actor, or earlier than a send whose message its
// actor later handled, transitively), its causal future every event it could have influenced.
// The rest is concurrent with it.
//
// Each actor is a process whose events are its sends and receipts in fold order (t, seq). A
// message's receipt is the moment its handler starts (msg_handle or handler_start) when the
// trace has one, else its msg_recv: a message waiting in a mailbox has influenced nothing yet.
// A dropped message has no receipt. Instead of vector clocks (one per event, nodes × events of
// memory) the closure is a reachability walk keeping one frontier per actor: the past frontier is
// the last fold position of that actor known to be in the past; each receipt at or before it
// pulls its sender's frontier up to the send. Every event is scanned at most once per click.
import { K } from "./kinds";
import type { EventStore } from "./store";

/** Message classes relative to the focus. */
export const C = { concurrent: 0, past: 1, future: 2, focus: 3 } as const;

export class CausalIndex {
  /** Per actor, its events in fold order: CSR offsets into pos/msg. */
  readonly start: Int32Array;
  /** Fold position of each event. */
  readonly pos: Int32Array;
  /** The message of each event: m for its send, ~m (negative) for its receipt. */
  readonly msg: Int32Array;
  /** Per message: the row of its receipt (handler start, else recv), -1 when none. */
  readonly recvRow: Int32Array;
  readonly built: number; // store.n when built

  constructor(readonly store: EventStore) {
    const s = store;
    const nM = s.mSendRow.length;
    const nA = s.actorCodes.length;
    const recvRow = new Int32Array(nM).fill(-1);
    // receipts: the first handler start of each message, else its msg_recv
    for (let m = 0; m < nM; m++) {
      const r = s.mEndRow.data[m];
      if (r >= 0 && s.kind.data[r] === K.msg_recv) recvRow[m] = r;
    }
    const handled = new Uint8Array(nM);
    for (let r = 0; r < s.n; r++) {
      const k = s.kind.data[r];
      if (k !== K.msg_handle && k !== K.handler_start) continue;
      const m = s.messageOf(s.msgId.data[r]);
      if (m < 0) continue;
      if (!handled[m] || s.posOf(r) < s.posOf(recvRow[m])) recvRow[m] = r;
      handled[m] = 1;
    }
    // one pass in fold order puts every actor's events in order
    const rowMsg = new Int32Array(s.n).fill(-1);
    const count = new Int32Array(nA + 1);
    for (let m = 0; m < nM; m++) {
      const src = s.mSrc.data[m];
      const dst = s.mDst.data[m];
      if (src >= 0) {
        rowMsg[s.mSendRow.data[m]] = m;
        count[src + 1]++;
      }
      if (dst >= 0 && recvRow[m] >= 0) {
        rowMsg[recvRow[m]] = m;
        count[dst + 1]++;
      }
    }
    for (let a = 0; a < nA; a++) count[a + 1] += count[a];
    const fill = count.slice(0, nA);
    const pos = new Int32Array(count[nA]);
    const msg = new Int32Array(count[nA]);
    for (let p = 0; p < s.n; p++) {
      const r = s.rowAt(p);
      const m = rowMsg[r];
      if (m < 0) continue;
      const send = r === s.mSendRow.data[m];
      const a = send ? s.mSrc.data[m] : s.mDst.data[m];
      const i = fill[a]++;
      pos[i] = p;
      msg[i] = send ? m : ~m;
    }
    this.start = count;
    this.pos = pos;
    this.msg = msg;
    this.recvRow = recvRow;
    this.built = s.n;
  }

  /** Fold position of a message's receipt, -1 when it has none (dropped, in flight). */
  recvPos(m: number): number {
    const r = this.recvRow[m];
    return r >= 0 ? this.store.posOf(r) : -1;
  }

  sendPos(m: number): number {
    return this.store.posOf(this.store.mSendRow.data[m]);
  }

  /** Per actor, the last fold position in the causal past of (actor, p), -1 for none. */
  past(actor: number, p: number): Int32Array {
    const s = this.store;
    const nA = s.actorCodes.length;
    const front = new Int32Array(nA).fill(-1);
    const next = this.start.slice(0, nA); // next event to scan, per actor (scans go forward)
    const stack: number[] = [actor];
    front[actor] = p;
    while (stack.length) {
      const x = stack.pop() as number;
      const end = this.start[x + 1];
      let i = next[x];
      for (; i < end && this.pos[i] <= front[x]; i++) {
        const e = this.msg[i];
        if (e >= 0) continue; // a send pulls nothing into the past
        const m = ~e;
        const src = s.mSrc.data[m];
        const q = this.sendPos(m);
        if (src >= 0 && q > front[src]) {
          front[src] = q;
          stack.push(src);
        }
      }
      next[x] = i;
    }
    return front;
  }

  /** Per actor, the first fold position in the causal future of (actor, p), 2^31-1 for none. */
  future(actor: number, p: number): Int32Array {
    const s = this.store;
    const nA = s.actorCodes.length;
    const NONE = 0x7fffffff;
    const front = new Int32Array(nA).fill(NONE);
    const next = new Int32Array(nA); // next event to scan, per actor (scans go backward)
    for (let a = 0; a < nA; a++) next[a] = this.start[a + 1] - 1;
    const stack: number[] = [actor];
    front[actor] = p;
    while (stack.length) {
      const x = stack.pop() as number;
      const begin = this.start[x];
      let i = next[x];
      for (; i >= begin && this.pos[i] >= front[x]; i--) {
        const m = this.msg[i];
        if (m < 0) continue; // a receipt pushes nothing into the future
        const dst = s.mDst.data[m];
        const q = this.recvPos(m);
        if (dst >= 0 && q >= 0 && q < front[dst]) {
          front[dst] = q;
          stack.push(dst);
        }
      }
      next[x] = i;
    }
    return front;
  }
}

export interface CausalSet {
  /** The message in focus, or -1 when the focus is an event. */
  message: number;
  /** The row in focus (the send of a focused message). */
  row: number;
  past: Int32Array;
  future: Int32Array;
  /** C.* per message. */
  msgClass: Uint8Array;
  pastCount: number;
  futureCount: number;
}

function classify(ix: CausalIndex, past: Int32Array, future: Int32Array, focus: number, row: number): CausalSet {
  const s = ix.store;
  const nM = s.mSendRow.length;
  const cls = new Uint8Array(nM);
  let pastCount = 0;
  let futureCount = 0;
  for (let m = 0; m < nM; m++) {
    if (m === focus) {
      cls[m] = C.focus;
      continue;
    }
    const src = s.mSrc.data[m];
    const dst = s.mDst.data[m];
    const rp = ix.recvPos(m);
    // in the past when its receipt is (its send then is too); in the future when its send is
    if (dst >= 0 && rp >= 0 && rp <= past[dst]) {
      cls[m] = C.past;
      pastCount++;
    } else if (src >= 0 && ix.sendPos(m) >= future[src]) {
      cls[m] = C.future;
      futureCount++;
    }
  }
  return { message: focus, row, past, future, msgClass: cls, pastCount, futureCount };
}

/**
 * The causal past and future of a message: the past of its send, the future of its receipt
 * (of its send when it was never received).
 */
export function causalOfMessage(ix: CausalIndex, m: number): CausalSet {
  const s = ix.store;
  const src = s.mSrc.data[m];
  const dst = s.mDst.data[m];
  const sp = ix.sendPos(m);
  const nA = s.actorCodes.length;
  const past = src >= 0 ? ix.past(src, sp) : new Int32Array(nA).fill(-1);
  const rp = ix.recvPos(m);
  const future = dst >= 0 && rp >= 0 ? ix.future(dst, rp) : src >= 0 ? ix.future(src, sp) : new Int32Array(nA).fill(0x7fffffff);
  return classify(ix, past, future, m, s.mSendRow.data[m]);
}

/** The causal past and future of one event (a row) of an actor. */
export function causalOfEvent(ix: CausalIndex, actor: number, row: number): CausalSet {
  const p = ix.store.posOf(row);
  return classify(ix, ix.past(actor, p), ix.future(actor, p), -1, row);
}
