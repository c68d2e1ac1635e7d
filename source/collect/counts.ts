/**
 * The kernel's counters, as the program prints them every second (cumulative, since it was
 * attached), turned into deltas: what happened per process and opcode since the previous print.
 * Maps (see bpf/program.ts):
 *   @lat[tgid, op, bucket]   completions with a latency, by kernel bucket (kernelBucketOf)
 *   @nolat[tgid, op]         completions without (no submit was seen)
 *   @err[tgid, op, errno]    completions with a negative result
 *   @bytes[tgid, op]         bytes of positive results of read/write-class opcodes
 *   @elat[tgid, bucket]      io_uring_enter calls, by latency bucket
 *   @esub[tgid]              operations they submitted
 *   @eerr[tgid, errno]       calls that failed
 *   @punt[tgid, op]          requests punted to io-wq (io_uring_queue_async_work)
 *   @poll[tgid, op]          requests that armed a poll (io_uring_poll_arm)
 *   @short[tgid, op]         completions with 0 <= result < the length asked
 *   @fail[tgid, op, errno]   init failures (io_uring_req_failed)
 *   @flink[tgid, op]         linked requests cancelled by this (process, opcode)'s failure
 *   @ovf[tgid]               completions that overflowed the CQ ring (kept on the enter row)
 *   @dropped @overflow @unmatched   the capture's own counters
 */
import type { CountsDelta, OpCounts } from '../model/counts.js';
import { type COUNTER_MAPS, kernelBucketMid } from '../../bpf/program.js';
import { bucketOf } from '../model/histogram.js';
import { IO_URING_ENTER, opcodeDirection } from '../model/opcodes.js';

/** A counter map's name without its @. */
type CounterName = (typeof COUNTER_MAPS)[number] extends `@${infer N}` ? N : never;
/** Stores one printed value of a counter map under its keys. */
type Put = (keys: readonly number[], value: number) => void;

/** The model's histogram bucket standing for a kernel bucket (its middle). */
const modelBucket = (b: number): number => bucketOf(kernelBucketMid(b));

/**
 * What rose from `was` to `now`, key by key, into `out` as [key, rise, …] (the key through
 * `keyOf`); returns the sum of the rises.
 */
function rises(
  now: ReadonlyMap<number, number>,
  was: ReadonlyMap<number, number> | undefined,
  out: number[],
  keyOf: (key: number) => number = (key) => key,
): number {
  let sum = 0;
  for (const [key, n] of now) {
    const d = n - (was?.get(key) ?? 0);
    if (d > 0) {
      out.push(keyOf(key), d);
      sum += d;
    }
  }
  return sum;
}

/** Cumulative counts of one (process, opcode), or of a process's io_uring_enter calls (op 255). */
interface Cum {
  lat: Map<number, number>;
  nolat: number;
  errs: Map<number, number>;
  bytes: number;
  submitted: number;
  punt: number;
  poll: number;
  short: number;
  fails: Map<number, number>;
  flink: number;
  ovf: number;
}

const newCum = (): Cum => ({
  lat: new Map(),
  nolat: 0,
  errs: new Map(),
  bytes: 0,
  submitted: 0,
  punt: 0,
  poll: 0,
  short: 0,
  fails: new Map(),
  flink: 0,
  ovf: 0,
});

/** The capture's own counters, cumulative. */
export interface CaptureTotals {
  dropped: number;
  overflow: number;
  unmatched: number;
}

export class CountsCollector {
  private cur = new Map<number, Cum>();
  private prev = new Map<number, Cum>();
  private prevTsUs: number;
  readonly totals: CaptureTotals = { dropped: 0, overflow: 0, unmatched: 0 };
  /** Operations the counters hold in all (IO_URING_ENTER calls apart), since attach. */
  operations = 0;
  /** Events the counters stand for (operations and io_uring_enter calls), since attach. */
  events = 0;

  /** `startUs`: when the program attached (the first interval starts there); or see startAt. */
  constructor(startUs = Number.NaN) {
    this.prevTsUs = startUs;
  }

  /** When the program attached, if the constructor was not told. */
  startAt(startUs: number): void {
    if (Number.isNaN(this.prevTsUs)) this.prevTsUs = startUs;
  }

  private at(tgid: number, op: number): Cum {
    const key = tgid * 256 + op;
    let c = this.cur.get(key);
    if (c === undefined) this.cur.set(key, (c = newCum()));
    return c;
  }

  /** Maps printed in this round, and maps that have had keys (they never lose them). */
  private printed = new Set<string>();
  private readonly filled = new Set<string>();
  /** Rounds whose print was incomplete (merged into the next one). */
  incompleteRounds = 0;

  /** One printed counter line. */
  add(name: string, k: readonly number[], value: number): void {
    const put = this.put.get(name);
    if (put === undefined) return; // (@ready, printed once at the start)
    this.printed.add(name);
    // a line with another number of keys is not the map's
    if (k.length === put[0]) put[1](k, value);
  }

