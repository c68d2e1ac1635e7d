/**
 * Latency after CQ overflows (issue #31): a CQE that goes to the overflow list fires
 * io_uring_cqe_overflow instead of io_uring_complete, and names no request, so the submission's
 * record is never taken back by a completion. 122 882 overflowed completions (the corpus's
 * `overflow polls 61504`, twice: multishot polls the kernel ends on a full CQ, whose last CQE
 * overflows) must not leave the in-flight maps full: a later program still has its latencies,
 * and nothing is dropped once the overflowing program is gone. In every capture mode.
 */
import { execFileSync, spawn } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCorpus } from '../workload/build.js';
import {
  buildWorkload,
  collectOutput,
  exitOf,
  requireOrSkip,
  ROOT,
  runCli,
  tempDir,
  waitFor,
} from './env.js';

const run = requireOrSkip('CQ overflow end-to-end tests');

interface Row {
  pid: number;
  command: string;
  ops: number;
  overflow: number | null;
  p50_us: number;
  p99_us: number;
}
interface Json {
  processes: Row[];
  capture: { dropped: number; overflow: number };
}

const POLLS = 61_504;
/** The CQ of `overflow polls`: the polls that fit post into it, the others overflow. */
const CQ = 64;

describe.runIf(run)(`latency after ${2 * (POLLS - CQ)} overflowed completions`, () => {
  for (const mode of [[], ['--all-events'], ['--no-events']]) {
    it(`${mode[0] ?? 'the default'}: a later program has its p50 and p99, nothing dropped`, async () => {
      const bins = await compileCorpus(ROOT, tempDir('iouringtop-ovf-bin-'));
      // the two programs under names of one prefix, which the capture filters on
      const dir = tempDir('iouringtop-ovf-');
      const prefix = `ov${process.pid.toString(36)}`.slice(0, 10);
      const overflow = path.join(dir, `${prefix}o`);
      const storm = path.join(dir, `${prefix}n`);
      symlinkSync(bins.get('overflow')!, overflow);
      symlinkSync(buildWorkload('nop-storm'), storm);
      const cli = runCli(['--headless', '--json', '--no-record', '--comm', `${prefix}*`, ...mode]);
      try {
        const out = collectOutput(cli);
        await waitFor(cli, 'stderr', /^capturing$/m);
        for (let i = 0; i < 2; i++)
          execFileSync(overflow, ['polls', String(POLLS)], { stdio: 'ignore' });
        const s = spawn(storm, ['40000', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
        const sOut = collectOutput(s);
        const pid = Number((await waitFor(s, 'stdout', /^pid (\d+)$/m))[1]);
        s.stdin.write('go\n');
        expect((await exitOf(s)).code, sOut.stderr()).toBe(0);
        cli.kill('SIGINT');
        expect((await exitOf(cli)).code, out.stderr()).toBe(0);
        const j = JSON.parse(out.stdout()) as Json;
        const overflowed = j.processes
          .filter((p) => p.command === `${prefix}o`)
          .reduce((n, p) => n + (p.overflow ?? 0), 0);
        // (and each run's cancel of the polls still armed overflows one more)
        expect(overflowed).toBe(2 * (POLLS - CQ + 1));
        const nops = j.processes.find((p) => p.pid === pid)!;
        expect(nops.ops).toBe(40_000);
        expect(nops.p50_us).toBeGreaterThan(0);
        expect(nops.p99_us).toBeGreaterThanOrEqual(nops.p50_us);
        expect(j.capture.dropped).toBe(0);
      } finally {
        if (cli.exitCode === null && cli.signalCode === null) {
          cli.kill('SIGINT');
          await exitOf(cli);
        }
      }
    }, 180_000);
  }
});
