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
} from './env.js';
import { opsOf, type Summary } from './storm.js';

const run = requireOrSkip('process churn end-to-end tests');

/** Processes: more than the maps' keys would hold without taking any back. */
const CHILDREN = Number(process.env.IOURINGTOP_TEST_CHURN ?? 30_000);
const NOPS = 3;

interface ChurnSummary extends Summary {
  capture: Summary['capture'] & {
    dropped: number;
    reaped_processes: number;
    full_maps: string[];
  };
  figures: Summary['figures'] & { complete?: boolean };
}

async function traceChurn(
  extra: string[],
): Promise<{ sum: ChurnSummary; calls: number; secs: number }> {
  const churn = uniqueCommand(buildWorkload('churn'), 'churn');
  const out = tempDir('iouringtop-churn-');
  const w = spawn(churn.path, [String(CHILDREN), String(NOPS), '8'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let cli: ChildProcess | undefined;
  try {
    const wOut = collectOutput(w);
    await waitFor(w, 'stdout', /^pid (\d+)$/m);
    cli = runCli([
      '--headless',
      '--json',
      '--duration',
      '900',
      '--comm',
      churn.comm,
      '--output-dir',
      out,
      ...extra,
    ]);
    const cOut = collectOutput(cli);
    await waitFor(cli, 'stderr', /^(recording to (.+\.csv)|capturing)$/m);
    const ours = bpftraceUnder(cli.pid!);
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
    cli.kill('SIGINT');
    const cExit = await exitOf(cli);
    expect(cExit.code, cOut.stderr()).toBe(0);
    expect(await waitGone(ours)).toEqual([]);
    return { sum: JSON.parse(cOut.stdout()) as ChurnSummary, calls: done.calls, secs: done.secs };
  } finally {
    if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (cli && cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGINT');
      await exitOf(cli);
    }
  }
}

describe.runIf(run)(`${CHILDREN} short-lived processes × ${NOPS} NOPs`, () => {
  for (const [mode, extra] of [
    ['the default (events under a budget)', []],
    ['--no-events', ['--no-events']],
  ] as const) {
    it(`${mode}: every NOP and every io_uring_enter counted, the gone processes' keys taken back`, async () => {
      const { sum, calls, secs } = await traceChurn([...extra]);
      expect(opsOf(sum, 'NOP')).toBe(CHILDREN * NOPS);
      expect(opsOf(sum, 'IO_URING_ENTER')).toBe(calls);
      expect(sum.totals.operations).toBe(CHILDREN * NOPS);
      // without taking back keys, the maps (65536 keys) fill after ~20 000 such processes
      expect(sum.capture?.reaped_processes).toBeGreaterThan(CHILDREN / 2);
      expect(sum.capture?.dropped).toBe(0);
      expect(sum.capture?.full_maps).toEqual([]);
      console.log(
        `churn (${mode}): ${CHILDREN} processes in ${secs} s, ${opsOf(sum, 'NOP')} NOPs counted, ` +
          `${sum.capture?.reaped_processes} processes' keys taken back`,
      );
    }, 900_000);
  }
});
