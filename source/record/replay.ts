/**
 * Replay: plays a recording into the model on a virtual clock.
 *
 * When advance() is called — the rule that makes seeking exact:
 *   The virtual clock moves on a fixed grid of `quantumUs` (default 100 ms), aligned to multiples
 *   of the quantum since the epoch. Reaching grid point g means: push every not-yet-pushed event
 *   (in file order) while the next one has tsUs ≤ g, then call advance(g). Every grid point from
 *   the first one (g0 = the first event's time rounded down) onward is visited in order, empty or
 *   not, and the position is always a grid point.
 *   So the calls the sink sees from reset() to "position P" are a function of P alone: wall-clock
 *   tick sizes only decide how many grid points one tick covers, never which calls happen. Seeking
 *   backwards is reset() and a re-feed from the start of the file up to the target through the same
 *   loop, which therefore gives exactly the state that playing forward to the target gives.
 *
 * End time: for a plain CSV it is read from the file's last 64 KiB (the largest timestamp among its
 * complete rows) at open; for gzip, which cannot be read from the end, a background pass finds it
 * (`endUs` is null meanwhile). Either way, reaching the real end of the data fixes it exactly.
 */
import { promises as fsp } from 'node:fs';
import { emptyEvent, type IoEvent } from '../model/event.js';
import { learnOpcodeName } from '../model/opcodes.js';
import { CsvEventReader, type CsvReaderOptions, type ReaderPosition } from './csvReader.js';
import { parseLocalTimestamp } from './format.js';
import { readSessionMeta, type SessionMeta } from './meta.js';

/** A saved sink state (Model.checkpoint), with its rough size in bytes. */
export interface SinkState {
  readonly bytes: number;
}

/** What replay drives: the model (or anything with the same three methods). */
export interface ReplaySink {
  push(ev: IoEvent): void;
  advance(nowUs: number): void;
  reset(): void;
  /** Optional: copies of the state to return to, which make backwards seeks fast. */
  checkpoint?(): SinkState;
  restore?(state: SinkState): void;
  /** What checkpoint() would hold now, in bytes (checked against the budget beforehand). */
  readonly checkpointBytes?: number;
}

/** The sink and the reader as they were at grid point `pos`. */
interface Checkpoint {
  pos: number;
  fed: number;
  maxTs: number;
  reader: ReaderPosition;
  state: SinkState;
}

export type ReplaySpeed = number | 'max';
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 1000;
export const DEFAULT_QUANTUM_US = 100_000;

export interface ReplayOptions extends CsvReaderOptions {
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

/** Parses `--speed`: a number in [0.1, 1000] or `max`; throws a one-line error otherwise. */
export function parseSpeed(text: string): ReplaySpeed {
  const t = text.trim().toLowerCase();
  if (t === 'max') return 'max';
  const v = Number(t.endsWith('x') ? t.slice(0, -1) : t);
  if (t === '' || !Number.isFinite(v) || v < MIN_SPEED || v > MAX_SPEED) {
    throw new Error(
      `--speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}, or max (got "${text}")`,
    );
  }
  return v;
}

const TAIL_BYTES = 64 * 1024;
const ROW_START = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?),/;

/**
 * The largest timestamp among the rows that start in the last 64 KiB of a plain CSV, or null.
 * A line starting with a full timestamp and a comma is taken for a row start: a command name
 * (≤ 16 bytes) is too short to fake one.
 */
export async function readTailEndUs(path: string): Promise<number | null> {
  const fh = await fsp.open(path, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (size > len) lines.shift(); // the first piece may be the middle of a line
    let best: number | null = null;
    for (const line of lines) {
      const m = ROW_START.exec(line);
      if (!m) continue;
      const ts = parseLocalTimestamp(m[1]);
      if (!Number.isNaN(ts) && (best === null || ts > best)) best = ts;
    }
    return best;
  } finally {
    await fh.close();
  }
}

export class Replay {
  readonly path: string;
  /** The session metadata beside the recording, or null. */
  readonly meta: SessionMeta | null;
  private readonly sink: ReplaySink;
  private readonly opts: ReplayOptions;
  private readonly q: number;
  private reader: CsvEventReader;
  private readonly ev: IoEvent = emptyEvent();
  private readonly g0: number;
  private pos: number;
  private maxTs = Number.NEGATIVE_INFINITY;
  private knownEnd: number | null = null;
  private fed = 0;
  private acc = 0;
  private speedValue: ReplaySpeed;
  private pausedFlag = false;
  private running: Promise<void> | null = null;
  private requested: number | null = null;
  private inFlight: number | null = null;
  private closed = false;
  private readonly checkpoints: Checkpoint[] = [];
  private checkpointEvery: number;
  private readonly checkpointBudget: number;

  /** Opens a recording and plays its first grid point (so the sink shows the start). */
  static async open(path: string, sink: ReplaySink, opts: ReplayOptions = {}): Promise<Replay> {
    const meta = opts.readMeta === false ? null : await readSessionMeta(path);
    for (const [name, code] of Object.entries(meta?.opcodeNames ?? {})) learnOpcodeName(code, name);
    const reader = await CsvEventReader.open(path, opts);
    const replay = new Replay(path, sink, opts, reader, meta);
    if (opts.findEnd !== false) await replay.findEnd();
    await replay.restartAt(replay.g0);
    return replay;
  }

