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
 *   stop()             end capture / playback; every recorded row is on disk when it resolves
 *   facts              what it says about itself: header facts, status, summary, closing notes
 *
 * Besides the frontend, other consumers may listen to the source (subscribe): the frontend to its
 * notices, the metrics exporter to the exact counts deltas it feeds its model, and, live, to the
 * io_uring threads /proc showed. Each listener gets every message; none displaces another.
 */
import type { NoticeLevel } from '../collect/bpftrace.js';
import type { CountsDelta } from '../model/counts.js';
import { Model, type ModelOptions, type SnapshotOptions } from '../model/model.js';
import { OpcodeTable, type OpcodeNames } from '../model/opcodes.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import type { ThreadReport } from '../proc/threads.js';
import type { SessionFacts } from './facts.js';

/** What a source tells its listeners as it runs; a listener takes the parts it wants. */
export interface SourceListener {
  /**
   * The source's messages while it runs (bpftrace's warnings, recording failures): one line
   * each, already escaped and saying where it comes from.
   */
  notice?(level: NoticeLevel, text: string): void;
  /**
   * Each exact counts delta the model receives from the capture (live: the kernel's counters,
   * every second), in order, as it arrives. A replay delivers none.
   */
  counts?(delta: CountsDelta): void;
  /**
   * Live: every process /proc was read for, after each look at it (once per tick at most; a
   * process not in a report was not read that time). A replay delivers none (a recording holds
   * no threads).
   */
  threads?(threads: readonly ThreadReport[]): void;
}

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
  /** What the source says about itself (header facts, status, summary, notes). */
  readonly facts: SessionFacts;
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
  /** Listens to the source from now on; returns what stops it. */
  subscribe(listener: SourceListener): () => void;

  start(): Promise<void>;
  tick(): Promise<void>;
  snapshot(opts?: SnapshotOptions): ViewSnapshot;
  /** The capture's loss counters so far (null: unknown). */
  counters(): Readonly<CaptureCounters> | null;
  stop(): Promise<void>;
  /** Last resort from a process 'exit' handler: end any child process now, synchronously. */
  abort(): void;
  /** Whether what the user asked for did not all happen (a recording that failed): exit 1. */
  hadFailures(): boolean;
}

/**
 * What every source has: its model and the session's opcode names, the failure promise, and its
 * listeners. (A source extends it and implements the rest of Source.)
 */
export abstract class SourceBase {
  readonly opcodes = new OpcodeTable();
  readonly model: Model;
  readonly failed: Promise<string>;
  private readonly listeners = new Set<{ readonly to: SourceListener }>();
  /** Settles `failed`: the source failed by itself (the frontend ends the session). */
  protected fail: (message: string) => void = () => undefined;

  constructor(model: Omit<ModelOptions, 'opcodes'>) {
    this.model = new Model({ ...model, opcodes: this.opcodes });
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }

  subscribe(listener: SourceListener): () => void {
    // (an entry each: one listener given twice hears twice, and each unsubscribe stops one)
    const entry = { to: listener };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  protected notice(level: NoticeLevel, text: string): void {
    for (const l of this.listeners) l.to.notice?.(level, text);
  }

  protected countsArrived(delta: CountsDelta): void {
    for (const l of this.listeners) l.to.counts?.(delta);
  }

  protected threadsSeen(threads: readonly ThreadReport[]): void {
    for (const l of this.listeners) l.to.threads?.(threads);
  }
}
