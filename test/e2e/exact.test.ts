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
import { DEFAULT_EVENT_BUDGET } from '../../source/config.js';
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

  it('--all-events, stopped the moment a small workload ends: every event recorded, none lost', async () => {
    // The storm starts after a first round of counters, and the stop comes before the next
    // round is read: only bpftrace's END counts the storm, and its events come between the
    // rounds. A stop lands anywhere in the one-second round: three runs, three phases.
    for (let run = 0; run < 3; run++) {
      const s = await traceStorm(10, ['--json', '--all-events', '--interval', '1'], {}, 0, true);
      const sum = JSON.parse(s.stdout.trim().split('\n').at(-1)!) as Summary;
      expect(sum.totals).toMatchObject({ operations: 10, events: 10 + s.calls });
      expect(sum.capture?.lost, `run ${run}: ${s.stderr}`).toBe(0);
      const rows = recordedRows(s.recording!);
      expect(rows.filter((r) => r.split(',')[3] === 'NOP')).toHaveLength(10);
      expect(rows).toHaveLength(10 + s.calls);
    }
  });

  it('the default: exact totals, events within the budget, latencies sampled, and said so', async () => {
    const s = await traceStorm(1_000_000, []);
    expect(s.stdout).toMatch(
      /^Figures: the kernel counts \(exact\); events: [\d.,K]+ of [\d.,KM]+ received, [\d.,KM]+ sampled out over the budget of 20\.0K\/s \(--all-events keeps every one\); latencies sampled \(percentiles are estimates\)$/m,
    );
    const replay = runCli(['--replay', s.recording!, '--json']);
    const rOut = collectOutput(replay);
    expect((await exitOf(replay)).code, rOut.stderr()).toBe(0);
    const sum = JSON.parse(rOut.stdout()) as Summary;
    expect(opsOf(sum, 'NOP')).toBe(1_000_000);
    expect(opsOf(sum, 'IO_URING_ENTER')).toBe(s.calls);
    const meta = await readSessionMeta(s.recording!);
    expect(meta).toMatchObject({
      eventMode: 'budget',
      eventBudget: DEFAULT_EVENT_BUDGET,
      eventsCounted: 1_000_000 + s.calls,
      latencySampled: true,
      operationsCounted: 1_000_000,
    });
    // the budget holds: each CPU gets its share a second, refilled each second of the storm
    const sent = meta!.eventsSent!;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(DEFAULT_EVENT_BUDGET * (Math.ceil(s.secs) + 2));
    // every event sent arrived or was counted lost, and the recording holds those that arrived
    const kept = recordedRows(s.recording!).length;
    expect(kept + (meta!.lost ?? 0)).toBe(sent);
    expect(sum.figures).toMatchObject({ counted_events: 1_000_000 + s.calls, events: kept });
    console.log(
      `default budget: ${kept} events of ${1_000_000 + s.calls} kept in ${s.secs} s, ${meta!.lost} lost`,
    );
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

  // 500 slow operations (1 ms timeouts, one after another), then 300 000 NOPs, in one process:
  // 0.17 % of its operations, so its p99 is a NOP's. A sampler takes every slow one (they come
  // at a low rate) and one NOP in many: unless each sample counts for the requests it stands
  // for, the slow ones weigh ten times their share, and the p99 is 1 ms.
  for (const mode of [[], ['--no-events'], ['--all-events']]) {
    it(`${mode[0] ?? 'the default'}: a process's p99 is its NOPs', not its rare 1 ms timeouts`, async () => {
      const s = await traceStorm(300_000, ['--json', ...mode], {}, 500);
      expect(s.timeouts).toBe(500);
      const sum = JSON.parse(s.stdout) as Summary;
      const timeouts = sum.opcodes.find((o) => o.opcode === 'TIMEOUT');
      expect(timeouts?.ops).toBe(500);
      // every one of them is about a millisecond, whatever was sampled
      expect(timeouts!.p50_us).toBeGreaterThan(900);
      const p = sum.processes.find((r) => r.pid === s.pid)!;
      expect(p.ops).toBe(300_500);
      expect(p.p99_us, JSON.stringify(p)).toBeLessThan(500);
      console.log(
        `${mode[0] ?? 'default'}: process p50 ${p.p50_us} µs, p99 ${p.p99_us} µs; ` +
          `timeouts p50 ${timeouts!.p50_us} µs`,
      );
    });
  }
});
