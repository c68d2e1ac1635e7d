import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../source/model/histogram.js';
import { groupBounds, groupOf, powerOfTwoGroups } from '../../source/model/latency.js';
import { Model } from '../../source/model/model.js';
import { IO_URING_ENTER, OpcodeTable } from '../../source/model/opcodes.js';
import { ev, MS, T } from './helpers.js';

const NAMES = new OpcodeTable();
const READ = NAMES.code('READ')!;
const WRITE = NAMES.code('WRITE')!;

/** A model fed with these events, and the key of the process row of pid 100. */
function feed(events: Parameters<typeof ev>[0][]): Model {
  const m = new Model();
  for (const e of events) m.push(ev(e));
  m.advance(T + 10_000 * MS);
  return m;
}

const detail = (m: Model, key: string, limit = 10, filter = {}) =>
  m.snapshot({ latency: { key, limit }, recentFilter: filter }).latency;

const procKey = (m: Model, pid: number) => m.snapshot().processes.find((p) => p.pid === pid)!.key;

describe('latency groups', () => {
  it('puts a latency in its power of two of a microsecond', () => {
    expect(groupOf(0)).toBe(0);
    expect(groupOf(999)).toBe(0);
    expect(groupOf(1000)).toBe(1);
    expect(groupOf(1999)).toBe(1);
    expect(groupOf(2000)).toBe(2);
    expect(groupOf(3999)).toBe(2);
    expect(groupOf(4000)).toBe(3);
    expect(groupOf(1_024_000)).toBe(11);
    expect(groupBounds(0)).toEqual([0, 1000]);
    expect(groupBounds(3)).toEqual([4000, 8000]);
  });

  it('counts a histogram by power of two, from the lowest non-empty group to the highest', () => {
    const h = new LatencyHistogram();
    const values = [500, 1500, 1500, 5000, 5000, 5000, 40_000];
    for (const v of values) h.record(v);
    const groups = powerOfTwoGroups(h);
    expect(groups).toEqual([
      { lowNs: 0, highNs: 1000, count: 1 },
      { lowNs: 1000, highNs: 2000, count: 2 },
      { lowNs: 2000, highNs: 4000, count: 0 },
      { lowNs: 4000, highNs: 8000, count: 3 },
      { lowNs: 8000, highNs: 16000, count: 0 },
      { lowNs: 16000, highNs: 32000, count: 0 },
      { lowNs: 32000, highNs: 64000, count: 1 },
    ]);
    expect(groups.reduce((s, g) => s + g.count, 0)).toBe(values.length);
  });

  it('starts at the lowest non-empty group and holds nothing for an empty histogram', () => {
    const h = new LatencyHistogram();
    expect(powerOfTwoGroups(h)).toEqual([]);
    h.record(3_000_000);
    expect(powerOfTwoGroups(h)).toEqual([{ lowNs: 2_048_000, highNs: 4_096_000, count: 1 }]);
  });
});

describe('Model latency detail', () => {
  it('is left out of a snapshot that does not ask for it', () => {
    const m = feed([{ latencyNs: 5000 }]);
    expect(m.snapshot().latency).toBeUndefined();
  });

  it('gives a process its histogram since start, percentiles and slowest events', () => {
    const lats = [3000, 3000, 6000, 6000, 6000, 12_000, 100_000, 900_000];
    const m = feed(lats.map((l, i) => ({ tsUs: T + i * MS, latencyNs: l, offset: i * 4096 })));
    const d = detail(m, procKey(m, 100), 3)!;
    expect(d.count).toBe(lats.length);
    expect(d.maxNs).toBe(900_000);
    expect(d.percentilesNs).toHaveLength(4);
    expect(d.percentilesNs[0]).toBeCloseTo(6000, -2); // p50: the 4th of 8
    expect(d.groups.map((g) => g.count)).toEqual([2, 3, 1, 0, 0, 1, 0, 0, 1]);
    expect(d.groups[0]).toMatchObject({ lowNs: 2000, highNs: 4000 });
    expect(d.slowest.map((e) => e.latencyNs)).toEqual([900_000, 100_000, 12_000]);
    // every field of the event
    expect(d.slowest[0]).toEqual({
      ...ev({ tsUs: T + 7 * MS, latencyNs: 900_000, offset: 7 * 4096 }),
      fixedFile: false,
    });
    expect(d.considered).toBe(lats.length);
  });

  it('orders equal latencies newest first', () => {
    const m = feed([
      { tsUs: T + 1 * MS, latencyNs: 5000, offset: 1 },
      { tsUs: T + 2 * MS, latencyNs: 9000, offset: 2 },
      { tsUs: T + 3 * MS, latencyNs: 5000, offset: 3 },
      { tsUs: T + 4 * MS, latencyNs: 5000, offset: 4 },
      { tsUs: T + 5 * MS, latencyNs: 1000, offset: 5 },
    ]);
    const d = detail(m, procKey(m, 100), 3)!;
    expect(d.slowest.map((e) => e.offset)).toEqual([2, 4, 3]);
    const all = detail(m, procKey(m, 100), 10)!;
    expect(all.slowest.map((e) => e.offset)).toEqual([2, 4, 3, 1, 5]);
  });

  it('keeps a process to its own events, without IO_URING_ENTER and those with no latency', () => {
    const m = feed([
      { pid: 100, latencyNs: 2000 },
      { pid: 100, opcode: IO_URING_ENTER, latencyNs: 50_000 },
      { pid: 100, latencyNs: 0, hasResult: false },
      { pid: 200, latencyNs: 80_000 },
      // the same pid under another name (after an exec) is the same process
      { pid: 100, comm: 'other', latencyNs: 70_000 },
    ]);
    const d = detail(m, procKey(m, 100))!;
    expect(d.slowest.map((e) => e.latencyNs)).toEqual([70_000, 2000]);
    expect(d.count).toBe(2);
  });

  it('gives an opcode row its events of every process, and a process × opcode row its own', () => {
    const m = feed([
      { pid: 100, opcode: READ, latencyNs: 2000 },
      { pid: 200, opcode: READ, latencyNs: 4000 },
      { pid: 100, opcode: WRITE, latencyNs: 8000 },
    ]);
    const op = detail(m, `o${READ}`)!;
    expect(op.slowest.map((e) => [e.pid, e.latencyNs])).toEqual([
      [200, 4000],
      [100, 2000],
    ]);
    expect(op.count).toBe(2);
    const px = detail(m, `${procKey(m, 100)}:${WRITE}`)!;
    expect(px.slowest.map((e) => e.latencyNs)).toEqual([8000]);
    expect(px.count).toBe(1);
  });

  it('obeys the filter: an op: filter narrows a process to those opcodes, histogram included', () => {
    const m = feed([
      { opcode: READ, latencyNs: 2000 },
      { opcode: READ, latencyNs: 3000 },
      { opcode: WRITE, latencyNs: 500_000 },
    ]);
    const key = procKey(m, 100);
    expect(detail(m, key)!.count).toBe(3);
    const d = detail(m, key, 10, { opcodes: [READ] })!;
    expect(d.count).toBe(2);
    expect(d.maxNs).toBe(3000);
    expect(d.slowest.map((e) => e.latencyNs)).toEqual([3000, 2000]);
    expect(detail(m, key, 10, { comms: ['nomatch'] })!.slowest).toEqual([]);
  });

  it('is undefined for a row that does not exist', () => {
    const m = feed([{}]);
    expect(detail(m, 'p999')).toBeUndefined();
    expect(detail(m, `o${WRITE}`)).toBeUndefined();
    expect(detail(m, 'nonsense')).toBeUndefined();
  });
});
