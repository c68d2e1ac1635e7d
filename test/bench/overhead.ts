/**
 * `npm run bench:overhead` (root): what tracing costs the traced. Runs real workloads untraced and
 * under each tracer, and prints, per workload and tracer:
 * - the in-kernel cost per operation of each of the tracer's BPF programs, from the kernel's own
 *   statistics (`kernel.bpf_stats_enabled`: run_time_ns and run_cnt per program, counting only
 *   the programs this tracer's bpftrace loaded, found by the `prog_id:` lines of its
 *   /proc/PID/fdinfo). It does not swing with the machine's load the way throughput does;
 * - the throughput, its share of the untraced one, and the events lost beside it.
 *
 *   node dist/test/bench/overhead.js [--runs 3] [--secs 5] [--workloads fio-cached,fio,nop]
 *                                    [--tracers untraced,minimal,…] [--bpftrace PATH]
 *
 * Workloads:
 *   fio-cached  fio 4 KiB io_uring random reads at iodepth 32 of a 256 MiB file from the page
 *               cache (--invalidate=0): the fastest fio gets here, where a tracer costs most;
 *   fio         the same as fio runs by default (it drops the cached pages: partly from disk);
 *   nop         a liburing program submitting batches of 32 NOPs (test/workload/nop-storm.c).
 * Tracers:
 *   untraced; minimal (the minimal latency counter: submit stores nsecs by request,
 *   completion does count(), hist(), delete()); one-liner (a printf of pid, comm, res, cflags
 *   and latency per completion); iouringtop in its modes: default (events under the budget),
 *   --all-events, --no-events. --bpftrace PATH runs every tracer with that bpftrace.
 * Every (run, workload) measures the tracers in an order rotated by the run; the table gives
 * medians. bpf_stats_enabled is set back to what it was, whatever happens.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileWorkload } from '../workload/build.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const RUNS = Number(arg('runs', '3'));
const SECS = Number(arg('secs', '5'));
const WORKLOADS = arg('workloads', 'fio-cached,fio,nop').split(',');
const ALL_TRACERS = [
  'untraced',
  'minimal',
  'one-liner',
  'iouringtop',
  '--all-events',
  '--no-events',
] as const;
type Tracer = (typeof ALL_TRACERS)[number];
const TRACERS = arg('tracers', ALL_TRACERS.join(','))
  .split(',')
  .filter((t): t is Tracer => (ALL_TRACERS as readonly string[]).includes(t));
/** The bpftrace every tracer runs, as a path (iouringtop's --bpftrace wants one). */
const BPFTRACE = execFileSync('sh', ['-c', `command -v "$1"`, 'sh', arg('bpftrace', 'bpftrace')], {
  encoding: 'utf8',
}).trim();

const MINIMAL =
  'tracepoint:io_uring:io_uring_submit_req { @s[args->req] = nsecs; } ' +
  'tracepoint:io_uring:io_uring_complete /@s[args->req]/ { @n[pid] = count(); @lat = hist(nsecs - @s[args->req]); delete(@s[args->req]); } ' +
  'END { clear(@s); clear(@n); clear(@lat); }';
const ONE_LINER =
  'tracepoint:io_uring:io_uring_submit_req { @s[args->req] = nsecs; } ' +
  'tracepoint:io_uring:io_uring_complete { printf("%d %s %d %u %llu\\n", pid, comm, args->res, args->cflags, nsecs - @s[args->req]); delete(@s[args->req]); } ' +
  'END { clear(@s); }';

interface Result {
  workload: string;
  tracer: Tracer;
  /** Operations per second the workload reports, and how many it did. */
  throughput: number;
  ops: number;
  lost: number | null;
  /** In-kernel ns per workload operation, by program (its attach point), and in all. */
  nsPerOp: Map<string, number>;
  totalNsPerOp: number | null;
}

/** The BPF program ids a process holds (its bpftrace's programs), from /proc/PID/fdinfo. */
function progIds(pid: number): Set<number> {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids;
}

interface ProgStat {
  name: string;
  ns: number;
  runs: number;
}