  /** Each counter map by name: how many keys its lines have, and where its value goes. */
  private readonly put = new Map<string, readonly [number, Put]>(
    Object.entries({
      lat: [3, ([pid, op, bucket], v) => this.at(pid, op).lat.set(bucket, v)],
      nolat: [2, ([pid, op], v) => (this.at(pid, op).nolat = v)],
      err: [3, ([pid, op, errno], v) => this.at(pid, op).errs.set(errno, v)],
      bytes: [2, ([pid, op], v) => (this.at(pid, op).bytes = v)],
      elat: [2, ([pid, bucket], v) => this.at(pid, IO_URING_ENTER).lat.set(bucket, v)],
      esub: [1, ([pid], v) => (this.at(pid, IO_URING_ENTER).submitted = v)],
      eerr: [2, ([pid, errno], v) => this.at(pid, IO_URING_ENTER).errs.set(errno, v)],
      punt: [2, ([pid, op], v) => (this.at(pid, op).punt = v)],
      poll: [2, ([pid, op], v) => (this.at(pid, op).poll = v)],
      short: [2, ([pid, op], v) => (this.at(pid, op).short = v)],
      fail: [3, ([pid, op, errno], v) => this.at(pid, op).fails.set(errno, v)],
      flink: [2, ([pid, op], v) => (this.at(pid, op).flink = v)],
      ovf: [1, ([pid], v) => (this.at(pid, IO_URING_ENTER).ovf = v)],
      dropped: [0, (_, v) => (this.totals.dropped = v)],
      overflow: [0, (_, v) => (this.totals.overflow = v)],
      unmatched: [0, (_, v) => (this.totals.unmatched = v)],
    } satisfies Record<CounterName, readonly [number, Put]>),
  );

  /**
   * The print is complete as of `tsUs`: the delta since the previous one, rows named by `commOf`.
   * A key missing from this print (it never is: the maps are not cleared) keeps its counts.
   *
   * Null when the round is incomplete: a map that had keys printed nothing, because bpftrace's
   * request to print it was lost with the event lines when its buffers overran. The counts are
   * cumulative, so nothing is lost: the next complete round's delta covers both intervals.
   */
  end(tsUs: number, commOf: (tgid: number) => string): CountsDelta | null {
    const printed = this.printed;
    this.printed = new Set();
    for (const name of this.filled) {
      if (!printed.has(name)) {
        this.incompleteRounds++;
        this.cur = new Map();
        return null;
      }
    }
    for (const name of printed) this.filled.add(name);
    const rows: OpCounts[] = [];
    let operations = 0;
    let events = 0;
    for (const [key, now] of this.cur) {
      const was = this.prev.get(key);
      const tgid = Math.floor(key / 256);
      const op = key % 256;
      const latency: number[] = [];
      const ops = now.nolat - (was?.nolat ?? 0) + rises(now.lat, was?.lat, latency, modelBucket);
      const errnos: number[] = [];
      const errors = rises(now.errs, was?.errs, errnos);
      const bytes = now.bytes - (was?.bytes ?? 0);
      const submitted = now.submitted - (was?.submitted ?? 0);
      const punted = now.punt - (was?.punt ?? 0);
      const poll = now.poll - (was?.poll ?? 0);
      const short = now.short - (was?.short ?? 0);
      const links = now.flink - (was?.flink ?? 0);
      const overflow = now.ovf - (was?.ovf ?? 0);
      const failedErrnos: number[] = [];
      const failed = rises(now.fails, was?.fails, failedErrnos);
      if (op !== IO_URING_ENTER) operations += ops;
      events += ops;
      const diag = punted + poll + short + links + overflow + failed;
      if (ops <= 0 && errors <= 0 && bytes <= 0 && submitted <= 0 && diag <= 0) continue;
      const dir = opcodeDirection(op);
      rows.push({
        pid: tgid,
        comm: commOf(tgid),
        opcode: op,
        ops,
        read: dir === 'read' ? bytes : 0,
        write: dir === 'write' ? bytes : 0,
        errors,
        submitted,
        errnos,
        latency,
        ...(diag > 0 ? { punted, poll, short, links, overflow, failed, failedErrnos } : {}),
      });
    }
    // keys of the previous print not in this one keep their counts for the next delta
    for (const [key, was] of this.prev) if (!this.cur.has(key)) this.cur.set(key, was);
    this.operations += operations;
    this.events += events;
    this.prev = this.cur;
    this.cur = new Map();
    const intervalUs = Number.isNaN(this.prevTsUs) ? 1_000_000 : Math.max(1, tsUs - this.prevTsUs);
    this.prevTsUs = tsUs;
    return { tsUs, intervalUs, rows };
  }
}
