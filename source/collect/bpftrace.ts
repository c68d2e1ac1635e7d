/**
 * The live event source: runs bpftrace with the generated program and turns its output into
 * IoEvents for the sinks. How bpftrace is started is its transport's (transport.ts: a local
 * child, which never outlives iouringtop); when to stop it, and what its output means, are here.
 */
import { sessionCgroups } from '../proc/cgroup.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import {
  generateProgram,
  type CaptureFilter,
  type EventLines,
  type KernelFeatures,
  type Tier,
} from '../../bpf/program.js';
import { decodeComm } from '../model/comm.js';
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import type { OpcodeTable } from '../model/opcodes.js';
import type { CaptureCounters } from '../model/snapshot.js';
import { CountsCollector } from './counts.js';
import { LineParser, monoToWallOffsetUs } from './parse.js';
import { Reaper, type ControlWriter } from './reaper.js';
import type { BpftraceRun, BpftraceTransport } from './transport.js';

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface BpftraceSourceOptions {
  /** Where and how bpftrace runs (LocalBpftrace: a child on this machine). */
  transport: BpftraceTransport;
  /** `bpftrace --version`'s text ('v0.17.0'): it decides the environment variables' names. */
  bpftraceVersion?: string;
  tier: Tier;
  features: KernelFeatures;
  filter: CaptureFilter;
  /** Per-event lines: all (default), none, 1 in N, or under a budget. */
  events?: EventLines;
  /** Learns the kernel's names for opcodes this build does not know (op_str). */
  opcodes: OpcodeTable;
  /** Size of the in-flight maps (BPFTRACE_MAP_KEYS_MAX). */
  maxInflight: number;
  onEvent(ev: IoEvent): void;
  /** The kernel's exact counts over the last interval (about a second). */
  onCounts?(delta: CountsDelta): void;
  onNotice(level: NoticeLevel, text: string): void;
  /** The probes are attached and events flow (as of this wall-clock time, µs). */
  onReady(tsUs: number): void;
  /** bpftrace ended; code/signal as reported by Node, expected=true when we stopped it. */
  onExit(info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }): void;
}

