/**
 * `npm run bench:overhead` (root): what tracing costs the traced. Runs real workloads untraced,
 * under a bare bpftrace one-liner, and under iouringtop in three modes, and prints each
 * throughput, its share of the untraced one, its ratio to the one-liner's, the events lost, and
 * the CPU seconds bpftrace and Node spent per million events.
 *
 *   node dist/test/bench/overhead.js [--runs 3] [--secs 5] [--workloads fio,fio-cached,nop]
 *
 * Workloads:
 *   fio         fio 4 KiB io_uring random reads at iodepth 32 of a 256 MiB file, as fio runs by
 *               default (it drops the file's cached pages first: reads come partly from disk);
 *   fio-cached  the same from the page cache (--invalidate=0): the fastest fio gets here;
 *   nop         a liburing program submitting batches of 32 NOPs (test/workload/nop-storm.c).
 * Tracers:
 *   untraced; one-liner (the issue's: request start time at submit, a printf of pid, comm, res,
 *   cflags and latency at completion, stdout to a file); iouringtop --headless (recording every
 *   event), --no-record, --no-events.
 * Every (run, workload) measures the tracers in an order rotated by the run, and the table gives
 * medians. Runs on a quiet machine only: anything else running moves the figures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileWorkload } from '../workload/build.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const TICK = 100; // USER_HZ on Linux

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const RUNS = Number(arg('runs', '3'));
const SECS = Number(arg('secs', '5'));
const WORKLOADS = arg('workloads', 'fio,fio-cached,nop').split(',');
const TRACERS = ['untraced', 'one-liner', 'iouringtop', '--no-record', '--no-events'] as const;
type Tracer = (typeof TRACERS)[number];

const ONE_LINER =
  'tracepoint:io_uring:io_uring_submit_req { @s[args->req] = nsecs; } ' +
  'tracepoint:io_uring:io_uring_complete { printf("%d %s %d %u %llu\\n", pid, comm, args->res, args->cflags, nsecs - @s[args->req]); delete(@s[args->req]); } ' +
  'END { clear(@s); }';

interface Result {
  workload: string;
  tracer: Tracer;
  /** Operations per second the workload reports. */
  throughput: number;
  lost: number | null;
  /** Events the tracer handled: lines (one-liner) or the kernel's count (iouringtop). */
  events: number | null;
  bpftraceCpu: number | null;
  nodeCpu: number | null;
}

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return Number.NaN;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
      if (Number(f[1]) === pid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function waitText(child: ChildProcess, re: RegExp, ms = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${text}`)), ms);
    const on = (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) {
        clearTimeout(timer);
        child.stderr!.off('data', on);
        resolve(text);
      }
    };
    child.stderr!.on('data', on);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${re}: ${text}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { out: () => out, err: () => err };
}

/** Runs the workload to its end; its throughput (operations per second). */
function runWorkload(name: string, dir: string, storm: string): number {
  if (name === 'nop') {
    const out = execFileSync(storm, [String(Math.round(SECS * 1_500_000))], {
      input: 'go\n',
      encoding: 'utf8',
    });
    const r = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as {
      nops: number;
      secs: number;
    };
    return r.nops / r.secs;
  }
  const file = path.join(dir, 'fio.dat');
  const args = [
    '--name=r',
    `--filename=${file}`,
    '--size=256M',
    '--rw=randread',
    '--bs=4k',
    '--ioengine=io_uring',
    '--iodepth=32',
    '--time_based',
    `--runtime=${SECS}`,
    '--output-format=json',
  ];
  if (name === 'fio-cached') args.push('--invalidate=0');
  if (name === 'fio-cached') execFileSync('cat', [file], { stdio: 'ignore' }); // warm
  const out = execFileSync('fio', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const j = JSON.parse(out.slice(out.indexOf('{'))) as { jobs: { read: { iops: number } }[] };
  return j.jobs[0].read.iops;
}

/** The NOP storm: the workload runs for about SECS untraced (fewer ops/s when traced: longer). */
async function measure(
  workload: string,
  tracer: Tracer,
  dir: string,
  storm: string,
): Promise<Result> {
  const base: Result = {
    workload,
    tracer,
    throughput: 0,
    lost: null,
    events: null,
    bpftraceCpu: null,
    nodeCpu: null,
  };
  if (tracer === 'untraced') return { ...base, throughput: runWorkload(workload, dir, storm) };
  if (tracer === 'one-liner') {
    const outFile = path.join(dir, 'one-liner.out');
    const bt = spawn('bpftrace', ['-o', outFile, '-e', ONE_LINER], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const err = collect(bt);
    // (with -o, bpftrace says "Attaching" in the file)
    const deadline = Date.now() + 60_000;
    while (!(existsSync(outFile) && /Attaching \d+ probes/.test(readFileSync(outFile, 'latin1')))) {
      if (Date.now() > deadline || bt.exitCode !== null)
        throw new Error(`bpftrace did not attach: ${err.err()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = cpuSeconds(bt.pid!);
    const throughput = runWorkload(workload, dir, storm);
    const cpu1 = cpuSeconds(bt.pid!);
    bt.kill('SIGINT');
    await exited(bt);
    const text = readFileSync(outFile, 'latin1') + err.err();
    rmSync(outFile, { force: true });
    let lost = 0;
    for (const m of text.matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
    let lines = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    return { ...base, throughput, lost, events: lines + lost, bpftraceCpu: cpu1 - cpu0 };
  }
  const out = path.join(dir, 'rec');
  const mode = tracer === 'iouringtop' ? [] : [tracer];
  const cli = spawn(process.execPath, [CLI, '--json', '--output-dir', out, ...mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const io = collect(cli);
  await waitText(cli, /^(recording to |capturing)/m);
  await new Promise((r) => setTimeout(r, 500));
  const bt = childrenOf(cli.pid!)[0];
  const b0 = cpuSeconds(bt);
  const n0 = cpuSeconds(cli.pid!);
  const throughput = runWorkload(workload, dir, storm);
  const b1 = cpuSeconds(bt);
  const n1 = cpuSeconds(cli.pid!);
  cli.kill('SIGINT');
  await exited(cli);
  rmSync(out, { recursive: true, force: true });
  // (the summary's JSON is snake_case)
  const j = JSON.parse(io.out()) as {
    capture: { lost: number } | null;
    figures: { counted_events: number | null } | null;
  };
  return {
    ...base,
    throughput,
    lost: j.capture?.lost ?? null,
    events: j.figures?.counted_events ?? null,
    bpftraceCpu: b1 - b0,
    nodeCpu: n1 - n0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)];
};

function fmtRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} K`;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:overhead traces the kernel: run it as root');
  for (const tool of ['bpftrace', 'fio', 'gcc'])
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build first');
  // on disk, not tmpfs: the fio workload reads a real file
  const dir = mkdtempSync(path.join('/var/tmp', 'iouringtop-overhead-'));
  try {
    const storm = compileWorkload(ROOT, 'nop-storm');
    writeFileSync(path.join(dir, 'fio.dat'), Buffer.alloc(0));
    execFileSync('fio', [
      '--name=prep',
      `--filename=${path.join(dir, 'fio.dat')}`,
      '--size=256M',
      '--rw=write',
      '--bs=1M',
      '--output=/dev/null',
    ]);
    console.log(
      `${os.cpus().length} CPUs, kernel ${os.release()}, ${execFileSync('bpftrace', ['--version'], { encoding: 'utf8' }).trim()}; ` +
        `${RUNS} runs of ${SECS} s per workload and tracer, tracers in rotated order`,
    );
    const results: Result[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (const w of WORKLOADS) {
        for (let i = 0; i < TRACERS.length; i++) {
          const tracer = TRACERS[(i + run) % TRACERS.length];
          const r = await measure(w, tracer, dir, storm);
          results.push(r);
          process.stderr.write(
            `run ${run + 1} ${w} ${tracer}: ${fmtRate(r.throughput)} ops/s` +
              (r.lost !== null ? `, lost ${r.lost}` : '') +
              '\n',
          );
        }
      }
    }
    report(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: Result[]): void {
  console.log('');
  console.log(
    '| workload | tracer | throughput (ops/s) | of untraced | vs one-liner | lost events (of) | bpftrace CPU s / M events | Node CPU s / M events |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const w of WORKLOADS) {
    const of = (t: Tracer) => results.filter((r) => r.workload === w && r.tracer === t);
    const tput = (t: Tracer) => median(of(t).map((r) => r.throughput));
    const untraced = tput('untraced');
    const oneLiner = tput('one-liner');
    for (const t of TRACERS) {
      const rs = of(t);
      const x = tput(t);
      const lost = rs[0]?.lost === null ? '-' : String(median(rs.map((r) => r.lost ?? 0)));
      const events = median(rs.map((r) => r.events ?? Number.NaN));
      const perM = (cpu: (r: Result) => number | null): string => {
        const v = median(rs.map((r) => ((cpu(r) ?? Number.NaN) * 1e6) / (r.events ?? Number.NaN)));
        return Number.isFinite(v) ? v.toFixed(2) : '-';
      };
      console.log(
        `| ${w} | ${t} | ${fmtRate(x)} | ${(x / untraced).toFixed(2)} | ${t === 'untraced' ? '-' : (x / oneLiner).toFixed(2)} | ` +
          `${lost}${Number.isFinite(events) ? ` (${fmtRate(events)})` : ''} | ${perM((r) => r.bpftraceCpu)} | ${perM((r) => r.nodeCpu)} |`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(`bench:overhead: ${(err as Error).message}`);
  process.exitCode = 1;
});
