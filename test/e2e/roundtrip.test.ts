/**
 * Round trip: a live headless capture of a known workload, recorded to CSV, replayed headless from
 * the CSV and from a gzipped copy, must print the same summary the live run printed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsPathFor } from '../../source/record/countsFile.js';
import { filesPathFor } from '../../source/proc/sidecar.js';
import { metaPathFor, readSessionMeta } from '../../source/record/meta.js';
import {
  captureWorkload,
  collectOutput,
  exitOf,
  requireOrSkip,
  runCli,
  summaryBody,
} from './env.js';

const run = requireOrSkip('record/replay round-trip test');

interface Json {
  opcodes: { opcode: string; p50_us: number; p99_us: number; max_us: number }[];
}

async function replayHeadless(
  file: string,
  extra: string[] = [],
): Promise<{ stdout: string; stderr: string }> {
  const cli = runCli(['--replay', file, '--headless', ...extra]);
  const out = collectOutput(cli);
  const exit = await exitOf(cli);
  expect(exit.code, out.stderr()).toBe(0);
  return { stdout: out.stdout(), stderr: out.stderr() };
}

describe.runIf(run)('record → replay round trip', () => {
  it('replaying the recording prints the live run’s summary, from .csv and .csv.gz', async () => {
    const { pid, recording, stdout: live } = await captureWorkload();

    // The live summary itself is right: the workload's 26 operations, by opcode, for its pid.
    expect(live).toMatch(/^iouringtop live capture, tier /);
    expect(live).toMatch(/ 52 events, 26 operations /);
    expect(live).toMatch(/^READ +4 /m);
    expect(live).toMatch(/^WRITE +4 /m);
    expect(live).toMatch(/^NOP +3 /m);
    expect(live).toMatch(/^TIMEOUT +1 /m);
    expect(live).toMatch(new RegExp(`^ *${pid} +uring-workload +26 `, 'm'));
    expect(live).toMatch(/^Errors: EBADF 1$/m);
    // a timeout that expired and a cancelled poll are what those operations are for
    expect(live).toMatch(/^Expected results: ETIME 1, ECANCELED 1$/m);
    expect(live).toMatch(/^Figures: the kernel counts \(exact\); events: 52 of 52 received$/m);

    // The metadata beside it: the session's times and counts.
    const meta = await readSessionMeta(recording);
    expect(meta?.events).toBe(52);
    expect(meta?.filters.text).toBe(`pid:${pid}`);
    expect(meta?.endedAt).not.toBeNull();

    const fromCsv = await replayHeadless(recording);
    expect(fromCsv.stdout).toMatch(/^iouringtop replay of /);
    expect(fromCsv.stderr).toMatch(/replayed 52 rows in /);
    expect(summaryBody(fromCsv.stdout)).toBe(summaryBody(live));
    expect(fromCsv.stdout).toMatch(
      /^Figures: the recorded kernel counts; events: 52 of 52 recorded$/m,
    );

    // The same from a gzipped copy (the metadata and the counts are found beside it too).
    const gz = path.join(path.dirname(recording), 'copy', path.basename(recording));
    execFileSync('mkdir', ['-p', path.dirname(gz)]);
    copyFileSync(recording, gz);
    copyFileSync(metaPathFor(recording), metaPathFor(gz));
    copyFileSync(countsPathFor(recording), countsPathFor(gz));
    copyFileSync(filesPathFor(recording), filesPathFor(gz)); // the file names
    execFileSync('gzip', [gz]);
    expect(readdirSync(path.dirname(gz)).sort()).toEqual(
      [
        path.basename(gz) + '.gz',
        path.basename(metaPathFor(gz)),
        path.basename(countsPathFor(gz)),
        path.basename(filesPathFor(gz)),
      ].sort(),
    );
    const fromGz = await replayHeadless(gz + '.gz');
    const countsJson = JSON.parse((await replayHeadless(gz + '.gz', ['--json'])).stdout) as Json;
    expect(summaryBody(fromGz.stdout)).toBe(summaryBody(live));

    // Without the counts, the figures come from the events: the same operations, bytes and
    // errors; the latencies exact where the counts had them to within their bucket.
    unlinkSync(countsPathFor(gz));
    const fromEvents = await replayHeadless(gz + '.gz');
    expect(fromEvents.stdout).toMatch(/^Figures: from the recording's 52 events$/m);
    // the kernel's latency histogram against the events' own: a kernel bucket's middle is within
    // 1.6 % of any latency in it (32 per power of two), the model's histogram of the events within
    // 0.8 % (64 per power of two); two estimates of one latency differ by up to 2.4 %
    const eventsJson = JSON.parse((await replayHeadless(gz + '.gz', ['--json'])).stdout) as Json;
    expect(eventsJson.opcodes.map((o) => o.opcode)).toEqual(
      countsJson.opcodes.map((o) => o.opcode),
    );
    for (const [i, o] of eventsJson.opcodes.entries()) {
      const k = countsJson.opcodes[i];
      for (const q of ['p50_us', 'p99_us', 'max_us'] as const)
        expect(Math.abs(k[q] - o[q]), `${o.opcode} ${q}: ${k[q]} vs ${o[q]}`).toBeLessThanOrEqual(
          0.024 * o[q] + 0.001,
        );
    }
    // (the main tables: the diagnostics after them need the counts)
    const columns = (s: string, upTo: number) =>
      s
        .split('\nDiagnostics by opcode\n')[0]
        .split('\n')
        .filter((l) => /^[A-Z_]+ +\d/.test(l) || /^ *\d+ +uring-workload/.test(l))
        .map((l) => l.trim().split(/ {2,}/).slice(0, upTo).join('  '));
    // (OPCODE OPS AVG-OPS/S READ WRITTEN ERRORS; PID COMMAND OPS …)
    expect(columns(fromEvents.stdout, 6)).toEqual(columns(live, 6));

    // Without the metadata too the operations are the same; only the rates (which need the
    // session's length) and the capture counters may differ.
    unlinkSync(metaPathFor(gz));
    const bare = await replayHeadless(gz + '.gz');
    const tables = (s: string) => columns(s, 6).map((l) => l.replace(/ +[\d.]+[KM]?\/s/, ''));
    expect(tables(bare.stdout)).toEqual(tables(live));
    expect(tables(live)).toHaveLength(18);
    expect(readFileSync(recording, 'utf8').split('\n').length).toBe(54); // header + 52 + ''
  });
});
