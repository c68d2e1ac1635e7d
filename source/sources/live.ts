/**
 * The live source: bpftrace → parser → one event stream → the model and the recorder. It owns
 * the bpftrace child (which never outlives iouringtop) and the recordings (`R` makes several).
 *
 * (Over 400 lines: the capture, the recordings and the /proc sampling end in one order at stop,
 * the capture first, then the last /proc look, then the recording with everything in it; that
 * order, and what each depends on of the others, is kept visible in one class.)
 */
import os from 'node:os';
import path from 'node:path';
import { statfs } from 'node:fs/promises';
import {
  diagnosticsOf,
  IO_URING_ENTER,
  type Diagnostics,
  type EventLines,
  type Tier,
} from '../../bpf/program.js';
import { BpftraceSource } from '../collect/bpftrace.js';
import type { ProbeResult } from '../collect/probe.js';
import { TIER_NAMES } from '../collect/report.js';
import { describeFilter, minFreeBytes, type Config } from '../config.js';
import { escape } from '../escape.js';
import type { IoEvent } from '../model/event.js';
import type { SnapshotOptions } from '../model/model.js';
import type { CountsDelta } from '../model/counts.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { CsvRecorder, RecordError } from '../record/csvWriter.js';
import { cell } from '../render/columns.js';
import { hostFacts, isoLocal, type SessionMetaInit } from '../record/meta.js';
import type { SummaryInfo } from '../render/summary.js';
import type { SourceStatus } from '../ui/types.js';
import { ProcWatcher } from '../proc/watcher.js';
import { filesPathFor, writeFilesSidecar } from '../proc/sidecar.js';
import { rm } from 'node:fs/promises';
import {
  SourceBase,
  type Source,
  type SourceControls,
  type SourceInfo,
  type ThreadReport,
} from './source.js';
import { MAX_PIDS } from '../proc/watcher.js';

/** The header's word on the events when not every one is kept (a budget says so when it samples). */
export function keepingLabel(e: EventLines): string | undefined {
  return e.kind === 'sample' ? `sample 1/${e.every}` : e.kind === 'none' ? 'events off' : undefined;
}

/** What the last counts said of the sampling: events sent of those counted, latency samples. */
interface SamplingWindow {
  counted: number;
  sent: number;
  /** Requests the latency histograms stand for, and the samples they hold. */
  weight: number;
  samples: number;
}

/** Processes whose last activity is older than this are no longer read in /proc. */
const PROC_ACTIVE_US = 60_000_000;
/** The last look at /proc, at the end, waits at most this long. */
const FINAL_SAMPLE_MS = 3000;
/** Free space a recording leaves for its sidecars (counts, names), beyond 512 B a file name. */
const SIDECAR_RESERVE = 64 * 1024;

export class LiveSource extends SourceBase implements Source {
  readonly realtime = true;
  readonly exhausted = false;
  readonly info: SourceInfo;
  readonly controls: SourceControls;
  readonly capture: BpftraceSource;
  /** File names, io_uring threads and rings, from /proc (sampled once per tick). */
  readonly proc = new ProcWatcher();
  recorder?: CsvRecorder;
  /** Every recording this session made (R toggles make several). */
  readonly recordings: string[] = [];
  /** Events delivered so far. */
  events = 0;
  /** The latest event's time (µs). */
  private lastEventUs = 0;
  /** Rows of the recording open now whose operation's submission was not seen. */
  private rowsWithoutSubmit = 0;
  /** When the probes were attached: the capture's first moment. */
  captureStartedAt?: Date;
  /** When the capture ended (stop asked, or bpftrace went by itself). */
  captureEndedAt?: Date;

  private recordingStartedAt = new Date();
  private recordingError?: string;
  /** Rows each finished recording holds, and those it could not write, by path. */
  private readonly recordedRows = new Map<string, { written: number; lost: number }>();
  private readyResolve?: () => void;
  private readonly ready: Promise<void>;
  private exitMessage?: string;
  private readonly errors: string[] = [];
  private recordingChange: Promise<unknown> = Promise.resolve();
  private stopping = false;
  /** Why the recording was stopped for free space (the session then counts as failed). */
  private stoppedForSpace?: string;
  /** The last recording stopped while the capture goes on: the header says where it is. */
  private lastStopped?: string;
  /** The recording's growth: bytes per second, from the file size a few ticks apart. */
  private growth = { atMs: 0, bytes: 0, perSec: 0 };
  private spaceCheck?: Promise<void>;

