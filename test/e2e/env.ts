/**
 * What the end-to-end tests need from the machine: root, bpftrace, tracefs, gcc + liburing, fio.
 * Where one is missing the tests are skipped with a loud banner, except under CI, where a missing
 * requirement fails the run: CI installs all of them (.ci/run), so a skip there would hide a defect.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { compileWorkload } from '../workload/build.js';
import { eventually } from '../helpers/eventually.js';
import { CLI, ROOT, tempDir } from '../helpers/project.js';

// The helpers the unit tests share live in test/helpers/; the end-to-end tests take them from here.
export { eventually } from '../helpers/eventually.js';
export { requireRootOrSkip, holdNodeRings } from '../helpers/processes.js';
export { CLI, ROOT, summaryBody, tempDir } from '../helpers/project.js';

/** Compiles test/workload/<name>.c (with liburing) once per run; returns the binary's path. */
export const buildWorkload = (name = 'uring-workload'): string => compileWorkload(ROOT, name);

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What the machine lacks: `extra` commands, and (for `capture`) root, bpftrace, gcc, liburing. */
export function missingRequirements(extra: string[] = [], capture = true): string[] {
  const missing: string[] = [];
  if (capture) {
    if (process.getuid?.() !== 0) missing.push('root');
    for (const cmd of ['bpftrace', 'gcc']) if (!has(cmd)) missing.push(cmd);
    if (!existsSync('/usr/include/liburing.h')) missing.push('liburing-dev');
  }
  for (const cmd of extra) if (!has(cmd)) missing.push(cmd);
  if (!existsSync(CLI)) missing.push('dist/cli.js (run npm run build)');
  return missing;
}

/** true = run; false = skip (after a loud banner). Throws under CI. */
export function requireOrSkip(suite: string, extra: string[] = [], capture = true): boolean {
  const missing = missingRequirements(extra, capture);
  if (missing.length === 0) return true;
  const banner = `\n${'!'.repeat(78)}\n!! SKIPPING ${suite}: this machine lacks ${missing.join(', ')}\n!! The end-to-end tests need root, bpftrace, gcc, liburing-dev, fio and tmux.\n${'!'.repeat(78)}\n`;
  if (process.env.IOURINGTOP_E2E_REQUIRED)
    throw new Error(`CI must run ${suite}, but the machine lacks ${missing.join(', ')}`);
  process.stderr.write(banner);
  return false;
}

/**
 * A clean copy of the project in a fresh temporary directory (removed with the others): its files
 * as a clone has them, plus any not yet committed, and its node_modules (a link) for the build.
 * What runs there (a build, npm pack, npm start) leaves this checkout's dist/ alone.
 */
