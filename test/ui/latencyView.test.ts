import { describe, expect, it } from 'vitest';
import {
  fitGroups,
  groupLabel,
  histogramLines,
  latencySplit,
} from '../../source/ui/LatencyView.js';
import type { LatencyDetail, LatencyGroup } from '../../source/model/snapshot.js';
import { groupBounds } from '../../source/model/latency.js';

const group = (k: number, count: number): LatencyGroup => {
  const [lowNs, highNs] = groupBounds(k);
  return { lowNs, highNs, count };
};

describe('the latency panel histogram', () => {
  it('labels each group by its range', () => {
    expect(groupLabel(group(0, 1))).toBe('<1µs');
    expect(groupLabel(group(1, 1))).toBe('1-2µs');
    expect(groupLabel(group(3, 1))).toBe('4-8µs');
    expect(groupLabel(group(10, 1))).toBe('512µs-1.02ms');
    expect(groupLabel(group(12, 1))).toBe('2.05ms-4.10ms');
  });

  it('merges the neighbours with the fewest operations until the groups fit', () => {
    const gs = [group(1, 100), group(2, 1), group(3, 2), group(4, 50), group(5, 3)];
    expect(fitGroups(gs, 5)).toEqual(gs);
    // empty neighbours are one line whatever the room
    const gap = [group(1, 4), group(2, 0), group(3, 0), group(4, 0), group(5, 1)];
    expect(fitGroups(gap, 10)).toEqual([
      group(1, 4),
      { lowNs: 2000, highNs: 16_000, count: 0 },
      group(5, 1),
    ]);
    const four = fitGroups(gs, 4);
    expect(four).toEqual([
      group(1, 100),
      { lowNs: 2000, highNs: 8000, count: 3 },
      group(4, 50),
      group(5, 3),
    ]);
    const two = fitGroups(gs, 2);
    expect(two.reduce((s, g) => s + g.count, 0)).toBe(156);
    expect(two[0].lowNs).toBe(1000);
    expect(two[1].highNs).toBe(32_000);
  });

  it('draws count, share and a bar scaled to the largest group, in two columns when long', () => {
    const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => group(k, k === 2 ? 60 : 5));
    const d: LatencyDetail = {
      key: 'o22',
      count: 95,
      percentilesNs: [0, 0, 0, 0],
      maxNs: 0,
      groups,
      slowest: [],
      considered: 0,
      bufferStartUs: 0,
    };
    const one = histogramLines(d, 8, 80);
    expect(one).toHaveLength(8);
    expect(one[2]).toMatch(/^\s+2-4µs\s+60\s+63\.2% █+$/);
    expect(one[2].length).toBe(80);
    expect(one[0]).toMatch(/<1µs\s+5\s+5\.3% █{1,6} *$/);
    const two = histogramLines(d, 4, 80);
    expect(two).toHaveLength(4);
    for (const l of two) expect(l.length).toBeLessThanOrEqual(80);
    expect(two[0]).toMatch(/<1µs.*8-16µs/);
    // too narrow for two columns: merged
    const narrow = histogramLines(d, 4, 60);
    expect(narrow).toHaveLength(4);
  });

  it('leaves room for the slowest requests', () => {
    expect(latencySplit(20, 18)).toEqual({ histogram: 8, events: 7 });
    expect(latencySplit(2, 18)).toEqual({ histogram: 2, events: 13 });
  });
});
