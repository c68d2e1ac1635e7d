import { describe, expect, it } from 'vitest';
import type { CountsDelta, OpCounts } from '../../source/model/counts.js';
import { bucketOf, LatencyHistogram } from '../../source/model/histogram.js';
import { Model } from '../../source/model/model.js';
import { ev, opCounts, relErr, rng, SEC, T } from './helpers.js';

/** Latencies as the kernel's histogram holds them: [bucket, count, …]. */
function buckets(latNs: number[]): number[] {
  const m = new Map<number, number>();
  for (const v of latNs) m.set(bucketOf(v), (m.get(bucketOf(v)) ?? 0) + 1);
  return [...m].flat();
}

const row = opCounts;

const delta = (tsUs: number, rows: OpCounts[], intervalUs = SEC): CountsDelta => ({
  tsUs,
  intervalUs,
  rows,
});

describe('a model fed exact counts', () => {
  it('takes totals, rates, errors and latencies from the counts, not from the events', () => {
    const m = new Model({ aggregate: 'counts' });
    const random = rng(7);
    const lats = Array.from({ length: 5000 }, () => 10_000 + Math.floor(random() * 90_000));
    // 5000 READs counted, of which only 3 arrived as events (the rest were lost)
    for (let i = 0; i < 3; i++) m.push(ev({ tsUs: T + 100 + i }));
    m.pushCounts(
      delta(T + SEC, [
        row({
          ops: 5000,
          read: 4096 * 4990,
          errors: 12,
          errnos: [11, 10, 5, 2], // 10 EAGAIN (expected), 2 EIO
          latency: buckets(lats),
        }),
        row({ opcode: 255, ops: 200, submitted: 5000, latency: buckets([2000, 3000]) }),
      ]),
    );
    const s = m.snapshot();
    const read = s.opcodes.find((o) => o.opName === 'READ')!;
    expect(read.total.ops).toBe(5000);
    expect(read.total.read).toBe(4096 * 4990);
    expect(read.total.errors).toBe(2);
    expect(read.total.expected).toBe(10);
    expect(read.window.errors).toBe(2);
    expect(read.window.expected).toBe(10);
    expect(read.opsPerSec).toBe(5000);
    expect(s.totals.total.ops).toBe(5000);
    expect(s.processes[0].total.ops).toBe(5000);
    expect(s.processes[0].opsPerEnter).toBe(25);
    expect(s.enter.totalCalls).toBe(200);
    expect(s.errors).toEqual([
      { errno: 11, name: 'EAGAIN', expected: true, count: 10, total: 10 },
      { errno: 5, name: 'EIO', expected: false, count: 2, total: 2 },
    ]);
    // percentiles from the buckets: within the histogram's 0.8 %
    const exact = [...lats].sort((a, b) => a - b);
    expect(relErr(read.total.p99Ns, exact[Math.ceil(0.99 * 5000) - 1])).toBeLessThan(0.008);
    expect(relErr(read.total.p50Ns, exact[2499])).toBeLessThan(0.008);
    // the events are in the buffer, and nowhere else; the events counted are the counts'
    expect(s.recent).toHaveLength(3);
    expect(s.totals.events).toBe(5000 + 200);
  });

  it('gives the window figures of the latest delta and the series per second', () => {
    const m = new Model({ aggregate: 'counts' });
    m.pushCounts(delta(T + SEC + 500, [row({ ops: 100, latency: buckets([1000]) })]));
    m.pushCounts(delta(T + 2 * SEC + 500, [row({ ops: 300 })]));
    m.pushCounts(delta(T + 3 * SEC + 500, [row({ pid: 200, comm: 'other', ops: 50 })], SEC / 2));
    m.advance(T + 4 * SEC);
    const s = m.snapshot();
    const app = s.processes.find((p) => p.pid === 100)!;
    const other = s.processes.find((p) => p.pid === 200)!;
    expect(app.total.ops).toBe(400);
    expect(app.opsPerSec).toBe(0); // nothing of it in the latest interval
    expect(other.opsPerSec).toBe(100); // 50 in half a second
    expect(s.totals.series.opsPerSec.slice(-3)).toEqual([100, 300, 50]);
  });

  it('refuses counts in a model that aggregates events', () => {
    expect(() => new Model().pushCounts(delta(T, []))).toThrow(/aggregates events/);
  });

  it('a checkpoint of it continues exactly as the original', () => {
    const m = new Model({ aggregate: 'counts' });
    m.pushCounts(delta(T + SEC, [row({ ops: 10, errnos: [5, 1], errors: 1 })]));
    const cp = m.checkpoint();
    const copy = new Model({ aggregate: 'counts' });
    copy.restore(cp);
    for (const x of [m, copy]) x.pushCounts(delta(T + 2 * SEC, [row({ ops: 7 })]));
    expect(copy.snapshot()).toEqual(m.snapshot());
  });
});

