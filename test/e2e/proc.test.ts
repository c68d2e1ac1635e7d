/**
 * What /proc tells, with real bpftrace against a liburing workload whose files, threads and rings
 * are known (test/workload/uring-files.c): file names instead of fds, a registered file marked as
 * such, the SQPOLL thread and the io-wq workers, in the headless JSON, the files sidecar, its
 * replay, and the TUI's drill-down and Rings view.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  CLI,
  collectOutput,
  eventually,
  exitOf,
  recordedRows,
  requireOrSkip,
  runCli,
  tempDir,
  waitFor,
  waitGone,
} from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('/proc end-to-end tests', ['tmux']);
const panes: TmuxPane[] = [];
const workloads: ChildProcess[] = [];
afterAll(() => {
  panes.forEach((p) => p.kill());
  for (const w of workloads) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});

/** The operations uring-files performs: 11 (5 on NAME, 2 registered, 2 on UDP, 2 by SQPOLL). */
const OPS = 11;

interface Workload {
  child: ChildProcess;
  pid: number;
  dir: string;
  name: string;
  /** After "go": NAME's fd and the UDP port. */
  done: Promise<{ fd: number; port: number }>;
}

/** Starts the workload in a fresh directory; it waits for "go" (go()) and then for its stdin to end. */
async function startWorkload(name: string): Promise<Workload & { go(): void; end(): void }> {
  const bin = buildWorkload('uring-files');
  const dir = tempDir('iouringtop-proc-');
  const child = spawn(bin, [dir, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  workloads.push(child);
  const pid = Number((await waitFor(child, 'stdout', /^pid (\d+)$/m))[1]);
  let go: () => void = () => undefined;
  const started = new Promise<void>((r) => (go = r));
  const done = started.then(async () => {
    child.stdin.write('go\n');
    const m = await waitFor(child, 'stdout', /^done fd (\d+) udp (\d+)$/m);
    return { fd: Number(m[1]), port: Number(m[2]) };
  });
  return { child, pid, dir, name, done, go, end: () => child.stdin.end() };
}

interface FileJson {
  pid: number;
  fd: number;
  fixed: boolean;
  name: string | null;
  ops: number;
}
interface ThreadsJson {
  pid: number;
  workers: number;
  sqpoll: number;
  workers_cpu_pct: number | null;
  sqpoll_cpu_pct: number | null;
}

describe.runIf(run)('files, threads and rings from /proc (real bpftrace)', () => {
  it('headless --json names the files, marks the registered one, counts the iou-sqp and iou-wrk threads; the sidecar replays', async () => {
    const w = await startWorkload('hot file.dat');
    const out = tempDir('iouringtop-proc-out-');
    const cli = runCli(['--headless', '--json', '--pid', String(w.pid), '--output-dir', out]);
    const cOut = collectOutput(cli);
    try {
      const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
      const ours = bpftraceUnder(cli.pid!);
      w.go();
      const { fd, port } = await w.done;
      const isOp = (r: string) => r.split(',')[3] !== 'IO_URING_ENTER';
      await eventually(
        () => (recordedRows(recording).filter(isOp).length >= OPS ? true : undefined),
        `${OPS} operation rows in ${recording}`,
      );
      // stopped while the workload still holds its files: the last look at /proc names them
      cli.kill('SIGINT');
      expect((await exitOf(cli)).code, cOut.stderr()).toBe(0);
      expect(await waitGone(ours)).toEqual([]);
      const sum = JSON.parse(cOut.stdout()) as { files: FileJson[]; threads: ThreadsJson[] };
      const files = sum.files.filter((f) => f.pid === w.pid);
      expect(files).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ fd, fixed: false, name: path.join(w.dir, w.name), ops: 5 }),
          expect.objectContaining({
            fd: 0,
            fixed: true,
            name: path.join(w.dir, 'fixed-file.dat'),
            ops: 2,
          }),
          expect.objectContaining({
            fixed: false,
            name: `UDP 127.0.0.1:${port}->127.0.0.1:${port}`,
            ops: 2,
          }),
          expect.objectContaining({ name: path.join(w.dir, 'sqpoll-file.dat'), ops: 2 }),
        ]),
      );
      // no registered index shown as a descriptor: fd 0 appears only as the registered file
      expect(files.filter((f) => f.fd === 0 && !f.fixed)).toEqual([]);
      const t = sum.threads.find((x) => x.pid === w.pid);
      expect(t).toBeDefined();
      expect(t!.sqpoll).toBe(1);
      expect(t!.workers).toBeGreaterThanOrEqual(1);
      console.log(
        `uring-files threads: ${t!.workers} iou-wrk (${t!.workers_cpu_pct}% CPU), ${t!.sqpoll} iou-sqp (${t!.sqpoll_cpu_pct}% CPU)`,
      );

      // the sidecar: beside the CSV, closed (no .tmp), and replayed with the same names
      const names = readdirSync(path.dirname(recording));
      expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
      const sidecar = recording.replace(/\.csv$/, '.files.json');
      expect(names).toContain(path.basename(sidecar));
      expect(JSON.parse(readFileSync(sidecar, 'utf8'))).toMatchObject({
        format: 'iouringtop-files/1',
        complete: true,
      });
      const replay = runCli(['--replay', recording, '--json']);
      const rOut = collectOutput(replay);
      expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
      const again = JSON.parse(rOut.stdout()) as { files: FileJson[]; threads: ThreadsJson[] };
      expect(again.files.map((f) => [f.fd, f.fixed, f.name, f.ops]).sort()).toEqual(
        files.map((f) => [f.fd, f.fixed, f.name, f.ops]).sort(),
      );
      expect(again.threads).toEqual([]); // live only

      // and a replay without the sidecar still works, with no names
      const bare = path.join(tempDir('iouringtop-proc-bare-'), path.basename(recording));
      copyFileSync(recording, bare);
      const plain = runCli(['--replay', bare, '--json']);
      const pOut = collectOutput(plain);
      expect((await exitOf(plain)).code, pOut.stderr()).toBe(0);
      expect((JSON.parse(pOut.stdout()) as { files: FileJson[] }).files).toEqual([]);
    } finally {
      w.end();
      await exitOf(w.child);
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
  });

  it('the TUI: the drill-down shows the threads and the hottest files by name, the Rings view the SQPOLL ring and the registered file', async () => {
    const w = await startWorkload('tui-file.dat');
    const p = new TmuxPane(
      `iouringtop-proc-${process.pid}`,
      `${process.execPath} ${CLI} --no-record --pid ${w.pid}`,
      { columns: 160, rows: 40 },
    );
    panes.push(p);
    try {
      await p.until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
      w.go();
      await w.done;
      const row = new RegExp(`^\\s*>?\\s*${w.pid}\\s+uring-files`, 'm');
      const s1 = await p.until(
        (s) => row.test(s) && s.includes('WRK') && s.includes('SQP%'),
        'the workload row with the thread columns',
      );
      expect(s1).toMatch(row);
      p.keys('Enter');
      const s2 = await p.until(
        (s) =>
          s.includes('hottest files') &&
          s.includes(path.join(w.dir, 'tui-file.dat')) &&
          s.includes(`registered: ${path.join(w.dir, 'fixed-file.dat')}`) &&
          /io_uring threads: [1-9]\d* iou-wrk .*1 iou-sqp/.test(s),
        'the drill-down with threads and named files',
      );
      // the registered file is #0, never a bare fd
      expect(s2).toMatch(/^\s*#0\s+2\s/m);
      p.keys('Escape');
      await p.type('5');
      const s3 = await p.until(
        (s) =>
          s.includes('SQPOLL') &&
          s.split('\n').filter((l) => new RegExp(`^\\s*>?\\s*${w.pid}\\s`).test(l)).length === 2,
        'the Rings view with the two rings',
      );
      const rings = s3.split('\n').filter((l) => new RegExp(`^\\s*>?\\s*${w.pid}\\s`).test(l));
      // one ring with an SQPOLL thread (tid@cpu), one with the registered file; sizes 8 and 16
      expect(rings.some((l) => /\s\d+@\d+\s/.test(l))).toBe(true);
      expect(rings.some((l) => /\s16\s+0\s+32\s+0\s+0\s+-\s+-\s+1\s+0\s*$/.test(l))).toBe(true);
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
    } finally {
      w.end();
      await exitOf(w.child);
      p.kill();
    }
  });
});
