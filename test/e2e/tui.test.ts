/**
 * The TUI in a real terminal: tmux runs the built CLI as root against live fio workloads.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpftracePids, CLI, requireOrSkip, tempDir } from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('TUI end-to-end test', ['fio', 'tmux']);
let pane: TmuxPane | undefined;

afterAll(() => pane?.kill());

describe.runIf(run)('TUI in tmux', () => {
  it('shows fio with READ, filters by pid, and quits cleanly leaving no bpftrace', async () => {
    const dir = tempDir('iouringtop-tui-');
    const file = path.join(dir, 'fio.dat');
    execFileSync(
      'fio',
      ['--name=prep', '--rw=write', '--bs=1M', '--size=16M', `--filename=${file}`],
      { stdio: 'ignore' },
    );
    const p = (pane = new TmuxPane(
      `iouringtop-e2e-${process.pid}`,
      `${process.execPath} ${CLI} --no-record --comm fio`,
    ));
    await p.until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
    expect(p.alternateScreen()).toBe(true);
    const fio = (name: string) =>
      spawn(
        'fio',
        [
          `--name=${name}`,
          '--ioengine=io_uring',
          '--rw=randread',
          '--bs=4k',
          `--filename=${file}`,
          '--time_based',
          '--runtime=20',
          '--rate_iops=500',
        ],
        { stdio: 'ignore' },
      );
    const a = fio('a');
    const b = fio('b');
    try {
      const rows = (s: string) => s.split('\n').filter((l) => /^\s*>?\s*\d+\s+fio\s/.test(l));
      const s1 = await p.until(
        (s) => rows(s).filter((l) => l.includes('READ')).length >= 2,
        'two fio rows with READ',
      );
      const pids = rows(s1).map((l) => Number(/(\d+)\s+fio/.exec(l)![1]));
      const keep = pids[0];
      const hide = pids.find((p) => p !== keep)!;
      // One key at a time, as a person types: a burst arrives as one input string.
      await p.type(`/pid:${keep}`);
      p.keys('Enter');
      const s2 = await p.until((s) => rows(s).length === 1, 'the pid filter to hide the other fio');
      expect(rows(s2)[0]).toContain(String(keep));
      expect(s2).not.toMatch(new RegExp(`\\b${hide}\\s+fio`));
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
      expect(p.alternateScreen()).toBe(false);
      expect(bpftracePids()).toEqual([]);
    } finally {
      a.kill();
      b.kill();
    }
  });
});
