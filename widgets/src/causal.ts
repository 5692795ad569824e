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
// The index grows with the trace (extend): a chunk's sends and receipts are appended to their
// actors' lists, so a focus kept while a live trace grows costs its walk, not a rebuild.
import { K } from "./kinds";
import type { EventStore } from "./store";

/** Message classes relative to the focus. */
export const C = { concurrent: 0, past: 1, future: 2, focus: 3 } as const;

export class CausalIndex {
  /**
   * Each actor's events (its sends and receipts) in fold order, as doubly linked lists over
   * flat arrays, so that a chunk's events are appended and a receipt that moves (a message's
   * msg_recv first, its handler start in a later chunk) is unlinked in O(1).
   */
  private evPos = new Int32Array(1024);
  /** The message of each event: m for its send, ~m (negative) for its receipt. */
  private evMsg = new Int32Array(1024);
  private evNext = new Int32Array(1024);
  private evPrev = new Int32Array(1024);
  private nEv = 0;
  /** Per actor, its first and last event, -1 for none. */
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  /** Per message: the row of its receipt (handler start, else recv), -1 when none. */
  recvRow = new Int32Array(0);
  /** Per message: its receipt's event, and whether a handler start is that receipt. */
  private recvEv = new Int32Array(0);
  private handled = new Uint8Array(0);
  /** Rows read (fold positions [0, built)): store.n when up to date. */
  built = 0;
  /** The last extend: where it started, and the receipts it moved ([message, old position] pairs). */
  lastFrom = 0;
  moved: number[] = [];

  constructor(readonly store: EventStore) {
    this.extend();
  }

  /**
   * Read the rows that arrived since the last call. Returns false, reading nothing, when some
   * of them fold before rows already read (a merged stream running late): then build anew.
   */
  extend(): boolean {
    const s = this.store;
    const from = this.built;
    for (let r = from; r < s.n; r++) if (s.posOf(r) < from) return false;
    this.lastFrom = from;
    this.moved = [];
    const nA = s.actorCodes.length;
    if (nA > this.head.length) {
      const cap = Math.max(nA, this.head.length * 2, 64);
      for (const name of ["head", "tail"] as const) {
        const next = new Int32Array(cap).fill(-1);
        next.set(this[name]);
        this[name] = next;
      }
    }
    const nM = s.mSendRow.length;
    if (nM > this.recvRow.length) {
      const cap = Math.max(nM, this.recvRow.length * 2, 1024);
      const rr = new Int32Array(cap).fill(-1);
      rr.set(this.recvRow);
      const re = new Int32Array(cap).fill(-1);
      re.set(this.recvEv);
      const h = new Uint8Array(cap);
      h.set(this.handled);
      [this.recvRow, this.recvEv, this.handled] = [rr, re, h];
    }
    for (let p = from; p < s.n; p++) {
      const r = s.rowAt(p);
      const k = s.kind.data[r];
      if (k === K.msg_send) {
        const m = s.messageOf(s.msgId.data[r]);
        if (m < 0 || s.mSendRow.data[m] !== r) continue;
        const src = s.mSrc.data[m];
        if (src >= 0) this.push(src, p, m);
      } else if (k === K.msg_recv) {
        // the receipt until a handler starts on the message (a message waiting in a mailbox)
        const m = s.messageOf(s.msgId.data[r]);
        if (m < 0 || s.mEndRow.data[m] !== r || this.handled[m]) continue;
        this.recvRow[m] = r;
        const dst = s.mDst.data[m];
        if (dst >= 0) this.recvEv[m] = this.push(dst, p, ~m);
      } else if (k === K.msg_handle || k === K.handler_start) {
        // the first handler start in fold order is the receipt: it replaces the msg_recv
        const m = s.messageOf(s.msgId.data[r]);
        if (m < 0 || this.handled[m]) continue;
        this.handled[m] = 1;
        const dst = s.mDst.data[m];
        if (this.recvEv[m] >= 0) {
          this.unlink(dst, this.recvEv[m]);
          if (this.recvRow[m] >= 0 && this.evPos[this.recvEv[m]] < from) this.moved.push(m, this.evPos[this.recvEv[m]]);
        }
        this.recvRow[m] = r;
        this.recvEv[m] = dst >= 0 ? this.push(dst, p, ~m) : -1;
      }
    }
    this.built = s.n;
    return true;
  }

