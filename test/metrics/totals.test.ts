/**
 * The exporter's running totals and the families read from them: exact sums of the counts deltas,
 * counters that never go down when the model evicts a process row or a process exits, and label
 * sets bounded whatever the processes call themselves.
 */
import { describe, expect, it } from 'vitest';
import { LE_SECONDS } from '../../source/metrics/buckets.js';
import { metricFamilies, type Family, type ScalarValue } from '../../source/metrics/families.js';
import {
  MAX_PROCESS_LABEL_SETS,
  OTHER_COMM,
  RETIRE_AFTER_US,
} from '../../source/metrics/labels.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import type { CountsDelta, OpCounts } from '../../source/model/counts.js';
import { bucketOf, bucketValue } from '../../source/model/histogram.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import type { ThreadReport } from '../../source/proc/threads.js';
import { ALL_DIAGNOSTICS, opCounts, SEC, T } from '../model/helpers.js';

const row = (o: Partial<OpCounts>): OpCounts => opCounts({ ops: 1, ...o });
const delta = (sec: number, rows: OpCounts[]): CountsDelta => ({
  tsUs: T + sec * SEC,
  intervalUs: SEC,
  rows,
});
const names = new OpcodeTable();
const family = (t: MetricTotals, name: string, labels = t.bound.labels): Family => {
  const f = metricFamilies(labels, names, null).find((x) => x.name === name);
  if (!f) throw new Error(name);
  return f;
};
const values = (t: MetricTotals, name: string): ScalarValue[] => {
  const f =
    metricFamilies(t.bound.labels, names, null, {
      threads: true,
      diagnostics: ALL_DIAGNOSTICS,
    }).find((x) => x.name === name) ?? family(t, name);
  if (f.type === 'histogram') throw new Error('histogram');
  return f.read(t);
};

