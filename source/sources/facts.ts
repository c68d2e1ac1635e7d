/**
 * What a session tells people about itself, apart from its figures: the header's static facts,
 * what it is doing now (recording, playback position), the headless summary's title and counts,
 * and what to say at its start and end. Sources own these facts; the TUI's header and status line
 * and the summary only show them (ui/ and render/ read this file; it reads neither).
 */
import type { EventLines } from '../../bpf/spec.js';
import type { Finding } from '../doctor/finding.js';
import type { CaptureCounters } from '../model/snapshot.js';

/** Static facts about the session, for headers. */
export interface SourceInfo {
  host: string;
  kernel: string;
  /** Capture tier, e.g. "tracepoints+latency" or "replay". */
  tier: string;
  mode: 'live' | 'replay';
  /** The recording file written (live) or read (replay), if any, known at start. */
  recordingPath?: string;
  /**
   * Replay: what the recording's metadata says (when, capture filter, bpftrace version, events),
   * shown as a third header line.
   */
  recordingFacts?: string;
  /** When not every event is kept: `sample 1/N`, `events off`. */
  eventKeeping?: string;
  /**
   * A replay started because live capture was not possible (`--or-replay`): why, in a few words.
   * The header says it, so the replay cannot pass for live capture.
   */
  notLive?: string;
}

/**
 * What the source is doing besides producing snapshots: recording and replay position. (Lost and
 * dropped counts travel in Snapshot.capture.)
 */
export interface SourceStatus {
  /** Live: the recording being written (path and bytes so far); undefined when not recording. */
  recording?: { path: string; bytes: number; bytesPerSec?: number };
  /** Live: the recording `R` (or the free-space guard) stopped, with where it is. */
  recordingStopped?: string;
  /** Live: the last recording failure (the file stops growing; rows are counted as lost). */
  recordingError?: string;
  /** Live: what to do about something going wrong (events being lost), in a few words. */
  advice?: string;
  /** Live: what is sampled now (events over the budget, latencies), in a few words. */
  sampling?: string;
  /** Replay: where playback is. Times are recording time, µs since the Unix epoch. */
  replay?: {
    positionUs: number;
    startUs: number;
    /** Undefined while unknown (a .csv.gz before its end was found). */
    endUs?: number;
    /** 1 = real time; 'max' = as fast as it reads. */
    speed: number | 'max';
    paused: boolean;
    /** Playback reached the end of the file. */
    ended?: boolean;
    /** A seek to this position (µs) is in progress. */
    seekingToUs?: number;
    /** The latest stretch without events that playback skipped (recording time, µs). */
    gap?: { fromUs: number; toUs: number };
  };
}

/** The headless summary's facts about the session (each has a default from the snapshot). */
export interface SummaryInfo {
  /** First line, e.g. "iouringtop live capture, tracepoints+latency" (default "iouringtop summary"). */
  title?: string;
  /** The capture filter in effect, as text (omitted when empty). */
  filter?: string;
  /** The recording written or replayed (omitted when none). */
  recording?: string;
  /** Capture counters to report (default: the snapshot's). */
  counters?: Partial<CaptureCounters>;
  /** Length of the capture in µs (default: the snapshot's nowUs − startUs). */
  durationUs?: number;
  /** Most process rows listed, busiest first (default 50); the rest are counted. */
  maxProcesses?: number;
  /** Where the figures come from and what became of the events (see figuresFact). */
  figures?: FiguresFacts;
  /** The capture tier (1 to 3), when known. */
  tier?: number;
  /** The doctor's findings over the session (default: those of the snapshot's counts alone). */
  findings?: readonly Finding[];
}

/** How the events relate to the figures: every one, up to a budget, 1 in N, or none. */
export type EventKeeping = EventLines;

/**
 * Where the figures come from (the kernel's exact counts, or the events) and how many events
 * there are beside them: the honest answer to "are these numbers whole?".
 */
export interface FiguresFacts {
  /** From the kernel's counts (live, or recorded beside a replayed recording). */
  counted: boolean;
  replay: boolean;
  /** Events the counts stand for (when counted). */
  countedEvents: number;
  /** Events received (live) or in the recording (replay). */
  events: number;
  keeping: EventKeeping;
  /** Events the kernel sent (live; where they are sampled, fewer than counted). */
  sent?: number;
  /** Latencies were sampled: the percentiles are estimates. */
  latencySampled?: boolean;
}

/** Everything a source says about itself, for a frontend to show. */
export interface SessionFacts {
  readonly info: SourceInfo;
  /** What the source is doing now besides (recording, playback position). */
  status(): SourceStatus;
  /** The headless summary's title, filter, recording and session length. */
  summaryFacts(): SummaryInfo;
  /** One line to say once started (e.g. where the recording goes), or undefined. */
  startNotice(): string | undefined;
  /** What to say on stderr at the end. */
  closingNotes(): string[];
}
