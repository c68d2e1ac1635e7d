/**
 * The diagnostics end to end: real bpftrace, and the liburing workload's `diag` set, which
 * provokes each condition a known number of times (test/workload/uring-workload.c: diag()).
 * The headless --json summary must give each count exactly, per process and per opcode, live
 * and in a replay of the recording (the counts file carries them).
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { readRecording } from '../../source/record/csvReader.js';
import { readSessionMeta } from '../../source/record/meta.js';
import {
  bpftraceUnder,
  buildWorkload,
  captureWorkload,
  CLI,
  collectOutput,
  eventually,
  exitOf,
  requireOrSkip,
  runCli,
  tempDir,
  waitFor,
  waitGone,
} from './env.js';
import { TmuxPane } from './tmux.js';
import { ALL_DIAGNOSTICS } from '../model/helpers.js';

const run = requireOrSkip('diagnostics end-to-end test', ['tmux']);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

interface Diag {
  punted: number | null;
  poll: number | null;
  short: number | null;
  failed: number | null;
  broken_links: number | null;
}
interface Json {
  totals: Diag & { overflow: number | null; operations: number };
  opcodes: (Diag & { opcode: string; ops: number; overflow?: number | null })[];
  processes: (Diag & { pid: number; overflow: number | null; batch: number | null })[];
  error_detail: {
    pid: number;
    opcode: string;
    name: string;
    count: number;
    expected: boolean;
    failed_init: number;
  }[];
  diagnostics: Record<string, boolean> | null;
  io_uring_enter: { calls: number; submitted: number };
}

/** What diag() provokes, per opcode (everything else 0). */
const WANT: Record<string, Partial<Diag>> = {
  WRITE: { punted: 1 },
  READ: { poll: 1, short: 1, failed: 1, broken_links: 2 },
};
const KEYS = ['punted', 'poll', 'short', 'failed', 'broken_links'] as const;

function checkCounts(j: Json, pid: number): void {
  expect(j.diagnostics).toEqual(ALL_DIAGNOSTICS);
  for (const o of j.opcodes) {
    if (o.opcode === 'IO_URING_ENTER') {
      // the CQ overflows are the process's rings', on its io_uring_enter row
      expect(o.overflow).toBe(4);
      continue;
    }
    for (const k of KEYS) expect(o[k], `${o.opcode} ${k}`).toBe(WANT[o.opcode]?.[k] ?? 0);
  }
  expect(j.opcodes.map((o) => o.opcode).sort()).toEqual(['IO_URING_ENTER', 'NOP', 'READ', 'WRITE']);
  const p = j.processes.find((x) => x.pid === pid)!;
  expect({ ...p, batch: undefined }).toMatchObject({
    punted: 1,
    poll: 1,
    short: 1,
    failed: 1,
    broken_links: 2,
    overflow: 4,
  });
  expect(j.totals).toMatchObject({
    punted: 1,
    poll: 1,
    short: 1,
    failed: 1,
    broken_links: 2,
    overflow: 4,
  });
  // 16 SQEs went in through io_uring_enter (the overflowed NOPs' too)
  expect(j.io_uring_enter.submitted).toBe(16);
  expect(p.batch).toBeCloseTo(16 / j.io_uring_enter.calls, 2);
  // the overflowed completions are counted as overflows, not as operations (no request
  // in that tracepoint says which): 6 NOPs (2 cancelled, 4 that fitted), 5 READs, a WRITE
  expect(j.totals.operations).toBe(12);
  expect(j.opcodes.find((o) => o.opcode === 'NOP')!.ops).toBe(6);
  expect(j.opcodes.find((o) => o.opcode === 'READ')!.ops).toBe(5);
  // results by errno per process and opcode: the failures, the expected ones apart
  const detail = j.error_detail
    .filter((e) => e.pid === pid)
    .map(
      (e) =>
        `${e.opcode} ${e.name} ${e.count} ${e.expected ? 'expected' : 'failure'} ${e.failed_init}`,
    )
    .sort();
  expect(detail).toEqual([
    'NOP ECANCELED 2 expected 0',
    'READ EBADF 1 failure 0',
    'READ EINVAL 1 failure 1',
  ]);
}

