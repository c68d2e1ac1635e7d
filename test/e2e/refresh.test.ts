/**
 * The header's counts keep up in a NOP storm on every CPU (a real terminal, real bpftrace): each
 * second the total moves on, and the rate never falls to 0 while the storm runs; the recorded
 * rounds of counts are each about a second long, none missing. Printed from a timer probe, the
 * counters went missing for seconds: the kernel skips a timer's BPF program while another runs on
 * its CPU, which in a storm is much of the time (measured: 9 firings of 15, with a storm per CPU).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  CLI,
  eventually,
  exitOf,
  requireOrSkip,
  tempDir,
  uniqueCommand,
  waitFor,
  waitGone,
} from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('counts refresh in a storm (TUI end-to-end)', ['tmux', 'taskset']);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

/** Rounds of counts the header must show, each within DEADLINE_MS of the one before. */
const ROUNDS = 8;
/** Two ticks and a little: past two intervals without counts, the rate would read 0. */
const DEADLINE_MS = 2_500;
/** The longest round of counts allowed: a tick (1 s) late by half a tick. A missing round: 2 s. */
const LONGEST_ROUND_US = 1_500_000;

const UNIT: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9 };

/** The header's rate and total (`2.1M ops/s  total 12.4M ops`), or undefined. */
function header(screen: string): { rate: number; total: string } | undefined {
  const m = /(\d+(?:\.\d+)?)([KMG]?) ops\/s {2}total (\S+) ops/.exec(screen);
  return m ? { rate: Number(m[1]) * UNIT[m[2]], total: m[3] } : undefined;
}

describe.runIf(run)('the counts in a storm', () => {
  it('move on every second in the header while a NOP storm fills every CPU', async () => {
    const storm = uniqueCommand(buildWorkload('nop-storm'), 'nopall');
    const out = tempDir('iouringtop-refresh-');
    const p = new TmuxPane(
      `iouringtop-refresh-${process.pid}`,
      `${process.execPath} ${CLI} --output-dir ${out} --comm ${storm.comm}`,
    );
    panes.push(p);
    const storms: ChildProcess[] = [];
    try {
      await p.until((s) => /no io_uring activity/.test(s), 'the capture to start');
      const ours = await eventually(() => {
        const found = bpftraceUnder(p.pid());
        return found.length === 1 ? found : undefined;
      }, 'the pane’s bpftrace');
      // one storm pinned to each CPU, each far longer than the test
      for (let cpu = 0; cpu < os.availableParallelism(); cpu++) {
        const s = spawn('taskset', ['-c', String(cpu), storm.path, '1000000000000'], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        storms.push(s);
        await waitFor(s, 'stdout', /^pid \d+$/m);
      }
      const pids = new Set<number>();
      for (const s of storms) {
        pids.add(s.pid!);
        s.stdin!.write('go\n');
      }
      let shown = (
        await p.until((s) => (header(s)?.rate ?? 0) > 0, 'the storm in the header', 10_000)
      ).trim();
      for (let round = 0; round < ROUNDS; round++) {
        const was = header(shown)!.total;
        shown = await p.until(
          (s) => header(s) !== undefined && header(s)!.total !== was,
          `round ${round + 1} of the counts (after total ${was})`,
          DEADLINE_MS,
        );
        expect(header(shown)!.rate, shown).toBeGreaterThan(0);
      }
      for (const s of storms) s.kill('SIGKILL');
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
      expect(await waitGone(ours)).toEqual([]);
      // every round of counts recorded while the storm ran is about a second long
      const dir = path.join(out, 'iouring');
      const file = readdirSync(dir).find((f) => f.endsWith('.counts.jsonl'))!;
      const rounds = readFileSync(path.join(dir, file), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: number; i: number; r: [number][] })
        .filter((r) => r.r.some((row) => pids.has(row[0])));
      expect(rounds.length).toBeGreaterThanOrEqual(ROUNDS);
      // (the first began before the storm, the last may be the final print, at the stop)
      const inner = rounds.slice(1, -1).map((r) => r.i);
      expect(Math.max(...inner), inner.join(' ')).toBeLessThanOrEqual(LONGEST_ROUND_US);
    } finally {
      for (const s of storms) {
        if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
        await exitOf(s);
      }
    }
  });
});
