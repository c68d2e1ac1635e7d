/**
 * Replay's checkpoints: copies of the sink's state (and of the reader's place in the file) kept
 * as playback goes, so that a seek starts from the nearest one before its target instead of the
 * start of the file. They are spaced `every` events apart and never hold more than `budget`
 * bytes in all: past it, every other one goes and the spacing doubles.
 */
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import type { ReaderPosition } from './csvReader.js';

/** A saved sink state (Model.checkpoint), with its rough size in bytes. */
export interface SinkState {
  readonly bytes: number;
}

/** What replay drives: the model (or anything with the same three methods). */
export interface ReplaySink {
  push(ev: IoEvent): void;
  /** Optional: the recording's exact counts, when it has them (countsFile.ts). */
  pushCounts?(d: CountsDelta): void;
  advance(nowUs: number): void;
  reset(): void;
  /** Optional: copies of the state to return to, which make backwards seeks fast. */
  checkpoint?(): SinkState;
  restore?(state: SinkState): void;
  /** What checkpoint() would hold now, in bytes (checked against the budget beforehand). */
  readonly checkpointBytes?: number;
}

/** A sink with everything a replay can ask of one (counts and checkpoints too). */
export type FullSink = ReplaySink &
  Required<Pick<ReplaySink, 'checkpoint' | 'restore' | 'pushCounts'>>;

/**
 * A sink in front of another that passes everything on: the base of the sinks that add one thing
 * on the way (a mark on each row, a listener told what was played). They override what they add.
 */
export class ForwardingSink implements ReplaySink {
  constructor(protected readonly inner: FullSink) {}

  push(ev: IoEvent): void {
    this.inner.push(ev);
  }

  pushCounts(d: CountsDelta): void {
    this.inner.pushCounts(d);
  }

  advance(nowUs: number): void {
    this.inner.advance(nowUs);
  }

  reset(): void {
    this.inner.reset();
  }

  checkpoint(): SinkState {
    return this.inner.checkpoint();
  }

  restore(state: SinkState): void {
    this.inner.restore(state);
  }

  get checkpointBytes(): number | undefined {
    return this.inner.checkpointBytes;
  }
}

/** The sink and the reader as they were at grid point `pos`. */
export interface Checkpoint {
  pos: number;
  fed: number;
  maxTs: number;
  reader: ReaderPosition;
  state: SinkState;
}

export class Checkpoints {
  private readonly list: Checkpoint[] = [];
  private every: number;
  private readonly budget: number;

  /** Every `every` events (default 250 000; 0 = never), within `budget` bytes (default 256 MiB). */
  constructor(every = 250_000, budget = 256 * 2 ** 20) {
    this.every = Number.isFinite(every) && every > 0 ? Math.ceil(every) : 0;
    this.budget = Number.isFinite(budget) && budget > 0 ? budget : 0;
  }

  get count(): number {
    return this.list.length;
  }

  get bytes(): number {
    return this.list.reduce((n, c) => n + c.state.bytes, 0);
  }

  /** The latest checkpoint at or before grid point `target`. */
  atOrBefore(target: number): Checkpoint | undefined {
    let found: Checkpoint | undefined;
    for (const c of this.list) {
      if (c.pos > target) break;
      found = c;
    }
    return found;
  }

  /**
   * After grid point `pos` was reached, `fed` events in: keeps a checkpoint here when the nearest
   * one before is `every` events back and none is close ahead (a replay over the same stretch
   * keeps the ones it has). `readerAt` is where the reader would resume (null: it cannot).
   */
  maybeKeep(
    pos: number,
    fed: number,
    maxTs: number,
    sink: ReplaySink,
    readerAt: () => ReaderPosition | null,
  ): void {
    const every = this.every;
    if (every === 0) return;
    const list = this.list;
    let before = 0;
    let after = Number.POSITIVE_INFINITY;
    let at = list.length;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.pos <= pos) before = c.fed;
      else {
        after = c.fed;
        at = i;
        break;
      }
    }
    if (fed - before < every || after - fed < every / 2) return;
    if (!sink.checkpoint || !sink.restore) {
      this.every = 0; // a sink without them: never ask again
      return;
    }
    const reader = readerAt();
    if (reader === null) {
      this.every = 0; // gzip, or skipped rows: seeks start from the top
      return;
    }
    if (at > 0 && list[at - 1].pos === pos) return;
    // Make room first, so that the copies never hold more than the budget: thin out to every
    // other one (keeping the latest, the likeliest to be wanted) and space the next ones twice
    // as far. A state too big for the whole budget is not kept at all.
    const size = sink.checkpointBytes ?? 0;
    if (size > this.budget) return;
    let bytes = size + this.bytes;
    while (bytes > this.budget && list.length > 0) {
      for (let i = list.length - 2; i >= 0; i -= 2) {
        bytes -= list[i].state.bytes;
        list.splice(i, 1);
      }
      if (list.length === 1 && bytes > this.budget) {
        bytes -= list[0].state.bytes;
        list.length = 0;
      }
      this.every *= 2;
    }
    const cp = { pos, fed, maxTs, reader, state: sink.checkpoint() };
    const i = list.findIndex((c) => c.pos > pos);
    list.splice(i < 0 ? list.length : i, 0, cp);
  }
}
