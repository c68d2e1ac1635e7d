import { describe, expect, it } from 'vitest';
import { kernelBucketMid, kernelBucketOf } from '../../bpf/program.js';
import { CountsCollector } from '../../source/collect/counts.js';
import { bucketOf } from '../../source/model/histogram.js';

const names = (tgid: number) => `p${tgid}`;
const mid = (ns: number) => bucketOf(kernelBucketMid(kernelBucketOf(ns)));

describe('CountsCollector', () => {
  it('turns cumulative counters into per-interval deltas by process and opcode', () => {
    const c = new CountsCollector(1_000_000);
    const b = kernelBucketOf(50_000);
    // READ: 5 of 4096 bytes (the class holds them), 1 of 100 bytes (apart), one EAGAIN
    c.add('c', [10, 22, 4096], 5);
    c.add('c', [10, 22, 1], 1);
    c.add('by', [10, 22], 100);
    c.add('c', [10, 22, -11], 1);
    // latencies weighted: 3 samples standing for 7 requests
    c.add('lat', [10, 22, b], 7);
    c.add('c', [10, 23, -28], 2);
    c.add('c', [10, 23, 0], 1);
    c.add('c', [10, 255, 1], 6);
    c.add('c', [10, 255, 2], 1);
    c.add('c', [10, 255, -4], 1);
    c.add('c', [10, 255, 4097], 1);
    c.add('by', [10, 255], 5000);
    c.add('lat', [10, 255, kernelBucketOf(2000)], 9);
    c.add('dropped', [], 4);
    c.add('lsn', [], 3);
    c.add('elsn', [], 1);
    const d1 = c.end(2_000_000, names)!;
    expect(d1.intervalUs).toBe(1_000_000);
    expect(d1.latencySamples).toBe(4);
    expect(d1.rows).toEqual([
      {
        pid: 10,
        comm: 'p10',
        opcode: 22,
        ops: 7,
        read: 5 * 4096 + 100,
        write: 0,
        errors: 1,
        submitted: 0,
        errnos: [11, 1],
        latency: [mid(50_000), 7],
      },
      {
        pid: 10,
        comm: 'p10',
        opcode: 23,
        ops: 3,
        read: 0,
        write: 0,
        errors: 2,
        submitted: 0,
        errnos: [28, 2],
        latency: [],
      },
      {
        pid: 10,
        comm: 'p10',
        opcode: 255,
        ops: 9,
        read: 0,
        write: 0,
        errors: 1,
        // 6 calls of 1 and 1 of 2; one above the classes, its 5000 apart
        submitted: 6 + 2 + 5000,
        errnos: [4, 1],
        latency: [mid(2000), 9],
      },
    ]);
    expect(c.operations).toBe(10); // IO_URING_ENTER calls are not operations
    expect(c.events).toBe(19);
    expect(c.totals.dropped).toBe(4);

    // the next print: cumulative again; only what changed comes out
    c.add('c', [10, 22, 4096], 9);
    c.add('c', [10, 22, 1], 1);
    c.add('by', [10, 22], 100);
    c.add('c', [10, 22, -11], 1);
    c.add('lat', [10, 22, b], 7);
    c.add('c', [10, 23, -28], 2);
    c.add('c', [10, 23, 0], 1);
    c.add('c', [10, 255, 1], 6);
    c.add('c', [10, 255, 2], 1);
    c.add('c', [10, 255, -4], 1);
    c.add('c', [10, 255, 4097], 1);
    c.add('by', [10, 255], 5000);
    c.add('lat', [10, 255, kernelBucketOf(2000)], 9);
    c.add('dropped', [], 4);
    c.add('lsn', [], 3);
    c.add('elsn', [], 1);
    const d2 = c.end(3_500_000, names)!;
    expect(d2.intervalUs).toBe(1_500_000);
    expect(d2.latencySamples).toBe(0);
    expect(d2.rows).toHaveLength(1);
    expect(d2.rows[0]).toMatchObject({ opcode: 22, ops: 4, read: 4 * 4096, latency: [] });
    expect(c.operations).toBe(14);
  });

  it('keeps the counts of a key missing from one print for the next delta', () => {
    const c = new CountsCollector(0);
    c.add('c', [1, 0, 0], 10);
    c.end(1_000_000, names);
    c.add('c', [2, 0, 0], 1); // pid 1's line went missing
    c.end(2_000_000, names);
    c.add('c', [1, 0, 0], 12);
    c.add('c', [2, 0, 0], 1);
    const d = c.end(3_000_000, names)!;
    expect(d.rows.map((r) => [r.pid, r.ops])).toEqual([[1, 2]]);
  });

  it('ignores counter lines with the wrong number of keys', () => {
    const c = new CountsCollector(0);
    c.add('c', [1, 0], 10);
    c.add('by', [1], 10);
    c.add('dropped', [1], 10);
    const d = c.end(1_000_000, names)!;
    expect(d.rows).toEqual([]);
    expect(c.totals.dropped).toBe(0);
  });

  it('merges a round whose print of a filled map was lost into the next one', () => {
    const c = new CountsCollector(0);
    c.add('c', [1, 0, 0], 10);
    c.add('by', [1, 22], 100);
    c.add('dropped', [], 0);
    c.add('ready', [], 1); // not a counter: printed once, at the start
    expect(c.end(1_000_000, names)?.rows[0].ops).toBe(10);
    // bpftrace's request to print @c was lost with the event lines: only the rest came
    c.add('by', [1, 22], 150);
    c.add('dropped', [], 0);
    expect(c.end(2_000_000, names)).toBeNull();
    expect(c.incompleteRounds).toBe(1);
    c.add('c', [1, 0, 0], 30);
    c.add('by', [1, 22], 300);
    c.add('dropped', [], 0);
    const d = c.end(3_000_000, names)!;
    expect(d.intervalUs).toBe(2_000_000); // the two seconds since the last complete round
    expect(d.rows.map((r) => [r.opcode, r.ops, r.read])).toEqual([
      [0, 20, 0],
      [22, 0, 200],
    ]);
    expect(c.operations).toBe(30);
  });

  it('knows each process’s keys, and forgets a process whose keys were deleted', () => {
    const c = new CountsCollector(0);
    c.add('c', [7, 0, 0], 3);
    c.add('c', [7, 22, -11], 1);
    c.add('lat', [7, 0, 90], 3);
    c.add('c', [7, 255, 1], 3);
    c.add('c', [8, 0, 0], 5);
    c.end(1_000_000, names);
    expect(c.changed).toEqual(new Set([7, 8]));
    expect(c.keysOfProcess(7)).toEqual([
      { map: 'c', keys: [7, 0, 0] },
      { map: 'c', keys: [7, 22, -11] },
      { map: 'lat', keys: [7, 0, 90] },
      { map: 'c', keys: [7, 255, 1] },
    ]);
    c.forget(7, 1_500_000);
    expect(c.keysOfProcess(7)).toEqual([]);
    expect(c.processes()).toEqual([8]);
    // a print stamped before the deletion may have been read before it: not counted again, and
    // a map that held only its keys (@lat) is not taken as printed: it prints empty from now on
    c.add('c', [7, 0, 0], 3);
    c.add('lat', [7, 0, 90], 3);
    c.add('c', [8, 0, 0], 5);
    expect(c.end(1_550_000, names)!.rows).toEqual([]);
    // its keys are gone from the kernel's maps: the next print has none (@lat and @c print
    // empty, which is not a lost print), and that is no change
    c.add('c', [8, 0, 0], 5);
    const d = c.end(2_000_000, names)!;
    expect(d.rows).toEqual([]);
    expect(c.changed.size).toBe(0);
    // the pid used again: it starts from nothing
    c.add('c', [7, 0, 0], 2);
    c.add('c', [8, 0, 0], 5);
    expect(c.end(3_000_000, names)!.rows.map((r) => [r.pid, r.ops])).toEqual([[7, 2]]);
    expect(c.operations).toBe(3 + 1 + 5 + 2);
  });

  it('sums the CPUs of a key kept per CPU, and remembers each for its deletion', () => {
    const c = new CountsCollector(1_000_000, Number.POSITIVE_INFINITY, true);
    const on = (cpu: number, tgid: number) => cpu * 2 ** 32 + tgid;
    c.add('c', [on(0, 10), 22, 4096], 5);
    c.add('c', [on(1, 10), 22, 4096], 2);
    c.add('by', [on(1, 10), 22], 100);
    c.add('c', [on(3, 10), 22, 1], 1);
    c.add('c', [on(1, 11), 255, 1], 4);
    const d1 = c.end(2_000_000, names)!;
    expect(d1.rows.map((r) => [r.pid, r.opcode, r.ops, r.read])).toEqual([
      [10, 22, 8, 7 * 4096 + 100],
      [11, 255, 4, 0],
    ]);
    // the next round's figures are cumulative per CPU again: the delta is what the CPUs added
    c.add('c', [on(0, 10), 22, 4096], 6);
    c.add('c', [on(1, 10), 22, 4096], 2);
    c.add('by', [on(1, 10), 22], 100);
    c.add('c', [on(3, 10), 22, 1], 1);
    c.add('c', [on(1, 11), 255, 1], 4);
    const d2 = c.end(3_000_000, names)!;
    expect(d2.rows.map((r) => [r.pid, r.opcode, r.ops])).toEqual([[10, 22, 1]]);
    // deleted as the maps hold them: one key per CPU
    expect(c.keysOfProcess(10).map((k) => [k.map, ...k.keys])).toEqual([
      ['c', on(0, 10), 22, 4096],
      ['c', on(1, 10), 22, 4096],
      ['by', on(1, 10), 22],
      ['c', on(3, 10), 22, 1],
    ]);
    expect(c.processes()).toEqual([10, 11]);
  });
});
