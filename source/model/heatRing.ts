/**
 * A row's latencies per second, for the heatmap (heatmap.ts): a ring of its last seconds, each
 * the counts of that second's histogram by latency group (latencyGroups.ts), from its lowest
 * group with a count to its highest. Written when the model closes a second; a second without a
 * latency allocates nothing.
 */
import type { LatencyHistogram } from './histogram.js';
import { groupOf } from './latencyGroups.js';

/** Seconds of history a row keeps for the heatmap (a column each, so a wide terminal fills). */
export const DEFAULT_HEAT_SECONDS = 240;
/** Groups above the last one (2^40 µs, 12 days) go into it. */
export const HEAT_GROUPS = 42;

/** One row's seconds: per slot, the second it holds and its counts from its lowest group on. */
export class HeatRing {
  readonly stamp: Float64Array;
  readonly lo: Uint8Array;
  readonly counts: (Float64Array | null)[];

  constructor(readonly n: number) {
    this.stamp = new Float64Array(n).fill(-1);
    this.lo = new Uint8Array(n);
    this.counts = new Array<Float64Array | null>(n).fill(null);
  }

  /** Writes second `sec` from its histogram (an empty one leaves the slot empty). */
  write(sec: number, hist: LatencyHistogram | null): void {
    const slot = sec % this.n;
    this.stamp[slot] = -1;
    if (hist === null || hist.count === 0) return;
    let lo = HEAT_GROUPS;
    let hi = -1;
    hist.forEachBucket((v) => {
      const g = Math.min(groupOf(v), HEAT_GROUPS - 1);
      if (g < lo) lo = g;
      if (g > hi) hi = g;
    });
    let col = this.counts[slot];
    if (col === null || col.length < hi - lo + 1)
      col = this.counts[slot] = new Float64Array(hi - lo + 1);
    else col.fill(0);
    hist.forEachBucket((v, n) => {
      col[Math.min(groupOf(v), HEAT_GROUPS - 1) - lo] += n;
    });
    this.lo[slot] = lo;
    this.stamp[slot] = sec;
  }

  /** Adds second `sec`'s counts to `into` (indexed by group); false when it holds none. */
  addTo(sec: number, into: Float64Array): boolean {
    const slot = sec % this.n;
    if (this.stamp[slot] !== sec) return false;
    const col = this.counts[slot]!;
    const lo = this.lo[slot];
    for (let i = 0; i < col.length; i++) into[lo + i] += col[i];
    return true;
  }

  clone(): HeatRing {
    const c = new HeatRing(this.n);
    c.stamp.set(this.stamp);
    c.lo.set(this.lo);
    for (let i = 0; i < this.n; i++) c.counts[i] = this.counts[i]?.slice() ?? null;
    return c;
  }

  get bytes(): number {
    let b = this.stamp.byteLength + this.lo.byteLength + 8 * this.n;
    for (const c of this.counts) if (c !== null) b += c.byteLength;
    return b;
  }
}
