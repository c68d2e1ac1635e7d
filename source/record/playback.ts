/**
 * Playback: plays a recording into the model on a virtual clock.
 *
 * When advance() is called — the rule that makes seeking exact:
 *   The virtual clock moves on a fixed grid of `quantumUs` (default 100 ms), aligned to multiples
 *   of the quantum since the epoch; the position is always a grid point. From reset(), the first
 *   grid point g0 (the first event's time rounded down) is always reached: its events are pushed,
 *   then advance(g0). After that, reaching grid point g means: push every not-yet-pushed event
 *   (in file order) while the next one has tsUs ≤ g, then call advance(g); a grid point where no
 *   event is pushed is passed without a call, unless the clock stops there. So the clock never
 *   walks an empty stretch, however long: it goes to the next event's grid point in one step.
 *   The model's state at a position P is then the same however the clock got there (advance over
 *   a stretch without events is one call or many to the same effect): wall-clock tick sizes only
 *   decide where the clock stops on the way. Seeking backwards is reset() (or a checkpoint) and a
 *   re-feed up to the target through the same loop, which gives exactly the state that playing
 *   forward to the target gives.
 *
 * At speeds of real time, a stretch of more than 5 s without events is skipped, not played: the
 * clock goes to a second before the next event, and the status says what was skipped.
 *
 * End time: for a plain CSV it is read from the file's last 64 KiB (the largest timestamp among its
 * complete rows) at open; for gzip, which cannot be read from the end, a background pass finds it
 * (`endUs` is null meanwhile). Either way, reaching the real end of the data fixes it exactly.
 *
 * (Over 400 lines: one class, because the clock, its seeks and the end-finding share the reader,
 * the position and the sink; the checkpoints live in checkpoints.ts.)
 */
import type { CountsDelta } from '../model/counts.js';
import { emptyEvent, type IoEvent } from '../model/event.js';
import { OpcodeTable } from '../model/opcodes.js';
import { Checkpoints, type Checkpoint, type ReplaySink } from './checkpoints.js';
import { readTailEndUs } from './csvFields.js';
import { CsvEventReader, type CsvReaderOptions } from './csvReader.js';
import { readSessionMeta, type SessionMeta } from './meta.js';

export type { ReplaySink, SinkState } from './checkpoints.js';

export type ReplaySpeed = number | 'max';
/** A stretch without events longer than this is skipped at real-time speeds, not played. */
export const GAP_SKIP_US = 5_000_000;
/** How much of the stretch before the next event is still played. */
const GAP_LEAD_IN_US = 1_000_000;
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 1000;
export const DEFAULT_QUANTUM_US = 100_000;

export interface PlaybackOptions extends CsvReaderOptions {
  speed?: ReplaySpeed;
  /** Grid step of the virtual clock in µs (should divide one second). */
  quantumUs?: number;
  /** Find the end time at open (tail read, or a background pass for gzip). Default true. */
  findEnd?: boolean;
  /** At speed 'max', the wall time one tick may spend feeding (ms). */
  maxTickMs?: number;
  /** Read the `.meta.json` beside the recording (and learn its opcode names). Default true. */
  readMeta?: boolean;
  /**
   * Keep a checkpoint of the sink (when it can make one) every this many events played, so that
   * a seek starts from the nearest one before its target instead of the start of the file.
   * Default 250 000; 0 = never. Plain CSV only (gzip cannot be entered in the middle).
   */
  checkpointEvents?: number;
  /** What the checkpoints may hold in all; past it every other one goes. Default 256 MiB. */
  checkpointBytes?: number;
  /**
   * The recording's counts (countsFile.ts), in time order: played into the sink's pushCounts
   * on the same clock as the events (each at the first grid point at or after its time).
   */
  counts?: readonly CountsDelta[];
}

