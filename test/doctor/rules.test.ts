/**
 * The doctor's rules on recorded counts: test/fixtures/doctor/*.counts.jsonl are the kernel's
 * counts of each pathology workload (test/workload/doctor/), captured live with iouringtop on
 * this project's machine (2 CPUs, kernel 6.18); the bundled demo's are recordings/demo.counts.jsonl.
 * Each rule must fire for the workload's pid with evidence equal to the counts, and the healthy
 * workloads must get no warning.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Doctor, sessionFindings } from '../../source/doctor/doctor.js';
import type { Finding } from '../../source/doctor/finding.js';
import { Model } from '../../source/model/model.js';
import { emptyOpCounts, type CountsDelta } from '../../source/model/counts.js';
import type { Diagnostics, Snapshot } from '../../source/model/snapshot.js';
import { IDLE_THREADS } from '../../source/proc/threads.js';
import type { ProcView, RingView, ThreadInfo, ViewSnapshot } from '../../source/proc/view.js';
import { readCountsFile } from '../../source/record/countsFile.js';
import { ALL_DIAGNOSTICS } from '../model/helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/doctor');
const ROOT = path.resolve(import.meta.dirname, '../..');

async function counts(name: string): Promise<CountsDelta[]> {
  const file = name.includes('/')
    ? path.join(ROOT, name)
    : path.join(FIXTURES, `${name}.counts.jsonl`);
  return readCountsFile(file);
}

/** A model fed the counts, as replay feeds it. */
function modelOf(deltas: CountsDelta[], diagnostics: Diagnostics | null = ALL_DIAGNOSTICS): Model {
  const m = new Model({ aggregate: 'counts' });
  m.setDiagnostics(diagnostics);
  for (const d of deltas) {
    m.advance(d.tsUs - d.intervalUs);
    m.pushCounts(d);
    m.advance(d.tsUs);
  }
  return m;
}

/** The sum of a figure over the counts' rows of `pid` (and `opcode`). */
function sum(
  deltas: CountsDelta[],
  pick: (r: CountsDelta['rows'][number]) => number,
  opcode?: number,
): number {
  let n = 0;
  for (const d of deltas)
    for (const r of d.rows) if (opcode === undefined || r.opcode === opcode) n += pick(r);
  return n;
}

const only = (fs: Finding[], rule: string): Finding[] => fs.filter((f) => f.rule === rule);

const threads = (t: Partial<ThreadInfo>): ThreadInfo => ({ ...IDLE_THREADS, sampledSec: 1, ...t });

/** The snapshot with what /proc said of `pid` live (its threads, its rings). */
function withProc(
  snap: Snapshot,
  pid: number,
  t?: ThreadInfo,
  rings: RingView[] = [],
): ViewSnapshot {
  const proc: ProcView = {
    origin: 'live',
    files: new Map(),
    fileList: [],
    threads: new Map(t ? [[pid, t]] : []),
    threadsSeen: new Map(t ? [[pid, t]] : []),
    rings,
    ringFailures: new Map(),
  };
  return { ...snap, proc };
}

const pidOf = (deltas: CountsDelta[]): number => deltas[0].rows[0].pid;

