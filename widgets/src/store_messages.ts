// The message index: one entry per msg_send, joined to its msg_recv / msg_drop by msg_id, and
// the blocks that find the messages in flight at a time. The layer of EventStore (store.ts)
// above the rows; its per-row entry points (indexSend, indexEnd) write the typed arrays in place.
import { Grow } from "./grow";
import { StoreRows } from "./store_rows";

const BLOCK = 256; // messages per block of the in-flight index

export class MessageIndex extends StoreRows {
  readonly msgIndex = new Map<number, number>();
  readonly mSendRow = new Grow(Int32Array);
  readonly mEndRow = new Grow(Int32Array); // msg_recv or msg_drop row, -1 while unknown
  readonly mStart = new Grow(Float64Array);
  readonly mEnd = new Grow(Float64Array); // leaves flight (recv / drop), or expected arrival
  readonly mArrive = new Grow(Float64Array); // where progress reaches 1 (the receiver)
  readonly mSrc = new Grow(Int32Array); // actor index, -1 unknown
  readonly mDst = new Grow(Int32Array);
  readonly mSrcNode = new Grow(Int32Array);
  readonly mDstNode = new Grow(Int32Array); // -1 until the message ends
  readonly mType = new Grow(Int32Array);
  readonly mDropped = new Grow(Uint8Array);
  private blockMinStart: number[] = [];
  private blockMaxEnd: number[] = [];
  maxLatency = 0;
  latencySum = 0;
  latencyCount = 0;
  msgTypes = new Set<number>();
  /** 1 for the string codes already in msgTypes: the per-send check without a Set. */
  private typeSeen = new Uint8Array(0);
  /** msg_id -> message index for small integer ids (the common case); others use msgIndex. */
  private msgById = new Grow(Int32Array, 1024);
  /** Messages indexed so far; the eleven message columns' lengths are set once per chunk. */
  protected msgCount = 0;

  /**
   * Room for the sends of every row announced, at the rate of sends seen so far (and 8% more
   * when it runs short): the eleven message columns are allocated about once, neither copied
   * at every doubling nor twice as big as needed. Past the announced rows they double.
   */
  protected roomForSends(seen: number, sends: number): void {
    const rate = (this.msgCount + sends) / seen;
    const rest = this.expectedRows > seen ? Math.ceil(rate * (this.expectedRows - seen)) : 0;
    const want = this.msgCount + sends + rest;
    const cap = this.mSendRow.data.length;
    if (want > cap) {
      if (rest > 0) this.reserveMessages(Math.max(Math.ceil(want * 1.08), Math.ceil(cap * 1.0625)), true);
      else this.reserveMessages(want, false);
    }
  }

  private reserveMessages(want: number, exact: boolean): void {
    for (const g of [this.mSendRow, this.mEndRow, this.mStart, this.mEnd, this.mArrive, this.mSrc, this.mDst, this.mSrcNode, this.mDstNode, this.mType, this.mDropped]) {
      if (exact) g.reserveExact(want);
      else g.reserve(want);
    }
    // the simulator's ids run 0, 1, 2, ...: as many slots as messages
    if (exact) this.msgById.reserveExact(want);
  }

  /** Set the eleven message columns' lengths to the messages indexed: once per chunk. */
  protected settleMessages(): void {
    const len = this.msgCount;
    this.mSendRow.length = this.mEndRow.length = this.mStart.length = this.mEnd.length = len;
    this.mArrive.length = this.mSrc.length = this.mDst.length = this.mSrcNode.length = len;
    this.mDstNode.length = this.mType.length = this.mDropped.length = len;
  }

  protected override growCodeTables(): number {
    const cap = super.growCodeTables();
    if (cap) {
      const seen = new Uint8Array(cap);
      seen.set(this.typeSeen);
      this.typeSeen = seen;
    }
    return cap;
  }

