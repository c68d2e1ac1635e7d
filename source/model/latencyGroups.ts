/**
 * Latencies grouped by powers of two of a microsecond (`<1µs`, `1-2µs`, `2-4µs`, …): the latency
 * panel's histogram and the heatmap's bands. A group's bounds, 1000·2^k ns, are bounds of the
 * histograms' buckets too (histogram.ts: 1000·2^k = 125·2^(k+3), a multiple of the width of the
 * buckets of its power of two), so a group holds whole buckets and its count is exact.
 */

/** The group of a latency: 0 below 1 µs, then k for [2^(k−1), 2^k) µs. */
export function groupOf(ns: number): number {
  if (!(ns >= 1000)) return 0;
  return Math.floor(Math.log2(ns / 1000)) + 1;
}

/** A group's bounds in ns: [lowNs, highNs). */
export function groupBounds(k: number): [lowNs: number, highNs: number] {
  return k === 0 ? [0, 1000] : [1000 * 2 ** (k - 1), 1000 * 2 ** k];
}
