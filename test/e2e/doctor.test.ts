/**
 * The doctor end to end, on the real kernel: each pathology workload (test/workload/doctor/, and
 * sqpoll-spin.c) runs under `iouringtop --headless --json --pid <it>`, and `advice` must name
 * its rule for that pid, with evidence equal to the counters the same summary reports (and to
 * what the workload did, where the kernel counts it whole). A healthy O_DIRECT batched fio run
 * gets no warning.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorkload,
  collectOutput,
  exitOf,
  fioFile,
  requireOrSkip,
  runCli,
  tempDir,
  waitFor,
} from './env.js';

const run = requireOrSkip('doctor end-to-end test', ['fio']);

interface Advice {
  rule: string;
  severity: 'warning' | 'info';
  pid: number;
  comm: string;
  opcode?: string;
  ring?: number;
  evidence: Record<string, number | string | null>;
  fix: string;
}
interface Proc {
  pid: number;
  ops: number;
  enter_calls: number;
  batch: number | null;
  punted: number;
  poll: number;
  short: number;
  broken_links: number;
  overflow: number;
}
interface Summary {
  processes: Proc[];
  opcodes: { opcode: string; multishot_ends: number | null }[];
  threads: { pid: number; max_workers: number; sqpoll_cpu_pct: number | null }[];
  error_detail: { pid: number; opcode: string; name: string; count: number }[];
  advice: Advice[];
}

interface Capture {
  pid: number;
  /** The workload's closing JSON line. */
  did: Record<string, number>;
  json: Summary;
  proc: Proc;
  /** The advice for the workload's pid. */
  advice: Advice[];
}

/**
 * Runs `cmd args` (a program that prints "pid N" and waits for a line) under iouringtop
 * --headless --json --pid, attached before it starts; stops the capture when it has exited.
 */
async function capture(cmd: string, args: string[]): Promise<Capture> {
  const w = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // (a program that cannot start fails the test now, not at the wait for its pid)
  const failed = new Promise<never>((_, reject) => w.once('error', reject));
  const wOut = collectOutput(w);
  let cli: ReturnType<typeof runCli> | undefined;
  try {
    const pid = Number((await Promise.race([waitFor(w, 'stdout', /^pid (\d+)$/m), failed]))[1]);
    cli = runCli([
      '--headless',
      '--json',
      '--no-record',
      '--duration',
      '300',
      '--pid',
      String(pid),
    ]);
    const out = collectOutput(cli);
    await waitFor(cli, 'stderr', /^capturing$/m);
    w.stdin.write('go\n');
    const wExit = await exitOf(w);
    expect(wExit.code, wOut.stderr()).toBe(0);
    cli.kill('SIGINT');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    const json = JSON.parse(out.stdout()) as Summary;
    const line = wOut
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('{'));
    const proc = json.processes.find((p) => p.pid === pid);
    if (proc === undefined) throw new Error(`no process ${pid} in the summary: ${out.stdout()}`);
    return {
      pid,
      did: line ? (JSON.parse(line) as Record<string, number>) : {},
      json,
      proc,
      advice: json.advice.filter((a) => a.pid === pid),
    };
  } finally {
    if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (cli && cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGKILL');
      await exitOf(cli);
    }
  }
}

const PROGRAMS = [
  'doc-punts',
  'doc-iowq',
  'doc-overflow',
  'doc-batch1',
  'doc-enobufs',
  'doc-short',
  'doc-fail',
  'doc-links',
  'doc-poll',
];
const bins = new Map<string, string>();
/** A workload's binary (all compiled before the first test). */
const doc = (name: string): string => bins.get(name)!;

/** The one finding of `rule` (and opcode) in the advice. */
function one(c: Capture, rule: string, opcode?: string): Advice {
  const found = c.advice.filter(
    (a) => a.rule === rule && (opcode === undefined || a.opcode === opcode),
  );
  expect(found, JSON.stringify(c.json.advice)).toHaveLength(1);
  return found[0];
}

