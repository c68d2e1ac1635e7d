/**
 * A replay sink that passes everything on to the model (or the marking sink before it) and tells
 * the source's listeners what it played: the recorded counts deltas (Source.onCounts) and, when
 * someone listens, each event (Source.onEvent). What --interval reads a replay through.
 */
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import type { ReplaySink, SinkState } from '../record/checkpoints.js';

type FullSink = ReplaySink & Required<Pick<ReplaySink, 'checkpoint' | 'restore' | 'pushCounts'>>;

export interface Taps {
  onCounts(d: CountsDelta): void;
  onEvent?: (ev: IoEvent) => void;
}

export class TapSink implements ReplaySink {
  constructor(
    private readonly inner: FullSink,
    private readonly taps: Taps,
  ) {}

  push(ev: IoEvent): void {
    this.inner.push(ev);
    this.taps.onEvent?.(ev);
  }

  pushCounts(d: CountsDelta): void {
    this.inner.pushCounts(d);
    this.taps.onCounts(d);
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
