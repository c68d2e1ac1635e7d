/**
 * A Source is where a session's events come from: live capture (bpftrace) or a recording
 * (replay). It owns its model and everything that feeds it; a frontend (the TUI, headless, …)
 * drives it through this interface alone and never knows which source it has. A new source or a
 * new frontend is one file: main.ts only picks one of each.
 *
 * Life of a source, as every frontend drives it:
 *   start()            attach probes / open the recording; throws a one-line Error on failure
 *   tick()             bring the model up to date (live: the wall clock; replay: the virtual one)
 *   snapshot(…)        what the model shows now
 *   status()           what the source is doing besides (recording, playback position)
 *   stop()             end capture / playback; every recorded row is on disk when it resolves
 *   summaryFacts()     the headless summary's title, filter, recording and session length
 *   closingNotes()     what to say on stderr at the end
 *
 * Besides the frontend, other consumers may read the source: the metrics exporter takes the exact
 * counts deltas it feeds its model (onCounts), and, live, the io_uring threads /proc showed
 * (onThreads).
 */
import type { CountsDelta } from '../model/counts.js';
import { Model, type ModelOptions, type SnapshotOptions } from '../model/model.js';
import { OpcodeTable, type OpcodeNames } from '../model/opcodes.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import type { SummaryInfo } from '../render/summary.js';
import type { SourceStatus, TuiInfo } from '../ui/types.js';

/**
 * One process's io_uring threads as the latest look at /proc found them (live only): what the
 * exporter's thread gauges and CPU counters are read from.
 */
export interface ThreadReport {
  pid: number;
  /** Its command name, as in its counts rows. */
  comm: string;
  /** io-wq workers (iou-wrk-*) and SQPOLL threads (iou-sqp-*) it has now. */
  workers: number;
  sqpoll: number;
  /** CPU seconds those threads used since the process was first sampled; they only grow. */
  workersCpuSec: number;
  sqpollCpuSec: number;
}

/** Static facts about the session, for headers. */
export type SourceInfo = Omit<TuiInfo, 'refreshMs'>;

export type NoticeLevel = 'info' | 'warning' | 'error';

/** Playback controls; each resolves once its effect is done (a seek can take a while). */
export interface PlaybackControls {
  togglePause(): void;
  /** Move by this many seconds of recording time (negative = back). */
  seek(deltaSec: number): Promise<void>;
  /** Multiply the speed (0.5 = halve, 2 = double). */
  changeSpeed(factor: number): void;
  jump(to: 'start' | 'end'): Promise<void>;
}

export interface SourceControls {
  /** Live: start recording, or stop the one in progress (`R`). A failure shows in status(). */
  toggleRecording?(): Promise<void>;
  /** Replay: playback controls. */
  replay?: PlaybackControls;
}

export interface Source {
  readonly info: SourceInfo;
  /** The session's opcode names (learned from the kernel, or from a recording's metadata). */
  readonly opcodes: OpcodeNames;
  /** True when the source follows the wall clock (live); false when it plays as fast as it can. */
  readonly realtime: boolean;
  readonly controls: SourceControls;
  /**
   * Settles with a one-line message when the source fails by itself (bpftrace died, a row of the
   * recording is bad); never settles otherwise.
   */
  readonly failed: Promise<string>;
  /** Every event has been delivered (a replay at its end); a live source never is. */
  readonly exhausted: boolean;
  /**
   * Where the source's messages go while it runs (bpftrace's warnings, recording failures): one
   * line each, already escaped and saying where it comes from.
   */
  onNotice: (level: NoticeLevel, text: string) => void;
  /**
   * Each exact counts delta the model receives from the capture (live: the kernel's counters,
   * every second), in order, as it arrives. A replay delivers none.
   */
  onCounts: (delta: CountsDelta) => void;
  /**
   * Live: every process /proc was read for, after each look at it (once per tick at most; a
   * process not in a report was not read that time). A replay delivers none (a recording holds
   * no threads).
   */
  onThreads: (threads: readonly ThreadReport[]) => void;

  start(): Promise<void>;
  /** One line to say once started (e.g. where the recording goes), or undefined. */
  startNotice(): string | undefined;
  tick(): Promise<void>;
  snapshot(opts?: SnapshotOptions): ViewSnapshot;
  status(): SourceStatus;
  /** The capture's loss counters so far (null: unknown). */
  counters(): Readonly<CaptureCounters> | null;
  stop(): Promise<void>;
  /** Last resort from a process 'exit' handler: end any child process now, synchronously. */
  abort(): void;
  summaryFacts(): SummaryInfo;
  closingNotes(): string[];
  /** Whether what the user asked for did not all happen (a recording that failed): exit 1. */
  hadFailures(): boolean;
}

/**
 * What every source has: its model and the session's opcode names, the failure promise, and the
 * notice hook. (A source extends it and implements the rest of Source.)
 */
export abstract class SourceBase {
  readonly opcodes = new OpcodeTable();
  readonly model: Model;
  readonly failed: Promise<string>;
  onNotice: (level: NoticeLevel, text: string) => void = () => undefined;
  onCounts: (delta: CountsDelta) => void = () => undefined;
  onThreads: (threads: readonly ThreadReport[]) => void = () => undefined;
  /** Settles `failed`: the source failed by itself (the frontend ends the session). */
  protected fail: (message: string) => void = () => undefined;

  constructor(model: Omit<ModelOptions, 'opcodes'>) {
    this.model = new Model({ ...model, opcodes: this.opcodes });
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }
}