export function projectCopy(prefix: string): string {
  const copy = tempDir(prefix);
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
    },
  )
    .toString()
    .split('\0')
    .filter((f) => f && existsSync(path.join(ROOT, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(copy, f));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/** Resolves with the first match of `re` in the stream's accumulated text. */
export function waitFor(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  re: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = child[stream]!;
    const timer = setTimeout(
      () =>
        reject(new Error(`timed out waiting for ${re} on ${stream}; saw: ${text.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (d: Buffer): void => {
      text += d.toString();
      const m = re.exec(text);
      if (m) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(m);
      }
    };
    s.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const m = re.exec(text);
      if (m) resolve(m);
      else
        reject(
          new Error(`process exited (${String(code)}) before ${re}; saw: ${text.slice(-2000)}`),
        );
    });
  });
}

export function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let errText = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (errText += d.toString()));
  return { stdout: () => out, stderr: () => errText };
}

export function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
  });
}

/** A process as /proc shows it; `start` (clock ticks since boot) tells a reused pid apart. */
export interface ProcessRef {
  pid: number;
  ppid: number;
  comm: string;
  start: number;
}

/** The process `pid` as /proc shows it now, or undefined when it is gone. */
export function processRef(pid: number): ProcessRef | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid … starttime (field 22); comm may hold spaces and parentheses
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const rest = stat.slice(close + 2).split(' ');
  return { pid, ppid: Number(rest[1]), comm, start: Number(rest[19]) };
}

/** Every process descending from `root` (its children, theirs, …), as /proc shows them now. */
export function descendants(root: number): ProcessRef[] {
  const all: ProcessRef[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = processRef(Number(name));
    if (p) all.push(p);
  }
  const out: ProcessRef[] = [];
  let frontier = new Set([root]);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const p of all) {
      if (!frontier.has(p.ppid)) continue;
      out.push(p);
      next.add(p.pid);
    }
    frontier = next;
  }
  return out;
}

/** The bpftrace processes started by `root` (iouringtop, or the shell it runs in). */
export function bpftraceUnder(root: number): ProcessRef[] {
  return descendants(root).filter((p) => p.comm === 'bpftrace');
}

/**
 * The program file a running bpftrace of iouringtop's was given (named on its command line, in
 * iouringtop's temporary directory); undefined if none is.
 */
export function programFileOf(bpftrace: ProcessRef): string | undefined {
  return readFileSync(`/proc/${bpftrace.pid}/cmdline`, 'latin1')
    .split('\0')
    .find((a) => a.endsWith('/capture.bt'));
}

/** Those of `procs` still running (the same pid with the same start time). */
export function stillRunning(procs: readonly ProcessRef[]): ProcessRef[] {
  return procs.filter((p) => processRef(p.pid)?.start === p.start);
}

/** Waits until none of `procs` runs, up to `ms`; returns those still running. */
export async function waitGone(procs: readonly ProcessRef[], ms = 10_000): Promise<ProcessRef[]> {
  const end = Date.now() + ms;
  while (stillRunning(procs).length > 0 && Date.now() < end)
    await new Promise((r) => setTimeout(r, 50));
  return stillRunning(procs);
}

/** Data rows in a recording so far (complete lines after the header). */
export function recordedRows(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline: empty, or a row still being written
  return lines.slice(1);
}

/**
 * A name for a program's process (its comm) that no other process on the machine has: a
 * symlink to `cmd` under that name. Tests that filter by command name (`--comm`) run their
 * workload under it, so another fio on the machine is never counted.
 */
export function uniqueCommand(cmd: string, prefix: string): { path: string; comm: string } {
  const real = execFileSync('sh', ['-c', `command -v ${cmd}`])
    .toString()
    .trim();
  const comm =
    `${prefix}${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`.slice(
      0,
      15,
    );
  const dir = tempDir('iouringtop-bin-');
  const p = path.join(dir, comm);
  symlinkSync(real, p);
  return { path: p, comm };
}

/** One operation as the liburing workload reports it (a JSON line on its stdout). */
export interface Reported {
  op: string;
  fd: number;
  off: number;
  len: number;
  res: number;
  ring: string;
}

export interface WorkloadCapture {
  pid: number;
  /** The workload's own account of its 26 operations. */
  reported: Reported[];
  recording: string;
  /** Timestamps (µs) just before "go" and just after the workload exited. */
  t0: number;
  t1: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the liburing workload under `iouringtop --headless --pid <it> …extra`: the capture is
 * attached before the workload starts its operations, and stopped with SIGINT once the
 * recording holds a row for every operation the workload reported (with `enterRows`: that many
 * IO_URING_ENTER rows instead, for the syscall-only tier).
 * Asserts both exit 0 and that the bpftrace it started is gone.
 */
export async function captureWorkload(
  extra: string[] = [],
  enterRows?: number,
  workloadArgs: string[] = [],
  /** Where to record (default: a fresh directory). */
  outputDir?: string,
): Promise<WorkloadCapture> {
  const bin = buildWorkload();
  const work = tempDir('iouringtop-e2e-');
  const out = outputDir ?? tempDir('iouringtop-out-');
  const workload = spawn(bin, [work, ...workloadArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let cli: ChildProcess | undefined;
  try {
    const wOut = collectOutput(workload);
    const pid = Number((await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1]);
    // A bound on the capture, should the test be killed before its SIGINT.
    cli = runCli([
      '--headless',
      '--duration',
      '300',
      '--pid',
      String(pid),
      '--output-dir',
      out,
      ...extra,
    ]);
    const cOut = collectOutput(cli);
    const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
    const ours = bpftraceUnder(cli.pid!);
    if (ours.length !== 1)
      throw new Error(`expected one bpftrace under iouringtop: ${ours.length}`);
    const t0 = Date.now() * 1000;
    workload.stdin.write('go\n');
    const wExit = await exitOf(workload);
    const t1 = Date.now() * 1000;
    if (wExit.code !== 0 || wOut.stderr() !== '')
      throw new Error(`the workload failed (${String(wExit.code)}): ${wOut.stderr()}`);
    const reported = wOut
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Reported);
    const isEnter = (row: string) => row.split(',')[3] === 'IO_URING_ENTER';
    const want = enterRows ?? reported.length;
    await eventually(
      () =>
        recordedRows(recording).filter((r) => isEnter(r) === (enterRows !== undefined)).length >=
        want
          ? true
          : undefined,
      `${want} ${enterRows !== undefined ? 'IO_URING_ENTER ' : 'operation '}rows in ${recording}`,
    );
    cli.kill('SIGINT');
    const cExit = await exitOf(cli);
    if (cExit.code !== 0)
      throw new Error(`iouringtop exited ${String(cExit.code)}: ${cOut.stderr()}`);
    const left = await waitGone(ours);
    if (left.length > 0)
      throw new Error(`bpftrace left running: ${left.map((p) => p.pid).join(' ')}`);
    return { pid, reported, recording, t0, t1, stdout: cOut.stdout(), stderr: cOut.stderr() };
  } finally {
    // On any failure above, nothing is left running to break the tests after this one.
    if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
    if (cli && cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGINT');
      await exitOf(cli);
    }
  }
}

/** A file for fio to read, written by fio: `<dir>/fio.dat`, of `size` (fio's units, e.g. 4M). */
export function fioFile(dir: string, size: string, bs = '1M'): string {
  const file = path.join(dir, 'fio.dat');
  execFileSync(
    'fio',
    ['--name=prep', '--rw=write', `--bs=${bs}`, `--size=${size}`, `--filename=${file}`],
    {
      stdio: 'ignore',
    },
  );
  return file;
}

/**
 * fio (`bin`: its path, often a uniqueCommand) reading `file` at random through io_uring, 4 KiB
 * at a time, `iops` a second for up to `runtime` seconds; `extra` arguments after those.
 */
export function startFio(
  bin: string,
  file: string,
  o: { iops: number; runtime: number; name?: string; extra?: string[] },
  stdio: StdioOptions = 'ignore',
): ChildProcess {
  return spawn(
    bin,
    [
      `--name=${o.name ?? 'r'}`,
      '--ioengine=io_uring',
      '--rw=randread',
      '--bs=4k',
      `--filename=${file}`,
      '--time_based',
      `--runtime=${o.runtime}`,
      `--rate_iops=${o.iops}`,
      ...(o.extra ?? []),
    ],
    { stdio },
  );
}
