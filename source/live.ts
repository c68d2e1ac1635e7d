/**
 * A live capture session: bpftrace → parser → one event stream → model + recorder.
 * Used by both the headless mode and the TUI; it owns the bpftrace child and the recording.
 */
import type { CaptureFilter, Tier } from '../bpf/program.js';
import { BpftraceSource, type CaptureCounters, type NoticeLevel } from './collect/bpftrace.js';
import type { ProbeResult } from './collect/probe.js';
import { TIER_NAMES } from './collect/probe.js';
import { describeFilter, type Config } from './config.js';
import type { EventSink, IoEvent } from './model/event.js';
import { CsvRecorder } from './record/csvWriter.js';
import { hostFacts, isoLocal, type SessionMetaInit } from './record/meta.js';

export interface LiveOptions {
  probe: ProbeResult;
  tier: Tier;
  filter: CaptureFilter;
  maxInflight: number;
  outputDir: string;
  record: boolean;
  /** Consumers of every event besides the recorder (the model). */
  sinks: EventSink[];
  onNotice(level: NoticeLevel, text: string): void;
  /** A recording could not be written (disk full, permissions); default: an error notice. */
  onRecordingError?(message: string): void;
  /** bpftrace ended without being asked to. */
  onUnexpectedExit(message: string): void;
}

/** What a live session takes from the command line: the same for the TUI and headless. */
export function liveOptionsFrom(
  config: Config,
  probe: ProbeResult,
  tier: Tier,
): Pick<LiveOptions, 'probe' | 'tier' | 'filter' | 'maxInflight' | 'outputDir' | 'record'> {
  return {
    probe,
    tier,
    filter: config.filter,
    maxInflight: config.maxInflight,
    outputDir: config.outputDir,
    record: config.record,
  };
}

export class LiveSession {
  readonly source: BpftraceSource;
  recorder?: CsvRecorder;
  /** Every recording this session made (R toggles make several). */
  readonly recordings: string[] = [];
  events = 0;
  /** When the probes were attached: the capture's first moment. */
  captureStartedAt?: Date;
  /** When bpftrace had stopped: the capture's last moment. */
  captureEndedAt?: Date;
  private recordingStartedAt = new Date();
  private readyResolve?: () => void;
  private readonly ready: Promise<void>;
  private exitMessage?: string;
  private readonly notices: string[] = [];

  constructor(private readonly opts: LiveOptions) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
    const sinks = opts.sinks;
    const n = sinks.length;
    this.source = new BpftraceSource({
      bpftracePath: opts.probe.bpftracePath ?? 'bpftrace',
      tier: opts.tier,
      features: opts.probe.features,
      filter: opts.filter,
      maxInflight: opts.maxInflight,
      onEvent: (ev: IoEvent) => {
        this.events++;
        for (let i = 0; i < n; i++) sinks[i].push(ev);
        this.recorder?.push(ev);
      },
      onNotice: (level, text) => {
        if (level === 'error') this.notices.push(text);
        opts.onNotice(level, text);
      },
      onReady: () => {
        this.captureStartedAt ??= new Date();
        this.readyResolve?.();
      },
      onExit: ({ code, signal, expected }) => {
        // the capture ended when bpftrace did, if it went before being asked to
        if (this.captureStartedAt) this.captureEndedAt ??= new Date();
        if (!expected) {
          const why = this.notices.slice(-3).join(' | ');
          this.exitMessage = `bpftrace exited unexpectedly (${signal ?? `code ${String(code)}`})${why ? `: ${why}` : ''}`;
          opts.onUnexpectedExit(this.exitMessage);
        }
        this.readyResolve?.();
      },
    });
  }

  get counters(): CaptureCounters {
    return this.source.counters;
  }

  metaInit(): SessionMetaInit {
    const c = this.counters;
    return {
      ...hostFacts(),
      bpftraceVersion: this.opts.probe.bpftraceVersion ?? null,
      captureTier: TIER_NAMES[this.opts.tier],
      filters: {
        pid: this.opts.filter.pids,
        comm: this.opts.filter.comm ?? null,
        opcode: this.opts.filter.opcodes ?? null,
        text: describeFilter(this.opts.filter),
      },
      lost: c.lost,
      dropped: c.dropped,
      overflow: c.overflow,
    };
  }

  /** Starts bpftrace (and the recording, if on); resolves once the probes are attached. */
  async start(): Promise<void> {
    if (this.opts.record) await this.startRecording();
    await this.source.start();
    await this.ready;
    if (this.exitMessage) throw new Error(this.exitMessage);
  }

  private recordingChange: Promise<unknown> = Promise.resolve();
  private stopping = false;

  /**
   * `R`: stops the recording in progress, or starts a new one. Presses are taken in order, each
   * after the previous one has finished, so a quick double press gives one file, not two
   * recorders writing at once.
   */
  toggleRecording(): Promise<void> {
    const next = this.recordingChange.then(async () => {
      if (this.stopping) return; // the session is ending: stop() closes what is open
      if (this.recorder) await this.stopRecording();
      else await this.startRecording();
    });
    this.recordingChange = next.catch(() => undefined);
    return next;
  }

  async startRecording(): Promise<string> {
    if (this.recorder) return this.recorder.path;
    const recorder = await CsvRecorder.create({
      outputDir: this.opts.outputDir,
      meta: this.metaInit(),
      onError: (err) =>
        this.opts.onRecordingError
          ? this.opts.onRecordingError(err.message)
          : this.opts.onNotice('error', err.message),
    });
    this.recorder = recorder;
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
    await recorder.close({
      ...this.metaInit(),
      startedAt: isoLocal(start),
      endedAt: isoLocal(end),
    });
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
    // The capture ends now: bpftrace's own shutdown (END block, detach) is not part of it.
    if (this.captureStartedAt) this.captureEndedAt ??= new Date();
    await this.source.stop();
    await this.recordingChange;
    const recorder = this.recorder;
    await this.stopRecording();
    // Nothing captured into it: the probes never attached, or an R press opened it after the end.
    const empty =
      !this.captureStartedAt ||
      (this.captureEndedAt !== undefined && this.recordingStartedAt >= this.captureEndedAt);
    if (recorder && empty && recorder.rows === 0) {
      await recorder.discard();
      this.recordings.splice(this.recordings.indexOf(recorder.path), 1);
    }
  }
}