/** run_time_ns and run_cnt of these programs (bpftool). */
function progStats(ids: ReadonlySet<number>): Map<number, ProgStat> {
  const all = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
    run_time_ns?: number;
    run_cnt?: number;
  }[];
  const out = new Map<number, ProgStat>();
  for (const p of all)
    if (ids.has(p.id))
      out.set(p.id, { name: p.name ?? String(p.id), ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 });
  return out;
}

/** A program's attach point, from bpftrace's program name (it truncates them to 15 characters). */
function probeName(name: string): string {
  return name
    .replace(/^tracepoint_/, '')
    .replace(/_\d+$/, '')
    .replace(/^(io_uring|syscalls|sched|power|task)_/, '');
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the workload to its end: its operations per second and how many. */
function runWorkload(name: string, dir: string, storm: string): { rate: number; ops: number } {
  if (name === 'nop') {
    const out = execFileSync(storm, [String(Math.round(SECS * 1_500_000))], {
      input: 'go\n',
      encoding: 'utf8',
    });
    const r = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as {
      nops: number;
      secs: number;
    };
    return { rate: r.nops / r.secs, ops: r.nops };
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
  const j = JSON.parse(out.slice(out.indexOf('{'))) as {
    jobs: { read: { iops: number; total_ios: number } }[];
  };
  return { rate: j.jobs[0].read.iops, ops: j.jobs[0].read.total_ios };
}

/** Starts a tracer; resolves with its bpftrace's pid once its probes are attached. */
async function startTracer(
  tracer: Tracer,
  dir: string,
): Promise<{ child: ChildProcess; bpftrace: number; result: () => { lost: number | null } }> {
  let err = '';
  let out = '';
  if (tracer === 'minimal' || tracer === 'one-liner') {
    // (in /tmp: a bpftrace run from a chroot, as Debian 13's here, sees only that)
    const outFile = path.join(os.tmpdir(), `iouringtop-overhead-${process.pid}-${tracer}.out`);
    const bt = spawn(
      BPFTRACE,
      ['-B', 'full', '-o', outFile, '-e', tracer === 'minimal' ? MINIMAL : ONE_LINER],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    bt.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await until(`${tracer}'s probes`, () => {
      if (bt.exitCode !== null) throw new Error(`bpftrace did not attach: ${err}`);
      return existsSync(outFile) && /Attaching \d+ probes/.test(readFileSync(outFile, 'latin1'));
    });
    // bpftrace says "Attaching" before it attaches: wait for both tracepoints' programs, or the
    // first measurement would miss some of them
    await until(`${tracer}'s programs`, () => {
      const names = [...progStats(progIds(bt.pid!)).values()].map((p) => p.name);
      return names.filter((n) => n.includes('io_u')).length >= 2;
    });
    return {
      child: bt,
      bpftrace: bt.pid!,
      result: () => {
        const text = (existsSync(outFile) ? readFileSync(outFile, 'latin1') : '') + err;
        rmSync(outFile, { force: true });
        let lost = 0;
        for (const m of text.matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
        return { lost };
      },
    };
  }
  const mode = tracer === 'iouringtop' ? [] : [tracer];
  const cli = spawn(
    process.execPath,
    [CLI, '--json', '--output-dir', path.join(dir, 'rec'), '--bpftrace', BPFTRACE, ...mode],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
  cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await until('iouringtop to attach', () => {
    if (cli.exitCode !== null) throw new Error(`iouringtop ended: ${err}`);
    return /^(recording to |capturing)/m.test(err);
  });
  const bt = childOf(cli.pid!);
  return {
    child: cli,
    bpftrace: bt,
    result: () => {
      rmSync(path.join(dir, 'rec'), { recursive: true, force: true });
      const j = JSON.parse(out) as { capture: { lost: number } | null };
      return { lost: j.capture?.lost ?? null };
    },
  };
}

/** The one child of a process (iouringtop's bpftrace, under setpriv, which execs it). */
function childOf(pid: number): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
      if (Number(f[1]) === pid) return Number(d);
    } catch {
      // gone
    }
  }
  throw new Error(`no child of ${pid}`);
}

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
    ops: 0,
    lost: null,
    nsPerOp: new Map(),
    totalNsPerOp: null,
  };
  if (tracer === 'untraced') {
    const w = runWorkload(workload, dir, storm);
    return { ...base, throughput: w.rate, ops: w.ops };
  }
  const t = await startTracer(tracer, dir);
  const ids = progIds(t.bpftrace);
  const before = progStats(ids);
  const w = runWorkload(workload, dir, storm);
  const after = progStats(ids);
  t.child.kill('SIGINT');
  await exited(t.child);
  const nsPerOp = new Map<string, number>();
  let total = 0;
  for (const [id, a] of after) {
    const b = before.get(id) ?? { ns: 0, runs: 0, name: a.name };
    const ns = a.ns - b.ns;
    if (a.runs - b.runs === 0) continue;
    const name = probeName(a.name);
    nsPerOp.set(name, (nsPerOp.get(name) ?? 0) + ns / w.ops);
    total += ns / w.ops;
  }
  return {
    ...base,
    throughput: w.rate,
    ops: w.ops,
    lost: t.result().lost,
    nsPerOp,
    // no program ran: its ids were not found, which is no measurement (not a free tracer)
    totalNsPerOp: nsPerOp.size === 0 ? null : total,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)];
};