const HARMLESS = [/couldn't set RLIMIT_MEMLOCK/, /^Attaching \d+ probes?\.\.\./];

/** Classifies one line of bpftrace's stderr (or stray stdout). */
export function classifyNotice(line: string): NoticeLevel {
  if (HARMLESS.some((re) => re.test(line))) return 'info';
  if (/^(ERROR|error)\b|: (ERROR|error):|^stdin:\d+/.test(line)) return 'error';
  return 'warning';
}

/** A process's name from /proc (for events whose name line has not arrived yet), or '?'. */
function procComm(tgid: number): string {
  try {
    const bytes = readFileSync(`/proc/${tgid}/comm`);
    return decodeComm(bytes.subarray(0, bytes.at(-1) === 10 ? -1 : undefined));
  } catch {
    return '?';
  }
}

/**
 * Whether this bpftrace needs the counters kept per CPU to count exactly: 0.23 starts a per-CPU
 * count's new key with BPF_NOEXIST, so when two CPUs count a key's first events at the same
 * moment, one update fails (EEXIST) and that event is not counted (bpftrace issue #4068, fixed in
 * 0.24 by starting it with BPF_ANY). Seen here as one CQE short in 1 run of 5 of a process whose
 * four threads start at once. With the CPU in the key, no two CPUs ever start the same key.
 */
export function perCpuCounterKeys(version: string | undefined): boolean {
  return /^v?0\.23\./.test(version ?? '');
}

/**
 * The environment bpftrace runs with: strings long enough for a command name or an opcode name,
 * the in-flight map size, no C++ demangling. bpftrace 0.20 renamed the variables (the old names
 * warn from then on, the new ones mean nothing to older versions).
 */
export function bpftraceEnv(
  version: string | undefined,
  mapKeys: number,
  env: NodeJS.ProcessEnv = process.env,
  cpus = os.availableParallelism(),
): Record<string, string> {
  const m = /(\d+)\.(\d+)/.exec(version ?? '');
  const newNames = m !== null && (Number(m[1]) > 0 || Number(m[2]) >= 20);
  // Room for bursts of event lines: 32 MiB in all, 256 KiB to 4 MiB per CPU (bpftrace's default
  // is 256 KiB), a power of two as perf wants. A value already set (a test, a user) is kept.
  const pages = Math.min(1024, Math.max(64, 2 ** Math.floor(Math.log2(8192 / Math.max(1, cpus)))));
  const perf = env.BPFTRACE_PERF_RB_PAGES ?? String(pages);
  return newNames
    ? {
        BPFTRACE_MAX_MAP_KEYS: String(mapKeys),
        BPFTRACE_MAX_STRLEN: '32',
        BPFTRACE_CPP_DEMANGLE: '0',
        BPFTRACE_PERF_RB_PAGES: perf,
      }
    : {
        BPFTRACE_MAP_KEYS_MAX: String(mapKeys),
        BPFTRACE_STRLEN: '32',
        BPFTRACE_NO_CPP_DEMANGLE: '1',
        BPFTRACE_PERF_RB_PAGES: perf,
      };
}

export class BpftraceSource {
  readonly counters: CaptureCounters = {
    lost: 0,
    dropped: 0,
    overflow: 0,
    unmatched: 0,
    malformed: 0,
  };
  readonly program: string;
  private run?: BpftraceRun;
  private stopping = false;
  /** Counters completed after the stop began: bpftrace's final ones (its END block). */
  private finalCounts = false;
  private exited = false;
  private readonly parser: LineParser;
  private stderrRest = '';
  /** Characters read from bpftrace's stdout: at stop, whether it is still writing. */
  private bytesIn = 0;
  private exitPromise?: Promise<void>;

  /** What the program is told through its control channel: the keys of processes gone. */
  private readonly control: ControlWriter;
  private readonly reaper: Reaper;
  private ticker?: NodeJS.Timeout;
  /** Times an in-flight map was full and emptied. */
  mapsCleared = 0;

  /** Wall-clock µs minus the program's clock's (CLOCK_MONOTONIC) µs. */
  private readonly wallOffsetUs = monoToWallOffsetUs();

  constructor(private readonly opts: BpftraceSourceOptions) {
    const token = randomBytes(4).toString('hex');
    const perCpuCounters = perCpuCounterKeys(opts.bpftraceVersion);
    this.collector = new CountsCollector(Number.NaN, opts.maxInflight, perCpuCounters);
    // a per-session offset (below 2^52: a safe integer) the program listens at
    this.control = opts.transport.openControl(2 ** 44 + randomBytes(5).readUIntLE(0, 5));
    this.reaper = new Reaper(this.collector, this.control);
    this.program = generateProgram({
      tier: opts.tier,
      token,
      features: opts.features,
      filter: opts.filter,
      events: opts.events,
      cpus: os.availableParallelism(),
      control: this.control.channel,
      perCpuCounters,
    });
    this.parser = new LineParser({
      token,
      monoToWallOffsetUs: this.wallOffsetUs,
      onEvent: (ev) => {
        // Once bpftrace's final counts are in, an event counted after they were read (its probe
        // ran while bpftrace printed them, and its line came later) is past the session's
        // counts: passed on, the recording would hold more rows than the kernel counted.
        if (this.finalCounts && this.delivered >= this.eventsSent()) {
          this.pastFinalCounts++;
          return;
        }
        this.delivered++;
        opts.onEvent(ev);
      },
      onOpcodeName: (code, name) => opts.opcodes.learn(code, name),
      onReady: (tsUs) => this.ready(tsUs),
      onProcessExit: (tgid) => this.reaper.processEnded(tgid, Date.now() * 1000),
      onProcessName: (tgid) => {
        this.reaper.processNamed(tgid);
        // (its cgroup read now, while it runs: a short-lived one is gone by the next sample)
        sessionCgroups.get(tgid);
      },
      onRingOwner: (ctx, tgid) => this.reaper.ringOwner(ctx, tgid),
      onMapCleared: (map) => {
        this.mapsCleared++;
        this.opts.onNotice(
          'warning',
          `the in-flight map ${map} was full and was emptied: requests in flight then complete without latency`,
        );
      },
      onCounter: (name, keys, value) => this.collector.add(name, keys, value),
      onCountersEnd: (tsUs, final) => {
        // the round of the last tick, or one before it (a tick sent after ROUND_WAIT_MS)
        const latest = this.tickTsUs === undefined || tsUs >= this.tickTsUs;
        if (latest) this.tickSentMs = undefined; // the round is read: the next tick may go
        // The R line can be lost when a storm fills the buffers from the first moment: the
        // first counters (a second after the attach) then say that the probes are in.
        if (!this.readySeen) this.ready(tsUs - 1_000_000);
        const c = this.collector;
        const delta = c.end(tsUs, (tgid) => this.parser.commOf(tgid));
        // (only END's: a regular round read after the stop began counts less than the stop)
        if (final) this.finalCounts = true;
        Object.assign(this.counters, {
          dropped: c.totals.dropped,
          overflow: c.totals.overflow,
          unmatched: c.totals.unmatched,
          reaped: this.reaper.reaped,
          ...(c.fullMaps.size > 0 ? { fullMaps: [...c.fullMaps] } : {}),
        });
        this.counters.malformed = this.parser.malformed;
        if (delta) {
          // what became of the interval's events: sent (sampled modes) and lost
          const { emitted } = c.totals;
          const kind = opts.events?.kind ?? 'all';
          if (kind !== 'all' && kind !== 'none') delta.sent = emitted - this.emittedBefore;
          delta.lost = this.counters.lost - this.lostBefore;
          this.emittedBefore = emitted;
          this.lostBefore = this.counters.lost;
          opts.onCounts?.(delta);
          // (not once bpftrace is stopping: its maps go with it; nor while it may be printing
          // a later round: a key deleted under its print makes bpftrace 0.17 abort)
          if (!this.stopping && latest) this.reaper.afterRound(tsUs);
        }
      },
      lookupComm: procComm,
      onNotice: (line) => this.notice(line),
    });
  }

  private readonly collector: CountsCollector;
  /** Events sent and lost as of the previous counts delta. */
  private emittedBefore = 0;
  private lostBefore = 0;
  private readySeen = false;

  private ready(tsUs: number): void {
    if (this.readySeen) return;
    this.readySeen = true;
    this.collector.startAt(tsUs);
    this.opts.onReady(tsUs);
  }

  /** Operations the kernel counted in all (IO_URING_ENTER apart), as of the last counters. */
  get countedOperations(): number {
    return this.collector.operations;
  }

  /** Events (operations and io_uring_enter calls) the kernel counted, as of the last counters. */
  get countedEvents(): number {
    return this.collector.events;
  }

  /** Events the kernel sent (in the sampled modes: in the others, every one counted is sent). */
  get sentEvents(): number {
    return this.collector.totals.emitted;
  }

  /** Processes whose counter keys were deleted from the kernel's maps once they were gone. */
  get reapedProcesses(): number {
    return this.reaper.reaped;
  }

  /** Events passed on (to onEvent). */
  get receivedEvents(): number {
    return this.delivered;
  }

  /**
   * Events that came after bpftrace's final counts and beyond them (counted in no figure), left
   * out: the probes run on until bpftrace takes them off, while it prints its counts.
   */
  get eventsPastFinalCounts(): number {
    return this.pastFinalCounts;
  }

  private delivered = 0;
  private pastFinalCounts = 0;

  /** Events the kernel sent: every one it counted, or where events are sampled its own count. */
  eventsSent(): number {
    return (this.opts.events?.kind ?? 'all') === 'all' ? this.countedEvents : this.sentEvents;
  }

  private notice(line: string): void {
    const lost = /^Lost (\d+) events/.exec(line);
    if (lost) {
      // counted, not told: at a few million a second it would be a line per perf read
      this.counters.lost += Number(lost[1]);
      return;
    }
    if (line.startsWith('unparsable line')) this.counters.malformed = this.parser.malformed;
    this.opts.onNotice(classifyNotice(line), line);
  }

  /** Starts bpftrace on the program, through the transport. */
  async start(): Promise<void> {
    let exited: () => void = () => undefined;
    const exit = new Promise<void>((resolve) => (exited = resolve));
    this.run = await this.opts.transport.start(
      this.program,
      bpftraceEnv(this.opts.bpftraceVersion, this.opts.maxInflight),
      {
        stdout: (chunk) => {
          this.bytesIn += chunk.length;
          this.parser.feed(chunk);
        },
        stderr: (chunk) => {
          const text = this.stderrRest + chunk;
          const lines = text.split('\n');
          this.stderrRest = lines.pop() ?? '';
          for (const l of lines) if (l.trim().length > 0) this.notice(l);
        },
        error: (err) => this.opts.onNotice('error', `cannot run bpftrace: ${err.message}`),
        exit: (code, signal) => {
          clearInterval(this.ticker);
          this.exited = true;
          this.parser.end();
          if (this.stderrRest.trim().length > 0) this.notice(this.stderrRest);
          this.stderrRest = '';
          this.counters.malformed = this.parser.malformed;
          this.opts.onExit({ code, signal, expected: this.stopping });
          void this.cleanup().then(exited);
        },
      },
    );
    // (only once it runs: a start that failed to run it leaves nothing for stop() to wait for)
    this.exitPromise = exit;
    // the counters' tick: the program prints them when told (bpf/probes/control.ts says why)
    if (!this.exited) {
      this.ticker = setInterval(() => this.tick(), COUNTS_TICK_MS);
      this.ticker.unref();
    }
  }

  /** When the last tick went (ms), until its round's T line is read. */
  private tickSentMs?: number;
  /** When the last tick went, on the program's clock made wall-clock µs (as T lines are). */
  private tickTsUs?: number;

  /**
   * Asks for a round of counters, unless the last one is still unread. The keys of processes
   * gone are deleted when a round has been read (reaper.ts); a key deleted while bpftrace prints
   * its map makes bpftrace 0.17 abort ("failed to look up elem: -2", seen under the churn test,
   * the reader seconds behind). One round at a time keeps the deletes between rounds; a reader
   * that is behind gains nothing from more rounds. Another goes after ROUND_WAIT_MS all the
   * same (a round's T line can be lost with the events when bpftrace's buffers overrun, or come
   * late); the deletes then wait for the latest round's T line.
   */
  private tick(): void {
    const now = Date.now();
    if (this.tickSentMs !== undefined && now - this.tickSentMs < ROUND_WAIT_MS) return;
    // (before the program is in, a tick falls on nothing, and no round will answer it)
    if (this.readySeen) this.tickSentMs = now;
    // (a round's T line is stamped after this: the program prints it within the tick's pwrite)
    this.tickTsUs = Math.floor(Number(process.hrtime.bigint() / 1000n)) + this.wallOffsetUs;
    this.control.tick();
  }

  private async cleanup(): Promise<void> {
    this.control.close();
    const run = this.run;
    this.released ??= run?.release();
    await this.released;
  }

  private released?: Promise<void>;

  get pid(): number | undefined {
    return this.run?.pid;
  }

  /**
   * Stops bpftrace: SIGINT lets it print its final counters and exit. It first writes out what
   * its buffers still hold, which after a storm, on a loaded machine, takes seconds; the final
   * counters come last. So it is killed (SIGKILL) only when it has written nothing for
   * `graceMs`, or at the latest after `capMs`: a hung bpftrace, not a busy one. Resolves when it
   * has exited and all its output was parsed.
   */
  async stop(graceMs = 3000, capMs = 30_000): Promise<void> {
    const run = this.run;
    if (!run || this.exited) {
      await this.exitPromise;
      await this.cleanup();
      return;
    }
    const started = Date.now();
    // A signal that lands while bpftrace is blocked writing to a full pipe (we read slower than
    // it writes, after a storm) fails that write, and bpftrace then writes nothing more: the
    // line cut short, no END, no final counts (0.17 and 0.23 both). So the SIGINT waits, within
    // the cap, for a moment when no thread of bpftrace is in such a write; the reads go on.
    const waitUntil = started + Math.min(capMs / 2, 10_000);
    while (!this.exited && Date.now() < waitUntil && run.writingOutput())
      await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.exited) {
      // it went by itself while we waited: an unexpected exit, told as such
      await this.exitPromise;
      return;
    }
    this.stopping = true;
    // (no tick after the SIGINT: a round asked for then is printed among END's, a second late)
    clearInterval(this.ticker);
    run.interrupt();
    let seen = this.bytesIn;
    let quietSince = Date.now();
    const step = Math.max(10, Math.min(250, graceMs / 4));
    const timer = setInterval(() => {
      const now = Date.now();
      if (this.bytesIn !== seen) {
        seen = this.bytesIn;
        quietSince = now;
      }
      if (now - quietSince >= graceMs || now - started >= capMs) {
        clearInterval(timer);
        run.kill();
      }
    }, step);
    await this.exitPromise;
    clearInterval(timer);
  }

  /**
   * After a stop: bpftrace exited without printing its final counters (killed, or its output
   * cut short), so the totals end at its last complete print, not at the end of the capture.
   */
  get finalCountsMissing(): boolean {
    return this.stopping && this.exited && this.readySeen && !this.finalCounts;
  }

  /** Last-resort synchronous kill, for process 'exit' handlers. */
  killNow(): void {
    if (this.run && !this.exited) {
      this.stopping = true;
      this.run.kill();
    }
  }
}

/** How often the program is told to print its counters (ms). */
export const COUNTS_TICK_MS = 1000;
/** How long a round may stay unread before the next tick goes anyway (its T line lost). */
export const ROUND_WAIT_MS = 2000;
