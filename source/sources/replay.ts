/**
 * The replay source: a recording played into the same model as live, on a virtual clock
 * (record/playback.ts). Headless, it plays as fast as it reads; in the TUI, at the chosen speed,
 * with pause, steps, jumps and speed changes.
 */
import os from 'node:os';
import { stat } from 'node:fs/promises';
import type { Config } from '../config.js';
import { escape } from '../escape.js';
import type { CountsDelta } from '../model/counts.js';
import type { SnapshotOptions } from '../model/model.js';
import { loadRecordedCounts } from '../record/countsFile.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { CsvFormatError } from '../record/csvReader.js';
import { describeRecording, readSessionMeta, sessionSpanUs } from '../record/meta.js';
import { Playback, type ReplaySpeed } from '../record/playback.js';
import type { SessionFacts, SourceInfo, SourceStatus, SummaryInfo } from './facts.js';
import { SourceBase, type Source, type SourceControls } from './source.js';
import { fileLabel, type FileRecord } from '../proc/files.js';
import { MarkingSink } from '../proc/marking.js';
import { readFilesSidecar, type RecordedFiles } from '../proc/sidecar.js';
import type { ProcView } from '../proc/view.js';

/** A failure as one line: a bad row that --lenient would skip says so (when it is not on). */
export function describeFailure(e: unknown, lenient: boolean): string {
  if (e instanceof CsvFormatError)
    return e.skippable && !lenient ? `${e.message} (add --lenient to skip bad rows)` : e.message;
  return escape(e instanceof Error ? e.message : String(e), 300);
}

/**
 * Throws a one-line error unless `file` is there and can be read to its end: a FIFO with no
 * writer would wait forever, a device never end, so only files (and directories, which the reader
 * refuses with its own message) pass.
 */
export async function checkRecordingFile(file: string): Promise<void> {
  const name = escape(file, 300);
  const st = await stat(file).catch(() => undefined);
  if (!st) {
    throw new Error(
      `cannot read ${name}: no such file; give a recording made by iouringtop (iouring/iouring_*.csv or .csv.gz)`,
    );
  }
  if (!st.isFile() && !st.isDirectory()) {
    const what = st.isFIFO()
      ? 'a FIFO'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
    throw new Error(
      `cannot replay ${name}: it is ${what}; give a recording file (.csv or .csv.gz)`,
    );
  }
}

export interface ReplaySourceOptions {
  /** Play as fast as possible, once, start to end (headless). */
  asFastAsPossible: boolean;
  /** Why this is a replay and not live capture (`--or-replay`'s fallback), shown in the header. */
  notLive?: string;
}

export class ReplaySource extends SourceBase implements Source, SessionFacts {
  readonly facts: SessionFacts = this;
  readonly realtime: boolean;
  readonly controls: SourceControls;
  private replay?: Playback;
  private lastTickMs = 0;
  private startedMs = 0;
  private readonly file: string;
  private readonly speed: ReplaySpeed;

  constructor(
    config: Config,
    private readonly opts: ReplaySourceOptions,
  ) {
    super({ bufferSeconds: config.bufferSeconds, bufferEvents: config.bufferEvents });
    this.file = config.replayFile ?? '';
    this.speed = opts.asFastAsPossible ? 'max' : config.speed;
    this.realtime = !opts.asFastAsPossible;
    this.lenient = config.lenient;
    this.controls = {
      replay: {
        togglePause: () => {
          // at the end there is nothing to play: Space there changes nothing hidden
          if (this.playback.atEnd) return;
          this.playback.togglePause();
          this.lastTickMs = Date.now();
        },
        seek: (deltaSec) => this.act(this.playback.step(deltaSec * 1_000_000)),
        changeSpeed: (factor) => {
          if (factor > 1) this.playback.faster();
          else this.playback.slower();
        },
        jump: (to) =>
          this.act(to === 'start' ? this.playback.jumpToStart() : this.playback.jumpToEnd()),
      },
    };
  }

  private readonly lenient: boolean;

  private get playback(): Playback {
    if (!this.replay) throw new Error('the replay has not started');
    return this.replay;
  }

  /** Runs a playback step; a failure (a bad row) fails the source. */
  private act(p: Promise<void>): Promise<void> {
    return p.catch((e: unknown) => this.fail(describeFailure(e, this.lenient)));
  }

