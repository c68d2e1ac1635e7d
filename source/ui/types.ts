/**
 * The contract between the TUI and the CLI that runs it. The CLI owns the event source, the model,
 * timers and recording; the TUI only renders what the store publishes and dispatches key actions
 * to the controller.
 */
import type { Finding } from '../doctor/finding.js';
import type { ViewSnapshot } from '../proc/view.js';
import type { SnapshotOptions } from '../model/model.js';
import type { Filter } from '../model/select.js';
import type { SourceInfo, SourceStatus } from '../sources/facts.js';

export type { SourceStatus } from '../sources/facts.js';

/**
 * What the TUI draws each tick: the view snapshot, and the doctor's findings over its last window
 * (doctor/doctor.ts; worst first), which the frontend keeps from tick to tick.
 */
export interface TuiSnapshot extends ViewSnapshot {
  readonly findings?: readonly Finding[];
}

/**
 * One snapshot per tick. `getSnapshot` and `getStatus` must return the same object until it
 * changes (useSyncExternalStore compares by identity); call the subscribers once per tick and
 * after any controller action that changes the status (pause, seek, speed, recording on/off).
 * The functions are called unbound and must keep their identity (React resubscribes otherwise):
 * make them arrow functions or bind them once.
 */
export interface SnapshotStore {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => TuiSnapshot | undefined;
  getStatus?: () => SourceStatus | undefined;
}

export interface ReplayControls {
  /** Pause or resume playback. */
  togglePause(): void;
  /** Move the playback position by this many seconds of recording time (negative = back). */
  seek(deltaSec: number): void;
  /** Multiply the playback speed (0.5 = halve, 2 = double). */
  changeSpeed(factor: number): void;
  /** Jump to the start or the end of the recording. */
  jump(to: 'start' | 'end'): void;
}

/** What a view on screen asks of each snapshot (ViewSpec.ask). */
export type ViewAsk = Pick<SnapshotOptions, 'heatmap'>;

export interface TuiController {
  /** Stop capture/replay and let runTui's promise settle; the TUI unmounts itself first. */
  quit(): void;
  /** Publish a snapshot every `ms` milliseconds from now on. */
  setRefreshMs(ms: number): void;
  /**
   * The filter on screen (the prompt's, narrowed to the drilled-into process): snapshots should
   * then hold the recent events that match it (Snapshot.recent), and count only its opcodes in
   * the process rows and totals (an `op:` filter). The TUI filters rows itself too. `shown` is
   * the prompt's filter alone (not narrowed to the drill-down): the totals (the header's ops/s
   * and total) count only the processes its `pid:` and `comm:` name.
   */
  setFilter?(filter: Filter, shown?: Filter): void;
  /**
   * The latency panel's row (a row key) and how many of its slowest events to list, or undefined
   * when the panel is closed: snapshots should then carry Snapshot.latency (SnapshotOptions.latency)
   * of that row, under the filter given to setFilter.
   */
  setLatency?(target: { key: string; limit: number } | undefined): void;
  /**
   * What the view on screen asks of each snapshot (ViewSpec.ask: the heatmap of its row), or
   * nothing: snapshots should carry it, computed only while asked.
   */
  setViewAsk?(ask: ViewAsk): void;
  /** Live only: start recording, or stop the one in progress (`R`). */
  toggleRecording?(): void;
  /** Replay only. */
  replay?: ReplayControls;
}

/** Static facts shown in the header: the source's, and the TUI's own. */
export interface TuiInfo extends SourceInfo {
  /** Initial refresh interval (default 1000). */
  refreshMs?: number;
  /** The metrics endpoint served beside the TUI (--metrics). */
  metricsUrl?: string;
}
