/**
 * Process churn: tens of thousands of short-lived processes, each with its own ring and a few
 * NOPs (a build, a CGI server). Every process has keys in the kernel's counter maps; without
 * taking back the keys of processes that are gone, the maps fill up and later counts are lost
 * silently. The counts must stay exact, and the keys must be taken back (or a shortfall said).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  collectOutput,
  exitOf,
  requireOrSkip,
  runCli,
  tempDir,
  uniqueCommand,
  waitFor,
  waitGone,
  type ProcessRef,
} from './env.js';
import { opsOf, type Summary } from './storm.js';
import { eventually } from '../helpers/eventually.js';

const run = requireOrSkip('process churn end-to-end tests');

/** Processes: more than the maps' keys would hold without taking any back. */
const CHILDREN = Number(process.env.IOURINGTOP_TEST_CHURN ?? 30_000);
const NOPS = 3;
/**
 * Processes running at once: 2 makes about 1 000 a second here, beside two captures on two CPUs.
 * (At 8, three times as many, a capture fell ten seconds behind and its latency map filled;
 * how fast churn a capture keeps up with is a figure for the benchmarks, not this test.)
 */
const PARALLEL = 2;

interface ChurnSummary extends Summary {
  capture: Summary['capture'] & {
    dropped: number;
    reaped_processes: number;
    full_maps: string[];
  };
  figures: Summary['figures'] & { complete?: boolean };
}

/**
 * One churn workload traced by one iouringtop per mode at once (each its own bpftrace and maps):
 * the workload, the longest part of the test, runs once for every mode.
 */
async function traceChurn(
  modes: readonly (readonly string[])[],
): Promise<{ sums: ChurnSummary[]; reported: number[]; calls: number; secs: number }> {
  const churn = uniqueCommand(buildWorkload('churn'), 'churn');
  const w = spawn(churn.path, [String(CHILDREN), String(NOPS), String(PARALLEL)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const clis: ChildProcess[] = [];
  try {
    const wOut = collectOutput(w);
    await waitFor(w, 'stdout', /^pid (\d+)$/m);
    const outs = [];
    const ours: ProcessRef[] = [];
    for (const extra of modes) {
      const cli = runCli([
        '--headless',
        '--json',
        '--interval',
        '1',
        '--duration',
        '900',
        '--comm',
        churn.comm,
        '--output-dir',
        tempDir('iouringtop-churn-'),
        ...extra,
      ]);
      clis.push(cli);
      outs.push(collectOutput(cli));
      await waitFor(cli, 'stderr', /^(recording to (.+\.csv)|capturing)$/m);
      ours.push(...bpftraceUnder(cli.pid!));
    }
    w.stdin.write('go\n');
    const wExit = await exitOf(w);
    expect(wExit.code, wOut.stderr()).toBe(0);
    const done = JSON.parse(
      wOut
        .stdout()
        .split('\n')
        .find((l) => l.startsWith('{')) ?? '{}',
    ) as { nops: number; calls: number; secs: number };
    expect(done.nops).toBe(CHILDREN * NOPS);
    // Each capture may be seconds behind (it reads a process's events, names, end and counts):
    // stopped now, the processes of its last seconds would go without their keys taken back.
    // So: until its reports (--interval 1) have seen every NOP come and go: three reports in a
    // row with no operation, after the ones with them (a process's keys go a second after its
    // end, once a round has seen its counts unchanged).
    for (const out of outs) {
      await eventually(
        () => {
          const ops = intervals(out.stdout()).map((r) => r.totals.operations);
          const quiet =
            ops.some((n) => n > 0) && ops.length >= 3 && ops.slice(-3).every((n) => n === 0);
          return quiet ? true : undefined;
        },
        'three reports without an operation',
        180_000,
      );
    }
    const sums: ChurnSummary[] = [];
    const reported: number[] = [];
    for (const [i, cli] of clis.entries()) {
      cli.kill('SIGINT');
      const cExit = await exitOf(cli);
      expect(cExit.code, outs[i].stderr()).toBe(0);
      const lines = outs[i].stdout().trim().split('\n');
      sums.push(JSON.parse(lines[lines.length - 1]) as ChurnSummary);
      reported.push(intervals(outs[i].stdout()).reduce((n, r) => n + r.totals.operations, 0));
    }
    expect(await waitGone(ours)).toEqual([]);
    return { sums, reported, calls: done.calls, secs: done.secs };
  } finally {
    if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    for (const cli of clis)
      if (cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGINT');
        await exitOf(cli);
      }
  }
}

/** The --interval reports on a capture's stdout so far (whole lines). */
function intervals(stdout: string): { totals: { operations: number } }[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('{"type":"interval"'))
    .map((l) => JSON.parse(l) as { totals: { operations: number } });
}

const MODES = [
  ['the default (events under a budget)', []],
  ['--no-events', ['--no-events']],
] as const;

describe.runIf(run)(`${CHILDREN} short-lived processes × ${NOPS} NOPs`, () => {
  it(`${MODES.map(([m]) => m).join(' and ')}, traced at once: every NOP and every io_uring_enter counted, the gone processes' keys taken back`, async () => {
    const { sums, reported, calls, secs } = await traceChurn(MODES.map(([, extra]) => extra));
    for (const [i, [mode]] of MODES.entries()) {
      const sum = sums[i];
      expect(opsOf(sum, 'NOP'), mode).toBe(CHILDREN * NOPS);
      expect(opsOf(sum, 'IO_URING_ENTER'), mode).toBe(calls);
      expect(sum.totals.operations, mode).toBe(CHILDREN * NOPS);
      // the --interval reports (the last one at the stop) add up to the summary, keys taken
      // back between them or not
      expect(reported[i], mode).toBe(CHILDREN * NOPS);
      // without taking back keys, the maps (65536 keys) fill after ~20 000 such processes; once
      // the capture has caught up, every process's are taken back (a pid used again while its
      // keys were still there shares its row, and its reaping, with the process before it)
      expect(sum.capture?.reaped_processes, mode).toBeGreaterThan(CHILDREN * 0.95);
      expect(sum.capture?.dropped, mode).toBe(0);
      expect(sum.capture?.full_maps, mode).toEqual([]);
      console.log(
        `churn (${mode}): ${CHILDREN} processes in ${secs} s, ${opsOf(sum, 'NOP')} NOPs counted, ` +
          `${sum.capture?.reaped_processes} processes' keys taken back`,
      );
    }
  }, 900_000);
});