  /** Message index of a msg_id, or -1. */
  messageOf(id: number): number {
    if (!(id >= 0)) return -1; // null: -1 (NaN from an older producer)
    if (id < this.msgById.length && Number.isInteger(id)) {
      const m = this.msgById.data[id];
      if (m >= 0) return m;
    }
    return this.msgIndex.get(id) ?? -1;
  }

  protected indexSend(row: number, node: number): void {
    const id = this.msgId.data[row];
    const m = this.msgCount++;
    if (id >= 0 && id < 1 << 26 && Number.isInteger(id)) {
      if (id >= this.msgById.length) {
        this.msgById.reserve(id + 1);
        this.msgById.data.fill(-1, this.msgById.length, id + 1);
        this.msgById.length = id + 1;
      }
      this.msgById.data[id] = m;
    } else if (id >= 0) this.msgIndex.set(id, m); // a send without an id joins nothing
    const t = this.t.data[row];
    const dur = this.duration.data[row];
    const expected = Number.isFinite(dur) ? t + dur : t;
    const sc = this.actor.data[row];
    const dc = this.peer.data[row];
    const src = sc >= 0 ? this.actorByCode[sc] : -1;
    const dst = dc >= 0 ? this.actorByCode[dc] : -1;
    // room was reserved for the chunk's sends (appendColumns): written in place
    this.mSendRow.data[m] = row;
    this.mEndRow.data[m] = -1;
    this.mStart.data[m] = t;
    this.mEnd.data[m] = expected;
    this.mArrive.data[m] = expected;
    this.mSrc.data[m] = src;
    this.mDst.data[m] = dst;
    this.mSrcNode.data[m] = node;
    this.mDstNode.data[m] = -1;
    const ty = this.msgType.data[row];
    this.mType.data[m] = ty;
    if (ty >= 0 && !this.typeSeen[ty]) {
      this.typeSeen[ty] = 1;
      this.msgTypes.add(ty);
    }
    this.mDropped.data[m] = 0;
    const b = m / BLOCK | 0;
    if (b === this.blockMinStart.length) {
      this.blockMinStart.push(t);
      this.blockMaxEnd.push(expected);
    } else {
      if (t < this.blockMinStart[b]) this.blockMinStart[b] = t;
      if (expected > this.blockMaxEnd[b]) this.blockMaxEnd[b] = expected;
    }
  }

  protected indexEnd(row: number, node: number, dropped: boolean): void {
    const m = this.messageOf(this.msgId.data[row]);
    if (m < 0) return; // its send is not in this frame (a live stream joined late)
    if (this.mEndRow.data[m] >= 0) return; // already ended: a discarded drop after its recv
    const t = this.t.data[row];
    this.mEndRow.data[m] = row;
    this.mEnd.data[m] = t;
    this.mDstNode.data[m] = node;
    const start = this.mStart.data[m];
    if (dropped) {
      this.mDropped.data[m] = 1;
      // A drop ends the flight where it happened: partway if it was lost on the way.
      if (this.mArrive.data[m] < t) this.mArrive.data[m] = t;
    } else {
      this.mArrive.data[m] = t;
      const lat = t - start;
      if (lat > this.maxLatency) this.maxLatency = lat;
      this.latencySum += lat;
      this.latencyCount++;
    }
    const b = m / BLOCK | 0;
    if (t > this.blockMaxEnd[b]) this.blockMaxEnd[b] = t;
  }

  /**
   * Messages in flight at t (sent at or before t, not yet received or dropped), written into
   * `out`; returns how many. Blocks whose time span cannot contain t are skipped whole.
   */
  inFlight(t: number, out: Grow<Int32Array>): number {
    out.length = 0;
    const nb = this.blockMinStart.length;
    const total = this.msgCount;
    for (let b = 0; b < nb; b++) {
      if (this.blockMinStart[b] > t || this.blockMaxEnd[b] <= t) continue;
      const end = Math.min(total, (b + 1) * BLOCK);
      for (let m = b * BLOCK; m < end; m++) {
        if (this.mStart.data[m] <= t && this.mEnd.data[m] > t) out.push(m);
      }
    }
    return out.length;
  }
}
