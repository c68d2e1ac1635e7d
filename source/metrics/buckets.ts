/**
 * The latency histogram's fixed `le` bounds, and where each of the model's histogram buckets
 * (model/histogram.ts) falls among them.
 *
 * The bounds are the R20 preferred numbers, 20 per decade, from 1 µs to 10 s (141 bounds, then
 * +Inf): each is at most 14.3 % above the one before. Prometheus' histogram_quantile interpolates
 * linearly inside a bucket, so its error is bounded by the bucket's width; on the bundled
 * recordings it put p99 within 2–5 % of the exact value with these bounds, and up to 14 % off
 * with 10 per decade. Bounds are round numbers so that a query can ask for "under 1 ms" directly.
 *
 * The mapping: a model bucket is counted under the first bound at or above its representative
 * value (model/histogram.ts bucketValue: exact below 128 ns, else the bucket's middle). Live, the
 * latencies come from the kernel's buckets (32 per power of two, each at most 3.2 % wide), so a
 * latency within 3.2 % of a bound may be counted on the wrong side of that one bound; from events
 * (a recording without its counts), within 1.6 %. Every other latency is in its exact bucket, and
 * `_count` is exact. `_sum` adds the representative values: within 1.6 % of the true sum.
 */
import { bucketValue, LAST_BUCKET } from '../model/histogram.js';

const R20 = [
  '1', '1.12', '1.25', '1.4', '1.6', '1.8', '2', '2.24', '2.5', '2.8',
  '3.15', '3.55', '4', '4.5', '5', '5.6', '6.3', '7.1', '8', '9',
]; // prettier-ignore

/** The bounds in seconds (shortest decimal, as they appear in the `le` label), ascending. */
export const LE_SECONDS: readonly number[] = (() => {
  const out: number[] = [];
  for (let exp = -6; exp < 1; exp++) for (const r of R20) out.push(Number(`${r}e${exp}`));
  out.push(10);
  return out;
})();

/** The same bounds in nanoseconds (whole numbers). */
export const LE_NS: readonly number[] = LE_SECONDS.map((s) => Math.round(s * 1e9));

/** Index of the first bound ≥ `ns` (LE_NS.length: only +Inf holds it). */
function boundIndex(ns: number): number {
  let lo = 0;
  let hi = LE_NS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LE_NS[mid] < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** By model bucket: the index of the first bound at or above its representative value. */
const INDEX_OF_BUCKET = (() => {
  const out = new Uint8Array(LAST_BUCKET + 1);
  for (let b = 0; b <= LAST_BUCKET; b++) out[b] = boundIndex(bucketValue(b));
  return out;
})();

/** The `le` slot (0 … LE_NS.length, the last being +Inf) that a model histogram bucket counts in. */
export function leIndexOfBucket(bucket: number): number {
  return bucket >= 0 && bucket <= LAST_BUCKET ? INDEX_OF_BUCKET[bucket] : LE_NS.length;
}
