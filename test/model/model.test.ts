import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import type { ProcessRow, Snapshot } from '../../source/model/snapshot.js';
import { ev, MS, relErr, SEC, T } from './helpers.js';

const READ = 22;
const WRITE = 23;
const ENTER = 255;

function proc(s: Snapshot, pid: number, comm: string): ProcessRow {
  const row = s.processes.find((p) => p.pid === pid && p.comm === comm);
  if (!row) throw new Error(`no row for ${pid} ${comm}`);
  return row;
}

describe('Model window rates', () => {
  it('counts only the events inside the window ending at the clock, for any window length', () => {
    const m = new Model();
    for (const at of [100, 600, 1200, 1900]) m.push(ev({ tsUs: T + at * MS, result: 1000 }));
    m.advance(T + 2 * SEC);

    let s = m.snapshot({ windowUs: SEC }); // (1.0 s, 2.0 s]: the events at 1.2 and 1.9 s
    const p = proc(s, 100, 'app');
    expect(p.window.ops).toBe(2);
    expect(p.opsPerSec).toBe(2);
    expect(p.readBytesPerSec).toBe(2000);
    expect(p.total.ops).toBe(4);
    expect(p.total.read).toBe(4000);

    s = m.snapshot({ windowUs: 250 * MS }); // (1.75 s, 2.0 s]: one event
    expect(proc(s, 100, 'app').opsPerSec).toBe(4);
    expect(proc(s, 100, 'app').readBytesPerSec).toBe(4000);

    s = m.snapshot({ windowUs: 10 * SEC }); // all four over 10 s
    expect(proc(s, 100, 'app').opsPerSec).toBeCloseTo(0.4, 12);

    m.advance(T + 2500 * MS); // (1.5 s, 2.5 s]: only 1.9 s
    expect(proc(m.snapshot(), 100, 'app').opsPerSec).toBe(1);
  });

  it('drops a process from the rates but keeps its totals when it stops doing I/O', () => {
    const m = new Model();
    for (let i = 0; i < 5; i++) m.push(ev({ tsUs: T + i * 100 * MS, pid: 1, comm: 'quiet' }));
    for (let i = 1; i <= 5; i++) m.push(ev({ tsUs: T + 3 * SEC + i * MS, pid: 2, comm: 'busy' }));
    m.advance(T + 4 * SEC);
    const s = m.snapshot();
    const quiet = proc(s, 1, 'quiet');
    expect(quiet.opsPerSec).toBe(0);
    expect(quiet.readBytesPerSec).toBe(0);
    expect(quiet.window.p99Ns).toBe(0);
    expect(quiet.total.ops).toBe(5);
    expect(quiet.total.read).toBe(5 * 4096);
    expect(quiet.lastSeenUs).toBe(T + 400 * MS);
    expect(proc(s, 2, 'busy').opsPerSec).toBe(5);
    expect(s.totals.opsPerSec).toBe(5);
    expect(s.totals.total.ops).toBe(10);
  });

  it('keeps one row per pid, under its latest name (an exec, a rename), with the names before', () => {
    const m = new Model();
    m.push(ev({ tsUs: T + 100 * MS, pid: 4242, comm: '?' }));
    m.push(ev({ tsUs: T + 150 * MS, pid: 4242, comm: 'alpha' }));
    m.push(ev({ tsUs: T + 200 * MS, pid: 4242, comm: 'alpha' }));
    m.push(ev({ tsUs: T + 1500 * MS, pid: 4242, comm: 'beta', opcode: WRITE, result: 512 }));
    m.advance(T + 2 * SEC);
    let s = m.snapshot();
    // a name not learned ('?') gives way to the name, and is not one of the names before
    expect(
      s.processes.map((p) => [p.pid, p.comm, p.window.ops, p.total.ops, p.formerComms]),
    ).toEqual([[4242, 'beta', 1, 4, ['alpha']]]);
    expect(proc(s, 4242, 'beta').writeBytesPerSec).toBe(512);

    // the old name coming back renames it again; '?' does not
    m.push(ev({ tsUs: T + 2100 * MS, pid: 4242, comm: 'alpha' }));
    m.push(ev({ tsUs: T + 2200 * MS, pid: 4242, comm: '?' }));
    s = m.snapshot();
    expect(s.processes.map((p) => [p.comm, p.total.ops, p.formerComms])).toEqual([
      ['alpha', 6, ['beta']],
    ]);
  });

  it('counts bytes only for successful data-moving operations', () => {
    const m = new Model();
    const at = T + 500 * MS;
    m.push(ev({ tsUs: at, opcode: READ, result: 4096 })); // read 4096
    m.push(ev({ tsUs: at, opcode: READ, result: -11 })); // EAGAIN: expected, no bytes
    m.push(ev({ tsUs: at, opcode: READ, result: 0 })); // EOF: no bytes, no error
    m.push(ev({ tsUs: at, opcode: 1, length: 2, result: 8192 })); // READV: bytes, not iovecs
    m.push(ev({ tsUs: at, opcode: 27, result: 100 })); // RECV: read 100
    m.push(ev({ tsUs: at, opcode: WRITE, result: 300 })); // write 300
    m.push(ev({ tsUs: at, opcode: 26, result: 50 })); // SEND: write 50
    m.push(ev({ tsUs: at, opcode: WRITE, result: -28 })); // ENOSPC: error, no bytes
    m.push(ev({ tsUs: at, opcode: 18, result: 7 })); // OPENAT: returns an fd, not bytes
    m.push(ev({ tsUs: at, opcode: 3, result: 0 })); // FSYNC
    m.push(ev({ tsUs: at, opcode: READ, result: 999, hasResult: false })); // no completion seen
    m.advance(T + SEC);
    const s = m.snapshot();
    const p = proc(s, 100, 'app');
    expect(p.total.read).toBe(4096 + 8192 + 100);
    expect(p.total.write).toBe(300 + 50);
    expect(p.readBytesPerSec).toBe(4096 + 8192 + 100);
    expect(p.writeBytesPerSec).toBe(350);
    expect(p.total.errors).toBe(1); // ENOSPC
    expect(p.window.errors).toBe(1);
    expect(p.total.expected).toBe(1); // EAGAIN
    expect(p.window.expected).toBe(1);
    expect(p.total.ops).toBe(11);
    const openat = s.opcodes.find((o) => o.opName === 'OPENAT');
    expect(openat?.total.read).toBe(0);
    expect(openat?.total.write).toBe(0);
  });
});

