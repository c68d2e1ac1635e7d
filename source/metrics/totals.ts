/**
 * The exporter's running totals: counts since start by label set, added up from the same exact
 * counts deltas the model receives (live: the kernel's counters, every second; an export: the
 * recording's counts, or its events counted per second).
 *
 * Kept here rather than read from the model's rows because the model evicts idle process rows:
 * a sum by command over them could go down, which Prometheus reads as a counter reset. Here a
 * process's counts stay in its label set's totals after it exits, so every counter only grows
 * (with pid labels, a label set idle for RETIRE_AFTER_US is dropped whole: its series stop).
 * Live, the io_uring threads /proc showed (setThreads) come in beside the counts: the thread
 * gauges are what the latest look found, summed over the label set's processes; their CPU is
 * added up here by label set too, from each process's running total, so it only grows as well.
 * Pure: no clock of its own, no I/O.
 */
import type { CountsDelta } from '../model/counts.js';
import { MAX_ERRNO } from '../model/errno.js';
import {
  ERRNO_FIGURE,
  OPCODE_FIGURE_KEYS,
  RING_FIGURE_KEYS,
  type ErrnoFigureKey,
  type OpcodeFigureKey,
  type RingFigureKey,
} from '../model/figures.js';
import { bucketValue } from '../model/histogram.js';
import { IO_URING_ENTER } from '../model/opcodes.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ThreadReport } from '../proc/threads.js';
import { LE_NS, leIndexOfBucket } from './buckets.js';
import { LabelBound, RETIRE_AFTER_US, type LabelName, type LabelSlot } from './labels.js';

/** The opcode figures counted as a number (figures.ts); the one with errnos is by errno. */
export type OpCountedFigure = Exclude<OpcodeFigureKey, ErrnoFigureKey>;
const OP_COUNTED = OPCODE_FIGURE_KEYS.filter((k) => k !== ERRNO_FIGURE) as OpCountedFigure[];

/**
 * One opcode of one label set. The counted figures (OpCounts): the opcode ones, and init
 * failures by errno.
 */
export interface OpTotals extends Record<OpCountedFigure, number> {
  ops: number;
  read: number;
  write: number;
  /** Operations that failed, by errno. */
  readonly errors: Map<number, number>;
  readonly failed: Map<number, number>;
}

/** One process label set (see labels.ts): its operations by opcode, and its io_uring_enter calls. */
/** A label set's ring figures (figures.ts: CQ overflows, CQEs without a request). */
export interface ProcessTotals extends Record<RingFigureKey, number> {
  readonly slot: LabelSlot;
  /** By opcode, IO_URING_ENTER apart, in first-seen order. */
  readonly ops: Map<number, OpTotals>;
  enterCalls: number;
  /** Operations those calls submitted. */
  enterSubmitted: number;
  /** Calls that failed, by errno. */
  readonly enterErrors: Map<number, number>;
  /** The end of the latest delta that had activity for it (µs). */
  lastUs: number;
  /** Its io_uring threads, once /proc was read for one of its processes (live only). */
  threads?: ThreadTotals;
}

/** A label set's io_uring threads (see MetricTotals.setThreads). */
export interface ThreadTotals {
  /**
   * Workers and SQPOLL threads of its processes in the latest look at /proc; null when none of
   * them was read that time (their series are left out: unknown, not 0).
   */
  now: { workers: number; sqpoll: number } | null;
  /**
   * CPU its processes' workers and SQPOLL threads used while sampled, in whole µs (integers add
   * up exactly; the families give seconds).
   */
  workersCpuUs: number;
  sqpollCpuUs: number;
}

/** The latency histogram of one opcode, over every process. */
export interface LatencyTotals {
  /** Latencies per `le` slot (buckets.ts), not cumulative; the last slot is above every bound. */
  readonly slots: Float64Array;
  count: number;
  /** The sum of the buckets' representative values (ns). */
  sumNs: number;
}

/** Adds errno pairs [errno, n, …] to a map (errnos past MAX_ERRNO share one, as in the model). */
function addErrnos(m: Map<number, number>, pairs: readonly number[]): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const e = Math.min(pairs[i], MAX_ERRNO);
    m.set(e, (m.get(e) ?? 0) + pairs[i + 1]);
  }
}

export class MetricTotals {
  readonly bound: LabelBound;
  /** By label set key, in first-seen order. */
  readonly processes = new Map<string, ProcessTotals>();
  /** By opcode (IO_URING_ENTER apart), in first-seen order. */
  readonly latency = new Map<number, LatencyTotals>();
  /** The capture's lost events and dropped requests, or null while unknown. */
  capture: Pick<CaptureCounters, 'lost' | 'dropped'> | null = null;
  /** Moves on with every change: what a cache of the rendered totals is keyed by. */
  generation = 0;
  /** The end of the latest delta (µs), 0 before any. */
  lastDeltaUs = 0;
  /** Each process's CPU running totals (µs) at the previous thread report (see setThreads). */
  private cpuSeen = new Map<number, { workers: number; sqpoll: number }>();

  constructor(labels: readonly LabelName[]) {
    this.bound = new LabelBound(labels);
  }