  private push(a: number, p: number, msg: number): number {
    const e = this.nEv++;
    if (e === this.evPos.length) {
      const cap = e * 2;
      for (const name of ["evPos", "evMsg", "evNext", "evPrev"] as const) {
        const next = new Int32Array(cap);
        next.set(this[name]);
        this[name] = next;
      }
    }
    this.evPos[e] = p;
    this.evMsg[e] = msg;
    this.evNext[e] = -1;
    this.evPrev[e] = this.tail[a];
    if (this.tail[a] >= 0) this.evNext[this.tail[a]] = e;
    else this.head[a] = e;
    this.tail[a] = e;
    return e;
  }

  private unlink(a: number, e: number): void {
    const prev = this.evPrev[e];
    const next = this.evNext[e];
    if (prev >= 0) this.evNext[prev] = next;
    else this.head[a] = next;
    if (next >= 0) this.evPrev[next] = prev;
    else this.tail[a] = prev;
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
    const next = this.head.slice(0, nA); // next event to scan, per actor (scans go forward)
    const stack: number[] = [actor];
    front[actor] = p;
    while (stack.length) {
      const x = stack.pop() as number;
      let i = next[x];
      for (; i >= 0 && this.evPos[i] <= front[x]; i = this.evNext[i]) {
        const e = this.evMsg[i];
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
    const next = this.tail.slice(0, nA); // next event to scan, per actor (scans go backward)
    const stack: number[] = [actor];
    front[actor] = p;
    while (stack.length) {
      const x = stack.pop() as number;
      let i = next[x];
      for (; i >= 0 && this.evPos[i] >= front[x]; i = this.evPrev[i]) {
        const m = this.evMsg[i];
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
  /** What it was computed over: the index's rows, the messages, the focus's receipt position. */
  built: number;
  messages: number;
  focusRecv: number;
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
  const focusRecv = focus >= 0 ? ix.recvPos(focus) : -1;
  return { message: focus, row, past, future, msgClass: cls, pastCount, futureCount, built: ix.built, messages: nM, focusRecv };
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

/**
 * Carry a focus's past and future over the rows the index's last extend read, in time
 * proportional to them: new events fold after the focus, so its past is unchanged and its future
 * only gains actors (the first new receipt of a message sent in the future) and messages (new
 * sends of actors in the future). Returns false when that does not hold and the set must be
 * computed anew: the index was extended more than once since, a receipt the past or the future
 * relied on moved (its handler started in this chunk), or the focused message got its receipt.
 */
export function advanceCausal(ix: CausalIndex, c: CausalSet): boolean {
  const s = ix.store;
  if (c.built !== ix.lastFrom || ix.built !== s.n) return false;
  if (c.message >= 0 && ix.recvPos(c.message) !== c.focusRecv) return false;
  for (let i = 0; i < ix.moved.length; i += 2) {
    const m = ix.moved[i];
    const dst = s.mDst.data[m];
    const old = ix.moved[i + 1];
    if (dst >= 0 && dst < c.past.length && (old <= c.past[dst] || old === c.future[dst])) return false;
  }
  const nA = s.actorCodes.length;
  if (nA > c.past.length) {
    const past = new Int32Array(nA).fill(-1);
    past.set(c.past);
    const future = new Int32Array(nA).fill(0x7fffffff);
    future.set(c.future);
    [c.past, c.future] = [past, future];
  }
  const { future } = c;
  // new receipts in fold order: one of a message sent in the future brings its receiver in
  for (let p = ix.lastFrom; p < s.n; p++) {
    const r = s.rowAt(p);
    const k = s.kind.data[r];
    if (k !== K.msg_recv && k !== K.msg_handle && k !== K.handler_start) continue;
    const m = s.messageOf(s.msgId.data[r]);
    if (m < 0 || ix.recvRow[m] !== r) continue;
    const src = s.mSrc.data[m];
    const dst = s.mDst.data[m];
    if (src >= 0 && dst >= 0 && p < future[dst] && ix.sendPos(m) >= future[src]) future[dst] = p;
  }
  // old messages keep their class (new positions are after every past front and before no old
  // send); the new ones are in the future when their sender was by then
  const nM = s.mSendRow.length;
  if (nM > c.msgClass.length) {
    const cls = new Uint8Array(Math.max(nM, c.msgClass.length * 2));
    cls.set(c.msgClass);
    c.msgClass = cls;
  }
  for (let m = c.messages; m < nM; m++) {
    const src = s.mSrc.data[m];
    if (src >= 0 && ix.sendPos(m) >= future[src]) {
      c.msgClass[m] = C.future;
      c.futureCount++;
    }
  }
  c.messages = nM;
  c.built = ix.built;
  return true;
}
