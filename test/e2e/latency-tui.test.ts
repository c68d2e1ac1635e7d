/**
 * The latency panel in a real terminal (tmux) at 80×24, on a replay of the bundled demo
 * recording (no root needed): `l` on a process and on an opcode shows a histogram by power of two
 * and the slowest buffered requests, slowest first, with every field; Esc returns.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, requireOrSkip } from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('latency panel test (replay)', ['tmux'], false);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

const UNIT: Record<string, number> = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 };

/** The panel's parts, read off the screen. */
function panel(screen: string) {
  const lines = screen.replace(/\n$/, '').split('\n');
  const head = lines.findIndex((l) =>
    // (every field; the offset from 88 columns)
    /TIME\s+PID\s+COMM\s+OPCODE\s+FD\s+(OFFSET\s+)?LEN\s+RESULT\s+LAT/.test(l),
  );
  const histogram = lines.filter((l) => /(µs|ms|s) +[\d.]+K? +[\d.]+% █/.test(l));
  const rows = lines
    .slice(head + 1)
    .map((l) => /^\s*\d\d:\d\d:\d\d\.\d+\s+(\d+)\s.*?(\d+(?:\.\d+)?)(ns|µs|ms|s)\s*$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), latencyNs: Number(m[2]) * UNIT[m[3]] }));
  const title = /slowest (\d+) of its/.exec(screen);
  return { lines, head, histogram, rows, shown: title ? Number(title[1]) : -1 };
}

function checkPanel(screen: string): ReturnType<typeof panel> {
  const p = panel(screen);
  expect(p.lines, screen).toHaveLength(24);
  for (const l of p.lines) expect([...l].length, screen).toBeLessThanOrEqual(80);
  expect(p.head, screen).toBeGreaterThan(0);
  expect(p.histogram.length, screen).toBeGreaterThanOrEqual(2);
  expect(screen).toMatch(/p50 \S+\s+p90 \S+\s+p99 \S+\s+p99\.9 \S+\s+max \S+/);
  // N slowest, as many as fit, in descending latency
  expect(p.rows.length, screen).toBeGreaterThanOrEqual(3);
  expect(p.rows.length, screen).toBe(p.shown);
  const lat = p.rows.map((r) => r.latencyNs);
  expect(lat, screen).toEqual([...lat].sort((a, b) => b - a));
  return p;
}

describe.runIf(run)('the latency panel in a replay at 80x24', () => {
  it('shows a histogram and the slowest requests, slowest first, of a process and an opcode', async () => {
    const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
    const p = new TmuxPane(
      `iouringtop-latency-${process.pid}`,
      `${process.execPath} ${CLI} --replay ${demo} --speed max`,
      { columns: 80, rows: 24 },
    );
    panes.push(p);
    // at the end the figures stand still
    await p.until((s) => /■ END/.test(s), 'the replay at its end');
    const selected = /^>\s*(\d+) /m.exec(p.screen())?.[1];
    expect(selected).toBeDefined();
    p.keys('l');
    const proc = checkPanel(
      await p.until((s) => /slowest \d+ of its/.test(s), 'the latency panel of a process'),
    );
    expect(p.screen()).toContain(`latency of PID ${selected} `);
    // a process's requests are its own
    expect(proc.rows.every((r) => String(r.pid) === selected)).toBe(true);
    p.keys('Escape');
    await p.until((s) => /PID COMMAND/.test(s), 'back to the processes view');

    p.keys('2');
    await p.until((s) => /OPCODE\s+OPS/.test(s), 'the opcodes view');
    p.keys('l');
    checkPanel(
      await p.until((s) => /\(every process\)[\s\S]*slowest \d+ of its/.test(s), 'an opcode'),
    );
    p.keys('Escape');
    await p.until((s) => /OPCODE\s+OPS/.test(s), 'back to the opcodes view');
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});
