/**
 * The Snapshot: an immutable, plain-data picture of the model, built once per UI tick by
 * Model.snapshot(). Everything the TUI, the headless summary and replay show comes from here.
 *
 * Units: times are µs since the Unix epoch (`…Us`), latencies are ns (`…Ns`, 0 = no sample),
 * rates are per second. "Window" figures cover (nowUs − windowUs, nowUs]; "total…" figures cover
 * everything since the model started (or was reset), including events no longer buffered.
 */
import type { IoEvent } from './event.js';
import { FIGURE_KEYS, type Diagnostics, type FigureCounts, type FigureKey } from './figures.js';
import type { OpcodeNames } from './opcodes.js';

/**
 * A row's figures over one interval (the refresh window, or since start): the counts, the
 * latencies, and the counted figures (figures.ts; 0 where not counted: Snapshot.diagnostics says
 * which are).
 */
export interface Figures extends Readonly<FigureCounts> {
  /** Operations completed. */
  readonly ops: number;
  /** Bytes moved by successful read-class / write-class operations. */
  readonly read: number;
  readonly write: number;
  /** Failed operations (negative results that are not expected). */
  readonly errors: number;
  /** Expected negative results (-ECANCELED, -EAGAIN, -ETIME of a timeout). */
  readonly expected: number;
  /** Latency (ns; 0 when no operation had a known latency). */
  readonly avgNs: number;
  readonly p50Ns: number;
  readonly p95Ns: number;
  readonly p99Ns: number;
  readonly maxNs: number;
}

/** Statistics shared by every row kind: the refresh window's, then since start's, of one shape. */
export interface RowStats {
  readonly window: Figures;
  readonly total: Figures;
  /** The window's operations and bytes per second. */
  readonly opsPerSec: number;
  readonly readBytesPerSec: number;
  readonly writeBytesPerSec: number;
  /** Time of the row's latest event (µs). */
  readonly lastSeenUs: number;
}

export type { Diagnostics } from './figures.js';
export type DiagnosticKey = FigureKey;
export const DIAGNOSTIC_KEYS: readonly DiagnosticKey[] = FIGURE_KEYS;

/**
 * Per-second history, oldest first; element i is the second starting at
 * (Snapshot.series.endSec − length + 1 + i) × 1e6 µs. Only complete seconds are included.
 */
export interface Series {
  readonly opsPerSec: readonly number[];
  readonly readBytesPerSec: readonly number[];
  readonly writeBytesPerSec: readonly number[];
  /** p99 latency of that second (ns, 0 = no sample). */
  readonly p99Ns: readonly number[];
}

export interface OpcodeShare {
  readonly opcode: number;
  readonly opName: string;
  /** Operations in the window and since start. */
  readonly ops: number;
  readonly totalOps: number;
}

/**
 * One process: pid + command name. A pid reused by a process with another name is another row.
 * Its operation figures exclude IO_URING_ENTER (the syscall is not an operation): those are in
 * the enter* fields, and in the IO_URING_ENTER row of its drill-down.
 */
export interface ProcessRow extends RowStats {
  readonly kind: 'process';
  /** Stable across snapshots while the row lives: use as a React key or a selection id. */
  readonly key: string;
  readonly pid: number;
  /** Its latest name. Untrusted text: sanitize before printing. */
  readonly comm: string;
  /** The names it had before (an exec, a rename), oldest first. Untrusted text. */
  readonly formerComms: readonly string[];
  /** The opcode with the most operations in the window (since start when the window is empty), -1 if none. */
  readonly topOpcode: number;
  readonly topOpName: string;
  /** Opcodes this process used, most operations in the window first, then most since start. */
  readonly opcodeMix: readonly OpcodeShare[];
  readonly enterCallsPerSec: number;
  /** Operations submitted per io_uring_enter call in the window (0 when no call). */
  readonly opsPerEnter: number;
  readonly totalEnterCalls: number;
  /** Operations those calls submitted, since start. */
  readonly totalEnterSubmitted: number;
  /** Empty when the snapshot was taken with series: false. */
  readonly series: Series;
}

/** One opcode over all processes (IO_URING_ENTER included: ops = syscalls). */
export interface OpcodeRow extends RowStats {
  readonly kind: 'opcode';
  readonly key: string;
  readonly opcode: number;
  readonly opName: string;
  readonly series: Series;
}

/** A row of one process and one opcode: the drill-down's, the Errors view's. */
export interface OfProcessOpcode {
  readonly key: string;
  /** The key of the ProcessRow this belongs to. */
  readonly processKey: string;
  readonly pid: number;
  /** Untrusted text: sanitize before printing. */
  readonly comm: string;
  readonly opcode: number;
  readonly opName: string;
}

/** One opcode of one process, for the drill-down. */
export interface ProcessOpcodeRow extends RowStats, OfProcessOpcode {
  readonly kind: 'processOpcode';
}

/** All operations of all processes (IO_URING_ENTER excluded, as in process rows). */
export interface TotalsRow extends RowStats {
  /** Every event, IO_URING_ENTER included: since start, and per second over the window. */
  readonly events: number;
  readonly eventsPerSec: number;
  readonly series: Series;
}

export interface ErrnoRow {
  /** Positive errno (a result of -11 is errno 11, EAGAIN). */
  readonly errno: number;
  readonly name: string;
  /** Results the operation was meant to give (errno.ts: isExpectedError), not failures. */
  readonly expected: boolean;
  /** Events with this result in the window, and since start. */
  readonly count: number;
  readonly total: number;
}