  /** Adds one interval's exact counts. */
  add(d: CountsDelta): void {
    for (const r of d.rows) {
      const slot = this.bound.slotOf(r.pid, r.comm);
      let p = this.processes.get(slot.key);
      p ??= this.processOf(slot, d.tsUs);
      if (d.tsUs > p.lastUs) p.lastUs = d.tsUs;
      const op = r.opcode & 255;
      for (const k of RING_FIGURE_KEYS) p[k] += r[k] ?? 0;
      if (op === IO_URING_ENTER) {
        p.enterCalls += r.ops;
        p.enterSubmitted += r.submitted;
        addErrnos(p.enterErrors, r.errnos);
        continue;
      }
      let o = p.ops.get(op);
      if (o === undefined) {
        o = { ops: 0, read: 0, write: 0, errors: new Map(), failed: new Map() } as OpTotals;
        for (const k of OP_COUNTED) o[k] = 0;
        p.ops.set(op, o);
      }
      o.ops += r.ops;
      o.read += r.read;
      o.write += r.write;
      addErrnos(o.errors, r.errnos);
      // (absent: none this interval)
      for (const k of OP_COUNTED) o[k] += r[k] ?? 0;
      if (r.failedErrnos !== undefined) addErrnos(o.failed, r.failedErrnos);
      if (r.latency.length > 0) this.addLatency(op, r.latency);
    }
    if (d.tsUs > this.lastDeltaUs) this.lastDeltaUs = d.tsUs;
    const retired = this.bound.withPid && this.retireIdle(d.tsUs);
    // (an interval without activity changes nothing: the last rendering stays good)
    if (d.rows.length > 0 || retired) this.generation++;
  }

  private processOf(slot: LabelSlot, nowUs: number): ProcessTotals {
    let p = this.processes.get(slot.key);
    if (p === undefined) {
      p = {
        slot,
        ops: new Map(),
        enterCalls: 0,
        enterSubmitted: 0,
        enterErrors: new Map(),
        lastUs: nowUs,
      } as ProcessTotals;
      for (const k of RING_FIGURE_KEYS) p[k] = 0;
      this.processes.set(slot.key, p);
    }
    return p;
  }

  /**
   * The io_uring threads of every process /proc was just read for. Gauges: the sums over each
   * label set's processes in this report (a label set none of whose processes is in it has no
   * value). CPU: each process's running total less what the previous report said (all of it for
   * a process not in the previous report: the sampler counts it from its first sample), added to
   * its label set's; a total that went down is a new process under a reused pid, counted from 0.
   */
  setThreads(reports: readonly ThreadReport[]): void {
    const before = new Map<string, string>();
    for (const p of this.processes.values())
      if (p.threads !== undefined) before.set(p.slot.key, threadsKey(p.threads));
    for (const p of this.processes.values()) if (p.threads !== undefined) p.threads.now = null;
    const seen = new Map<number, { workers: number; sqpoll: number }>();
    const grew = (now: number, was: number | undefined): number =>
      was === undefined || now < was ? now : now - was;
    for (const r of reports) {
      const p = this.processOf(this.bound.slotOf(r.pid, r.comm), this.lastDeltaUs);
      const t = (p.threads ??= { now: null, workersCpuUs: 0, sqpollCpuUs: 0 });
      t.now ??= { workers: 0, sqpoll: 0 };
      t.now.workers += r.workers;
      t.now.sqpoll += r.sqpoll;
      const cpu = {
        workers: Math.round(r.workersCpuSec * 1e6),
        sqpoll: Math.round(r.sqpollCpuSec * 1e6),
      };
      const prev = this.cpuSeen.get(r.pid);
      t.workersCpuUs += grew(cpu.workers, prev?.workers);
      t.sqpollCpuUs += grew(cpu.sqpoll, prev?.sqpoll);
      seen.set(r.pid, cpu);
    }
    this.cpuSeen = seen;
    for (const p of this.processes.values()) {
      if (p.threads === undefined) continue;
      if (before.get(p.slot.key) !== threadsKey(p.threads)) {
        this.generation++;
        return;
      }
    }
  }

  private addLatency(op: number, pairs: readonly number[]): void {
    let h = this.latency.get(op);
    if (h === undefined) {
      h = { slots: new Float64Array(LE_NS.length + 1), count: 0, sumNs: 0 };
      this.latency.set(op, h);
    }
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const b = pairs[i];
      const n = pairs[i + 1];
      h.slots[leIndexOfBucket(b)] += n;
      h.count += n;
      h.sumNs += bucketValue(b) * n;
    }
  }

  /**
   * With pid labels: drops the label sets idle for RETIRE_AFTER_US ("other" stays); whether it
   * dropped any.
   */
  private retireIdle(nowUs: number): boolean {
    let any = false;
    for (const [key, p] of this.processes) {
      if (p.slot === this.bound.other || nowUs - p.lastUs < RETIRE_AFTER_US) continue;
      this.processes.delete(key);
      this.bound.release(p.slot);
      any = true;
    }
    return any;
  }

  /** Sets the capture's counters (they only grow); null: unknown. */
  setCapture(c: Pick<CaptureCounters, 'lost' | 'dropped'> | null): void {
    const cur = this.capture;
    if (
      c === null ? cur === null : cur !== null && cur.lost === c.lost && cur.dropped === c.dropped
    )
      return;
    this.capture = c === null ? null : { lost: c.lost, dropped: c.dropped };
    this.generation++;
  }
}

/** What a label set's thread figures are, to tell whether a report changed them. */
const threadsKey = (t: ThreadTotals): string =>
  `${t.now?.workers ?? '-'} ${t.now?.sqpoll ?? '-'} ${t.workersCpuUs} ${t.sqpollCpuUs}`;