describe('Model latency', () => {
  it('reports avg/p50/p95/p99/max over the window and since start, ignoring unknown latencies', () => {
    const m = new Model();
    // Second 0: 100 ops of 1..100 µs. Second 1: one op of 500 µs, one of unknown latency.
    for (let i = 1; i <= 100; i++) m.push(ev({ tsUs: T + i * MS, latencyNs: i * 1000 }));
    m.push(ev({ tsUs: T + 1500 * MS, latencyNs: 500_000 }));
    m.push(ev({ tsUs: T + 1600 * MS, latencyNs: 0 }));
    m.advance(T + 2 * SEC);
    const p = proc(m.snapshot(), 100, 'app');
    expect(p.window.ops).toBe(2);
    expect(p.window.avgNs).toBe(500_000);
    expect(p.window.p50Ns).toBe(500_000);
    expect(p.window.maxNs).toBe(500_000);
    // Since start: 101 known samples, sum 5050 µs + 500 µs.
    expect(p.total.avgNs).toBeCloseTo((5_050_000 + 500_000) / 101, 6);
    expect(relErr(p.total.p50Ns, 51_000)).toBeLessThan(0.01); // rank ceil(50.5) = 51
    expect(relErr(p.total.p95Ns, 96_000)).toBeLessThan(0.01); // rank ceil(95.95) = 96
    expect(relErr(p.total.p99Ns, 100_000)).toBeLessThan(0.01); // rank ceil(99.99) = 100
    expect(p.total.maxNs).toBe(500_000);
    expect(p.total.ops).toBe(102);
  });

  it('gives the same percentiles for a process, its opcode and its process × opcode row', () => {
    const m = new Model();
    for (let i = 1; i <= 50; i++) m.push(ev({ tsUs: T + i * 10 * MS, latencyNs: i * 2000 }));
    m.advance(T + SEC);
    const s = m.snapshot();
    const p = proc(s, 100, 'app');
    const o = s.opcodes.find((x) => x.opcode === READ)!;
    const x = s.processOpcodes.find((r) => r.opcode === READ)!;
    for (const k of ['p50Ns', 'p95Ns', 'p99Ns'] as const) {
      expect(o.window[k]).toBe(p.window[k]);
      expect(x.window[k]).toBe(p.window[k]);
    }
    expect(o.total.p99Ns).toBe(p.total.p99Ns);
    expect(x.total.p99Ns).toBe(p.total.p99Ns);
    expect(relErr(p.window.p50Ns, 50_000)).toBeLessThan(0.01);
  });
});