const fmtRate = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} K`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:overhead traces the kernel: run it as root');
  for (const tool of ['fio', 'gcc', 'bpftool'])
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build first');
  const version = execFileSync(BPFTRACE, ['--version'], { encoding: 'utf8' }).trim();
  // on disk, not tmpfs: the fio workload reads a real file
  const dir = mkdtempSync(path.join('/var/tmp', 'iouringtop-overhead-'));
  const statsWere = readFileSync(STATS, 'utf8').trim();
  const restore = (): void => writeFileSync(STATS, statsWere);
  process.once('SIGINT', () => {
    restore();
    process.exit(130);
  });
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
    writeFileSync(STATS, '1');
    console.log(
      `${os.cpus().length} CPUs, kernel ${os.release()}, ${version}; ${RUNS} runs of ${SECS} s per ` +
        `workload and tracer, tracers in rotated order`,
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
              (r.totalNsPerOp !== null ? `, ${r.totalNsPerOp.toFixed(0)} ns/op in kernel` : '') +
              (r.lost !== null ? `, lost ${r.lost}` : '') +
              '\n',
          );
        }
      }
    }
    report(results);
  } finally {
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: Result[]): void {
  console.log('');
  console.log(
    '| workload | tracer | throughput (ops/s) | of untraced | lost events | in-kernel ns/op | of minimal | by probe (ns/op) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const w of WORKLOADS) {
    const of = (t: Tracer) => results.filter((r) => r.workload === w && r.tracer === t);
    const tput = (t: Tracer) => median(of(t).map((r) => r.throughput));
    const kns = (t: Tracer) => median(of(t).map((r) => r.totalNsPerOp ?? Number.NaN));
    const untraced = tput('untraced');
    const minimal = kns('minimal');
    for (const t of TRACERS) {
      const rs = of(t);
      const x = tput(t);
      const ns = kns(t);
      const lost = rs[0]?.lost === null ? '-' : String(median(rs.map((r) => r.lost ?? 0)));
      const probes = new Set(rs.flatMap((r) => [...r.nsPerOp.keys()]));
      const byProbe = [...probes]
        .map(
          (p) =>
            [
              p,
              median(
                rs.map((r) => (r.totalNsPerOp === null ? Number.NaN : (r.nsPerOp.get(p) ?? 0))),
              ),
            ] as const,
        )
        .filter(([, v]) => v >= 1)
        .sort((a, b) => b[1] - a[1])
        .map(([p, v]) => `${p} ${v.toFixed(0)}`)
        .join(', ');
      console.log(
        `| ${w} | ${t} | ${fmtRate(x)} | ${(x / untraced).toFixed(2)} | ${lost} | ` +
          `${Number.isFinite(ns) ? ns.toFixed(0) : '-'} | ${Number.isFinite(ns) && Number.isFinite(minimal) ? (ns / minimal).toFixed(2) : '-'} | ${byProbe || '-'} |`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(`bench:overhead: ${(err as Error).message}`);
  process.exitCode = 1;
});