describe('the doctor on recorded counts', () => {
  it('punts: buffered random writes, every WRITE handed to io-wq', async () => {
    const d = await counts('punts');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'punts');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      severity: 'warning',
      pid: pidOf(d),
      comm: 'doc-punts',
      opcode: 'WRITE',
    });
    expect(f[0].evidence.punted).toBe(sum(d, (r) => r.punted ?? 0, 23));
    expect(f[0].evidence.ops).toBe(sum(d, (r) => r.ops, 23));
    expect(f[0].evidence.punted).toBe(20000);
    expect(f[0].fix).toMatch(/O_DIRECT/);
    expect(f[0].fix).toMatch(/IORING_REGISTER_IOWQ_MAX_WORKERS/);
  });

  it('punts of an opcode that always runs in a worker are info, not a warning', async () => {
    const d = await counts('iowq');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'punts');
    expect(f).toEqual([expect.objectContaining({ severity: 'info', opcode: 'SPLICE' })]);
    expect(f[0].evidence.punted).toBe(480);
  });

  it('iowq_workers: 32 workers on 2 CPUs (the bounded cap is 8)', async () => {
    const d = await counts('iowq');
    const pid = pidOf(d);
    const snap = withProc(modelOf(d).snapshot(), pid, threads({ workers: 32, maxWorkers: 32 }));
    const f = only(sessionFindings(snap, undefined, 2), 'iowq_workers');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', pid })]);
    expect(f[0].evidence).toMatchObject({ max_workers: 32, bounded_cap: 8, cpus: 2 });
    // on 16 CPUs the cap is 64: 32 workers are within it
    expect(only(sessionFindings(snap, undefined, 16), 'iowq_workers')).toEqual([]);
  });

  it('cq_overflow: the overflowed CQEs, the CQ size and the peak from fdinfo', async () => {
    const d = await counts('overflow');
    const pid = pidOf(d);
    const model = modelOf(d);
    const plain = only(sessionFindings(model.snapshot()), 'cq_overflow');
    expect(plain).toEqual([expect.objectContaining({ severity: 'warning', pid })]);
    expect(plain[0].evidence.overflowed).toBe(sum(d, (r) => r.overflow ?? 0));
    expect(plain[0].evidence.overflowed).toBe(960000);
    // live: fdinfo read each tick (16 entries, 48 on the overflow list at the peak)
    const ring = { pid, fd: 3, cqEntries: 16, cqPending: 16, overflow: 48, polls: 0, files: [] };
    const doctor = new Doctor({ cpus: 2 });
    doctor.observe(withProc(model.snapshot(), pid, undefined, [ring]));
    const f = only(doctor.session(model.snapshot()), 'cq_overflow');
    expect(f[0]).toMatchObject({ ring: 3 });
    expect(f[0].evidence).toMatchObject({
      cq_entries: 16,
      peak_overflow_list: 48,
      overflowed: 960000,
    });
    expect(f[0].fix).toMatch(/IORING_SETUP_CQSIZE/);
    expect(f[0].fix).toMatch(/at least 64 entries/);
  });

  it('sqpoll_busy: a poller at 94% of a CPU for a few hundred NOPs a second', async () => {
    const d = await counts('sqpoll');
    const pid = pidOf(d);
    const model = modelOf(d);
    const t = threads({ sqpoll: 1, maxSqpoll: 1, sqpollAvgCpuPct: 93.6, sqpollCpuPct: 93.6 });
    const f = only(sessionFindings(withProc(model.snapshot(), pid, t)), 'sqpoll_busy');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', pid })]);
    const ops = sum(d, (r) => r.ops, 0);
    expect(f[0].evidence.ops).toBe(ops);
    expect(f[0].evidence.cpu_us_per_op as number).toBeGreaterThan(1000);
    expect(f[0].fix).toMatch(/sq_thread_idle/);
    // the same CPU for 100 times the operations: SQPOLL pays
    const busy = { ...model.snapshot() };
    const p = { ...busy.processes[0], total: { ...busy.processes[0].total, ops: ops * 100 } };
    expect(
      only(sessionFindings(withProc({ ...busy, processes: [p] }, pid, t)), 'sqpoll_busy'),
    ).toEqual([]);
  });

  it('small_batches: one NOP per io_uring_enter at 17 K calls a second', async () => {
    const d = await counts('batch1');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'small_batches');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', pid: pidOf(d) })]);
    const calls = sum(d, (r) => r.ops, 255);
    expect(f[0].evidence.calls).toBe(calls);
    expect(f[0].evidence.submitted).toBe(sum(d, (r) => r.submitted, 255));
    expect(f[0].evidence.submitted_per_call).toBe(1);
  });

  it('enobufs: a multishot RECV with too few provided buffers', async () => {
    const d = await counts('enobufs');
    const fs = sessionFindings(modelOf(d).snapshot());
    const f = only(fs, 'enobufs');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', opcode: 'RECV' })]);
    expect(f[0].evidence.enobufs).toBe(3000);
    // ENOBUFS is the enobufs rule's, not a failure
    expect(only(fs, 'failures')).toEqual([]);
  });

  it('multishot_ends: the same RECV ended (no IORING_CQE_F_MORE) every fifth CQE', async () => {
    const d = await counts('enobufs');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'multishot_ends');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', opcode: 'RECV' })]);
    // 3000 rounds: each ended by ENOBUFS, and the last by the peer's close
    expect(f[0].evidence.ended).toBe(sum(d, (r) => r.msEnds ?? 0, 27));
    expect(f[0].evidence).toMatchObject({
      ended: 3001,
      cqes: 15001,
      enobufs: 3000,
      cqes_per_arm: 5,
    });
    expect(f[0].fix).toMatch(/ENOBUFS/);
    // not counted (a recording from before): no finding, whatever the other figures say
    const without = { ...ALL_DIAGNOSTICS, msEnds: false };
    expect(only(sessionFindings(modelOf(d, without).snapshot()), 'multishot_ends')).toEqual([]);
  });

  it('short_io: READs of 4096 bytes from a file of 1000', async () => {
    const d = await counts('short');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'short_io');
    expect(f).toEqual([expect.objectContaining({ severity: 'info', opcode: 'READ' })]);
    expect(f[0].evidence.short).toBe(sum(d, (r) => r.short ?? 0, 22));
  });

  it('failures: READs of a closed descriptor, with the errno', async () => {
    const d = await counts('fail');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'failures');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', opcode: 'READ' })]);
    expect(f[0].evidence).toMatchObject({ failed: 20000, error: 'EBADF', errno: 9 });
    expect(f[0].fix).toMatch(/not open/);
  });

  it('broken_links: chains whose failing READ cancelled the NOPs after it', async () => {
    const d = await counts('links');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'broken_links');
    expect(f).toEqual([expect.objectContaining({ severity: 'warning', opcode: 'READ' })]);
    expect(f[0].evidence).toMatchObject({ broken: 20000, head_error: 'EBADF', head_failed: 10000 });
    expect(f[0].evidence.broken).toBe(sum(d, (r) => r.links ?? 0));
  });

  it('poll_arms: a RECV submitted before its data, every time', async () => {
    const d = await counts('poll');
    const f = only(sessionFindings(modelOf(d).snapshot()), 'poll_arms');
    expect(f).toEqual([expect.objectContaining({ severity: 'info', opcode: 'RECV' })]);
    expect(f[0].evidence.poll_arms).toBe(sum(d, (r) => r.poll ?? 0, 27));
    expect(f[0].fix).toMatch(/multishot/);
  });

  it('gives no warning to a healthy O_DIRECT batched fio run', async () => {
    const d = await counts('fio-healthy');
    const snap = withProc(modelOf(d).snapshot(), pidOf(d), threads({}), [
      { pid: pidOf(d), fd: 7, cqEntries: 32, cqPending: 32, overflow: 0, polls: 0, files: [] },
    ]);
    expect(sessionFindings(snap, undefined, 2)).toEqual([]);
  });

  it("gives no warning to the bundled demo's processes", async () => {
    const d = await counts('recordings/demo.counts.jsonl');
    const fs = sessionFindings(modelOf(d, null).snapshot());
    expect(fs.filter((f) => f.severity === 'warning')).toEqual([]);
  });
});

describe('the doctor over time', () => {
  /** A delta of `calls` io_uring_enter calls of one operation each, over a second. */
  const second = (t: number, calls: number): CountsDelta => ({
    tsUs: t,
    intervalUs: 1_000_000,
    rows: [
      { ...emptyOpCounts(7, 'app', 255), ops: calls, submitted: calls },
      { ...emptyOpCounts(7, 'app', 0), ops: calls },
    ],
  });

  it('holds a finding between its on and off levels (no flapping)', () => {
    const m = new Model({ aggregate: 'counts' });
    m.setDiagnostics(ALL_DIAGNOSTICS);
    const doctor = new Doctor({ windowUs: 1_000_000 });
    const T0 = 1_700_000_000_000_000;
    // calls a second: under on (5000), over on, between off (2500) and on, under off
    const rates = [4000, 6000, 4000, 3000, 4500, 2000];
    const seen: boolean[] = [];
    rates.forEach((rate, i) => {
      const t = T0 + (i + 1) * 1_000_000;
      m.pushCounts(second(t, rate));
      m.advance(t);
      seen.push(only([...doctor.observe(m.snapshot())], 'small_batches').length === 1);
    });
    expect(seen).toEqual([false, true, true, true, true, false]);
  });
});