describe('Model per-second series', () => {
  it('records ops, bytes and p99 of each complete second, oldest first, zeros where idle', () => {
    const m = new Model({ seriesSeconds: 60 });
    m.push(ev({ tsUs: T + 100 * MS, latencyNs: 10_000 }));
    m.push(ev({ tsUs: T + 200 * MS, latencyNs: 20_000 }));
    m.push(ev({ tsUs: T + 300 * MS, latencyNs: 30_000, opcode: WRITE, result: 10 }));
    m.push(ev({ tsUs: T + 1500 * MS, latencyNs: 5_000 }));
    // second T+2 s: nothing; second T+3 s is the current, incomplete one
    m.push(ev({ tsUs: T + 3200 * MS }));
    m.advance(T + 3500 * MS);
    const s = m.snapshot();
    expect(s.series.endSec).toBe(T / SEC + 2);
    expect(s.series.length).toBe(60);
    const ser = proc(s, 100, 'app').series;
    expect(ser.opsPerSec.length).toBe(60);
    expect(ser.opsPerSec.slice(-3)).toEqual([3, 1, 0]);
    expect(ser.readBytesPerSec.slice(-3)).toEqual([8192, 4096, 0]);
    expect(ser.writeBytesPerSec.slice(-3)).toEqual([10, 0, 0]);
    expect(ser.p99Ns.slice(-3)).toEqual([30_000, 5_000, 0]); // clamped to the exact max
    expect(ser.opsPerSec.slice(0, -3).every((v) => v === 0)).toBe(true);
    const read = s.opcodes.find((o) => o.opcode === READ)!.series;
    expect(read.opsPerSec.slice(-3)).toEqual([2, 1, 0]);
    expect(s.totals.series.opsPerSec.slice(-3)).toEqual([3, 1, 0]);
  });

  it('forgets points older than the series length', () => {
    const m = new Model({ seriesSeconds: 5 });
    m.push(ev({ tsUs: T + 100 * MS }));
    m.push(ev({ tsUs: T + 4 * SEC + 100 * MS }));
    m.advance(T + 5 * SEC + 1);
    expect(proc(m.snapshot(), 100, 'app').series.opsPerSec).toEqual([1, 0, 0, 0, 1]);
    m.advance(T + 6 * SEC + 1);
    expect(proc(m.snapshot(), 100, 'app').series.opsPerSec).toEqual([0, 0, 0, 1, 0]);
    m.advance(T + 60 * SEC);
    expect(proc(m.snapshot(), 100, 'app').series.opsPerSec).toEqual([0, 0, 0, 0, 0]);
    expect(m.snapshot({ series: false }).processes[0].series.opsPerSec).toEqual([]);
  });
});