describe('MetricTotals and the families', () => {
  it('sums the deltas by command and opcode; bytes by direction; errors by errno; enter apart', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    t.add(
      delta(1, [
        row({ pid: 1, ops: 10, read: 40960 }),
        // EAGAIN is expected; ETIME from a READ is a failure, from a TIMEOUT expected
        row({ pid: 2, ops: 5, read: 100, errors: 4, errnos: [11, 2, 62, 1, 5, 1] }),
        row({ pid: 1, opcode: 11, ops: 2, errors: 2, errnos: [62, 2] }),
        row({ pid: 1, opcode: 23, ops: 3, write: 300 }),
        row({ pid: 1, opcode: 255, ops: 7, submitted: 13, errnos: [4, 1, 62, 3], errors: 4 }),
      ]),
    );
    t.add(delta(2, [row({ pid: 3, ops: 1, read: 1 }), row({ pid: 4, comm: 'db', ops: 2 })]));
    expect(values(t, 'iouringtop_operations_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ' }, value: 16 },
      { labels: { comm: 'app', opcode: 'TIMEOUT' }, value: 2 },
      { labels: { comm: 'app', opcode: 'WRITE' }, value: 3 },
      { labels: { comm: 'db', opcode: 'READ' }, value: 2 },
    ]);
    expect(values(t, 'iouringtop_read_bytes_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ' }, value: 41061 },
      { labels: { comm: 'db', opcode: 'READ' }, value: 0 },
    ]);
    expect(values(t, 'iouringtop_written_bytes_total')).toEqual([
      { labels: { comm: 'app', opcode: 'WRITE' }, value: 300 },
    ]);
    expect(values(t, 'iouringtop_errors_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ', errno: 'ETIME' }, value: 1 },
      { labels: { comm: 'app', opcode: 'READ', errno: 'EIO' }, value: 1 },
    ]);
    expect(values(t, 'iouringtop_expected_errors_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ', errno: 'EAGAIN' }, value: 2 },
      { labels: { comm: 'app', opcode: 'TIMEOUT', errno: 'ETIME' }, value: 2 },
    ]);
    expect(values(t, 'iouringtop_enter_calls_total')).toEqual([
      { labels: { comm: 'app' }, value: 7 },
    ]);
    expect(values(t, 'iouringtop_enter_submitted_total')).toEqual([
      { labels: { comm: 'app' }, value: 13 },
    ]);
    expect(values(t, 'iouringtop_enter_errors_total')).toEqual([
      { labels: { comm: 'app', errno: 'EINTR' }, value: 1 },
    ]);
    // a timed wait that ends with -ETIME is what it was for
    expect(values(t, 'iouringtop_enter_expected_errors_total')).toEqual([
      { labels: { comm: 'app', errno: 'ETIME' }, value: 3 },
    ]);
    // the capture's counters: unknown until set, then as set
    expect(values(t, 'iouringtop_lost_events_total')).toEqual([]);
    t.setCapture({ lost: 4, dropped: 1 });
    expect(values(t, 'iouringtop_lost_events_total')).toEqual([{ labels: {}, value: 4 }]);
    expect(values(t, 'iouringtop_dropped_requests_total')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('without the opcode label, a command sums its opcodes; with pid, each process is apart', () => {
    const d = delta(1, [row({ pid: 1, ops: 2 }), row({ pid: 2, opcode: 23, ops: 3 })]);
    const byComm = new MetricTotals(['comm']);
    byComm.add(d);
    expect(values(byComm, 'iouringtop_operations_total')).toEqual([
      { labels: { comm: 'app' }, value: 5 },
    ]);
    const byPid = new MetricTotals(['pid', 'comm', 'opcode']);
    byPid.add(d);
    expect(values(byPid, 'iouringtop_operations_total')).toEqual([
      { labels: { pid: '1', comm: 'app', opcode: 'READ' }, value: 2 },
      { labels: { pid: '2', comm: 'app', opcode: 'WRITE' }, value: 3 },
    ]);
    expect(family(byPid, 'iouringtop_operations_total').labelNames).toEqual([
      'pid',
      'comm',
      'opcode',
    ]);
    expect(family(byPid, 'iouringtop_enter_calls_total').labelNames).toEqual(['pid', 'comm']);
  });

  it('without the opcode label, an errno is told failure or expected by its own opcode first', () => {
    const t = new MetricTotals(['comm']);
    t.add(
      delta(1, [
        row({ ops: 3, errors: 1, errnos: [62, 1] }),
        row({ opcode: 11, ops: 2, errors: 2, errnos: [62, 2] }),
      ]),
    );
    expect(values(t, 'iouringtop_errors_total')).toEqual([
      { labels: { comm: 'app', errno: 'ETIME' }, value: 1 },
    ]);
    expect(values(t, 'iouringtop_expected_errors_total')).toEqual([
      { labels: { comm: 'app', errno: 'ETIME' }, value: 2 },
    ]);
  });

  it('counters never go down when the model evicts idle process rows (a sum over rows would)', () => {
    const model = new Model({ aggregate: 'counts', maxProcesses: 3 });
    const t = new MetricTotals(['comm', 'opcode']);
    let sent = 0;
    let prev = 0;
    for (let s = 1; s <= 20; s++) {
      // a new short-lived "worker" process every second, plus one long-lived one
      const d = delta(s, [row({ pid: 1000 + s, comm: 'worker', ops: 5 }), row({ pid: 1, ops: 1 })]);
      model.pushCounts(d);
      t.add(d);
      sent += 5;
      const v = values(t, 'iouringtop_operations_total').find((x) => x.labels.comm === 'worker');
      expect(v?.value).toBe(sent);
      expect(v!.value).toBeGreaterThanOrEqual(prev);
      prev = v!.value;
    }
    const snap = model.snapshot({ series: false });
    expect(snap.evictedProcesses).toBeGreaterThan(0);
    const rowsSum = snap.processes
      .filter((p) => p.comm === 'worker')
      .reduce((n, p) => n + p.total.ops, 0);
    expect(rowsSum).toBeLessThan(sent); // what reading the model's rows would have shown
  });

  it('with pid labels, a process idle for 10 minutes has its series dropped and its slot freed', () => {
    const t = new MetricTotals(['pid', 'comm', 'opcode']);
    t.add(delta(0, [row({ pid: 1 }), row({ pid: 2 })]));
    t.add(delta(RETIRE_AFTER_US / SEC - 1, [row({ pid: 2 })]));
    expect(t.processes.size).toBe(2);
    t.add(delta(RETIRE_AFTER_US / SEC, [row({ pid: 2 })]));
    expect([...t.processes.values()].map((p) => p.slot.labels.pid)).toEqual(['2']);
    expect(t.bound.size).toBe(1);
    // without pid, a command's totals stay whatever its processes do
    const byComm = new MetricTotals(['comm', 'opcode']);
    byComm.add(delta(0, [row({ pid: 1 })]));
    byComm.add(delta(RETIRE_AFTER_US / SEC + 100, [row({ pid: 2, comm: 'other' })]));
    expect(byComm.processes.size).toBe(2);
  });

  it('a fork bomb of random names: bounded series, exact totals under "other"', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    const rows: OpCounts[] = [];
    for (let i = 0; i < MAX_PROCESS_LABEL_SETS + 500; i++)
      rows.push(row({ pid: i + 1, comm: `r${i.toString(36)}`, ops: 2 }));
    t.add(delta(1, rows));
    const v = values(t, 'iouringtop_operations_total');
    expect(v).toHaveLength(MAX_PROCESS_LABEL_SETS + 1);
    expect(v.find((x) => x.labels.comm === OTHER_COMM)?.value).toBe(1000);
    expect(v.reduce((n, x) => n + x.value, 0)).toBe(2 * rows.length);
  });

  it('the latency histogram: per opcode, cumulative, exact count, IO_URING_ENTER apart', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    t.add(
      delta(1, [
        row({ latency: [bucketOf(900), 2, bucketOf(5000), 3, bucketOf(20e9), 1], ops: 7 }),
        row({ pid: 2, comm: 'db', latency: [bucketOf(5000), 4], ops: 4 }),
        row({ opcode: 255, latency: [bucketOf(5000), 9], ops: 9 }),
      ]),
    );
    const f = family(t, 'iouringtop_operation_latency_seconds');
    if (f.type !== 'histogram') throw new Error('histogram');
    const [h, ...rest] = f.read(t);
    expect(rest).toEqual([]);
    expect(h.labels).toEqual({ opcode: 'READ' });
    expect(h.count).toBe(10); // the operation without a latency is not in it
    expect(h.buckets[0]).toBe(2); // ≤ 1 µs
    // 5000 ns is in the model bucket of 4992–5056 ns, whose value (5024) is above 5 µs
    expect(h.buckets[LE_SECONDS.indexOf(0.000005)]).toBe(2);
    expect(h.buckets[LE_SECONDS.indexOf(0.0000056)]).toBe(9);
    expect(h.buckets.at(-1)).toBe(9); // ≤ 10 s: the 20 s one is only in +Inf (count)
    // the sum adds the buckets' values: within 1.6 % of the true one
    const v = (ns: number) => bucketValue(bucketOf(ns));
    expect(h.sum).toBe((2 * v(900) + 7 * v(5000) + v(20e9)) / 1e9);
    expect(Math.abs(h.sum - (2 * 900 + 7 * 5000 + 20e9) / 1e9)).toBeLessThan(0.016 * h.sum);
    for (let i = 1; i < h.buckets.length; i++)
      expect(h.buckets[i]).toBeGreaterThanOrEqual(h.buckets[i - 1]);
  });

  it('moves its generation on with every change, and only then', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    const g0 = t.generation;
    t.setCapture(null);
    expect(t.generation).toBe(g0);
    t.setCapture({ lost: 0, dropped: 0 });
    t.setCapture({ lost: 0, dropped: 0 });
    expect(t.generation).toBe(g0 + 1);
    // an interval without activity changes no value
    t.add(delta(1, []));
    expect(t.generation).toBe(g0 + 1);
    t.add(delta(2, [row({})]));
    expect(t.generation).toBe(g0 + 2);
    // with pid labels, the interval in which an idle process's series are dropped is a change
    const p = new MetricTotals(['pid', 'comm', 'opcode']);
    p.add(delta(1, [row({})]));
    const g1 = p.generation;
    p.add(delta(2, []));
    expect(p.generation).toBe(g1);
    p.add(delta(1 + RETIRE_AFTER_US / SEC, []));
    expect(p.processes.size).toBe(0);
    expect(p.generation).toBe(g1 + 1);
  });
});

