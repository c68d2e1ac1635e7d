/**
 * The latency histogram's `le` bounds: 20 per decade from 1 µs to 10 s, round numbers, and every
 * model bucket counted under the first bound at or above its representative value, so that a
 * latency is misplaced only when it lies within its own bucket's width of a bound.
 */
import { describe, expect, it } from 'vitest';
import { kernelBucketMid, kernelBucketOf } from '../../bpf/program.js';
import { LE_NS, LE_SECONDS, leIndexOfBucket } from '../../source/metrics/buckets.js';
import { bucketOf, bucketValue, LAST_BUCKET } from '../../source/model/histogram.js';

describe('le bounds', () => {
  it('are 141 round numbers from 1 µs to 10 s, 20 per decade, ascending, at most 14.3 % apart', () => {
    expect(LE_SECONDS).toHaveLength(141);
    expect(LE_SECONDS[0]).toBe(0.000001);
    expect(LE_SECONDS.at(-1)).toBe(10);
    expect(LE_SECONDS.map(String).slice(0, 4)).toEqual([
      '0.000001',
      '0.00000112',
      '0.00000125',
      '0.0000014',
    ]);
    expect(LE_SECONDS.filter((s) => [0.001, 0.01, 0.1, 1, 0.0005, 0.005].includes(s))).toHaveLength(
      6,
    );
    for (let i = 1; i < LE_SECONDS.length; i++) {
      expect(LE_SECONDS[i]).toBeGreaterThan(LE_SECONDS[i - 1]);
      expect(LE_SECONDS[i] / LE_SECONDS[i - 1]).toBeLessThan(1.143);
    }
    expect(
      LE_NS.every((n, i) => Number.isInteger(n) && n === Math.round(LE_SECONDS[i] * 1e9)),
    ).toBe(true);
  });
});

describe('leIndexOfBucket', () => {
  it('puts each model bucket under the first bound at or above its value, and never goes down', () => {
    let prev = 0;
    for (let b = 0; b <= LAST_BUCKET; b++) {
      const i = leIndexOfBucket(b);
      expect(i).toBeGreaterThanOrEqual(prev);
      prev = i;
      const v = bucketValue(b);
      if (i < LE_NS.length) expect(v).toBeLessThanOrEqual(LE_NS[i]);
      if (i > 0) expect(v).toBeGreaterThan(LE_NS[i - 1]);
    }
    expect(leIndexOfBucket(bucketOf(500))).toBe(0); // below 1 µs
    expect(leIndexOfBucket(bucketOf(20e9))).toBe(LE_NS.length); // above 10 s: +Inf only
    expect(leIndexOfBucket(-1)).toBe(LE_NS.length);
  });

  it('counts a latency on the wrong side of a bound only within its bucket: 1.6 % (events), 3.2 % (kernel)', () => {
    const slotOf = (ns: number): number => LE_NS.findIndex((le) => ns <= le);
    const check = (ns: number, bucketOfNs: (v: number) => number, tolerance: number): void => {
      let want = slotOf(ns);
      if (want < 0) want = LE_NS.length;
      const got = leIndexOfBucket(bucketOfNs(ns));
      if (got === want) return;
      // misplaced: then a bound lies within `tolerance` of the latency
      const near = LE_NS.some((le) => Math.abs(le - ns) <= tolerance * ns);
      expect(near, `${ns} ns`).toBe(true);
    };
    for (let ns = 900; ns < 12e9; ns *= 1.0137) {
      const v = Math.round(ns);
      check(v, bucketOf, 0.016);
      check(v, (x) => bucketOf(kernelBucketMid(kernelBucketOf(x))), 0.032);
    }
    // at the bounds themselves, and just off them by more than a kernel bucket
    for (const le of LE_NS) {
      expect(leIndexOfBucket(bucketOf(Math.floor(le * 0.96)))).toBe(LE_NS.indexOf(le));
      expect(leIndexOfBucket(bucketOf(Math.ceil(le * 1.04)))).toBe(LE_NS.indexOf(le) + 1);
    }
  });
});