  private constructor(
    path: string,
    sink: ReplaySink,
    opts: ReplayOptions,
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
    const every = opts.checkpointEvents ?? 250_000;
    this.checkpointEvery = Number.isFinite(every) && every > 0 ? Math.ceil(every) : 0;
    const budget = opts.checkpointBytes ?? 256 * 2 ** 20;
    this.checkpointBudget = Number.isFinite(budget) && budget > 0 ? budget : 0;
    const first = reader.peekTsUs();
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
      events: this.fed,
      checkpoints: this.checkpoints.length,
      checkpointBytes: this.checkpoints.reduce((n, c) => n + c.state.bytes, 0),
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
    return this.reader.done && this.pos >= this.lastGrid();
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
    return this.run(() => this.stepTo(this.pos + steps * this.q));
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
    const cp = this.checkpointAtOrBefore(target);
    if (target < this.pos) {
      if (cp) await this.resumeAt(cp, target);
      else await this.restartAt(target);
    } else if (cp && cp.pos > this.pos) await this.resumeAt(cp, target);
    else await this.stepTo(target);
  }

  private checkpointAtOrBefore(target: number): Checkpoint | undefined {
    let found: Checkpoint | undefined;
    for (const c of this.checkpoints) {
      if (c.pos > target) break;
      found = c;
    }
    return found;
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
    await this.stepTo(target);
  }

  /**
   * After grid point `pos` was reached: keeps a checkpoint here when the nearest one before is
   * `checkpointEvery` events back and none is close ahead (a replay over the same stretch keeps
   * the ones it has).
   */
  private maybeCheckpoint(): void {
    const every = this.checkpointEvery;
    if (every === 0) return;
    let before = 0;
    let after = Number.POSITIVE_INFINITY;
    let at = this.checkpoints.length;
    for (let i = 0; i < this.checkpoints.length; i++) {
      const c = this.checkpoints[i];
      if (c.pos <= this.pos) before = c.fed;
      else {
        after = c.fed;
        at = i;
        break;
      }
    }
    if (this.fed - before < every || after - this.fed < every / 2) return;
    const sink = this.sink;
    if (!sink.checkpoint || !sink.restore) {
      this.checkpointEvery = 0; // a sink without them: never ask again
      return;
    }
    const reader = this.reader.position();
    if (reader === null) {
      this.checkpointEvery = 0; // gzip, or skipped rows: seeks start from the top
      return;
    }
    if (at > 0 && this.checkpoints[at - 1].pos === this.pos) return;
    // Make room first, so that the copies never hold more than the budget: thin out to every
    // other one (keeping the latest, the likeliest to be wanted) and space the next ones twice
    // as far. A state too big for the whole budget is not kept at all.
    const size = sink.checkpointBytes ?? 0;
    if (size > this.checkpointBudget) return;
    let bytes = size;
    for (const c of this.checkpoints) bytes += c.state.bytes;
    while (bytes > this.checkpointBudget && this.checkpoints.length > 0) {
      for (let i = this.checkpoints.length - 2; i >= 0; i -= 2) {
        bytes -= this.checkpoints[i].state.bytes;
        this.checkpoints.splice(i, 1);
      }
      if (this.checkpoints.length === 1 && bytes > this.checkpointBudget) {
        bytes -= this.checkpoints[0].state.bytes;
        this.checkpoints.length = 0;
      }
      this.checkpointEvery *= 2;
    }
    const cp = {
      pos: this.pos,
      fed: this.fed,
      maxTs: this.maxTs,
      reader,
      state: sink.checkpoint(),
    };
    const i = this.checkpoints.findIndex((c) => c.pos > this.pos);
    this.checkpoints.splice(i < 0 ? this.checkpoints.length : i, 0, cp);
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
    this.pos = this.g0 - this.q;
    this.maxTs = Number.NEGATIVE_INFINITY;
    this.fed = 0;
    await this.stepTo(target);
  }

  private lastGrid(): number {
    return this.maxTs === Number.NEGATIVE_INFINITY
      ? this.g0
      : Math.ceil(this.maxTs / this.q) * this.q;
  }

  /** Visits grid points up to `target` (or the end of the data, or the deadline). */
  private async stepTo(target: number, deadline?: number): Promise<void> {
    let n = 0;
    while (this.pos < target && !this.closed) {
      if (this.reader.done && this.pos >= this.lastGrid()) {
        if (this.maxTs > Number.NEGATIVE_INFINITY)
          this.knownEnd = Math.max(this.knownEnd ?? this.maxTs, this.maxTs);
        return;
      }
      const g = this.pos + this.q;
      if (this.reader.buffered === 0 || this.reader.peekTsUs() <= g) await this.feedThrough(g);
      this.sink.advance(g);
      this.pos = g;
      this.maybeCheckpoint();
      if (deadline !== undefined && (++n & 63) === 0 && performance.now() > deadline) return;
    }
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
      if (reader.buffered > 0 || !(await reader.fill())) return;
    }
  }

  /** Finds the end time without disturbing playback. */
  private async findEnd(): Promise<void> {
    if (!this.reader.gzip) {
      const end = await readTailEndUs(this.path).catch(() => null);
      if (end !== null) {
        this.knownEnd = end;
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
