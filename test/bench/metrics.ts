/**
 * `npm run bench:metrics`: what the exporter costs.
 *
 *   node dist/test/bench/metrics.js [--storm] [--runs 3] [--nops 3000000] [--scrapers 50]
 *
 * 1. /metrics rendering (no root): the running totals filled with synthetic processes, served by
 *    the real server on a port of 127.0.0.1; for each size, the series served, the bytes of the
 *    text and of OpenMetrics, and the time a scrape takes when the totals changed since the last
 *    one (a rendering; scrapes between two changes share it), in wall-clock and CPU time (the CPU
 *    time of the process, the scraper's side included, moves less with the machine's load).
 * 2. --storm (root, bpftrace): a NOP storm (test/workload/nop-storm.c) under
 *    `iouringtop --headless --json --no-record --pid <storm> --metrics 127.0.0.1:PORT`, with no
 *    scraper and with SCRAPERS scraping back to back; per run, in an order rotated by the run:
 *    NOPs the kernel counted (against those the storm made), events received and lost, scrapes
 *    answered. Runs on a quiet machine only: anything else running moves the figures.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { metricFamilies } from '../../source/metrics/families.js';
import { MetricsServer } from '../../source/metrics/server.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import type { LabelName } from '../../source/metrics/labels.js';
import type { OpCounts } from '../../source/model/counts.js';
import { bucketOf } from '../../source/model/histogram.js';
import { OpcodeTable, opcodeDirection } from '../../source/model/opcodes.js';
import { ALL_DIAGNOSTICS } from '../model/helpers.js';
import { compileWorkload } from '../workload/build.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const RUNS = Number(arg('runs', '3'));
const NOPS = Number(arg('nops', '3000000'));
const SCRAPERS = Number(arg('scrapers', '50'));

function get(port: number, accept?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        headers: accept ? { Accept: accept } : {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const OPCODES = [22, 23, 1, 2, 3, 18, 19, 21, 26, 27, 13, 6];

/**
 * Totals for `procs` processes (each its own command name) using `ops` opcodes each; with
 * `diagnostics`, every diagnostic happened on every process and opcode (short: on those with a
 * length), with one init failure each: the most series they can make.
 */
function totalsFor(
  labels: LabelName[],
  procs: number,
  ops: number,
  diagnostics: boolean,
): MetricTotals {
  const t = new MetricTotals(labels);
  const rows: OpCounts[] = [];
  for (let p = 0; p < procs; p++)
    for (const opcode of OPCODES.slice(0, ops))
      rows.push({
        pid: 1000 + p,
        comm: `svc-${p % 1000}`,
        opcode,
        ops: 1000 + p,
        read: 4096 * p,
        write: 0,
        errors: 2,
        submitted: 0,
        errnos: [11, 1, 5, 1],
        latency: [bucketOf(2_000), 10, bucketOf(90_000), 5, bucketOf(3_000_000), 1],
        ...(diagnostics
          ? {
              punted: 3,
              poll: 1,
              short: opcodeDirection(opcode) === 'none' ? 0 : 1,
              links: 1,
              overflow: 0,
              failed: 1,
              failedErrnos: [22, 1],
            }
          : {}),
      });
  t.add({ tsUs: Date.now() * 1000, intervalUs: 1_000_000, rows });
  t.setCapture({ lost: 0, dropped: 0 });
  // as live: every process looked at in /proc (each with an SQPOLL thread and two workers)
  t.setThreads(
    Array.from({ length: procs }, (_, p) => ({
      pid: 1000 + p,
      comm: `svc-${p % 1000}`,
      workers: 2,
      sqpoll: 1,
      workersCpuSec: p / 100,
      sqpollCpuSec: p / 10,
    })),
  );
  return t;
}

