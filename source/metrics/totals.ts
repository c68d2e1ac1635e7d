/**
 * The exporter's running totals: counts since start by label set, added up from the same exact
 * counts deltas the model receives (live: the kernel's counters, every second; an export: the
 * recording's counts, or its events counted per second).
 *
 * Kept here rather than read from the model's rows because the model evicts idle process rows:
 * a sum by command over them could go down, which Prometheus reads as a counter reset. Here a
 * process's counts stay in its label set's totals after it exits, so every counter only grows
 * (with pid labels, a label set idle for RETIRE_AFTER_US is dropped whole: its series stop).
 * Pure: no clock of its own, no I/O.
 */
import type { CountsDelta } from '../model/counts.js';
import { MAX_ERRNO } from '../model/errno.js';
import { bucketValue } from '../model/histogram.js';
import { IO_URING_ENTER } from '../model/opcodes.js';
import type { CaptureCounters } from '../model/snapshot.js';
import { LE_NS, leIndexOfBucket } from './buckets.js';
import { LabelBound, RETIRE_AFTER_US, type LabelName, type LabelSlot } from './labels.js';

/** One opcode of one label set. */
export interface OpTotals {
  ops: number;
  read: number;
  write: number;
  /** Operations that failed, by errno. */
  readonly errors: Map<number, number>;
}

/** One process label set (see labels.ts): its operations by opcode, and its io_uring_enter calls. */
export interface ProcessTotals {
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

  constructor(labels: readonly LabelName[]) {
    this.bound = new LabelBound(labels);
  }

  /** Adds one interval's exact counts. */
  add(d: CountsDelta): void {
    for (const r of d.rows) {
      const slot = this.bound.slotOf(r.pid, r.comm);
      let p = this.processes.get(slot.key);
      if (p === undefined) {
        p = {
          slot,
          ops: new Map(),
          enterCalls: 0,
          enterSubmitted: 0,
          enterErrors: new Map(),
          lastUs: d.tsUs,
        };
        this.processes.set(slot.key, p);
      }
      if (d.tsUs > p.lastUs) p.lastUs = d.tsUs;
      const op = r.opcode & 255;
      if (op === IO_URING_ENTER) {
        p.enterCalls += r.ops;
        p.enterSubmitted += r.submitted;
        addErrnos(p.enterErrors, r.errnos);
        continue;
      }
      let o = p.ops.get(op);
      if (o === undefined) {
        o = { ops: 0, read: 0, write: 0, errors: new Map() };
        p.ops.set(op, o);
      }
      o.ops += r.ops;
      o.read += r.read;
      o.write += r.write;
      addErrnos(o.errors, r.errnos);
      if (r.latency.length > 0) this.addLatency(op, r.latency);
    }
    if (d.tsUs > this.lastDeltaUs) this.lastDeltaUs = d.tsUs;
    const retired = this.bound.withPid && this.retireIdle(d.tsUs);
    // (an interval without activity changes nothing: the last rendering stays good)
    if (d.rows.length > 0 || retired) this.generation++;
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
