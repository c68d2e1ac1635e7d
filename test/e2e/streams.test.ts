/**
 * Issue #28 against the real kernel: --interval's JSON Lines over a live NOP storm (the intervals
 * add up to the summary to the operation, and a replay prints the same lines), a reader that
 * closes the pipe, --cgroup with workloads moved into cgroup v2 directories made here (and
 * removed after), and two --comm names among three workloads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCgroup2Mount } from '../../source/proc/cgroup.js';
import { freePort, httpGet } from './prometheus.js';
import {
  bpftraceUnder,
  eventually,
  buildWorkload,
  collectOutput,
  exitOf,
  requireOrSkip,
  runCli,
  tempDir,
  uniqueCommand,
  waitFor,
  waitGone,
} from './env.js';

const run = requireOrSkip('streams (--interval, --cgroup, --comm lists)');

interface Row {
  ops: number;
  opcode?: string;
  code?: number;
  pid?: number;
  command?: string;
  cgroup?: string | null;
}
interface Doc {
  type?: string;
  totals: { operations: number };
  opcodes: Row[];
  processes: Row[];
  cgroups?: { cgroup: string | null; processes: number; ops: number }[];
  capture: { lost: number } | null;
}

const nopsOf = (d: Doc): number => d.opcodes.find((o) => o.opcode === 'NOP')?.ops ?? 0;

/** A NOP storm waiting for "go" (`slow`: 1 ms timeouts before the NOPs, so it lives longer). */
async function storm(
  count: number,
  slow = 0,
  bin = buildWorkload('nop-storm'),
): Promise<{ child: ChildProcess; pid: number; out: () => string }> {
  const child = spawn(bin, [String(count), '32', String(slow)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(child);
  const out = collectOutput(child);
  const pid = Number((await waitFor(child, 'stdout', /^pid (\d+)$/m))[1]);
  return { child, pid, out: out.stdout };
}

async function go(s: { child: ChildProcess; out: () => string }): Promise<number> {
  s.child.stdin!.write('go\n');
  const e = await exitOf(s.child);
  expect(e.code).toBe(0);
  return (
    JSON.parse(
      s
        .out()
        .split('\n')
        .find((l) => l.startsWith('{')) ?? '{}',
    ) as { nops: number }
  ).nops;
}

const started: ChildProcess[] = [];
/** The captures started: a test that fails before its SIGINT leaves them running otherwise. */
const clis: ChildProcess[] = [];
const cgroupDirs: string[] = [];
afterAll(async () => {
  // a capture asked to stop stops its bpftrace and removes its program file
  const running = clis.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGINT');
  await Promise.all(running.map((c) => exitOf(c)));
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // the deepest first: a cgroup goes once it has no processes and no children
  for (const d of cgroupDirs.reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // (still busy: a process that did not exit yet; the test failed already)
    }
  }
});

/** Starts the CLI and waits until its probes are attached; returns it and its bpftrace. */
async function attached(args: string[]) {
  const cli = runCli(args);
  clis.push(cli);
  const out = collectOutput(cli);
  const m = await waitFor(cli, 'stderr', /^(recording to (.+\.csv)|capturing)$/m);
  const bpf = bpftraceUnder(cli.pid!);
  expect(bpf).toHaveLength(1);
  return { cli, out, recording: m[2], bpf };
}

const lines = (text: string): Doc[] =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Doc);

