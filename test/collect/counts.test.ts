import { describe, expect, it } from 'vitest';
import { kernelBucketMid, kernelBucketOf } from '../../bpf/program.js';
import { CountsCollector } from '../../source/collect/counts.js';
import { bucketOf } from '../../source/model/histogram.js';

const names = (tgid: number) => `p${tgid}`;

describe('CountsCollector', () => {
  it('turns cumulative counters into per-interval deltas by process and opcode', () => {
    const c = new CountsCollector(1_000_000);
    const b = kernelBucketOf(50_000);
    c.add('lat', [10, 22, b], 5);
    c.add('nolat', [10, 22], 1);
    c.add('bytes', [10, 22], 6 * 4096);
    c.add('err', [10, 23, 28], 2);
    c.add('lat', [10, 23, b], 2);
    c.add('elat', [10, kernelBucketOf(2000)], 3);
    c.add('esub', [10], 8);
    c.add('dropped', [], 4);
    const d1 = c.end(2_000_000, names)!;
    expect(d1.intervalUs).toBe(1_000_000);
    expect(d1.rows).toEqual([
      {
        pid: 10,
        comm: 'p10',
        opcode: 22,
        ops: 6,
        read: 6 * 4096,
        write: 0,
        errors: 0,
        submitted: 0,
        errnos: [],
        latency: [bucketOf(kernelBucketMid(b)), 5],
      },
      {
        pid: 10,
        comm: 'p10',
        opcode: 23,
        ops: 2,
        read: 0,
        write: 0,
        errors: 2,
        submitted: 0,
        errnos: [28, 2],
        latency: [bucketOf(kernelBucketMid(b)), 2],
      },
      {
        pid: 10,
        comm: 'p10',
        opcode: 255,
        ops: 3,
        read: 0,
        write: 0,
        errors: 0,
        submitted: 8,
        errnos: [],
        latency: [bucketOf(kernelBucketMid(kernelBucketOf(2000))), 3],
      },
    ]);
    expect(c.operations).toBe(8); // IO_URING_ENTER calls are not operations
    expect(c.totals.dropped).toBe(4);

    // the next print: cumulative again; only what changed comes out
    c.add('lat', [10, 22, b], 9);
    c.add('nolat', [10, 22], 1);
    c.add('bytes', [10, 22], 10 * 4096);
    c.add('err', [10, 23, 28], 2);
    c.add('lat', [10, 23, b], 2);
    c.add('elat', [10, kernelBucketOf(2000)], 3);
    c.add('esub', [10], 8);
    c.add('dropped', [], 4);
    const d2 = c.end(3_500_000, names)!;
    expect(d2.intervalUs).toBe(1_500_000);
    expect(d2.rows).toHaveLength(1);
    expect(d2.rows[0]).toMatchObject({ opcode: 22, ops: 4, read: 4 * 4096 });
    expect(c.operations).toBe(12);
  });

  it('keeps the counts of a key missing from one print for the next delta', () => {
    const c = new CountsCollector(0);
    c.add('lat', [1, 0, 3], 10);
    c.end(1_000_000, names);
    c.add('lat', [2, 0, 3], 1); // pid 1's line went missing
    c.end(2_000_000, names);
    c.add('lat', [1, 0, 3], 12);
    c.add('lat', [2, 0, 3], 1);
    const d = c.end(3_000_000, names)!;
    expect(d.rows.map((r) => [r.pid, r.ops])).toEqual([[1, 2]]);
  });

  it('ignores counter lines with the wrong number of keys', () => {
    const c = new CountsCollector(0);
    c.add('lat', [1, 0], 10);
    c.add('bytes', [1], 10);
    c.add('dropped', [1], 10);
    const d = c.end(1_000_000, names)!;
    expect(d.rows).toEqual([]);
    expect(c.totals.dropped).toBe(0);
  });

  it('merges a round whose print of a filled map was lost into the next one', () => {
    const c = new CountsCollector(0);
    c.add('lat', [1, 0, 3], 10);
    c.add('bytes', [1, 22], 100);
    c.add('dropped', [], 0);
    c.add('ready', [], 1); // not a counter: printed once, at the start
    expect(c.end(1_000_000, names)?.rows[0].ops).toBe(10);
    // bpftrace's request to print @lat was lost with the event lines: only the rest came
    c.add('bytes', [1, 22], 150);
    c.add('dropped', [], 0);
    expect(c.end(2_000_000, names)).toBeNull();
    expect(c.incompleteRounds).toBe(1);
    c.add('lat', [1, 0, 3], 30);
    c.add('bytes', [1, 22], 300);
    c.add('dropped', [], 0);
    const d = c.end(3_000_000, names)!;
    expect(d.intervalUs).toBe(2_000_000); // the two seconds since the last complete round
    expect(d.rows.map((r) => [r.opcode, r.ops, r.read])).toEqual([
      [0, 20, 0],
      [22, 0, 200],
    ]);
    expect(c.operations).toBe(30);
  });
});
