/**
 * The pictures in a real terminal (tmux), on the bundled demo (no root needed): the heatmap
 * (view 6) shows the demo's story, RECV waits of 65 ms and more from 0:30 to 0:45 and not
 * elsewhere, as a band at 120×36 and at 80×24; the charts of the selected row fill the room under
 * a short table at 120×36, side by side, and collapse to a line each at 80×24.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, requireOrSkip } from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('heatmap and charts test (replay)', ['tmux'], false);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

const linesOf = (s: string): string[] => s.replace(/\n$/, '').split('\n');

/** The demo replayed to its end in a pane of this size. */
async function demoAtEnd(size: { columns: number; rows: number }): Promise<TmuxPane> {
  const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
  const p = new TmuxPane(
    `iouringtop-pictures-${size.columns}-${process.pid}`,
    `${process.execPath} ${CLI} --replay ${demo} --speed max`,
    size,
  );
  panes.push(p);
  await p.until((s) => /■ END/.test(s), 'the replay at its end');
  return p;
}

/**
 * The heatmap's cells of the bands from `label` up, by column, and where the axis puts 0:30 and
 * 0:45 (the column under each label's middle).
 */
function band(screen: string, label: string): { cols: number[]; at30: number; at45: number } {
  const lines = linesOf(screen);
  const row = lines.findIndex((l) => l.startsWith(label.padStart(6)));
  expect(row, screen).toBeGreaterThan(0);
  const cols = new Set<number>();
  for (const l of lines.slice(0, row + 1))
    if (/^[ <\d.µmsn]{6}[┤│]/.test(l))
      [...l.slice(7)].forEach((ch, c) => ch !== ' ' && cols.add(c));
  const ticks = lines.find((l) => /\b0:30\b/.test(l) && /\b0:40\b/.test(l))!;
  const mid = (t: string) => ticks.indexOf(t) + Math.floor(t.length / 2) - 7;
  // 0:45 is half-way between the 0:40 and 0:50 ticks
  return {
    cols: [...cols].sort((a, b) => a - b),
    at30: mid('0:30'),
    at45: (mid('0:40') + mid('0:50')) / 2,
  };
}

describe.runIf(run)('pictures: the heatmap and the charts', () => {
  it('120×36: the RECV jump as a band from 0:30 to 0:45; charts side by side under the processes', async () => {
    const p = await demoAtEnd({ columns: 120, rows: 36 });
    p.keys('6');
    let screen = await p.until(
      (s) => /latency of every operation/.test(s) && /┬/.test(s),
      'view 6',
    );
    // down to RECV (every process): each ↓ the next process or opcode
    const title = (s: string) => /latency of [^\n]*/.exec(s)?.[0] ?? '';
    for (let i = 0; i < 30 && !/latency of RECV \(every process\)/.test(screen); i++) {
      const before = title(screen).slice(0, 40);
      p.keys('Down');
      screen = await p.until((s) => title(s).slice(0, 40) !== before, 'the next target');
    }
    screen = await p.until((s) => /latency of RECV \(every process\) +\d/.test(s), 'RECV');
    console.log(`view 6 at 120×36, RECV:\n${screen}`);
    const lines = linesOf(screen);
    expect(lines).toHaveLength(36);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(120);
    const slow = band(screen, '65.5ms');
    expect(slow.cols.length).toBeGreaterThanOrEqual(12);
    expect(Math.min(...slow.cols)).toBeGreaterThanOrEqual(slow.at30 - 2);
    expect(Math.max(...slow.cols)).toBeLessThanOrEqual(slow.at45 + 2);
    expect(screen).toMatch(/operations a second in a band: ░ 1/);

    p.keys('1');
    screen = await p.until((s) => /PID COMMAND/.test(s) && /ops\/s PID \d+/.test(s), 'charts');
    console.log(`view 1 at 120×36:\n${screen}`);
    // both charts, side by side, each with a y axis in its unit and the time axis to now
    expect(screen).toMatch(/ops\/s PID \d+ [\w-]+: [\d.]+K?\/s now, peak [\d.]+K?\/s +p99 PID/);
    expect(screen).toMatch(/^ *[\d.]+K?\/s┤.* +[\d.]+(µs|ms)┤/m);
    expect(screen).toMatch(/-10s +now +.*-10s +now/);
    expect(linesOf(screen).filter((l) => /[█▁▂▃▄▅▆▇]{3}/.test(l)).length).toBeGreaterThanOrEqual(
      10,
    );
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });

  it('80×24: the band still shows in view 6; the charts collapse to a line each', async () => {
    const p = await demoAtEnd({ columns: 80, rows: 24 });
    p.keys('6');
    let screen = await p.until(
      (s) => /latency of every operation/.test(s) && /┬/.test(s),
      'view 6',
    );
    console.log(`view 6 at 80×24:\n${screen}`);
    const lines = linesOf(screen);
    expect(lines).toHaveLength(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    // every operation: the 32.8 ms band and above (client RECVs of 60–125 ms) from 0:30 to 0:45
    const slow = band(screen, '32.8ms');
    const inWindow = slow.cols.filter((c) => c >= slow.at30 - 2 && c <= slow.at45 + 2);
    expect(inWindow.length, screen).toBeGreaterThanOrEqual(12);
    expect(screen).toMatch(/^ q:quit/m);

    p.keys('1');
    screen = await p.until((s) => /PID COMMAND/.test(s) && /^ops\/s PID/m.test(s), 'charts');
    console.log(`view 1 at 80×24:\n${screen}`);
    expect(screen).toMatch(
      /^ops\/s PID \d+ [\w-]+ [\d.]+K?\/s \(peak [\d.]+K?\/s\) [ ▁▂▃▄▅▆▇█]+$/m,
    );
    expect(screen).toMatch(
      /^p99 PID \d+ [\w-]+ [\d.]+(µs|ms) \(peak [\d.]+(µs|ms)\) [ ▁▂▃▄▅▆▇█]+$/m,
    );
    expect(screen).not.toMatch(/┤/);
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});
