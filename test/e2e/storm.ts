/**
 * The NOP storm under iouringtop: a liburing program submitting a known number of NOPs
 * (test/workload/nop-storm.c), traced by a real bpftrace, and the JSON summary's shape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  collectOutput,
  exitOf,
  runCli,
  tempDir,
  waitFor,
  waitGone,
} from './env.js';

export interface Storm {
  pid: number;
  nops: number;
  calls: number;
  secs: number;
  /** 1 ms timeouts among the NOPs (`slow`). */
  timeouts: number;
  stdout: string;
  stderr: string;
  recording?: string;
}

/**
 * Runs `nop-storm count` under `iouringtop --headless --pid <it> …extra`, stopped with SIGINT after
 * it; with `slow`, a 1 ms timeout after each `slow` NOPs. With `afterReport` (and `--interval`
 * in `extra`), the storm starts only once the first report is out: the capture has read a round
 * of counters, and bpftrace is a round further on.
 */
export async function traceStorm(
  count: number,
  extra: string[],
  env: Record<string, string> = {},
  slow = 0,
  afterReport = false,
): Promise<Storm> {
  const bin = buildWorkload('nop-storm');
  const out = tempDir('iouringtop-exact-');
  const storm = spawn(bin, [String(count), '32', String(slow)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let cli: ChildProcess | undefined;
  try {
    const sOut = collectOutput(storm);
    const pid = Number((await waitFor(storm, 'stdout', /^pid (\d+)$/m))[1]);
    cli = runCli(
      ['--headless', '--duration', '300', '--pid', String(pid), '--output-dir', out, ...extra],
      { env },
    );
    const cOut = collectOutput(cli);
    // attached: the recording's path (or, without one, "capturing") is said once the probes are in
    const started = await waitFor(cli, 'stderr', /^(recording to (.+\.csv)|capturing)$/m);
    const ours = bpftraceUnder(cli.pid!);
    expect(ours).toHaveLength(1);
    if (afterReport) await waitFor(cli, 'stdout', /\n/);
    storm.stdin.write('go\n');
    const sExit = await exitOf(storm);
    expect(sExit.code, sOut.stderr()).toBe(0);
    const done = JSON.parse(
      sOut
        .stdout()
        .split('\n')
        .find((l) => l.startsWith('{')) ?? '{}',
    ) as {
      nops: number;
      calls: number;
      secs: number;
      timeouts: number;
    };
    // the final counts come with bpftrace's END, after the stop
    cli.kill('SIGINT');
    const cExit = await exitOf(cli);
    expect(cExit.code, cOut.stderr()).toBe(0);
    expect(await waitGone(ours)).toEqual([]);
    return { pid, ...done, stdout: cOut.stdout(), stderr: cOut.stderr(), recording: started[2] };
  } finally {
    if (storm.exitCode === null && storm.signalCode === null) storm.kill('SIGKILL');
    if (cli && cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGINT');
      await exitOf(cli);
    }
  }
}

export interface Summary {
  totals: { events: number; operations: number };
  opcodes: { opcode: string; ops: number; p50_us: number | null; p99_us: number | null }[];
  processes: {
    pid: number;
    command: string;
    ops: number;
    enter_calls: number;
    p50_us: number | null;
    p99_us: number | null;
  }[];
  figures: { from: string; counted_events: number | null; events: number };
  capture: {
    lost: number;
    tier: number | null;
    sampled: number | null;
    events?: {
      mode: string;
      budget_per_s: number;
      counted: number;
      sent: number;
      received: number;
    };
    latency_sampled?: boolean;
  } | null;
}

export const opsOf = (s: Summary, name: string): number | undefined =>
  s.opcodes.find((o) => o.opcode === name)?.ops;