const report = (o: Partial<ThreadReport>): ThreadReport => ({
  pid: 100,
  comm: 'app',
  workers: 0,
  sqpoll: 0,
  workersCpuSec: 0,
  sqpollCpuSec: 0,
  ...o,
});
const WRK = 'iouringtop_iowq_worker_threads';
const SQP = 'iouringtop_sqpoll_threads';
const WRK_CPU = 'iouringtop_iowq_worker_cpu_seconds_total';
const SQP_CPU = 'iouringtop_sqpoll_cpu_seconds_total';

describe('the io_uring thread families (live, from /proc)', () => {
  it('sums the gauges over the processes of a label set; the CPU counters only grow', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    t.add(delta(1, [row({ pid: 1 }), row({ pid: 2 }), row({ pid: 3, comm: 'db' })]));
    t.setThreads([
      report({ pid: 1, workers: 3, sqpoll: 1, workersCpuSec: 0.2, sqpollCpuSec: 0.9 }),
      report({ pid: 2, workers: 2, workersCpuSec: 0.1 }),
      report({ pid: 3, comm: 'db' }),
    ]);
    expect(values(t, WRK)).toEqual([
      { labels: { comm: 'app' }, value: 5 },
      { labels: { comm: 'db' }, value: 0 },
    ]);
    expect(values(t, SQP)).toEqual([
      { labels: { comm: 'app' }, value: 1 },
      { labels: { comm: 'db' }, value: 0 },
    ]);
    expect(values(t, WRK_CPU)).toEqual([
      { labels: { comm: 'app' }, value: 0.3 },
      { labels: { comm: 'db' }, value: 0 },
    ]);
    expect(values(t, SQP_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 0.9 });

    // the next look: pid 1's threads used more; pid 2 is gone (exited, or idle for a minute)
    t.setThreads([
      report({ pid: 1, workers: 1, sqpoll: 1, workersCpuSec: 0.25, sqpollCpuSec: 1.9 }),
      report({ pid: 3, comm: 'db' }),
    ]);
    expect(values(t, WRK)[0]).toEqual({ labels: { comm: 'app' }, value: 1 });
    // pid 2's CPU stays in its command's counter (and in tenths, exactly)
    expect(values(t, WRK_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 0.35 });
    expect(values(t, SQP_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 1.9 });

    // none of app's processes read this time: its gauges are unknown (left out), not 0; its
    // counters stay
    t.setThreads([report({ pid: 3, comm: 'db', workers: 4 })]);
    expect(values(t, WRK)).toEqual([{ labels: { comm: 'db' }, value: 4 }]);
    expect(values(t, SQP)).toEqual([{ labels: { comm: 'db' }, value: 0 }]);
    expect(values(t, WRK_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 0.35 });

    // pid 1 comes back (sampled afresh, its total from 0) and a reused pid's total restarts
    t.setThreads([
      report({ pid: 1, sqpoll: 1, sqpollCpuSec: 0.5 }),
      report({ pid: 3, comm: 'db', workers: 4, workersCpuSec: 2 }),
    ]);
    expect(values(t, SQP_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 2.4 });
    t.setThreads([
      report({ pid: 1, sqpoll: 1, sqpollCpuSec: 0.25 }), // went down: a new process under pid 1
      report({ pid: 3, comm: 'db', workers: 4, workersCpuSec: 2 }),
    ]);
    expect(values(t, SQP_CPU)[0]).toEqual({ labels: { comm: 'app' }, value: 2.65 });
    expect(values(t, WRK_CPU)[1]).toEqual({ labels: { comm: 'db' }, value: 2 });
  });

  it('by process with pid labels; bounded by the same label sets as the counts', () => {
    const t = new MetricTotals(['pid', 'comm', 'opcode']);
    t.setThreads([report({ pid: 1, workers: 2 }), report({ pid: 2, workers: 3 })]);
    expect(values(t, WRK)).toEqual([
      { labels: { pid: '1', comm: 'app' }, value: 2 },
      { labels: { pid: '2', comm: 'app' }, value: 3 },
    ]);
    const f = metricFamilies(t.bound.labels, names, null, { threads: true });
    for (const name of [WRK, SQP, WRK_CPU, SQP_CPU])
      expect(f.find((x) => x.name === name)?.labelNames).toEqual(['pid', 'comm']);

    const bomb = new MetricTotals(['comm', 'opcode']);
    const reports: ThreadReport[] = [];
    for (let i = 0; i < MAX_PROCESS_LABEL_SETS + 10; i++)
      reports.push(report({ pid: i + 1, comm: `r${i.toString(36)}`, workers: 1 }));
    bomb.setThreads(reports);
    const v = values(bomb, WRK);
    expect(v).toHaveLength(MAX_PROCESS_LABEL_SETS + 1);
    expect(v.find((x) => x.labels.comm === OTHER_COMM)?.value).toBe(10);
  });

  it('is left out of an export (families without threads), and has no series before a report', () => {
    const without = metricFamilies(['comm', 'opcode'], names, null).map((f) => f.name);
    for (const name of [WRK, SQP, WRK_CPU, SQP_CPU]) expect(without).not.toContain(name);
    const t = new MetricTotals(['comm', 'opcode']);
    t.add(delta(1, [row({})]));
    for (const name of [WRK, SQP, WRK_CPU, SQP_CPU]) expect(values(t, name)).toEqual([]);
  });

  it('moves the generation on when a report changes a figure, and only then', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    const g0 = t.generation;
    t.setThreads([]);
    expect(t.generation).toBe(g0);
    t.setThreads([report({ workers: 1 })]);
    expect(t.generation).toBe(g0 + 1);
    t.setThreads([report({ workers: 1 })]);
    expect(t.generation).toBe(g0 + 1);
    t.setThreads([report({ workers: 1, workersCpuSec: 0.01 })]);
    expect(t.generation).toBe(g0 + 2);
    t.setThreads([]); // its gauges become unknown
    expect(t.generation).toBe(g0 + 3);
  });
});