/** One process × opcode × errno: the Errors view's row. */
export interface ErrorDetailRow extends ErrnoRow, OfProcessOpcode {
  /** Of the requests with this errno since start, those that failed at init (req_failed). */
  readonly failedInit: number;
}

/** IO_URING_ENTER syscalls: how often, and how many operations each submitted (batching). */
export interface EnterStats {
  readonly callsPerSec: number;
  readonly submittedPerSec: number;
  /** Operations submitted per call over the window (0 when no call). */
  readonly opsPerCall: number;
  readonly totalCalls: number;
  readonly totalSubmitted: number;
  readonly totalOpsPerCall: number;
}

export interface BufferStats {
  /** Events held now, and the bound on it. */
  readonly events: number;
  readonly maxEvents: number;
  readonly maxAgeUs: number;
  /** Bytes of storage per buffered event (the column widths), and bytes allocated now. */
  readonly bytesPerEvent: number;
  readonly allocatedBytes: number;
  /** Times of the oldest and newest buffered events (µs; 0 when empty). */
  readonly startUs: number;
  readonly endUs: number;
  /** Events pushed out by the count bound, and aged out by the age bound, since start. */
  readonly overwritten: number;
  readonly expired: number;
}

/**
 * What the capture side counts besides events (the collector keeps them; the model carries them
 * to the views through Model.setCaptureCounters; a recording's metadata keeps them).
 */
export interface CaptureCounters {
  /** Events bpftrace reported lost (perf buffer overrun). */
  lost: number;
  /** Submissions the in-flight map could not hold (it was full). */
  dropped: number;
  /** Completions that went to the CQ overflow list instead of the ring. */
  overflow: number;
  /** Multishot completions whose request was never seen. */
  unmatched: number;
  /** Output lines that looked like ours but did not parse. */
  malformed: number;
  /** Processes gone whose keys were taken back from the kernel's counter maps (live). */
  reaped?: number;
  /**
   * Counter maps that were full (their key limit reached): counts of processes or opcodes new to
   * them since are missing, and the figures short by an unknown amount (live).
   */
  fullMaps?: string[];
}

export interface Snapshot {
  /** The model's clock: max(latest advance(), latest event time). */
  readonly nowUs: number;
  /** The window the window figures cover: (nowUs − windowUs, nowUs]. */
  readonly windowUs: number;
  /** First time the model saw (first advance() or first event); 0 before any. */
  readonly startUs: number;
  /**
   * The window figures are incomplete: the buffer's count bound pushed out events that were
   * still inside the window, so rates are computed over the part still buffered.
   */
  readonly windowTruncated: boolean;
  readonly totals: TotalsRow;
  /** Every live process row (idle ones included, with ops 0), in first-seen order. */
  readonly processes: readonly ProcessRow[];
  /** Every opcode seen, by opcode number. */
  readonly opcodes: readonly OpcodeRow[];
  /** Every process × opcode pair seen, grouped by process in the order of `processes`. */
  readonly processOpcodes: readonly ProcessOpcodeRow[];
  /** Errors by errno name, most since start first. */
  readonly errors: readonly ErrnoRow[];
  /** Results by errno per process and opcode, most since start first. */
  readonly errorDetail: readonly ErrorDetailRow[];
  /** Which diagnostics are counted; null when unknown (figures from events, not counts). */
  readonly diagnostics: Readonly<Diagnostics> | null;
  readonly enter: EnterStats;
  readonly series: {
    /** Unix second of the last point of every Series (the last complete second). */
    readonly endSec: number;
    readonly length: number;
  };
  readonly buffer: BufferStats;
  /**
   * The capture's loss counters; null when they are unknown (a replay of a recording without
   * metadata, or whose metadata was never closed): unknown is not zero.
   */
  readonly capture: Readonly<CaptureCounters> | null;
  /** Process rows evicted (idlest first) to keep at most maxProcesses. */
  readonly evictedProcesses: number;
  /** The most recent buffered events, newest last, restricted by the snapshot's tailFilter. */
  readonly recent: readonly IoEvent[];
  /** The session's opcode names (the rows carry theirs; events and filters need the table). */
  readonly opcodeNames: OpcodeNames;
  /**
   * The latency panel's row (model/latency.ts), only while the panel is open (the snapshot
   * option `latency`); undefined otherwise, or when the row is gone.
   */
  readonly latency?: LatencyDetail;
}

/** Latencies in [lowNs, highNs): one line of the latency panel's histogram. */
export interface LatencyGroup {
  readonly lowNs: number;
  readonly highNs: number;
  readonly count: number;
}

/** One row's latencies: since start (histogram, percentiles) and its slowest buffered events. */
export interface LatencyDetail {
  /** The row key asked for (`p<uid>`, `o<opcode>`, `p<uid>:<opcode>`). */
  readonly key: string;
  /** Operations with a latency since start. */
  readonly count: number;
  /** p50, p90, p99, p99.9 since start (ns; 0 when none). */
  readonly percentilesNs: readonly number[];
  readonly maxNs: number;
  /** By power of two of a µs, from the lowest non-empty group to the highest. */
  readonly groups: readonly LatencyGroup[];
  /** The slowest buffered events of the row that pass the filter: slowest first, ties newest first. */
  readonly slowest: readonly IoEvent[];
  /** Buffered events of the row with a latency that pass the filter (the slowest are of these). */
  readonly considered: number;
  /** Time of the oldest buffered event (µs; 0 when the buffer is empty). */
  readonly bufferStartUs: number;
}
