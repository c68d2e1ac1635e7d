/**
 * The live source: bpftrace → parser → one event stream → the model and the recording. It owns
 * the bpftrace child (which never outlives iouringtop), the /proc sampling, and a
 * RecordingSession (recording.ts: `R`, the free-space guard, the sidecars).
 *
 * (Over 400 lines: the capture, the /proc sampling and the recording end in one order at stop,
 * the capture first, then the last /proc look, then the recording with everything in it; that
 * order, and what each depends on of the others, is kept visible in one class.)
 */
import os from 'node:os';
import { diagnosticsOf, type Diagnostics, type EventLines, type Tier } from '../../bpf/program.js';
import { BpftraceSource } from '../collect/bpftrace.js';
import type { ProbeResult } from '../collect/probe.js';
import { LocalBpftrace } from '../collect/transport.js';
import { TIER_NAMES } from '../collect/report.js';
import { describeFilter, type Config } from '../config.js';
import { escape } from '../escape.js';
import type { IoEvent } from '../model/event.js';
import type { SnapshotOptions } from '../model/model.js';
import type { CountsDelta } from '../model/counts.js';
import type { CaptureCounters } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { hostFacts, type SessionMetaInit } from '../record/meta.js';
import type { SessionFacts, SourceInfo, SourceStatus, SummaryInfo } from './facts.js';
import { ProcWatcher } from '../proc/watcher.js';
import type { ThreadReport } from '../proc/threads.js';
import { RecordingSession } from './recording.js';
import { SourceBase, type Source, type SourceControls } from './source.js';
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

export class LiveSource extends SourceBase implements Source, SessionFacts {
  readonly facts: SessionFacts = this;
  readonly realtime = true;
  readonly exhausted = false;
  readonly info: SourceInfo;
  readonly controls: SourceControls;
  readonly capture: BpftraceSource;
  /** File names, io_uring threads and rings, from /proc (sampled once per tick). */
  readonly proc = new ProcWatcher();
  /** The recordings: `R`, the free-space guard, the files beside each. */
  readonly recording: RecordingSession;
  /** Events delivered so far. */
  events = 0;
  /** The latest event's time (µs). */
  private lastEventUs = 0;
  /** When the probes were attached: the capture's first moment. */
  captureStartedAt?: Date;
  /** When the capture ended (stop asked, or bpftrace went by itself). */
  captureEndedAt?: Date;

  private readyResolve?: () => void;
  private readonly ready: Promise<void>;
  private exitMessage?: string;
  private readonly errors: string[] = [];

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
      transport: new LocalBpftrace(probe.bpftracePath ?? 'bpftrace'),
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
        this.recording.push(ev);
      },
      onNotice: (level, text) => {
        if (level === 'error') this.errors.push(text);
        this.notice(level, `bpftrace: ${escape(text, 300)}`);
      },
      onCounts: (delta) => {
        model.pushCounts(delta);
        this.recording.pushCounts(delta);
        this.noteSampling(delta);
        this.countsArrived(delta);
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
          this.recording.markCountsIncomplete(this.exitMessage);
          this.fail(this.exitMessage);
        }
        this.readyResolve?.();
      },
    });
    this.recording = new RecordingSession({
      config,
      opcodes: this.opcodes,
      files: this.proc.files,
      meta: () => this.metaInit(),
      capture: () => ({ startedAt: this.captureStartedAt, endedAt: this.captureEndedAt }),
      notice: (level, text) => this.notice(level, text),
    });
    this.controls = { toggleRecording: () => this.recording.toggle() };
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
    if (this.config.record) await this.recording.start();
    await this.capture.start();
    await this.ready;
    if (this.exitMessage) throw new Error(this.exitMessage);
  }

  startNotice(): string | undefined {
    const r = this.recording.recorder;
    return r ? `recording to ${r.path}` : 'capturing';
  }

  tick(): Promise<void> {
    this.model.advance(Date.now() * 1000);
    this.model.setCaptureCounters(this.counters());
    this.recording.tick();
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
      this.threadsSeen(out);
    });
  }

  /** Whom /proc is read for: the processes with activity in the last minute. */
  private procPids(): number[] {
    return this.model.activePids(this.model.nowUs - PROC_ACTIVE_US, MAX_PIDS);
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
      ...this.recording.status(),
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
      latencySampled: this.latencySampled,
      // (since the capture began: the recording counts from its own start)
      operationsCounted: this.capture.countedOperations,
      diagnostics: this.diagnostics,
    };
  }

  /** The capture's length so far (or in all, once stopped), in µs; 0 before the probes attach. */
  get spanUs(): number {
    if (!this.captureStartedAt) return 0;
    const end = this.captureEndedAt ?? new Date();
    return Math.max(0, end.getTime() - this.captureStartedAt.getTime()) * 1000;
  }

  /**
   * Stops bpftrace (its last lines are still recorded), then closes the recording, after any
   * R press still in progress.
   */
  async stop(): Promise<void> {
    this.recording.end();
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
      this.recording.markCountsIncomplete(this.finalCountsMissing);
    }
    await this.finalProcSample();
    await this.recording.finish();
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
      recording: this.recording.files.at(-1),
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
    return this.recording.hadFailures() || this.finalCountsMissing !== undefined;
  }

  /** Every recording made, with the rows it holds, and those it could not write. */
  closingNotes(): string[] {
    const notes = this.recording.closingNotes();
    return this.finalCountsMissing ? [this.finalCountsMissing, ...notes] : notes;
  }
}
