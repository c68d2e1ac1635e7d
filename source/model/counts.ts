/**
 * Exact counts kept outside the event stream (by the kernel, in live capture; from a recording's
 * counter file, in replay), delivered as deltas: what happened per process and opcode since the
 * previous delta. When a model receives them, every figure it shows (totals, rates, latencies,
 * errors, series) comes from them, and events only fill its buffer: so the numbers stay true
 * when events are lost or sampled.
 */
import type { FigureCounts } from './figures.js';

/**
 * One (process, opcode) over one interval. IO_URING_ENTER (255) counts the syscall itself. The
 * counted figures (figures.ts) are optional fields of it: absent, none in this interval, or
 * not counted (the snapshot's `diagnostics` says which are counted at all).
 */
export interface OpCounts extends Partial<FigureCounts> {
  pid: number;
  comm: string;
  opcode: number;
  /** Completed operations (for IO_URING_ENTER: calls). */
  ops: number;
  /** Bytes of positive results of read-class / write-class operations. */
  read: number;
  write: number;
  /** Operations with a negative result. */
  errors: number;
  /** Operations submitted by IO_URING_ENTER calls (its positive results); 0 otherwise. */
  submitted: number;
  /** Errors by errno: flat pairs [errno, count, errno, count, …]. */
  errnos: number[];
  /**
   * Latencies by histogram bucket (histogram.ts's buckets): flat pairs [bucket, count, …]. Where
   * latencies are sampled, each count is the requests its samples stand for (an estimate, whose
   * total is close to `ops`); where they are not, the count of each.
   */
  latency: number[];
  /**
   * The diagnostics of errnos: init failures by errno, flat pairs [errno, count, …] (figures.ts:
   * ERRNO_FIGURE).
   */
  failedErrnos?: number[];
}

/** A row of nothing yet: what a row's counts start from. */
export function emptyOpCounts(pid: number, comm: string, opcode: number): OpCounts {
  return {
    pid,
    comm,
    opcode,
    ops: 0,
    read: 0,
    write: 0,
    errors: 0,
    submitted: 0,
    errnos: [],
    latency: [],
  };
}

export interface CountsDelta {
  /** The end of the interval (µs since the epoch). */
  tsUs: number;
  /** Its length (µs). */
  intervalUs: number;
  rows: OpCounts[];
  /**
   * Latency samples the kernel took in the interval (operations and io_uring_enter calls); where
   * the histograms hold more than this, latencies were sampled. Absent: every latency was taken.
   */
  latencySamples?: number;
}