describe('Model errors and io_uring_enter', () => {
  it('counts errors by errno name from negative results, most frequent first', () => {
    const m = new Model();
    const at = T + 100 * MS;
    for (let i = 0; i < 3; i++) m.push(ev({ tsUs: at, result: -11 }));
    for (let i = 0; i < 2; i++) m.push(ev({ tsUs: at, opcode: 11, result: -62 }));
    m.push(ev({ tsUs: at, result: -125 }));
    m.push(ev({ tsUs: at, result: -62 })); // ETIME from a READ: a failure
    m.push(ev({ tsUs: T + 3 * SEC, result: -9 }));
    m.advance(T + 3 * SEC);
    const s = m.snapshot();
    expect(s.errors.map((e) => [e.name, e.expected, e.total, e.count])).toEqual([
      ['EAGAIN', true, 3, 0],
      ['ETIME', true, 2, 0],
      ['EBADF', false, 1, 1],
      ['ETIME', false, 1, 0],
      ['ECANCELED', true, 1, 0],
    ]);
    // the expected results (a timeout that expired, a cancel, a non-blocking try) apart
    expect(s.totals.total.errors).toBe(2);
    expect(s.totals.total.expected).toBe(6);
    expect(s.totals.window.errors).toBe(1);
  });

  it('reports io_uring_enter calls/s and operations per call, apart from the operations', () => {
    const m = new Model();
    const at = T + 500 * MS;
    m.push(ev({ tsUs: at, opcode: ENTER, length: 8, result: 8, latencyNs: 3000 }));
    m.push(ev({ tsUs: at, opcode: ENTER, length: 8, result: 8, latencyNs: 3000 }));
    m.push(ev({ tsUs: at, opcode: ENTER, length: 4, result: 2, latencyNs: 3000 }));
    m.push(ev({ tsUs: at, opcode: READ }));
    m.push(ev({ tsUs: at, opcode: READ }));
    m.push(ev({ tsUs: T - 5 * SEC, opcode: ENTER, length: 4, result: -4 })); // EINTR, long ago
    m.advance(T + SEC);
    const s = m.snapshot();
    expect(s.enter.callsPerSec).toBe(3);
    expect(s.enter.opsPerCall).toBe(6);
    expect(s.enter.submittedPerSec).toBe(18);
    expect(s.enter.totalCalls).toBe(4);
    expect(s.enter.totalSubmitted).toBe(18);
    expect(s.enter.totalOpsPerCall).toBe(4.5);
    const p = proc(s, 100, 'app');
    expect(p.window.ops).toBe(2);
    expect(p.enterCallsPerSec).toBe(3);
    expect(p.opsPerEnter).toBe(6);
    expect(p.totalEnterCalls).toBe(4);
    expect(p.topOpName).toBe('READ');
    expect(p.opcodeMix.map((x) => x.opName)).toEqual(['READ']);
    expect(s.opcodes.find((o) => o.opcode === ENTER)?.window.ops).toBe(3);
    expect(s.totals.events).toBe(6);
    expect(s.totals.total.ops).toBe(2);
    expect(s.totals.eventsPerSec).toBe(5);
  });
});

describe('Model drill-down and recent events', () => {
  it('keeps process × opcode rows and an opcode mix ordered by window activity', () => {
    const m = new Model();
    m.push(ev({ tsUs: T + 100 * MS, opcode: 3, result: 0 })); // FSYNC, earlier
    m.push(ev({ tsUs: T + 100 * MS, opcode: 3, result: 0 }));
    m.push(ev({ tsUs: T + 100 * MS, opcode: 3, result: 0 }));
    m.push(ev({ tsUs: T + 1500 * MS, opcode: WRITE, result: 10 }));
    m.push(ev({ tsUs: T + 1600 * MS, opcode: READ }));
    m.push(ev({ tsUs: T + 1700 * MS, opcode: READ }));
    m.push(ev({ tsUs: T + 1700 * MS, pid: 7, comm: 'other', opcode: READ }));
    m.advance(T + 2 * SEC);
    const s = m.snapshot();
    const p = proc(s, 100, 'app');
    expect(p.opcodeMix.map((x) => [x.opName, x.ops, x.totalOps])).toEqual([
      ['READ', 2, 2],
      ['WRITE', 1, 1],
      ['FSYNC', 0, 3],
    ]);
    expect(p.topOpcode).toBe(READ);
    const mine = s.processOpcodes.filter((r) => r.processKey === p.key);
    expect(mine.map((r) => [r.opName, r.opsPerSec, r.total.ops])).toEqual([
      ['FSYNC', 0, 3],
      ['WRITE', 1, 1],
      ['READ', 2, 2],
    ]);
    expect(s.processOpcodes.length).toBe(4);
    expect(s.opcodes.map((o) => [o.opName, o.total.ops])).toEqual([
      ['FSYNC', 3],
      ['READ', 3],
      ['WRITE', 1],
    ]);
  });

  it('returns the most recent events as plain copies, newest last, restricted by a filter', () => {
    const m = new Model();
    const shared = ev(); // a source reuses one object
    for (let i = 0; i < 6; i++) {
      shared.tsUs = T + i * MS;
      shared.pid = i % 2 === 0 ? 1 : 2;
      shared.comm = i % 2 === 0 ? 'postgres' : 'nginx';
      shared.offset = i * 4096;
      m.push(shared);
    }
    const all = m.snapshot({ recentFilter: undefined, recentLimit: 4 }).recent;
    expect(all.map((e) => e.tsUs - T)).toEqual([2 * MS, 3 * MS, 4 * MS, 5 * MS]);
    const ng = m.snapshot({ recentFilter: { comms: ['ngin*'] }, recentLimit: 10 }).recent;
    expect(ng.map((e) => [e.pid, e.comm, e.offset])).toEqual([
      [2, 'nginx', 4096],
      [2, 'nginx', 3 * 4096],
      [2, 'nginx', 5 * 4096],
    ]);
    expect(
      m.snapshot({ recentFilter: { pids: [1], opcodes: [WRITE] }, recentLimit: 10 }).recent,
    ).toEqual([]);
    const s = m.snapshot({ recentLimit: 2, recentFilter: { pids: [1] } });
    expect(s.recent).toEqual([
      { ...ev(), tsUs: T + 2 * MS, pid: 1, comm: 'postgres', offset: 2 * 4096 },
      { ...ev(), tsUs: T + 4 * MS, pid: 1, comm: 'postgres', offset: 4 * 4096 },
    ]);
  });
});