describe.runIf(run)('diagnostics, counted in the kernel', () => {
  it('counts each provoked condition exactly, live and in replay', async () => {
    const { pid, reported, recording, stdout } = await captureWorkload(['--json'], undefined, [
      'diag',
    ]);
    expect(reported.length).toBe(12);
    checkCounts(JSON.parse(stdout) as Json, pid);

    // the recording: the registered-file READ is a row with the file's index as its fd
    const rows: IoEvent[] = [];
    await readRecording(recording, { push: (ev) => rows.push(copyEvent(ev)) });
    expect(rows.filter((r) => r.opcode === 22 && r.length === 500 && r.result === 500)).toEqual([
      expect.objectContaining({ fd: 0 }),
    ]);
    const meta = await readSessionMeta(recording);
    expect(meta?.diagnostics).toEqual((JSON.parse(stdout) as Json).diagnostics);

    // replay takes them from the counts file: the same figures
    const cli = runCli(['--replay', recording, '--headless', '--json']);
    const out = collectOutput(cli);
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    checkCounts(JSON.parse(out.stdout()) as Json, pid);
  });

  it('counts the overflows of the processes the filter takes, not of the others', async () => {
    const bin = buildWorkload();
    const start = () =>
      spawn(bin, [tempDir('iouringtop-diag-'), 'diag'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const [a, b] = [start(), start()];
    try {
      const pid = Number((await waitFor(a, 'stdout', /^pid (\d+)$/m))[1]);
      await waitFor(b, 'stdout', /^pid (\d+)$/m);
      const cli = runCli(['--headless', '--json', '--no-record', '--pid', String(pid)]);
      const out = collectOutput(cli);
      await waitFor(cli, 'stderr', /^capturing$/m);
      a.stdin.write('go\n');
      b.stdin.write('go\n');
      expect((await exitOf(a)).code).toBe(0);
      expect((await exitOf(b)).code).toBe(0);
      cli.kill('SIGINT');
      expect((await exitOf(cli)).code, out.stderr()).toBe(0);
      const j = JSON.parse(out.stdout()) as Json & { capture: { overflow: number } };
      // each overflowed 4 CQEs: only the filtered one's are counted, anywhere
      expect(j.totals.overflow).toBe(4);
      expect(j.capture.overflow).toBe(4);
      expect(j.processes.map((p) => [p.pid, p.overflow])).toEqual([[pid, 4]]);
    } finally {
      for (const p of [a, b]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
  });

  it('shows them in the TUI: the d columns and the Errors view', async () => {
    const bin = buildWorkload();
    const workload = spawn(bin, [tempDir('iouringtop-diag-'), 'diag'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      const pid = Number((await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1]);
      const p = new TmuxPane(
        `iouringtop-diag-${process.pid}`,
        `${process.execPath} ${CLI} --no-record --pid ${pid}`,
        { columns: 100, rows: 30 },
      );
      panes.push(p);
      await p.until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
      const ours = await eventually(() => {
        const found = bpftraceUnder(p.pid());
        return found.length === 1 ? found : undefined;
      }, 'the pane’s bpftrace');
      // (the TUI is drawn once the probes are attached)
      workload.stdin.write('go\n');
      expect((await exitOf(workload)).code).toBe(0);

      // d: since start, so they stay on screen: ops, punt %, poll %, short, fail, links, ovfl,
      // other CQEs, multishot endings
      const row = new RegExp(
        `^\\s*>?\\s*${pid}\\s+uring-work\\S*\\s+12\\s+8\\.3%\\s+8\\.3%\\s+1\\s+1\\s+2\\s+4\\s+0\\s+0\\s+[\\d.]+\\s+2\\b`,
        'm',
      );
      p.keys('d');
      const s1 = await p.until((s) => row.test(s), 'the diagnostics row of the workload');
      expect(s1).toMatch(/PUNT%\s+POLL%\s+SHORT\s+FAIL\s+LINKS\s+OVFL\s+OTHER\s+MSEND\s+BATCH/);
      // the opcodes: READ has the poll arm, the short read, the init failure, the broken links
      p.keys('2');
      await p.until(
        (s) => /^\s*>?\s*READ\s+5\s+0%\s+20%\s+1\s+1\s+2\s+0\s+0\s+2\s+0\s/m.test(s),
        'the READ row with its diagnostics',
      );
      await p.until((s) => /^\s*>?\s*WRITE\s+1\s+100%\s+0%/m.test(s), 'the punted WRITE');
      // 4: the errors by errno, the failures before the expected results
      p.keys('4');
      const s3 = await p.until((s) => /ECANCELED/.test(s), 'the Errors view');
      const lines = s3.split('\n').filter((l) => /\b(EBADF|EINVAL|ECANCELED)\b/.test(l));
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(/NOP\s+ECANCELED\s+expected\s+\d+\s+2\s+0\s*$/);
      expect(lines.slice(0, 2).join('\n')).toMatch(/READ\s+EINVAL\s+failure\s+\d+\s+1\s+1\s*$/m);
      expect(lines.slice(0, 2).join('\n')).toMatch(/READ\s+EBADF\s+failure\s+\d+\s+1\s+0\s*$/m);
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
      expect(await waitGone(ours)).toEqual([]);
    } finally {
      if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
    }
  });
});