  get info(): SourceInfo {
    const meta = this.replay?.meta;
    return {
      host: meta?.host ?? `${os.hostname()} (no metadata)`,
      kernel: meta?.kernel ?? '?',
      tier: meta?.captureTier.replace(/ \(.*$/, '') ?? 'unknown (no .meta.json)',
      mode: 'replay',
      recordingPath: this.file,
      recordingFacts: meta
        ? describeRecording(meta)
        : 'no metadata beside this recording (.meta.json)',
      eventKeeping: (meta?.eventSampling ?? 1) > 1 ? `sample 1/${meta?.eventSampling}` : undefined,
      notLive: this.opts.notLive,
    };
  }

  get exhausted(): boolean {
    return this.replay?.atEnd ?? false;
  }

  async start(): Promise<void> {
    await checkRecordingFile(this.file);
    const counts = await this.loadCounts();
    await this.loadFiles();
    const sink = this.recordedFiles?.hasFixed
      ? new MarkingSink(this.model, this.recordedFiles)
      : this.model;
    try {
      this.replay = await Playback.open(this.file, sink, {
        counts,
        speed: this.speed,
        lenient: this.lenient,
        opcodes: this.opcodes,
        // checkpoints serve seeks; a replay played once from start to end needs none
        checkpointEvents: this.opts.asFastAsPossible ? 0 : undefined,
        // as fast as possible: long steps between looks at the signals
        maxTickMs: this.opts.asFastAsPossible ? 200 : undefined,
      });
    } catch (e) {
      throw new Error(
        e instanceof CsvFormatError
          ? describeFailure(e, this.lenient)
          : `cannot replay ${escape(this.file, 300)}: ${describeFailure(e, this.lenient)}`,
        { cause: e },
      );
    }
    this.applyMetaCounters();
    this.startedMs = performance.now();
    this.lastTickMs = Date.now();
  }

  startNotice(): string | undefined {
    return [this.countsNote, this.filesNote].filter((n) => n !== undefined).join('; ') || undefined;
  }

  /** The file names recorded beside the recording (its .files.json), if any. */
  private recordedFiles?: RecordedFiles;
  private filesNote?: string;
  private procView?: { atUs: number; view: ProcView };

  /** Reads the sidecar of file names; a bad one is said and left aside (names are a bonus). */
  private async loadFiles(): Promise<void> {
    try {
      this.recordedFiles = await readFilesSidecar(this.file);
    } catch (e) {
      this.filesNote = `file names not shown: ${escape((e as Error).message, 200)}`;
    }
  }

  /** The recorded names as the views read them, at the playback position (one per position). */
  private recordedView(atUs: number): ProcView | undefined {
    const rec = this.recordedFiles;
    if (!rec) return undefined;
    if (this.procView?.atUs === atUs) return this.procView.view;
    const files = new Map<number, string>();
    for (const [key, r] of rec.at(atUs)) files.set(key, labelOf(r));
    const view: ProcView = {
      origin: 'recorded',
      files,
      fileList: rec.records,
      threads: new Map(),
      rings: [],
      ringFailures: new Map(),
    };
    this.procView = { atUs, view };
    return view;
  }

  /** Events the recorded counts stand for; undefined when the figures come from the events. */
  private countedEvents?: number;

  /** Why the recording's counts are not used (when it has a counts file), or undefined. */
  private countsNote?: string;

  /**
   * The kernel's exact counts recorded beside the events, when the metadata says the file is
   * whole: every figure then comes from them, as it did live. Otherwise the figures come from
   * the events (the note says why, when there was a counts file).
   */
  private async loadCounts(): Promise<CountsDelta[] | undefined> {
    let refused: string | undefined;
    const meta = await readSessionMeta(
      this.file,
      (why) => (refused = `metadata ${escape(why, 200)}`),
    );
    const { counts, note } = await loadRecordedCounts(this.file, meta);
    this.countsNote = [refused, note].filter((n) => n !== undefined).join('; ') || undefined;
    if (!counts) return undefined;
    this.model.useCounts();
    // (a recording from before the diagnostics were counted: unknown, not zero)
    this.model.setDiagnostics(meta?.diagnostics ?? null);
    this.countedEvents = 0;
    for (const d of counts) for (const r of d.rows) this.countedEvents += r.ops;
    return counts;
  }

  /**
   * The capture's loss counters come from the metadata, not from the rows (set again after a
   * seek resets the model). Without metadata, or with metadata never closed (its counts are those
   * of the start), they are unknown.
   */
  private applyMetaCounters(): void {
    this.model.setCaptureCounters(this.counters());
  }

  tick(): Promise<void> {
    const now = Date.now();
    const elapsed = now - this.lastTickMs;
    this.lastTickMs = now;
    return this.act(this.playback.tick(elapsed));
  }

  snapshot(opts?: SnapshotOptions): ViewSnapshot {
    this.applyMetaCounters();
    // the window is one second of recording time, whatever the refresh interval
    const snap = this.model.snapshot({ ...opts, windowUs: 1_000_000 });
    const pids = opts?.recentFilter?.pids;
    return {
      ...snap,
      proc: this.recordedView(snap.nowUs),
      files: pids?.length === 1 ? this.model.fileStats(pids[0]) : undefined,
    };
  }

  status(): SourceStatus {
    if (!this.replay) return {};
    const s = this.replay.status;
    const session = this.sessionUs();
    return {
      replay: {
        positionUs: s.positionUs,
        // the session's span where the metadata gives it (as the header's recording line does),
        // else the events'
        startUs: Math.min(session?.startUs ?? s.startUs, s.startUs),
        endUs:
          session?.endUs !== undefined
            ? Math.max(session.endUs, s.endUs ?? 0)
            : (s.endUs ?? undefined),
        speed: s.speed,
        paused: s.paused,
        ended: s.atEnd,
        seekingToUs: s.seekingToUs ?? undefined,
        gap: s.gap ?? undefined,
      },
    };
  }

  /** The session's start and end (µs) as its metadata says, where it says them. */
  private sessionUs(): { startUs: number; endUs?: number } | undefined {
    const meta = this.replay?.meta;
    // (format 1's times were the recorder's open and close, not the session's)
    if (!meta || meta.formatVersion < 2) return undefined;
    const start = Date.parse(meta.startedAt);
    if (!Number.isFinite(start)) return undefined;
    const span = sessionSpanUs(meta);
    return { startUs: start * 1000, endUs: span === undefined ? undefined : start * 1000 + span };
  }

  counters(): CaptureCounters | null {
    const meta = this.replay?.meta;
    // unknown without closed metadata, or where its figures are not counts
    if (!meta || meta.endedAt === null) return null;
    const { lost, dropped, overflow } = meta;
    if (lost === null || dropped === null || overflow === null) return null;
    return { lost, dropped, overflow, unmatched: 0, malformed: 0 };
  }

  stop(): Promise<void> {
    this.replay?.close();
    return Promise.resolve();
  }

  abort(): void {
    this.replay?.close();
  }

  summaryFacts(): SummaryInfo {
    const meta = this.replay?.meta;
    return {
      title: `iouringtop replay of ${this.file}${meta ? ` (${meta.host}, ${meta.kernel}, ${meta.captureTier})` : ''}`,
      recording: this.file,
      filter: typeof meta?.filters?.text === 'string' ? meta.filters.text : undefined,
      // The session's length as recorded, so the rates match the live run's summary; without
      // metadata, the span of the events.
      durationUs: meta ? sessionSpanUs(meta) : undefined,
      tier: Number(/^tier (\d)/.exec(meta?.captureTier ?? '')?.[1]) || undefined,
      figures: {
        counted: this.countedEvents !== undefined,
        replay: true,
        countedEvents: this.countedEvents ?? 0,
        events: this.replay?.status.events ?? 0,
        keeping:
          meta?.eventMode === 'budget'
            ? { kind: 'budget', perSec: meta.eventBudget ?? 0 }
            : (meta?.eventSampling ?? 1) > 1
              ? { kind: 'sample', every: meta?.eventSampling ?? 1 }
              : { kind: 'all' },
        sent: meta?.eventMode === 'budget' ? meta.eventsSent : undefined,
        latencySampled: meta?.latencySampled,
      },
    };
  }

  hadFailures(): boolean {
    return false;
  }

  closingNotes(): string[] {
    if (!this.replay) return [];
    const s = this.replay.status;
    const notes: string[] = [];
    if (s.skipped > 0) notes.push(`skipped ${s.skipped} malformed rows (--lenient)`);
    // "file:line: truncated last line ignored (…): text", escaped by the reader
    if (s.truncatedLine) notes.push(s.truncatedLine);
    if (this.opts.asFastAsPossible) {
      const ms = performance.now() - this.startedMs;
      notes.push(
        `replayed ${s.events} rows in ${(ms / 1000).toFixed(2)} s (${Math.round(ms > 0 ? (s.events * 1000) / ms : 0)} rows/s)`,
      );
    }
    return notes;
  }
}

/** A recorded file's label: its name, or why it had none. */
function labelOf(r: FileRecord): string {
  if (r.name !== null) return r.name;
  if (r.state === 'unresolved') return '(not read)';
  return fileLabel({
    name: undefined,
    fixed: r.fixed,
    state: (r.state ?? 'error') as never,
  });
}