describe('Model bounds', () => {
  it('expires buffered events by age but keeps them in the totals', () => {
    const m = new Model({ bufferSeconds: 2 });
    for (const at of [500, 1500, 2500]) m.push(ev({ tsUs: T + at * MS }));
    m.advance(T + 3 * SEC);
    const s = m.snapshot();
    expect(s.buffer.events).toBe(2);
    expect(s.buffer.expired).toBe(1);
    expect(s.buffer.startUs).toBe(T + 1500 * MS);
    expect(s.buffer.endUs).toBe(T + 2500 * MS);
    expect(s.buffer.bytesPerEvent).toBe(58);
    expect(s.totals.total.ops).toBe(3);
  });

  it('bounds the buffer by count and computes window rates over what is left', () => {
    const m = new Model({ bufferEvents: 4 });
    for (let i = 1; i <= 6; i++) m.push(ev({ tsUs: T + i * 100 * MS }));
    m.advance(T + SEC);
    const s = m.snapshot();
    expect(s.buffer.events).toBe(4);
    expect(s.buffer.overwritten).toBe(2);
    expect(s.windowTruncated).toBe(true);
    // 4 events left, the oldest at 0.3 s: 4 / 0.7 s.
    expect(s.totals.opsPerSec).toBeCloseTo(4 / 0.7, 9);
    expect(s.totals.total.ops).toBe(6);
  });

  it('says the window is incomplete only while it is: not after the overwritten events left it', () => {
    const m = new Model({ bufferEvents: 4, bufferSeconds: 60 });
    for (let i = 1; i <= 6; i++) m.push(ev({ tsUs: T + i * 100 * MS }));
    m.advance(T + SEC);
    expect(m.snapshot().windowTruncated).toBe(true);
    // a second later the window (1 s) holds none of the pushed-out events
    m.advance(T + 2 * SEC);
    expect(m.snapshot().windowTruncated).toBe(false);
    // ten idle minutes: every event expired, still nothing missing from the window
    m.advance(T + 600 * SEC);
    const idle = m.snapshot();
    expect(idle.buffer.events).toBe(0);
    expect(idle.windowTruncated).toBe(false);
    // a new burst over the bound: incomplete again
    for (let i = 1; i <= 6; i++) m.push(ev({ tsUs: T + 600 * SEC + i * MS }));
    expect(m.snapshot().windowTruncated).toBe(true);
  });

  it('evicts the idlest process row beyond maxProcesses and counts it', () => {
    const m = new Model({ maxProcesses: 2 });
    m.push(ev({ tsUs: T + 1 * SEC, pid: 1, comm: 'one' }));
    m.push(ev({ tsUs: T + 2 * SEC, pid: 2, comm: 'two' }));
    m.push(ev({ tsUs: T + 3 * SEC, pid: 1, comm: 'one' }));
    m.push(ev({ tsUs: T + 4 * SEC, pid: 3, comm: 'three' }));
    const s = m.snapshot();
    expect(s.processes.map((p) => p.comm)).toEqual(['one', 'three']);
    expect(s.evictedProcesses).toBe(1);
    expect(s.totals.total.ops).toBe(4);
    expect(s.opcodes[0].total.ops).toBe(4);
    // pid 2 coming back is a fresh row.
    m.push(ev({ tsUs: T + 5 * SEC, pid: 2, comm: 'two' }));
    const s2 = m.snapshot();
    expect(proc(s2, 2, 'two').total.ops).toBe(1);
    expect(s2.evictedProcesses).toBe(2);
  });

  it("under churn, a new row reuses an evicted row's series and histogram, none of its figures", () => {
    // 200 short-lived processes through a table of 16, one second each: most rows are made from
    // what evicted rows left. Each row must show its own operations, second and latencies only.
    const m = new Model({ maxProcesses: 16 });
    const opsOf = (i: number) => 1 + (i % 3);
    for (let i = 0; i < 200; i++)
      for (let k = 0; k < opsOf(i); k++)
        m.push(ev({ tsUs: T + i * SEC + k * MS, pid: 1000 + i, latencyNs: (i + 1) * 1000 }));
    // 40 processes in one second: past the first 16, each evicts a row active in that second,
    // whose series still takes its point when the second ends (it is not given away)
    for (let i = 200; i < 240; i++)
      m.push(ev({ tsUs: T + 200 * SEC + (i - 200) * MS, pid: 1000 + i, latencyNs: 7000 }));
    m.advance(T + 202 * SEC);
    const s = m.snapshot();
    expect(s.processes).toHaveLength(16);
    for (const p of s.processes) {
      const i = p.pid - 1000;
      const ops = i < 200 ? opsOf(i) : 1;
      const sec = i < 200 ? i : 200;
      expect(p.total.ops, `pid ${p.pid}`).toBe(ops);
      expect(p.total.maxNs, `pid ${p.pid}`).toBe(i < 200 ? (i + 1) * 1000 : 7000);
      // its series: its operations in its own second, nothing in any other
      const ps = p.series.opsPerSec;
      const at = ps.length - 1 - (s.series.endSec - Math.floor(T / SEC) - sec);
      expect(
        ps.map((v, k) => (k === at ? v - ops : v)),
        `pid ${p.pid}`,
      ).toEqual(ps.map(() => 0));
    }
    expect(s.evictedProcesses).toBe(240 - 16);
  });

  it('keeps no per-second history with seriesSeconds and heatSeconds 0, and the same figures', () => {
    const feed = (m: Model): Snapshot => {
      for (let i = 0; i < 50; i++)
        m.push(ev({ tsUs: T + i * 100 * MS, pid: 10 + (i % 3), latencyNs: 1000 * (i + 1) }));
      m.advance(T + 6 * SEC);
      return m.snapshot();
    };
    const plain = feed(new Model());
    const bare = feed(new Model({ seriesSeconds: 0, heatSeconds: 0 }));
    expect(bare.processes.map((p) => p.series.opsPerSec)).toEqual([[], [], []]);
    expect(bare.processes.map((p) => [p.pid, p.total])).toEqual(
      plain.processes.map((p) => [p.pid, p.total]),
    );
    expect(bare.totals.total).toEqual(plain.totals.total);
    expect(() => new Model({ seriesSeconds: -1 })).toThrow(/seriesSeconds/);
  });

  it('counts in-window events pushed after late ones, however late', () => {
    const m = new Model();
    m.push(ev({ tsUs: T + 500 * MS }));
    m.push(ev({ tsUs: T + 1200 * MS }));
    m.push(ev({ tsUs: T + 950 * MS })); // completed earlier, reported late
    m.push(ev({ tsUs: T + 1300 * MS }));
    m.push(ev({ tsUs: T - 60 * SEC })); // very late
    m.push(ev({ tsUs: T + 1400 * MS }));
    m.advance(T + 2 * SEC);
    expect(m.snapshot().totals.window.ops).toBe(3);
  });
});