describe('LatencyHistogram.recordBucket', () => {
  it('adds counts by bucket, as if each value had been recorded at the bucket value', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (const v of [50, 50, 1000, 123_456]) a.record(v);
    for (const [v, n] of [
      [50, 2],
      [1000, 1],
      [123_456, 1],
    ])
      b.recordBucket(bucketOf(v), n);
    expect(b.count).toBe(4);
    expect(b.percentile(50)).toBe(a.percentile(50));
    expect(relErr(b.percentile(99), a.percentile(99))).toBeLessThan(0.008);
  });
});

describe('the totals under a pid: or comm: filter', () => {
  // three processes of two commands, each with READs, WRITEs and io_uring_enter calls
  const model = () => {
    const m = new Model({ aggregate: 'counts' });
    m.pushCounts(
      delta(T + SEC, [
        row({ pid: 1, comm: 'db', ops: 100, read: 4096 * 100, latency: buckets([1000]) }),
        row({ pid: 1, comm: 'db', opcode: 23, ops: 20, write: 8192 * 20 }),
        row({ pid: 1, comm: 'db', opcode: 255, ops: 7, submitted: 120 }),
        row({ pid: 2, comm: 'dbwal', ops: 30, latency: buckets([900_000]) }),
        row({ pid: 3, comm: 'net', opcode: 23, ops: 500, write: 500 }),
        row({ pid: 3, comm: 'net', opcode: 255, ops: 50, submitted: 500 }),
      ]),
    );
    m.advance(T + SEC);
    return m;
  };
  const procOf = (s: ReturnType<Model['snapshot']>, pid: number) =>
    s.processes.find((p) => p.pid === pid)!;

  it('are those of the processes the filter names: the header says what the rows say', () => {
    const m = model();
    expect(m.snapshot().totals.opsPerSec).toBe(650);
    const one = m.snapshot({ processes: { pids: [3] } });
    expect(one.totals.opsPerSec).toBe(procOf(one, 3).opsPerSec);
    expect(one.totals.total.ops).toBe(500);
    expect(one.totals.total.write).toBe(500);
    expect(one.totals.events).toBe(550); // its operations and its io_uring_enter calls
    // comm: as the views match it, a prefix with *; and the sum of every process it names
    const db = m.snapshot({ processes: { comms: ['db*'] } });
    expect(db.totals.total.ops).toBe(150);
    expect(db.totals.opsPerSec).toBe(150);
    expect(db.totals.total.p99Ns).toBe(procOf(db, 2).total.p99Ns); // the slower process's p99
    expect(m.snapshot({ processes: { comms: ['db'] } }).totals.total.ops).toBe(120);
    // with op: too, the operations of those opcodes of those processes
    const both = m.snapshot({ processes: { comms: ['db*'] }, opcodes: [22] });
    expect(both.totals.total.ops).toBe(130);
    expect(both.totals.events).toBe(130);
    // a filter that names nobody: nothing
    expect(m.snapshot({ processes: { pids: [9] } }).totals.opsPerSec).toBe(0);
  });
});

describe('the buffer beside the counts', () => {
  it('holds out the events the counts do not include yet: the buffered never outnumber the counted', () => {
    const m = new Model({ aggregate: 'counts' });
    // 10 READs on fd 5, counted at T + 1 s; then 6 more events, ahead of the next counts
    for (let i = 0; i < 10; i++) m.push(ev({ tsUs: T + i * 1000, fd: 5, latencyNs: 1000 + i }));
    m.pushCounts(
      delta(T + SEC, [row({ ops: 10, latency: buckets(Array<number>(10).fill(1000)) })]),
    );
    for (let i = 0; i < 6; i++) m.push(ev({ tsUs: T + SEC + 100 + i, fd: 5, latencyNs: 9e6 }));
    m.advance(T + SEC + 500_000);
    const s = m.snapshot({ latency: { key: m.snapshot().processes[0].key, limit: 5 } });
    const p = s.processes[0];
    expect(p.total.ops).toBe(10);
    expect(s.latency!.count).toBe(10);
    expect(s.latency!.considered).toBe(10);
    // (the 9 ms ones are not counted yet: not among the slowest)
    expect(s.latency!.slowest.map((e) => e.latencyNs)).toEqual([1009, 1008, 1007, 1006, 1005]);
    expect(m.fileStats(100)).toMatchObject([{ fd: 5, ops: 10 }]);
    // the tail stays fresh: the newest events are listed
    expect(s.recent).toHaveLength(16);
    // the next counts take them in
    m.pushCounts(
      delta(T + 2 * SEC, [row({ ops: 6, latency: buckets(Array<number>(6).fill(9e6)) })]),
    );
    const t = m.snapshot({ latency: { key: p.key, limit: 5 } });
    expect(t.latency!.considered).toBe(16);
    expect(m.fileStats(100)[0].ops).toBe(16);
  });
});
