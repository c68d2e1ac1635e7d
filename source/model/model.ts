/**
 * The live model: pure TypeScript (no React, no I/O, no clock of its own) that every view reads,
 * live and replayed alike. push() events (the hot path), advance() the clock, snapshot() once
 * per tick. Deterministic: the same pushes and advance() calls give the same snapshots, which is
 * what makes replay and seeking (reset() or restore(), then re-feed) exact.
 *
 * Where things are:
 * - core.ts        the state, the clock, and ingest (the hot path: ring buffer + aggregates);
 * - rows.ts        the row types (process, opcode, process × opcode, total);
 * - processTable.ts  process rows by (pid, command), interned names, eviction;
 * - derive.ts      snapshot(): window figures, percentiles, series, the Snapshot's rows;
 * - recent.ts      the recent-events query;
 * - checkpoint.ts  deep copies for replay's seeks;
 * - snapshot.ts    the Snapshot's types (what every view reads).
 *
 * Process identity is pid + command name: a pid reused by another command is a new row. A
 * process row's operations exclude IO_URING_ENTER (the syscall); its enter* fields and the
 * IO_URING_ENTER opcode row count those. Bytes are counted only from positive results of
 * read-class / write-class operations; an error is any negative result.
 */
import { cloneCore, stateBytes } from './checkpoint.js';
import { Core, ZERO_COUNTERS, type ModelOptions } from './core.js';
import { deriveSnapshot, type SnapshotOptions } from './derive.js';
import type { CountsDelta } from './counts.js';
import type { EventSink, IoEvent } from './event.js';
import { fileStats, type FileStat } from './files.js';
import { heatmapOf, heatParts } from './heatmap.js';
import { latencyDetail } from './latency.js';
import type { OpcodeNames } from './opcodes.js';
import type { CaptureCounters, Diagnostics, Snapshot } from './snapshot.js';

export {
  DEFAULT_BUFFER_EVENTS,
  DEFAULT_BUFFER_SECONDS,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_SERIES_SECONDS,
  DEFAULT_WINDOW_US,
  type ModelOptions,
} from './core.js';
export type { SnapshotOptions } from './derive.js';

/** A saved model state (see Model.checkpoint). */
export interface ModelCheckpoint {
  readonly core: unknown;
  readonly bytes: number;
}

export class Model implements EventSink {
  private core: Core;

  constructor(private opts: ModelOptions = {}) {
    this.core = new Core(opts);
  }

  /** Whether figures come from counts (pushCounts) rather than events. */
  get counted(): boolean {
    return this.core.counted;
  }

  /** From now on every figure comes from counts (pushCounts): forgets everything, as reset(). */
  useCounts(): void {
    this.opts = { ...this.opts, aggregate: 'counts' };
    this.reset();
  }

  /** The session's opcode names, which the snapshot's rows are named by. */
  get opcodes(): OpcodeNames {
    return this.core.opcodes;
  }

  /** Adds one event (copied; the object may be reused by the caller). */
  push(ev: IoEvent): void {
    this.core.ingest(ev);
  }

  /**
   * Adds exact counts over an interval (a model made with `aggregate: 'counts'`): every figure
   * then comes from them, and events only fill the buffer.
   */
  pushCounts(d: CountsDelta): void {
    this.core.ingestCounts(d);
  }

  /** Moves the model's clock to nowUs (µs since the epoch); a time in the past is ignored. */
  advance(nowUs: number): void {
    this.core.advance(nowUs);
  }

  /** The model's clock: max(latest advance(), latest event time); 0 before either. */
  get nowUs(): number {
    return this.core.nowUs;
  }

  /** An immutable plain-data picture of the model (see snapshot.ts). */
  snapshot(opts: SnapshotOptions = {}): Snapshot {
    let snap = deriveSnapshot(this.core, opts, this.diagnostics);
    if (opts.heatmap) {
      const { key, columns, filter } = opts.heatmap;
      const parts = heatParts(this.core.table.procs, key, filter);
      snap = { ...snap, heatmap: heatmapOf(key, parts, snap.series.endSec, columns) };
    }
    if (!opts.latency) return snap;
    const { key, limit } = opts.latency;
    return { ...snap, latency: latencyDetail(this.core, key, opts.recentFilter, limit) };
  }

  /** Which diagnostics the counts hold (null: unknown, the default). */
  private diagnostics: Diagnostics | null = null;
  setDiagnostics(d: Diagnostics | null): void {
    this.diagnostics = d === null ? null : { ...d };
  }

  /**
   * The pids of the process rows active since `sinceUs` (their latest operation or count), most
   * recent first, at most `limit`: whom /proc is read for (proc/watcher.ts).
   */
  activePids(sinceUs: number, limit: number): number[] {
    const rows = this.core.table.procs.filter((r) => r.lastUs >= sinceUs);
    rows.sort((a, b) => b.lastUs - a.lastUs);
    const out: number[] = [];
    for (const r of rows) {
      if (out.length >= limit) break;
      if (!out.includes(r.pid)) out.push(r.pid);
    }
    return out;
  }

  /** The command name a pid had last (its latest process row's), if the model has a row for it. */
  commOf(pid: number): string | undefined {
    return this.core.table.commOf(pid);
  }

  /** A process's files, from the buffered events (files.ts): the drill-down's hottest files. */
  fileStats(pid: number, limit?: number): FileStat[] {
    return fileStats(this.core, pid, limit);
  }

  /**
   * Sets capture-side counters (merged with the previous values), carried into snapshots; null
   * says they are unknown.
   */
  setCaptureCounters(c: Partial<CaptureCounters> | null): void {
    if (c === null) {
      this.core.capture = null;
      return;
    }
    const cur = this.core.capture ?? ZERO_COUNTERS;
    this.core.capture = {
      lost: c.lost ?? cur.lost,
      dropped: c.dropped ?? cur.dropped,
      overflow: c.overflow ?? cur.overflow,
      unmatched: c.unmatched ?? cur.unmatched,
      malformed: c.malformed ?? cur.malformed,
    };
  }

  /** Forgets everything (events, rows, totals, counters, clock), keeping the options. */
  reset(): void {
    this.core = new Core(this.opts);
  }

  /**
   * A copy of the whole state, to return to with restore(): what replay keeps to seek backwards
   * without re-reading the recording from its start. Opaque; `bytes` is its rough size.
   */
  checkpoint(): ModelCheckpoint {
    return { core: cloneCore(this.core, true), bytes: stateBytes(this.core) };
  }

  /** What a checkpoint of the current state would hold, in bytes (before taking one). */
  get checkpointBytes(): number {
    return stateBytes(this.core);
  }

  /** Puts the model back in the checkpoint's state (the checkpoint stays usable). */
  restore(cp: ModelCheckpoint): void {
    this.core = cloneCore(cp.core as Core);
  }
}