  constructor(
    private readonly config: Config,
    private readonly probe: ProbeResult,
    private readonly tier: Tier,
  ) {
    // every figure from the kernel's exact counts; events only fill the buffer (and the file)
    super({
      bufferSeconds: config.bufferSeconds,
      bufferEvents: config.bufferEvents,
      aggregate: 'counts',
    });
    this.info = {
      host: os.hostname(),
      kernel: os.release(),
      tier: TIER_NAMES[tier].replace(/ \(.*$/, ''),
      mode: 'live',
      eventKeeping: keepingLabel(config.events),
    };
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
    const model = this.model;
    this.capture = new BpftraceSource({
      bpftracePath: probe.bpftracePath ?? 'bpftrace',
      bpftraceVersion: probe.bpftraceVersion,
      tier,
      features: probe.features,
      filter: config.filter,
      events: config.events,
      maxInflight: config.maxInflight,
      opcodes: this.opcodes,
      onEvent: (ev: IoEvent) => {
        this.events++;
        if (ev.tsUs > this.lastEventUs) this.lastEventUs = ev.tsUs;
        model.push(ev);
        this.proc.note(ev);
        if (this.recorder) {
          this.recorder.push(ev);
          // (an operation without a latency: its submission was not seen, see the docs)
          if (ev.latencyNs === 0 && ev.opcode !== IO_URING_ENTER) this.rowsWithoutSubmit++;
        }
      },
      onNotice: (level, text) => {
        if (level === 'error') this.errors.push(text);
        this.onNotice(level, `bpftrace: ${escape(text, 300)}`);
      },
      onCounts: (delta) => {
        model.pushCounts(delta);
        this.recorder?.pushCounts(delta);
        this.noteSampling(delta);
        this.onCounts(delta);
      },
      onReady: () => {
        this.captureStartedAt ??= new Date();
        this.readyResolve?.();
      },
      onExit: ({ code, signal, expected }) => {
        // the capture ended when bpftrace did, if it went before being asked to
        if (this.captureStartedAt) this.captureEndedAt ??= new Date();
        if (!expected) {
          const why = this.errors.slice(-3).join(' | ');
          this.exitMessage = `bpftrace exited unexpectedly (${signal ?? `code ${String(code)}`})${why ? `: ${escape(why, 300)}` : ''}`;
          // its last second of counts never came: the recording's metadata says so
          this.recorder?.markCountsIncomplete(this.exitMessage);
          this.fail(this.exitMessage);
        }
        this.readyResolve?.();
      },
    });
    this.controls = { toggleRecording: () => this.toggleRecording() };
    this.diagnostics = diagnosticsOf(tier, probe.features);
    model.setDiagnostics(this.diagnostics);
  }

  /** The diagnostics this capture counts (the others are n/a). */
  readonly diagnostics: Diagnostics;

  /**
   * The capture's counters. Events lost: those bpftrace says it lost while running; once the
   * capture has stopped, exactly the events the kernel sent (every one it counted, unless they
   * were sampled) that never arrived (its final counts and the last events are in by then).
   */
  counters(): CaptureCounters {
    const c = this.capture.counters;
    if (!this.captureStopped || this.config.events.kind === 'none') return c;
    const missing = this.eventsSent() - this.capture.receivedEvents;
    return missing > c.lost ? { ...c, lost: missing } : c;
  }

  /** Events the kernel sent: every one it counted, or, where events are sampled, its own count. */
  private eventsSent(): number {
    return this.capture.eventsSent();
  }

  /** The sampling of the last interval, and since the start. */
  private lastWindow?: SamplingWindow;
  private readonly sampling: SamplingWindow = { counted: 0, sent: 0, weight: 0, samples: 0 };
  private sentBefore = 0;

  private noteSampling(delta: CountsDelta): void {
    let counted = 0;
    let weight = 0;
    for (const r of delta.rows) {
      counted += r.ops;
      for (let i = 1; i < r.latency.length; i += 2) weight += r.latency[i];
    }
    const sentNow = this.eventsSent();
    const w: SamplingWindow = {
      counted,
      sent: sentNow - this.sentBefore,
      weight,
      samples: delta.latencySamples ?? weight,
    };
    this.sentBefore = sentNow;
    this.lastWindow = w;
    this.sampling.counted += w.counted;
    this.sampling.sent += w.sent;
    this.sampling.weight += w.weight;
    this.sampling.samples += w.samples;
  }

  /** Whether latencies were sampled (their histograms hold estimates), since the start. */
  get latencySampled(): boolean {
    return this.sampling.weight > this.sampling.samples;
  }

  /** The header's word on sampling now: the events over the budget, and the latencies. */
  private samplingLabel(): string | undefined {
    const w = this.lastWindow;
    const ev = this.config.events;
    if (!w) return undefined;
    const parts: string[] = [];
    if (ev.kind === 'budget' && w.counted > 0 && w.sent < w.counted) {
      parts.push(
        `events sampled 1/${Math.max(2, Math.round(w.counted / Math.max(1, w.sent)))} (over budget)`,
      );
    }
    if (ev.kind !== 'all' && w.weight > w.samples && w.samples > 0) {
      parts.push(`latency sampled 1/${Math.max(2, Math.round(w.weight / w.samples))}`);
    }
    return parts.length > 0 ? parts.join(', ') : undefined;
  }

  private captureStopped = false;
  /** Said at the end when bpftrace's final counters never came (the session then counts as failed). */
  private finalCountsMissing?: string;

  /** Starts the recording (if on) and bpftrace; resolves once the probes are attached. */
  async start(): Promise<void> {
    if (this.config.record) await this.startRecording();
    await this.capture.start();
    await this.ready;
    if (this.exitMessage) throw new Error(this.exitMessage);
  }

  startNotice(): string | undefined {
    return this.recorder ? `recording to ${this.recorder.path}` : 'capturing';
  }

  tick(): Promise<void> {
    this.model.advance(Date.now() * 1000);
    this.model.setCaptureCounters(this.counters());
    const r = this.recorder;
    if (r) {
      const now = Date.now();
      const g = this.growth;
      if (now - g.atMs >= 2000) {
        const bytes = r.fileBytes;
        if (g.atMs > 0) g.perSec = Math.max(0, ((bytes - g.bytes) * 1000) / (now - g.atMs));
        g.atMs = now;
        g.bytes = bytes;
      }
      this.spaceCheck ??= this.checkSpace(r).finally(() => (this.spaceCheck = undefined));
    }
    // /proc in the background: a tick never waits for it (the views show the latest sample)
    void this.sampleProc();
    return Promise.resolve();
  }

  /** The /proc sample that onThreads was last told of (or is waiting for). */
  private reportedSample?: Promise<void>;

  /**
   * Starts a look at /proc (or joins the one running); when a new one ends, tells onThreads what
   * it found, each process named as in the model.
   */
  private sampleProc(): Promise<void> {
    const sample = this.proc.sample(this.procPids());
    if (sample === this.reportedSample) return sample;
    this.reportedSample = sample;
    return sample.then(() => {
      const out: ThreadReport[] = [];
      for (const [pid, t] of this.proc.threads.all()) {
        const comm = this.model.commOf(pid);
        if (comm === undefined) continue;
        out.push({
          pid,
          comm,
          workers: t.workers,
          sqpoll: t.sqpoll,
          workersCpuSec: t.workersCpuSec,
          sqpollCpuSec: t.sqpollCpuSec,
        });
      }
      this.onThreads(out);
    });
  }

  /** Whom /proc is read for: the processes with activity in the last minute. */
  private procPids(): number[] {
    return this.model.activePids(this.model.nowUs - PROC_ACTIVE_US, MAX_PIDS);
  }

  /** Free space on the recording's file system, and the margin it must keep. */
  private async space(dir: string): Promise<{ free: number; margin: number }> {
    const s = await statfs(dir);
    return {
      free: s.bavail * s.bsize,
      margin: minFreeBytes(this.config.minFree, s.blocks * s.bsize),
    };
  }

  /**
   * Stops the recording, whole, before the file system's free space falls below the margin
   * (`--min-free`): a full disk hurts more than the recording is worth. The capture goes on.
   * Each look at the free space tells the recorder how far its file may grow; it stops itself at
   * the first row that could go past that (so the margin is never crossed by the recording), and
   * a look that finds the margin gone (someone else filled the disk) stops it too.
   */
  private async checkSpace(r: CsvRecorder): Promise<void> {
    const inFile = r.bytesInFile; // (before the look: what is written meanwhile counts against it)
    let s: { free: number; margin: number };
    try {
      s = await this.space(path.dirname(r.path));
    } catch {
      return; // cannot tell: a write failure would still be caught and told
    }
    if (this.recorder !== r || this.stopping) return;
    const dir = escape(path.dirname(r.path), 200);
    const whole = `${escape(r.path, 300)} is whole; capture goes on`;
    if (s.free < s.margin) {
      await this.stopForSpace(
        r,
        `recording stopped: ${cell.bytes(s.free)} free on the file system of ${dir}, below the ${cell.bytes(s.margin)} it keeps free (--min-free); ${whole}`,
      );
      return;
    }
    if (s.margin === 0) return; // --min-free 0: no guard
    // room for what is written beside it meanwhile and at its close: a line of counts, the names
    const reserve = SIDECAR_RESERVE + 512 * this.proc.files.records().length;
    r.limitFileTo(inFile + s.free - s.margin - reserve, () => {
      void this.stopForSpace(
        r,
        `recording stopped: ${cell.bytes(s.free - (r.bytesInFile - inFile))} free on the file system of ${dir}, and more rows would take it below the ${cell.bytes(s.margin)} it keeps free (--min-free); ${whole}`,
      );
    });
  }

  /** Stops recording `r` for want of space, saying `why` (once); the capture goes on. */
  private stopForSpace(r: CsvRecorder, why: string): Promise<void> {
    if (this.recorder !== r || this.stopping || this.stoppedForSpace !== undefined)
      return this.recordingChange.then(() => undefined);
    this.stoppedForSpace = why;
    this.onNotice('error', why);
    const next = this.recordingChange.then(() =>
      this.recorder === r ? this.stopRecording() : undefined,
    );
    this.recordingChange = next.catch(() => undefined);
    return this.recordingChange.then(() => undefined);
  }

  snapshot(opts?: SnapshotOptions): ViewSnapshot {
    this.model.advance(Date.now() * 1000);
    this.model.setCaptureCounters(this.counters());
    const snap = this.model.snapshot(opts);
    const pids = opts?.recentFilter?.pids;
    return {
      ...snap,
      proc: this.proc.view(),
      files: pids?.length === 1 ? this.model.fileStats(pids[0]) : undefined,
    };
  }

  status(): SourceStatus {
    return {
      recording: this.recorder
        ? {
            path: this.recorder.path,
            bytes: this.recorder.fileBytes,
            bytesPerSec: this.growth.perSec,
          }
        : undefined,
      recordingStopped: this.recorder ? undefined : this.lastStopped,
      recordingError: this.recorder?.error
        ? escape(this.recorder.error.message, 300)
        : (this.recordingError ?? this.stoppedForSpace),
      sampling: this.samplingLabel(),
      // every figure stays exact; only the event list (and the recording) miss what was lost
      advice:
        this.capture.counters.lost > 0 && this.config.events.kind === 'all'
          ? 'totals exact; fewer events: --max-events-rate N or --no-events'
          : this.config.events.kind === 'budget' &&
              this.lastWindow !== undefined &&
              this.lastWindow.sent < this.lastWindow.counted
            ? 'totals exact; every event: --all-events'
            : undefined,
    };
  }

  /**
   * `R`: stops the recording in progress, or starts a new one. Presses are taken in order, each
   * after the previous one has finished, so a quick double press gives one file, not two
   * recorders writing at once. A failure to start shows in status() until the next press.
   */
  toggleRecording(): Promise<void> {
    const next = this.recordingChange.then(async () => {
      if (this.stopping) return; // the session is ending: stop() closes what is open
      try {
        if (this.recorder) await this.stopRecording();
        else await this.startRecording();
        this.recordingError = undefined;
      } catch (e) {
        this.recordingError = escape((e as Error).message, 300);
        this.onNotice('error', this.recordingError);
        throw e;
      }
    });
    this.recordingChange = next.catch(() => undefined);
    return next;
  }

  private metaInit(): SessionMetaInit {
    const c = this.counters();
    return {
      ...hostFacts(),
      bpftraceVersion: this.probe.bpftraceVersion ?? null,
      captureTier: TIER_NAMES[this.tier],
      filters: {
        pid: this.config.filter.pids,
        comm: this.config.filter.comm ?? null,
        opcode: this.config.filter.opcodes ?? null,
        text: describeFilter(this.config.filter, this.opcodes),
      },
      lost: c.lost,
      dropped: c.dropped,
      overflow: c.overflow,
      opcodeNames: this.opcodes.learned(),
      eventSampling:
        this.config.events.kind === 'sample'
          ? this.config.events.every
          : this.sampling.sent > 0 && this.sampling.sent < this.sampling.counted
            ? Math.round(this.sampling.counted / this.sampling.sent)
            : 1,
      eventMode: this.config.events.kind === 'none' ? undefined : this.config.events.kind,
      eventBudget: this.config.events.kind === 'budget' ? this.config.events.perSec : undefined,
      eventsSent: this.config.events.kind === 'none' ? undefined : this.eventsSent(),
      eventsCounted: this.capture.countedEvents,
      rowsWithoutSubmit: this.rowsWithoutSubmit,
      latencySampled: this.latencySampled,
      operationsCounted: this.capture.countedOperations - this.countedAtRecordingStart,
      diagnostics: this.diagnostics,
    };
  }

  /** The kernel's operation count when the current recording started. */
  private countedAtRecordingStart = 0;

  async startRecording(): Promise<string> {
    if (this.recorder) return this.recorder.path;
    // refuse to start where the margin is already gone (a directory not made yet: its parent)
    const target = path.resolve(this.config.outputDir, 'iouring');
    for (let dir = target; ; dir = path.dirname(dir)) {
      const s = await this.space(dir).catch(() => undefined);
      if (s && s.free < s.margin) {
        throw new RecordError(
          `cannot record to ${escape(target, 300)}: ${cell.bytes(s.free)} free, below the ${cell.bytes(s.margin)} a recording keeps free (--min-free); free some space, choose another directory with --output-dir DIR, lower --min-free, or turn recording off with --no-record`,
        );
      }
      if (s || path.dirname(dir) === dir) break;
    }
    this.countedAtRecordingStart = this.capture.countedOperations;
    this.rowsWithoutSubmit = 0;
    const recorder = await CsvRecorder.create({
      outputDir: this.config.outputDir,
      meta: this.metaInit(),
      counts: true,
      compress: this.config.compress,
      fileMode: this.config.recordingMode,
      opcodes: this.opcodes,
      onError: (err) => this.onNotice('error', escape(err.message, 300)),
    });
    this.recorder = recorder;
    this.lastStopped = undefined;
    this.stoppedForSpace = undefined;
    // how far it may grow, from the start (not only from the first tick's look)
    this.spaceCheck ??= this.checkSpace(recorder).finally(() => (this.spaceCheck = undefined));
    this.growth = { atMs: 0, bytes: 0, perSec: 0 };
    this.recordingStartedAt = new Date();
    this.recordings.push(recorder.path);
    return recorder.path;
  }

  async stopRecording(): Promise<void> {
    const recorder = this.recorder;
    if (!recorder) return;
    this.recorder = undefined;
    // The recording covers what was captured while it was open: from the later of its creation
    // and the probes' attach, to its close (or bpftrace's stop). Replay takes the session's
    // length from these two times, so its summary's rates match the live run's.
    const start =
      this.captureStartedAt && this.captureStartedAt > this.recordingStartedAt
        ? this.captureStartedAt
        : this.recordingStartedAt;
    let end = this.captureEndedAt ?? new Date();
    if (end < start) end = start; // opened by an R press that finished after the stop
    try {
      await recorder.close({
        ...this.metaInit(),
        startedAt: isoLocal(start),
        endedAt: isoLocal(end),
      });
      // the file names seen while it was open, beside it
      const fromUs = start.getTime() * 1000;
      const records = this.proc.files.records().filter((r) => r.lastUs >= fromUs);
      await writeFilesSidecar(
        recorder.path,
        records,
        this.proc.files.historyDropped,
        recorder.fileMode,
      ).catch((e: Error) =>
        this.onNotice('error', `file names not written: ${escape(e.message, 300)}`),
      );
    } finally {
      this.recordedRows.set(recorder.path, {
        written: recorder.rowsWritten,
        lost: recorder.rowsLost,
      });
      this.lastStopped = `recording stopped: ${escape(recorder.path, 300)} (${cell.count(recorder.rowsWritten)} events, ${cell.bytes(recorder.fileBytes)})`;
    }
  }

  /** The capture's length so far (or in all, once stopped), in µs; 0 before the probes attach. */
  get spanUs(): number {
    if (!this.captureStartedAt) return 0;
    const end = this.captureEndedAt ?? new Date();
    return Math.max(0, end.getTime() - this.captureStartedAt.getTime()) * 1000;
  }

  /**
   * Stops bpftrace (its last lines are still recorded), then closes the recording, after any
   * R press still in progress. A recording of a capture that never attached holds nothing but
   * its header: it is removed rather than left behind as an empty session.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    // The capture ends now, or, since bpftrace's probes fire until it detaches them, at its last
    // event: the session's end covers every row recorded.
    if (this.captureStartedAt) this.captureEndedAt ??= new Date();
    await this.capture.stop();
    this.captureStopped = true;
    if (this.captureEndedAt && this.lastEventUs > this.captureEndedAt.getTime() * 1000)
      this.captureEndedAt = new Date(Math.ceil(this.lastEventUs / 1000));
    if (this.capture.finalCountsMissing) {
      this.finalCountsMissing =
        'bpftrace exited without printing its final counts: the totals stop at its last complete print, up to a second before the end';
      this.recorder?.markCountsIncomplete(this.finalCountsMissing);
    }
    await this.finalProcSample();
    await this.recordingChange;
    const recorder = this.recorder;
    try {
      await this.stopRecording();
    } catch (e) {
      // already reported by the recorder's onError; the notes repeat it
      void e;
    }
    // Nothing captured into it: the probes never attached, or an R press opened it after the end.
    const empty =
      !this.captureStartedAt ||
      (this.captureEndedAt !== undefined && this.recordingStartedAt >= this.captureEndedAt);
    if (recorder && empty && recorder.rows === 0) {
      await recorder.discard();
      await rm(filesPathFor(recorder.path), { force: true }).catch(() => undefined);
      this.recordings.splice(this.recordings.indexOf(recorder.path), 1);
    }
    this.model.setCaptureCounters(this.counters());
  }

  /**
   * One last look at /proc once every event is in: names for the fds seen since the last tick,
   * while their processes still hold them. Bounded by FINAL_SAMPLE_MS.
   */
  private async finalProcSample(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, FINAL_SAMPLE_MS)));
    const sample = (async () => {
      await this.sampleProc(); // the one running, if any
      await this.sampleProc();
    })();
    await Promise.race([sample.catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  abort(): void {
    this.capture.killNow();
  }

  summaryFacts(): SummaryInfo {
    return {
      title: `iouringtop live capture, ${TIER_NAMES[this.tier]}`,
      filter: describeFilter(this.config.filter, this.opcodes),
      recording: this.recordings.at(-1),
      counters: this.counters(),
      durationUs: this.spanUs,
      tier: this.tier,
      figures: {
        counted: true,
        replay: false,
        countedEvents: this.capture.countedEvents,
        events: this.capture.receivedEvents,
        keeping: this.config.events,
        sent: this.config.events.kind === 'none' ? undefined : this.eventsSent(),
        latencySampled: this.latencySampled,
      },
    };
  }

  hadFailures(): boolean {
    return (
      [...this.recordedRows.values()].some((r) => r.lost > 0) ||
      this.recordingError !== undefined ||
      this.stoppedForSpace !== undefined ||
      this.finalCountsMissing !== undefined
    );
  }

  /** Every recording made, with the rows it holds, and those it could not write. */
  closingNotes(): string[] {
    const notes = this.recordings.map((r) => {
      const rows = this.recordedRows.get(r) ?? { written: 0, lost: 0 };
      const notWritten =
        rows.lost > 0 ? `; ${rows.lost} events captured after it failed were not written` : '';
      return `recorded ${rows.written} events to ${escape(r, 300)}${notWritten}`;
    });
    return this.finalCountsMissing ? [this.finalCountsMissing, ...notes] : notes;
  }
}
