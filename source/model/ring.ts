/**
 * The rolling buffer of recent events, as a struct of typed arrays (one column per field, no
 * object per event). Bounded by count (the oldest event is overwritten when full) and by age
 * (expireBefore). Storage grows by doubling up to the count bound, so an idle session does not
 * hold the full bound's memory.
 *
 * Columns and their widths: tsUs f64, pid i32, row i32 (the model's process-row id), comm i32
 * (interned command id), opcode u8, hasResult u8, fd i32, offset f64, length u32, result i32,
 * latencyNs f64, seenUs f64 = 58 bytes per event. fd holds a registered-file index marked as
 * such (event.ts: packFd). length and result are stored as 32-bit integers,
 * which is what io_uring's sqe->len and cqe->res are.
 *
 * seenUs is the latest event time pushed so far (a running maximum), so it never decreases along
 * the buffer even when events arrive slightly out of order: a scan from the newest event back can
 * stop at the first seenUs before a window's start, knowing no older-pushed event is inside it.
 */
import { packFd, type IoEvent } from './event.js';

/** The columns and their element types, in the order above. */
const COLUMNS = {
  tsUs: Float64Array,
  pid: Int32Array,
  row: Int32Array,
  comm: Int32Array,
  opcode: Uint8Array,
  hasResult: Uint8Array,
  fd: Int32Array,
  offset: Float64Array,
  length: Uint32Array,
  result: Int32Array,
  latencyNs: Float64Array,
  seenUs: Float64Array,
} as const;
type ColumnName = keyof typeof COLUMNS;
type Columns = Pick<EventRing, ColumnName>;
const NAMES = Object.keys(COLUMNS) as ColumnName[];

export const RING_BYTES_PER_EVENT = NAMES.reduce((n, k) => n + COLUMNS[k].BYTES_PER_ELEMENT, 0);
const INITIAL_CAPACITY = 1 << 16;

/** Every column, `n` slots long (zeroed). */
function allocate(n: number): Columns {
  const cols = {} as Record<ColumnName, unknown>;
  for (const k of NAMES) cols[k] = new COLUMNS[k](n);
  return cols as unknown as Columns;
}

export class EventRing {
  tsUs!: Float64Array;
  pid!: Int32Array;
  row!: Int32Array;
  comm!: Int32Array;
  opcode!: Uint8Array;
  hasResult!: Uint8Array;
  fd!: Int32Array;
  offset!: Float64Array;
  length!: Uint32Array;
  result!: Int32Array;
  latencyNs!: Float64Array;
  seenUs!: Float64Array;
  /** Running maximum of the pushed event times. */
  private maxTs = -Infinity;

  /** Physical index of the oldest event. */
  head = 0;
  /** Number of buffered events. */
  size = 0;
  /** Allocated slots. */
  capacity: number;
  /** Events pushed out because the buffer was full (count bound). */
  overwritten = 0;
  /** The latest time among the events pushed out (0 before any): a window after it is whole. */
  overwrittenUntilUs = 0;
  /** Events dropped because they grew older than the age bound. */
  expired = 0;

  constructor(
    readonly maxEvents: number,
    initialCapacity = INITIAL_CAPACITY,
  ) {
    if (!Number.isInteger(maxEvents) || maxEvents < 1)
      throw new RangeError('maxEvents must be >= 1');
    this.capacity = Math.max(1, Math.min(initialCapacity, maxEvents));
    Object.assign(this, allocate(this.capacity));
  }

  /**
   * Copies the `n` events from physical index `head` (wrapping at `capacity`) to the start of
   * `to`, column by column.
   */
  private copyInto(to: Columns): void {
    const n = this.size;
    const first = Math.min(n, this.capacity - this.head); // from head to the physical end
    for (const k of NAMES) {
      const from = this[k] as Float64Array;
      const dst = to[k] as Float64Array;
      dst.set(from.subarray(this.head, this.head + first), 0);
      if (n > first) dst.set(from.subarray(0, n - first), first);
    }
  }

  /** Bytes held by the columns (allocated, not only used). */
  get allocatedBytes(): number {
    return this.capacity * RING_BYTES_PER_EVENT;
  }

  push(ev: IoEvent, row: number, comm: number): void {
    if (this.size === this.capacity) {
      if (this.capacity < this.maxEvents) this.grow();
      else {
        // Full at the bound: overwrite the oldest.
        const lost = this.tsUs[this.head];
        if (lost > this.overwrittenUntilUs) this.overwrittenUntilUs = lost;
        this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
        this.size--;
        this.overwritten++;
      }
    }
    let i = this.head + this.size;
    if (i >= this.capacity) i -= this.capacity;
    this.tsUs[i] = ev.tsUs;
    this.pid[i] = ev.pid;
    this.row[i] = row;
    this.comm[i] = comm;
    this.opcode[i] = ev.opcode;
    this.hasResult[i] = ev.hasResult ? 1 : 0;
    this.fd[i] = packFd(ev.fd, ev.fixedFile);
    this.offset[i] = ev.offset;
    this.length[i] = ev.length;
    this.result[i] = ev.result;
    this.latencyNs[i] = ev.latencyNs;
    if (ev.tsUs > this.maxTs) this.maxTs = ev.tsUs;
    this.seenUs[i] = this.maxTs;
    this.size++;
  }

  /** Drops events whose time is before cutoffUs, from the oldest on (stops at the first newer one). */
  expireBefore(cutoffUs: number): void {
    while (this.size > 0 && this.tsUs[this.head] < cutoffUs) {
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      this.size--;
      this.expired++;
    }
  }

  /** Physical index of the i-th buffered event, 0 = oldest. */
  at(i: number): number {
    const p = this.head + i;
    return p >= this.capacity ? p - this.capacity : p;
  }

  oldestUs(): number {
    return this.size === 0 ? 0 : this.tsUs[this.head];
  }

  newestUs(): number {
    return this.size === 0 ? 0 : this.tsUs[this.at(this.size - 1)];
  }

  /**
   * An independent copy holding the same events in the same order, with `capacity` slots (at
   * least the events held; default: as many as this one has, so that it grows exactly as this one
   * would). A smaller capacity makes a compact copy to keep, not to push into.
   */
  clone(capacity = this.capacity): EventRing {
    const r = new EventRing(this.maxEvents, Math.max(capacity, this.size, 1));
    this.copyInto(r);
    r.size = this.size;
    r.head = 0;
    r.maxTs = this.maxTs;
    r.overwritten = this.overwritten;
    r.overwrittenUntilUs = this.overwrittenUntilUs;
    r.expired = this.expired;
    return r;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.overwritten = 0;
    this.overwrittenUntilUs = 0;
    this.expired = 0;
    this.maxTs = -Infinity;
  }

  private grow(): void {
    const cap = Math.min(this.capacity * 2, this.maxEvents);
    const fresh = allocate(cap);
    this.copyInto(fresh);
    Object.assign(this, fresh);
    this.head = 0;
    this.capacity = cap;
  }
}