describe('the diagnostics families (counted in the kernel)', () => {
  // what the liburing workload's diag set provokes (test/e2e/diagnostics.test.ts), in two seconds
  const diagDeltas = (): CountsDelta[] => [
    delta(1, [
      row({ opcode: 23, ops: 1, write: 4096, punted: 1 }),
      row({ opcode: 22, ops: 3, read: 100, poll: 1, short: 1 }),
      row({ opcode: 255, ops: 2, submitted: 8, overflow: 3 }),
    ]),
    delta(2, [
      row({
        opcode: 22,
        ops: 2,
        errors: 2,
        errnos: [22, 1, 9, 1],
        failed: 1,
        failedErrnos: [22, 1],
        links: 2,
      }),
      row({ opcode: 0, ops: 6, errors: 2, errnos: [125, 2] }),
      row({ opcode: 255, ops: 1, submitted: 8, overflow: 1 }),
      row({ pid: 7, comm: 'db', opcode: 22, ops: 1 }),
    ]),
  ];

  it('sums each per command and opcode from its first count; overflows per command, 0 included', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    for (const d of diagDeltas()) t.add(d);
    const app = (name: string) =>
      Object.fromEntries(
        values(t, name)
          .filter((v) => v.labels.comm === 'app')
          .map((v) => [v.labels.opcode, v.value]),
      );
    expect(app('iouringtop_punted_total')).toEqual({ WRITE: 1 });
    expect(app('iouringtop_poll_armed_total')).toEqual({ READ: 1 });
    expect(app('iouringtop_short_results_total')).toEqual({ READ: 1 });
    expect(app('iouringtop_broken_links_total')).toEqual({ READ: 2 });
    // a series appears with its first count (db has none); it never goes back
    expect(values(t, 'iouringtop_punted_total').map((v) => v.labels.comm)).toEqual(['app']);
    t.add(delta(3, [row({ opcode: 23, ops: 1 })]));
    expect(app('iouringtop_punted_total')).toEqual({ WRITE: 1 });
    expect(values(t, 'iouringtop_init_failures_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ', errno: 'EINVAL' }, value: 1 },
    ]);
    // and the init failure is one of the READ's errors, as in the TUI
    expect(values(t, 'iouringtop_errors_total')).toContainEqual({
      labels: { comm: 'app', opcode: 'READ', errno: 'EINVAL' },
      value: 1,
    });
    expect(values(t, 'iouringtop_cq_overflows_total')).toEqual([
      { labels: { comm: 'app' }, value: 4 },
      { labels: { comm: 'db' }, value: 0 },
    ]);
  });

  it('without the opcode label, a command sums its opcodes; with pid, each process is apart', () => {
    const byComm = new MetricTotals(['comm']);
    for (const d of diagDeltas()) byComm.add(d);
    expect(values(byComm, 'iouringtop_broken_links_total')).toEqual([
      { labels: { comm: 'app' }, value: 2 },
    ]);
    expect(values(byComm, 'iouringtop_init_failures_total')).toEqual([
      { labels: { comm: 'app', errno: 'EINVAL' }, value: 1 },
    ]);
    const byPid = new MetricTotals(['pid', 'comm', 'opcode']);
    for (const d of diagDeltas()) byPid.add(d);
    expect(values(byPid, 'iouringtop_cq_overflows_total')).toEqual([
      { labels: { pid: '100', comm: 'app' }, value: 4 },
      { labels: { pid: '7', comm: 'db' }, value: 0 },
    ]);
    expect(values(byPid, 'iouringtop_punted_total')[0]).toEqual({
      labels: { pid: '100', comm: 'app', opcode: 'WRITE' },
      value: 1,
    });
  });

  it('an init failure without its errno (a kernel whose tracepoint has none) is "unknown"', () => {
    const t = new MetricTotals(['comm', 'opcode']);
    t.add(delta(1, [row({ ops: 1, errors: 1, errnos: [22, 1], failed: 1, failedErrnos: [0, 1] })]));
    expect(values(t, 'iouringtop_init_failures_total')).toEqual([
      { labels: { comm: 'app', opcode: 'READ', errno: 'unknown' }, value: 1 },
    ]);
  });

  it('a diagnostic the capture does not count has no family (n/a, not 0)', () => {
    const DIAG = [
      'iouringtop_punted_total',
      'iouringtop_poll_armed_total',
      'iouringtop_short_results_total',
      'iouringtop_init_failures_total',
      'iouringtop_broken_links_total',
      'iouringtop_cq_overflows_total',
      'iouringtop_other_cqes_total',
      'iouringtop_multishot_ends_total',
    ];
    const namesWith = (diagnostics: typeof ALL_DIAGNOSTICS | null) =>
      metricFamilies(['comm', 'opcode'], names, null, { diagnostics })
        .map((f) => f.name)
        .filter((n) => DIAG.includes(n));
    expect(namesWith(ALL_DIAGNOSTICS)).toEqual(DIAG);
    expect(namesWith(null)).toEqual([]);
    // which are counted, for a dashboard to tell n/a from none
    const counted = (diagnostics: typeof ALL_DIAGNOSTICS | null) => {
      const f = metricFamilies(['comm', 'opcode'], names, null, { diagnostics }).find(
        (x) => x.name === 'iouringtop_diagnostic_counted',
      );
      if (f?.type !== 'gauge') throw new Error('gauge');
      return Object.fromEntries(
        f.read(new MetricTotals(['comm'])).map((v) => [v.labels.diagnostic, v.value]),
      );
    };
    expect(counted(null)).toEqual({
      punted: 0,
      poll_armed: 0,
      short_results: 0,
      init_failures: 0,
      broken_links: 0,
      cq_overflows: 0,
      other_cqes: 0,
      multishot_ends: 0,
    });
    expect(counted({ ...ALL_DIAGNOSTICS, short: false })).toEqual({
      punted: 1,
      poll_armed: 1,
      short_results: 0,
      init_failures: 1,
      broken_links: 1,
      cq_overflows: 1,
      other_cqes: 1,
      multishot_ends: 1,
    });
    // e.g. 5.15 (no opcode in queue_async_work or fail_link, no req_failed, no cqe_overflow) with
    // --no-events (no short)
    expect(
      namesWith({
        punted: false,
        poll: true,
        short: false,
        failed: false,
        links: false,
        overflow: false,
      }),
    ).toEqual(['iouringtop_poll_armed_total']);
    expect(
      metricFamilies(['comm', 'opcode'], names, null, {
        diagnostics: { ...ALL_DIAGNOSTICS, failed: false },
      }).find((f) => f.name === 'iouringtop_init_failures_total'),
    ).toBeUndefined();
  });
});