describe('Model clock, determinism and reset', () => {
  it('gives identical snapshots for the same events and advance() calls', () => {
    const feed = (m: Model): Snapshot => {
      for (let i = 0; i < 3000; i++) {
        m.push(
          ev({
            tsUs: T + i * 1700,
            pid: 10 + (i % 7),
            comm: `p${i % 5}`,
            opcode: [READ, WRITE, ENTER, 3][i % 4],
            result: i % 13 === 0 ? -11 : 512,
            latencyNs: 1000 + ((i * 7919) % 100_000),
          }),
        );
        if (i % 500 === 0) m.advance(T + i * 1700);
      }
      m.setCaptureCounters({ lost: 3 });
      return m.snapshot({ windowUs: 2 * SEC });
    };
    const a = feed(new Model());
    const b = feed(new Model());
    expect(a).toEqual(b);
    expect(a.capture).toEqual({ lost: 3, dropped: 0, overflow: 0, unmatched: 0, malformed: 0 });
  });

  it('ignores an advance() into the past and starts the clock at the first time seen', () => {
    const m = new Model();
    expect(m.snapshot().nowUs).toBe(0);
    m.advance(T + 5 * SEC);
    m.advance(T + 1 * SEC);
    m.push(ev({ tsUs: T + 4 * SEC }));
    const s = m.snapshot();
    expect(s.nowUs).toBe(T + 5 * SEC);
    expect(s.startUs).toBe(T + 5 * SEC);
    expect(s.totals.opsPerSec).toBe(0); // 4 s is outside (4 s, 5 s]
  });

  it('forgets everything on reset(), keeping its options', () => {
    const m = new Model({ bufferEvents: 10 });
    m.push(ev({ tsUs: T }));
    m.setCaptureCounters({ dropped: 2 });
    m.reset();
    const s = m.snapshot();
    expect(s.processes).toEqual([]);
    expect(s.totals.events).toBe(0);
    expect(s.capture!.dropped).toBe(0);
    expect(s.buffer.maxEvents).toBe(10);
    expect(s.recent).toEqual([]);
  });

  it('rejects nonsensical options', () => {
    expect(() => new Model({ bufferEvents: 0 })).toThrow(RangeError);
    expect(() => new Model({ bufferSeconds: -1 })).toThrow(RangeError);
    expect(new Model({ bufferSeconds: 0.5 }).snapshot().buffer.maxAgeUs).toBe(500_000);
  });
});