export interface ReplayStatus {
  /** Virtual clock (µs since the epoch), always a grid point. */
  positionUs: number;
  /** First grid point of the recording. */
  startUs: number;
  /** Time of the last event, or null while unknown (gzip, before its end was found). */
  endUs: number | null;
  speed: ReplaySpeed;
  paused: boolean;
  /** Every event has been fed. */
  atEnd: boolean;
  /** A seek (or a tick) is in progress: the sink's state is in flux. */
  busy: boolean;
  /**
   * The target of the seek in progress (a backwards seek re-reads the file from its start, which
   * takes a while in a large one), or null.
   */
  seekingToUs: number | null;
  /** The latest stretch without events skipped at real-time speed (positions, µs), or null. */
  gap: { fromUs: number; toUs: number } | null;
  /** Events fed since the last reset. */
  events: number;
  /** Checkpoints held (seeks start from the nearest one before their target), and their bytes. */
  checkpoints: number;
  checkpointBytes: number;
  skipped: number;
  truncatedLine: string | null;
}

export interface ReplayRunStats {
  events: number;
  skipped: number;
  truncatedLine: string | null;
  elapsedMs: number;
  eventsPerSecond: number;
}

/** Clamps a speed to [MIN_SPEED, MAX_SPEED]; 'max' stays. */
export function clampSpeed(speed: ReplaySpeed): ReplaySpeed {
  if (speed === 'max') return speed;
  if (!Number.isFinite(speed)) return MAX_SPEED;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

export class Playback {
  readonly path: string;
  /** The session metadata beside the recording, or null. */
  readonly meta: SessionMeta | null;
  private readonly sink: ReplaySink;
  private readonly opts: PlaybackOptions;
  private readonly q: number;
  private reader: CsvEventReader;
  private readonly ev: IoEvent = emptyEvent();
  private readonly g0: number;
  private pos: number;
  private maxTs = Number.NEGATIVE_INFINITY;
  private knownEnd: number | null = null;
  private gap: { fromUs: number; toUs: number } | null = null;
  private fed = 0;
  private acc = 0;
  private speedValue: ReplaySpeed;
  private pausedFlag = false;
  private running: Promise<void> | null = null;
  private requested: number | null = null;
  private inFlight: number | null = null;
  private closed = false;
  private readonly checkpoints: Checkpoints;
  private readonly counts: readonly CountsDelta[];
  /** The next count to play. */
  private ci = 0;

  /** Opens a recording and plays its first grid point (so the sink shows the start). */
  static async open(path: string, sink: ReplaySink, opts: PlaybackOptions = {}): Promise<Playback> {
    const meta = opts.readMeta === false ? null : await readSessionMeta(path);
    // one table for every reader of this file (seeks reopen it), so a name keeps its code
    const names = opts.opcodes ?? new OpcodeTable();
    for (const [name, code] of Object.entries(meta?.opcodeNames ?? {})) names.learn(code, name);
    // rows far outside the recorded span are bad rows (a clock gone wrong, a hand edit)
    const start = meta ? Date.parse(meta.startedAt) : NaN;
    const end = meta?.endedAt ? Date.parse(meta.endedAt) : NaN;
    const span = Number.isFinite(start)
      ? { startUs: start * 1000, endUs: Number.isFinite(end) ? end * 1000 : null }
      : undefined;
    const withNames = { ...opts, opcodes: names, span };
    const reader = await CsvEventReader.open(path, withNames);
    const replay = new Playback(path, sink, withNames, reader, meta);
    if (opts.findEnd !== false) await replay.findEnd();
    await replay.restartAt(replay.g0);
    return replay;
  }

  private constructor(
    path: string,
    sink: ReplaySink,
    opts: PlaybackOptions,
    reader: CsvEventReader,
    meta: SessionMeta | null,
  ) {
    this.path = path;
    this.sink = sink;
    this.opts = opts;
    this.meta = meta;
    this.reader = reader;
    this.q = Math.max(1, Math.round(opts.quantumUs ?? DEFAULT_QUANTUM_US));
    this.speedValue = clampSpeed(opts.speed ?? 1);
    this.checkpoints = new Checkpoints(opts.checkpointEvents, opts.checkpointBytes);
    this.counts = sink.pushCounts ? (opts.counts ?? []) : [];
    const firstEvent = reader.peekTsUs();
    const firstCount = this.counts.length > 0 ? this.counts[0].tsUs : Number.NaN;
    const first = Number.isNaN(firstEvent)
      ? firstCount
      : Number.isNaN(firstCount)
        ? firstEvent
        : Math.min(firstEvent, firstCount);
    this.g0 = Number.isNaN(first) ? 0 : Math.floor(first / this.q) * this.q;
    this.pos = this.g0 - this.q;
  }

  get status(): ReplayStatus {
    const stats = this.reader.stats;
    return {
      positionUs: Math.max(this.pos, this.g0),
      startUs: this.g0,
      endUs: this.knownEnd,
      speed: this.speedValue,
      paused: this.pausedFlag,
      atEnd: this.atEnd,
      busy: this.running !== null,
      seekingToUs: this.seekTarget(),
      gap: this.gap,
      events: this.fed,
      checkpoints: this.checkpoints.count,
      checkpointBytes: this.checkpoints.bytes,
      skipped: stats.skipped,
      truncatedLine: stats.truncatedLine,
    };
  }

  private seekTarget(): number | null {
    const t = this.requested ?? this.inFlight;
    if (t === null) return null;
    const end = this.knownEnd ?? Number.POSITIVE_INFINITY;
    return Math.min(Math.max(Number.isFinite(t) ? t : t > 0 ? end : this.g0, this.g0), end);
  }

  get speed(): ReplaySpeed {
    return this.speedValue;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Every event has been fed and the clock stands on the last event's grid point. */
  get atEnd(): boolean {
    return this.reader.done && this.ci >= this.counts.length && this.pos >= this.lastGrid();
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
  }

  togglePause(): void {
    this.pausedFlag = !this.pausedFlag;
  }

  setSpeed(speed: ReplaySpeed): void {
    this.speedValue = clampSpeed(speed);
  }

  /** `]`: double the speed (at most MAX_SPEED; 'max' stays). */
  faster(): void {
    if (this.speedValue !== 'max') this.speedValue = clampSpeed(this.speedValue * 2);
  }

  /** `[`: halve the speed (at least MIN_SPEED; from 'max' to MAX_SPEED / 2). */
  slower(): void {
    this.speedValue = clampSpeed((this.speedValue === 'max' ? MAX_SPEED : this.speedValue) / 2);
  }

  /**
   * Moves the virtual clock by the wall time since the last tick × speed, pushing the events on
   * the way and calling advance() at every grid point crossed. At 'max', feeds for up to
   * `maxTickMs` of wall time. Does nothing while paused, at the end, or while a seek runs.
   */
  tick(wallElapsedMs: number): Promise<void> {
    if (this.pausedFlag || this.running !== null || this.closed || this.atEnd) {
      return Promise.resolve();
    }
    if (this.speedValue === 'max') {
      const deadline = performance.now() + (this.opts.maxTickMs ?? 50);
      return this.run(() => this.stepTo(Number.POSITIVE_INFINITY, deadline));
    }
    this.acc += Math.max(0, wallElapsedMs) * 1000 * this.speedValue;
    const steps = Math.floor(this.acc / this.q);
    if (steps === 0) return Promise.resolve();
    this.acc -= steps * this.q;
    return this.run(async () => {
      await this.stepTo(this.pos + steps * this.q);
      await this.skipGap();
    });
  }

  /**
   * Puts the clock on the grid point at or before `targetUs` (clamped to the recording), with
   * exactly the sink state that playing forward to it gives. Seeks requested while one runs are
   * coalesced: the last target wins.
   */
  seek(targetUs: number): Promise<void> {
    if (Number.isNaN(targetUs)) return this.running ?? Promise.resolve();
    this.requested = targetUs;
    return this.running ?? this.run(null);
  }

  /** Relative seek from where the clock is (or is being taken): ±1 s, ±10 s. */
  step(deltaUs: number): Promise<void> {
    const base = this.requested ?? this.inFlight ?? this.pos;
    return this.seek(Math.max(base, this.g0) + deltaUs);
  }

  jumpToStart(): Promise<void> {
    return this.seek(Number.NEGATIVE_INFINITY);
  }

  jumpToEnd(): Promise<void> {
    return this.seek(Number.POSITIVE_INFINITY);
  }

  /** Plays everything left as fast as possible (headless replay); resolves with throughput. */
  async runToEnd(): Promise<ReplayRunStats> {
    const t0 = performance.now();
    const before = this.fed;
    await this.jumpToEnd();
    const elapsedMs = performance.now() - t0;
    const stats = this.reader.stats;
    const events = this.fed;
    return {
      events,
      skipped: stats.skipped,
      truncatedLine: stats.truncatedLine,
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? ((events - before) * 1000) / elapsedMs : 0,
    };
  }

  close(): void {
    this.closed = true;
    this.reader.close();
  }

  private run(first: (() => Promise<void>) | null): Promise<void> {
    const p = (async () => {
      try {
        if (first) await first();
        while (this.requested !== null && !this.closed) {
          const target = this.requested;
          this.requested = null;
          this.inFlight = target;
          await this.goTo(target);
          this.inFlight = null;
        }
      } finally {
        this.running = null;
        this.inFlight = null;
      }
    })();
    this.running = p;
    return p;
  }

  private async goTo(targetUs: number): Promise<void> {
    this.acc = 0;
    let target = Number.isFinite(targetUs) ? Math.floor(targetUs / this.q) * this.q : targetUs;
    if (target < this.g0) target = this.g0;
    // The nearest checkpoint at or before the target: back from there, or a leap forward.
    const cp = this.checkpoints.atOrBefore(target);
    if (target < this.pos) {
      if (cp) await this.resumeAt(cp, target);
      else await this.restartAt(target);
    } else if (cp && cp.pos > this.pos) await this.resumeAt(cp, target);
    else await this.stepTo(target);
  }

  /** Puts the sink and the reader back as they were at `cp`, then plays on to `target`. */
  private async resumeAt(cp: Checkpoint, target: number): Promise<void> {
    const reader = await CsvEventReader.open(this.path, this.opts, cp.reader);
    if (this.closed) {
      reader.close(); // closed while it opened
      return;
    }
    this.reader.close();
    this.reader = reader;
    this.sink.restore!(cp.state);
    this.pos = cp.pos;
    this.fed = cp.fed;
    this.maxTs = cp.maxTs;
    this.ci = this.countsThrough(cp.pos);
    await this.stepTo(target);
  }

  /** After grid point `pos` was reached: perhaps a checkpoint here (see Checkpoints.maybeKeep). */
  private maybeCheckpoint(): void {
    this.checkpoints.maybeKeep(this.pos, this.fed, this.maxTs, this.sink, () =>
      this.reader.position(),
    );
  }

  /** reset() the sink and play from the start of the file to `target`. */
  private async restartAt(target: number): Promise<void> {
    if (this.pos >= this.g0) {
      this.reader.close();
      const reader = await CsvEventReader.open(this.path, this.opts);
      if (this.closed) {
        reader.close(); // closed while it opened
        return;
      }
      this.reader = reader;
    }
    this.sink.reset();
    this.maxTs = Number.NEGATIVE_INFINITY;
    this.fed = 0;
    this.ci = 0;
    // g0 is always reached, even when the first event is later: the model starts there
    await this.feedThrough(this.g0);
    this.sink.advance(this.g0);
    this.pos = this.g0;
    await this.stepTo(target);
  }

  /** How many counts have times ≤ grid point `pos` (all of them were played on reaching it). */
  private countsThrough(pos: number): number {
    let lo = 0;
    let hi = this.counts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.counts[mid].tsUs <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The time of the next thing to play (an event or a count), or NaN when none is buffered. */
  private nextTs(): number {
    const ev = this.reader.peekTsUs();
    const c = this.ci < this.counts.length ? this.counts[this.ci].tsUs : Number.NaN;
    if (Number.isNaN(ev)) return c;
    return Number.isNaN(c) ? ev : Math.min(ev, c);
  }

  private lastGrid(): number {
    return this.maxTs === Number.NEGATIVE_INFINITY
      ? this.g0
      : Math.ceil(this.maxTs / this.q) * this.q;
  }

  /** Visits grid points up to `target` (or the end of the data, or the deadline). */
  private async stepTo(target: number, deadline?: number): Promise<void> {
    let n = 0;
    const reader = this.reader;
    while (this.pos < target && !this.closed) {
      if (reader.buffered === 0 && !reader.done) await reader.fill();
      const next = this.nextTs();
      if (Number.isNaN(next) && reader.done && this.pos >= this.lastGrid()) {
        if (this.maxTs > Number.NEGATIVE_INFINITY)
          this.knownEnd = Math.max(this.knownEnd ?? this.maxTs, this.maxTs);
        return;
      }
      // The grid point the next event (or count) is fed at; up to it nothing happens, and the
      // clock goes there in one step (never walking an empty stretch, however long).
      const feedAt = !Number.isNaN(next)
        ? Math.max(this.pos + this.q, Math.ceil(next / this.q) * this.q)
        : this.lastGrid();
      const g = Math.min(target, feedAt);
      if (g >= feedAt) await this.feedThrough(g);
      this.sink.advance(g);
      this.pos = g;
      this.maybeCheckpoint();
      if (deadline !== undefined && (++n & 63) === 0 && performance.now() > deadline) return;
      // a long seek lets keys and signals through now and then
      if ((n & 4095) === 4095) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * At a speed of real time, a stretch of more than GAP_SKIP_US without events is not played
   * but skipped, to a second before the next event, and said in the status (a recording with a
   * long idle gap, or a clock that jumped, would otherwise stand still for that long).
   */
  private async skipGap(): Promise<void> {
    const reader = this.reader;
    if (reader.buffered === 0 && !reader.done) await reader.fill();
    const nextTs = this.nextTs();
    if (Number.isNaN(nextTs) || this.closed) return;
    const next = Math.floor(nextTs / this.q) * this.q;
    if (next - this.pos <= GAP_SKIP_US) return;
    const to = next - GAP_LEAD_IN_US;
    this.gap = { fromUs: this.pos, toUs: to };
    await this.stepTo(to);
  }

  /** Pushes every event, in file order, while the next one has tsUs ≤ g. */
  private async feedThrough(g: number): Promise<void> {
    const reader = this.reader;
    const ev = this.ev;
    const sink = this.sink;
    for (;;) {
      while (reader.buffered > 0 && reader.peekTsUs() <= g) {
        reader.next(ev);
        if (ev.tsUs > this.maxTs) this.maxTs = ev.tsUs;
        this.fed++;
        sink.push(ev);
      }
      if (reader.buffered > 0 || !(await reader.fill())) break;
    }
    const counts = this.counts;
    while (this.ci < counts.length && counts[this.ci].tsUs <= g) {
      const d = counts[this.ci++];
      if (d.tsUs > this.maxTs) this.maxTs = d.tsUs;
      sink.pushCounts!(d);
    }
  }

  /** Finds the end time without disturbing playback. */
  private async findEnd(): Promise<void> {
    // the counts end where the capture did (within a second), events or not
    if (this.counts.length > 0) this.knownEnd = this.counts[this.counts.length - 1].tsUs;
    if (!this.reader.gzip) {
      const end = await readTailEndUs(this.path, this.opts.span?.endUs ?? Date.now() * 1000).catch(
        () => null,
      );
      if (end !== null) {
        this.knownEnd = Math.max(this.knownEnd ?? end, end);
        return;
      }
    }
    this.scanForEnd();
  }

  /** A background pass over the whole file for its largest timestamp (gzip). */
  private scanForEnd(): void {
    void (async () => {
      let scan: CsvEventReader | null = null;
      try {
        scan = await CsvEventReader.open(this.path, { ...this.opts, lenient: true });
        const ev = emptyEvent();
        let max = Number.NEGATIVE_INFINITY;
        while (!this.closed && (await scan.fill())) {
          while (scan.next(ev)) if (ev.tsUs > max) max = ev.tsUs;
        }
        if (!this.closed && max > Number.NEGATIVE_INFINITY) {
          this.knownEnd = Math.max(this.knownEnd ?? max, max);
        }
      } catch {
        // The end stays unknown; playback reports its own errors.
      } finally {
        scan?.close();
      }
    })();
  }
}
