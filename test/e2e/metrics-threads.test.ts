/**
 * The exporter's io_uring thread families end to end, with real bpftrace and real threads: the
 * liburing workload uring-files, whose SQPOLL ring has one iou-sqp thread and whose IOSQE_ASYNC
 * write is punted to an iou-wrk worker, shows both at /metrics under its command, as /proc shows
 * them; once it exits its gauges go and its CPU counters stay. Node's libuv ring
 * (UV_USE_IO_URING=1) under a steady file-system load gives an SQPOLL thread that works, whose
 * CPU counter grows and never goes down.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  collectOutput,
  eventually,
  exitOf,
  requireOrSkip,
  ROOT,
  runCli,
  tempDir,
  waitFor,
  waitGone,
} from './env.js';
import { freePort, httpGet } from './prometheus.js';

const run = requireOrSkip('the exporter’s thread metrics', ['promtool']);

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** The io_uring threads of a process as the test reads /proc: count and CPU seconds by kind. */
function threadsOf(pid: number): Record<'wrk' | 'sqp', { n: number; cpuSec: number }> {
  const out = { wrk: { n: 0, cpuSec: 0 }, sqp: { n: 0, cpuSec: 0 } };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // the thread ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kind = comm.startsWith('iou-wrk-') ? 'wrk' : comm.startsWith('iou-sqp-') ? 'sqp' : null;
    if (kind === null) continue;
    out[kind].n++;
    out[kind].cpuSec += (Number(f[11]) + Number(f[12])) / 100;
  }
  return out;
}

/** A sample's value at /metrics, or undefined when the series is not there. */
function sampleOf(body: string, name: string, comm: string): number | undefined {
  const m = new RegExp(`^${name}\\{comm="${comm}"\\} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
}

/** Starts iouringtop as an exporter of `pid`; resolves once it captures. */
async function exporterOf(pid: number) {
  const port = await freePort();
  const cli = runCli([
    '--headless',
    '--no-record',
    '--no-events',
    '--pid',
    String(pid),
    '--metrics',
    `127.0.0.1:${port}`,
  ]);
  children.push(cli);
  const out = collectOutput(cli);
  await waitFor(cli, 'stderr', /^capturing$/m);
  const ours = bpftraceUnder(cli.pid!);
  expect(ours).toHaveLength(1);
  const metrics = async () => (await httpGet(port, '/metrics')).body;
  const stop = async () => {
    cli.kill('SIGTERM');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    expect(await waitGone(ours)).toEqual([]);
  };
  return { metrics, stop };
}

describe.runIf(run)('--metrics: io_uring threads, from /proc (real bpftrace)', () => {
  it('uring-files: its iou-sqp thread and iou-wrk worker as /proc shows them; after it exits, the CPU counters stay', async () => {
    const bin = buildWorkload('uring-files');
    const work = spawn(bin, [tempDir('iouringtop-mthreads-')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(work);
    const wOut = collectOutput(work);
    const pid = Number((await waitFor(work, 'stdout', /^pid (\d+)$/m))[1]);
    const exporter = await exporterOf(pid);
    try {
      work.stdin.write('go\n');
      await waitFor(work, 'stdout', /^done fd/m);
      // the process is looked at in /proc once the capture has counted its operations
      const body = await eventually(async () => {
        const b = await exporter.metrics();
        const before = threadsOf(pid);
        const wrk = sampleOf(b, 'iouringtop_iowq_worker_threads', 'uring-files');
        const sqp = sampleOf(b, 'iouringtop_sqpoll_threads', 'uring-files');
        // (io-wq workers come and go: what /proc shows just after the scrape)
        return wrk === before.wrk.n && wrk >= 1 && sqp === 1 ? b : undefined;
      }, 'one iou-sqp thread and the iou-wrk workers at /metrics');
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      expect(body).toContain('# TYPE iouringtop_iowq_worker_threads gauge\n');
      expect(body).toContain('# TYPE iouringtop_sqpoll_cpu_seconds_total counter\n');
      // CPU since the exporter first looked: at most what the SQPOLL thread used in its life
      const sqpCpu = sampleOf(body, 'iouringtop_sqpoll_cpu_seconds_total', 'uring-files');
      const wrkCpu = sampleOf(body, 'iouringtop_iowq_worker_cpu_seconds_total', 'uring-files');
      expect(sqpCpu).toBeGreaterThanOrEqual(0);
      expect(wrkCpu).toBeGreaterThanOrEqual(0);
      expect(sqpCpu).toBeLessThanOrEqual(threadsOf(pid).sqp.cpuSec);
      console.log(
        `uring-files at /metrics: ${sampleOf(body, 'iouringtop_iowq_worker_threads', 'uring-files')} iou-wrk (${wrkCpu} s CPU), 1 iou-sqp (${sqpCpu} s CPU)`,
      );

      // it exits: its gauges go (nobody to read), its counters stay
      work.stdin.end();
      expect((await exitOf(work)).code, wOut.stderr()).toBe(0);
      const after = await eventually(async () => {
        const b = await exporter.metrics();
        return sampleOf(b, 'iouringtop_sqpoll_threads', 'uring-files') === undefined
          ? b
          : undefined;
      }, 'its thread gauges to go');
      expect(sampleOf(after, 'iouringtop_iowq_worker_threads', 'uring-files')).toBeUndefined();
      expect(
        sampleOf(after, 'iouringtop_sqpoll_cpu_seconds_total', 'uring-files'),
      ).toBeGreaterThanOrEqual(sqpCpu!);
      expect(
        sampleOf(after, 'iouringtop_iowq_worker_cpu_seconds_total', 'uring-files'),
      ).toBeGreaterThanOrEqual(wrkCpu!);
    } finally {
      await exporter.stop();
    }
  });

  it('Node (libuv’s SQPOLL ring) under load: the SQPOLL CPU counter grows, never down', async () => {
    const dir = tempDir('iouringtop-mthreads-node-');
    const node = spawn(
      process.execPath,
      [path.join(ROOT, 'test/workload/node-fs-workload.mjs'), dir, '600', '200'],
      { env: { ...process.env, UV_USE_IO_URING: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(node);
    const exporter = await exporterOf(node.pid!);
    try {
      // libuv makes its SQPOLL ring at the first file operation
      const sqp = await eventually(() => {
        const t = threadsOf(node.pid!).sqp.n;
        return t > 0 ? t : undefined;
      }, "Node's iou-sqp thread");
      let last = 0;
      const grown = await eventually(
        async () => {
          const b = await exporter.metrics();
          const cpu = sampleOf(b, 'iouringtop_sqpoll_cpu_seconds_total', 'node');
          if (cpu === undefined) return undefined;
          expect(cpu).toBeGreaterThanOrEqual(last);
          last = cpu;
          expect(sampleOf(b, 'iouringtop_sqpoll_threads', 'node')).toBe(sqp);
          return cpu > 0 ? cpu : undefined;
        },
        'the SQPOLL CPU counter to grow',
        60_000,
      );
      expect(grown).toBeLessThanOrEqual(threadsOf(node.pid!).sqp.cpuSec);
      console.log(`node's SQPOLL thread at /metrics: ${grown} s CPU`);
    } finally {
      node.kill('SIGKILL');
      await exitOf(node);
      await exporter.stop();
    }
  });
});