describe('Model under an opcode filter', () => {
  it('counts only those opcodes in the process rows, the totals and their series', () => {
    const m = new Model();
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 10; i++) {
        m.push(ev({ tsUs: T + s * SEC + i * MS, opcode: 22, result: 4096, latencyNs: 1000 }));
        m.push(ev({ tsUs: T + s * SEC + i * MS, opcode: 23, result: 8192, latencyNs: 900_000 }));
        m.push(ev({ tsUs: T + s * SEC + i * MS, opcode: 23, result: 8192, latencyNs: 900_000 }));
      }
    }
    m.advance(T + 3 * SEC);
    const all = m.snapshot({ windowUs: SEC });
    const reads = m.snapshot({ windowUs: SEC, opcodes: [22] });
    const p = reads.processes[0];
    const read = reads.opcodes.find((o) => o.opcode === 22)!;
    // the process row under op:READ is the READ row: ops, bytes, latency, series
    expect(all.processes[0].total.ops).toBe(90);
    expect(p.total.ops).toBe(30);
    expect(p.opsPerSec).toBe(read.opsPerSec);
    expect(p.total.read).toBe(30 * 4096);
    expect(p.total.write).toBe(0);
    expect(p.window.p99Ns).toBe(read.window.p99Ns);
    expect(p.total.p99Ns).toBe(read.total.p99Ns);
    expect(p.series.opsPerSec.slice(-3)).toEqual([10, 10, 10]);
    expect(all.processes[0].series.opsPerSec.slice(-3)).toEqual([30, 30, 30]);
    // and so are the totals (the header)
    expect(reads.totals.total.ops).toBe(30);
    expect(reads.totals.window.p99Ns).toBe(read.window.p99Ns);
    // two opcodes: the sum of both
    const both = m.snapshot({ windowUs: SEC, opcodes: [22, 23] });
    expect(both.processes[0].total.ops).toBe(90);
    expect(both.processes[0].total.write).toBe(60 * 8192);
  });
});
