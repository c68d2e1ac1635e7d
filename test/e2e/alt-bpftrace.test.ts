/**
 * The capture with another bpftrace: Debian 13's 0.23 (CI makes it with
 * test/e2e/bpftrace-trixie.sh and names it in IOURINGTOP_TEST_ALT_BPFTRACE). The same workloads,
 * the same exact rows and counts as with the system's bpftrace, and no warning on the way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { readRecording } from '../../source/record/csvReader.js';
import { captureWorkload, requireOrSkip, runCli, collectOutput, exitOf } from './env.js';
import { opsOf, traceStorm, type Summary } from './storm.js';

const alt = process.env.IOURINGTOP_TEST_ALT_BPFTRACE ?? '';

function altAvailable(): boolean {
  if (!requireOrSkip('end-to-end tests with another bpftrace')) return false;
  if (alt !== '' && existsSync(alt)) return true;
  const why = alt === '' ? 'IOURINGTOP_TEST_ALT_BPFTRACE is not set' : `${alt} does not exist`;
  if (process.env.IOURINGTOP_E2E_REQUIRED)
    throw new Error(
      `CI must run the tests with Debian 13's bpftrace, but ${why} (.ci/run makes it)`,
    );
  process.stderr.write(
    `\n${'!'.repeat(78)}\n!! SKIPPING the tests with another bpftrace: ${why}.\n!! Make one with: sh test/e2e/bpftrace-trixie.sh, then IOURINGTOP_TEST_ALT_BPFTRACE=/usr/local/bin/bpftrace-trixie\n${'!'.repeat(78)}\n`,
  );
  return false;
}

const run = altAvailable();
const names = new OpcodeTable();

async function rows(file: string): Promise<IoEvent[]> {
  const out: IoEvent[] = [];
  await readRecording(file, { push: (ev) => out.push(copyEvent(ev)) });
  return out.filter((r) => r.opcode !== 255);
}

describe.runIf(run)(`capture with another bpftrace (${alt})`, () => {
  it('is a different version from the system one, found by --bpftrace', async () => {
    const version = execFileSync(alt, ['--version'], { encoding: 'utf8' }).trim();
    const system = execFileSync('bpftrace', ['--version'], { encoding: 'utf8' }).trim();
    expect(version).not.toBe(system);
    const probe = runCli(['--probe', '--bpftrace', alt]);
    const out = collectOutput(probe);
    expect((await exitOf(probe)).code, out.stderr()).toBe(0);
    expect(out.stdout()).toContain(`bpftrace: ${alt} (${version.replace(/^bpftrace /, '')})`);
    expect(out.stdout()).toMatch(/^capture: tier 1/m);
  });

  it('records exactly the workload’s operations, vectored lengths included, with no warning', async () => {
    for (const mode of [[], ['vectored']]) {
      const { reported, recording, stderr } = await captureWorkload(
        ['--bpftrace', alt],
        undefined,
        mode,
      );
      expect(stderr).not.toMatch(/warning|deprecated/i);
      const key = (op: string, fd: number, off: number, len: number, res: number): string =>
        `${op} fd=${fd} off=${off} len=${len} res=${res}`;
      expect(
        (await rows(recording))
          .map((r) => key(names.name(r.opcode), r.fd, r.offset, r.length, r.result))
          .sort(),
      ).toEqual(reported.map((r) => key(r.op, r.fd, r.off, r.len, r.res)).sort());
    }
  });

  it('keeps the totals exact in a NOP storm', async () => {
    const s = await traceStorm(1_000_000, ['--json', '--bpftrace', alt]);
    const sum = JSON.parse(s.stdout) as Summary;
    expect(opsOf(sum, 'NOP')).toBe(1_000_000);
    expect(opsOf(sum, 'IO_URING_ENTER')).toBe(s.calls);
    // the default event budget: events sent as it allows, lost = sent − received, said so
    const ev = sum.capture?.events;
    expect(ev).toMatchObject({ mode: 'budget', counted: 1_000_000 + s.calls });
    expect(ev!.sent).toBeGreaterThan(0);
    expect(ev!.sent).toBeLessThan(1_000_000 + s.calls);
    expect(ev!.received).toBe(sum.figures.events);
    expect(sum.capture?.lost).toBe(ev!.sent - ev!.received);
    expect(sum.capture?.latency_sampled).toBe(true);
    expect(s.stderr).not.toMatch(/warning|deprecated/i);
  });
});