async function rendering(): Promise<void> {
  console.log('/metrics rendering (a scrape after the totals changed; medians of 15)');
  console.log(
    'labels            processes x opcodes  diagnostics  series   text       OpenMetrics  scrape ms CPU ms',
  );
  // (diagnostics: none happened, or every one everywhere; every one is counted either way)
  const cases: [LabelName[], number, number, boolean][] = [
    [['comm', 'opcode'], 10, 8, false],
    [['comm', 'opcode'], 10, 8, true],
    [['comm', 'opcode'], 100, 8, true],
    [['pid', 'comm', 'opcode'], 1000, 8, false],
    [['pid', 'comm', 'opcode'], 1000, 8, true],
    [['pid', 'comm', 'opcode'], 1000, 12, true],
  ];
  const info = { version: '0.1.0', tier: '1', bpftrace: 'v0.17.0', kernel: os.release() };
  for (const [labels, procs, ops, diagnostics] of cases) {
    const totals = totalsFor(labels, procs, ops, diagnostics);
    const server = await MetricsServer.start(
      { host: '127.0.0.1', port: 0 },
      totals,
      metricFamilies(labels, new OpcodeTable(), info, {
        threads: true,
        diagnostics: ALL_DIAGNOSTICS,
      }),
    );
    const port = server.address.port;
    const times: number[] = [];
    const cpu: number[] = [];
    let text = '';
    for (let i = 0; i < 15; i++) {
      totals.setCapture({ lost: i + 1, dropped: 0 }); // a change: the next scrape renders
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      text = (await get(port)).body;
      const c = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    const om = (await get(port, 'application/openmetrics-text')).body;
    await server.close();
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(
      `${labels.join(',').padEnd(18)}${`${procs} x ${ops}`.padEnd(21)}` +
        `${(diagnostics ? 'everywhere' : 'none').padEnd(13)}${String(series).padEnd(9)}` +
        `${kib(Buffer.byteLength(text)).padEnd(11)}${kib(Buffer.byteLength(om)).padEnd(13)}` +
        `${median(times).toFixed(1).padEnd(10)}${median(cpu).toFixed(1)}`,
    );
  }
}

interface StormRun {
  scrapers: number;
  nops: number;
  counted: number;
  events: number;
  lost: number;
  scrapes: number;
  failed: number;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function waitStderr(child: ReturnType<typeof spawn>, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) {
        child.stderr!.off('data', on);
        resolve();
      }
    };
    child.stderr!.on('data', on);
    child.once('exit', () => reject(new Error(`exited before ${re}: ${text}`)));
  });
}

async function stormRun(storm: string, scrapers: number): Promise<StormRun> {
  const nop = spawn(storm, [String(NOPS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let nopOut = '';
  nop.stdout.on('data', (d: Buffer) => (nopOut += d.toString()));
  while (!/^pid \d+$/m.test(nopOut)) await new Promise((r) => setTimeout(r, 20));
  const pid = /^pid (\d+)$/m.exec(nopOut)![1];
  const port = await freePort();
  const cli = spawn(
    process.execPath,
    [CLI, '--headless', '--json', '--no-record', '--pid', pid, '--metrics', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitStderr(cli, /^capturing$/m);
  let done = false;
  let scrapes = 0;
  let failed = 0;
  const scraper = async (i: number) => {
    while (!done) {
      const r = await get(port, i % 2 === 0 ? 'application/openmetrics-text' : undefined).catch(
        () => ({ status: 0 }),
      );
      if (r.status === 200) scrapes++;
      else failed++;
    }
  };
  const scraping = Promise.all(Array.from({ length: scrapers }, (_, i) => scraper(i)));
  nop.stdin.write('go\n');
  await new Promise((r) => nop.once('exit', r));
  done = true;
  await scraping;
  const made = JSON.parse(nopOut.split('\n').find((l) => l.startsWith('{'))!) as { nops: number };
  cli.kill('SIGINT');
  await new Promise((r) => cli.once('exit', r));
  const sum = JSON.parse(out) as {
    opcodes: { opcode: string; ops: number }[];
    figures: { events: number };
    capture: { lost: number };
  };
  return {
    scrapers,
    nops: made.nops,
    counted: sum.opcodes.find((o) => o.opcode === 'NOP')?.ops ?? 0,
    events: sum.figures.events,
    lost: sum.capture.lost,
    scrapes,
    failed,
  };
}

async function storms(): Promise<void> {
  const storm = compileWorkload(ROOT, 'nop-storm');
  console.log(`\nNOP storm of ${NOPS} under --metrics, ${RUNS} runs (order rotated by run)`);
  console.log('scrapers  NOPs counted/made     events received  events lost  scrapes (failed)');
  const runs: StormRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? [0, SCRAPERS] : [SCRAPERS, 0];
    for (const n of order) {
      const x = await stormRun(storm, n);
      runs.push(x);
      console.log(
        `${String(x.scrapers).padEnd(10)}${`${x.counted}/${x.nops}`.padEnd(22)}` +
          `${String(x.events).padEnd(17)}${String(x.lost).padEnd(13)}${x.scrapes} (${x.failed})`,
      );
    }
  }
  for (const n of [0, SCRAPERS]) {
    const mine = runs.filter((x) => x.scrapers === n);
    console.log(
      `median with ${n} scrapers: ${median(mine.map((x) => x.lost))} lost of ` +
        `${median(mine.map((x) => x.nops))}, ${median(mine.map((x) => x.events))} received`,
    );
  }
}

await rendering();
if (process.argv.includes('--storm')) await storms();
