/**
 * Honest numbers at production rates: a NOP storm of a known size, faster than the event stream
 * can follow, traced with real bpftrace. Every figure must be exact (the kernel counts them),
 * whether events are all asked for (and some lost), sampled, or off; what became of the events
 * must be said, and lost events must be counted exactly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countsPathFor } from '../../source/record/countsFile.js';
import { readSessionMeta } from '../../source/record/meta.js';
import { collectOutput, exitOf, recordedRows, requireOrSkip, runCli } from './env.js';
import { opsOf, traceStorm, type Summary } from './storm.js';

const run = requireOrSkip('exact-count end-to-end tests');

describe.runIf(run)('exact figures at any rate (real bpftrace, NOP storm)', () => {
  it('--all-events: exact totals, and exactly the events that did not arrive counted as lost', async () => {
    const s = await traceStorm(2_000_000, ['--json', '--all-events'], {
      BPFTRACE_PERF_RB_PAGES: '8',
    });
    const sum = JSON.parse(s.stdout) as Summary;
    expect(s.nops).toBe(2_000_000);
    // the figures: the kernel's counts, exact, however many events were lost on the way
    expect(opsOf(sum, 'NOP')).toBe(2_000_000);
    expect(opsOf(sum, 'IO_URING_ENTER')).toBe(s.calls);
    expect(sum.processes).toEqual([
      expect.objectContaining({
        pid: s.pid,
        command: 'nop-storm',
        ops: 2_000_000,
        enter_calls: s.calls,
      }),
    ]);
    expect(sum.totals).toMatchObject({ operations: 2_000_000, events: 2_000_000 + s.calls });
    // the events: received + lost = counted, and the recording holds every one received
    const f = sum.figures;
    expect(f).toMatchObject({
      from: 'kernel counts',
      counted_events: 2_000_000 + s.calls,
    });
    expect(sum.capture).toMatchObject({ tier: 1, sampled: 1 });
    const lost = 2_000_000 + s.calls - f.events;
    // (bpftrace's buffers made small: events must be lost, whatever the machine's speed)
    expect(lost).toBeGreaterThan(0);
    expect(sum.capture?.lost).toBe(lost);
    expect(recordedRows(s.recording!).length).toBe(f.events);
    const meta = await readSessionMeta(s.recording!);
    expect(meta).toMatchObject({
      events: f.events,
      lost,
      eventSampling: 1,
      operationsCounted: 2_000_000,
    });
    expect(meta?.counts?.complete).toBe(true);
    // losses are told on stderr as they happen, at most once in ten seconds, and at the end
    const told = s.stderr.split('\n').filter((l) => / events lost /.test(l));
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(told.length).toBeLessThanOrEqual(2 + Math.ceil(s.secs / 10));
    expect(told.at(-1)).toContain(`(${lost} in all)`);
    expect(told.at(-1)).toContain('every total stays exact');
    console.log(
      `NOP storm: ${s.nops} NOPs in ${s.secs} s (${Math.round(s.nops / s.secs)}/s traced); ` +
        `events ${f.events} of ${2_000_000 + s.calls} received, ${lost} lost`,
    );

    // the replay shows the same figures, from the counts recorded beside the events
    const replay = runCli(['--replay', s.recording!, '--json']);
    const rOut = collectOutput(replay);
    expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
    const again = JSON.parse(rOut.stdout()) as Summary;
    expect(again.opcodes).toEqual(sum.opcodes);
    expect(again.processes).toEqual(sum.processes);
    expect(again.figures).toMatchObject({
      from: 'recorded kernel counts',
      counted_events: 2_000_000 + s.calls,
      events: f.events,
    });
    expect(readFileSync(countsPathFor(s.recording!), 'utf8').length).toBeGreaterThan(0);
  });

  it('--sample 100: exact totals, about one event in a hundred recorded, and said so', async () => {
    const s = await traceStorm(1_000_000, ['--sample', '100']);
    expect(s.stdout).toMatch(
      /^Figures: the kernel counts \(exact\); events: 1 in 100 kept \([\d.,K]+ of [\d.,KM]+\); latencies sampled \(percentiles are estimates\)$/m,
    );
    const replay = runCli(['--replay', s.recording!, '--json']);
    const rOut = collectOutput(replay);
    expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
    const sum = JSON.parse(rOut.stdout()) as Summary;
    expect(opsOf(sum, 'NOP')).toBe(1_000_000);
    expect(opsOf(sum, 'IO_URING_ENTER')).toBe(s.calls);
    const kept = recordedRows(s.recording!).length;
    expect(sum.figures).toMatchObject({ counted_events: 1_000_000 + s.calls, events: kept });
    expect(sum.capture).toMatchObject({ sampled: 100 });
    // a binomial draw with mean ~10 300: outside these bounds is a broken sampler, not bad luck
    expect(kept).toBeGreaterThan(5_000);
    expect(kept).toBeLessThan(20_000);
    const meta = await readSessionMeta(s.recording!);
    expect(meta?.eventSampling).toBe(100);
  });

  it('--no-events: exact totals from the counts alone, no recording, and said so', async () => {
    const s = await traceStorm(1_000_000, ['--no-events', '--json']);
    expect(s.recording).toBeUndefined();
    const sum = JSON.parse(s.stdout) as Summary;
    expect(opsOf(sum, 'NOP')).toBe(1_000_000);
    expect(opsOf(sum, 'IO_URING_ENTER')).toBe(s.calls);
    expect(sum.figures).toMatchObject({ from: 'kernel counts', events: 0 });
    expect(sum.capture).toMatchObject({ lost: 0, sampled: null });
  });
});
