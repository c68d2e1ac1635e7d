import { describe, expect, it } from 'vitest';
import {
  bucketLow,
  bucketOf,
  bucketValue,
  LAST_BUCKET,
  LatencyHistogram,
} from '../../source/model/histogram.js';
import { relErr, rng } from './helpers.js';

/** Nearest-rank percentile of sorted values: the ceil(p/100 · n)-th smallest. */
function exactPercentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function checkAgainstExact(values: Float64Array): number {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  const sorted = Float64Array.from(values).sort();
  let worst = 0;
  for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]) {
    worst = Math.max(worst, relErr(h.percentile(p), exactPercentile(sorted, p)));
  }
  return worst;
}

describe('LatencyHistogram', () => {
  it('keeps percentiles within 1 % of the exact sorted percentiles on log-uniform data (1 µs to 10 s)', () => {
    const r = rng(1);
    const values = new Float64Array(50_000);
    for (let i = 0; i < values.length; i++) values[i] = Math.round(1e3 * 10 ** (r() * 7));
    const worst = checkAgainstExact(values);
    expect(worst).toBeLessThanOrEqual(0.01);
    expect(worst).toBeGreaterThan(0); // buckets, not a sorted copy
  });

  it('keeps percentiles within 1 % on a narrow, skewed distribution (20–80 µs with a tail)', () => {
    const r = rng(7);
    const values = new Float64Array(50_000);
    for (let i = 0; i < values.length; i++) {
      const tail = r() < 0.02 ? r() * 5e6 : 0;
      values[i] = Math.round(20_000 + r() * r() * 60_000 + tail);
    }
    expect(checkAgainstExact(values)).toBeLessThanOrEqual(0.01);
  });

  it('tells 40 µs from 60 µs, which power-of-two buckets cannot', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 50; i++) h.record(40_000);
    for (let i = 0; i < 50; i++) h.record(60_000);
    expect(relErr(h.percentile(50), 40_000)).toBeLessThan(0.01);
    expect(relErr(h.percentile(51), 60_000)).toBeLessThan(0.01);
    expect(bucketOf(40_000)).not.toBe(bucketOf(60_000));
  });

  it('is exact below 128 ns and clamps to the recorded min and max', () => {
    const h = new LatencyHistogram();
    [5, 7, 7, 100].forEach((v) => h.record(v));
    expect(h.percentile(25)).toBe(5);
    expect(h.percentile(50)).toBe(7);
    expect(h.percentile(100)).toBe(100);
    const one = new LatencyHistogram();
    one.record(123_457);
    expect(one.percentile(50)).toBe(123_457); // the bucket's midpoint clamped to the only value
    expect(one.percentile(99)).toBe(123_457);
  });

  it('computes count, mean, min and max exactly', () => {
    const h = new LatencyHistogram();
    [1000, 2000, 6000].forEach((v) => h.record(v));
    expect(h.count).toBe(3);
    expect(h.mean()).toBe(3000);
    expect(h.min).toBe(1000);
    expect(h.max).toBe(6000);
    expect(new LatencyHistogram().percentile(99)).toBe(0);
    expect(new LatencyHistogram().mean()).toBe(0);
  });

  it('returns several percentiles in one pass, equal to one at a time', () => {
    const r = rng(3);
    const h = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) h.record(1000 + r() * 1e6);
    const out = [0, 0, 0];
    h.percentiles([50, 95, 99], out);
    expect(out).toEqual([h.percentile(50), h.percentile(95), h.percentile(99)]);
  });

  it('maps every value into the bucket whose range holds it, above 2^32 ns too', () => {
    const r = rng(11);
    const bad: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor(10 ** (r() * 15)); // 1 ns .. ~11 days
      const b = bucketOf(v);
      const inRange = bucketLow(b) <= v && (b === LAST_BUCKET || bucketLow(b + 1) > v);
      const close = v < 128 ? bucketValue(b) === v : relErr(bucketValue(b), v) <= 1 / 128;
      if (!inRange || !close) bad.push(v);
    }
    expect(bad).toEqual([]);
    expect(bucketOf(2 ** 32 - 1)).toBeLessThan(bucketOf(2 ** 32));
    expect(bucketOf(1e30)).toBe(LAST_BUCKET);
    expect(bucketOf(Number.NaN)).toBe(0);
  });

  it('merges and clears', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(1000);
    b.record(3000);
    b.record(5000);
    a.merge(b);
    expect(a.count).toBe(3);
    expect(a.min).toBe(1000);
    expect(a.max).toBe(5000);
    expect(relErr(a.percentile(50), 3000)).toBeLessThan(0.01);
    a.clear();
    expect(a.count).toBe(0);
    expect(a.percentile(50)).toBe(0);
    a.record(2000);
    expect(a.percentile(50)).toBe(2000);
  });
});
