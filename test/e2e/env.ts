/**
 * What the end-to-end tests need from the machine: root, bpftrace, tracefs, gcc + liburing, fio.
 * Where one is missing the tests are skipped with a loud banner, except under CI, where a missing
 * requirement fails the run: CI installs all of them (.ci/run), so a skip there would hide a defect.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

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

/** Compiles the C workload once per test run. */
export function buildWorkload(): string {
  const dir = path.join(os.tmpdir(), 'iouringtop-workload');
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, 'uring-workload');
  execFileSync('gcc', [
    '-O2',
    '-Wall',
    '-o',
    bin,
    path.join(ROOT, 'test/workload/uring-workload.c'),
    '-luring',
  ]);
  return bin;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
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

export function runCli(args: string[], opts: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

/** bpftrace processes currently running (their pids). */
export function bpftracePids(): number[] {
  try {
    return execFileSync('pgrep', ['-x', 'bpftrace'])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
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
 * attached before the workload starts its operations, and stopped with SIGINT 1.2 s after the
 * workload exits. Asserts both exit 0 and that no bpftrace is left.
 */
export async function captureWorkload(extra: string[] = []): Promise<WorkloadCapture> {
  const bin = buildWorkload();
  const work = tempDir('iouringtop-e2e-');
  const out = tempDir('iouringtop-out-');
  const workload = spawn(bin, [work], { stdio: ['pipe', 'pipe', 'pipe'] });
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
    const t0 = Date.now() * 1000;
    workload.stdin.write('go\n');
    const wExit = await exitOf(workload);
    const t1 = Date.now() * 1000;
    if (wExit.code !== 0 || wOut.stderr() !== '')
      throw new Error(`the workload failed (${String(wExit.code)}): ${wOut.stderr()}`);
    await new Promise((r) => setTimeout(r, 1200));
    cli.kill('SIGINT');
    const cExit = await exitOf(cli);
    if (cExit.code !== 0)
      throw new Error(`iouringtop exited ${String(cExit.code)}: ${cOut.stderr()}`);
    const left = bpftracePids();
    if (left.length > 0) throw new Error(`bpftrace left running: ${left.join(' ')}`);
    const reported = wOut
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Reported);
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

/** A summary without its first line (live capture vs replay of …) and its recording path. */
export const summaryBody = (summary: string): string =>
  summary
    .split('\n')
    .slice(1)
    .filter((l) => !l.startsWith('recording: '))
    .join('\n');