describe.runIf(run)('--interval over a live capture', () => {
  it('prints JSON Lines whose intervals add up to the summary, and replays to the same lines', async () => {
    const s = await storm(2_000_000);
    const dir = tempDir('iouringtop-streams-');
    const { cli, out, recording } = await attached([
      '--headless',
      '--interval',
      '1',
      '--json',
      '--duration',
      '60',
      '--pid',
      String(s.pid),
      '--output-dir',
      dir,
    ]);
    // stopped once the storm has ended and five reports are out: a stop by --duration 6 could
    // fall before the storm's end on a loaded machine (CI: 1 896 931 of 2 000 000 counted)
    const nops = await go(s);
    const reports = () =>
      out
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{"type":"interval"'));
    for (const end = Date.now() + 60_000; reports().length < 5;) {
      if (Date.now() > end) throw new Error(`five reports: ${out.stdout()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    cli.kill('SIGINT');
    const e = await exitOf(cli);
    expect(e.code, out.stderr()).toBe(0);
    const docs = lines(out.stdout());
    const intervals = docs.filter((d) => d.type === 'interval');
    const summary = docs[docs.length - 1];
    expect(summary.type).toBe('summary');
    expect(docs.slice(0, -1)).toEqual(intervals);
    expect(intervals.length).toBeGreaterThanOrEqual(5);
    // to the operation: the intervals, the summary and the workload's own count
    expect(intervals.reduce((n, d) => n + nopsOf(d), 0)).toBe(nopsOf(summary));
    expect(nopsOf(summary)).toBe(nops);
    expect(intervals.reduce((n, d) => n + d.totals.operations, 0)).toBe(summary.totals.operations);
    expect(intervals.reduce((n, d) => n + (d.capture?.lost ?? 0), 0)).toBe(summary.capture?.lost);
    // the same lines from the recording
    expect(recording).toBeDefined();
    const replay = runCli(['--replay', recording, '--headless', '--interval', '1', '--json']);
    const rOut = collectOutput(replay);
    expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
    const replayed = rOut.stdout().split('\n');
    expect(replayed.slice(0, intervals.length)).toEqual(
      out.stdout().split('\n').slice(0, intervals.length),
    );
    expect(nopsOf(lines(rOut.stdout()).pop()!)).toBe(nops);
  }, 120_000);

  it('ends cleanly when its reader closes the pipe: exit 0, no stack trace, bpftrace gone', async () => {
    const { cli, out, bpf } = await attached(['--interval', '1', '--no-record']);
    // the first report read, the reader leaves (as `| head -1` would)
    await waitFor(cli, 'stdout', /\n/);
    cli.stdout!.destroy();
    const e = await exitOf(cli);
    expect(e.code, out.stderr()).toBe(0);
    expect(out.stderr()).not.toMatch(/Error|at .*\.js:\d+/);
    expect(await waitGone(bpf)).toEqual([]);
  }, 60_000);
});

describe.runIf(run)('--cgroup', () => {
  it('captures the processes of a cgroup and its descendants only, names them, and replay shows it', async () => {
    const mount = await findCgroup2Mount();
    if (mount === undefined) throw new Error('this machine has no cgroup v2 mount');
    const name = `/iouringtop-e2e-${process.pid}`;
    const top = path.join(mount, name);
    const inner = path.join(top, 'inner');
    mkdirSync(top);
    cgroupDirs.push(top);
    mkdirSync(inner);
    cgroupDirs.push(inner);
    const dir = tempDir('iouringtop-cgroup-');
    const { cli, out, recording } = await attached([
      '--headless',
      '--json',
      '--cgroup',
      name,
      '--output-dir',
      dir,
    ]);
    // (slow: alive a few seconds, so that /proc is read for it while it runs)
    const a = await storm(20_000, 1500);
    const b = await storm(20_000, 1500);
    const c = await storm(20_000, 1500);
    writeFileSync(path.join(top, 'cgroup.procs'), String(a.pid));
    writeFileSync(path.join(inner, 'cgroup.procs'), String(c.pid));
    const done = await Promise.all([go(a), go(b), go(c)]);
    expect(done).toEqual([20_000, 20_000, 20_000]);
    cli.kill('SIGINT');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    const doc = JSON.parse(out.stdout()) as Doc;
    const rows = (d: Doc) =>
      d.processes.map((p) => [p.pid, p.cgroup, p.ops]).sort((x, y) => Number(x[0]) - Number(y[0]));
    expect(rows(doc)).toEqual(
      [
        // its NOPs and its 1 ms timeouts
        [a.pid, name, 21_500],
        [c.pid, `${name}/inner`, 21_500],
      ].sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    expect(doc.processes.some((p) => p.pid === b.pid)).toBe(false);
    expect(doc.cgroups?.map((g) => [g.cgroup, g.processes, g.ops])).toEqual([
      [name, 1, 21_500],
      [`${name}/inner`, 1, 21_500],
    ]);
    // replay: the sidecar kept them
    const replay = runCli(['--replay', recording, '--headless', '--json']);
    const rOut = collectOutput(replay);
    expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
    expect(rows(JSON.parse(rOut.stdout()) as Doc), rOut.stderr()).toEqual(rows(doc));
  }, 120_000);

  it('names the series by cgroup in the exporter (--metrics-labels cgroup,opcode)', async () => {
    const mount = await findCgroup2Mount();
    if (mount === undefined) throw new Error('this machine has no cgroup v2 mount');
    const name = `/iouringtop-e2e-metrics-${process.pid}`;
    mkdirSync(path.join(mount, name));
    cgroupDirs.push(path.join(mount, name));
    const port = await freePort();
    const s = await storm(30_000, 1000);
    writeFileSync(path.join(mount, name, 'cgroup.procs'), String(s.pid));
    const { cli, out } = await attached([
      '--headless',
      '--no-record',
      '--no-events',
      '--pid',
      String(s.pid),
      '--metrics',
      String(port),
      '--metrics-labels',
      'cgroup,opcode',
    ]);
    expect(await go(s)).toBe(30_000);
    const series = `iouringtop_operations_total{cgroup="${name}",opcode="NOP"} 30000`;
    const body = await eventually(async () => {
      const r = await httpGet(port, '/metrics');
      return r.body.includes(series) ? r.body : undefined;
    }, `${series} in /metrics`);
    expect(body).not.toMatch(/[{,]pid="/);
    expect(body).not.toMatch(/[{,]comm="/);
    cli.kill('SIGINT');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
  }, 120_000);

  it('refuses a path that is not a cgroup, in one line', async () => {
    const cli = runCli(['--headless', '--cgroup', '/no/such/cgroup-here', '--no-record']);
    const out = collectOutput(cli);
    expect((await exitOf(cli)).code).toBe(2);
    expect(out.stderr()).toMatch(
      /^iouringtop: --cgroup "\/no\/such\/cgroup-here": no such cgroup \([^\n]*\)[^\n]*\n$/,
    );
  });
});

describe.runIf(run)('several --comm names', () => {
  it('captures the two named, not a third', async () => {
    const bin = buildWorkload('nop-storm');
    const [x, y, z] = ['cx', 'cy', 'cz'].map((p) => uniqueCommand(bin, p));
    const { cli, out } = await attached([
      '--headless',
      '--json',
      '--no-record',
      '--comm',
      `${x.comm},${y.comm}`,
    ]);
    const runs = await Promise.all([x, y, z].map((w) => storm(30_000, 0, w.path)));
    await Promise.all(runs.map(go));
    cli.kill('SIGINT');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    const doc = JSON.parse(out.stdout()) as Doc;
    const byCommand = doc.processes.map((p) => [p.command, p.ops]).sort();
    expect(byCommand).toEqual(
      [
        [x.comm, 30_000],
        [y.comm, 30_000],
      ].sort(),
    );
    expect(nopsOf(doc)).toBe(60_000);
  }, 120_000);
});