describe.runIf(run)('the doctor, on workloads made to misbehave', { timeout: 120_000 }, () => {
  beforeAll(() => {
    for (const name of [...PROGRAMS, 'sqpoll-spin'])
      bins.set(name, buildWorkload(name === 'sqpoll-spin' ? name : `doctor/${name}`));
  });

  it('punts: buffered random writes to a sparse file', async () => {
    const c = await capture(doc('doc-punts'), [tempDir('iouringtop-doc-'), '5000']);
    const a = one(c, 'punts', 'WRITE');
    expect(a.severity).toBe('warning');
    expect(a.evidence.punted).toBe(c.proc.punted);
    expect(a.evidence.ops).toBe(5000);
    expect(a.evidence.punted as number).toBeGreaterThan(2500);
  });

  it('iowq_workers: a blocked splice per pipe, over the bounded cap', async () => {
    const cap = 4 * os.availableParallelism();
    const c = await capture(doc('doc-iowq'), [String(cap + 8), '15']);
    const a = one(c, 'iowq_workers');
    expect(a.severity).toBe('warning');
    const t = c.json.threads.find((x) => x.pid === c.pid)!;
    expect(a.evidence.max_workers).toBe(t.max_workers);
    expect(a.evidence.max_workers as number).toBeGreaterThan(cap);
    expect(a.evidence.bounded_cap).toBe(cap);
  });

  it('cq_overflow: 64 NOPs into a CQ of 16, not reaped in time', async () => {
    const c = await capture(doc('doc-overflow'), ['6']);
    const a = one(c, 'cq_overflow');
    expect(a.severity).toBe('warning');
    expect(a.evidence.overflowed).toBe(c.proc.overflow);
    expect(a.evidence.overflowed).toBe(c.did.overflows);
    // fdinfo, read while it ran: the CQ's size, and at most 48 on the overflow list
    expect(a.evidence.cq_entries).toBe(16);
    expect(a.evidence.peak_overflow_list as number).toBeLessThanOrEqual(48);
  });

  it('sqpoll_busy: a poller spinning for a NOP a millisecond', async () => {
    const c = await capture(doc('sqpoll-spin'), ['6']);
    const a = one(c, 'sqpoll_busy');
    expect(a.severity).toBe('warning');
    expect(a.evidence.ops).toBe(c.proc.ops);
    expect(a.evidence.sqpoll_cpu_pct).toBe(
      c.json.threads.find((t) => t.pid === c.pid)!.sqpoll_cpu_pct,
    );
  });

  it('small_batches: one NOP per io_uring_enter', async () => {
    const c = await capture(doc('doc-batch1'), ['3']);
    const a = one(c, 'small_batches');
    expect(a.severity).toBe('warning');
    expect(a.evidence.calls).toBe(c.proc.enter_calls);
    expect(a.evidence.calls).toBe(c.did.calls);
    expect(a.evidence.submitted_per_call).toBe(c.proc.batch);
  });

  it('enobufs: a multishot RECV with two provided buffers', async () => {
    const c = await capture(doc('doc-enobufs'), ['5000']);
    const a = one(c, 'enobufs', 'RECV');
    expect(a.severity).toBe('warning');
    const e = c.json.error_detail.find((x) => x.pid === c.pid && x.name === 'ENOBUFS')!;
    expect(a.evidence.enobufs).toBe(e.count);
    expect(a.evidence.enobufs).toBe(c.did.enobufs);
    // the endings, counted in the kernel: every one the workload saw
    const m = one(c, 'multishot_ends', 'RECV');
    expect(m.severity).toBe('warning');
    expect(m.evidence.ended).toBe(c.json.opcodes.find((o) => o.opcode === 'RECV')!.multishot_ends);
    expect(m.evidence.ended).toBe(c.did.ends);
  });

  it('short_io: READs of 4096 bytes from a file of 1000', async () => {
    const c = await capture(doc('doc-short'), [tempDir('iouringtop-doc-'), '2000']);
    const a = one(c, 'short_io', 'READ');
    expect(a.severity).toBe('info');
    expect(a.evidence.short).toBe(c.proc.short);
  });

  it('failures: READs of a closed descriptor, with the errno', async () => {
    const c = await capture(doc('doc-fail'), ['2000']);
    const a = one(c, 'failures', 'READ');
    expect(a).toMatchObject({ severity: 'warning', evidence: { error: 'EBADF', failed: 2000 } });
    const e = c.json.error_detail.find((x) => x.pid === c.pid && x.name === 'EBADF')!;
    expect(a.evidence.failed).toBe(e.count);
  });

  it('broken_links: chains whose head fails', async () => {
    const c = await capture(doc('doc-links'), ['1000']);
    const a = one(c, 'broken_links', 'READ');
    expect(a.severity).toBe('warning');
    expect(a.evidence.broken).toBe(c.proc.broken_links);
    expect(a.evidence.broken).toBe(c.did.cancelled);
    expect(a.evidence.head_error).toBe('EBADF');
  });

  it('poll_arms: a RECV submitted before its data', async () => {
    const c = await capture(doc('doc-poll'), ['2000']);
    const a = one(c, 'poll_arms', 'RECV');
    expect(a.severity).toBe('info');
    expect(a.evidence.poll_arms).toBe(c.proc.poll);
    expect(a.evidence.poll_arms).toBe(c.did.polls);
  });

  it('gives no warning to a healthy O_DIRECT batched fio run', async () => {
    const dir = tempDir('iouringtop-doc-');
    const file = fioFile(dir, '64M');
    const job = [
      '--name=healthy',
      '--thread',
      '--ioengine=io_uring',
      '--direct=1',
      '--rw=randread',
      '--bs=4k',
      '--iodepth=32',
      '--iodepth_batch_submit=16',
      '--iodepth_batch_complete_min=8',
      '--runtime=4',
      '--time_based',
      `--filename=${file}`,
      `--output=${path.join(dir, 'fio.out')}`,
    ];
    // (a shell that says its pid and waits, then becomes fio: the pid the capture filters on)
    const c = await capture('sh', ['-c', 'echo pid $$; read go; exec fio "$@"', 'sh', ...job]);
    expect(c.proc.ops).toBeGreaterThan(1000);
    expect(c.advice.filter((a) => a.severity === 'warning')).toEqual([]);
  });
});
