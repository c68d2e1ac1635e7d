/**
 * A replay sink that passes everything on to the model (or the marking sink before it) and tells
 * the source's listeners what it played: the recorded counts deltas (Source.onCounts) and, when
 * someone listens, each event (Source.onEvent). What --interval reads a replay through.
 */
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import { ForwardingSink, type FullSink } from '../record/checkpoints.js';

export interface Taps {
  onCounts(d: CountsDelta): void;
  onEvent?: (ev: IoEvent) => void;
}

export class TapSink extends ForwardingSink {
  constructor(
    inner: FullSink,
    private readonly taps: Taps,
  ) {
    super(inner);
  }

  override push(ev: IoEvent): void {
    this.inner.push(ev);
    this.taps.onEvent?.(ev);
  }

  override pushCounts(d: CountsDelta): void {
    this.inner.pushCounts(d);
    this.taps.onCounts(d);
  }
}
