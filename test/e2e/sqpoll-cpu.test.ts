/**
 * The SQPOLL CPU the headless summary reports, with real bpftrace and a real poller: the liburing
 * workload sqpoll-spin keeps its SQPOLL thread busy (about one CPU), and the summary at the end of
 * a capture says so, over the session, not over its last two looks at /proc; a process that exits
 * before the end keeps its threads in the summary with the figures they had.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  collectOutput,
  eventually,
  exitOf,
  requireOrSkip,
  runCli,
  waitFor,
  waitGone,
} from './env.js';

const run = requireOrSkip('the SQPOLL CPU end-to-end test');

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** CPU seconds the iou-sqp threads of `pid` have used, as the test reads /proc. */
function sqpollCpuSec(pid: number): number {
  let sec = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    } catch {
      continue;
    }
    if (!stat.slice(stat.indexOf('(') + 1).startsWith('iou-sqp-')) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    sec += (Number(f[11]) + Number(f[12])) / 100;
  }
  return sec;
}

/** The workload spinning for `seconds`, under `iouringtop --headless --pid <it> …extra`. */
async function spinUnderCapture(seconds: number, extra: string[]) {
  const work = spawn(buildWorkload('sqpoll-spin'), [String(seconds)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(work);
  const wOut = collectOutput(work);
  const pid = Number((await waitFor(work, 'stdout', /^pid (\d+)$/m))[1]);
  // (a bound should the test be killed before its SIGINT)
  const cli = runCli([
    '--headless',
    '--no-record',
    '--duration',
    '300',
    '--pid',
    String(pid),
    ...extra,
  ]);
  children.push(cli);
  const out = collectOutput(cli);
  await waitFor(cli, 'stderr', /^capturing$/m);
  const ours = bpftraceUnder(cli.pid!);
  expect(ours).toHaveLength(1);
  work.stdin.write('go\n');
  await waitFor(work, 'stdout', /^spinning$/m);
  const stop = async (): Promise<string> => {
    cli.kill('SIGINT');
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    expect(await waitGone(ours)).toEqual([]);
    return out.stdout();
  };
  return { work, wOut, pid, stop };
}

interface ThreadsJson {
  pid: number;
  sqpoll: number;
  sqpoll_cpu_pct: number | null;
  sqpoll_cpu_s: number;
  sampled_s: number;
}

describe.runIf(run)('a busy SQPOLL poller in the summary (real bpftrace)', () => {
  it('--json at the end of a capture: its CPU over the session, not over the last two looks', async () => {
    const w = await spinUnderCapture(60, ['--json']);
    try {
      // spinning a while under capture (the poller's own CPU, as /proc shows it, says how long)
      const from = sqpollCpuSec(w.pid);
      const t0 = Date.now();
      await eventually(
        () => (sqpollCpuSec(w.pid) - from >= 4 ? true : undefined),
        'the poller to use 4 s of CPU',
        60_000,
      );
      const share = ((sqpollCpuSec(w.pid) - from) / ((Date.now() - t0) / 1000)) * 100;
      const summary = JSON.parse(await w.stop()) as { threads: ThreadsJson[] };
      const t = summary.threads.find((x) => x.pid === w.pid);
      expect(t, JSON.stringify(summary.threads)).toBeDefined();
      console.log(
        `sqpoll-spin's poller: ${share.toFixed(0)} % of a CPU as the test read /proc; --json: ${t!.sqpoll_cpu_pct} % (${t!.sqpoll_cpu_s} s in ${t!.sampled_s} s)`,
      );
      expect(t!.sqpoll).toBe(1);
      // what the poller used, as the test saw it (the windows differ a little): at least half a
      // CPU when it had most of one (a machine this busy gives it less: then what it got)
      expect(t!.sqpoll_cpu_pct).toBeGreaterThanOrEqual(Math.min(50, share * 0.7));
      // no more than the poller can have used
      expect(t!.sqpoll_cpu_pct).toBeLessThanOrEqual(105);
      expect(t!.sampled_s).toBeGreaterThan(2);
    } finally {
      w.work.kill('SIGKILL');
      await exitOf(w.work);
    }
  });

  it('a process that exits before the end keeps its threads in the summary, with the CPU they used', async () => {
    const w = await spinUnderCapture(5, []);
    // what its poller used while it ran, as the test sees it (until the process is gone)
    const t0 = Date.now();
    let used = { sec: 0, atMs: t0 };
    const from = sqpollCpuSec(w.pid);
    const watch = setInterval(() => {
      try {
        used = { sec: sqpollCpuSec(w.pid) - from, atMs: Date.now() };
      } catch {
        // gone
      }
    }, 100);
    const wExit = await exitOf(w.work);
    clearInterval(watch);
    const share = used.atMs > t0 ? (used.sec / ((used.atMs - t0) / 1000)) * 100 : 0;
    expect(wExit.code, w.wOut.stderr()).toBe(0);
    const summary = await w.stop();
    const line = new RegExp(
      // (its ring is torn down before it exits: the last look may find no iou-sqp thread left)
      `^workers: PID ${w.pid} sqpoll-spin: 0 iou-wrk \\(max 0, CPU [^)]*\\), (?:1 iou-sqp \\(|0 iou-sqp \\(max 1, )CPU ([\\d.]+)%\\)$`,
      'm',
    ).exec(summary);
    expect(line, summary).not.toBeNull();
    console.log(
      `an exited sqpoll-spin's poller: ${share.toFixed(0)} % as the test saw it; ${line![0]}`,
    );
    expect(Number(line![1])).toBeGreaterThanOrEqual(Math.min(50, share * 0.7));
  });
});
